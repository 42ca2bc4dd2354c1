// service::Daemon — tradebotd's object graph and its life: open, start, run, stop by a deadline.
//
//   open()   the banner; the database, held as the config's `database` says (a file alone, or a
//            PostgreSQL database shared by leases: service/state_store.h); the exchange's
//            market stream and order gateway. SIGTERM/SIGINT from here until start() ends cancel
//            the start-up (service/stop_signals.h StartupStop).
//   start()  the supervisor and its bots, the leases, the metrics endpoint (bound before any bot
//            starts, so a taken port fails the start rather than a running daemon), the systemd
//            watchdog and the heartbeat.
//   run()    waits on the main thread for SIGTERM/SIGINT, the --duration deadline, or storage
//            failing for good; SIGHUP re-reads the config file and applies it (a bad one is
//            refused with a log line and the running one kept).
//   stop()   the stop sequence, within its deadline: no watchdog ping after STOPPING=1, the
//            bots drain (up to 3 s; a bot still waiting for storage then gives up, its write
//            staying queued), the leases are given up, the exchange goes, and the database's
//            close commits what is queued for whatever is left. A second SIGTERM/SIGINT during
//            the stop exits the process at once with status 1.
//
// Each step answers an Outcome; main() turns it into the exit status. Every failure is logged
// here, with what to do. The caller blocks SIGTERM, SIGINT and SIGHUP in every thread before the
// first thread starts (before open()), and calls the steps from its main thread.
#pragma once

#include <signal.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bot/core/strategy.h"
#include "bot/runtime/supervisor.h"
#include "bot/runtime/trading_bot.h"
#include "config/config.h"
#include "exchange/factory.h"
#include "service/heartbeat.h"
#include "service/log_setup.h"
#include "service/metrics_server.h"
#include "service/sd_notify.h"
#include "service/state_store.h"
#include "service/stop_signals.h"
#include "service/watchdog.h"

namespace spdlog {
class logger;
}

namespace service {

// What a step came to.
enum class Outcome {
    kContinue,       // open() and start(): done, go on with the next step
    kStopped,        // a clean stop (also one asked for during start-up)
    kInvalidConfig,  // the config cannot work (refused by the exchange at start)
    kFailed,         // a fatal error, logged
};

// When a stop's database must give up (SIGTERM, SIGINT, --duration, a storage failure): from
// the signal on nothing of storage waits past this (Database::give_up_at), the bots drain for
// up to kDrainTimeout, the leases get what is left of kLeaseReleaseBudget, the close gets the
// rest. The last 1.5 s of the 5 s a stop may take are for what follows on a loaded machine
// (joining the stream, the last log lines, the process exit): measured, a stop with storage
// failing ends about 3.6 s after the signal.
inline constexpr std::chrono::milliseconds kStopBudget{3500};
inline constexpr std::chrono::milliseconds kDrainTimeout{2000};
inline constexpr std::chrono::milliseconds kLeaseReleaseBudget{500};

// What ended run().
struct StopRequest {
    std::string reason;   // "SIGTERM", "--duration elapsed", "storage failed for good"
    bool failed = false;  // the stop is a failure (storage failed for good): kFailed
};

// SIGTERM, SIGINT and SIGHUP: what run() takes.
sigset_t daemon_signals();
// Blocks daemon_signals() in the calling thread and so in every thread started after it: call it
// first in main(), before any thread exists, so that only run() (and the start-up and stop
// watches, service/stop_signals.h) ever takes them and no handler runs inside business code.
void block_daemon_signals();
// The log set-up (service/log_setup.h) the config's `log` section asks for (an unknown level:
// info).
LogOptions log_options_for(const config::LogConfig& log);

struct DaemonOptions {
    // The strategies configs are parsed with and the bots' strategies made from.
    bot::StrategyCatalog strategies;
    // The config file SIGHUP re-reads.
    std::string config_path;
    // --log-level: outranks the file's log.level, also after a reload.
    std::optional<std::string> log_level;
    // --duration: run() stops this long after start().
    std::optional<std::chrono::duration<double>> duration;
    // Sees every closed candle the bots act on (market_data.record_dir: tradebotd's recorder);
    // empty: none.
    bot::CandleObserver candle_observer;
    // How the database is held; empty: make_state_store(config.database).
    std::function<std::unique_ptr<StateStore>(const config::DatabaseConfig&)> state_store;
};

class Daemon {
public:
    // `config` is valid (the loader and the exchange's checks accepted it, the credentials are
    // there). Nothing starts yet.
    Daemon(config::Config config, DaemonOptions options);
    ~Daemon();  // stops what still runs, without the stop sequence's deadline
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    [[nodiscard]] Outcome open();
    [[nodiscard]] Outcome start();
    // REQUIRES: start() gave kContinue.
    StopRequest run();
    // kStopped after a clean stop (logged), kFailed when `why` was a failure (for the caller to
    // say, with its exit status). Call once, after run().
    [[nodiscard]] Outcome stop(const StopRequest& why,
                               std::chrono::steady_clock::time_point deadline);

    const config::Config& config() const { return config_; }

private:
    using Clock = std::chrono::steady_clock;

    Outcome stopped_during_start_up();
    // SIGHUP: re-reads the config file and applies it, or keeps the running one.
    void reload();
    // The /healthz question, also what the metrics report as tradebot_healthy.
    Health health() const;

    // Constant after construction
    const config::Config config_;  // as started; reloads go to the supervisor and the store
    const DaemonOptions options_;
    const std::shared_ptr<spdlog::logger> log_;
    const SdNotifier notifier_;
    const std::chrono::milliseconds max_stall_;

    // Set when a stop begins: the exchange's read requests (history, rules) then give up rather
    // than hold a bot that is still starting.
    std::atomic<bool> stopping_{false};
    std::optional<StartupStop> startup_;         // from open() until start() ends
    std::optional<Clock::time_point> deadline_;  // --duration

    // The object graph, in the order it is built; torn down in reverse.
    std::unique_ptr<StateStore> store_;
    storage::Database* db_ = nullptr;  // store_'s
    exchange::Exchange exchange_;
    std::optional<bot::Supervisor> supervisor_;
    std::optional<MetricsServer> metrics_;
    std::optional<Watchdog> watchdog_;
    std::optional<Heartbeat> heartbeat_;
    // Armed when a stop begins: a second SIGTERM/SIGINT then exits at once (status 1).
    std::optional<StopEscalation> escalation_;
};

}  // namespace service
