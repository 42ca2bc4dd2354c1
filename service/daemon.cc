#include "service/daemon.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <exception>
#include <utility>
#include <vector>

#include "config/loader.h"
#include "config/text.h"
#include "service/log_setup.h"
#include "service/metrics.h"
#include "storage/errors.h"

namespace service {
namespace {

// The pointer printed with every failure to open the database.
constexpr const char* kOpenHelp =
    "what to do: docs/operations.md, \"The database cannot be opened\" (installed as "
    "/usr/share/doc/tradebot/operations.md)";

// Short enough that a storage failure stops the bots promptly; the bots stop restarting on it by
// themselves (Supervisor).
constexpr auto kLoopTick = std::chrono::milliseconds(250);

std::string join_symbols(const config::Config& cfg) {
    std::vector<std::string> names;
    for (const auto& s : cfg.symbols) names.push_back(s.symbol);
    return config::join(names, ",");
}

}  // namespace

sigset_t daemon_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    return signals;
}

void block_daemon_signals() {
    const sigset_t signals = daemon_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

LogOptions log_options_for(const config::LogConfig& log) {
    LogOptions options;
    options.format = log_format_for(log.format);
    options.level = parse_log_level(log.level).value_or(spdlog::level::info);
    return options;
}

Daemon::Daemon(config::Config config, DaemonOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      log_(get_logger("main")),
      notifier_(SdNotifier::from_environment()),
      max_stall_(default_max_stall(notifier_)) {}

Daemon::~Daemon() {
    // What a failed start-up left running, in the stop's order but without its deadline.
    heartbeat_.reset();
    watchdog_.reset();
    metrics_.reset();
    if (store_) store_->detach();
    supervisor_.reset();
    exchange_.stream.reset();
    exchange_.gateway.reset();
}

Outcome Daemon::stopped_during_start_up() {
    log_->info("stopped before start-up finished ({})", signal_name(startup_->signal()));
    return Outcome::kStopped;
}

Outcome Daemon::open() {
    store_ = options_.state_store ? options_.state_store(config_.database)
                                  : make_state_store(config_.database);
    log_->info(
        "tradebotd {} starting: exchange={} mode={} symbols={} database={} strategy={} "
        "interval={} pid={}",
        TRADEBOT_VERSION, config_.exchange.name, config_.trading.mode, join_symbols(config_),
        store_->where(), config_.strategy.name, config_.strategy.interval,
        static_cast<long>(::getpid()));

    // From here until the bots start, SIGTERM/SIGINT cancel the start-up (exit 0).
    startup_.emplace(log_);
    try {
        storage::Options options;
        options.busy_timeout_ms = config_.database.busy_timeout_ms;
        options.pg_connect_timeout_s = config_.database.connect_timeout_s;
        options.pg_statement_timeout_ms = config_.database.statement_timeout_ms;
        options.pg_lock_timeout_ms = config_.database.lock_timeout_ms;
        options.pg_keepalive_s = config_.database.keepalive_s;
        options.logger = get_logger("storage");
        db_ = &store_->open(options);
    } catch (const StoreTaken& e) {
        log_->error("{}", e.what());
        return Outcome::kFailed;
    } catch (const storage::OpenError& e) {
        log_->error("cannot open the database: {}; {}", e.what(), kOpenHelp);
        return Outcome::kFailed;
    }

    try {
        exchange::StartOptions start;
        start.cancelled = [this] { return startup_->cancelled() || stopping_.load(); };
        // The sim's clock runs ahead of the wall clock: resume after the newest committed candle.
        std::vector<std::string> symbols;
        for (const auto& s : config_.symbols) symbols.push_back(s.symbol);
        start.sim_resume_after_ms = bot::last_committed_candle(*db_, symbols);
        exchange_ = exchange::make_exchange(config_, get_logger("exchange"), start);
    } catch (const exchange::StartCancelled&) {
        return stopped_during_start_up();
    } catch (const config::ConfigError& e) {
        log_->error("invalid config: {}", e.what());
        return Outcome::kInvalidConfig;
    } catch (const std::exception& e) {
        log_->error("cannot start the exchange: {}", e.what());
        return Outcome::kFailed;
    }
    return Outcome::kContinue;
}

Health Daemon::health() const {
    return assess_health(progress_of(supervisor_->bots()), db_->writer_stats(),
                         bot::BotStats::steady_now_ms(), max_stall_);
}

Outcome Daemon::start() {
    if (options_.duration) {
        deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(*options_.duration);
    }
    bot::SupervisorOptions supervisor_options;
    supervisor_options.drain_timeout = kDrainTimeout;
    supervisor_options.strategy_factory = [this](const config::StrategyConfig& c) {
        return bot::make_strategy(options_.strategies, c);
    };
    supervisor_options.logger = get_logger;
    supervisor_options.apply_log_level = [](const std::string& level) {
        if (auto l = parse_log_level(level)) set_log_level(*l);
    };
    supervisor_options.candle_observer = options_.candle_observer;
    supervisor_.emplace(store_->supervised(config_), *db_, *exchange_.stream, *exchange_.gateway,
                        supervisor_options);
    store_->attach(*supervisor_, config_);

    // metrics.listen: /metrics and /healthz, bound before any bot starts so that a taken port
    // fails the start rather than a running daemon.
    if (config_.metrics.listen) {
        MetricsHandlers handlers;
        handlers.metrics = [this] {
            MetricsSnapshot snapshot = collect_metrics(*supervisor_, *db_, *exchange_.stream);
            store_->add_metrics(snapshot);
            snapshot.healthy = health().ok;
            return render_metrics(snapshot);
        };
        handlers.health = [this] { return health(); };
        metrics_.emplace(*config_.metrics.listen, std::move(handlers), MetricsServerOptions{},
                         get_logger("metrics"));
        try {
            metrics_->start();
        } catch (const std::exception& e) {
            log_->error("{}", e.what());
            return Outcome::kFailed;
        }
        log_->info("metrics: serving /metrics and /healthz on {}", *config_.metrics.listen);
    }
    // systemd notify (no-op without NOTIFY_SOCKET) and the watchdog thread: READY=1 once every
    // bot runs, WATCHDOG=1 only while every bot loop turns.
    WatchdogOptions watchdog_options;
    if (auto interval = notifier_.watchdog_ping_interval()) {
        watchdog_options.ping_interval =
            std::max(std::chrono::duration_cast<std::chrono::milliseconds>(*interval),
                     std::chrono::milliseconds(1));
    }
    watchdog_options.max_stall = max_stall_;
    watchdog_.emplace(
        notifier_, [this] { return progress_of(supervisor_->bots()); }, watchdog_options, log_);
    // Heartbeats come from their own thread, which never waits on storage: they keep coming (and
    // say so) while the bots are stuck on a stalled database.
    heartbeat_.emplace(HeartbeatSources{[this] { return supervisor_->bots(); },
                                        [this] { return db_->writer_stats(); },
                                        [this] { return exchange_.stream->stats(); }},
                       std::chrono::seconds(std::max(0, config_.log.heartbeat_s)));

    // Start-up ends here; from now on run() takes the signals. One may have been taken just
    // before.
    startup_->finish();
    if (startup_->cancelled()) return stopped_during_start_up();
    try {
        supervisor_->start();
    } catch (const std::exception& e) {
        log_->error("start-up failed: {}", e.what());
        supervisor_->stop();
        return Outcome::kFailed;
    }
    store_->start(config_);
    watchdog_->start();
    heartbeat_->start();
    if (notifier_.watchdog_period()) {
        log_->info("systemd watchdog: WATCHDOG=1 every {} ms while no bot is stuck for {} ms",
                   watchdog_options.ping_interval.count(), max_stall_.count());
    }
    return Outcome::kContinue;
}

void Daemon::reload() {
    log_->info("SIGHUP: re-reading {}", options_.config_path);
    config::Config next;
    try {
        next = config::load_config_file(options_.config_path, options_.strategies.specs());
        exchange::check_exchange_config(next);
    } catch (const config::ConfigError& e) {
        log_->error("reload rejected: {}; keeping the running config", e.what());
        return;
    } catch (const std::exception& e) {
        // Whatever else a reader throws, a reload must never end a running daemon.
        log_->error("reload rejected: {}: {}; keeping the running config", options_.config_path,
                    e.what());
        return;
    }
    // --log-level on the command line outranks the file.
    if (options_.log_level) next.log.level = *options_.log_level;
    try {
        store_->reload(*supervisor_, next);
    } catch (const std::exception& e) {
        // The stream refused the new symbol set, or a bot thread could not start: the bots
        // already running carry on.
        log_->error("reload failed: {}", e.what());
    }
}

StopRequest Daemon::run() {
    const sigset_t signals = daemon_signals();
    for (;;) {
        auto tick = kLoopTick;
        if (deadline_) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(*deadline_ - Clock::now());
            if (left.count() <= 0) return {"--duration elapsed", false};
            tick = std::min(tick, left);
        }
        if (const std::string sticky = db_->writer_stats().sticky_error; !sticky.empty()) {
            log_->error(
                "storage failed for good: {}; stopping every bot. The database needs attention: "
                "run tradebotctl check, then see docs/operations.md, \"A damaged database\"",
                sticky);
            return {"storage failed for good", true};
        }
        timespec ts{static_cast<time_t>(tick.count() / 1000),
                    static_cast<long>((tick.count() % 1000) * 1000000)};
        int sig = ::sigtimedwait(&signals, nullptr, &ts);
        if (sig < 0) continue;  // EAGAIN (tick) or EINTR
        if (sig == SIGHUP) {
            notifier_.reloading();
            reload();
            notifier_.ready();
            continue;
        }
        return {signal_name(sig), false};
    }
}

Outcome Daemon::stop(const StopRequest& why, Clock::time_point deadline) {
    stopping_ = true;
    escalation_.emplace(log_);
    // Nothing below waits for storage past the deadline: not a bot's read or write, not the
    // close (a hung database server never answers by itself).
    db_->give_up_at(deadline);
    log_->info("stopping ({})", why.reason);
    // systemd stops watching once the stop begins; no ping may follow STOPPING=1.
    watchdog_->stop();
    notifier_.stopping();
    heartbeat_->stop();
    // The bots drain for up to kDrainTimeout; a bot still waiting for storage then gives up,
    // its write staying queued for the close below.
    supervisor_->stop();
    // Every symbol drained: the leases can go at once.
    store_->stop(deadline);

    heartbeat_.reset();
    watchdog_.reset();
    metrics_.reset();
    store_->detach();
    supervisor_.reset();
    exchange_.stream.reset();
    exchange_.gateway.reset();
    db_->close();
    // The close commits what is queued, for whatever is left of the stop's budget.
    const std::size_t left = storage::Database::close_all_cached(deadline);
    if (left > 0) {
        log_->warn(
            "{} write(s) could not be committed before the stop deadline (storage unavailable); "
            "they are dropped, and the next start settles any order they concerned",
            left);
    }
    if (why.failed) return Outcome::kFailed;  // main() says it, with the exit status
    if (left > 0) {
        log_->info("stopped ({} write(s) not committed)", left);
    } else {
        log_->info("stopped cleanly");
    }
    return Outcome::kStopped;
}

}  // namespace service
