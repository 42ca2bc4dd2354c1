// bot::RiskGuard — one symbol's risk rules (bot/core/risk_rules.h) applied to what its engine
// sees: it holds the rules' state, says the halts and their end as log events (values: the guard
// has no logger), and tells the engine when the state must be written (bot_state key
// kRiskStateKey). The engine turns an exit into a signal and an order like any other.
//
// Used from one thread at a time (the symbol's); no locking.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bot/core/dropped_prices.h"
#include "bot/core/log_event.h"
#include "bot/core/position.h"
#include "bot/core/risk_rules.h"
#include "bot/core/risk_state.h"
#include "config/config.h"
#include "exchange/market_data.h"

namespace bot {

// The `strategy` of a risk exit's signal row.
inline constexpr const char* kRiskStrategyName = "risk";

// The risk rules as the heartbeat, the metrics and tradebotctl show them: the exit levels in
// force for the position held, rounded to the tick a trade would cross them at (none: the rule
// is off, or nothing is held), and the daily loss halt.
struct RiskSnapshot {
    std::optional<config::Decimal> stop_loss;
    std::optional<config::Decimal> take_profit;
    std::optional<config::Decimal> trailing_stop;
    bool halted = false;               // no new entry until halted_until_ms
    std::int64_t halted_until_ms = 0;  // 00:00 UTC of the next day
    int cooldown_left = 0;             // closed candles before a new entry after a risk exit
};

class RiskGuard {
public:
    RiskGuard(config::RiskConfig config, exchange::SymbolRules symbol_rules);

    // The state stored by an earlier run, or none. A damaged one is said and replaced by a fresh
    // state (the trailing high restarts at the entry, the day's baseline at the next price).
    void restore(const std::optional<std::string>& stored, LogEvents& log);

    // A price seen at market time `time_ms` (epoch ms): the day's figures first (a halt is said
    // once), then the exit rules. Returns the exit to make now, if any.
    std::optional<RiskExit> on_price(const PositionBook& position, const Decimal& price,
                                     std::int64_t time_ms, LogEvents& log);
    // The prices the queue dropped, in the order they came (the low and the high).
    std::optional<RiskExit> on_dropped(const PositionBook& position, const DroppedPrices& dropped,
                                       LogEvents& log);

    // A replay has only whole candles: the exit the candle's OHLC triggers (see RiskRules).
    std::optional<RiskExit> on_candle(const PositionBook& position, const exchange::Kline& candle,
                                      LogEvents& log);
    // ... then, with the position after that exit if any, the day's figures at the candle's low
    // (the worst price while a position is held) and at its close.
    void mark_candle(const PositionBook& position, const exchange::Kline& candle, LogEvents& log);

    // A fill was applied (`after` is the position with it).
    void on_fill(exchange::Side side, const Decimal& price, const PositionBook& after);
    // A risk exit was decided (its signal is about to be recorded): the cooldown starts.
    void on_exit();
    // A closed candle was handled, its decision included: the cooldown counts down.
    void on_candle_closed();

    // Why a new entry is refused now ("halted: ...", "cooldown ..."), or nullopt.
    std::optional<std::string> entry_block() const { return rules_.entry_block(state_); }
    ExitQuantity exit_quantity(const PositionBook& position, const Decimal& price) const {
        return rules_.exit_quantity(position, price);
    }
    RiskSnapshot snapshot(const PositionBook& position) const;

    // True when the state changed since it was last taken by saved_form(), or that write failed.
    bool dirty() const { return unsaved_ || state_ != saved_; }
    // The write that carried saved_form() failed: write the state again with the next one.
    void unsaved() { unsaved_ = true; }
    // The state to write now (RiskState::to_json()); from here on it counts as saved.
    std::string saved_form();
    const RiskState& state() const { return state_; }
    const RiskRules& rules() const { return rules_; }

private:
    void mark(const PositionBook& position, const Decimal& price, std::int64_t time_ms,
              LogEvents& log);

    // Constant after construction
    const RiskRules rules_;

    RiskState state_;
    RiskState saved_;  // as last written (or restored)
    bool unsaved_ = false;
};

// "stop=58801.19 take=62401.27 trail=- halted=no" for the heartbeat line; a halt reads
// "halted=until 2026-11-27", a cooldown adds " cooldown=N".
std::string risk_heartbeat_text(const RiskSnapshot& risk);

}  // namespace bot
