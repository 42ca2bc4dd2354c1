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

namespace backtest {

// argv[0] is "backtest"; options: --days N (default 120), --dir DIR (default a fresh temporary
// folder, removed afterwards), --backtest PATH (default: tradebot-backtest beside this binary).
int run_backtest_bench(int argc, char** argv);

}  // namespace backtest
