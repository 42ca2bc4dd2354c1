// Shared by the tradebot-backtest integration tests: where the binaries are, a config and a data
// folder of generated archive files in a temporary folder.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/calendar.h"
#include "kline_files.h"
#include "support/temp_dir.h"

namespace backtest_it {

inline const std::string kBacktest = std::string(TRADEBOT_BIN_DIR) + "/tradebot-backtest";
inline const std::string kDaemon = std::string(TRADEBOT_BIN_DIR) + "/tradebotd";
inline const std::string kCtl = std::string(TRADEBOT_BIN_DIR) + "/tradebotctl";

// A config for `symbols` on a quick ema_cross (fast 3, slow 7) with small sizes.
inline std::string write_config(const testing_support::TempDir& dir,
                                const std::vector<std::string>& symbols,
                                const std::string& name = "bt.json") {
    nlohmann::json cfg = {
        {"trading",
         {{"mode", "paper"},
          {"quote_per_trade", "100"},
          {"max_position_quote", "500"},
          {"fee_rate", "0.001"}}},
        {"strategy", {{"name", "ema_cross"}, {"interval", "1m"}, {"fast", 3}, {"slow", 7}}},
        {"symbols", symbols}};
    const std::string path = dir.file(name);
    std::ofstream(path) << cfg.dump(2);
    return path;
}

// January and February 2024 of 1m candles per symbol (Jan 31 .. Feb 1), as monthly CSV files in
// the archive's folder layout under <dir>/data.
inline void write_data(const testing_support::TempDir& dir, const std::vector<std::string>& symbols,
                       int candles = 2880) {
    std::uint64_t seed = 1;
    for (const auto& s : symbols) {
        const auto rows = backtest_test::walk(config::utc_ms(2024, 1, 31), candles,
                                              100 * static_cast<double>(seed), seed, 2);
        backtest_test::write_monthly(dir.path() / "data/spot/monthly/klines" / s / "1m", s, "1m",
                                     rows);
        ++seed;
    }
}

}  // namespace backtest_it
