// bot::RiskRules — the risk controls of one symbol, in one place for every mode (sim, paper, live
// and the backtest): stop-loss, take-profit, trailing stop, the daily loss halt and the cooldown
// after a risk exit.
//
// Pure logic over exact decimals: given the position, the rule settings (config::RiskConfig), the
// persisted RiskState and a price or a candle, it says what to do. No clock (time comes with the
// price, as the market's event time), no storage, no logging: the caller (TradingBot) turns an
// answer into a signal, an order, a log line and a state write.
//
// Exits (a long spot position; percentages of a price, 2 = 2%):
// - stop-loss at   entry * (1 - stop_loss_pct/100)          (entry: the average entry price)
// - take-profit at entry * (1 + take_profit_pct/100)
// - trailing stop at high * (1 - trailing_stop_pct/100)     (high: the highest price seen since
//   the position was opened, its first fill included; kept in RiskState)
// A price at or beyond a level triggers it. When one price is beyond both downside levels, the
// higher one (the one a falling price crossed first) is named; a downside level always wins over
// take-profit.
//
// On a live feed every price counts (on_price). In a backtest only each candle's OHLC is known
// (on_candle): a candle that opened beyond a level exits at its open; otherwise the downside levels
// are checked against its low before take-profit against its high (the stop first when both are
// inside one candle), and the exit fills at the level (rounded to the tick away from the trader's
// favour, as the first trade across it would be). The levels are those in force at the candle's
// open; its high raises the trailing high for the candles after it.
//
// A position too small to sell (below the step size, min qty or min notional) is left alone: no
// rule fires for it.
//
// Daily loss: the UTC day's PnL is (realized + unrealized now) - (realized + unrealized at the
// day's first price), fees included. When its loss reaches max_daily_loss_quote the symbol is
// halted: no new entry (BUY) until the first price of the next UTC day; exits keep working.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "bot/core/position.h"
#include "bot/core/risk_state.h"
#include "config/config.h"
#include "config/decimal.h"
#include "exchange/order_gateway.h"

namespace bot {

enum class ExitRule { kStopLoss, kTrailingStop, kTakeProfit };
// How many ExitRules there are: the size of every per-rule array (counters, levels, metrics).
inline constexpr std::size_t kExitRuleCount = 3;
// "stop_loss", "trailing_stop", "take_profit": the names used in reasons, logs and metrics.
const char* to_string(ExitRule rule);

// The exit levels in force for the position held (heartbeat, metrics); a rule that is off, or
// no position, has none.
struct RiskLevels {
    std::optional<Decimal> stop_loss;
    std::optional<Decimal> take_profit;
    std::optional<Decimal> trailing_stop;
};

// An exit to make now: a SELL of the whole position.
struct RiskExit {
    ExitRule rule = ExitRule::kStopLoss;
    Decimal level;  // where the rule triggers (exact, not rounded)
    Decimal price;  // where the exit is made: the price seen; in a candle the level (on tick)
                    // or the open when the candle opened beyond it
    // "stop_loss 2% at 58801.19 (entry 60001.22)"; when the price is not the level,
    // "stop_loss 2% at 58750.00 (entry 60001.22, level 58801.20)".
    std::string reason;
};

// How much an exit sells.
struct ExitQuantity {
    Decimal quantity;  // > 0: the order's quantity (the position rounded down to the step size)
    Decimal left;      // what stays in the position after it
    std::string note;  // why something is left, or why nothing can be sold ("" when neither)
};

// The day's loss when it reached the cap.
struct DailyLoss {
    Decimal loss;        // > 0
    Decimal realized;    // the day's realized PnL (negative: a loss)
    Decimal unrealized;  // the day's change of unrealized PnL
    Decimal limit;       // max_daily_loss_quote
    std::int64_t day_ms = 0;
    // "daily loss 52.10 >= 50 (realized -30.10, unrealized -22.00) on 2026-11-26 UTC; no new
    // entry until 2026-11-27 00:00 UTC, exits still run"
    std::string text() const;
};

// What marking one price did to the day's figures.
struct DayCheck {
    bool new_day = false;  // the price opened a new UTC day: the figures start over from it
    bool lifted = false;   // ... and that ended a halt of an earlier day
    std::optional<DailyLoss> halted;  // the loss reached the cap at this price (once per day)
};

class RiskRules {
public:
    // symbol_rules: the exchange's filters (step size, minimums, tick size) for exit sizing and
    // for rounding a candle exit to a price that can trade.
    RiskRules(config::RiskConfig config, exchange::SymbolRules symbol_rules);

    const config::RiskConfig& config() const { return config_; }
    const exchange::SymbolRules& symbol_rules() const { return symbol_rules_; }
    // True when stop-loss, take-profit or trailing stop is on.
    bool has_exit_rules() const;

    RiskLevels levels(const PositionBook& position, const RiskState& state) const;

    // One price seen (a trade, a kline update or close): raises the trailing high, then returns
    // the exit it triggers, if any.
    std::optional<RiskExit> on_price(const PositionBook& position, RiskState& state,
                                     const Decimal& price) const;
    // One whole candle (the backtest), see above. Raises the trailing high with its high when it
    // does not exit.
    std::optional<RiskExit> on_candle(const PositionBook& position, RiskState& state,
                                      const Decimal& open, const Decimal& high,
                                      const Decimal& low) const;

    // A fill was applied; `after` is the position with it. A buy raises the trailing high to its
    // price (a new position starts its high there); a position sold down to nothing sellable
    // clears it. The trailing high is kept only while the trailing stop is on (turned on later,
    // it starts from the entry), the day's figures only while there is a daily cap: rules that
    // are off cost no state and no writes.
    void on_fill(RiskState& state, exchange::Side side, const Decimal& price,
                 const PositionBook& after) const;
    // A risk exit was decided: entries wait for cooldown_candles closed candles.
    void on_exit(RiskState& state) const;
    // A closed candle was handled (call after acting on its decision): the cooldown counts down.
    void on_candle_closed(RiskState& state) const;

    // The day's figures at `price`, seen at market time `time_ms` (epoch ms, UTC). A price of an
    // earlier day than the state's (a late event) counts toward the current day. Nothing without
    // max_daily_loss_quote.
    DayCheck mark(RiskState& state, const PositionBook& position, const Decimal& price,
                  std::int64_t time_ms) const;

    // Why a new entry (a BUY) is refused now: "halted: ..." or "cooldown: ..."; nullopt when it
    // is allowed.
    std::optional<std::string> entry_block(const RiskState& state) const;

    // The exit order's quantity: the whole position fitted to the exchange's filters
    // (exchange/filters.h); nothing, with a note naming the breach, when that cannot be sold.
    ExitQuantity exit_quantity(const PositionBook& position, const Decimal& price) const;

    // A price as the exchange quotes it (the tick size's decimals; without one, about six
    // significant digits), for reasons and the heartbeat.
    std::string price_text(const Decimal& price) const;

private:
    // A position the rules protect: something an exit order could sell at `price`.
    bool holding(const PositionBook& position, const Decimal& price) const;
    // The exit `price` triggers against the levels in force, made at that price.
    std::optional<RiskExit> check(const PositionBook& position, const RiskState& state,
                                  const Decimal& price) const;
    RiskExit make_exit(ExitRule rule, const Decimal& level, const Decimal& fill,
                       const PositionBook& position, const RiskState& state) const;

    // Constant after construction
    const config::RiskConfig config_;
    const exchange::SymbolRules symbol_rules_;
};

}  // namespace bot
