// The risk rules in a replay: generated archive files through backtest::run_backtest into a real
// SQLite file. Only each candle's OHLC is known there: the stop comes first when both levels are
// inside one candle, an exit fills at its level (or at the open of a candle that opened beyond
// it), never at the close; the daily loss halt and the cooldown count in candle time.
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "backtest/report/report_html.h"
#include "backtest/report/summary.h"
#include "backtest/runner.h"
#include "config/calendar.h"
#include "config/loader.h"
#include "kline_files.h"
#include "storage/database.h"
#include "storage/reader.h"
#include "support/config.h"
#include "support/temp_dir.h"

using config::Decimal;
using testing_support::TempDir;

namespace {

constexpr std::int64_t kMinute = 60000;
const std::int64_t kDay1 = config::utc_ms(2024, 1, 30);
const std::int64_t kDay2 = config::utc_ms(2024, 1, 31);

Decimal dec(const std::string& s) { return Decimal::from_string(s); }

// The candle that ends a cycle, as fractions of the cycle's top price.
struct LastCandle {
    std::string open, high, low, close;
};
// Opens at the top, reaches 50% above it and 50% under it, closes at the top: every stop-loss
// and every take-profit level is inside it.
const LastCandle kBothInside{"1", "1.5", "0.5", "1"};
// Opens 10% under the top (under every 2% stop level of the cycle), closes lower still.
const LastCandle kGapDown{"0.9", "0.9", "0.8", "0.8"};

struct Cycle {
    std::vector<Decimal> rise;  // the prices of the rising candles
    std::int64_t last_open_ms = 0;
    Decimal last_open, last_close;
};

// Appends one cycle from `t` on: 10 candles falling from `start` by `fall`, 5 rising by `up`
// (whole candles at one price: ema_cross 2/5 buys at the close of one of the rising ones), then
// `last`. Advances `t`.
Cycle cycle(std::vector<backtest_test::Row>& rows, std::int64_t& t, const Decimal& start,
            const Decimal& fall, const Decimal& up, const LastCandle& last) {
    Cycle c;
    auto add = [&](const Decimal& o, const Decimal& h, const Decimal& l, const Decimal& cl) {
        rows.push_back({t, o.to_string(), h.to_string(), l.to_string(), cl.to_string(), "1", 0});
        t += kMinute;
    };
    Decimal p = start;
    for (int i = 0; i < 10; ++i) {
        p = p - fall;
        add(p, p, p, p);
    }
    for (int i = 0; i < 5; ++i) {
        p = p + up;
        c.rise.push_back(p);
        add(p, p, p, p);
    }
    c.last_open_ms = t;
    c.last_open = p * dec(last.open);
    c.last_close = p * dec(last.close);
    add(c.last_open, p * dec(last.high), p * dec(last.low), c.last_close);
    return c;
}

std::shared_ptr<spdlog::logger> quiet_logger() {
    auto log = std::make_shared<spdlog::logger>("test");  // no sinks
    log->set_level(spdlog::level::off);
    return log;
}

// The rows of one symbol, newest first as the reader gives them, turned oldest first.
template <class T>
std::vector<T> oldest_first(std::vector<T> rows) {
    return {rows.rbegin(), rows.rend()};
}

}  // namespace

TEST_CASE(
    "replay risk: exits at the level or the open, the stop first, halts and cooldowns in "
    "candle time",
    "[replay][risk]") {
    TempDir tmp;
    // BTCUSDT: a daily loss cap a stop-loss exceeds; ETHUSDT: a cooldown of 20 candles. Both
    // have a 2% stop-loss and a 4% take-profit.
    const config::Config cfg = testing_support::parse_config(R"({
        "trading": {"quote_per_trade": "100", "max_position_quote": "1000", "fee_rate": "0.001"},
        "strategy": {"name": "ema_cross", "interval": "1m", "fast": 2, "slow": 5},
        "risk": {"stop_loss_pct": "2", "take_profit_pct": "4"},
        "symbols": [{"symbol": "BTCUSDT", "risk": {"max_daily_loss_quote": "1"}},
                    {"symbol": "ETHUSDT", "risk": {"cooldown_candles": 20}}]})");

    // Three cycles per symbol: the first ends in a candle holding both levels, the second comes
    // right after it (the same UTC day, within 20 candles of the exit), the third starts the next
    // UTC day and ends in a candle that opens under the stop.
    struct Path {
        std::string symbol;
        Decimal start, fall, up;
        std::vector<Cycle> cycles;
    };
    std::vector<Path> paths = {{"BTCUSDT", dec("60000"), dec("200"), dec("300"), {}},
                               {"ETHUSDT", dec("3000"), dec("10"), dec("10"), {}}};
    for (auto& p : paths) {
        std::vector<backtest_test::Row> rows;
        std::int64_t t = kDay1;
        p.cycles.push_back(cycle(rows, t, p.start, p.fall, p.up, kBothInside));
        p.cycles.push_back(cycle(rows, t, p.start, p.fall, p.up, kBothInside));
        t = kDay2;
        p.cycles.push_back(cycle(rows, t, p.start, p.fall, p.up, kGapDown));
        backtest_test::write_monthly(tmp.path() / "data", p.symbol, "1m", rows);
    }

    backtest::BacktestOptions o;
    o.strategies = testing_support::builtin_strategies();
    o.config = cfg;
    o.data_dir = tmp.path() / "data";
    o.db_path = tmp.path() / "bt.db";
    o.log = quiet_logger();
    const backtest::BacktestResult result = backtest::run_backtest(o);
    storage::Database::close_all_cached();
    storage::Reader r(tmp.file("bt.db"));

    for (const auto& p : paths) {
        INFO(p.symbol);
        std::vector<storage::Signal> buys, exits;
        for (const auto& s : oldest_first(r.signals(p.symbol, 1000))) {
            if (s.strategy == "risk") exits.push_back(s);
            if (s.strategy != "risk" && s.side == "BUY") buys.push_back(s);
        }
        const auto orders = oldest_first(r.orders(p.symbol, 1000));
        const auto fills = oldest_first(r.fills(p.symbol, 1000));
        auto order_of = [&](const storage::Signal& s) -> const storage::Order* {
            for (const auto& ord : orders) {
                if (ord.signal_id == s.id) return &ord;
            }
            return nullptr;
        };
        auto fill_of = [&](const storage::Signal& s) -> std::string {
            const storage::Order* ord = order_of(s);
            for (const auto& f : fills) {
                if (ord && f.client_order_id == ord->client_order_id) return f.price;
            }
            return "";
        };

        // One BUY signal a cycle; the second is recorded but not ordered: BTCUSDT is halted
        // for the rest of that UTC day (of the candles, 2024-01-30, not of the wall clock),
        // ETHUSDT is in its cooldown.
        REQUIRE(buys.size() == 3);
        CHECK(order_of(buys[0]) != nullptr);
        CHECK(order_of(buys[1]) == nullptr);
        CHECK(order_of(buys[2]) != nullptr);
        CHECK(buys[1].event_time_ms < kDay2);
        CHECK(buys[2].event_time_ms > kDay2);

        REQUIRE(exits.size() == 2);
        // Cycle 1: both levels inside the candle; the stop comes first and fills at its level
        // (entry - 2%, on the tick already), not at the candle's close (the top).
        const Decimal e1 = dec(fill_of(buys[0]));
        const Decimal stop1 = e1 * dec("0.98");
        CHECK(exits[0].side == "SELL");
        CHECK(exits[0].reason ==
              "stop_loss 2% at " + stop1.to_string(2) + " (entry " + e1.to_string(2) + ")");
        CHECK(exits[0].event_time_ms == p.cycles[0].last_open_ms);
        CHECK(dec(fill_of(exits[0])) == stop1);
        CHECK(dec(fill_of(exits[0])) != p.cycles[0].last_close);
        // Cycle 3: the candle opened under the stop: the exit fills at its open.
        const Decimal e3 = dec(fill_of(buys[2]));
        const Decimal open3 = p.cycles[2].last_open;
        CHECK(exits[1].reason == "stop_loss 2% at " + open3.to_string(2) + " (entry " +
                                     e3.to_string(2) + ", level " +
                                     (e3 * dec("0.98")).to_string(2) + ")");
        CHECK(exits[1].event_time_ms == p.cycles[2].last_open_ms);
        CHECK(dec(fill_of(exits[1])) == open3);
        CHECK(dec(fill_of(exits[1])) != p.cycles[2].last_close);

        // Each exit sold the whole position: flat at the end.
        for (const auto& pos : r.positions()) {
            if (pos.symbol == p.symbol) CHECK(dec(pos.quantity).is_zero());
        }
        // The summary counts the exits' fills as trades and sells.
        for (const auto& s : result.symbols) {
            if (s.symbol != p.symbol) continue;
            CHECK(s.performance.trades == fills.size());
            CHECK(s.performance.sells == 2);
            CHECK(s.performance.buys == 2);
        }
    }

    // The summary says each symbol's effective rules and the exits they made.
    const nlohmann::json j = backtest::to_json(result);
    REQUIRE(j["symbols"].size() == 2);
    for (const auto& s : j["symbols"]) {
        INFO(s["symbol"]);
        CHECK(s["risk"]["stop_loss_pct"] == "2");
        CHECK(s["risk"]["take_profit_pct"] == "4");
        CHECK(s["risk"]["trailing_stop_pct"] == nullptr);
        CHECK(s["risk"]["max_daily_loss_quote"] ==
              (s["symbol"] == "BTCUSDT" ? nlohmann::json("1") : nlohmann::json(nullptr)));
        CHECK(s["risk"]["cooldown_candles"] == (s["symbol"] == "BTCUSDT" ? 0 : 20));
        CHECK(s["risk_exits"] ==
              nlohmann::json{{"stop_loss", 2}, {"take_profit", 0}, {"trailing_stop", 0}});
    }
    const std::string table = backtest::render_table(result);
    CHECK(table.find("\nrisk BTCUSDT: stop_loss 2%, take_profit 4%, daily loss cap 1 USDT; "
                     "exits: 2 stop_loss\n") != std::string::npos);
    CHECK(table.find("\nrisk ETHUSDT: stop_loss 2%, take_profit 4%, cooldown 20 candles; "
                     "exits: 2 stop_loss\n") != std::string::npos);
    // The report's heading of each symbol's chart says its rules too.
    const std::string html = backtest::render_report(result);
    CHECK(html.find("ema_cross(fast=2 slow=5) &middot; stop_loss 2%, take_profit 4%, cooldown 20 "
                    "candles</h2>") != std::string::npos);
}
