// What tradebot-backtest prints: a table per symbol and in total for people, the same as one JSON
// document for scripts (money as exact decimal strings), and notes about the data (gaps,
// conflicting duplicates) for stderr.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backtest/runner.h"

namespace backtest {

// The table, one row per symbol and a total row, columns aligned; money exact, percentages to two
// decimals.
std::string render_table(const BacktestResult& result);

// {"db": .., "from": .., "to": .., "rows": .., "symbols": [..], "total": {..}}; see README.
nlohmann::json to_json(const BacktestResult& result);

// One line per data problem worth knowing: gaps (the first few each), conflicting duplicates.
std::vector<std::string> data_notes(const BacktestResult& result);

// "12.34%" / "-" (no value); two decimals.
std::string percent_text(const std::optional<config::Decimal>& pct, bool sign = false);

}  // namespace backtest
