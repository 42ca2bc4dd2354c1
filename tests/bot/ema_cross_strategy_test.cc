// ema_cross on a price series whose crosses are known by construction: flat (the EMAs are
// equal), a rise (fast goes above slow), a fall (fast goes below), a rise again. The expected
// indices and EMA values were worked out with the textbook recurrence in exact rationals
// (python3 fractions), independently of the code under test.
#include "bot/strategies/ema_cross_strategy.h"

#include <catch2/catch.hpp>

#include "strategy_test_support.h"
#include "support/config.h"

using bot::EmaCrossStrategy;
using namespace bot_test;  // the strategy test helpers
using config::Decimal;
using exchange::Side;

namespace {

Decimal d(const char* s) { return Decimal::from_string(s); }

// index:        0-5 flat,            6-8 rise,       9-12 fall,          13-16 rise
const auto kCloses = decimals({"10", "10", "10", "10", "10", "10", "11", "12", "13", "12", "11",
                               "10", "9", "9", "10", "11", "12"});

}  // namespace

TEST_CASE("ema_cross decides at the crosses and nowhere else", "[strategy][ema_cross]") {
    EmaCrossStrategy s(2, 4, "1m");
    CHECK(s.name() == "ema_cross");
    const auto seen = feed(s, kCloses, 0, kCloses.size());
    bot_test::check_decisions(
        seen, kCloses,
        {
            // 6: fast 10 + (11-10)*2/3 = 10.666.. > slow 10 + (11-10)*0.4 = 10.4 (equal before)
            {6, Side::kBuy, "ema2 crossed above ema4 (10.6667 > 10.4000)"},
            // 10: fast 11.390946.. < slow 11.53664
            {10, Side::kSell, "ema2 crossed below ema4 (11.3909 < 11.5366)"},
            // 15: fast 10.573625.. > slow 10.2890891264
            {15, Side::kBuy, "ema2 crossed above ema4 (10.5736 > 10.2891)"},
        });
    CHECK(s.slow().value() > d("10.2890891264"));  // still rising after 15
}

TEST_CASE("ema_cross is not ready before both EMAs and one comparison", "[strategy][ema_cross]") {
    EmaCrossStrategy s(2, 4);
    // The slow EMA is ready at the 4th close, which only records the comparison.
    for (size_t i = 0; i < 4; ++i) {
        CHECK_FALSE(s.ready());
        CHECK_FALSE(s.on_kline(kline(static_cast<std::int64_t>(i), d("10"))));
    }
    CHECK(s.ready());
}

TEST_CASE("ema_cross ignores updates and candles it has already seen", "[strategy][ema_cross]") {
    EmaCrossStrategy s(2, 4);
    // Updates of the open candle at prices that would cross if they counted.
    CHECK(bot_test::decisions_amid_noise(s, kCloses, {d("1000"), d("1")}, d("1000")) ==
          std::vector<size_t>{6, 10, 15});
}

TEST_CASE("ema_cross resumes from its saved state exactly", "[strategy][ema_cross]") {
    bot_test::check_resumes_exactly([] { return EmaCrossStrategy(2, 4, "1m"); }, kCloses);
}

TEST_CASE("ema_cross refuses a state that is not its own", "[strategy][ema_cross]") {
    auto make = [] { return EmaCrossStrategy(2, 4, "1m"); };
    check_refuses_foreign_states(
        make, kCloses, 8, 3,
        {// Other parameters, another interval; junk.
         EmaCrossStrategy(3, 4, "1m").save_state(), EmaCrossStrategy(2, 4, "5m").save_state(), "",
         "{", "null", "[]", "42", "\"ema_cross\"", "{\"strategy\":\"ema_cross\"}"},
        {{"ema_cross", "rsi"},  // another strategy's name
         {"\"prev_cmp\":1", "\"prev_cmp\":2"},
         {"\"prev_cmp\":1", "\"prev_cmp\":\"1\""},
         {"\"prev_cmp\":1", "\"prev_cmp\":null"},  // both EMAs ready but no comparison
         {"\"last_open_time_ms\":420000", "\"last_open_time_ms\":\"420000\""},
         {"\"fast_ema\":{\"n\":2", "\"fast_ema\":{\"n\":3"},
         {"\"value\":\"", "\"value\":\"x"}});
}

TEST_CASE("make_strategy builds the configured strategy", "[strategy]") {
    config::StrategyConfig cfg;
    cfg.name = "ema_cross";
    cfg.params = {{"fast", 2}, {"slow", 4}};
    auto s = bot::make_strategy(testing_support::builtin_strategies(), cfg);
    CHECK(s->name() == "ema_cross");
    EmaCrossStrategy direct(2, 4, cfg.interval);
    CHECK(s->restore(direct.save_state()));

    cfg.name = "rsi";
    cfg.params.clear();  // rsi's defaults
    CHECK(bot::make_strategy(testing_support::builtin_strategies(), cfg)->name() == "rsi");
    cfg.name = "macd";
    CHECK_THROWS_AS(bot::make_strategy(testing_support::builtin_strategies(), cfg),
                    std::invalid_argument);
}
