#include "backtest/report/performance.h"

#include <limits>

namespace backtest {
namespace {

const Decimal kHundred = Decimal::from_int(100);

}  // namespace

std::optional<Decimal> Performance::win_rate_pct() const {
    if (sells == 0) return std::nullopt;
    return Decimal::from_int(static_cast<std::int64_t>(wins)) * kHundred /
           Decimal::from_int(static_cast<std::int64_t>(sells));
}

std::optional<Decimal> Performance::return_pct() const {
    if (!capital.is_positive()) return std::nullopt;
    return pnl() * kHundred / capital;
}

std::optional<Decimal> Performance::max_drawdown_pct() const {
    if (max_drawdown.is_zero()) return Decimal();
    if (!max_drawdown_peak.is_positive()) return std::nullopt;
    return max_drawdown * kHundred / max_drawdown_peak;
}

PerformanceTracker::PerformanceTracker(Decimal capital, bool keep_equity)
    : peak_(capital), keep_equity_(keep_equity) {
    performance_.capital = capital;
}

void PerformanceTracker::on_fill(bool sell, const Decimal& realized_by_it) {
    ++performance_.trades;
    if (sell) {
        ++performance_.sells;
        if (realized_by_it.is_positive()) ++performance_.wins;
    } else {
        ++performance_.buys;
    }
}

Performance PerformanceTracker::finish(const bot::PositionBook& book, std::uint64_t signals,
                                       std::uint64_t rejected) {
    Performance p = performance_;
    p.signals = signals;
    p.rejected = rejected;
    p.realized_pnl = book.realized_pnl();
    p.fees = book.fees_paid();
    p.position = book.quantity();
    p.unrealized_pnl = book.quantity().is_zero() || !p.last_close.is_positive()
                           ? Decimal()
                           : book.unrealized_pnl(p.last_close);
    if (p.first_close.is_positive()) {
        p.buy_hold_pct = (p.last_close - p.first_close) * kHundred / p.first_close;
    }
    return p;
}

void total_drawdown(const std::vector<const std::vector<EquityPoint>*>& curves,
                    const Decimal& capital, Performance& out,
                    const std::function<void(std::int64_t, const Decimal&)>& on_point) {
    std::vector<std::size_t> next(curves.size(), 0);
    std::vector<Decimal> current(curves.size());
    Decimal total;
    Decimal peak = capital;
    out.max_drawdown = Decimal();
    out.max_drawdown_peak = Decimal();
    for (;;) {
        std::int64_t t = std::numeric_limits<std::int64_t>::max();
        for (std::size_t i = 0; i < curves.size(); ++i) {
            if (next[i] < curves[i]->size()) t = std::min(t, (*curves[i])[next[i]].t);
        }
        if (t == std::numeric_limits<std::int64_t>::max()) break;
        for (std::size_t i = 0; i < curves.size(); ++i) {
            const auto& c = *curves[i];
            while (next[i] < c.size() && c[next[i]].t == t) {
                total += c[next[i]].pnl - current[i];
                current[i] = c[next[i]].pnl;
                ++next[i];
            }
        }
        const Decimal equity = capital + total;
        if (equity > peak) {
            peak = equity;
        } else if (peak - equity > out.max_drawdown) {
            out.max_drawdown = peak - equity;
            out.max_drawdown_peak = peak;
        }
        if (on_point) on_point(t, total);
    }
}

}  // namespace backtest
