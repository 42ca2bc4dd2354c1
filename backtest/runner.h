// backtest::run_backtest — a whole backtest: finds each configured symbol's files, replays the
// symbols in parallel (one thread each, up to a few per core), gathers their rows into one fresh
// database and their figures into a result.
//
// The database is built under a temporary name beside the target and renamed into place only once
// every row is committed and the file closed, so a failed run leaves no half-filled results under
// the name given, and an existing file is never overwritten (the rename refuses to replace one).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "backtest/report/performance.h"
#include "backtest/report/plot_series.h"
#include "backtest/replay/replay.h"
#include "bot/core/strategy.h"
#include "config/config.h"

namespace spdlog {
class logger;
}

namespace backtest {

struct BacktestOptions {
    config::Config config;  // symbols, strategy, trading, risk apply; not exchange, database
    // The strategies `config` was parsed with (bot::builtin_strategies() in tradebot-backtest).
    bot::StrategyCatalog strategies;
    std::filesystem::path data_dir;
    std::optional<std::int64_t> from_ms;  // first candle's open time, inclusive
    std::optional<std::int64_t> to_ms;    // exclusive
    std::filesystem::path db_path;        // must not exist
    unsigned threads = 0;                 // replay threads; 0: chosen from the cores
    bool progress = false;                // a progress line on stderr
    // Asked before each file's candles and once more before the results are kept; true (a
    // signal came): the replay stops and run_backtest throws Interrupted, leaving no database.
    // Called from the replay threads. Empty: runs to the end.
    std::function<bool()> stop_requested;
    std::shared_ptr<spdlog::logger> log;  // the bots' and storage's warnings; null: stderr
};

struct BacktestResult {
    std::vector<SymbolResult> symbols;  // in config order
    Performance total;                  // summed over the symbols
    std::vector<PlotPoint> total_pnl;   // the sum of the symbols' PnL, thinned for the chart
    std::int64_t from_ms = 0;           // the first candle's open time
    std::int64_t to_ms = 0;             // the last candle's close time + 1
    std::uint64_t rows = 0;             // rows written to the database
    std::filesystem::path db_path;
};

// The run was stopped through BacktestOptions::stop.
class Interrupted : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws NoDataError (a symbol without files, or without candles in range, or no --data folder),
// DataError (a bad file), config::ConfigError (a symbol without trading rules), std::runtime_error
// (the database: exists already, cannot be created, a write failed).
[[nodiscard]] BacktestResult run_backtest(const BacktestOptions& options);

}  // namespace backtest
