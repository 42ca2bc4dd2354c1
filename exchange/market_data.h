// Market events as the exchange delivers them, in exact decimals. Shared by every MarketStream
// (sim, binance) and consumed by the bots.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "config/decimal.h"

namespace exchange {

using config::Decimal;

// One candle. `closed` is Binance's `x`: false for an update of the still-open candle, true for
// the final one. Strategies act on closed candles only.
struct Kline {
    std::string symbol;    // upper case, e.g. "BTCUSDT"
    std::string interval;  // e.g. "1m"
    std::int64_t open_time_ms = 0;
    std::int64_t close_time_ms = 0;
    Decimal open, high, low, close, volume;
    bool closed = false;
    std::int64_t event_time_ms = 0;  // market time of the event (Binance `E`)
};

struct Trade {
    std::string symbol;
    std::int64_t trade_id = 0;
    Decimal price, quantity;
    bool buyer_is_maker = false;
    std::int64_t trade_time_ms = 0;
    std::int64_t event_time_ms = 0;
};

struct BookTicker {
    std::string symbol;
    std::int64_t update_id = 0;
    Decimal bid_price, bid_qty, ask_price, ask_qty;
};

using MarketEvent = std::variant<Kline, Trade, BookTicker>;

// The symbol an event belongs to.
inline const std::string& symbol_of(const MarketEvent& e) {
    return std::visit([](const auto& v) -> const std::string& { return v.symbol; }, e);
}

}  // namespace exchange
