// bot::Supervisor — runs one TradingBot thread per configured symbol and feeds it.
//
// Routing: the stream's sink looks the event's symbol up and pushes it into that symbol's bounded
// EventQueue (bot/runtime/event_queue.h: never blocks, drops the oldest updates first, counts drops and
// warns). Events for a symbol with no running bot are counted (unrouted()) and ignored.
//
// Restarts: when a bot throws (strategy bug, storage write refused) the exception text is
// logged, and after a backoff (1 s, doubling to 30 s; back to 1 s once a bot ran longer than the
// maximum) a fresh bot resumes from storage while the other symbols carry on. Its queue keeps
// filling meanwhile under the same drop policy. BotFatalError stops that symbol for good. When
// storage itself failed for good (WriterStats::sticky_error: corruption found mid-run) no bot is
// restarted: every fresh one would fail the same way; the daemon stops the process instead.
//
// Shutdown (stop()): the stream stops first (no event arrives after), then every queue is closed
// and the bots drain what is queued — each candle processed has its signal, order and fills
// committed. Bots still draining after drain_timeout are abandoned: they stop at the next event
// boundary, or at once if they are waiting for storage (that write stays queued for the close);
// a call to the gateway in flight always completes.
//
// Reload (SIGHUP): added symbols start, removed ones stop (drained as above), a symbol whose
// strategy or risk rules changed is restarted with the new ones, log.level applies at once. Any
// other changed key cannot be applied live: it is logged by key path and the running value is kept.
//
// Leases (several daemons on one PostgreSQL database): the daemon starts with no symbol and the
// lease keeper (bot/leases/lease_keeper.h) has start_symbol() and stop_symbol() called for each symbol
// this process takes or gives up; reload() then applies to the symbols it trades.
//
// Watchdog support: every bot's BotStats has progress counters and a last-progress
// time; all_progressing() answers "is every bot thread turning?".
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "bot/runtime/bot_stats.h"
#include "bot/runtime/event_queue.h"
#include "bot/runtime/trading_bot.h"
#include "config/config.h"
#include "exchange/market_stream.h"
#include "exchange/order_gateway.h"
#include "storage/database.h"

namespace spdlog {
class logger;
}

namespace bot {

struct SupervisorOptions {
    std::size_t queue_capacity = 4096;  // events per symbol
    std::chrono::milliseconds restart_initial{1000};
    std::chrono::milliseconds restart_max{30000};
    // stop(): how long bots may drain their queues before abandoning the rest (a clean stop
    // must finish within 5 s in all).
    std::chrono::milliseconds drain_timeout{3000};
    // Required: builds each bot's strategy (the daemon's from its strategy catalog; tests
    // inject their own). Strategies are compared as the loader gives them, every parameter
    // filled in: equal values are the same strategy.
    StrategyFactory strategy_factory;
    // The named logger of each bot ("BTCUSDT") and of the supervisor itself ("main"). The daemon
    // passes its log set-up's loggers; empty: copies of spdlog's default logger under that name.
    std::function<std::shared_ptr<spdlog::logger>(const std::string& name)> logger;
    // Applies a new log.level ("warn") on reload; empty: the level stays as it is.
    std::function<void(const std::string& level)> apply_log_level;
    CandleObserver candle_observer;  // given to every bot (tradebotd's recorder); empty: none
};

// What reload() did.
struct ReloadSummary {
    std::vector<std::string> added;
    std::vector<std::string> removed;
    std::vector<std::string> restarted;    // strategy changed, or had stopped for good
    std::vector<std::string> not_applied;  // key paths that need a daemon restart
};

// A read-only view of one bot, for heartbeats, metrics and the watchdog.
struct BotView {
    std::string symbol;
    std::shared_ptr<const BotStats> stats;
    std::shared_ptr<const EventQueue> queue;
};

class Supervisor {
public:
    // Everything referenced outlives the supervisor.
    Supervisor(config::Config config, storage::Database& db, exchange::MarketStream& stream,
               exchange::OrderGateway& gateway, SupervisorOptions options = {});
    ~Supervisor();  // stop()
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    // Starts a bot per symbol, then the stream. Call once.
    void start();
    // Graceful stop, see above. Idempotent.
    void stop();
    // Applies a new, already validated config, see above. Returns what changed.
    ReloadSummary reload(const config::Config& next);
    // Starts trading one more symbol (its lease was taken), resuming from storage like any
    // start; before start() it is simply started with the others. No-op if it runs already or
    // after stop().
    void start_symbol(const config::SymbolConfig& symbol);
    // Stops trading `symbol` (its lease is given up or lost), drained as by stop(): returns once
    // its bot has stopped. No-op if it does not run.
    void stop_symbol(const std::string& symbol);
    // The same for several symbols at once, drained side by side (one drain_timeout in all).
    void stop_symbols(const std::vector<std::string>& symbols);

    // The config in force (new symbols after a reload, old values for keys not applied).
    config::Config config() const;
    std::vector<BotView> bots() const;
    // True when every bot that has not failed for good turned its loop within `max_stall`.
    bool all_progressing(std::chrono::milliseconds max_stall) const;
    std::uint64_t unrouted() const { return unrouted_.load(std::memory_order_relaxed); }

private:
    struct Slot;

    void sink(const exchange::MarketEvent& event);
    std::shared_ptr<Slot> make_slot(const config::SymbolConfig& sc);
    void start_slot(const std::shared_ptr<Slot>& slot);
    // Closes the slots' queues and joins their threads, abandoning after drain_timeout.
    void stop_slots(const std::vector<std::shared_ptr<Slot>>& slots);
    void run_slot(Slot& slot);
    std::vector<std::string> symbol_list() const;  // REQUIRES: control_mu_ held

    // Constant after construction
    storage::Database& db_;
    exchange::MarketStream& stream_;
    exchange::OrderGateway& gateway_;
    const SupervisorOptions options_;
    const std::shared_ptr<spdlog::logger> log_;

    // Start, stop and reload run one at a time (the main thread).
    mutable std::mutex control_mu_;
    config::Config config_;                               // Guarded by control_mu_
    std::map<std::string, std::shared_ptr<Slot>> slots_;  // Guarded by control_mu_
    bool started_ = false;                                // Guarded by control_mu_
    bool stopped_ = false;                                // Guarded by control_mu_

    // The sink's view of slots_, read on the stream's thread(s).
    mutable std::shared_mutex route_mu_;
    std::map<std::string, std::shared_ptr<Slot>> routes_;  // Guarded by route_mu_

    std::atomic<std::uint64_t> unrouted_{0};
};

}  // namespace bot
