// bot::TradingBot — the daemon's driver of one symbol's trading core (bot/core/engine.h), run on
// that symbol's own thread by the Supervisor. The engine decides; this class does what its
// Steps ask, with storage, the gateway and the logger:
//
// - Every signal is committed (with the strategy state, in one batch) before the engine hears
//   its id, whether or not it leads to an order. An order is written ahead: its row is committed
//   with status PENDING *before* gateway.place() is called, so a crash can never leave an order
//   at the exchange that the database does not know. The outcome — the order row updated, its
//   fills, the position row and the state — is then committed in ONE atomic batch. Closed candles
//   without a decision persist the state asynchronously (group commit makes that cheap); every
//   synchronous write first waits for it, so state never goes backwards. An operator command's
//   state (paused) is committed before the command counts as done.
// - An order whose answer is unknown is looked up after the waits the engine asks for; a stop
//   that abandons the bot ends such a wait (the order stays PENDING, settled at the next start).
//
// On start the bot resumes from storage: position row, strategy, risk and control state, caught
// up on the candles it missed from stream.history(); with no usable state (none, other
// parameters, or a state ahead of the market's clock) the strategy warms up afresh from that
// history. Every order a crash or a stop left PENDING/UNKNOWN, however old, is settled by asking
// gateway.query(): an order the gateway does not know was never sent and is marked CANCELED; one
// it knows is settled like a fresh result.
//
// Storage waits: every write is queued and waited for in slices, so a bot never waits on storage
// past the moment its supervisor abandons it (a stop that ran out of drain time): it then leaves
// with BotAbandoned and the write stays queued, to land at the close or, if the database stays
// unavailable, to be settled at the next start (the order row is written ahead, so no order can
// be lost that way).
//
// A replay (tradebot-backtest) drives the same engine through ReplayBot
// (bot/runtime/replay_bot.h) instead: there is no mode to switch here.
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

#include "bot/core/engine.h"
#include "bot/core/position.h"
#include "bot/core/strategy.h"
#include "bot/runtime/bot_stats.h"
#include "bot/runtime/event_queue.h"
#include "bot/runtime/rows.h"
#include "config/config.h"
#include "exchange/market_stream.h"
#include "exchange/order_gateway.h"
#include "storage/database.h"

namespace spdlog {
class logger;
}

namespace bot {

// Sees every closed candle of the bot's interval that is handed to the strategy, warm-up history
// included (a candle seen before may come again: the strategy ignores it, and so should the
// observer), on the bot's thread, after the strategy took it. tradebotd's market-data recorder.
using CandleObserver = std::function<void(const exchange::Kline& candle)>;

// The bot was abandoned (BotDeps::abandon) while it waited for a write or a lookup; the write
// stays queued.
class BotAbandoned : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct BotSettings {
    config::SymbolConfig symbol;  // symbol, its effective strategy and its risk rules
    config::TradingConfig trading;
    int min_warmup_candles = 200;  // at least this many history candles when there is no state
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
    EventQueue* queue = nullptr;  // needed by run() only; tests may call handle() themselves
    BotStats* stats = nullptr;
    std::shared_ptr<spdlog::logger> log;
    StrategyFactory strategy_factory;  // required: builds the symbol's strategy
    // Set (by the supervisor, at a stop that ran out of drain time) when the bot must give up
    // whatever storage wait or lookup wait it is in; null: never.
    const std::atomic<bool>* abandon = nullptr;
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
    // (checked between events and in storage and lookup waits; a call to the gateway in flight
    // always completes). Throws what processing throws, BotAbandoned from a wait.
    void run(const std::atomic<bool>& abandon);
    // Handles one event (run() calls it; tests may drive the bot directly). After start().
    void handle(const exchange::MarketEvent& event);
    // The same for a kline, without wrapping it in a MarketEvent.
    void handle(const exchange::Kline& kline);
    // An operator's command (pause, resume, flatten), on the bot's thread; returns once it is
    // carried out and its state committed.
    CommandDone handle(const OperatorCommand& command);
    // Waits until every write made so far is committed (or the bot is abandoned: BotAbandoned).
    void flush();

    const PositionBook& position() const;
    const std::string& symbol() const { return settings_.symbol.symbol; }

private:
    void count_event();
    // Carries out `step` and every Step that answers it, until the conversation is over.
    // `candle`: the closed kline the input was (for the observer), or null.
    void carry_out(const Step* step, const exchange::Kline* candle = nullptr);
    // Commits a signal row with the bot's state; returns its id.
    std::int64_t record_signal(const RecordSignal& signal);
    OrderProgress place(const PlaceOrder& order);
    OrderProgress query(const QueryOrder& query);
    OrderProgress cancel(const CancelOrder& cancel);
    // Commits the order rows and fills of a step with the position and the state, atomically.
    void record_outcome(const Step& step);
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
    // Commits the state now (an operator's command is done only once it is).
    void persist_state_now();
    // Waits for the outstanding asynchronous write, if any; logs a failure.
    void wait_async();
    void publish_position();

    // Constant after construction
    const BotSettings settings_;
    const BotDeps deps_;

    // Used only from the bot's thread.
    std::unique_ptr<Strategy> strategy_;  // until start() hands it to the engine
    std::optional<SymbolEngine> engine_;  // from start(), once the symbol's filters are known
    const PositionBook empty_book_;
    storage::WriteHandle pending_state_;  // last asynchronous state write, until seen done
    std::optional<CommandDone> command_done_;  // of the command being carried out
};

}  // namespace bot
