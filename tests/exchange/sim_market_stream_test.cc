#include "exchange/sim/market_stream.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "exchange/sim/rules.h"
#include "support/wait.h"

using config::Decimal;
using exchange::Kline;
using exchange::MarketEvent;
using exchange::SimMarketStream;
using exchange::Trade;

namespace {

constexpr std::int64_t kMinute = 60000;

config::SimConfig fast_config(std::uint64_t seed = 42) {
    config::SimConfig c;
    c.seed = seed;
    c.tick_ms = 1;  // as fast as the machine lets it: tests wait on conditions, not on time
    return c;
}

// Waits for a condition with a generous deadline (the machine is shared and noisy).
bool wait_until(const std::function<bool()>& done,
                std::chrono::seconds deadline = std::chrono::seconds(60)) {
    return testing_support::wait_until(done, deadline, std::chrono::milliseconds(2));
}

// Records every event the stream delivers.
class Recorder {
public:
    exchange::EventSink sink() {
        return [this](const MarketEvent& e) {
            std::lock_guard<std::mutex> lk(mu_);
            events_.push_back(e);
        };
    }
    std::vector<MarketEvent> events() const {
        std::lock_guard<std::mutex> lk(mu_);
        return events_;
    }
    std::vector<Kline> closed(const std::string& symbol) const {
        std::vector<Kline> out;
        for (const auto& e : events()) {
            if (auto k = std::get_if<Kline>(&e); k && k->closed && k->symbol == symbol) {
                out.push_back(*k);
            }
        }
        return out;
    }
    std::vector<Trade> trades(const std::string& symbol) const {
        std::vector<Trade> out;
        for (const auto& e : events()) {
            if (auto t = std::get_if<Trade>(&e); t && t->symbol == symbol) out.push_back(*t);
        }
        return out;
    }

private:
    mutable std::mutex mu_;
    std::vector<MarketEvent> events_;
};

bool on_step(const Decimal& v, const Decimal& step) { return v.round_to_step(step) == v; }

void check_well_formed(const Kline& k, std::int64_t interval_ms) {
    CHECK(k.close_time_ms == k.open_time_ms + interval_ms - 1);
    CHECK(k.high >= std::max(k.open, k.close));
    CHECK(k.low <= std::min(k.open, k.close));
    CHECK(k.low.is_positive());
    CHECK(k.volume.is_positive());
}

bool same_kline(const Kline& a, const Kline& b) {
    return a.symbol == b.symbol && a.interval == b.interval && a.open_time_ms == b.open_time_ms &&
           a.close_time_ms == b.close_time_ms && a.open == b.open && a.high == b.high &&
           a.low == b.low && a.close == b.close && a.volume == b.volume && a.closed == b.closed;
}

}  // namespace

TEST_CASE("sim stream: trades on tick, klines well-formed, contiguous and built from the trades",
          "[sim][stream]") {
    SimMarketStream stream(fast_config(), "1m");
    Recorder rec;
    const std::vector<std::string> symbols = {"BTCUSDT", "XRPUSDT", "PEPEUSDT"};
    stream.start(symbols, rec.sink());
    REQUIRE(wait_until([&] {
        for (const auto& s : symbols) {
            if (rec.closed(s).size() < 30) return false;
        }
        return true;
    }));
    stream.stop();

    const auto events = rec.events();
    for (const auto& sym : symbols) {
        INFO(sym);
        const auto rules = exchange::sim_rules(sym);
        REQUIRE(rules);

        // Replays the symbol's events: the candle the updates describe must be exactly the
        // aggregate of the trades so far, and every close must repeat the last update.
        std::optional<Kline> last_update;
        std::optional<Kline> last_closed;
        std::optional<Kline> built;  // from the trades
        std::int64_t last_trade_id = 0;
        int closes = 0;
        for (const auto& e : events) {
            if (exchange::symbol_of(e) != sym) continue;
            if (auto t = std::get_if<Trade>(&e)) {
                REQUIRE(t->price.is_positive());
                REQUIRE(on_step(t->price, rules->tick_size));
                REQUIRE(t->quantity.is_positive());
                REQUIRE(on_step(t->quantity, rules->step_size));
                REQUIRE(t->trade_id == last_trade_id + 1);  // one trade per tick, no gaps
                last_trade_id = t->trade_id;
                const std::int64_t open = exchange::align_to_interval(t->trade_time_ms, kMinute);
                if (!built || built->open_time_ms != open) {
                    built = Kline{};
                    built->open_time_ms = open;
                    built->open = built->high = built->low = t->price;
                }
                built->high = std::max(built->high, t->price);
                built->low = std::min(built->low, t->price);
                built->close = t->price;
                built->volume += t->quantity;
                continue;
            }
            const auto* k = std::get_if<Kline>(&e);
            REQUIRE(k);
            REQUIRE(k->interval == "1m");
            check_well_formed(*k, kMinute);
            if (!k->closed) {
                REQUIRE(built);
                REQUIRE(k->open_time_ms == built->open_time_ms);
                REQUIRE(k->open == built->open);
                REQUIRE(k->high == built->high);
                REQUIRE(k->low == built->low);
                REQUIRE(k->close == built->close);
                REQUIRE(k->volume == built->volume);
                REQUIRE(k->event_time_ms >= k->open_time_ms);
                REQUIRE(k->event_time_ms <= k->close_time_ms);
                last_update = *k;
            } else {
                ++closes;
                // Updates came before the close, and the close is the last update made final.
                REQUIRE(last_update);
                REQUIRE(last_update->open_time_ms == k->open_time_ms);
                Kline final_update = *last_update;
                final_update.closed = true;
                REQUIRE(same_kline(final_update, *k));
                REQUIRE(k->event_time_ms == k->close_time_ms + 1);
                if (last_closed) REQUIRE(k->open_time_ms == last_closed->open_time_ms + kMinute);
                last_closed = *k;
            }
        }
        CHECK(closes >= 30);
    }
}

TEST_CASE("sim stream: time compression closes a candle every kTicksPerCandle ticks",
          "[sim][stream]") {
    SimMarketStream stream(fast_config(), "1h");
    Recorder rec;
    stream.start({"ETHUSDT"}, rec.sink());
    REQUIRE(wait_until([&] { return rec.closed("ETHUSDT").size() >= 3; }));
    stream.stop();
    const auto trades = rec.trades("ETHUSDT");
    const std::int64_t start = stream.start_time_ms();
    const std::int64_t step = 3600000 / SimMarketStream::kTicksPerCandle;
    for (const auto& t : trades) {
        REQUIRE(t.trade_time_ms == start + (t.trade_id - 1) * step);
    }
    for (const auto& k : rec.closed("ETHUSDT")) check_well_formed(k, 3600000);
    CHECK(stream.stats().messages >= 3u * SimMarketStream::kTicksPerCandle);
    CHECK(stream.stats().last_message_ms > 0);
}

TEST_CASE("sim stream: same seed, same market - another seed, another market", "[sim][stream]") {
    SimMarketStream a(fast_config(42), "1m"), b(fast_config(42), "1m"), c(fast_config(7), "1m");
    const auto ha = a.history("BTCUSDT", "1m", 200);
    const auto hb = b.history("BTCUSDT", "1m", 200);
    const auto hc = c.history("BTCUSDT", "1m", 200);
    REQUIRE(ha.size() == 200);
    REQUIRE(hb.size() == 200);
    bool differs = false;
    for (size_t i = 0; i < ha.size(); ++i) {
        // Start times may straddle a minute boundary; the prices may not differ.
        CHECK(ha[i].open == hb[i].open);
        CHECK(ha[i].high == hb[i].high);
        CHECK(ha[i].low == hb[i].low);
        CHECK(ha[i].close == hb[i].close);
        CHECK(ha[i].volume == hb[i].volume);
        if (ha[i].close != hc[i].close) differs = true;
    }
    CHECK(differs);

    Recorder ra, rb;
    a.start({"BTCUSDT", "ETHUSDT"}, ra.sink());
    b.start({"ETHUSDT", "BTCUSDT"}, rb.sink());
    REQUIRE(wait_until(
        [&] { return ra.trades("ETHUSDT").size() >= 100 && rb.trades("ETHUSDT").size() >= 100; }));
    a.stop();
    b.stop();
    const auto ta = ra.trades("ETHUSDT"), tb = rb.trades("ETHUSDT");
    for (size_t i = 0; i < 100; ++i) {
        REQUIRE(ta[i].trade_id == tb[i].trade_id);
        CHECK(ta[i].price == tb[i].price);
        CHECK(ta[i].quantity == tb[i].quantity);
        CHECK(ta[i].buyer_is_maker == tb[i].buyer_is_maker);
    }
}

TEST_CASE("sim stream: history ends where the live stream begins", "[sim][stream]") {
    SimMarketStream stream(fast_config(), "1m");
    const auto h = stream.history("XRPUSDT", "1m", 50);
    REQUIRE(h.size() == 50);
    for (size_t i = 0; i < h.size(); ++i) {
        INFO(i);
        CHECK(h[i].closed);
        CHECK(h[i].symbol == "XRPUSDT");
        CHECK(h[i].interval == "1m");
        check_well_formed(h[i], kMinute);
        if (i > 0) CHECK(h[i].open_time_ms == h[i - 1].open_time_ms + kMinute);
    }
    CHECK(h.back().open_time_ms + kMinute == stream.start_time_ms());

    // A shorter history is the tail of a longer one.
    const auto h20 = stream.history("XRPUSDT", "1m", 20);
    REQUIRE(h20.size() == 20);
    for (size_t i = 0; i < 20; ++i) CHECK(same_kline(h20[i], h[30 + i]));
    const auto h100 = stream.history("XRPUSDT", "1m", 100);
    REQUIRE(h100.size() == 100);

    Recorder rec;
    stream.start({"XRPUSDT"}, rec.sink());
    REQUIRE(wait_until([&] { return rec.closed("XRPUSDT").size() >= 5; }));
    const auto events = rec.events();
    const auto* first = std::get_if<Kline>(&events.at(1));  // events: trade, update, ...
    REQUIRE(first);
    CHECK(first->open_time_ms == h.back().open_time_ms + kMinute);
    // The first live trade continues the last historical price with one ordinary step.
    const auto* first_trade = std::get_if<Trade>(&events.at(0));
    REQUIRE(first_trade);
    CHECK(first_trade->trade_time_ms == stream.start_time_ms());

    // After live candles closed, history is made of the old history followed by them.
    const auto live = rec.closed("XRPUSDT");
    const auto h2 = stream.history("XRPUSDT", "1m", 60);
    REQUIRE(h2.size() == 60);
    for (size_t i = 1; i < h2.size(); ++i) {
        CHECK(h2[i].open_time_ms == h2[i - 1].open_time_ms + kMinute);
    }
    size_t at = 0;
    while (at < h2.size() && h2[at].open_time_ms < stream.start_time_ms()) ++at;
    REQUIRE(at + 5 <= h2.size());
    for (size_t i = 0; i < 5; ++i) CHECK(same_kline(h2[at + i], live[i]));
    for (size_t i = 0; i < at; ++i) CHECK(same_kline(h2[i], h100[h100.size() - at + i]));
    stream.stop();
}

TEST_CASE("sim stream: history limits and intervals", "[sim][stream]") {
    SimMarketStream stream(fast_config(), "5m");
    CHECK(stream.history("BTCUSDT", "1m", 10).empty());  // not the stream's interval
    CHECK(stream.history("BTCUSDT", "bogus", 10).empty());
    CHECK(stream.history("BTCUSDT", "5m", 0).empty());
    CHECK(stream.history("BTCUSDT", "5m", 5000).size() ==
          static_cast<size_t>(SimMarketStream::kMaxHistory));
    const auto h = stream.history("BTCUSDT", "5m", 3);
    REQUIRE(h.size() == 3);
    check_well_formed(h[0], 5 * kMinute);
    CHECK_THROWS_AS(SimMarketStream(fast_config(), "2m"), std::invalid_argument);
    config::SimConfig zero;
    zero.tick_ms = 0;
    CHECK_THROWS_AS(SimMarketStream(zero, "1m"), std::invalid_argument);
}

TEST_CASE("sim stream: set_symbols adds and removes while running - prices do not depend on it",
          "[sim][stream]") {
    SimMarketStream stream(fast_config(), "1m");
    SimMarketStream reference(fast_config(), "1m");  // BTCUSDT all along
    Recorder rec, ref;
    reference.start({"BTCUSDT"}, ref.sink());
    stream.start({"BTCUSDT"}, rec.sink());
    REQUIRE(wait_until([&] { return rec.trades("BTCUSDT").size() >= 20; }));

    stream.set_symbols({"ETHUSDT"});
    REQUIRE(wait_until([&] { return rec.trades("ETHUSDT").size() >= 20; }));
    const auto btc_before = rec.trades("BTCUSDT");
    const auto eth = rec.trades("ETHUSDT");
    // Removed and added in one step: BTCUSDT's last tick is right before ETHUSDT's first.
    CHECK(btc_before.back().trade_id + 1 == eth.front().trade_id);

    stream.set_symbols({"ETHUSDT", "BTCUSDT"});
    REQUIRE(wait_until([&] { return rec.trades("BTCUSDT").size() >= btc_before.size() + 20; }));
    stream.stop();
    const auto btc = rec.trades("BTCUSDT");
    const auto resumed = btc[btc_before.size()];
    CHECK(resumed.trade_id > btc_before.back().trade_id + 1);  // there was a gap while removed

    REQUIRE(wait_until([&] {
        const auto r = ref.trades("BTCUSDT");
        return !r.empty() && r.back().trade_id >= btc.back().trade_id;
    }));
    reference.stop();
    std::map<std::int64_t, Trade> by_id;
    for (const auto& t : ref.trades("BTCUSDT")) by_id[t.trade_id] = t;
    for (const auto& t : btc) {
        INFO(t.trade_id);
        REQUIRE(by_id.count(t.trade_id) == 1);
        CHECK(by_id[t.trade_id].price == t.price);
        CHECK(by_id[t.trade_id].quantity == t.quantity);
    }
}

TEST_CASE("sim stream: no sink call after stop() returns - stop is idempotent", "[sim][stream]") {
    for (int round = 0; round < 5; ++round) {
        std::atomic<bool> stopped{false};
        std::atomic<int> after_stop{0};
        std::atomic<int> calls{0};
        {
            SimMarketStream stream(fast_config(), "1m");
            stream.start({"BTCUSDT", "ETHUSDT", "XRPUSDT", "SOLUSDT"}, [&](const MarketEvent&) {
                calls.fetch_add(1);
                if (stopped.load()) after_stop.fetch_add(1);
            });
            REQUIRE(wait_until([&] { return calls.load() > 50 * (round + 1); }));
            stream.stop();
            stopped.store(true);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            stream.stop();
        }
        CHECK(after_stop.load() == 0);
    }
    // The destructor stops a running stream.
    std::atomic<int> calls{0};
    {
        SimMarketStream stream(fast_config(), "1m");
        stream.start({"BTCUSDT"}, [&](const MarketEvent&) { calls.fetch_add(1); });
        REQUIRE(wait_until([&] { return calls.load() > 10; }));
    }
    const int at_destruction = calls.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(calls.load() == at_destruction);
}

TEST_CASE("sim stream: stop() from inside the sink ends the calls", "[sim][stream]") {
    std::atomic<int> calls{0};
    SimMarketStream stream(fast_config(), "1m");
    stream.start({"BTCUSDT", "ETHUSDT"}, [&](const MarketEvent&) {
        if (calls.fetch_add(1) + 1 == 10) stream.stop();
    });
    REQUIRE(wait_until([&] { return calls.load() >= 10; }));
    stream.stop();  // joins
    CHECK(calls.load() == 10);
    CHECK_THROWS_AS(stream.start({"BTCUSDT"}, [](const MarketEvent&) {}), std::logic_error);
}

TEST_CASE("sim stream: a restarted market resumes after the last candle played before",
          "[sim][stream]") {
    // The earlier run's clock ran ahead of the wall clock (time compression): an hour ahead here.
    SimMarketStream fresh(fast_config(), "1m");
    const std::int64_t now_epoch = fresh.start_time_ms();
    const std::int64_t last_played = now_epoch + 60 * kMinute;

    SimMarketStream resumed(fast_config(), "1m", last_played);
    CHECK(resumed.start_time_ms() == last_played + kMinute);
    // History ends with the candle at the last one played, as a restored strategy expects.
    const auto h = resumed.history("BTCUSDT", "1m", 30);
    REQUIRE(h.size() == 30);
    CHECK(h.back().open_time_ms == last_played);

    Recorder rec;
    resumed.start({"BTCUSDT"}, rec.sink());
    REQUIRE(wait_until([&] { return rec.closed("BTCUSDT").size() >= 3; }));
    resumed.stop();
    for (const auto& k : rec.closed("BTCUSDT")) CHECK(k.open_time_ms > last_played);

    // A last candle behind the wall clock changes nothing: the market starts now.
    SimMarketStream behind(fast_config(), "1m", now_epoch - 10 * kMinute);
    CHECK(behind.start_time_ms() >= now_epoch);
    CHECK(behind.start_time_ms() < now_epoch + 5 * kMinute);
}
