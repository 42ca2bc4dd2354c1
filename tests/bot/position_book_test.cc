// PositionBook accounting against values worked out by hand (see the comments).
#include <catch2/catch.hpp>

#include "bot/core/position.h"

using bot::PositionBook;
using config::Decimal;
using exchange::Side;

namespace {
Decimal d(const char* s) { return Decimal::from_string(s); }
}  // namespace

TEST_CASE("PositionBook: buys average in, sells realize net of fees", "[position]") {
    PositionBook book("BTCUSDT");
    CHECK(book.quantity().is_zero());

    // Buy 0.5 @ 100, fee 0.05: avg 100; realized -0.05 (fees count against PnL).
    CHECK(book.apply_fill(Side::kBuy, d("100"), d("0.5"), d("0.05")) == d("-0.05"));
    CHECK(book.quantity() == d("0.5"));
    CHECK(book.avg_entry_price() == d("100"));
    CHECK(book.fees_paid() == d("0.05"));
    CHECK(book.realized_pnl() == d("-0.05"));

    // Buy 1.5 @ 120, fee 0.18: avg (0.5*100 + 1.5*120) / 2 = 230 / 2 = 115.
    CHECK(book.apply_fill(Side::kBuy, d("120"), d("1.5"), d("0.18")) == d("-0.18"));
    CHECK(book.quantity() == d("2"));
    CHECK(book.avg_entry_price() == d("115"));
    CHECK(book.fees_paid() == d("0.23"));
    CHECK(book.realized_pnl() == d("-0.23"));
    // Unrealized at 130: (130 - 115) * 2 = 30; at 100: -30.
    CHECK(book.unrealized_pnl(d("130")) == d("30"));
    CHECK(book.unrealized_pnl(d("100")) == d("-30"));

    // Sell 0.8 @ 125, fee 0.1: (125 - 115) * 0.8 - 0.1 = 7.9; avg unchanged.
    CHECK(book.apply_fill(Side::kSell, d("125"), d("0.8"), d("0.1")) == d("7.9"));
    CHECK(book.quantity() == d("1.2"));
    CHECK(book.avg_entry_price() == d("115"));
    CHECK(book.fees_paid() == d("0.33"));
    CHECK(book.realized_pnl() == d("7.67"));         // -0.23 + 7.9
    CHECK(book.unrealized_pnl(d("120")) == d("6"));  // 5 * 1.2

    // Sell the remaining 1.2 @ 110, fee 0.132: (110 - 115) * 1.2 - 0.132 = -6.132; flat: avg 0.
    CHECK(book.apply_fill(Side::kSell, d("110"), d("1.2"), d("0.132")) == d("-6.132"));
    CHECK(book.quantity().is_zero());
    CHECK(book.avg_entry_price().is_zero());
    CHECK(book.fees_paid() == d("0.462"));
    CHECK(book.realized_pnl() == d("1.538"));  // 7.67 - 6.132
    CHECK(book.unrealized_pnl(d("500")).is_zero());

    // A new buy after going flat starts a fresh average.
    book.apply_fill(Side::kBuy, d("90"), d("1"), d("0"));
    CHECK(book.avg_entry_price() == d("90"));
}

TEST_CASE("PositionBook rounds a non-terminating average half-even", "[position]") {
    PositionBook book("ETHUSDT");
    book.apply_fill(Side::kBuy, d("100"), d("1"), d("0"));
    book.apply_fill(Side::kBuy, d("101"), d("2"), d("0"));
    // (100 + 202) / 3 = 100.6666... -> 100.666666666667 at 12 digits.
    CHECK(book.avg_entry_price() == d("100.666666666667"));
}

TEST_CASE("PositionBook refuses impossible fills", "[position]") {
    PositionBook book("BTCUSDT");
    book.apply_fill(Side::kBuy, d("100"), d("1"), d("0.1"));
    CHECK_THROWS_AS(book.apply_fill(Side::kSell, d("100"), d("1.00000001"), d("0")),
                    std::logic_error);
    CHECK_THROWS_AS(book.apply_fill(Side::kBuy, d("100"), d("0"), d("0")), std::logic_error);
    CHECK_THROWS_AS(book.apply_fill(Side::kBuy, d("100"), d("1"), d("-0.1")), std::logic_error);
    // Nothing changed.
    CHECK(book.quantity() == d("1"));
    CHECK(book.fees_paid() == d("0.1"));
}

TEST_CASE("PositionBook restores its figures and refuses impossible ones", "[position]") {
    PositionBook book("BTCUSDT");
    book.apply_fill(Side::kBuy, d("97000.5"), d("0.00103"), d("0.099910515"));
    auto back = PositionBook::restore("BTCUSDT", book.figures());
    REQUIRE(back);
    CHECK(back->symbol() == "BTCUSDT");
    CHECK(back->quantity() == d("0.00103"));
    CHECK(back->avg_entry_price() == d("97000.5"));
    CHECK(back->realized_pnl() == d("-0.099910515"));
    CHECK(back->fees_paid() == d("0.099910515"));
    // A loss may be negative; a position, a price or the fees paid may not (spot, long only).
    bot::PositionFigures f = book.figures();
    f.realized_pnl = d("-5");
    CHECK(PositionBook::restore("BTCUSDT", f));
    for (auto field : {&bot::PositionFigures::quantity, &bot::PositionFigures::avg_entry_price,
                       &bot::PositionFigures::fees_paid}) {
        bot::PositionFigures bad = book.figures();
        bad.*field = d("-0.5");
        CHECK_FALSE(PositionBook::restore("BTCUSDT", bad));
    }
}
