// bot::TradingBot — one symbol's trading, run on that symbol's own thread by the Supervisor.
//
// Per closed kline: the strategy decides; every decision is committed as a signal row (with the
// strategy state, in one batch) whether or not it leads to an order. A sized order is written
// ahead: its row is committed with status PENDING *before* gateway.place() is called, so a crash
// can never leave an order at the exchange that the database does not know. The outcome — the
// order row updated, its fills, the position row and the strategy state — is then committed in
// ONE atomic batch. Closed candles without a decision persist the strategy state asynchronously
// (group commit makes that cheap); every synchronous write first waits for it, so state never
// goes backwards.
//
// A replay (tradebot-backtest) drives the same bot without a queue or thread: it calls handle()
// with each candle and gives the bot a RowSink (bot/runtime/row_sink.h). Its rows then go to the sink
// instead of being committed one by one: no write-ahead order row (no exchange can see the order
// before the database does), no state per candle, the position and the strategy state once at
// flush(). Every decision, size, filter, fill and fee is the same code either way.
//
// On start the bot resumes from storage: position row and strategy state, caught up on the candles
// it missed from stream.history(); with no usable state (none, other parameters, or a state
// ahead of the market's clock) the strategy warms up afresh from that history. Every order a crash
// or a stop left PENDING/UNKNOWN, however old, is settled by asking gateway.query(): an order the
// gateway does not know was never sent and is marked CANCELED; one it knows is settled like a
// fresh result.
//
// Storage waits: every write is queued and waited for in slices, so a bot never waits on storage
// past the moment its supervisor abandons it (a stop that ran out of drain time): it then leaves
// with BotAbandoned and the write stays queued, to land at the close or, if the database stays
// unavailable, to be settled at the next start (the order row is written ahead, so no order can
// be lost that way).
//
// Risk controls (bot/runtime/risk_guard.h, bot/core/risk_rules.h): every price the bot sees — trades, kline
// updates and closes, and the prices its queue dropped — goes through the symbol's risk rules
// before the strategy sees a close. An exit is a SELL signal of the strategy "risk" whose reason
// names the rule, then a write-ahead market order for the whole position; a BUY decision is
// recorded but not ordered while the daily loss halt or the cooldown holds. The rules' state
// (trailing high, the day's baseline, halt, cooldown) is committed with the strategy state. In a
// replay (BotSettings::prices == kCandles) each closed candle's OHLC is all the rules get.
//
// Exceptions: anything processing throws (a strategy bug, a storage write that failed for good)
// leaves the bot; the Supervisor logs it and builds a fresh bot after a backoff, which resumes
// from what was committed. BotFatalError means a restart cannot help (damaged position row,
// symbol unknown to the exchange): the symbol stops, the others carry on.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bot/runtime/bot_stats.h"
#include "bot/runtime/event_queue.h"
#include "bot/core/position.h"
#include "bot/runtime/risk_guard.h"
#include "bot/runtime/row_sink.h"
#include "bot/core/strategy.h"
#include "config/config.h"
#include "exchange/market_stream.h"
#include "exchange/order_gateway.h"
#include "storage/database.h"

namespace spdlog {
class logger;
}

namespace bot {

using StrategyFactory =
    std::function<std::unique_ptr<Strategy>(const config::StrategyConfig& strategy)>;
// Sees every closed candle of the bot's interval that is handed to the strategy, warm-up history
// included (a candle seen before may come again: the strategy ignores it, and so should the
// observer), on the bot's thread, after the strategy took it. tradebotd's market-data recorder.
using CandleObserver = std::function<void(const exchange::Kline& candle)>;

// A symbol that cannot be traded safely; restarting the bot would not help.
class BotFatalError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The bot was abandoned (BotDeps::abandon) while it waited for a write; the write stays queued.
class BotAbandoned : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The bot_state key holding Strategy::save_state().
inline constexpr const char* kStrategyStateKey = "strategy";
// The bot_state key holding the open time of the last closed candle the strategy saw.
inline constexpr const char* kLastCandleKey = "last_candle_open_ms";
// Why a PENDING order the gateway never saw is closed at start-up.
inline constexpr const char* kNotSentReason =
    "not sent: daemon stopped before the order reached the gateway";

// What the bot knows of the prices between closes.
enum class PriceFeed {
    kEveryPrice,  // a live feed: trades and kline updates come between the closes
    kCandles,     // a replay: each closed candle is all there is; the risk rules use its OHLC
};

struct BotSettings {
    config::SymbolConfig symbol;  // symbol, its effective strategy and its risk rules
    config::TradingConfig trading;
    int min_warmup_candles = 200;  // at least this many history candles when there is no state
    PriceFeed prices = PriceFeed::kEveryPrice;
};

// The newest candle any of `symbols` has committed (bot_state kLastCandleKey), or none: where a
// simulated market must resume so that a restart never plays a candle twice.
std::optional<std::int64_t> last_committed_candle(const storage::Database& db,
                                                  const std::vector<std::string>& symbols);

// Everything the bot uses but does not own. All of it outlives the bot.
struct BotDeps {
    storage::Database* db = nullptr;
    exchange::MarketStream* stream = nullptr;  // history() at start
    exchange::OrderGateway* gateway = nullptr;
    EventQueue* queue = nullptr;  // needed by run() only; a replay calls handle() itself
    BotStats* stats = nullptr;
    std::shared_ptr<spdlog::logger> log;
    StrategyFactory strategy_factory;  // required: builds the symbol's strategy
    // Set (by the supervisor, at a stop that ran out of drain time) when the bot must give up
    // whatever storage wait it is in; null: never.
    const std::atomic<bool>* abandon = nullptr;
    // Null: every write is committed before the bot moves on (the daemon). Set: the rows go to
    // the sink, see above (a replay into a database of its own).
    RowSink* rows = nullptr;
    CandleObserver on_candle;  // empty: none
};

class TradingBot {
public:
    TradingBot(BotSettings settings, BotDeps deps);
    ~TradingBot();  // waits for the last asynchronous state write unless abandoned; never throws
    TradingBot(const TradingBot&) = delete;
    TradingBot& operator=(const TradingBot&) = delete;

    // Resumes from storage (see above). Throws on failure; BotFatalError when retrying cannot help.
    void start();
    // Takes events from the queue until it is closed and drained, or `abandon` becomes true
    // (checked between events and in storage waits, see above; a call to the gateway in flight
    // always completes). Throws what processing throws, BotAbandoned from a storage wait.
    void run(const std::atomic<bool>& abandon);
    // Handles one event (run() calls it; tests may drive the bot directly).
    void handle(const exchange::MarketEvent& event);
    // The same for a kline, without wrapping it in a MarketEvent (a replay's hot path).
    void handle(const exchange::Kline& kline);
    // Waits until every write made so far is committed (or the bot is abandoned: BotAbandoned).
    // With a RowSink: hands it the position
    // and the strategy state (the sink commits them).
    void flush();

    const PositionBook& position() const { return book_; }
    const std::string& symbol() const { return settings_.symbol.symbol; }

private:
    void count_event();
    void on_kline(const exchange::Kline& k);
    // A price seen at market time `time_ms`: the risk rules, and an exit if one fires. A state
    // change is written at once when `persist` (a close writes it with the strategy state).
    void on_price(const Decimal& price, std::int64_t time_ms, bool persist = true);
    void on_dropped(const DroppedPrices& dropped);
    // A closed candle of a replay: the risk rules on its OHLC.
    void on_replayed_candle(const exchange::Kline& k);
    // A risk exit: its signal, then a market order for the whole position.
    void exit_position(const RiskExit& exit, std::int64_t time_ms);
    void on_decision(const Decision& d, const exchange::Kline& k);
    // Commits a signal row with the bot's state; returns its id.
    std::int64_t write_signal(const storage::Signal& signal);
    void place_order(exchange::Side side, const Decimal& quantity, const Decimal& price,
                     std::int64_t signal_id);
    // Commits the outcome of an order: row, fills, position, strategy state, atomically.
    void settle(storage::Order row, const exchange::OrderResult& result);
    void settle_unresolved_orders();
    // Feeds stream history to the strategy; starts it afresh when the stored state is ahead of
    // the market clock (clears `restored`).
    void warm_up(bool& restored, std::optional<std::int64_t> stored_last);
    // The strategy state, the last candle and, when it changed, the risk state.
    void add_state(storage::WriteBatch& batch);
    // Queues `batch` and waits for its commit (see "Storage waits" above). `what` names the
    // write in the BotAbandoned message.
    storage::Result<storage::WriteResult> commit(storage::WriteBatch batch,
                                                 const std::string& what);
    // Waits for a queued write until it is done; throws BotAbandoned if the bot is abandoned
    // first.
    storage::Result<storage::WriteResult> await(const storage::WriteHandle& handle,
                                                const std::string& what);
    bool abandoned() const;
    void persist_state_async();
    // The same for a new trailing high and other risk state changes between closes: skipped
    // (left for the next price or close) while the previous write is still queued, so a busy
    // storage never holds up the prices.
    void persist_risk_async();
    // Waits for the outstanding asynchronous write, if any; logs a failure.
    void wait_async();
    void publish_position();
    std::string describe_strategy() const;

    // Constant after construction
    const BotSettings settings_;
    const BotDeps deps_;

    // Used only from the bot's thread.
    std::unique_ptr<Strategy> strategy_;
    std::optional<RiskGuard> risk_;  // from start(), once the symbol's rules are known
    PositionBook book_;
    exchange::SymbolRules rules_;
    Decimal last_price_;
    std::int64_t last_candle_open_ms_ = 0;
    storage::WriteHandle pending_state_;  // last asynchronous state write, until seen done
    bool started_ = false;
    bool filled_ = false;  // a fill moved the position since start()
};

}  // namespace bot
