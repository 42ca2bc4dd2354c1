// tradebotd — the trading daemon. Command line, exit codes and signals (docs/reference.md):
//   0 clean stop (SIGTERM, SIGINT, --duration elapsed), 64 bad command line, 78 invalid config,
//   1 fatal runtime error. SIGHUP re-reads the config file.
// Signals are blocked here before any thread starts and taken with sigtimedwait() by the daemon
// object (service/daemon.h) on the main thread, so no handler ever runs inside business code.
// main() only: the object graph, its start-up and its stop sequence live in service/.
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

#include "apps/cli/command_line.h"
#include "backtest/archive/candle_recorder.h"
#include "bot/strategies/builtin.h"
#include "config/config.h"
#include "config/loader.h"
#include "exchange/factory.h"
#include "service/daemon.h"
#include "service/log_setup.h"

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

std::string absolute(const std::string& path) {
    std::error_code ec;
    auto p = std::filesystem::absolute(path, ec);
    return ec ? path : p.lexically_normal().string();
}

int exit_status(service::Outcome outcome) {
    switch (outcome) {
        case service::Outcome::kStopped:
            return kExitOk;
        case service::Outcome::kInvalidConfig:
            return kExitConfig;
        case service::Outcome::kContinue:  // not an end: never asked for
        case service::Outcome::kFailed:
            break;
    }
    return kExitFatal;
}

// The daemon (service/daemon.h) from its open to its stop.
int run_daemon(const Args& args, config::Config cfg, bot::StrategyCatalog strategies) {
    auto log = service::get_logger("main");
    service::DaemonOptions options;
    options.strategies = std::move(strategies);
    options.config_path = args.config_path;
    options.log_level = args.log_level;
    if (args.duration_s) options.duration = std::chrono::duration<double>(*args.duration_s);
    // market_data.record_dir: every closed candle the bots act on, for tradebot-backtest. The
    // recorder starts once the database is held (a refused second daemon records nothing).
    std::optional<backtest::CandleRecorder> recorder;
    const std::optional<std::string> record_dir = cfg.market_data.record_dir;
    if (record_dir) {
        options.candle_observer = [&recorder](const exchange::Kline& k) { recorder->record(k); };
    }

    service::Daemon daemon(std::move(cfg), std::move(options));
    if (auto o = daemon.open(); o != service::Outcome::kContinue) return exit_status(o);
    if (record_dir) {
        try {
            recorder.emplace(*record_dir, service::get_logger("recorder"));
        } catch (const std::exception& e) {
            log->error("{}", e.what());
            return kExitFatal;
        }
        log->info("recording closed candles to {}", absolute(*record_dir));
    }
    if (auto o = daemon.start(); o != service::Outcome::kContinue) return exit_status(o);
    const service::StopRequest why = daemon.run();
    const service::Outcome o =
        daemon.stop(why, std::chrono::steady_clock::now() + service::kStopBudget);
    if (o == service::Outcome::kFailed) {
        log->error("stopped: {}; exit status {}", why.reason, exit_status(o));
    }
    return exit_status(o);
}

}  // namespace

int main(int argc, char** argv) {
    // Before any thread exists, so every thread inherits the mask.
    service::block_daemon_signals();

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

    bot::StrategyCatalog strategies = bot::builtin_strategies();
    config::Config cfg;
    try {
        cfg = config::load_config_file(args.config_path, strategies.specs());
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

    service::init_logging(service::log_options_for(cfg.log));

    try {
        return run_daemon(args, std::move(cfg), std::move(strategies));
    } catch (const std::exception& e) {
        service::get_logger("main")->critical("fatal: {}", e.what());
        return kExitFatal;
    }
}
