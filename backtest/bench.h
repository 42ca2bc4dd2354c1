// tradebot-bench backtest: generates its own kline files (3 symbols x 120 days of 1m candles in
// the archive's CSV format, a random walk with the sim's price model) and measures, in one run:
//   parse_only_candles_per_s   CandleSource over the same files, symbols in parallel as in a
//                              backtest, nothing else: the limit for a whole backtest
//   backtest_candles_per_s     tradebot-backtest as a child process on those files, from its
//                              start to its exit (report written, database closed)
//   backtest_vs_parse_only     the ratio of the two
// and, to show where the time goes, the two halves of a backtest measured apart:
//   replay_only_candles_per_s  the replay in this process (files, TradingBots, figures), its rows
//                              dropped instead of stored
//   storage_only_rows_per_s    the backtest's own rows written again into a fresh database the
//                              way it writes them; storage_ceiling_candles_per_s is the candle
//                              rate storage alone would allow
// plus what the run did (candles, signals, trades, rows). Prints one `name value unit` line per
// figure, then all of them as one JSON object on the last line.
#pragma once

#include <filesystem>

#include "bot/core/strategy.h"

namespace backtest {

struct BacktestBenchOptions {
    int days = 120;  // of 1m candles per symbol, 1..3650
    // Where the files and databases go; empty: a fresh temporary folder, removed afterwards.
    std::filesystem::path dir;
    // The binary timed as a child process; empty: tradebot-backtest beside this binary.
    std::filesystem::path backtest_binary;
    // What the bench's config (ema_cross 9/21) is parsed with for the in-process replay.
    bot::StrategyCatalog strategies;
};

// Runs the bench and prints its figures on stdout (progress and failures on stderr). Returns
// the process's exit status: 0, or 1 when a step failed (said on stderr). Throws
// std::invalid_argument for days outside 1..3650.
int run_backtest_bench(const BacktestBenchOptions& options);

}  // namespace backtest
