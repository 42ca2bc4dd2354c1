#include "backtest/replay/replay.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <stdexcept>

#include "backtest/archive/data_error.h"
#include "backtest/replay/replay_rules.h"
#include "bot/runtime/replay_bot.h"
#include "config/calendar.h"
#include "config/loader.h"
#include "config/strategy.h"
#include "exchange/sim/paper_gateway.h"
#include "exchange/sim/rules.h"

namespace backtest {
namespace {

using config::Decimal;

}  // namespace

SymbolResult replay_symbol(const SymbolJob& job, storage::Database& db, bot::RowSink& rows,
                           Progress& progress, const std::function<bool()>& should_stop,
                           const std::shared_ptr<spdlog::logger>& log) {
    const std::string& symbol = job.symbol.symbol;
    const std::string& interval = job.symbol.strategy.interval;
    SymbolResult out;
    out.symbol = symbol;
    out.interval = interval;
    if (!job.strategies) throw std::invalid_argument("replay_symbol: no strategy catalog");
    out.strategy = job.strategies->specs().describe(job.symbol.strategy);
    out.risk = job.symbol.risk;

    CandleSource source(symbol, interval, job.files, job.from_ms, job.to_ms);
    PerformanceTracker tracker(job.trading.max_position_quote);
    {
        // At most one candle per interval of each file's period: growing the curve instead
        // would copy it over and over.
        const std::int64_t step = exchange::kline_interval_ms(interval).value_or(60000);
        std::int64_t most = 0;
        for (const auto& f : job.files) {
            const std::int64_t begin = std::max(f.name.begin_ms(), job.from_ms);
            const std::int64_t end = std::min(f.name.end_ms(), job.to_ms);
            if (end > begin) most += (end - begin) / step + 1;
        }
        tracker.equity().reserve(static_cast<std::size_t>(most));
    }
    PlotSeries price;
    PlotSeries pnl;

    // The market clock: the close of the candle being replayed, as the exchange would stamp it.
    std::int64_t market_now_ms = 0;
    std::optional<exchange::SymbolRules> rules;
    std::optional<exchange::PaperGateway> paper;
    std::optional<bot::ReplayBot> replay_bot;

    exchange::Kline k;
    k.symbol = symbol;
    k.interval = interval;
    k.closed = true;

    auto start_bot = [&](const Decimal& first_close) {
        rules = replay_rules(symbol, first_close);
        if (!rules) {
            throw config::ConfigError("symbol " + symbol,
                                      "no trading rules: its quote asset is not one tradebot "
                                      "knows (USDT, USDC, BTC, ...)");
        }
        out.quote_asset = rules->quote_asset;
        paper.emplace(
            job.trading.fee_rate,
            [&](const std::string& s) {
                return s == symbol ? rules : std::optional<exchange::SymbolRules>();
            },
            [&market_now_ms] { return market_now_ms; });
        bot::ReplayDeps deps;
        deps.db = &db;
        deps.gateway = &*paper;
        deps.sink = &rows;
        deps.log = log->clone(symbol);  // the bot's lines say which symbol
        deps.strategy_factory = [&strategies = *job.strategies](const config::StrategyConfig& c) {
            return bot::make_strategy(strategies, c);
        };
        replay_bot.emplace(bot::ReplaySettings{job.symbol, job.trading}, std::move(deps));
        replay_bot->start();
    };

    source.run(
        [&](std::span<const Candle> run) {
            if (should_stop()) return false;
            if (!replay_bot) start_bot(run.front().close);
            for (const Candle& c : run) {
                market_now_ms = c.close_ms + 1;
                k.open_time_ms = c.open_ms;
                k.close_time_ms = c.close_ms;
                k.event_time_ms = market_now_ms;
                k.open = c.open;
                k.high = c.high;
                k.low = c.low;
                k.close = c.close;
                k.volume = c.volume;
                const Decimal realized_before = replay_bot->position().realized_pnl();
                replay_bot->on_candle(k);
                if (const auto& fills = replay_bot->candle_fills(); !fills.empty()) {
                    // What the candle's sells realized: a BUY after a risk exit in the same
                    // candle only paid its fee.
                    Decimal realized = replay_bot->position().realized_pnl() - realized_before;
                    for (const auto& f : fills) {
                        if (f.side == exchange::Side::kBuy) realized += f.fee;
                    }
                    for (const auto& f : fills) {
                        const bool sell = f.side == exchange::Side::kSell;
                        tracker.on_fill(sell, sell ? realized : Decimal());
                        out.trades.push_back({market_now_ms, f.side, f.price});
                    }
                }
                tracker.on_candle(c, replay_bot->position());
                price.add(market_now_ms, c.close.to_double());
                pnl.add(market_now_ms, tracker.last_pnl().to_double());
            }
            progress.candles.fetch_add(run.size(), std::memory_order_relaxed);
            return true;
        },
        [&](const ArchiveFile& f) {
            progress.files.fetch_add(1, std::memory_order_relaxed);
            progress.bytes.fetch_add(f.size, std::memory_order_relaxed);
        });

    out.source = source.stats();
    if (!replay_bot) {
        if (should_stop()) return out;
        std::string range;
        if (job.from_ms != std::numeric_limits<std::int64_t>::min() ||
            job.to_ms != std::numeric_limits<std::int64_t>::max()) {
            range = " between " + config::format_utc(job.from_ms) + " and " +
                    config::format_utc(job.to_ms) + " UTC";
        }
        throw NoDataError("no data for " + symbol + ": its files (" +
                          archive_pattern(symbol, interval) + ") hold no candle" + range);
    }
    replay_bot->finish();
    const bot::ReplayCounts& counts = replay_bot->counts();
    out.performance = tracker.finish(replay_bot->position(), counts.signals, counts.rejected);
    out.risk_exits = counts.risk_exits;
    out.equity = std::move(tracker.equity());
    out.price = price.points();
    out.pnl = pnl.points();
    return out;
}

}  // namespace backtest
