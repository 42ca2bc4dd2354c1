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
// decimals. Under it, one line per symbol with risk rules on: the rules and the exits they made
// ("risk BTCUSDT: stop_loss 2%, take_profit 4%; exits: 3 stop_loss, 1 take_profit").
std::string render_table(const BacktestResult& result);

// {"db": .., "from": .., "to": .., "rows": .., "symbols": [..], "total": {..}}; see README.
nlohmann::json to_json(const BacktestResult& result);

// One line per data problem worth knowing: gaps (the first few each), conflicting duplicates.
std::vector<std::string> data_notes(const BacktestResult& result);

// The risk rules that are on, "stop_loss 2%, take_profit 4%, daily loss cap 50 USDT, cooldown 2
// candles" (`quote` names the cap's asset; "": none), or "" when none is.
std::string risk_rules_text(const config::RiskConfig& rules, const std::string& quote);

// "12.34%" / "-" (no value); two decimals.
std::string percent_text(const std::optional<config::Decimal>& pct, bool sign = false);

}  // namespace backtest
