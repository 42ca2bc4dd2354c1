// rsi(2, 30, 70) on a series built to swing: a small rise (RSI above 70), a fall (below 30), a
// rise (above 70 again). RSI values from Wilder's recurrence in exact rationals (python3
// fractions), independently of the code under test:
//   index  2: 66.67  3: 80.00  4: 30.77  5: 13.79  6: 6.56  7: 38.71  8: 63.69  9: 86.20
//         10: 93.84 11: 60.40
#include "bot/strategies/rsi_strategy.h"

#include <catch2/catch.hpp>

#include "bot/strategies/ema_cross_strategy.h"
#include "strategy_test_support.h"

using bot::RsiStrategy;
using namespace bot_test;  // the strategy test helpers
using config::Decimal;
using exchange::Side;

namespace {

Decimal d(const char* s) { return Decimal::from_string(s); }

const auto kCloses =
    decimals({"10", "11", "10.5", "11", "10", "9", "8", "8.5", "9", "10", "11", "10.5"});

RsiStrategy make() { return RsiStrategy(2, d("30"), d("70"), "1m"); }

}  // namespace

TEST_CASE("rsi decides where the RSI crosses its bounds", "[strategy][rsi]") {
    auto s = make();
    CHECK(s.name() == "rsi");
    bot_test::check_decisions(feed(s, kCloses, 0, kCloses.size()), kCloses,
                              {
                                  // 3: 66.67 -> 80 crosses above 70.
                                  {3, Side::kSell, "rsi2 80 > 70"},
                                  // 4: 30.77 is still >= 30; 5: 13.79 crosses below.
                                  {5, Side::kBuy, "rsi2 13.79 < 30"},
                                  // 9: 63.69 -> 86.20; 10 stays above (no second SELL).
                                  {9, Side::kSell, "rsi2 86.2 > 70"},
                              });
}

TEST_CASE("rsi is ready after period + 2 closes", "[strategy][rsi]") {
    auto s = make();
    // The RSI exists from the 3rd close; the 3rd only records it.
    for (size_t i = 0; i < 3; ++i) {
        CHECK_FALSE(s.ready());
        CHECK_FALSE(s.on_kline(kline(static_cast<std::int64_t>(i), kCloses[i])));
    }
    CHECK(s.ready());
}

TEST_CASE("rsi ignores updates and candles it has already seen", "[strategy][rsi]") {
    auto s = make();
    CHECK(bot_test::decisions_amid_noise(s, kCloses, {d("1"), d("100")}, d("1")) ==
          std::vector<size_t>{3, 5, 9});
}

TEST_CASE("rsi resumes from its saved state exactly", "[strategy][rsi]") {
    bot_test::check_resumes_exactly(make, kCloses);
}

TEST_CASE("rsi refuses a state that is not its own", "[strategy][rsi]") {
    check_refuses_foreign_states(make, kCloses, 6, 2,
                                 {RsiStrategy(3, d("30"), d("70"), "1m").save_state(),
                                  RsiStrategy(2, d("25"), d("70"), "1m").save_state(),
                                  RsiStrategy(2, d("30"), d("75"), "1m").save_state(),
                                  RsiStrategy(2, d("30"), d("70"), "1h").save_state(),
                                  bot::EmaCrossStrategy(2, 4, "1m").save_state(), "", "}", "null",
                                  "[1]", "{\"strategy\":\"rsi\",\"period\":2}"},
                                 {{"\"prev_rsi\":\"", "\"prev_rsi\":\"-"},
                                  {"\"gain\":\"", "\"gain\":\"abc"},
                                  {"\"n\":2", "\"n\":5"}});
}
