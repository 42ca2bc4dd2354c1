// tradebotd — the trading daemon. Command line, exit codes and signals (docs/reference.md):
//   0 clean stop (SIGTERM, SIGINT, --duration elapsed), 64 bad command line, 78 invalid config,
//   1 fatal runtime error. SIGHUP re-reads the config file.
// Signals are blocked before any thread starts and taken with sigtimedwait() here, in the main
// thread, so no handler ever runs inside business code.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "apps/cli/command_line.h"
#include "backtest/archive/candle_recorder.h"
#include "bot/leases/lease_keeper.h"
#include "bot/leases/leased_trading.h"
#include "bot/runtime/supervisor.h"
#include "bot/runtime/trading_bot.h"
#include "bot/strategies/builtin.h"
#include "config/config.h"
#include "config/loader.h"
#include "config/text.h"
#include "exchange/factory.h"
#include "service/heartbeat.h"
#include "service/log_setup.h"
#include "service/metrics.h"
#include "service/metrics_server.h"
#include "service/sd_notify.h"
#include "service/stop_signals.h"
#include "service/watchdog.h"
#include "storage/database.h"
#include "storage/errors.h"
#include "storage/leases.h"
#include "storage/process_lock.h"

namespace {

using cli::kExitConfig;
using cli::kExitOk;
using cli::kExitUsage;
using cli::UsageError;
constexpr int kExitFatal = cli::kExitFailure;

constexpr const char* kUsage =
    "usage: tradebotd --config FILE [--log-level trace|debug|info|warn|error] "
    "[--duration SECONDS]\n"
    "       tradebotd --config FILE --check-config\n"
    "       tradebotd --version | --help\n";

constexpr const char* kAfterOptions =
    "Signals: SIGTERM/SIGINT stop cleanly; SIGHUP re-reads the config file.\n"
    "Exit status: 0 clean stop, 64 bad command line, 78 invalid config, 1 fatal error.\n"
    "Every flag, config key and log line: docs/reference.md.\n";

struct Args {
    std::string config_path;
    std::optional<std::string> log_level;
    std::optional<double> duration_s;
    bool check_config = false;
    bool version = false;
    bool help = false;
};

cli::po::options_description option_table() {
    namespace po = cli::po;
    auto o = cli::options("Options");
    o.add_options()                                                                 //
        ("config", po::value<std::string>()->value_name("FILE"),                    //
         "JSON config (see config/examples/sim.json)")                              //
        ("log-level", po::value<std::string>()->value_name("L"),                    //
         "trace|debug|info|warn|error; overrides log.level")                        //
        ("duration", po::value<std::string>()->value_name("S"),                     //
         "stop cleanly after S seconds (exit 0)")                                   //
        ("check-config", "validate FILE, print the resolved config as JSON, exit")  //
        ("version", "print the version")                                            //
        ("help,h", "this text");
    return o;
}

// --duration: seconds > 0 (fractions allowed), at most 1e9.
double parse_duration(const std::string& text) {
    char* end = nullptr;
    errno = 0;
    double d = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || errno != 0 || !(d > 0) || d > 1e9) {
        throw UsageError("--duration: expected a number of seconds > 0, got '" + text + "'");
    }
    return d;
}

Args parse_args(int argc, char** argv) {
    const cli::po::variables_map vm = cli::parse(argc, argv, option_table());
    Args a;
    a.help = vm.count("help") > 0;
    a.version = vm.count("version") > 0;
    a.check_config = vm.count("check-config") > 0;
    if (vm.count("config")) {
        a.config_path = vm["config"].as<std::string>();
        if (a.config_path.empty()) throw UsageError("--config needs a file name");
    }
    if (vm.count("log-level")) {
        std::string level = vm["log-level"].as<std::string>();
        if (!service::parse_log_level(level)) {
            throw UsageError("--log-level: unknown level '" + level +
                             "' (expected trace|debug|info|warn|error)");
        }
        a.log_level = level;
    }
    if (vm.count("duration")) a.duration_s = parse_duration(vm["duration"].as<std::string>());
    if (!a.help && !a.version && a.config_path.empty()) {
        throw UsageError("--config FILE is required");
    }
    return a;
}

std::string join_symbols(const config::Config& cfg) {
    std::vector<std::string> names;
    for (const auto& s : cfg.symbols) names.push_back(s.symbol);
    return config::join(names, ",");
}

std::string absolute(const std::string& path) {
    std::error_code ec;
    auto p = std::filesystem::absolute(path, ec);
    return ec ? path : p.lexically_normal().string();
}

// Applies a new, validated config to the running daemon (SIGHUP).
using ApplyConfig = std::function<void(const config::Config&)>;

// SIGHUP: a new config that fails to load or validate is refused, the running one kept.
void reload(const std::string& path, const Args& args, const ApplyConfig& apply,
            spdlog::logger& log) {
    log.info("SIGHUP: re-reading {}", path);
    config::Config next;
    try {
        next = config::load_config_file(path, bot::builtin_strategies().specs());
        exchange::check_exchange_config(next);
    } catch (const config::ConfigError& e) {
        log.error("reload rejected: {}; keeping the running config", e.what());
        return;
    }
    // --log-level on the command line outranks the file.
    if (args.log_level) next.log.level = *args.log_level;
    try {
        apply(next);
    } catch (const std::exception& e) {
        // The stream refused the new symbol set, or a bot thread could not start: the bots
        // already running carry on.
        log.error("reload failed: {}", e.what());
    }
}

// When a stop's database close must give up (SIGTERM, SIGINT, --duration, a storage failure):
// the bots drain for up to SupervisorOptions::drain_timeout (3 s), the close gets what is left
// of this, and the last half second of the 5 s a stop may take is for the rest (joining the
// stream, the last log lines, the process exit).
constexpr auto kStopBudget = std::chrono::milliseconds(4500);

// The pointer printed with every failure to open the database.
constexpr const char* kOpenHelp =
    "what to do: docs/operations.md, \"The database cannot be opened\" (installed as "
    "/usr/share/doc/tradebot/operations.md)";

// ---- Test hook (tests/integration/daemon_failsafe_test.cc) ----
// TRADEBOT_TEST_MAX_PAGES=N caps the database file at its size at start plus N pages (PRAGMA
// max_page_count, which only the daemon's own connection can set), so that writes soon fail
// with SQLITE_FULL exactly as on a full disk. Never set in production; the unit file and the
// Docker image do not pass it through.
void apply_test_page_limit(storage::Database& db, spdlog::logger& log) {
    const char* extra = std::getenv("TRADEBOT_TEST_MAX_PAGES");
    if (extra == nullptr) return;
    const long pages = std::stol(db.pragma("page_count")) + std::strtol(extra, nullptr, 10);
    db.pragma("max_page_count=" + std::to_string(pages));
    log.warn("TRADEBOT_TEST_MAX_PAGES: the database may grow to {} pages", pages);
}
// ---- end of test hook ----

// SIGTERM/SIGINT/--duration, or a storage failure: stops everything within kStopBudget.
struct StopRequest {
    std::string reason;
    int exit_code = kExitOk;
};

// Waits for signals (SIGHUP reloads), the --duration deadline, or storage failing for good.
StopRequest main_loop(const Args& args, const ApplyConfig& apply, storage::Database& db,
                      const service::SdNotifier& notifier,
                      std::optional<std::chrono::steady_clock::time_point> deadline,
                      spdlog::logger& log) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    for (;;) {
        // Short enough that a storage failure stops the bots promptly; the bots stop restarting
        // on it by themselves (Supervisor).
        auto tick = std::chrono::milliseconds(250);
        if (deadline) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                *deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return {"--duration elapsed", kExitOk};
            tick = std::min(tick, left);
        }
        if (const std::string sticky = db.writer_stats().sticky_error; !sticky.empty()) {
            log.error(
                "storage failed for good: {}; stopping every bot. The database needs attention: "
                "run tradebotctl check, then see docs/operations.md, \"A damaged database\"",
                sticky);
            return {"storage failed for good", kExitFatal};
        }
        timespec ts{static_cast<time_t>(tick.count() / 1000),
                    static_cast<long>((tick.count() % 1000) * 1000000)};
        int sig = ::sigtimedwait(&signals, nullptr, &ts);
        if (sig < 0) continue;  // EAGAIN (tick) or EINTR
        if (sig == SIGHUP) {
            notifier.reloading();
            reload(args.config_path, args, apply, log);
            notifier.ready();
            continue;
        }
        return {service::signal_name(sig), kExitOk};
    }
}

int run_daemon(const Args& args, config::Config cfg) {
    auto log = service::get_logger("main");
    // database.url: several daemons share one PostgreSQL database and its symbols by leases.
    // The URL never holds a password (the config refuses one), so it may be logged.
    const bool shared = cfg.database.url.has_value();
    const std::string db_path = shared ? *cfg.database.url : absolute(cfg.database.path);
    log->info(
        "tradebotd {} starting: exchange={} mode={} symbols={} database={} strategy={} "
        "interval={} pid={}",
        TRADEBOT_VERSION, cfg.exchange.name, cfg.trading.mode, join_symbols(cfg), db_path,
        cfg.strategy.name, cfg.strategy.interval, static_cast<long>(::getpid()));

    // From here until the bots start, SIGTERM/SIGINT cancel the start-up (exit 0).
    service::StartupStop startup(log);
    // Set when a stop begins: the exchange's read requests (history, rules) then give up rather
    // than hold a bot that is still starting.
    std::atomic<bool> stopping{false};
    auto stopped_during_start_up = [&] {
        log->info("stopped before start-up finished ({})", service::signal_name(startup.signal()));
        return kExitOk;
    };

    // One daemon per database, taken before the database is opened or created: a second one
    // would trade the same symbols from the same state (every order twice in live mode). This is
    // for a database file; a database server (database.url) coordinates its daemons through
    // leases of its own and takes no such lock.
    std::optional<storage::ProcessLock> lock;
    try {
        if (!shared) lock.emplace(db_path);
    } catch (const storage::AlreadyLocked& e) {
        log->error(
            "another tradebotd (pid {}) is already running on the database {}: only one daemon "
            "may trade from a database. Stop that one first, or give this one another "
            "database.path ({})",
            e.holder_pid() > 0 ? std::to_string(e.holder_pid()) : std::string("unknown"), db_path,
            e.what());
        return kExitFatal;
    } catch (const storage::OpenError& e) {
        log->error("cannot open the database: {}; {}", e.what(), kOpenHelp);
        return kExitFatal;
    }

    std::optional<storage::Database> db;
    try {
        storage::Options options;
        options.busy_timeout_ms = cfg.database.busy_timeout_ms;
        options.logger = service::get_logger("storage");
        db.emplace(shared ? *cfg.database.url : cfg.database.path, options);
    } catch (const storage::OpenError& e) {
        log->error("cannot open the database: {}; {}", e.what(), kOpenHelp);
        return kExitFatal;
    }
    if (!shared) apply_test_page_limit(*db, *log);  // test hook, see above
    // Leases: this process's writes of a symbol are refused unless it holds the symbol's lease.
    std::optional<storage::LeaseStore> lease_store;
    if (shared) {
        db->require_fences(true);
        const std::string node = cfg.database.node.value_or(storage::default_node_name());
        lease_store.emplace(*cfg.database.url, node, std::chrono::seconds(cfg.database.lease_s));
        log->info(
            "leases: node={} lease_s={} renew every {} ms; symbols are shared with the "
            "other daemons on this database",
            node, cfg.database.lease_s, cfg.database.lease_s * 1000 / 3);
    }

    exchange::Exchange ex;
    try {
        exchange::StartOptions start_options;
        start_options.cancelled = [&startup, &stopping] {
            return startup.cancelled() || stopping.load();
        };
        // The sim's clock runs ahead of the wall clock: resume after the newest committed candle.
        std::vector<std::string> symbols;
        for (const auto& s : cfg.symbols) symbols.push_back(s.symbol);
        start_options.sim_resume_after_ms = bot::last_committed_candle(*db, symbols);
        ex = exchange::make_exchange(cfg, service::get_logger("exchange"), start_options);
    } catch (const exchange::StartCancelled&) {
        return stopped_during_start_up();
    } catch (const config::ConfigError& e) {
        log->error("invalid config: {}", e.what());
        return kExitConfig;
    } catch (const std::exception& e) {
        log->error("cannot start the exchange: {}", e.what());
        return kExitFatal;
    }

    // market_data.record_dir: every closed candle the bots act on, for tradebot-backtest.
    std::optional<backtest::CandleRecorder> recorder;
    bot::SupervisorOptions supervisor_options;
    supervisor_options.strategy_factory =
        [strategies = bot::builtin_strategies()](const config::StrategyConfig& c) {
            return bot::make_strategy(strategies, c);
        };
    supervisor_options.logger = service::get_logger;
    supervisor_options.apply_log_level = [](const std::string& level) {
        if (auto l = service::parse_log_level(level)) service::set_log_level(*l);
    };
    if (cfg.market_data.record_dir) {
        try {
            recorder.emplace(*cfg.market_data.record_dir, service::get_logger("recorder"));
        } catch (const std::exception& e) {
            log->error("{}", e.what());
            return kExitFatal;
        }
        log->info("recording closed candles to {}", absolute(*cfg.market_data.record_dir));
        supervisor_options.candle_observer = [&recorder](const exchange::Kline& k) {
            recorder->record(k);
        };
    }

    const auto started = std::chrono::steady_clock::now();
    std::optional<std::chrono::steady_clock::time_point> deadline;
    if (args.duration_s) {
        deadline = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(*args.duration_s));
    }

    // Armed when a stop begins: a second SIGTERM/SIGINT then exits at once (status 1).
    std::optional<service::StopEscalation> escalation;
    std::optional<std::chrono::steady_clock::time_point> stop_deadline;
    StopRequest stop;
    {
        // With leases the supervisor starts with no symbol: the keeper starts each one it takes.
        config::Config supervised = cfg;
        if (shared) supervised.symbols.clear();
        bot::Supervisor supervisor(supervised, *db, *ex.stream, *ex.gateway, supervisor_options);
        std::optional<bot::LeasedTrading> leased;
        std::optional<bot::LeaseKeeper> keeper;
        if (shared) {
            leased.emplace(supervisor, *db, cfg);
            bot::LeaseKeeperOptions keeper_options;
            keeper_options.logger = service::get_logger;
            keeper_options.heartbeat = std::chrono::seconds(std::max(0, cfg.log.heartbeat_s));
            keeper.emplace(*lease_store, *leased, *leased, bot::LeasedTrading::symbol_names(cfg),
                           keeper_options);
        }
        const ApplyConfig apply_config = [&](const config::Config& next) {
            if (!shared) {
                supervisor.reload(next);
                return;
            }
            leased->reload(next);
            keeper->set_symbols(bot::LeasedTrading::symbol_names(next));
        };

        // Operations. Declared after the supervisor, so both stop before it goes.
        // systemd notify (no-op without NOTIFY_SOCKET) and the watchdog thread: READY=1 once
        // every bot runs, WATCHDOG=1 only while every bot loop turns.
        const service::SdNotifier notifier = service::SdNotifier::from_environment();
        const std::chrono::milliseconds max_stall = service::default_max_stall(notifier);
        auto health = [&] {
            return service::assess_health(service::progress_of(supervisor.bots()),
                                          db->writer_stats(), bot::BotStats::steady_now_ms(),
                                          max_stall);
        };
        // metrics.listen: /metrics and /healthz, bound before any bot starts so that a taken
        // port fails the start rather than a running daemon.
        std::optional<service::MetricsServer> metrics;
        if (cfg.metrics.listen) {
            service::MetricsHandlers handlers;
            handlers.metrics = [&] {
                service::MetricsSnapshot snapshot =
                    service::collect_metrics(supervisor, *db, *ex.stream);
                if (keeper) snapshot.leases = keeper->stats();
                snapshot.healthy = health().ok;
                return service::render_metrics(snapshot);
            };
            handlers.health = health;
            metrics.emplace(*cfg.metrics.listen, std::move(handlers),
                            service::MetricsServerOptions{}, service::get_logger("metrics"));
            try {
                metrics->start();
            } catch (const std::exception& e) {
                log->error("{}", e.what());
                return kExitFatal;
            }
            log->info("metrics: serving /metrics and /healthz on {}", *cfg.metrics.listen);
        }
        service::WatchdogOptions watchdog_options;
        if (auto interval = notifier.watchdog_ping_interval()) {
            watchdog_options.ping_interval =
                std::max(std::chrono::duration_cast<std::chrono::milliseconds>(*interval),
                         std::chrono::milliseconds(1));
        }
        watchdog_options.max_stall = max_stall;
        service::Watchdog watchdog(
            notifier, [&] { return service::progress_of(supervisor.bots()); }, watchdog_options,
            log);
        // Heartbeats come from their own thread, which never waits on storage: they keep coming
        // (and say so) while the bots are stuck on a stalled database.
        service::Heartbeat heartbeat(service::HeartbeatSources{[&] { return supervisor.bots(); },
                                                               [&] { return db->writer_stats(); },
                                                               [&] { return ex.stream->stats(); }},
                                     std::chrono::seconds(std::max(0, cfg.log.heartbeat_s)));

        // Start-up ends here; from now on the main loop takes the signals. One may have been
        // taken just before.
        startup.finish();
        if (startup.cancelled()) return stopped_during_start_up();
        try {
            supervisor.start();
        } catch (const std::exception& e) {
            log->error("start-up failed: {}", e.what());
            supervisor.stop();
            return kExitFatal;
        }
        if (keeper) {
            // The first round at once: this process's share starts trading now. A failure here
            // (the server went away since the open) is retried every renewal interval.
            if (std::string failure = keeper->start(); !failure.empty()) {
                log->warn("leases: the first round failed ({}); trying again every {} ms", failure,
                          cfg.database.lease_s * 1000 / 3);
            }
            log->info("running {} of {} symbols (the others are traded by other daemons)",
                      keeper->stats().held.size(), cfg.symbols.size());
        } else {
            log->info("running {} bots", cfg.symbols.size());
        }
        watchdog.start();
        heartbeat.start();
        if (notifier.watchdog_period()) {
            log->info("systemd watchdog: WATCHDOG=1 every {} ms while no bot is stuck for {} ms",
                      watchdog_options.ping_interval.count(), max_stall.count());
        }

        stop = main_loop(args, apply_config, *db, notifier, deadline, *log);
        stopping = true;
        stop_deadline = std::chrono::steady_clock::now() + kStopBudget;
        escalation.emplace(log);
        log->info("stopping ({})", stop.reason);
        // systemd stops watching once the stop begins; no ping may follow STOPPING=1.
        watchdog.stop();
        notifier.stopping();
        heartbeat.stop();
        // The bots drain for up to 3 s; a bot still waiting for storage then gives up, its write
        // staying queued for the close below.
        supervisor.stop();
        // Every symbol drained: give the leases up at once, so the other daemons take the
        // symbols over now rather than when the leases would have run out.
        if (keeper)
            keeper->stop(std::min(*stop_deadline, std::chrono::steady_clock::now() +
                                                      std::chrono::milliseconds(1000)));
    }
    ex.stream.reset();
    ex.gateway.reset();
    db->close();
    // The close commits what is queued, for whatever is left of the stop's budget.
    const std::size_t left = storage::Database::close_all_cached(*stop_deadline);
    if (left > 0) {
        log->warn(
            "{} write(s) could not be committed before the stop deadline (storage unavailable); "
            "they are dropped, and the next start settles any order they concerned",
            left);
    }
    if (stop.exit_code != kExitOk) {
        log->error("stopped: {}; exit status {}", stop.reason, stop.exit_code);
    } else if (left > 0) {
        log->info("stopped ({} write(s) not committed)", left);
    } else {
        log->info("stopped cleanly");
    }
    return stop.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
    // Before any thread exists, so every thread inherits the mask and only sigtimedwait()
    // in the main loop ever takes these signals.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    Args args;
    try {
        args = parse_args(argc, argv);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "tradebotd: %s\n%s", e.what(), kUsage);
        return kExitUsage;
    }
    if (args.help) {
        std::cout << "tradebotd: multi-symbol crypto trading daemon.\n\n"
                  << kUsage << "\n"
                  << option_table() << "\n"
                  << kAfterOptions;
        return kExitOk;
    }
    if (args.version) {
        std::printf("tradebotd %s\n", TRADEBOT_VERSION);
        return kExitOk;
    }

    config::Config cfg;
    try {
        cfg = config::load_config_file(args.config_path, bot::builtin_strategies().specs());
        exchange::check_exchange_config(cfg);
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "tradebotd: invalid config: %s\n", e.what());
        return kExitConfig;
    }
    if (args.log_level) cfg.log.level = *args.log_level;

    if (args.check_config) {
        std::cout << config::to_json(cfg).dump(2) << "\n";
        return kExitOk;
    }
    // What the environment must provide (live keys) is a config error too, found before any file
    // is created: restarting cannot fix it, so systemd must not retry (exit 78).
    try {
        exchange::check_credentials(cfg);
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "tradebotd: invalid config: %s\n", e.what());
        return kExitConfig;
    }

    service::LogOptions log_options;
    log_options.format = service::log_format_for(cfg.log.format);
    log_options.level = service::parse_log_level(cfg.log.level).value_or(spdlog::level::info);
    service::init_logging(log_options);

    try {
        return run_daemon(args, std::move(cfg));
    } catch (const std::exception& e) {
        service::get_logger("main")->critical("fatal: {}", e.what());
        return kExitFatal;
    }
}
