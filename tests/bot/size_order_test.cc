// size_order against quantities worked out by hand (see the comments).
#include <catch2/catch.hpp>

#include "bot/core/position.h"

using bot::size_order;
using bot::SizingInput;
using config::Decimal;
using exchange::Side;

namespace {

Decimal d(const char* s) { return Decimal::from_string(s); }

// BTCUSDT-like filters: step 0.001, min qty 0.001, min notional 5.
exchange::SymbolRules rules(const char* step = "0.001") {
    exchange::SymbolRules r;
    r.symbol = "BTCUSDT";
    r.step_size = d(step);
    r.min_qty = d("0.001");
    r.max_qty = d("1000");
    r.min_notional = d("5");
    return r;
}

SizingInput input(Side side, const char* price, const char* held) {
    return SizingInput{side, d(price), d(held), d("100"), d("1000"), rules()};
}

}  // namespace

TEST_CASE("size_order: a buy is quote_per_trade worth, rounded down to the step", "[sizing]") {
    // 100 / 30000 = 0.00333.. -> 0.003.
    auto r = size_order(input(Side::kBuy, "30000", "0"));
    CHECK(r.quantity == d("0.003"));
    CHECK(r.reason.empty());
    // Without a LOT_SIZE step: 8 decimals. 100 / 3 = 33.333333333.. -> 33.33333333.
    auto in = input(Side::kBuy, "3", "0");
    in.rules.step_size = Decimal();
    CHECK(size_order(in).quantity == d("33.33333333"));
}

TEST_CASE("size_order: a buy stops at max_position_quote", "[sizing]") {
    // Held 0.03 @ 30000 = 900: room 100, a full trade.
    CHECK(size_order(input(Side::kBuy, "30000", "0.03")).quantity == d("0.003"));
    // Held 0.031 = 930: room 70 -> 70 / 30000 = 0.00233.. -> 0.002.
    CHECK(size_order(input(Side::kBuy, "30000", "0.031")).quantity == d("0.002"));
    // Held 10 @ 100 = 1000: no room; held 0.034 @ 30000 = 1020: over.
    for (auto [price, held] : {std::pair{"100", "10"}, std::pair{"30000", "0.034"}}) {
        auto r = size_order(input(Side::kBuy, price, held));
        CHECK(r.quantity.is_zero());
        CHECK(r.reason == "position cap reached");
    }
}

TEST_CASE("size_order: minimum filters refuse with the filter named", "[sizing]") {
    // Held 9.9501 @ 100 = 995.01: room 4.99 -> 0.0499 at step 0.0001 -> notional 4.99 < 5.
    auto in = input(Side::kBuy, "100", "9.9501");
    in.rules.step_size = d("0.0001");
    auto r = size_order(in);
    CHECK(r.quantity.is_zero());
    CHECK(r.reason == "notional 4.99 is below the min notional 5");
    // min qty 0.01 > 0.003.
    in = input(Side::kBuy, "30000", "0");
    in.rules.min_qty = d("0.01");
    r = size_order(in);
    CHECK(r.quantity.is_zero());
    CHECK(r.reason == "quantity 0.003 is below the min qty 0.01");
    // 100 quote at 200000 is 0.0005, under one step.
    r = size_order(input(Side::kBuy, "200000", "0"));
    CHECK(r.quantity.is_zero());
    CHECK(r.reason == "quantity 0.0005 is below the step size 0.001");
}

TEST_CASE("size_order: maximum filters clamp", "[sizing]") {
    // max qty 0.0025 -> 0.002 (rounded down to the step).
    auto in = input(Side::kBuy, "30000", "0");
    in.rules.max_qty = d("0.0025");
    CHECK(size_order(in).quantity == d("0.002"));
    // max notional 50 -> 50 / 30000 = 0.00166.. -> 0.001.
    in = input(Side::kBuy, "30000", "0");
    in.rules.max_notional = d("50");
    CHECK(size_order(in).quantity == d("0.001"));
}

TEST_CASE("size_order: sells take quote_per_trade worth and leave no dust", "[sizing]") {
    // Nothing held.
    auto r = size_order(input(Side::kSell, "30000", "0"));
    CHECK(r.quantity.is_zero());
    CHECK(r.reason == "no position to sell");
    // Held 0.01: sell 0.003, leaving 0.007 (210 USDT).
    CHECK(size_order(input(Side::kSell, "30000", "0.01")).quantity == d("0.003"));
    // Held 0.002, less than a trade: sell it all.
    CHECK(size_order(input(Side::kSell, "30000", "0.002")).quantity == d("0.002"));
    // Step 0.0001, held 0.0034: a trade is 0.0033, leaving 0.0001 = 3 USDT < min notional 5:
    // sell all 0.0034.
    auto in = input(Side::kSell, "30000", "0.0034");
    in.rules.step_size = d("0.0001");
    CHECK(size_order(in).quantity == d("0.0034"));
    // Held 0.0035 at step 0.001: 0.003 is all that can be sold; the 0.0005 under a step stays.
    CHECK(size_order(input(Side::kSell, "30000", "0.0035")).quantity == d("0.003"));
    // A position worth less than the minimum notional cannot be sold at all.
    in = input(Side::kSell, "30000", "0.0001");
    in.rules.step_size = d("0.0001");
    in.rules.min_qty = Decimal();
    r = size_order(in);
    CHECK(r.quantity.is_zero());
    CHECK(r.reason == "notional 3 is below the min notional 5");
}
