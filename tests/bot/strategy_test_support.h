// Candles for the strategy tests (one a minute, from a list of closes) and the checks every
// strategy plug-in must pass: updates and replayed candles change nothing, a saved state resumes
// exactly, a state that is not the strategy's own is refused and leaves it untouched.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bot/core/strategy.h"
#include "exchange/market_data.h"

namespace bot_test {

inline exchange::Kline kline(std::int64_t minute, const config::Decimal& close,
                             bool closed = true) {
    exchange::Kline k;
    k.symbol = "BTCUSDT";
    k.interval = "1m";
    k.open_time_ms = minute * 60'000;
    k.close_time_ms = k.open_time_ms + 59'999;
    k.open = k.high = k.low = k.close = close;
    k.closed = closed;
    k.event_time_ms = k.close_time_ms;
    return k;
}

// What a strategy decided, by candle index.
struct Seen {
    size_t index;
    bot::Decision decision;
};

inline bool same(const bot::Decision& a, const bot::Decision& b) {
    return a.side == b.side && a.price == b.price && a.reason == b.reason;
}

// Feeds closes[from, to) as closed candles at minutes from..to-1.
inline std::vector<Seen> feed(bot::Strategy& s, const std::vector<config::Decimal>& closes,
                              size_t from, size_t to) {
    std::vector<Seen> out;
    for (size_t i = from; i < to; ++i) {
        if (auto dec = s.on_kline(kline(static_cast<std::int64_t>(i), closes[i]))) {
            out.push_back({i, *dec});
        }
    }
    return out;
}

// A decision a test expects: at candle `index`, `side`, for `reason`; its price is that candle's
// close.
struct Expected {
    size_t index;
    exchange::Side side;
    std::string reason;
};

// Checks that `seen` (from feed() over `closes`) is exactly `expected`, in order.
inline void check_decisions(const std::vector<Seen>& seen,
                            const std::vector<config::Decimal>& closes,
                            const std::vector<Expected>& expected) {
    REQUIRE(seen.size() == expected.size());
    for (size_t i = 0; i < seen.size(); ++i) {
        INFO("decision " << i << " at candle " << expected[i].index);
        CHECK(seen[i].index == expected[i].index);
        CHECK(seen[i].decision.side == expected[i].side);
        CHECK(seen[i].decision.price == closes.at(expected[i].index));
        CHECK(seen[i].decision.reason == expected[i].reason);
    }
}

inline std::vector<config::Decimal> decimals(const std::vector<const char*>& v) {
    std::vector<config::Decimal> out;
    for (const char* s : v) out.push_back(config::Decimal::from_string(s));
    return out;
}

// Feeds every close as a closed candle, and around it what must change nothing: updates of the
// open candle at `update_prices`, the same candle again, and an older candle at `older_price`.
// Returns the indices that decided.
inline std::vector<size_t> decisions_amid_noise(bot::Strategy& s,
                                                const std::vector<config::Decimal>& closes,
                                                const std::vector<config::Decimal>& update_prices,
                                                const config::Decimal& older_price) {
    std::vector<size_t> indices;
    for (size_t i = 0; i < closes.size(); ++i) {
        const auto minute = static_cast<std::int64_t>(i);
        for (const auto& p : update_prices) CHECK_FALSE(s.on_kline(kline(minute, p, false)));
        if (s.on_kline(kline(minute, closes[i]))) indices.push_back(i);
        // The same close again (a replay), and an older one (a back-fill overlap).
        CHECK_FALSE(s.on_kline(kline(minute, closes[i])));
        CHECK_FALSE(s.on_kline(kline(minute - 1, older_price)));
    }
    return indices;
}

// For every split point: feeding closes[0, split), saving, restoring into a fresh strategy and
// feeding the rest decides exactly as feeding everything to one strategy.
template <class Make>
void check_resumes_exactly(Make make, const std::vector<config::Decimal>& closes) {
    auto straight = make();
    const auto expected = feed(straight, closes, 0, closes.size());
    for (size_t split = 0; split <= closes.size(); ++split) {
        INFO("split at " << split);
        auto first = make();
        auto seen = feed(first, closes, 0, split);
        const std::string state = first.save_state();
        auto resumed = make();
        REQUIRE(resumed.restore(state));
        CHECK(resumed.save_state() == state);
        CHECK(resumed.ready() == first.ready());
        // The last candle before the restart is not taken twice.
        if (split > 0) {
            CHECK_FALSE(resumed.on_kline(
                kline(static_cast<std::int64_t>(split) - 1, config::Decimal::from_int(1000))));
        }
        auto rest = feed(resumed, closes, split, closes.size());
        seen.insert(seen.end(), rest.begin(), rest.end());
        REQUIRE(seen.size() == expected.size());
        for (size_t i = 0; i < seen.size(); ++i) {
            CHECK(seen[i].index == expected[i].index);
            CHECK(same(seen[i].decision, expected[i].decision));
        }
    }
}

// Checks that `s` refuses `state` and is left exactly as it was.
inline void check_refused(bot::Strategy& s, const std::string& state) {
    INFO(state);
    const std::string before = s.save_state();
    CHECK_FALSE(s.restore(state));
    CHECK(s.save_state() == before);  // untouched
}

// `good` with its first `from` replaced by `to` (which must be there).
inline std::string tampered(std::string good, const std::string& from, const std::string& to) {
    auto at = good.find(from);
    INFO("tampering " << from);
    REQUIRE(at != std::string::npos);
    return good.replace(at, from.size(), to);
}

// `good` with one piece of text replaced: a damaged saved state.
struct Tamper {
    std::string from;
    std::string to;
};

// A strategy that took closes[0, fed) refuses each state in `refused` and each tampering of
// `good` (the state of another one of its kind after closes[0, good_at)), staying untouched, and
// then accepts `good` itself.
template <class Make>
void check_refuses_foreign_states(Make make, const std::vector<config::Decimal>& closes,
                                  size_t good_at, size_t fed,
                                  const std::vector<std::string>& refused,
                                  const std::vector<Tamper>& tampers) {
    auto source = make();
    feed(source, closes, 0, good_at);
    const std::string good = source.save_state();
    auto s = make();
    feed(s, closes, 0, fed);
    for (const auto& state : refused) check_refused(s, state);
    for (const auto& t : tampers) check_refused(s, tampered(good, t.from, t.to));
    REQUIRE(s.restore(good));
    CHECK(s.save_state() == good);
}

}  // namespace bot_test
