// What a replay made of one symbol, in exact decimals: counts, PnL, fees, return, the deepest
// drawdown of its equity and what buying and holding would have made.
//
// Definitions (the README's "Reading the results" says the same):
// - capital: trading.max_position_quote, the most a symbol may hold. Equity = capital + realized
//   PnL + unrealized PnL at the candle's close, marked on every candle.
// - trades: filled orders, buys and sells; wins: sells that realized more than nothing after
//   their own fee (realized PnL is net of every fee, buys' included).
// - return: (realized + unrealized PnL at the last close) / capital.
// - max drawdown: the largest fall of equity from a previous peak, in quote and as a share of
//   that peak.
// - buy and hold: last close / first close - 1, without fees.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "backtest/archive/candle.h"
#include "bot/core/position.h"
#include "config/decimal.h"

namespace backtest {

using config::Decimal;

// The PnL (equity - capital) of a symbol after one candle.
struct EquityPoint {
    std::int64_t t = 0;  // the candle's close time + 1 ms (when the market saw it close)
    Decimal pnl;
};

struct Performance {
    Decimal capital;
    std::uint64_t candles = 0;
    std::uint64_t signals = 0;
    std::uint64_t trades = 0;
    std::uint64_t buys = 0;
    std::uint64_t sells = 0;
    std::uint64_t wins = 0;
    std::uint64_t rejected = 0;  // orders the paper gateway refused (filters)
    Decimal realized_pnl;
    Decimal fees;
    Decimal unrealized_pnl;  // at the last close
    Decimal position;        // base asset held at the end
    Decimal first_close;
    Decimal last_close;
    Decimal max_drawdown;       // quote
    Decimal max_drawdown_peak;  // the equity it fell from
    // last close / first close - 1 in percent, without fees; for a total, the symbols' average
    // weighted by their capital. nullopt without candles.
    std::optional<Decimal> buy_hold_pct;

    Decimal pnl() const { return realized_pnl + unrealized_pnl; }
    // Percentages, exact to 12 decimals; nullopt when undefined (no sells, no capital, ...).
    std::optional<Decimal> win_rate_pct() const;
    std::optional<Decimal> return_pct() const;
    std::optional<Decimal> max_drawdown_pct() const;
};

// Follows one symbol candle by candle.
class PerformanceTracker {
public:
    explicit PerformanceTracker(Decimal capital, bool keep_equity = true);

    // After the bot handled `c`; `book` is its position now.
    void on_candle(const Candle& c, const bot::PositionBook& book) {
        if (performance_.candles++ == 0) performance_.first_close = c.close;
        performance_.last_close = c.close;
        const Decimal unrealized =
            book.quantity().is_zero() ? Decimal() : book.unrealized_pnl(c.close);
        const Decimal pnl = book.realized_pnl() + unrealized;
        const Decimal equity = performance_.capital + pnl;
        if (equity > peak_) {
            peak_ = equity;
        } else if (peak_ - equity > performance_.max_drawdown) {
            performance_.max_drawdown = peak_ - equity;
            performance_.max_drawdown_peak = peak_;
        }
        last_pnl_ = pnl;
        if (keep_equity_) equity_.push_back({c.close_ms + 1, pnl});
    }
    // A fill of this candle: a sell counts as a win when it realized more than nothing.
    void on_fill(bool sell, const Decimal& realized_by_it);

    // Totals from the bot's book and stats at the end.
    Performance finish(const bot::PositionBook& book, std::uint64_t signals,
                       std::uint64_t rejected);
    const Decimal& last_pnl() const { return last_pnl_; }
    std::vector<EquityPoint>& equity() { return equity_; }

private:
    Performance performance_;
    Decimal peak_;
    Decimal last_pnl_;
    const bool keep_equity_;
    std::vector<EquityPoint> equity_;
};

// The sum of several symbols' PnL curves on the union of their times (a symbol's PnL holds
// between its candles) and its deepest drawdown against `capital`; fills `out`'s drawdown.
// Calls `on_point` with each total point (for the chart).
void total_drawdown(const std::vector<const std::vector<EquityPoint>*>& curves,
                    const Decimal& capital, Performance& out,
                    const std::function<void(std::int64_t, const Decimal&)>& on_point);

}  // namespace backtest
