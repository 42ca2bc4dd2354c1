// tradebotd — the trading daemon. Command line, exit codes and signals per SPEC.md "tradebotd":
//   0 clean stop (SIGTERM, SIGINT, --duration elapsed), 64 bad command line, 78 invalid config,
//   1 fatal runtime error. SIGHUP re-reads the config file.
// Signals are blocked before any thread starts and taken with sigtimedwait() here, in the main
// thread, so no handler ever runs inside business code.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "backtest/candle_recorder.h"
#include "bot/log_setup.h"
#include "bot/metrics.h"
#include "bot/metrics_server.h"
#include "bot/sd_notify.h"
#include "bot/supervisor.h"
#include "bot/watchdog.h"
#include "config/config.h"
#include "config/loader.h"
#include "exchange/factory.h"
#include "storage/database.h"
#include "storage/errors.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFatal = 1;
constexpr int kExitUsage = 64;   // EX_USAGE
constexpr int kExitConfig = 78;  // EX_CONFIG

constexpr const char* kUsage =
    "usage: tradebotd --config FILE [--log-level trace|debug|info|warn|error] "
    "[--duration SECONDS]\n"
    "       tradebotd --config FILE --check-config\n"
    "       tradebotd --version | --help\n";

constexpr const char* kHelp =
    "tradebotd: multi-symbol crypto trading daemon.\n"
    "\n"
    "  --config FILE      JSON config (see config/examples/sim.json)\n"
    "  --log-level L      trace|debug|info|warn|error; overrides log.level\n"
    "  --duration S       stop cleanly after S seconds (exit 0)\n"
    "  --check-config     validate FILE, print the resolved config as JSON, exit\n"
    "  --version          print the version\n"
    "  --help             this text\n"
    "\n"
    "Signals: SIGTERM/SIGINT stop cleanly; SIGHUP re-reads the config file.\n"
    "Exit status: 0 clean stop, 64 bad command line, 78 invalid config, 1 fatal error.\n";

struct Args {
    std::string config_path;
    std::optional<std::string> log_level;
    std::optional<double> duration_s;
    bool check_config = false;
    bool version = false;
    bool help = false;
};

struct UsageError {
    std::string message;
};

Args parse_args(int argc, char** argv) {
    Args a;
    bool have_config = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        std::optional<std::string> inline_value;
        if (arg.rfind("--", 0) == 0) {
            if (auto eq = arg.find('='); eq != std::string::npos) {
                inline_value = arg.substr(eq + 1);
                arg = arg.substr(0, eq);
            }
        }
        auto value = [&](const char* what) -> std::string {
            if (inline_value) return *inline_value;
            if (i + 1 >= argc) throw UsageError{arg + " needs " + what};
            return argv[++i];
        };
        auto no_value = [&] {
            if (inline_value) throw UsageError{arg + " takes no value"};
        };
        if (arg == "--config") {
            a.config_path = value("a file name");
            if (a.config_path.empty()) throw UsageError{"--config needs a file name"};
            have_config = true;
        } else if (arg == "--log-level") {
            std::string level = value("a level (trace|debug|info|warn|error)");
            if (!bot::parse_log_level(level)) {
                throw UsageError{"--log-level: unknown level '" + level +
                                 "' (expected trace|debug|info|warn|error)"};
            }
            a.log_level = level;
        } else if (arg == "--duration") {
            std::string text = value("a number of seconds");
            char* end = nullptr;
            errno = 0;
            double d = std::strtod(text.c_str(), &end);
            if (text.empty() || end != text.c_str() + text.size() || errno != 0 || !(d > 0) ||
                d > 1e9) {
                throw UsageError{"--duration: expected a number of seconds > 0, got '" + text +
                                 "'"};
            }
            a.duration_s = d;
        } else if (arg == "--check-config") {
            no_value();
            a.check_config = true;
        } else if (arg == "--version") {
            no_value();
            a.version = true;
        } else if (arg == "--help" || arg == "-h") {
            no_value();
            a.help = true;
        } else if (arg.rfind("-", 0) == 0) {
            throw UsageError{"unknown option '" + arg + "'"};
        } else {
            throw UsageError{"unexpected argument '" + arg + "'"};
        }
    }
    if (!a.help && !a.version && !have_config) throw UsageError{"--config FILE is required"};
    return a;
}

std::string join_symbols(const config::Config& cfg) {
    std::string out;
    for (const auto& s : cfg.symbols) {
        if (!out.empty()) out += ",";
        out += s.symbol;
    }
    return out;
}

std::string absolute(const std::string& path) {
    std::error_code ec;
    auto p = std::filesystem::absolute(path, ec);
    return ec ? path : p.lexically_normal().string();
}

// SIGHUP: a new config that fails to load or validate is refused, the running one kept.
void reload(const std::string& path, const Args& args, bot::Supervisor& supervisor,
            spdlog::logger& log) {
    log.info("SIGHUP: re-reading {}", path);
    config::Config next;
    try {
        next = config::load_config_file(path);
        exchange::check_exchange_config(next);
    } catch (const config::ConfigError& e) {
        log.error("reload rejected: {}; keeping the running config", e.what());
        return;
    }
    // --log-level on the command line outranks the file.
    if (args.log_level) next.log.level = *args.log_level;
    try {
        supervisor.reload(next);
    } catch (const std::exception& e) {
        // The stream refused the new symbol set, or a bot thread could not start: the bots
        // already running carry on.
        log.error("reload failed: {}", e.what());
    }
}

int run_daemon(const Args& args, config::Config cfg) {
    auto log = bot::get_logger("main");
    const std::string db_path = absolute(cfg.database.path);
    log->info(
        "tradebotd {} starting: exchange={} mode={} symbols={} database={} strategy={} "
        "interval={} pid={}",
        TRADEBOT_VERSION, cfg.exchange.name, cfg.trading.mode, join_symbols(cfg), db_path,
        cfg.strategy.name, cfg.strategy.interval, static_cast<long>(::getpid()));

    std::optional<storage::Database> db;
    try {
        storage::Options options;
        options.busy_timeout_ms = cfg.database.busy_timeout_ms;
        options.logger = bot::get_logger("storage");
        db.emplace(cfg.database.path, options);
    } catch (const storage::OpenError& e) {
        log->error("cannot open the database: {}", e.what());
        return kExitFatal;
    }

    exchange::Exchange ex;
    try {
        ex = exchange::make_exchange(cfg, bot::get_logger("exchange"));
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
    if (cfg.market_data.record_dir) {
        try {
            recorder.emplace(*cfg.market_data.record_dir, bot::get_logger("recorder"));
        } catch (const std::exception& e) {
            log->error("{}", e.what());
            return kExitFatal;
        }
        log->info("recording closed candles to {}", absolute(*cfg.market_data.record_dir));
        supervisor_options.candle_observer = [&recorder](const exchange::Kline& k) {
            recorder->record(k);
        };
    }

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);

    const auto started = std::chrono::steady_clock::now();
    std::optional<std::chrono::steady_clock::time_point> deadline;
    if (args.duration_s) {
        deadline = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(*args.duration_s));
    }

    int exit_code = kExitOk;
    {
        bot::Supervisor supervisor(cfg, *db, *ex.stream, *ex.gateway, supervisor_options);

        // Operations (issue 5). Declared after the supervisor, so both stop before it goes.
        // systemd notify (no-op without NOTIFY_SOCKET) and the watchdog thread: READY=1 once
        // every bot runs, WATCHDOG=1 only while every bot loop turns.
        const bot::SdNotifier notifier = bot::SdNotifier::from_environment();
        const std::chrono::milliseconds max_stall = bot::default_max_stall(notifier);
        auto health = [&] {
            return bot::assess_health(bot::progress_of(supervisor.bots()), db->writer_stats(),
                                      bot::BotStats::steady_now_ms(), max_stall);
        };
        // metrics.listen: /metrics and /healthz, bound before any bot starts so that a taken
        // port fails the start rather than a running daemon.
        std::optional<bot::MetricsServer> metrics;
        if (cfg.metrics.listen) {
            bot::MetricsHandlers handlers;
            handlers.metrics = [&] {
                bot::MetricsSnapshot snapshot = bot::collect_metrics(supervisor, *db, *ex.stream);
                snapshot.healthy = health().ok;
                return bot::render_metrics(snapshot);
            };
            handlers.health = health;
            metrics.emplace(*cfg.metrics.listen, std::move(handlers), bot::MetricsServerOptions{},
                            bot::get_logger("metrics"));
            try {
                metrics->start();
            } catch (const std::exception& e) {
                log->error("{}", e.what());
                return kExitFatal;
            }
            log->info("metrics: serving /metrics and /healthz on {}", *cfg.metrics.listen);
        }
        bot::WatchdogOptions watchdog_options;
        if (auto interval = notifier.watchdog_ping_interval()) {
            watchdog_options.ping_interval =
                std::max(std::chrono::duration_cast<std::chrono::milliseconds>(*interval),
                         std::chrono::milliseconds(1));
        }
        watchdog_options.max_stall = max_stall;
        bot::Watchdog watchdog(
            notifier, [&] { return bot::progress_of(supervisor.bots()); }, watchdog_options, log);

        try {
            supervisor.start();
        } catch (const std::exception& e) {
            log->error("start-up failed: {}", e.what());
            supervisor.stop();
            return kExitFatal;
        }
        log->info("running {} bots", cfg.symbols.size());
        watchdog.start();
        if (notifier.watchdog_period()) {
            log->info("systemd watchdog: WATCHDOG=1 every {} ms while no bot is stuck for {} ms",
                      watchdog_options.ping_interval.count(), max_stall.count());
        }

        std::string reason;
        for (;;) {
            auto tick = std::chrono::milliseconds(1000);
            if (deadline) {
                auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    *deadline - std::chrono::steady_clock::now());
                if (left.count() <= 0) {
                    reason = "--duration elapsed";
                    break;
                }
                tick = std::min(tick, left);
            }
            timespec ts{static_cast<time_t>(tick.count() / 1000),
                        static_cast<long>((tick.count() % 1000) * 1000000)};
            int sig = ::sigtimedwait(&signals, nullptr, &ts);
            if (sig < 0) continue;  // EAGAIN (tick) or EINTR
            if (sig == SIGHUP) {
                notifier.reloading();
                reload(args.config_path, args, supervisor, *log);
                notifier.ready();
                continue;
            }
            reason = sig == SIGTERM ? "SIGTERM" : "SIGINT";
            break;
        }
        log->info("stopping ({})", reason);
        // systemd stops watching once the stop begins; no ping may follow STOPPING=1.
        watchdog.stop();
        notifier.stopping();
        supervisor.stop();
    }
    ex.stream.reset();
    ex.gateway.reset();
    db->close();
    // Everything queued is committed before the process exits.
    storage::Database::close_all_cached();
    log->info("stopped cleanly");
    return exit_code;
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
        std::fprintf(stderr, "tradebotd: %s\n%s", e.message.c_str(), kUsage);
        return kExitUsage;
    }
    if (args.help) {
        std::fputs(kHelp, stdout);
        std::fputs(kUsage, stdout);
        return kExitOk;
    }
    if (args.version) {
        std::printf("tradebotd %s\n", TRADEBOT_VERSION);
        return kExitOk;
    }

    config::Config cfg;
    try {
        cfg = config::load_config_file(args.config_path);
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

    bot::LogOptions log_options;
    log_options.format = bot::log_format_for(cfg.log.format);
    log_options.level = bot::parse_log_level(cfg.log.level).value_or(spdlog::level::info);
    bot::init_logging(log_options);

    try {
        return run_daemon(args, std::move(cfg));
    } catch (const std::exception& e) {
        bot::get_logger("main")->critical("fatal: {}", e.what());
        return kExitFatal;
    }
}
