// Candles for the strategy tests: one a minute, from a list of closes.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bot/strategy.h"
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

inline std::vector<config::Decimal> decimals(const std::vector<const char*>& v) {
    std::vector<config::Decimal> out;
    for (const char* s : v) out.push_back(config::Decimal::from_string(s));
    return out;
}

}  // namespace bot_test
