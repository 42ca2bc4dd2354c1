#include "config/decimal.h"

#include <catch2/catch.hpp>

using config::Decimal;
using config::Rounding;

namespace {
Decimal d(const char* s) { return Decimal::from_string(s); }
}  // namespace

TEST_CASE("Decimal parses Binance strings exactly and prints the shortest form", "[decimal]") {
    CHECK(d("0.00001000").to_string() == "0.00001");
    CHECK(d("100").to_string() == "100");
    CHECK(d("-12.50").to_string() == "-12.5");
    CHECK(d("+3").to_string() == "3");
    CHECK(d("0").to_string() == "0");
    CHECK(d("-0.000000000001").to_string() == "-0.000000000001");
    CHECK(d("97123.45000000").to_string() == "97123.45");
    CHECK(d("1.0000000000000000").to_string() == "1");  // extra zeros beyond 12 digits are fine
}

TEST_CASE("Decimal rejects what is not a plain decimal", "[decimal]") {
    for (const char* bad : {"", "-", ".5", "1.", "1e5", "1,5", " 1", "1 ", "abc", "0x10", "--1",
                            "1.0000000000001", "NaN", "inf"}) {
        INFO(bad);
        CHECK_FALSE(Decimal::parse(bad).has_value());
    }
    CHECK_THROWS_AS(Decimal::from_string("1e5"), std::invalid_argument);
}

TEST_CASE("Decimal arithmetic is exact where binary floating point is not", "[decimal]") {
    CHECK(d("0.1") + d("0.2") == d("0.3"));
    CHECK(d("1") - d("0.9") == d("0.1"));
    CHECK(d("100") * d("0.001") == d("0.1"));
    CHECK(d("97000.5") * d("0.00103") == d("99.910515"));
    CHECK(d("100") / d("97000") == d("0.001030927835"));  // 0.00103092783505... half-even
    CHECK(d("-7") / d("2") == d("-3.5"));
    CHECK(d("2") < d("10"));
    CHECK(d("-1") < d("0"));
    CHECK(d("1.50") == d("1.5"));
}

TEST_CASE("Decimal rounding modes", "[decimal]") {
    // 1 / 3 at 12 digits: 0.333333333333 in every mode except up.
    CHECK(Decimal::div(d("1"), d("3"), Rounding::kDown) == d("0.333333333333"));
    CHECK(Decimal::div(d("1"), d("3"), Rounding::kUp) == d("0.333333333334"));
    CHECK(Decimal::div(d("2"), d("3")) == d("0.666666666667"));
    // Half-even on a tie: 0.0000000000005 * 1 rounds to even.
    CHECK(Decimal::mul(d("0.000000000001"), d("0.5")) == d("0"));
    CHECK(Decimal::mul(d("0.000000000003"), d("0.5")) == d("0.000000000002"));
    CHECK(d("0.12345").round_to_step(d("0.01")) == d("0.12"));
    CHECK(d("0.12945").round_to_step(d("0.01"), Rounding::kHalfEven) == d("0.13"));
    CHECK(d("1.23456789").round_to_step(d("0.00001000")) == d("1.23456"));
    CHECK(d("12.345").to_string(2) == "12.34");  // half-even: ...45 -> ...4
    CHECK(d("12.355").to_string(2) == "12.36");
    CHECK(d("-1").to_string(3) == "-1.000");
}

TEST_CASE("Decimal refuses to wrap around", "[decimal]") {
    Decimal big = d("100000000000000000000000000");  // 1e26
    CHECK_THROWS_AS(big * big, std::overflow_error);
    CHECK_THROWS_AS(big + big, std::overflow_error);
    CHECK_THROWS_AS(d("1") / d("0"), std::domain_error);
    CHECK_FALSE(Decimal::parse("1000000000000000000000000000000").has_value());
}

TEST_CASE("Decimal as a double, for charts: the nearest double", "[decimal]") {
    CHECK(Decimal::from_string("60000.25").to_double() == 60000.25);
    CHECK(Decimal::from_string("-0.5").to_double() == -0.5);
    CHECK(Decimal().to_double() == 0.0);
    CHECK(Decimal::from_string("0.000000000001").to_double() == 1e-12);
}
