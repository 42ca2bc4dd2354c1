#include "exchange/sim/rules.h"

#include <catch2/catch.hpp>

using config::Decimal;
using exchange::align_to_interval;
using exchange::kline_interval_ms;
using exchange::sim_filters;
using exchange::sim_rules;

namespace {
Decimal d(const char* s) { return Decimal::from_string(s); }
}  // namespace

TEST_CASE("kline intervals have Binance's names and lengths", "[sim][rules]") {
    CHECK(kline_interval_ms("1s") == 1000);
    CHECK(kline_interval_ms("1m") == 60000);
    CHECK(kline_interval_ms("15m") == 900000);
    CHECK(kline_interval_ms("4h") == 4 * 3600000);
    CHECK(kline_interval_ms("1d") == 86400000);
    CHECK(kline_interval_ms("1w") == 7 * 86400000LL);
    CHECK(kline_interval_ms("1M") == 30 * 86400000LL);
    CHECK_FALSE(kline_interval_ms("2m").has_value());
    CHECK_FALSE(kline_interval_ms("1H").has_value());
    CHECK_FALSE(kline_interval_ms("").has_value());
}

TEST_CASE("align_to_interval floors to the candle open - weeks open on Monday", "[sim][rules]") {
    // 2026-11-26 15:55:57.123 UTC
    const std::int64_t t = 1795708557123;
    CHECK(align_to_interval(t, 60000) == 1795708500000);
    CHECK(align_to_interval(1795708500000, 60000) == 1795708500000);
    CHECK(align_to_interval(t, 3600000) == 1795705200000);
    CHECK(align_to_interval(t, 86400000) == 1795651200000);
    // 2026-11-23 was a Monday.
    CHECK(align_to_interval(t, 7 * 86400000LL) == 1795392000000);
    CHECK(align_to_interval(-1, 60000) == -60000);
}

TEST_CASE("sim rules for the majors are Binance's filters", "[sim][rules]") {
    auto btc = sim_rules("BTCUSDT");
    REQUIRE(btc);
    CHECK(btc->symbol == "BTCUSDT");
    CHECK(btc->base_asset == "BTC");
    CHECK(btc->quote_asset == "USDT");
    CHECK(btc->tick_size == d("0.01"));
    CHECK(btc->step_size == d("0.00001"));
    CHECK(btc->min_qty == d("0.00001"));
    CHECK(btc->max_qty.is_zero());
    CHECK(btc->min_notional == d("5"));
    CHECK(btc->max_notional == d("9000000"));

    auto eth = sim_rules("ETHUSDT");
    REQUIRE(eth);
    CHECK(eth->tick_size == d("0.01"));
    CHECK(eth->step_size == d("0.0001"));

    auto xrp = sim_rules("XRPUSDT");
    REQUIRE(xrp);
    CHECK(xrp->base_asset == "XRP");
    CHECK(xrp->tick_size == d("0.0001"));
    CHECK(xrp->step_size == d("0.1"));

    auto ethbtc = sim_rules("ETHBTC");
    REQUIRE(ethbtc);
    CHECK(ethbtc->base_asset == "ETH");
    CHECK(ethbtc->quote_asset == "BTC");

    auto fd = sim_rules("BTCFDUSD");
    REQUIRE(fd);
    CHECK(fd->base_asset == "BTC");
    CHECK(fd->quote_asset == "FDUSD");
}

TEST_CASE("sim rules for other symbols fit their price - unlisted symbols have none",
          "[sim][rules]") {
    for (const char* s : {"ADAUSDT", "PEPEUSDT", "LINKUSDT", "1000SATSUSDT"}) {
        INFO(s);
        auto r = sim_rules(s);
        REQUIRE(r);
        CHECK(r->quote_asset == "USDT");
        CHECK(r->tick_size.is_positive());
        CHECK(r->tick_size <= d("0.01"));
        CHECK(r->step_size.is_positive());
        CHECK(r->min_notional == d("5"));
        CHECK(sim_filters(s).tick_size == r->tick_size);  // stable
    }
    CHECK_FALSE(sim_rules("").has_value());
    CHECK_FALSE(sim_rules("USDT").has_value());     // no base asset
    CHECK_FALSE(sim_rules("btcusdt").has_value());  // symbols are upper case
    CHECK_FALSE(sim_rules("BTC-USDT").has_value());
    CHECK_FALSE(sim_rules("NOPE").has_value());  // no known quote asset
}
