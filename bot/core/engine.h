// bot::SymbolEngine — one symbol's trading decisions, with no I/O: the strategy, the risk rules,
// sizing, the exchange's filters, the position book and the orders in flight. It is told what
// happened (a closed candle, a price, dropped prices, an order's progress, an operator command)
// and answers with a Step (bot/core/engine_step.h): rows to record, log events, counters, state
// that changed, and at most one request it needs answered before it can go on (a signal's id, an
// order's answer, a lookup after a wait). No thread, clock, sleep, storage, gateway or logger is
// inside; time comes with the events. Two drivers carry the steps out: the daemon's TradingBot
// (bot/runtime/trading_bot.h: write-ahead commits, the gateway, waits a stop can abandon) and the
// replay's ReplayBot (bot/runtime/replay_bot.h: paper fills, batched rows). The same inputs give
// the same Steps, whoever drives it.
//
// A conversation: every input returns a Step; while the Step holds a request the engine is
// busy() and takes only the answer to it:
//
//     const Step* s = &engine.on_kline(k);
//     for (;;) {
//         record s->orders, log s->log, count s->counters;
//         if (auto* r = std::get_if<RecordSignal>(&s->request)) s = &engine.signal_recorded(id);
//         else if (auto* p = std::get_if<PlaceOrder>(&s->request)) s = &engine.on_order(answer);
//         else if ... CancelOrder, QueryOrder ...
//         else break;  // done: s->state says what changed that no record carried
//     }
//
// A signal's id comes from where the driver records it (storage, a row sink); its orders are
// named "tb-<SYMBOL>-<signal id>". An order's answer is applied at once: its fills move the
// position (each fill once, by trade id) before the input goes on, so a strategy BUY in the candle
// a risk exit sold in is sized on the position after the exit.
//
// Decisions, in the order an input meets them:
// - Every price (a trade, a kline update or close, the prices a full queue dropped) goes through
//   the risk rules before the strategy sees a close; a replay's candle gives them its OHLC. An
//   exit is a SELL signal of the strategy "risk" naming the rule, then a market order for the
//   whole position.
// - A closed candle of the symbol's interval goes to the strategy; every decision is a signal.
//   A BUY is ordered only when the symbol is not paused, not halted for the day's loss and not in
//   a cooldown; its size comes from the trading settings and the filters.
// - pause / resume: whether BUYs are ordered; flatten: every open order is cancelled, then the
//   whole position is sold at market (a signal of the strategy "operator"), then the symbol is
//   paused. Paused is part of the saved state.
// - An order whose answer is unknown is looked up (kUnknownQueries times, kUnknownQueryDelayMs
//   apart), never placed twice; still unknown, it is left for the next start, which asks again
//   (resume_order()).
//
// Start-up, in this order: resume(what storage holds), warm_up(history of history_wanted()
// candles), resume_order() for each order an earlier run left unresolved, started().
//
// Not thread-safe: one thread drives it (the symbol's).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bot/core/control_state.h"
#include "bot/core/dropped_prices.h"
#include "bot/core/engine_step.h"
#include "bot/core/position.h"
#include "bot/core/risk_guard.h"
#include "bot/core/strategy.h"
#include "config/config.h"
#include "exchange/market_data.h"
#include "exchange/order_gateway.h"

namespace bot {

// Builds a symbol's strategy from its configuration (the catalog's makers, bot::make_strategy).
using StrategyFactory =
    std::function<std::unique_ptr<Strategy>(const config::StrategyConfig& strategy)>;

struct EngineSettings {
    config::SymbolConfig symbol;    // the symbol, its effective strategy and risk rules
    config::TradingConfig trading;  // quote_per_trade, max_position_quote
    exchange::SymbolRules filters;  // the exchange's filters for the symbol
};

class SymbolEngine {
public:
    // Lookups of an order whose answer is unknown before it is left for the next start.
    static constexpr int kUnknownQueries = 3;
    static constexpr std::int64_t kUnknownQueryDelayMs = 500;

    // `strategy` is the symbol's (not null); `factory` builds a fresh one when the stored state
    // turns out unusable (required). Throws std::invalid_argument on a null strategy or factory.
    SymbolEngine(EngineSettings settings, std::unique_ptr<Strategy> strategy,
                 StrategyFactory factory);

    // ---- start-up
    // What an earlier run left: the position, the strategy's, risk rules' and operator's state.
    // Logs what could not be used (a damaged risk state, a strategy state of other parameters).
    const Step& resume(const StoredState& stored);
    // How many history candles to warm up on: at least `floor`, more if the strategy asks.
    int history_wanted(int floor) const;
    // The market's recent closed candles, oldest first: after a restore they fill the gap (the
    // strategy ignores what it has seen), otherwise they are the whole warm-up; a stored state
    // ahead of them (the market's clock restarted) is dropped for a fresh strategy. Decisions on
    // them are not acted on: their prices are gone. Step::resume_after_ms: the newest one.
    const Step& warm_up(std::span<const exchange::Kline> history);
    // An order an earlier run left PENDING or UNKNOWN: the engine asks for a lookup. Not found,
    // it was never sent (CANCELED, kNotSentReason); found, it is settled like a fresh answer;
    // still unknown, it is left for the next start.
    const Step& resume_order(const OrderRecord& order);
    // The start-up is complete: the "started: ..." line.
    const Step& started();

    // ---- what happened
    // A kline from a live feed: an update's close is one more price for the risk rules; a close
    // is that and then the strategy's candle. Another symbol's or interval's: ignored.
    const Step& on_kline(const exchange::Kline& kline);
    // A closed candle of a replay, where its OHLC is all there is: the risk rules on its range
    // (an exit stamped with its open), then the strategy. A kline not closed is on_kline's.
    const Step& on_candle(const exchange::Kline& candle);
    const Step& on_trade(const exchange::Trade& trade);
    // The prices a full queue dropped before the next event: for the risk rules.
    const Step& on_dropped(const DroppedPrices& dropped);
    const Step& on_command(const OperatorCommand& command);

    // ---- answers
    // The id of the signal the last Step asked to record.
    const Step& signal_recorded(std::int64_t signal_id);
    // An order's progress: the answer to a PlaceOrder, CancelOrder or QueryOrder, or (not busy)
    // an update of its own. An update of an order the engine does not follow is logged and
    // ignored.
    const Step& on_order(const OrderProgress& progress);

    // True while the last Step's request is unanswered: then only its answer may come.
    bool busy() const { return await_ != Await::kNothing; }

    // ---- state
    // The state to write now; the risk and control parts only when they changed since last
    // taken (from here on they count as saved).
    SavedState saved_state();
    // The write that carried the last saved_state() failed: its parts go with the next one.
    void state_not_saved();

    const std::string& symbol() const { return settings_.symbol.symbol; }
    const PositionBook& position() const { return book_; }
    const Decimal& last_price() const { return last_price_; }
    RiskSnapshot risk_snapshot() const { return risk_.snapshot(book_); }
    const ControlState& control() const { return control_; }
    bool restored() const { return restored_; }
    // Orders accepted and not final (open at the exchange), oldest first.
    std::vector<OrderRecord> open_orders() const;
    // "ema_cross(fast=9 slow=21) 1m".
    std::string describe_strategy() const;

private:
    enum class Await : std::uint8_t { kNothing, kSignalId, kOrderAnswer };
    // What the input still has to do once the order flow in progress ends.
    enum class Then : std::uint8_t {
        kNothing,
        kCloseAfterRisk,      // a live close: its exit is done; the strategy next
        kReplayAfterRisk,     // a replayed candle: its exit is done; mark it, the strategy next
        kCloseAfterDecision,  // the candle's decision is done: the cooldown counts down
        kFlattenCancel,       // flatten: cancel the next open order, then sell
        kFlattenAfterSell,    // flatten: the sell is done; pause
    };
    enum class SignalFor : std::uint8_t { kRiskExit, kDecision, kFlatten };

    struct Tracked {
        OrderRecord record;
        std::vector<std::string> trade_ids;  // fills applied, so a repeated one is not
        int queries = 0;                     // lookups after an unknown answer
        bool resumed = false;                // left by an earlier run
        bool cancel_sent = false;
    };

    Step& begin();
    bool mine(const exchange::Kline& k) const;
    void hold_candle(const exchange::Kline& k);
    void close_candle(const exchange::Kline& k);
    void start_exit(const RiskExit& exit, std::int64_t time_ms);
    void ask_signal(RecordSignal signal, SignalFor purpose);
    void act_on_signal(std::int64_t signal_id);
    void place(exchange::Side side, const Decimal& quantity, const Decimal& price,
               std::int64_t signal_id, OrderRole role);
    void apply(Tracked& order, const OrderProgress& progress);
    void settle(Tracked& order, const exchange::OrderResult& result);
    void forget(const std::string& client_order_id);
    Tracked* find(const std::string& client_order_id);
    // Goes on with what the input still has to do (then_).
    void go_on();
    void flatten_next();
    void flatten_sell();
    void finish_flatten();

    // Constant after construction
    const EngineSettings settings_;
    const StrategyFactory factory_;

    std::unique_ptr<Strategy> strategy_;
    RiskGuard risk_;
    PositionBook book_;
    Decimal last_price_;
    std::int64_t last_candle_open_ms_ = 0;
    std::optional<std::int64_t> stored_last_candle_;
    bool restored_ = false;
    ControlState control_;
    ControlState control_saved_;
    bool control_unsaved_ = false;
    std::vector<Tracked> orders_;  // in flight or open, oldest first

    // The conversation in progress.
    Step step_;
    Await await_ = Await::kNothing;
    std::string awaited_;  // the client id whose answer is awaited
    Then then_ = Then::kNothing;
    exchange::Kline candle_;  // the candle an input paused in (then_ needs it)
    RecordSignal signal_;     // the signal whose id is awaited
    SignalFor signal_for_ = SignalFor::kDecision;
    // The flatten in progress.
    OperatorCommand flatten_;
    std::string flatten_failure_;  // why the sell must not go out (a cancel left unresolved)
    bool flatten_ok_ = true;       // with flatten_failure_: refused (false) or nothing to do (true)
    std::optional<exchange::OrderStatus> flatten_sold_;  // the sell's end
    Decimal flatten_quantity_;
};

}  // namespace bot
