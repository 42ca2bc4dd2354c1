// The scripted price path of the simulated exchange (TEST ONLY, exchange/sim_script.h): what a
// script means tick by tick, and every malformed line refused with its place.
#include "exchange/sim_script.h"

#include <catch2/catch.hpp>
#include <string>

using config::Decimal;
using exchange::sim::parse_price_script;

namespace {

std::string error_of(const std::string& text) {
    try {
        parse_price_script(text, "s.txt");
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("sim script: one price per tick, repeats, then the last price holds", "[sim_script]") {
    auto s = parse_price_script(
        "# a comment\n\nBTCUSDT 100 99.5x3 101  # trailing comment\nETHUSDT\t3000\n", "s.txt");
    CHECK(s.price("BTCUSDT", 0) == Decimal::from_int(100));
    for (int k : {1, 2, 3}) CHECK(s.price("BTCUSDT", k) == Decimal::from_string("99.5"));
    CHECK(s.price("BTCUSDT", 4) == Decimal::from_int(101));
    CHECK(s.price("BTCUSDT", 5000) == Decimal::from_int(101));
    CHECK(s.price("ETHUSDT", 7) == Decimal::from_int(3000));
    CHECK_FALSE(s.price("XRPUSDT", 0));
}

TEST_CASE("sim script: malformed lines name the file and the line", "[sim_script]") {
    CHECK(error_of("BTCUSDT 100\nETHUSDT -5\n") ==
          "s.txt:2: expected a price > 0 or PRICExN, got \"-5\"");
    CHECK(error_of("BTCUSDT 100x0") == "s.txt:1: bad repeat count in \"100x0\"");
    CHECK(error_of("BTCUSDT 100x") == "s.txt:1: bad repeat count in \"100x\"");
    CHECK(error_of("BTCUSDT abc") == "s.txt:1: expected a price > 0 or PRICExN, got \"abc\"");
    CHECK(error_of("BTCUSDT\n") == "s.txt:1: no prices for BTCUSDT");
    CHECK(error_of("BTCUSDT 1\nBTCUSDT 2") == "s.txt:2: BTCUSDT is scripted twice");
}
