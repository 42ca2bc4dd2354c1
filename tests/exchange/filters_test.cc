// The exchange filters (exchange/filters.h): one rounding rule and one message per breach, worked
// out by hand.
#include "exchange/filters.h"

#include <catch2/catch.hpp>

using config::Decimal;
using config::Rounding;
using exchange::FilterRule;
using exchange::SymbolRules;

namespace {

Decimal d(const char* s) { return Decimal::from_string(s); }

SymbolRules btc() {
    SymbolRules r;
    r.symbol = "BTCUSDT";
    r.tick_size = d("0.01");
    r.step_size = d("0.001");
    r.min_qty = d("0.001");
    r.max_qty = d("10");
    r.min_notional = d("10");
    r.max_notional = d("100000");
    return r;
}

}  // namespace

TEST_CASE("filters: quantities round down to the step, 8 decimals without one", "[filters]") {
    CHECK(exchange::round_quantity(btc(), d("0.0129")) == d("0.012"));
    SymbolRules none;
    CHECK(exchange::step_of(none) == d("0.00000001"));
    CHECK(exchange::round_quantity(none, d("33.333333333333")) == d("33.33333333"));
    // Prices go to the tick the way they are asked to; no tick, no change.
    CHECK(exchange::round_price(btc(), d("100.005"), Rounding::kDown) == d("100"));
    CHECK(exchange::round_price(btc(), d("100.001"), Rounding::kUp) == d("100.01"));
    CHECK(exchange::round_price(none, d("100.005"), Rounding::kUp) == d("100.005"));
}

TEST_CASE("filters: every breach, named once", "[filters]") {
    const SymbolRules r = btc();
    CHECK_FALSE(exchange::check_order(r, d("0.012"), d("1000")));
    auto message = [&](const char* q, const char* price) {
        auto b = exchange::check_order(r, d(q), d(price));
        REQUIRE(b);
        return b->message();
    };
    CHECK(message("0.0009", "1000000") == "quantity 0.0009 is below the step size 0.001");
    CHECK(message("0.0125", "1000") == "quantity 0.0125 is not a multiple of the step size 0.001");
    CHECK(message("11", "1") == "quantity 11 is above the max qty 10");
    // 0.005 * 1000 = 5 < 10.
    CHECK(message("0.005", "1000") == "notional 5 is below the min notional 10");
    // 5 * 30000 = 150000 > 100000.
    CHECK(message("5", "30000") == "notional 150000 is above the max notional 100000");
    CHECK(message("0.012", "0") ==
          "quantity 0.012 cannot be checked against the notional bounds without a price");

    SymbolRules min_qty = r;
    min_qty.min_qty = d("0.01");
    auto b = exchange::check_order(min_qty, d("0.003"), d("30000"));
    REQUIRE(b);
    CHECK(b->rule == FilterRule::kMinQty);
    CHECK(b->message() == "quantity 0.003 is below the min qty 0.01");

    auto tick = exchange::check_price(r, d("100.005"));
    REQUIRE(tick);
    CHECK(tick->message() == "price 100.005 is not a multiple of the tick size 0.01");
    CHECK_FALSE(exchange::check_price(r, d("100.01")));
}

TEST_CASE("filters: a notional a hair below a bound is never rounded onto it", "[filters]") {
    SymbolRules r;
    r.min_notional = d("5");
    r.max_notional = d("5");
    // 0.00000001 * 499999999.9999999 is 4.999999999999999: below 5 at 12 decimals only when
    // rounded down, above nothing.
    auto low = exchange::check_order(r, d("0.00000001"), d("499999999.999999999999"));
    REQUIRE(low);
    CHECK(low->rule == FilterRule::kMinNotional);
    // The same product a hair above 5 fails the maximum, rounded up.
    auto high = exchange::check_order(r, d("0.00000001"), d("500000000.000000000001"));
    REQUIRE(high);
    CHECK(high->rule == FilterRule::kMaxNotional);
    CHECK_FALSE(exchange::check_order(r, d("0.00000001"), d("500000000")));
}

TEST_CASE("filters: the largest quantity the filters allow, or why none", "[filters]") {
    const SymbolRules r = btc();
    // Rounded down to the step.
    CHECK(exchange::fit_quantity(r, d("0.0129"), d("1000")).quantity == d("0.012"));
    // Capped at the max qty, then at the max notional (100000 / 30000 = 3.333.. -> 3.333).
    CHECK(exchange::fit_quantity(r, d("20"), d("1")).quantity == d("10"));
    CHECK(exchange::fit_quantity(r, d("5"), d("30000")).quantity == d("3.333"));
    // What is left under a minimum: nothing, and the breach says which.
    auto tiny = exchange::fit_quantity(r, d("0.0005"), d("1000"));
    CHECK(tiny.quantity.is_zero());
    REQUIRE(tiny.breach);
    CHECK(tiny.breach->message() == "quantity 0.0005 is below the step size 0.001");
    auto small = exchange::fit_quantity(r, d("0.005"), d("1000"));
    CHECK(small.quantity.is_zero());
    REQUIRE(small.breach);
    CHECK(small.breach->rule == FilterRule::kMinNotional);
}
