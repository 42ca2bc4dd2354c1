// config/interval.h: the kline intervals and their lengths, for the validator, the simulated
// exchange and the Binance stream alike.
#include "config/interval.h"

#include <catch2/catch.hpp>

using config::kline_interval_ms;
using config::longest_kline_ms;

TEST_CASE("kline intervals in milliseconds", "[interval]") {
    CHECK(config::kline_intervals().size() == 16);
    CHECK(config::kline_intervals().front() == "1s");
    CHECK(config::kline_intervals().back() == "1M");
    for (const auto& name : config::kline_intervals()) {
        INFO(name);
        CHECK(kline_interval_ms(name).has_value());
    }
    CHECK(longest_kline_ms("1s") == 1000);
    CHECK(longest_kline_ms("1m") == 60'000);
    CHECK(longest_kline_ms("15m") == 900'000);
    CHECK(longest_kline_ms("4h") == 14'400'000);
    CHECK(longest_kline_ms("1d") == 86'400'000);
    CHECK(longest_kline_ms("1w") == 604'800'000);
    // A month: 30 days for the calendar-free sim, up to 31 between two real monthly candles.
    CHECK(kline_interval_ms("1M") == 30 * 86'400'000LL);
    CHECK(longest_kline_ms("1M") == 31 * 86'400'000LL);
    for (const char* bad : {"x", "m", "2m", "1H", "", "60s"}) {
        INFO(bad);
        CHECK_FALSE(kline_interval_ms(bad).has_value());
        CHECK_FALSE(longest_kline_ms(bad).has_value());
    }
}
