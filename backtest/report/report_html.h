// The --report page: one self-contained HTML file (inline CSS, SVG and a few lines of script; no
// network, no fonts, no CDN) with the summary table, the equity curve of the whole run and of
// each symbol, and each symbol's price with its buys and sells.
#pragma once

#include <string>

#include "backtest/runner.h"

namespace backtest {

std::string render_report(const BacktestResult& result);

}  // namespace backtest
