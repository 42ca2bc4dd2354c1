// The risk rules inside TradingBot, against the real PaperGateway and a real database: an exit is
// a signal of the strategy "risk" and a write-ahead order for the whole position; prices the full
// queue dropped still reach the stop; the trailing high survives a new bot (a restart); a halt
// and a cooldown hold BUY orders but not their signals; a replay exits on a candle's OHLC.
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>

#include "bot/runtime/replay_bot.h"
#include "bot/runtime/trading_bot.h"
#include "exchange/sim/paper_gateway.h"
#include "runtime_fakes.h"
#include "storage/database.h"
#include "support/temp_dir.h"

using config::Decimal;
using exchange::Side;
using runtime_test::closed_kline;
using runtime_test::ScriptedStream;
using runtime_test::ScriptStrategy;

namespace {

Decimal dec(const std::string& s) { return Decimal::from_string(s); }

constexpr std::int64_t kMinute = 60000;

// Candles 1 and 5 decide BUY; 3 decides SELL; the others nothing.
std::optional<Side> script(const exchange::Kline& k) {
    switch (k.open_time_ms / kMinute) {
        case 1:
        case 5:
            return Side::kBuy;
        case 3:
            return Side::kSell;
        default:
            return std::nullopt;
    }
}

exchange::Trade trade(const std::string& price, std::int64_t time) {
    exchange::Trade t;
    t.symbol = "BTCUSDT";
    t.price = dec(price);
    t.quantity = dec("0.001");
    t.trade_time_ms = time;
    return t;
}

struct Rig {
    testing_support::TempDir dir;
    storage::Database db{dir.file("bot.db")};
    ScriptedStream stream;
    exchange::PaperGateway gateway{dec("0.001"), &runtime_test::test_rules,
                                   [] { return std::int64_t{1000}; }};
    bot::EventQueue queue{64};
    bot::BotStats stats;

    bot::BotSettings settings(config::RiskConfig risk) {
        bot::BotSettings s;
        s.symbol.symbol = "BTCUSDT";
        s.symbol.strategy.interval = "1m";
        s.symbol.risk = risk;
        s.trading.quote_per_trade = dec("100");
        s.trading.max_position_quote = dec("1000");
        s.trading.fee_rate = dec("0.001");
        return s;
    }
    bot::BotDeps deps(bot::EventQueue* q = nullptr) {
        bot::BotDeps d;
        d.db = &db;
        d.stream = &stream;
        d.gateway = &gateway;
        d.queue = q ? q : &queue;
        d.stats = &stats;
        d.log = spdlog::default_logger()->clone("BTCUSDT");
        d.strategy_factory = [](const config::StrategyConfig&) {
            return std::make_unique<ScriptStrategy>(script);
        };
        return d;
    }
    std::vector<storage::Signal> risk_signals() {
        std::vector<storage::Signal> out;
        for (const auto& s : db.signals("BTCUSDT", 100)) {
            if (s.strategy == "risk") out.push_back(s);
        }
        return out;
    }
};

// A RowSink that commits every row at once into a real database (the backtest's ResultWriter
// batches them instead).
class DatabaseSink final : public bot::RowSink {
public:
    explicit DatabaseSink(storage::Database& db) : db_(db) {}
    std::int64_t add_signal(storage::Signal signal) override {
        auto r = db_.submit(storage::WriteBatch().insert_signal(std::move(signal)))->wait();
        REQUIRE(r.is_ok());
        return r.value().ids.at(0);
    }
    void add(storage::WriteBatch batch) override {
        REQUIRE(db_.submit(std::move(batch))->wait().is_ok());
    }

private:
    storage::Database& db_;
};

config::RiskConfig stop_loss(const char* pct) {
    config::RiskConfig r;
    r.stop_loss_pct = dec(pct);
    return r;
}

}  // namespace

TEST_CASE("risk bot: a trade through the stop sells the whole position, written ahead",
          "[risk][bot]") {
    Rig rig;
    bot::TradingBot bot(rig.settings(stop_loss("2")), rig.deps());
    bot.start();
    bot.handle(closed_kline("BTCUSDT", 1 * kMinute, "20000"));  // BUY 0.005 at 20000
    REQUIRE(bot.position().quantity() == dec("0.005"));
    // Stop at 19600: 19600.01 holds, 19599.99 exits.
    bot.handle(trade("19700", 2 * kMinute + 1000));
    bot.handle(trade("19600.01", 2 * kMinute + 2000));
    CHECK(rig.risk_signals().empty());
    bot.handle(trade("19599.99", 2 * kMinute + 3000));
    bot.flush();

    auto exits = rig.risk_signals();
    REQUIRE(exits.size() == 1);
    CHECK(exits[0].side == "SELL");
    CHECK(exits[0].price == "19599.99");
    CHECK(exits[0].reason == "stop_loss 2% at 19599.99 (entry 20000.00, level 19600.00)");
    CHECK(exits[0].event_time_ms == 2 * kMinute + 3000);
    auto order = rig.db.order("tb-BTCUSDT-" + std::to_string(exits[0].id));
    REQUIRE(order);
    CHECK(order->side == "SELL");
    CHECK(order->status == "FILLED");
    CHECK(order->quantity == "0.005");
    CHECK(order->price == "19599.99");
    CHECK(bot.position().quantity().is_zero());
    CHECK(rig.stats.risk_exits[0].load() == 1);
    // Later prices find nothing to sell.
    bot.handle(trade("10000", 2 * kMinute + 4000));
    CHECK(rig.risk_signals().size() == 1);
}

TEST_CASE("risk bot: prices the full queue dropped still reach the stop", "[risk][bot]") {
    Rig rig;
    bot::EventQueue small(2);
    bot::TradingBot bot(rig.settings(stop_loss("2")), rig.deps(&small));
    bot.start();
    bot.handle(closed_kline("BTCUSDT", 1 * kMinute, "20000"));  // BUY at 20000
    // The queue holds 2: the close of candle 2, then a trade at 19000 that the trade at 20500
    // pushes out. Only the dropped trade is beyond the stop.
    small.push(closed_kline("BTCUSDT", 2 * kMinute, "20000"));
    small.push(trade("19000", 3 * kMinute + 1000));
    REQUIRE(small.push(trade("20500", 3 * kMinute + 2000)).dropped);
    small.close();
    std::atomic<bool> abandon{false};
    bot.run(abandon);

    auto exits = rig.risk_signals();
    REQUIRE(exits.size() == 1);
    CHECK(exits[0].reason == "stop_loss 2% at 19000.00 (entry 20000.00, level 19600.00)");
    CHECK(exits[0].event_time_ms == 3 * kMinute + 1000);
    CHECK(bot.position().quantity().is_zero());
}

TEST_CASE("risk bot: the trailing high is committed and a new bot exits on it", "[risk][bot]") {
    Rig rig;
    config::RiskConfig risk;
    risk.trailing_stop_pct = dec("5");
    {
        bot::TradingBot bot(rig.settings(risk), rig.deps());
        bot.start();
        bot.handle(closed_kline("BTCUSDT", 1 * kMinute, "20000"));
        bot.handle(trade("22000", 2 * kMinute + 1000));  // high 22000: level 20900
        bot.handle(trade("21000", 2 * kMinute + 2000));
        bot.flush();
        CHECK(rig.risk_signals().empty());
    }
    auto stored = rig.db.state("BTCUSDT", bot::kRiskStateKey);
    REQUIRE(stored);
    auto state = bot::RiskState::from_json(*stored);
    REQUIRE(state);
    CHECK(state->trail_high == dec("22000"));

    // The restarted bot: 20950 is above the level the entry alone would give (19000) but under
    // the one the high gives.
    bot::TradingBot bot(rig.settings(risk), rig.deps());
    bot.start();
    bot.handle(trade("20950", 2 * kMinute + 3000));
    CHECK(rig.risk_signals().empty());
    bot.handle(trade("20899.99", 2 * kMinute + 4000));
    bot.flush();
    auto exits = rig.risk_signals();
    REQUIRE(exits.size() == 1);
    CHECK(exits[0].reason == "trailing_stop 5% at 20899.99 (high 22000.00, level 20900.00)");
    CHECK(bot.position().quantity().is_zero());
}

TEST_CASE("risk bot: a halt and a cooldown record BUY signals but order nothing", "[risk][bot]") {
    Rig rig;
    config::RiskConfig risk = stop_loss("2");
    risk.max_daily_loss_quote = dec("1");
    risk.cooldown_candles = 3;
    bot::TradingBot bot(rig.settings(risk), rig.deps());
    bot.start();
    bot.handle(closed_kline("BTCUSDT", 1 * kMinute, "20000"));  // BUY 0.005 at 20000
    // 18000: a loss of 10 (past the cap of 1) and through the stop: halted, and the exit runs.
    bot.handle(trade("18000", 2 * kMinute + 1000));
    CHECK(rig.risk_signals().size() == 1);
    CHECK(bot.position().quantity().is_zero());
    CHECK(rig.stats.risk().halted);
    // Candle 5 decides BUY: its signal is written, no order follows.
    for (int c = 2; c <= 5; ++c) bot.handle(closed_kline("BTCUSDT", c * kMinute, "18000"));
    bot.flush();
    int buys = 0;
    for (const auto& s : rig.db.signals("BTCUSDT", 100)) buys += s.side == "BUY";
    CHECK(buys == 2);
    CHECK(rig.db.orders("BTCUSDT", 100).size() == 2);  // the first BUY and the exit
    CHECK(bot.position().quantity().is_zero());

    // Without the cap, the cooldown alone: three closes after the exit hold entries, the fourth
    // (candle 5) may buy again.
    Rig rig2;
    config::RiskConfig cool = stop_loss("2");
    cool.cooldown_candles = 3;
    bot::TradingBot bot2(rig2.settings(cool), rig2.deps());
    bot2.start();
    bot2.handle(closed_kline("BTCUSDT", 1 * kMinute, "20000"));
    bot2.handle(trade("19000", 1 * kMinute + 60001));  // exit inside candle 2
    for (int c = 2; c <= 4; ++c) bot2.handle(closed_kline("BTCUSDT", c * kMinute, "19000"));
    CHECK(bot2.position().quantity().is_zero());
    CHECK(rig2.stats.risk().cooldown_left == 0);
    bot2.handle(closed_kline("BTCUSDT", 5 * kMinute, "19000"));  // BUY again
    bot2.flush();
    CHECK(bot2.position().quantity().is_positive());
}

TEST_CASE("risk bot: a replay exits on the candle's low at the stop's level", "[risk][bot]") {
    Rig rig;
    // The replay's driver, its rows committed as they come into the same real database.
    DatabaseSink sink(rig.db);
    bot::BotSettings settings = rig.settings(stop_loss("2"));
    bot::ReplayDeps deps;
    deps.db = &rig.db;
    deps.gateway = &rig.gateway;
    deps.sink = &sink;
    deps.log = spdlog::default_logger()->clone("BTCUSDT");
    deps.strategy_factory = [](const config::StrategyConfig&) {
        return std::make_unique<ScriptStrategy>(script);
    };
    bot::ReplayBot bot(bot::ReplaySettings{settings.symbol, settings.trading}, deps);
    bot.start();
    bot.on_candle(closed_kline("BTCUSDT", 1 * kMinute, "20000"));  // BUY at the close, 20000
    exchange::Kline k = closed_kline("BTCUSDT", 2 * kMinute, "19900");
    k.open = dec("20000");
    k.high = dec("20100");
    k.low = dec("19000");
    bot.on_candle(k);
    REQUIRE(bot.candle_fills().size() == 1);
    CHECK(bot.candle_fills()[0].side == Side::kSell);
    CHECK(bot.counts().risk_exits[0] == 1);
    bot.finish();
    auto exits = rig.risk_signals();
    REQUIRE(exits.size() == 1);
    CHECK(dec(exits[0].price) == dec("19600"));  // a REAL column
    CHECK(exits[0].reason == "stop_loss 2% at 19600.00 (entry 20000.00)");
    CHECK(exits[0].event_time_ms == 2 * kMinute);  // stamped with the candle's open
    auto fills = rig.db.fills("BTCUSDT", 10);
    REQUIRE(fills.size() == 2);
    CHECK(fills[0].side == "SELL");
    CHECK(fills[0].price == "19600");
}
