#include "backtest/replay/replay.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <stdexcept>

#include "backtest/archive/data_error.h"
#include "backtest/replay/replay_rules.h"
#include "backtest/utc_time.h"
#include "bot/runtime/bot_stats.h"
#include "bot/runtime/trading_bot.h"
#include "config/loader.h"
#include "config/strategy.h"
#include "exchange/market_stream.h"
#include "exchange/sim/paper_gateway.h"
#include "exchange/sim/rules.h"

namespace backtest {
namespace {

using config::Decimal;

// A replay has no live stream: its candles come through TradingBot::handle(), and the strategy
// warms up on the first candles of the data (no history before them).
class ReplayStream final : public exchange::MarketStream {
public:
    void start(const std::vector<std::string>&, exchange::EventSink) override {}
    void set_symbols(const std::vector<std::string>&) override {}
    void stop() override {}
    std::vector<exchange::Kline> history(const std::string&, const std::string&, int) override {
        return {};
    }
    exchange::StreamStats stats() const override { return {}; }
};

// The paper gateway, with every fill it hands out noted for the charts and the win count. One
// candle can place two orders: a risk exit inside it, then the strategy's BUY at its close.
class TapGateway final : public exchange::OrderGateway {
public:
    struct Tapped {
        exchange::Side side;
        Decimal price;
        Decimal fee;  // in the quote asset (the paper gateway's)
    };

    explicit TapGateway(exchange::PaperGateway& paper) : paper_(paper) {}

    std::optional<exchange::SymbolRules> rules(const std::string& symbol) override {
        return paper_.rules(symbol);
    }
    exchange::OrderResult place(const exchange::OrderRequest& request) override {
        exchange::OrderResult r = paper_.place(request);
        for (const auto& f : r.fills) fills_.push_back({request.side, f.price, f.fee});
        return r;
    }
    std::optional<exchange::OrderResult> query(const std::string& symbol,
                                               const std::string& id) override {
        return paper_.query(symbol, id);
    }

    // Fills since the last call, in order.
    bool take(std::vector<Tapped>& fills) {
        if (fills_.empty()) return false;
        fills.swap(fills_);
        fills_.clear();
        return true;
    }

private:
    exchange::PaperGateway& paper_;
    std::vector<Tapped> fills_;
};

double to_double(const Decimal& d) { return static_cast<double>(d.raw()) / 1e12; }

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
    ReplayStream stream;
    bot::BotStats stats;
    std::optional<exchange::SymbolRules> rules;
    std::optional<exchange::PaperGateway> paper;
    std::optional<TapGateway> gateway;
    std::optional<bot::TradingBot> trading_bot;

    exchange::Kline k;
    k.symbol = symbol;
    k.interval = interval;
    k.closed = true;
    std::vector<TapGateway::Tapped> fills;

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
        gateway.emplace(*paper);
        bot::BotSettings settings;
        settings.symbol = job.symbol;
        settings.trading = job.trading;
        settings.prices = bot::PriceFeed::kCandles;  // the risk rules work on each candle's OHLC
        bot::BotDeps deps;
        deps.db = &db;
        deps.stream = &stream;
        deps.gateway = &*gateway;
        deps.stats = &stats;
        deps.log = log->clone(symbol);  // the bot's lines say which symbol
        deps.rows = &rows;
        deps.strategy_factory = [&strategies = *job.strategies](const config::StrategyConfig& c) {
            return bot::make_strategy(strategies, c);
        };
        trading_bot.emplace(settings, std::move(deps));
        trading_bot->start();
    };

    source.run(
        [&](std::span<const Candle> run) {
            if (should_stop()) return false;
            if (!trading_bot) start_bot(run.front().close);
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
                const Decimal realized_before = trading_bot->position().realized_pnl();
                trading_bot->handle(k);
                if (gateway->take(fills)) {
                    // What the candle's sells realized: a BUY after a risk exit in the same
                    // candle only paid its fee.
                    Decimal realized = trading_bot->position().realized_pnl() - realized_before;
                    for (const auto& f : fills) {
                        if (f.side == exchange::Side::kBuy) realized += f.fee;
                    }
                    for (const auto& f : fills) {
                        const bool sell = f.side == exchange::Side::kSell;
                        tracker.on_fill(sell, sell ? realized : Decimal());
                        out.trades.push_back({market_now_ms, f.side, f.price});
                    }
                }
                tracker.on_candle(c, trading_bot->position());
                price.add(market_now_ms, to_double(c.close));
                pnl.add(market_now_ms, to_double(tracker.last_pnl()));
            }
            progress.candles.fetch_add(run.size(), std::memory_order_relaxed);
            return true;
        },
        [&](const ArchiveFile& f) {
            progress.files.fetch_add(1, std::memory_order_relaxed);
            progress.bytes.fetch_add(f.size, std::memory_order_relaxed);
        });

    out.source = source.stats();
    if (!trading_bot) {
        if (should_stop()) return out;
        std::string range;
        if (job.from_ms != std::numeric_limits<std::int64_t>::min() ||
            job.to_ms != std::numeric_limits<std::int64_t>::max()) {
            range =
                " between " + format_utc(job.from_ms) + " and " + format_utc(job.to_ms) + " UTC";
        }
        throw NoDataError("no data for " + symbol + ": its files (" +
                          archive_pattern(symbol, interval) + ") hold no candle" + range);
    }
    trading_bot->flush();
    out.performance =
        tracker.finish(trading_bot->position(), stats.signals.load(), stats.rejected.load());
    for (std::size_t i = 0; i < out.risk_exits.size(); ++i) {
        out.risk_exits[i] = stats.risk_exits[i].load();
    }
    out.equity = std::move(tracker.equity());
    out.price = price.points();
    out.pnl = pnl.points();
    return out;
}

}  // namespace backtest
