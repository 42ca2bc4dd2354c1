// The trading core's values as storage rows and back (bot/runtime/rows.h): exact decimal text
// both ways, damaged rows refused rather than guessed at.
#include "bot/runtime/rows.h"

#include <catch2/catch.hpp>

using bot::PositionBook;
using config::Decimal;
using exchange::Side;

namespace {

Decimal d(const char* s) { return Decimal::from_string(s); }

}  // namespace

TEST_CASE("rows: a position round-trips through its storage row", "[rows]") {
    PositionBook book("BTCUSDT");
    book.apply_fill(Side::kBuy, d("97000.5"), d("0.00103"), d("0.099910515"));
    book.apply_fill(Side::kSell, d("98000"), d("0.00050"), d("0.049"));
    const storage::Position row = bot::position_row(book);
    CHECK(row.symbol == "BTCUSDT");
    CHECK(row.quantity == "0.00053");
    CHECK(row.avg_entry_price == "97000.5");
    // (98000 - 97000.5) * 0.0005 - 0.049 - 0.099910515 = 0.49975 - 0.148910515
    CHECK(row.realized_pnl == "0.350839485");
    CHECK(row.fees_paid == "0.148910515");

    auto back = bot::position_from_row(row);
    REQUIRE(back);
    CHECK(back->symbol() == "BTCUSDT");
    CHECK(back->quantity() == book.quantity());
    CHECK(back->avg_entry_price() == book.avg_entry_price());
    CHECK(back->realized_pnl() == book.realized_pnl());
    CHECK(back->fees_paid() == book.fees_paid());
}

TEST_CASE("rows: a damaged position row is refused", "[rows]") {
    storage::Position good;
    good.symbol = "BTCUSDT";
    good.quantity = "0.5";
    good.avg_entry_price = "100";
    good.realized_pnl = "-1.25";
    good.fees_paid = "0.05";
    REQUIRE(bot::position_from_row(good));
    CHECK(bot::position_from_row(storage::Position{})->quantity().is_zero());  // defaults "0"

    for (auto field : {&storage::Position::quantity, &storage::Position::avg_entry_price,
                       &storage::Position::realized_pnl, &storage::Position::fees_paid}) {
        for (const char* bad : {"", "abc", "1e5", "0.5.1", "NaN"}) {
            storage::Position row = good;
            row.*field = bad;
            INFO(bad);
            CHECK_FALSE(bot::position_from_row(row));
        }
    }
    storage::Position negative = good;
    negative.quantity = "-0.5";  // spot is long only
    CHECK_FALSE(bot::position_from_row(negative));
}

TEST_CASE("rows: an order round-trips through its storage row, a damaged one is refused",
          "[rows]") {
    bot::OrderRecord o;
    o.request.client_order_id = "tb-BTCUSDT-42";
    o.request.symbol = "BTCUSDT";
    o.request.side = Side::kSell;
    o.request.quantity = d("0.005");
    o.request.reference_price = d("19600.5");
    o.signal_id = 42;
    o.role = bot::OrderRole::kExit;
    const storage::Order pending = bot::order_row(o);
    CHECK(pending.status == "PENDING");
    CHECK(pending.type == "MARKET");
    CHECK(pending.price == "19600.5");
    CHECK(pending.quantity == "0.005");
    CHECK(pending.side == "SELL");
    CHECK(pending.signal_id == 42);
    auto back = bot::order_from_row(pending);
    REQUIRE(back);
    CHECK(*back == o);

    o.status = exchange::OrderStatus::kUnknown;
    o.reason = "timeout";
    auto unknown = bot::order_from_row(bot::order_row(o));
    REQUIRE(unknown);
    CHECK(*unknown == o);

    for (auto field : {&storage::Order::quantity, &storage::Order::price, &storage::Order::side,
                       &storage::Order::status}) {
        storage::Order bad = pending;
        bad.*field = "garbage";
        CHECK_FALSE(bot::order_from_row(bad));
    }

    exchange::Fill f;
    f.trade_id = "7";
    f.price = d("19600.5");
    f.quantity = d("0.005");
    f.fee = d("0.0980025");
    f.fee_asset = "USDT";
    f.trade_time_ms = 1000;
    const storage::Fill row = bot::fill_row(o, f);
    CHECK(row.client_order_id == "tb-BTCUSDT-42");
    CHECK(row.side == "SELL");
    CHECK(row.fee == "0.0980025");
    CHECK(row.trade_id == "7");
}
