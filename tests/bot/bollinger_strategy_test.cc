// bollinger(4, width) on a price series built to leave its bands and come back. Every middle
// band, standard deviation and band below was worked out independently of the code under test,
// in exact rationals (python3 fractions; the standard deviation as math.isqrt of the variance
// scaled by 10^24, i.e. rounded down to 12 decimals):
//
//   index  window          middle  variance  sd (rounded down)   width 1: lower / upper
//       5  10 10 10 6      9       3         1.732050807568      7.267949192432 / 10.732050807568
//       6  10 10 6 4       7.5     6.75      2.598076211353      4.901923788647 / 10.098076211353
//       7  10 6 4 7        6.75    4.6875    2.165063509461      4.584936490539 / 8.915063509461
//       8  6 4 7 8         6.25    2.1875    1.479019945774      4.770980054226 / 7.729019945774
//       9  4 7 8 12        7.75    8.1875    2.861380785564      4.888619214436 / 10.611380785564
//      10  7 8 12 16       10.75   12.6875   3.561951712193      7.188048287807 / 14.311951712193
//      11  8 12 16 13      12.25   8.1875    2.861380785564      9.388619214436 / 15.111380785564
//      12  12 16 13 11     13      3.5       1.870828693386      11.129171306614 / 14.870828693386
//
// With width 1: index 5 closes (6) below its lower band: BUY; 6 stays below: nothing; 7 is back
// inside; 8 closes (8) above its upper band: SELL; 9 and 10 stay above: nothing; 11 is inside;
// 12 closes (11) below its lower band: BUY.
#include "bot/strategies/bollinger_strategy.h"

#include <catch2/catch.hpp>

#include "bot/strategies/rsi_strategy.h"
#include "config/loader.h"
#include "strategy_test_support.h"
#include "support/config.h"

using bot::BollingerStrategy;
using namespace bot_test;  // the strategy test helpers
using config::Decimal;
using exchange::Side;

namespace {

Decimal d(const char* s) { return Decimal::from_string(s); }

const auto kCloses =
    decimals({"10", "10", "10", "10", "10", "6", "4", "7", "8", "12", "16", "13", "11", "15"});

config::StrategyConfig bollinger(int period, const char* width, std::string interval = "1m") {
    config::StrategyConfig c;
    c.name = "bollinger";
    c.interval = std::move(interval);
    c.params = {{"period", period}, {"width", d(width)}};
    return c;
}

BollingerStrategy make() { return BollingerStrategy(bollinger(4, "1")); }

using testing_support::config_error_of;

}  // namespace

TEST_CASE("bollinger decides where the closes cross the bands", "[strategy][bollinger]") {
    auto s = make();
    CHECK(s.name() == "bollinger");
    bot_test::check_decisions(
        feed(s, kCloses, 0, kCloses.size()), kCloses,
        {{5, Side::kBuy, "close 6.00000 < bb4 lower band 7.26795 (middle 9.00000)"},
         {8, Side::kSell, "close 8.00000 > bb4 upper band 7.72902 (middle 6.25000)"},
         {12, Side::kBuy, "close 11.0000 < bb4 lower band 11.1292 (middle 13.0000)"}});
}

TEST_CASE("bollinger bands are exact to 12 decimals", "[strategy][bollinger]") {
    auto s = make();
    feed(s, kCloses, 0, 6);
    auto b = s.bands();
    REQUIRE(b);
    CHECK(b->middle == d("9"));
    CHECK(b->lower == d("7.267949192432"));
    CHECK(b->upper == d("10.732050807568"));
    feed(s, kCloses, 6, 9);
    b = s.bands();
    REQUIRE(b);
    CHECK(b->middle == d("6.25"));
    CHECK(b->lower == d("4.770980054226"));
    CHECK(b->upper == d("7.729019945774"));

    // A decimal width scales the deviation: window 6 4 7 8 with width 1.5 gives 6.25 -+
    // 1.5 x 1.479019945774 = 2.218529918661 (exact).
    BollingerStrategy wide(bollinger(4, "1.5"));
    feed(wide, kCloses, 0, 9);
    b = wide.bands();
    REQUIRE(b);
    CHECK(b->lower == d("4.031470081339"));
    CHECK(b->upper == d("8.468529918661"));
    // A flat window has no width at all; a close on the band is inside it.
    BollingerStrategy flat(bollinger(4, "2"));
    feed(flat, kCloses, 0, 5);
    b = flat.bands();
    REQUIRE(b);
    CHECK(b->lower == d("10"));
    CHECK(b->upper == d("10"));
}

TEST_CASE("bollinger is ready once its window is full", "[strategy][bollinger]") {
    auto s = make();
    // The bands exist from the 4th close, which only records where it stood.
    for (size_t i = 0; i < 4; ++i) {
        CHECK_FALSE(s.ready());
        CHECK_FALSE(s.bands());
        CHECK_FALSE(s.on_kline(kline(static_cast<std::int64_t>(i), kCloses[i])));
    }
    CHECK(s.ready());
    CHECK(s.warmup_candles() == 4);
}

TEST_CASE("bollinger ignores updates and candles it has already seen", "[strategy][bollinger]") {
    auto s = make();
    CHECK(bot_test::decisions_amid_noise(s, kCloses, {d("1"), d("1000")}, d("1")) ==
          std::vector<size_t>{5, 8, 12});
}

TEST_CASE("bollinger resumes from its saved state exactly", "[strategy][bollinger]") {
    bot_test::check_resumes_exactly(make, kCloses);
}

TEST_CASE("bollinger refuses a state that is not its own", "[strategy][bollinger]") {
    check_refuses_foreign_states(
        make, kCloses, 7, 2,
        {// Other parameters, another interval, another strategy; junk.
         BollingerStrategy(bollinger(5, "1")).save_state(),
         BollingerStrategy(bollinger(4, "1.5")).save_state(),
         BollingerStrategy(bollinger(4, "1", "5m")).save_state(),
         bot::RsiStrategy(4, d("30"), d("70"), "1m").save_state(), "", "{", "null", "[]",
         "{\"strategy\":\"bollinger\",\"period\":4}"},
        {{"\"prev_zone\":-1", "\"prev_zone\":-2"},
         {"\"prev_zone\":-1", "\"prev_zone\":null"},  // a full window has a zone
         {"\"closes\":[\"10\",", "\"closes\":["},     // 3 closes of 4
         {"\"closes\":[\"10\",", "\"closes\":[\"1\",\"10\","},
         {"\"closes\":[\"10\",", "\"closes\":[\"ten\","},
         {"\"closes\":[\"10\",", "\"closes\":[10,"}});
}

TEST_CASE("bollinger in a config: defaults, overrides, errors with key paths",
          "[strategy][bollinger][config]") {
    auto c = testing_support::parse_config(R"({
      "strategy": { "name": "bollinger" },
      "symbols": [ "BTCUSDT",
                   { "symbol": "ETHUSDT", "strategy": { "period": 30, "width": "2.5" } },
                   { "symbol": "XRPUSDT", "strategy": { "name": "rsi" } } ] })");
    CHECK(c.strategy.integer("period") == 20);
    CHECK(c.strategy.decimal("width") == d("2"));
    CHECK(c.symbols[1].strategy.integer("period") == 30);
    CHECK(c.symbols[1].strategy.decimal("width") == d("2.5"));
    // rsi starts from its own defaults, not from bollinger's period.
    CHECK(c.symbols[2].strategy.integer("period") == 14);
    const bot::StrategyCatalog& strategies = testing_support::builtin_strategies();
    CHECK(strategies.specs().describe(c.symbols[1].strategy) == "bollinger(period=30 width=2.5)");
    auto made = bot::make_strategy(strategies, c.symbols[1].strategy);
    CHECK(made->describe() == "bollinger(period=30 width=2.5)");
    CHECK(made->warmup_candles() == 30);

    // --check-config prints every parameter, the width as an exact string, and reads back.
    auto resolved = config::to_json(c);
    CHECK(resolved["strategy"] ==
          nlohmann::json(
              {{"name", "bollinger"}, {"interval", "1m"}, {"period", 20}, {"width", "2"}}));
    CHECK(testing_support::parse_config(resolved.dump()).symbols[1].strategy ==
          c.symbols[1].strategy);

    const std::string head = R"({"symbols": ["BTCUSDT"], "strategy": {"name": "bollinger", )";
    CHECK(config_error_of(head + R"("period": 1}})") ==
          "strategy.period: expected integer >= 2, got number 1");
    CHECK(config_error_of(head + R"("width": 0}})") ==
          "strategy.width: expected a number > 0 and < 10, got number 0");
    CHECK(config_error_of(head + R"("width": "10"}})") ==
          "strategy.width: expected a number > 0 and < 10, got \"10\"");
    CHECK(config_error_of(head + R"("fast": 3}})") ==
          "strategy.fast: not a parameter of bollinger");
    CHECK(config_error_of(R"({"symbols": ["BTCUSDT"], "strategy": {"width": 2}})") ==
          "strategy.width: not a parameter of ema_cross");
}
