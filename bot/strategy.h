// A trading strategy: turns closed klines into BUY/SELL decisions. One instance per symbol, used
// only from that symbol's bot thread (not thread-safe, no locking needed).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "config/decimal.h"
#include "exchange/market_data.h"
#include "exchange/order_gateway.h"

namespace bot {

using config::Decimal;

struct Decision {
    exchange::Side side = exchange::Side::kBuy;
    Decimal price;       // the close that triggered it
    std::string reason;  // human-readable, e.g. "ema9 crossed above ema21 (101.2 > 100.9)"
};

class Strategy {
public:
    virtual ~Strategy() = default;

    // "ema_cross" | "rsi"
    virtual std::string name() const = 0;
    // Feeds one kline. Updates (closed == false) are ignored; a closed kline whose open time is
    // not after the last one seen is ignored too (replays, back-fill overlaps), so feeding the
    // same candle twice never produces a second decision. Returns a decision when the closed
    // candle triggers one.
    virtual std::optional<Decision> on_kline(const exchange::Kline& k) = 0;
    // True once enough candles were seen for decisions to be possible.
    virtual bool ready() const = 0;

    // The indicator state as a compact JSON string, persisted in bot_state so that a restarted
    // bot resumes where it stopped; restore() returns false (and leaves the state as it was:
    // fresh when called right after construction) when the text is not a state of this strategy
    // with the same parameters (name, periods/thresholds and kline interval) or is damaged.
    virtual std::string save_state() const = 0;
    virtual bool restore(const std::string& state) = 0;
};

// Builds the strategy named by cfg.name. Throws std::invalid_argument for an unknown name (the
// config loader has already refused those).
std::unique_ptr<Strategy> make_strategy(const config::StrategyConfig& cfg);

}  // namespace bot
