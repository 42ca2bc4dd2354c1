// EMA and RSI against reference values worked out independently of the code: by hand for the
// small cases, and the StockCharts RSI example (Wilder's 14-period RSI) with the values it
// publishes. The long-series EMA reference comes from the textbook recurrence in exact rational
// arithmetic (python3 fractions), rounded to 12 digits.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <vector>

#include "bot/core/ema.h"
#include "bot/core/rsi.h"

using bot::Ema;
using bot::Rsi;
using config::Decimal;

namespace {

Decimal d(const char* s) { return Decimal::from_string(s); }

bool near(const Decimal& x, const Decimal& expected, const char* tolerance) {
    return (x - expected).abs() < d(tolerance);
}

// StockCharts "RSI" ChartSchool example: 33 closes, first RSI(14) on the 15th.
const std::vector<const char*> kStockCharts = {
    "44.3389", "44.0902", "44.1497", "43.6124", "44.3278", "44.8264", "45.0955",
    "45.4245", "45.8433", "46.0826", "45.8931", "46.0328", "45.6140", "46.2820",
    "46.2820", "46.0028", "46.0328", "46.4116", "46.2222", "45.6439", "46.2122",
    "46.2521", "45.7137", "46.4515", "45.7835", "45.3548", "44.0288", "44.1783",
    "44.2181", "44.5672", "43.4205", "42.6628", "43.1314"};

}  // namespace

TEST_CASE("EMA is seeded with the SMA of the first n closes", "[indicators][ema]") {
    // EMA(3), alpha = 2/4 = 0.5, on 1 2 3 10 4 6:
    //   after 3: SMA (1+2+3)/3 = 2
    //   10: 2 + (10-2)*0.5 = 6
    //    4: 6 + (4-6)*0.5  = 5
    //    6: 5 + (6-5)*0.5  = 5.5
    Ema ema(3);
    ema.add(d("1"));
    CHECK_FALSE(ema.ready());
    ema.add(d("2"));
    CHECK_FALSE(ema.ready());
    ema.add(d("3"));
    REQUIRE(ema.ready());
    CHECK(ema.value() == d("2"));
    ema.add(d("10"));
    CHECK(ema.value() == d("6"));
    ema.add(d("4"));
    CHECK(ema.value() == d("5"));
    ema.add(d("6"));
    CHECK(ema.value() == d("5.5"));
}

TEST_CASE("EMA(3) on 1..6 trails a straight line by one step", "[indicators][ema]") {
    // SMA(1,2,3) = 2; then each step adds (x - ema)/2 = (x - (x-2))/2 = 1: 3, 4, 5.
    Ema ema(3);
    std::vector<Decimal> values;
    for (int i = 1; i <= 6; ++i) {
        ema.add(Decimal::from_int(i));
        if (ema.ready()) values.push_back(ema.value());
    }
    CHECK(values == std::vector<Decimal>{d("2"), d("3"), d("4"), d("5")});
}

TEST_CASE("EMA(4) with alpha 0.4 stays exact in decimals", "[indicators][ema]") {
    // alpha = 2/5 = 0.4 is a finite decimal, so every step is exact:
    //   SMA(100, 101, 102, 101.5) = 404.5/4   = 101.125
    //   103:    101.125 + 0.4*(103 - 101.125)  = 101.875
    //   104.25: 101.875 + 0.4*2.375            = 102.825
    //   103.75: 102.825 + 0.4*0.925            = 103.195
    //   105:    103.195 + 0.4*1.805            = 103.917
    //   106:    103.917 + 0.4*2.083            = 104.7502
    //   105.5:  104.7502 + 0.4*0.7498          = 105.05012
    //   107:    105.05012 + 0.4*1.94988        = 105.830072
    //   108.125: 105.830072 + 0.4*2.294928     = 106.7480432
    const char* closes[] = {"100",    "101", "102", "101.5", "103", "104.25",
                            "103.75", "105", "106", "105.5", "107", "108.125"};
    const char* expected[] = {"101.125",  "101.875",   "102.825",    "103.195",    "103.917",
                              "104.7502", "105.05012", "105.830072", "106.7480432"};
    Ema ema(4);
    std::vector<Decimal> values;
    for (const char* c : closes) {
        ema.add(d(c));
        if (ema.ready()) values.push_back(ema.value());
    }
    REQUIRE(values.size() == 9);
    for (size_t i = 0; i < values.size(); ++i) {
        INFO(i);
        CHECK(values[i] == d(expected[i]));
    }
}

TEST_CASE("EMA(10) on a long series matches the exact rational recurrence", "[indicators][ema]") {
    // alpha = 2/11 is not a finite decimal: one half-even rounding per step must stay far below
    // a cent after 23 steps.
    Ema ema(10);
    std::vector<Decimal> values;
    for (const char* c : kStockCharts) {
        ema.add(d(c));
        values.push_back(ema.value());
    }
    CHECK(values[9] == d("44.77913"));  // the SMA of the first ten, exact
    CHECK(near(values[20], d("45.934457484776"), "0.000000001"));
    CHECK(near(values[32], d("44.120148356901"), "0.000000001"));
}

TEST_CASE("EMA refuses a period below 1", "[indicators][ema]") {
    CHECK_THROWS_AS(Ema(0), std::invalid_argument);
}

TEST_CASE("RSI(14) reproduces the StockCharts example", "[indicators][rsi]") {
    // Published (rounded to two decimals), from the 15th close on.
    const char* published[] = {"70.53", "66.32", "66.55", "69.41", "66.36", "57.97", "62.93",
                               "63.26", "56.06", "62.38", "54.71", "50.42", "39.99", "41.46",
                               "41.87", "45.46", "37.30", "33.08", "37.77"};
    Rsi rsi(14);
    std::vector<Decimal> values;
    for (size_t i = 0; i < kStockCharts.size(); ++i) {
        rsi.add(d(kStockCharts[i]));
        CHECK(rsi.ready() == (i >= 14));  // period + 1 closes
        if (rsi.ready()) values.push_back(rsi.value());
    }
    REQUIRE(values.size() == 19);
    for (size_t i = 0; i < values.size(); ++i) {
        INFO(i << ": " << values[i]);
        CHECK(near(values[i], d(published[i]), "0.005"));
    }
    // And much closer than the published rounding: the exact rational values, to 12 digits.
    CHECK(near(values[0], d("70.532789483695"), "0.000000001"));
    CHECK(near(values[6], d("62.929606754597"), "0.000000001"));
    CHECK(near(values[18], d("37.772952114435"), "0.000000001"));
}

TEST_CASE("RSI(2) by hand", "[indicators][rsi]") {
    // closes 1, 2, 1.5, 2.5: changes +1, -0.5, +1.
    //   seed: avg gain (1+0)/2 = 0.5, avg loss (0+0.5)/2 = 0.25, RS = 2, RSI = 100 - 100/3 = 200/3
    //   +1:   avg gain (0.5*1 + 1)/2 = 0.75, avg loss (0.25*1 + 0)/2 = 0.125, RS = 6,
    //         RSI = 100 - 100/7 = 600/7
    Rsi rsi(2);
    rsi.add(d("1"));
    rsi.add(d("2"));
    CHECK_FALSE(rsi.ready());
    rsi.add(d("1.5"));
    REQUIRE(rsi.ready());
    CHECK(rsi.avg_gain() == d("0.5"));
    CHECK(rsi.avg_loss() == d("0.25"));
    CHECK(near(rsi.value() * d("3"), d("200"), "0.00000000001"));
    rsi.add(d("2.5"));
    CHECK(rsi.avg_gain() == d("0.75"));
    CHECK(rsi.avg_loss() == d("0.125"));
    CHECK(near(rsi.value() * d("7"), d("600"), "0.00000000001"));
}

TEST_CASE("RSI edge cases: only gains, only losses, no movement", "[indicators][rsi]") {
    Rsi up(3), down(3), flat(3);
    for (int i = 0; i < 6; ++i) {
        up.add(Decimal::from_int(10 + i));
        down.add(Decimal::from_int(10 - i));
        flat.add(d("10"));
    }
    CHECK(up.value() == d("100"));   // avg loss 0
    CHECK(down.value() == d("0"));   // avg gain 0
    CHECK(flat.value() == d("50"));  // both 0
    CHECK_THROWS_AS(Rsi(0), std::invalid_argument);
}

TEST_CASE("Indicator state survives save and load", "[indicators]") {
    Ema ema(3);
    Rsi rsi(3);
    for (const char* c : {"1", "2"}) {
        ema.add(d(c));
        rsi.add(d(c));
    }
    Ema ema2(3);
    Rsi rsi2(3);
    REQUIRE(ema2.load(ema.save()));
    REQUIRE(rsi2.load(rsi.save()));
    for (const char* c : {"4", "3.5", "7", "6.25"}) {
        ema.add(d(c));
        ema2.add(d(c));
        rsi.add(d(c));
        rsi2.add(d(c));
        CHECK(ema2.value() == ema.value());
        CHECK(rsi2.value() == rsi.value());
    }
    // A state counting more inputs than the period is not one of ours.
    Ema other(2);
    CHECK_FALSE(other.load(ema.save()));
    CHECK_FALSE(other.load(nlohmann::json::parse(R"({"n":1,"sum":"x","value":"0"})")));
    CHECK_FALSE(Rsi(2).load(nlohmann::json::parse(R"({"prev":null,"n":1,"gain":"1","loss":"0"})")));
}
