// One symbol replayed through tradebot's own trading core: candles from its files become closed
// klines handed to a bot::ReplayBot (bot/runtime/replay_bot.h), on the calling thread, with no
// queue. Orders go to the PaperGateway (what tradebotd uses in paper mode), which fills a market
// order at once, entirely, at the price the decision saw: the close of the candle that produced
// the signal; its clock is the market's, so a fill is stamped with the moment that candle closed.
// Rows go to a RowSink: the shared ResultWriter in a backtest. Nothing of the decision path is
// copied here.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backtest/archive/candle_source.h"
#include "backtest/archive/scan.h"
#include "backtest/report/performance.h"
#include "backtest/report/plot_series.h"
#include "bot/core/risk_rules.h"
#include "bot/core/strategy.h"
#include "bot/runtime/row_sink.h"
#include "config/config.h"
#include "exchange/order_gateway.h"
#include "storage/database.h"

namespace spdlog {
class logger;
}

namespace backtest {

// Shared progress figures, written by the replay threads, read by the progress line.
struct Progress {
    std::atomic<std::uint64_t> files{0};
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> candles{0};
};

struct TradeMark {
    std::int64_t t = 0;
    exchange::Side side = exchange::Side::kBuy;
    config::Decimal price;  // the fill's
};

struct SymbolJob {
    // Required: the strategies the config was parsed with; the bot's is made from it.
    const bot::StrategyCatalog* strategies = nullptr;
    config::SymbolConfig symbol;
    config::TradingConfig trading;
    std::vector<ArchiveFile> files;
    std::int64_t from_ms = 0;  // candles in [from_ms, to_ms)
    std::int64_t to_ms = 0;
};

struct SymbolResult {
    std::string symbol;
    std::string interval;
    std::string strategy;     // "ema_cross(fast=9 slow=21)"
    std::string quote_asset;  // what the money figures are in
    config::RiskConfig risk;  // the symbol's effective risk rules
    // Risk exits decided, by rule (index: bot::ExitRule).
    std::array<std::uint64_t, bot::kExitRuleCount> risk_exits{};
    SourceStats source;
    Performance performance;
    std::vector<EquityPoint> equity;  // PnL after every candle (for the total)
    std::vector<PlotPoint> price;     // closes, thinned for the chart
    std::vector<PlotPoint> pnl;       // PnL, thinned for the chart
    std::vector<TradeMark> trades;
};

// Replays one symbol. Throws DataError (bad file), NoDataError (no candle in range),
// config::ConfigError (no trading rules for the symbol), or what the bot throws. Returns early
// (with what it did so far) once `should_stop` says so (asked before each file's candles).
// `db` is where the bot looks for a position and state to resume from (a fresh database: none);
// its rows go to `rows`.
[[nodiscard]] SymbolResult replay_symbol(const SymbolJob& job, storage::Database& db,
                                         bot::RowSink& rows, Progress& progress,
                                         const std::function<bool()>& should_stop,
                                         const std::shared_ptr<spdlog::logger>& log);

}  // namespace backtest
