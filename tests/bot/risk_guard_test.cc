// RiskGuard (bot/core/risk_guard.h): the risk rules as the engine drives them — the halt said
// once, as a log event with the contract's wording, a damaged stored state replaced and said, the
// dropped prices of a full queue applied in their order, a replayed candle, and when the state
// must be written.
#include "bot/core/risk_guard.h"

#include <catch2/catch.hpp>
#include <string>

using bot::PositionBook;
using bot::RiskGuard;
using config::Decimal;
using exchange::Side;

namespace {

Decimal d(const char* s) { return Decimal::from_string(s); }

// 2026-11-26 00:00:00.000 UTC.
constexpr std::int64_t kNov26 = 1795651200000LL;
constexpr std::int64_t kDay = 24LL * 3600 * 1000;

exchange::SymbolRules rules() {
    exchange::SymbolRules r;
    r.symbol = "BTCUSDT";
    r.tick_size = d("0.01");
    r.step_size = d("0.00001");
    return r;
}

// The guard's log events as the daemon prints them ("warn [BTCUSDT] halted: ..." there; the
// daemon's wording of the whole line is checked end to end in tests/integration/).
struct Logged {
    bot::LogEvents log;
    std::string text() const {
        std::string out;
        for (const auto& e : log) {
            out += e.level == bot::LogLevel::kWarn   ? "warn "
                   : e.level == bot::LogLevel::kInfo ? "info "
                                                     : "other ";
            out += e.text + "\n";
        }
        return out;
    }
};

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

PositionBook bought(RiskGuard& guard, const char* price, const char* qty = "1") {
    PositionBook book("BTCUSDT");
    book.apply_fill(Side::kBuy, d(price), d(qty), Decimal());
    guard.on_fill(Side::kBuy, d(price), book);
    return book;
}

config::RiskConfig cfg(const char* stop, const char* daily) {
    config::RiskConfig c;
    if (stop) c.stop_loss_pct = d(stop);
    if (daily) c.max_daily_loss_quote = d(daily);
    return c;
}

}  // namespace

TEST_CASE("risk guard: the halt is logged once with its figures, and lifted at 00:00 UTC",
          "[risk]") {
    Logged logged;
    RiskGuard guard(cfg(nullptr, "50"), rules());
    guard.restore(std::nullopt, logged.log);
    PositionBook book = bought(guard, "100");
    CHECK_FALSE(guard.on_price(book, d("100"), kNov26 + 1000, logged.log));
    CHECK_FALSE(guard.on_price(book, d("49.5"), kNov26 + 2000, logged.log));  // loss 50.5
    CHECK_FALSE(guard.on_price(book, d("40"), kNov26 + 3000, logged.log));
    const std::string text = logged.text();
    CHECK(count(text, "warn halted: daily loss ") == 1);
    CHECK(text.find("warn halted: daily loss 50.50 >= 50 (realized 0.00, unrealized "
                    "-50.50) on 2026-11-26 UTC; no new entry until 2026-11-27 00:00 UTC, exits "
                    "still run") != std::string::npos);
    CHECK(guard.entry_block());
    bot::RiskSnapshot s = guard.snapshot(book);
    CHECK(s.halted);
    CHECK(s.halted_until_ms == kNov26 + kDay);
    CHECK(bot::risk_heartbeat_text(s) == "stop=- take=- trail=- halted=until 2026-11-27");

    CHECK_FALSE(guard.on_price(book, d("40"), kNov26 + kDay, logged.log));
    CHECK(logged.text().find("info halt lifted: a new UTC day (2026-11-27)") != std::string::npos);
    CHECK_FALSE(guard.entry_block());
    CHECK_FALSE(guard.snapshot(book).halted);
}

TEST_CASE("risk guard: the levels in force are shown on the tick a trade would cross them at",
          "[risk]") {
    Logged logged;
    config::RiskConfig c = cfg("2", nullptr);
    c.take_profit_pct = d("4");
    c.trailing_stop_pct = d("1.5");
    c.cooldown_candles = 3;
    RiskGuard guard(c, rules());
    guard.restore(std::nullopt, logged.log);
    CHECK(bot::risk_heartbeat_text(guard.snapshot(PositionBook("BTCUSDT"))) ==
          "stop=- take=- trail=- halted=no");
    PositionBook book = bought(guard, "60001.22");
    (void)guard.on_price(book, d("61000.01"), kNov26, logged.log);
    guard.on_exit();
    bot::RiskSnapshot s = guard.snapshot(book);
    CHECK(s.stop_loss == d("58801.19"));    // 58801.1956 down
    CHECK(s.take_profit == d("62401.27"));  // 62401.2688 up
    CHECK(s.trailing_stop == d("60085"));   // 61000.01 * 0.985 = 60085.009850 down
    CHECK(bot::risk_heartbeat_text(s) ==
          "stop=58801.19 take=62401.27 trail=60085 halted=no cooldown=3");
}

TEST_CASE("risk guard: a halted state comes back after a restart and says so", "[risk]") {
    std::string saved;
    {
        Logged logged;
        RiskGuard guard(cfg(nullptr, "10"), rules());
        guard.restore(std::nullopt, logged.log);
        PositionBook book = bought(guard, "100");
        (void)guard.on_price(book, d("100"), kNov26, logged.log);
        (void)guard.on_price(book, d("89"), kNov26 + 1, logged.log);
        REQUIRE(guard.dirty());
        saved = guard.saved_form();
        CHECK_FALSE(guard.dirty());
    }
    Logged logged;
    RiskGuard guard(cfg(nullptr, "10"), rules());
    guard.restore(saved, logged.log);
    CHECK_FALSE(guard.dirty());
    CHECK(guard.entry_block());
    CHECK(logged.text().find("warn resumed halted: the daily loss reached 10 on "
                             "2026-11-26 UTC") != std::string::npos);
}

TEST_CASE("risk guard: a damaged stored state is said and replaced", "[risk]") {
    Logged logged;
    RiskGuard guard(cfg("2", nullptr), rules());
    guard.restore(std::string("{not json"), logged.log);
    CHECK(guard.state() == bot::RiskState{});
    CHECK(logged.text().find("warn stored risk state is damaged ({not json); starting "
                             "afresh") != std::string::npos);
    // Still protects the position: the stop works from the entry.
    PositionBook book("BTCUSDT");
    book.apply_fill(Side::kBuy, d("100"), d("1"), Decimal());
    auto exit = guard.on_price(book, d("97"), kNov26, logged.log);
    REQUIRE(exit);
    CHECK(exit->reason == "stop_loss 2% at 97.00 (entry 100.00, level 98.00)");
}

TEST_CASE("risk guard: dropped prices reach the rules, low and high in their order", "[risk]") {
    Logged logged;
    config::RiskConfig c = cfg(nullptr, nullptr);
    c.trailing_stop_pct = d("5");
    RiskGuard guard(c, rules());
    guard.restore(std::nullopt, logged.log);
    PositionBook book = bought(guard, "100");

    // High 120 then low 113: the high moved the trailing level to 114 before the low came.
    bot::DroppedPrices high_then_low;
    high_then_low.add(d("120"), kNov26 + 1);
    high_then_low.add(d("113"), kNov26 + 2);
    auto exit = guard.on_dropped(book, high_then_low, logged.log);
    REQUIRE(exit);
    CHECK(exit->reason == "trailing_stop 5% at 113.00 (high 120.00, level 114.00)");

    // Low 113 then high 120: the low came while the level was 95; only the high is kept.
    RiskGuard other(c, rules());
    other.restore(std::nullopt, logged.log);
    PositionBook b2 = bought(other, "100");
    bot::DroppedPrices low_then_high;
    low_then_high.add(d("113"), kNov26 + 1);
    low_then_high.add(d("120"), kNov26 + 2);
    CHECK_FALSE(other.on_dropped(b2, low_then_high, logged.log));
    CHECK(other.state().trail_high == d("120"));
    CHECK(other.dirty());

    CHECK_FALSE(other.on_dropped(b2, bot::DroppedPrices{}, logged.log));
}

TEST_CASE("risk guard: a replayed candle exits on its range and marks the day", "[risk]") {
    Logged logged;
    RiskGuard guard(cfg("2", "1.5"), rules());
    guard.restore(std::nullopt, logged.log);
    PositionBook book = bought(guard, "100");
    exchange::Kline k;
    k.symbol = "BTCUSDT";
    k.open_time_ms = kNov26;
    k.close_time_ms = kNov26 + 59999;
    k.open = d("100");
    k.high = d("101");
    k.low = d("97");
    k.close = d("99");
    k.closed = true;
    auto exit = guard.on_candle(book, k, logged.log);
    REQUIRE(exit);
    CHECK(exit->price == d("98"));
    // The exit filled at 98: realized -2, past the 1.5 cap once the day is marked.
    book.apply_fill(Side::kSell, exit->price, d("1"), Decimal());
    guard.on_fill(Side::kSell, exit->price, book);
    guard.mark_candle(book, k, logged.log);
    CHECK(guard.entry_block());
    CHECK(guard.state().trail_high.is_zero());
    CHECK(logged.text().find("halted: daily loss 2.00 >= 1.5 (realized -2.00, unrealized 0.00)") !=
          std::string::npos);
}
