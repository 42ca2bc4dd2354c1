// The risk rules (bot/core/risk_rules.h) on scripted prices and candles: each exit rule, two levels in
// one candle, a gap through a level, the trailing high across a restart, the daily loss halt at
// the 00:00 UTC boundary, the cooldown, and the exit quantity's rounding. Every expected value is
// computed by hand in the comment beside it.
#include "bot/core/risk_rules.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

using bot::ExitRule;
using bot::PositionBook;
using bot::RiskRules;
using bot::RiskState;
using config::Decimal;
using config::RiskConfig;
using exchange::Side;

namespace {

Decimal d(const char* s) { return Decimal::from_string(s); }

// BTCUSDT-like filters: prices on 0.01, quantities on 0.00001, at least 5 USDT per order.
exchange::SymbolRules btc_rules() {
    exchange::SymbolRules r;
    r.symbol = "BTCUSDT";
    r.base_asset = "BTC";
    r.quote_asset = "USDT";
    r.tick_size = d("0.01");
    r.step_size = d("0.00001");
    r.min_qty = d("0.00001");
    r.min_notional = d("5");
    return r;
}

RiskConfig risk(std::optional<const char*> stop, std::optional<const char*> take,
                std::optional<const char*> trailing, std::optional<const char*> daily = {},
                int cooldown = 0) {
    RiskConfig c;
    if (stop) c.stop_loss_pct = d(*stop);
    if (take) c.take_profit_pct = d(*take);
    if (trailing) c.trailing_stop_pct = d(*trailing);
    if (daily) c.max_daily_loss_quote = d(*daily);
    c.cooldown_candles = cooldown;
    return c;
}

// A position bought at `price`, with the rules told of the fill as the bot tells them.
PositionBook bought(const RiskRules& rules, RiskState& state, const char* price,
                    const char* quantity = "1") {
    PositionBook book("BTCUSDT");
    book.apply_fill(Side::kBuy, d(price), d(quantity), Decimal());
    rules.on_fill(state, Side::kBuy, d(price), book);
    return book;
}

// Feeds prices in order; returns the index of the first that exits (or -1) and that exit.
std::pair<int, std::optional<bot::RiskExit>> first_exit(const RiskRules& rules,
                                                        const PositionBook& book, RiskState& state,
                                                        const std::vector<const char*>& prices) {
    for (std::size_t i = 0; i < prices.size(); ++i) {
        if (auto e = rules.on_price(book, state, d(prices[i]))) return {static_cast<int>(i), e};
    }
    return {-1, std::nullopt};
}

constexpr std::int64_t kDay = 24LL * 3600 * 1000;
// 2026-11-26 00:00:00.000 UTC.
constexpr std::int64_t kNov26 = 1795651200000LL;

}  // namespace

TEST_CASE("risk: the stop-loss fires at the first price at or below entry - 2%", "[risk]") {
    RiskRules rules(risk("2", {}, {}), btc_rules());
    RiskState state;
    PositionBook book = bought(rules, state, "60001.22");
    // 60001.22 * 0.98 = 58801.1956: 58801.20 is above it, 58801.19 the first at or below.
    auto [at, exit] = first_exit(rules, book, state, {"60500", "59000", "58801.20", "58801.19"});
    REQUIRE(at == 3);
    CHECK(exit->rule == ExitRule::kStopLoss);
    CHECK(exit->level == d("58801.1956"));
    CHECK(exit->price == d("58801.19"));
    CHECK(exit->reason == "stop_loss 2% at 58801.19 (entry 60001.22, level 58801.20)");

    // A price right on the level reads as in the contract's example.
    RiskState s2;
    PositionBook b2 = bought(rules, s2, "60000");
    auto e2 = rules.on_price(b2, s2, d("58800"));  // 60000 * 0.98
    REQUIRE(e2);
    CHECK(e2->reason == "stop_loss 2% at 58800.00 (entry 60000.00)");
}

TEST_CASE("risk: take-profit fires at entry + 4%", "[risk]") {
    RiskRules rules(risk({}, "4", {}), btc_rules());
    RiskState state;
    PositionBook book = bought(rules, state, "100");
    auto [at, exit] = first_exit(rules, book, state, {"101", "103.99", "50", "104"});
    REQUIRE(at == 3);  // 50 is far down, but no downside rule is on
    CHECK(exit->rule == ExitRule::kTakeProfit);
    CHECK(exit->level == d("104"));
    CHECK(exit->reason == "take_profit 4% at 104.00 (entry 100.00)");
}

TEST_CASE("risk: the trailing stop trails the highest price since entry", "[risk]") {
    RiskRules rules(risk({}, {}, "5"), btc_rules());
    RiskState state;
    PositionBook book = bought(rules, state, "100");
    CHECK(state.trail_high == d("100"));  // the entry fill starts the high
    // High 110 -> level 104.5; 105 and 104.51 stay above it, 104.5 is on it.
    auto [at, exit] = first_exit(rules, book, state, {"103", "110", "105", "104.51", "104.5"});
    REQUIRE(at == 4);
    CHECK(state.trail_high == d("110"));
    CHECK(exit->rule == ExitRule::kTrailingStop);
    CHECK(exit->level == d("104.5"));
    CHECK(exit->reason == "trailing_stop 5% at 104.50 (high 110.00)");

    // Before any rise it acts as a stop at 5% under the entry.
    RiskState s2;
    PositionBook b2 = bought(rules, s2, "100");
    CHECK_FALSE(rules.on_price(b2, s2, d("95.01")));
    REQUIRE(rules.on_price(b2, s2, d("95")));
}

TEST_CASE("risk: of two downside levels the one crossed first is named", "[risk]") {
    RiskRules rules(risk("2", "10", "1"), btc_rules());
    RiskState state;
    PositionBook book = bought(rules, state, "100");
    // Stop at 98, trailing at 99 (high 100): a gap to 97 is beyond both; 99 was crossed first.
    auto exit = rules.on_price(book, state, d("97"));
    REQUIRE(exit);
    CHECK(exit->rule == ExitRule::kTrailingStop);
    CHECK(exit->reason == "trailing_stop 1% at 97.00 (high 100.00, level 99.00)");

    // With the trailing stop wider than the stop-loss, the stop-loss is the first.
    RiskRules wide(risk("2", {}, "3"), btc_rules());
    RiskState s2;
    PositionBook b2 = bought(wide, s2, "100");
    auto e2 = wide.on_price(b2, s2, d("96"));
    REQUIRE(e2);
    CHECK(e2->rule == ExitRule::kStopLoss);
}

TEST_CASE("risk: nothing fires without a position or with every rule off", "[risk]") {
    RiskRules rules(risk("2", "4", "1"), btc_rules());
    RiskState state;
    PositionBook flat("BTCUSDT");
    CHECK_FALSE(rules.on_price(flat, state, d("1")));
    CHECK_FALSE(rules.on_candle(flat, state, d("100"), d("200"), d("1")));
    CHECK(state == RiskState{});  // flat: the state is not touched
    CHECK_FALSE(rules.levels(flat, state).stop_loss);

    RiskRules off(RiskConfig{}, btc_rules());
    RiskState s2;
    PositionBook book = bought(off, s2, "100");
    CHECK_FALSE(off.has_exit_rules());
    CHECK_FALSE(first_exit(off, book, s2, {"1", "1000", "0.01"}).second);
}

TEST_CASE("risk: a position too small to sell is left alone", "[risk]") {
    RiskRules rules(risk("2", {}, {}), btc_rules());
    RiskState state;
    // 0.000004 BTC is under the step size 0.00001: nothing an order could sell.
    PositionBook dust = bought(rules, state, "60000", "0.000004");
    CHECK_FALSE(rules.on_price(dust, state, d("1000")));
    // 0.00008 BTC at 58000 is 4.64 USDT, under the 5 USDT min notional.
    RiskState s2;
    PositionBook small = bought(rules, s2, "60000", "0.00008");
    CHECK_FALSE(rules.on_price(small, s2, d("58000")));
}

TEST_CASE("risk: the levels in force are reported for the heartbeat", "[risk]") {
    RiskRules rules(risk("2", "4", "1.5"), btc_rules());
    RiskState state;
    PositionBook book = bought(rules, state, "60001.22");
    (void)rules.on_price(book, state, d("61000"));
    bot::RiskLevels l = rules.levels(book, state);
    CHECK(l.stop_loss == d("58801.1956"));    // 60001.22 * 0.98
    CHECK(l.take_profit == d("62401.2688"));  // 60001.22 * 1.04
    CHECK(l.trailing_stop == d("60085"));     // 61000 * 0.985
}

TEST_CASE("risk: in a candle the stop comes first when both levels are inside it", "[risk]") {
    RiskRules rules(risk("2", "4", {}), btc_rules());
    RiskState state;
    PositionBook book = bought(rules, state, "100");
    // Stop 98, take 104: the candle spans 97..105 and so holds both.
    auto exit = rules.on_candle(book, state, d("100"), d("105"), d("97"));
    REQUIRE(exit);
    CHECK(exit->rule == ExitRule::kStopLoss);
    CHECK(exit->price == d("98"));  // at the level, not the low
    CHECK(exit->reason == "stop_loss 2% at 98.00 (entry 100.00)");

    // Only the take-profit inside: filled at its level.
    RiskState s2;
    PositionBook b2 = bought(rules, s2, "100");
    auto take = rules.on_candle(b2, s2, d("101"), d("105"), d("99"));
    REQUIRE(take);
    CHECK(take->rule == ExitRule::kTakeProfit);
    CHECK(take->price == d("104"));

    // Neither: no exit.
    RiskState s3;
    PositionBook b3 = bought(rules, s3, "100");
    CHECK_FALSE(rules.on_candle(b3, s3, d("100"), d("103.99"), d("98.01")));
}

TEST_CASE("risk: a candle that opens beyond a level exits at its open", "[risk]") {
    RiskRules rules(risk("2", "4", {}), btc_rules());
    RiskState state;
    PositionBook book = bought(rules, state, "100");
    auto down = rules.on_candle(book, state, d("96.5"), d("99"), d("95"));
    REQUIRE(down);
    CHECK(down->rule == ExitRule::kStopLoss);
    CHECK(down->price == d("96.5"));
    CHECK(down->reason == "stop_loss 2% at 96.50 (entry 100.00, level 98.00)");

    RiskState s2;
    PositionBook b2 = bought(rules, s2, "100");
    auto up = rules.on_candle(b2, s2, d("106"), d("107"), d("90"));
    REQUIRE(up);
    CHECK(up->rule == ExitRule::kTakeProfit);  // the open was the first price: far above 104
    CHECK(up->price == d("106"));
}

TEST_CASE("risk: a candle exit fills on the tick the first trade across the level had", "[risk]") {
    RiskRules rules(risk("2", "4", {}), btc_rules());
    RiskState state;
    PositionBook book = bought(rules, state, "60001.22");
    // Stop 58801.1956: the first tick at or below it is 58801.19.
    auto stop = rules.on_candle(book, state, d("60000"), d("60100"), d("58000"));
    REQUIRE(stop);
    CHECK(stop->price == d("58801.19"));
    CHECK(stop->level == d("58801.1956"));
    // Take 62401.2688: the first tick at or above it is 62401.27.
    RiskState s2;
    PositionBook b2 = bought(rules, s2, "60001.22");
    auto take = rules.on_candle(b2, s2, d("60000"), d("63000"), d("59000"));
    REQUIRE(take);
    CHECK(take->price == d("62401.27"));
}

TEST_CASE("risk: a candle's high raises the trailing high for the candles after it", "[risk]") {
    RiskRules rules(risk({}, {}, "5"), btc_rules());
    RiskState state;
    PositionBook book = bought(rules, state, "100");
    // Level at the open: 95 (high 100). The candle goes to 120 and back to 100: the low stays
    // above 95, so no exit in it; its high makes the next level 114.
    CHECK_FALSE(rules.on_candle(book, state, d("100"), d("120"), d("99")));
    CHECK(state.trail_high == d("120"));
    auto exit = rules.on_candle(book, state, d("118"), d("119"), d("110"));
    REQUIRE(exit);
    CHECK(exit->rule == ExitRule::kTrailingStop);
    CHECK(exit->price == d("114"));
    CHECK(exit->reason == "trailing_stop 5% at 114.00 (high 120.00)");
}

TEST_CASE("risk: the trailing high survives a restart through its saved form", "[risk]") {
    const RiskConfig cfg = risk({}, {}, "2");
    std::string saved;
    {
        RiskRules rules(cfg, btc_rules());
        RiskState state;
        PositionBook book = bought(rules, state, "100");
        CHECK_FALSE(first_exit(rules, book, state, {"105", "130", "128"}).second);
        saved = state.to_json();
    }
    // A new process: the same position from its row, the state from bot_state.
    auto state = RiskState::from_json(saved);
    REQUIRE(state);
    CHECK(state->trail_high == d("130"));
    RiskRules rules(cfg, btc_rules());
    PositionBook book("BTCUSDT");
    book.apply_fill(Side::kBuy, d("100"), d("1"), Decimal());
    // 130 * 0.98 = 127.4: the first price after the restart at or below it exits.
    auto [at, exit] = first_exit(rules, book, *state, {"128", "127.4"});
    REQUIRE(at == 1);
    CHECK(exit->reason == "trailing_stop 2% at 127.40 (high 130.00)");

    // A lost state falls back to the entry as the high, which is the safe side.
    RiskState fresh;
    CHECK(rules.levels(book, fresh).trailing_stop == d("98"));
}

TEST_CASE("risk: the saved state round-trips and damage is refused", "[risk]") {
    RiskState s;
    s.trail_high = d("61950.1");
    s.day_ms = kNov26;
    s.day_start_realized = d("-3.2");
    s.day_start_unrealized = d("12.000000000001");
    s.halted = true;
    s.cooldown_left = 7;
    CHECK(s.to_json() ==
          R"({"cooldown_left":7,"day_ms":1795651200000,"day_start_realized":"-3.2",)"
          R"("day_start_unrealized":"12.000000000001","halted":true,"trail_high":"61950.1"})");
    CHECK(RiskState::from_json(s.to_json()) == s);
    CHECK(RiskState::from_json(RiskState{}.to_json()) == RiskState{});
    for (const char* bad : {"", "null", "[]", "{}", R"({"trail_high":"x"})",
                            R"({"cooldown_left":-1,"day_ms":null,"day_start_realized":"0",)"
                            R"("day_start_unrealized":"0","halted":false,"trail_high":"1"})",
                            R"({"cooldown_left":0,"day_ms":"today","day_start_realized":"0",)"
                            R"("day_start_unrealized":"0","halted":false,"trail_high":"1"})",
                            R"({"cooldown_left":0,"day_ms":null,"day_start_realized":"0",)"
                            R"("day_start_unrealized":"0","halted":1,"trail_high":"1"})"}) {
        INFO(bad);
        CHECK_FALSE(RiskState::from_json(bad));
    }
}

TEST_CASE("risk: a sell down to nothing clears the trailing high, a new entry starts it again",
          "[risk]") {
    RiskRules rules(risk({}, {}, "5"), btc_rules());
    RiskState state;
    PositionBook book = bought(rules, state, "100");
    (void)rules.on_price(book, state, d("150"));
    book.apply_fill(Side::kSell, d("150"), d("1"), Decimal());
    rules.on_fill(state, Side::kSell, d("150"), book);
    CHECK(state.trail_high.is_zero());
    book.apply_fill(Side::kBuy, d("80"), d("1"), Decimal());
    rules.on_fill(state, Side::kBuy, d("80"), book);
    CHECK(state.trail_high == d("80"));
    CHECK(rules.levels(book, state).trailing_stop == d("76"));
}

TEST_CASE("risk: the daily loss halts entries until 00:00 UTC and exits keep working", "[risk]") {
    RiskRules rules(risk("50", {}, {}, "50"), btc_rules());
    RiskState state;
    PositionBook book = bought(rules, state, "100");  // 1 BTC at 100 (no fee)
    // The day's first price is its baseline: unrealized 0 at 100.
    bot::DayCheck first = rules.mark(state, book, d("100"), kNov26 + 10 * 3600 * 1000);
    CHECK(first.new_day);
    CHECK_FALSE(first.lifted);
    CHECK(state.day_ms == kNov26);
    // Sell half at 80: realized -10. Then the other half marked at 20.02: unrealized -39.99;
    // loss 49.99, under the cap.
    book.apply_fill(Side::kSell, d("80"), d("0.5"), Decimal());
    CHECK_FALSE(rules.mark(state, book, d("20.02"), kNov26 + 20 * 3600 * 1000).halted);
    CHECK_FALSE(rules.entry_block(state));
    // At 20: unrealized -40, loss 50: the cap is reached on the last millisecond of the day.
    bot::DayCheck halt = rules.mark(state, book, d("20"), kNov26 + kDay - 1);
    REQUIRE(halt.halted);
    CHECK(halt.halted->loss == d("50"));
    CHECK(halt.halted->realized == d("-10"));
    CHECK(halt.halted->unrealized == d("-40"));
    CHECK(halt.halted->text() ==
          "daily loss 50.00 >= 50 (realized -10.00, unrealized -40.00) on 2026-11-26 UTC; no new "
          "entry until 2026-11-27 00:00 UTC, exits still run");
    CHECK(state.halted);
    CHECK(rules.entry_block(state) ==
          std::string("halted: the daily loss reached 50 on 2026-11-26 UTC; no new entry until "
                      "2026-11-27 00:00 UTC"));
    // Said once: a later price of the same day reports no new halt, and a recovery does not
    // lift it.
    CHECK_FALSE(rules.mark(state, book, d("19"), kNov26 + kDay - 1).halted);
    CHECK_FALSE(rules.mark(state, book, d("100"), kNov26 + kDay - 1).new_day);
    CHECK(rules.entry_block(state));
    // Exits keep working while halted (the stop is at 50).
    CHECK(rules.on_price(book, state, d("40")));

    // The halt survives a restart.
    auto restored = RiskState::from_json(state.to_json());
    REQUIRE(restored);
    CHECK(rules.entry_block(*restored));

    // 00:00:00.000 UTC: a new day, the halt is lifted, the baseline restarts at this price.
    bot::DayCheck next = rules.mark(*restored, book, d("19"), kNov26 + kDay);
    CHECK(next.new_day);
    CHECK(next.lifted);
    CHECK_FALSE(next.halted);
    CHECK_FALSE(rules.entry_block(*restored));
    CHECK(restored->day_ms == kNov26 + kDay);
    CHECK(restored->day_start_realized == d("-10"));
    CHECK(restored->day_start_unrealized == d("-40.5"));  // (19 - 100) * 0.5
    // A late event stamped in the previous day counts toward the current one: no reset.
    CHECK_FALSE(rules.mark(*restored, book, d("19"), kNov26 + kDay - 5).new_day);
    CHECK(restored->day_ms == kNov26 + kDay);
}

TEST_CASE("risk: rules that are off keep no state", "[risk]") {
    // Stop-loss and take-profit need nothing kept; without a trailing stop or a daily cap the
    // state never changes, so a bot writes nothing more than it did without risk rules.
    RiskRules rules(risk("2", "4", {}), btc_rules());
    RiskState state;
    PositionBook book = bought(rules, state, "100");
    CHECK_FALSE(rules.mark(state, book, d("100"), kNov26).new_day);
    CHECK_FALSE(rules.mark(state, book, d("0.01"), kNov26 + 1).halted);
    CHECK_FALSE(first_exit(rules, book, state, {"101", "103"}).second);
    CHECK_FALSE(rules.on_candle(book, state, d("101"), d("103.5"), d("99")));
    CHECK_FALSE(rules.entry_block(state));
    CHECK(state == RiskState{});
    // A halt stored under an earlier config does not hold once the cap is removed.
    state.halted = true;
    state.day_ms = kNov26;
    CHECK_FALSE(rules.entry_block(state));
}

TEST_CASE("risk: the cooldown holds entries for N closed candles after a risk exit", "[risk]") {
    RiskRules rules(risk("2", {}, {}, {}, 2), btc_rules());
    RiskState state;
    CHECK_FALSE(rules.entry_block(state));
    rules.on_exit(state);
    CHECK(rules.entry_block(state) ==
          std::string("cooldown after a risk exit: 2 more closed candles"));
    rules.on_candle_closed(state);
    CHECK(rules.entry_block(state) ==
          std::string("cooldown after a risk exit: 1 more closed candle"));
    rules.on_candle_closed(state);
    CHECK_FALSE(rules.entry_block(state));
    rules.on_candle_closed(state);
    CHECK(state.cooldown_left == 0);
}

TEST_CASE("risk: the exit sells the whole position rounded down to the step size", "[risk]") {
    RiskRules rules(risk("2", {}, {}), btc_rules());
    PositionBook book("BTCUSDT");
    // 0.0016649 BTC: 0.00166 can be sold, 0.0000049 is under the 0.00001 step.
    book.apply_fill(Side::kBuy, d("60000"), d("0.0016649"), Decimal());
    bot::ExitQuantity q = rules.exit_quantity(book, d("59000"));
    CHECK(q.quantity == d("0.00166"));
    CHECK(q.left == d("0.0000049"));
    CHECK(q.note == "leaves 0.0000049 below the step size 0.00001");

    PositionBook whole("BTCUSDT");
    whole.apply_fill(Side::kBuy, d("60000"), d("0.00166"), Decimal());
    q = rules.exit_quantity(whole, d("59000"));
    CHECK(q.quantity == d("0.00166"));
    CHECK(q.left.is_zero());
    CHECK(q.note.empty());

    PositionBook dust("BTCUSDT");
    dust.apply_fill(Side::kBuy, d("60000"), d("0.0000049"), Decimal());
    q = rules.exit_quantity(dust, d("59000"));
    CHECK(q.quantity.is_zero());
    CHECK(q.note == "nothing to sell: quantity 0.0000049 is below the step size 0.00001");

    PositionBook small("BTCUSDT");
    small.apply_fill(Side::kBuy, d("60000"), d("0.00008"), Decimal());
    q = rules.exit_quantity(small, d("58000"));
    CHECK(q.quantity.is_zero());
    CHECK(q.note == "nothing to sell: notional 4.64 is below the min notional 5");

    // Above the exchange's maximum order the rest goes at the next price.
    exchange::SymbolRules capped = btc_rules();
    capped.max_qty = d("0.001");
    RiskRules capped_rules(risk("2", {}, {}), capped);
    q = capped_rules.exit_quantity(whole, d("59000"));
    CHECK(q.quantity == d("0.001"));
    CHECK(q.left == d("0.00066"));
    CHECK(q.note == "leaves 0.00066 above the exchange's maximum order; sold at the next price");
}
