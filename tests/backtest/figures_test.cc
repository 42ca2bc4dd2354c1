// The figures of a backtest, hand-computed: equity marked on every close, drawdown from the
// peak, wins, return, buy and hold; the total of several symbols on the union of their times;
// the thinned curves the report draws.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "backtest/report/performance.h"
#include "backtest/report/plot_series.h"
#include "bot/core/position.h"

using backtest::Candle;
using backtest::EquityPoint;
using backtest::Performance;
using backtest::PerformanceTracker;
using config::Decimal;

namespace {

Decimal dec(const char* s) { return Decimal::from_string(s); }

Candle at(std::int64_t minute, const char* close) {
    Candle c;
    c.open_ms = minute * 60000;
    c.close_ms = c.open_ms + 59999;
    c.open = c.high = c.low = c.close = dec(close);
    return c;
}

}  // namespace

TEST_CASE("one symbol: equity, drawdown, wins, return and buy and hold by hand", "[figures]") {
    PerformanceTracker t(dec("1000"));
    bot::PositionBook book("BTCUSDT");
    t.on_candle(at(0, "100"), book);  // flat: equity 1000
    // BUY 1 at 100, fee 0.1: realized -0.1.
    const Decimal before_buy = book.realized_pnl();
    book.apply_fill(exchange::Side::kBuy, dec("100"), dec("1"), dec("0.1"));
    t.on_fill(false, book.realized_pnl() - before_buy);
    t.on_candle(at(1, "100"), book);  // equity 999.9
    t.on_candle(at(2, "110"), book);  // +10 unrealized: 1009.9, the peak
    t.on_candle(at(3, "90"), book);   // -10: 989.9, 20 below the peak
    const Decimal before_sell = book.realized_pnl();
    book.apply_fill(exchange::Side::kSell, dec("95"), dec("1"), dec("0.095"));
    t.on_fill(true, book.realized_pnl() - before_sell);  // -5.095: a loss
    t.on_candle(at(4, "95"), book);                      // flat again: 1000 - 5.195
    t.on_candle(at(5, "120"), book);                     // still flat
    const Performance p = t.finish(book, 2, 0);

    CHECK(p.candles == 6);
    CHECK(p.signals == 2);
    CHECK(p.trades == 2);
    CHECK(p.buys == 1);
    CHECK(p.sells == 1);
    CHECK(p.wins == 0);
    CHECK(p.win_rate_pct() == Decimal());
    CHECK(p.realized_pnl == dec("-5.195"));
    CHECK(p.fees == dec("0.195"));
    CHECK(p.unrealized_pnl.is_zero());
    CHECK(p.position.is_zero());
    CHECK(p.max_drawdown == dec("20"));
    CHECK(p.max_drawdown_peak == dec("1009.9"));
    CHECK(p.max_drawdown_pct()->to_string(6) == "1.980394");  // 20 / 1009.9
    CHECK(*p.return_pct() == dec("-0.5195"));
    CHECK(*p.buy_hold_pct == dec("20"));  // 100 -> 120
    REQUIRE(t.equity().size() == 6);
    CHECK(t.equity()[2].pnl == dec("9.9"));
    CHECK(t.equity()[2].t == 2 * 60000 + 60000);  // when the candle closed
}

TEST_CASE("a winning sell counts, an open position is marked at the last close", "[figures]") {
    PerformanceTracker t(dec("500"));
    bot::PositionBook book("ETHUSDT");
    book.apply_fill(exchange::Side::kBuy, dec("10"), dec("2"), dec("0"));
    t.on_fill(false, Decimal());
    t.on_candle(at(0, "10"), book);
    const Decimal before = book.realized_pnl();
    book.apply_fill(exchange::Side::kSell, dec("12"), dec("1"), dec("0.012"));
    t.on_fill(true, book.realized_pnl() - before);  // +1.988
    t.on_candle(at(1, "11"), book);
    const Performance p = t.finish(book, 2, 0);
    CHECK(p.wins == 1);
    CHECK(*p.win_rate_pct() == dec("100"));
    CHECK(p.realized_pnl == dec("1.988"));
    CHECK(p.unrealized_pnl == dec("1"));      // 1 left at avg 10, last close 11
    CHECK(*p.return_pct() == dec("0.5976"));  // 2.988 / 500
    CHECK(p.max_drawdown.is_zero());
    CHECK(*p.max_drawdown_pct() == Decimal());
}

TEST_CASE("the total: symbols' PnL summed on the union of their times", "[figures]") {
    // A holds its PnL between its points; B starts later.
    const std::vector<EquityPoint> a = {{1, dec("0")}, {2, dec("10")}, {4, dec("-5")}};
    const std::vector<EquityPoint> b = {{2, dec("1")}, {3, dec("-20")}, {5, dec("4")}};
    Performance total;
    std::vector<std::pair<std::int64_t, Decimal>> points;
    backtest::total_drawdown({&a, &b}, dec("200"), total, [&](std::int64_t t, const Decimal& pnl) {
        points.push_back({t, pnl});
    });
    // t=1: 0; t=2: 10+1=11 (equity 211, the peak); t=3: 10-20=-10; t=4: -5-20=-25 (equity
    // 175, 36 below the peak); t=5: -5+4=-1.
    REQUIRE(points.size() == 5);
    CHECK(points[1].second == dec("11"));
    CHECK(points[2].second == dec("-10"));
    CHECK(points[3].second == dec("-25"));
    CHECK(points[4].second == dec("-1"));
    CHECK(total.max_drawdown == dec("36"));
    CHECK(total.max_drawdown_peak == dec("211"));
}

TEST_CASE("thinned curves keep their extremes, ends and order", "[figures]") {
    backtest::PlotSeries s(100);
    double lo = 1e9, hi = -1e9;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
        const double v = std::sin(i / 500.0) * 100 + (i == 123456 ? 1000 : 0);
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        s.add(1000 + static_cast<std::int64_t>(i) * 60000, v);
    }
    const auto p = s.points();
    CHECK(p.size() <= 2 * 100 * 4);
    CHECK(p.size() >= 100);
    CHECK(p.front().t == 1000);
    CHECK(p.back().t == 1000 + static_cast<std::int64_t>(n - 1) * 60000);
    double plo = 1e9, phi = -1e9;
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (i) CHECK(p[i].t > p[i - 1].t);
        plo = std::min(plo, p[i].v);
        phi = std::max(phi, p[i].v);
    }
    CHECK(plo == lo);
    CHECK(phi == hi);  // the one spike survives
    backtest::PlotSeries few(100);
    for (int i = 0; i < 10; ++i) few.add(i * 60000, i);
    CHECK(few.points().size() == 10);  // a short curve keeps every point
}
