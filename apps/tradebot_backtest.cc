// tradebot-backtest — replays Binance's public kline archive through tradebot's own decision code
// and writes the same tables as tradebotd, then a summary (README "Backtesting").
//
// Exit status: 0 ok; 64 bad command line (including an existing --db, which is never
// overwritten); 65 bad data (names file:line and the field, or the zip that fails its
// checksum); 66 no data (names the symbol and the file names looked for); 78 invalid config;
// 1 anything else (the database or the report cannot be written); 128 + N after signal N
// (SIGINT, SIGTERM), which stops the replay and leaves no database.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "apps/cli/command_line.h"
#include "backtest/archive/data_error.h"
#include "backtest/partial_files.h"
#include "backtest/report/report_html.h"
#include "backtest/report/summary.h"
#include "backtest/runner.h"
#include "bot/strategies/builtin.h"
#include "config/calendar.h"
#include "config/loader.h"

namespace {

namespace fs = std::filesystem;
using cli::kExitConfig;
using cli::kExitOk;
using cli::kExitUsage;
using cli::UsageError;
constexpr int kExitFatal = cli::kExitFailure;
constexpr int kExitData = 65;     // EX_DATAERR
constexpr int kExitNoInput = 66;  // EX_NOINPUT

constexpr const char* kUsage =
    "usage: tradebot-backtest --config FILE --data DIR [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
    "                         [--db PATH] [--report FILE.html] [--json]\n"
    "       tradebot-backtest --help | --version\n";

constexpr const char* kAbout =
    "tradebot-backtest: replays kline files (Binance's public archive, or what tradebotd\n"
    "recorded) through tradebot's own strategies, risk rules, sizing, filters, paper fills\n"
    "and fees.\n";

constexpr const char* kAfterOptions =
    "Exit status: 0 ok, 64 bad command line, 65 bad data, 66 no data, 78 invalid config,\n"
    "1 other errors.\n";

cli::po::options_description option_table() {
    namespace po = cli::po;
    auto o = cli::options("Options");
    o.add_options()                                                                      //
        ("config", po::value<std::string>()->value_name("FILE"),                         //
         "tradebotd config: its symbols, strategy, trading and risk apply")              //
        ("data", po::value<std::string>()->value_name("DIR"),                            //
         "folder of <SYMBOL>-<interval>-<YYYY-MM>[-<DD>].csv|.zip files, at any depth "  //
         "(a .CHECKSUM beside a zip is verified)")                                       //
        ("from", po::value<std::string>()->value_name("YYYY-MM-DD"),                     //
         "first day replayed (UTC; default: the first candle)")                          //
        ("to", po::value<std::string>()->value_name("YYYY-MM-DD"),                       //
         "last day replayed, inclusive (UTC; default: the last candle)")                 //
        ("db", po::value<std::string>()->value_name("PATH"),                             //
         "results database (default backtest.db); never overwritten")                    //
        ("report", po::value<std::string>()->value_name("FILE"),                         //
         "an HTML page with the equity curve and each symbol's trades")                  //
        ("json", "print the summary as one JSON document instead of a table")            //
        ("version", "print the version")                                                 //
        ("help,h", "this text");
    return o;
}

struct Args {
    std::string config;
    std::string data;
    std::optional<std::int64_t> from_ms;
    std::optional<std::int64_t> to_ms;  // exclusive: the day after --to
    std::string db = "backtest.db";
    std::optional<std::string> report;
    bool json = false;
    bool help = false;
    bool version = false;
};

std::int64_t date_arg(const std::string& name, const std::string& text) {
    auto ms = config::parse_date(text);
    if (!ms) throw UsageError("--" + name + ": expected a date YYYY-MM-DD, got '" + text + "'");
    return *ms;
}

Args parse_args(int argc, char** argv) {
    const cli::po::variables_map vm = cli::parse(argc, argv, option_table());
    Args a;
    a.help = vm.count("help") > 0;
    a.version = vm.count("version") > 0;
    a.json = vm.count("json") > 0;
    if (a.help || a.version) return a;
    auto text = [&](const char* name) -> std::optional<std::string> {
        if (!vm.count(name)) return std::nullopt;
        return cli::nonempty(vm, name);
    };
    auto config = text("config");
    auto data = text("data");
    if (!config) throw UsageError("--config FILE is required");
    if (!data) throw UsageError("--data DIR is required");
    a.config = *config;
    a.data = *data;
    if (auto v = text("from")) a.from_ms = date_arg("from", *v);
    if (auto v = text("to")) a.to_ms = date_arg("to", *v) + config::kMsPerDay;
    if (a.from_ms && a.to_ms && *a.from_ms >= *a.to_ms) {
        throw UsageError("--from " + *text("from") + " is after --to " + *text("to"));
    }
    if (auto v = text("db")) a.db = *v;
    a.report = text("report");
    std::error_code ec;
    if (fs::exists(a.db, ec) || fs::is_symlink(a.db, ec)) {
        throw UsageError("--db " + a.db +
                         ": already exists; a backtest never overwrites a database (remove it or "
                         "choose another path)");
    }
    if (a.report && fs::is_directory(*a.report, ec)) {
        throw UsageError("--report " + *a.report + ": is a folder; expected a file name");
    }
    return a;
}

// Writes the page under a temporary name and renames it into place, so a reader never sees half.
// What killed runs left under such names is removed first (backtest/partial_files.h).
void write_report(const std::string& path, const std::string& html) {
    for (const std::string& name : backtest::remove_stale_partials(path)) {
        std::fprintf(stderr, "tradebot-backtest: removed %s, left by a run that no longer runs\n",
                     name.c_str());
    }
    const std::string temp = backtest::partial_path(path).string();
    const backtest::PartialFileLock lock(temp);
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << html;
        out.close();
        if (!out) {
            std::error_code ec;
            fs::remove(temp, ec);
            throw std::runtime_error("cannot write the report " + path);
        }
    }
    std::error_code ec;
    fs::rename(temp, path, ec);
    if (ec) {
        fs::remove(temp, ec);
        throw std::runtime_error("cannot write the report " + path + ": " + ec.message());
    }
}

// SIGINT or SIGTERM if one is pending (blocked in every thread, so it waits to be asked for), 0
// otherwise.
int pending_stop_signal() {
    sigset_t pending;
    sigemptyset(&pending);
    if (::sigpending(&pending) != 0) return 0;
    if (sigismember(&pending, SIGINT) == 1) return SIGINT;
    if (sigismember(&pending, SIGTERM) == 1) return SIGTERM;
    return 0;
}

int fail(int code, const std::string& message) {
    std::fprintf(stderr, "tradebot-backtest: %s\n", message.c_str());
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    try {
        args = parse_args(argc, argv);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "tradebot-backtest: %s\n%s", e.what(), kUsage);
        return kExitUsage;
    }
    if (args.help) {
        std::cout << kAbout << "\n" << kUsage << "\n" << option_table() << "\n" << kAfterOptions;
        return kExitOk;
    }
    if (args.version) {
        std::printf("tradebot-backtest %s\n", TRADEBOT_VERSION);
        return kExitOk;
    }

    backtest::BacktestOptions options;
    options.strategies = bot::builtin_strategies();
    try {
        options.config = config::load_config_file(args.config, options.strategies.specs());
    } catch (const config::ConfigError& e) {
        return fail(kExitConfig, std::string("invalid config: ") + e.what());
    }
    options.data_dir = args.data;
    options.from_ms = args.from_ms;
    options.to_ms = args.to_ms;
    options.db_path = args.db;
    options.progress = ::isatty(STDERR_FILENO) == 1;

    // SIGINT and SIGTERM stop the replay rather than kill the process, so the partial database
    // is removed on the way out. Blocked before any thread starts, they stay pending; the replay
    // asks between files (and once more before keeping the results) whether one came.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    options.stop_requested = [] { return pending_stop_signal() != 0; };

    backtest::BacktestResult result;
    try {
        result = backtest::run_backtest(options);
    } catch (const backtest::Interrupted&) {
        return fail(128 + pending_stop_signal(), "interrupted; no results written");
    } catch (const backtest::DataError& e) {
        return fail(kExitData, std::string("bad data: ") + e.what());
    } catch (const backtest::NoDataError& e) {
        return fail(kExitNoInput, e.what());
    } catch (const config::ConfigError& e) {
        return fail(kExitConfig, std::string("invalid config: ") + e.what());
    } catch (const std::exception& e) {
        return fail(kExitFatal, e.what());
    }

    for (const auto& note : backtest::data_notes(result)) {
        std::fprintf(stderr, "tradebot-backtest: %s\n", note.c_str());
    }
    if (args.json) {
        std::cout << backtest::to_json(result).dump(2) << "\n";
    } else {
        std::cout << backtest::render_table(result);
        std::cout << "results: " << args.db << " (" << result.rows << " rows)";
        if (args.report) std::cout << ", report: " << *args.report;
        std::cout << "\n";
    }
    std::cout.flush();
    if (args.report) {
        try {
            write_report(*args.report, backtest::render_report(result));
        } catch (const std::exception& e) {
            return fail(kExitFatal, e.what());
        }
    }
    return kExitOk;
}
