// TradingBot against the real PaperGateway and a real storage::Database in a temporary folder:
// signal rows for every decision, write-ahead orders, atomic fills and positions, resume.
#include <spdlog/spdlog.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "bot/runtime/trading_bot.h"
#include "exchange/sim/paper_gateway.h"
#include "runtime_fakes.h"
#include "storage/database.h"
#include "storage/reader.h"
#include "support/temp_dir.h"

using config::Decimal;
using exchange::Side;
using namespace runtime_test;  // the runtime test fakes

namespace {

Decimal dec(const std::string& s) { return Decimal::from_string(s); }

// A PaperGateway that, before each place(), looks the order row up through the bot's Database
// and through a separate read-only connection: it must already be committed as PENDING.
class RecordingGateway final : public exchange::OrderGateway {
public:
    RecordingGateway(storage::Database& db, std::string db_path)
        : db_(db),
          db_path_(std::move(db_path)),
          paper_(dec("0.001"), &runtime_test::test_rules, [] { return std::int64_t{1000}; }) {}

    std::optional<exchange::SymbolRules> rules(const std::string& s) override {
        return paper_.rules(s);
    }
    exchange::OrderResult place(const exchange::OrderRequest& r) override {
        ++placed;
        auto row = db_.order(r.client_order_id);
        if (row && row->status == "PENDING") ++seen_pending_in_db;
        storage::Reader reader(db_path_);
        for (const auto& o : reader.orders(r.symbol, 100)) {
            if (o.client_order_id == r.client_order_id && o.status == "PENDING") {
                ++seen_pending_by_reader;
            }
        }
        return paper_.place(r);
    }
    std::optional<exchange::OrderResult> query(const std::string& s,
                                               const std::string& id) override {
        ++queried;
        return paper_.query(s, id);
    }
    std::optional<exchange::OrderResult> cancel(const std::string& s,
                                                const std::string& id) override {
        ++cancelled;
        return paper_.cancel(s, id);
    }

    int placed = 0;
    int seen_pending_in_db = 0;
    int seen_pending_by_reader = 0;
    int queried = 0;
    int cancelled = 0;

private:
    storage::Database& db_;
    std::string db_path_;
    exchange::PaperGateway paper_;
};

struct Rig {
    testing_support::TempDir dir;
    std::string path = dir.file("bot.db");
    storage::Database db{path};
    ScriptedStream stream;
    RecordingGateway gateway{db, path};
    bot::EventQueue queue{64};
    bot::BotStats stats;

    bot::BotSettings settings(const std::string& symbol = "BTCUSDT") {
        bot::BotSettings s;
        s.symbol.symbol = symbol;
        s.symbol.strategy.interval = "1m";
        s.trading.quote_per_trade = dec("100");
        s.trading.max_position_quote = dec("1000");
        s.trading.fee_rate = dec("0.001");
        return s;
    }
    bot::BotDeps deps(bot::StrategyFactory factory) {
        bot::BotDeps d;
        d.db = &db;
        d.stream = &stream;
        d.gateway = &gateway;
        d.queue = &queue;
        d.stats = &stats;
        d.log = spdlog::default_logger()->clone("BTCUSDT");
        d.strategy_factory = std::move(factory);
        return d;
    }
};

// Candle 1: SELL with nothing held (signal, no order); 2 and 3: BUY at 20000; 4: SELL at 25000;
// 5: no decision.
std::optional<Side> script(const exchange::Kline& k) {
    switch (k.open_time_ms / 60000) {
        case 1:
            return Side::kSell;
        case 2:
        case 3:
            return Side::kBuy;
        case 4:
            return Side::kSell;
        default:
            return std::nullopt;
    }
}

bot::StrategyFactory script_factory() {
    return [](const config::StrategyConfig&) { return std::make_unique<ScriptStrategy>(script); };
}

// The row a crash leaves behind: a BUY of 0.005 BTCUSDT at 20000 written ahead, still PENDING.
storage::Order pending_buy(const std::string& client_order_id) {
    storage::Order row;
    row.client_order_id = client_order_id;
    row.symbol = "BTCUSDT";
    row.side = "BUY";
    row.quantity = "0.005";
    row.price = "20000";
    row.status = "PENDING";
    return row;
}

// script_factory() that also leaves the strategy it builds in `built`, for a test to inspect.
bot::StrategyFactory watched_factory(ScriptStrategy*& built) {
    return [&built](const config::StrategyConfig&) {
        auto s = std::make_unique<ScriptStrategy>(script);
        built = s.get();
        return s;
    };
}

}  // namespace

TEST_CASE(
    "bot: every decision is a signal row, orders are written ahead, fills and position "
    "are exact",
    "[bot]") {
    Rig rig;
    bot::TradingBot bot(rig.settings(), rig.deps(script_factory()));
    bot.start();
    bot.handle(closed_kline("BTCUSDT", 1 * 60000, "20000"));
    bot.handle(closed_kline("BTCUSDT", 2 * 60000, "20000"));
    bot.handle(closed_kline("BTCUSDT", 3 * 60000, "20000"));
    bot.handle(closed_kline("BTCUSDT", 4 * 60000, "25000"));
    bot.handle(closed_kline("BTCUSDT", 5 * 60000, "26000"));
    bot.flush();

    // Four decisions, four signal rows (newest first), whether or not they led to an order.
    auto signals = rig.db.signals("BTCUSDT", 100);
    REQUIRE(signals.size() == 4);
    CHECK(signals[3].side == "SELL");
    CHECK(signals[2].side == "BUY");
    CHECK(signals[1].side == "BUY");
    CHECK(signals[0].side == "SELL");
    CHECK(dec(signals[0].price) == dec("25000"));
    CHECK(signals[0].strategy == "script");
    CHECK(signals[0].reason == "scripted SELL");
    CHECK(signals[0].event_time_ms == 4 * 60000 + 60000);

    // Three orders, each committed as PENDING before the gateway saw it.
    CHECK(rig.gateway.placed == 3);
    CHECK(rig.gateway.seen_pending_in_db == 3);
    CHECK(rig.gateway.seen_pending_by_reader == 3);
    auto orders = rig.db.orders("BTCUSDT", 100);
    REQUIRE(orders.size() == 3);
    for (const auto& o : orders) {
        CHECK(o.status == "FILLED");
        REQUIRE(o.signal_id.has_value());
        CHECK(o.client_order_id == "tb-BTCUSDT-" + std::to_string(*o.signal_id));
    }
    CHECK(orders[0].side == "SELL");
    CHECK(dec(orders[0].quantity) == dec("0.004"));
    CHECK(dec(orders[1].quantity) == dec("0.005"));

    auto fills = rig.db.fills("BTCUSDT", 100);
    REQUIRE(fills.size() == 3);
    CHECK(dec(fills[0].price) == dec("25000"));
    CHECK(dec(fills[0].quantity) == dec("0.004"));
    CHECK(dec(fills[0].fee) == dec("0.1"));  // 25000 * 0.004 * 0.001

    // Two buys of 0.005 at 20000 (fee 0.1 each), a sell of 0.004 at 25000 (fee 0.1):
    // realized = (25000 - 20000) * 0.004 - 0.3 = 19.7.
    auto pos = rig.db.position("BTCUSDT");
    REQUIRE(pos.has_value());
    CHECK(dec(pos->quantity) == dec("0.006"));
    CHECK(dec(pos->avg_entry_price) == dec("20000"));
    CHECK(dec(pos->realized_pnl) == dec("19.7"));
    CHECK(dec(pos->fees_paid) == dec("0.3"));
    CHECK(bot.position().quantity() == dec("0.006"));

    CHECK(rig.stats.signals.load() == 4);
    CHECK(rig.stats.orders.load() == 3);
    CHECK(rig.stats.fills.load() == 3);
    CHECK(rig.stats.closed_klines.load() == 5);
    CHECK(rig.stats.position().quantity == dec("0.006"));

    // The strategy state is persisted after the last candle (no decision there).
    auto state = rig.db.state("BTCUSDT", bot::kStrategyStateKey);
    REQUIRE(state.has_value());
    CHECK(*state == "script:" + std::to_string(5 * 60000));
}

TEST_CASE("bot: a restarted bot resumes position and strategy state, later trades build on it",
          "[bot]") {
    Rig rig;
    {
        bot::TradingBot bot(rig.settings(), rig.deps(script_factory()));
        bot.start();
        bot.handle(closed_kline("BTCUSDT", 2 * 60000, "20000"));
        bot.flush();
    }
    ScriptStrategy* strategy = nullptr;
    bot::TradingBot bot(rig.settings(), rig.deps(watched_factory(strategy)));
    bot.start();
    REQUIRE(strategy != nullptr);
    CHECK(strategy->restored());
    CHECK(bot.position().quantity() == dec("0.005"));
    // The same candle again (a replay) decides nothing; the next one buys on top.
    bot.handle(closed_kline("BTCUSDT", 2 * 60000, "20000"));
    bot.handle(closed_kline("BTCUSDT", 3 * 60000, "20000"));
    bot.flush();
    CHECK(rig.db.signals("BTCUSDT", 100).size() == 2);
    auto pos = rig.db.position("BTCUSDT");
    REQUIRE(pos.has_value());
    CHECK(dec(pos->quantity) == dec("0.01"));
    CHECK(dec(pos->fees_paid) == dec("0.2"));
}

TEST_CASE("bot: an order left PENDING by a crash and unknown to the gateway is CANCELED", "[bot]") {
    Rig rig;
    REQUIRE(rig.db.save_order(pending_buy("tb-BTCUSDT-999")).is_ok());

    bot::TradingBot bot(rig.settings(), rig.deps(script_factory()));
    bot.start();
    CHECK(rig.gateway.queried == 1);
    auto after = rig.db.order("tb-BTCUSDT-999");
    REQUIRE(after.has_value());
    CHECK(after->status == "CANCELED");
    CHECK(after->reason == bot::kNotSentReason);
    CHECK(rig.db.fills("BTCUSDT", 100).empty());
    CHECK(bot.position().quantity().is_zero());
}

TEST_CASE("bot: a PENDING order the gateway did fill is settled with its fills", "[bot]") {
    Rig rig;
    // The gateway filled it, but the process died before the outcome was committed.
    exchange::OrderRequest req;
    req.client_order_id = "tb-BTCUSDT-7";
    req.symbol = "BTCUSDT";
    req.side = Side::kBuy;
    req.quantity = dec("0.005");
    req.reference_price = dec("20000");
    REQUIRE(rig.db.save_order(pending_buy(req.client_order_id)).is_ok());
    REQUIRE(rig.gateway.place(req).status == exchange::OrderStatus::kFilled);

    bot::TradingBot bot(rig.settings(), rig.deps(script_factory()));
    bot.start();
    auto after = rig.db.order("tb-BTCUSDT-7");
    REQUIRE(after.has_value());
    CHECK(after->status == "FILLED");
    CHECK(rig.db.fills("BTCUSDT", 100).size() == 1);
    auto pos = rig.db.position("BTCUSDT");
    REQUIRE(pos.has_value());
    CHECK(dec(pos->quantity) == dec("0.005"));
    CHECK(bot.position().quantity() == dec("0.005"));
}

TEST_CASE("bot: without stored state the strategy warms up from history and does not trade on it",
          "[bot]") {
    Rig rig;
    std::vector<exchange::Kline> history;
    for (int i = 1; i <= 4; ++i) {
        history.push_back(closed_kline("BTCUSDT", i * 60000, "20000"));
    }
    rig.stream.set_history("BTCUSDT", history);
    bot::TradingBot bot(rig.settings(), rig.deps(script_factory()));
    bot.start();
    CHECK(rig.db.signals("BTCUSDT", 100).empty());
    CHECK(rig.gateway.placed == 0);
    // Candle 4 was seen in history: feeding it live decides nothing.
    bot.handle(closed_kline("BTCUSDT", 4 * 60000, "25000"));
    bot.flush();
    CHECK(rig.db.signals("BTCUSDT", 100).empty());
}

TEST_CASE("bot: stored state ahead of the market clock is dropped for a fresh warm-up", "[bot]") {
    Rig rig;
    {
        bot::TradingBot bot(rig.settings(), rig.deps(script_factory()));
        bot.start();
        bot.handle(closed_kline("BTCUSDT", 100 * 60000, "20000"));  // far in the "future"
        bot.flush();
    }
    rig.stream.set_history("BTCUSDT", {closed_kline("BTCUSDT", 1 * 60000, "20000")});
    ScriptStrategy* strategy = nullptr;
    bot::TradingBot bot(rig.settings(), rig.deps(watched_factory(strategy)));
    bot.start();
    // Candle 2 is older than the stored state's candle 100, yet it trades.
    bot.handle(closed_kline("BTCUSDT", 2 * 60000, "20000"));
    bot.flush();
    CHECK(rig.db.signals("BTCUSDT", 100).size() == 1);
}

TEST_CASE("bot: a decision sized to nothing is still a signal row, with no order", "[bot]") {
    Rig rig;
    auto settings = rig.settings("BTCUSDT");
    // 1 USDT per trade is below the 5 USDT minimum notional: size_order says no.
    settings.trading.quote_per_trade = dec("1");
    bot::TradingBot bot(settings, rig.deps(script_factory()));
    bot.start();
    bot.handle(closed_kline("BTCUSDT", 2 * 60000, "20000"));
    bot.flush();
    CHECK(rig.db.signals("BTCUSDT", 100).size() == 1);
    CHECK(rig.db.orders("BTCUSDT", 100).empty());
    CHECK(rig.gateway.placed == 0);
}

TEST_CASE("bot: run() drains the queue to the end after close()", "[bot]") {
    Rig rig;
    bot::TradingBot bot(rig.settings(), rig.deps(script_factory()));
    for (int i = 1; i <= 5; ++i) rig.queue.push(closed_kline("BTCUSDT", i * 60000, "20000"));
    rig.queue.close();
    std::atomic<bool> abandon{false};
    bot.run(abandon);
    CHECK(rig.stats.closed_klines.load() == 5);
    CHECK(rig.db.signals("BTCUSDT", 100).size() == 4);
    CHECK_FALSE(rig.stats.running.load());
}

TEST_CASE("bot: an old PENDING order behind 50 newer ones is settled at start", "[bot]") {
    Rig rig;
    auto order = [](int n, const std::string& status) {
        storage::Order row;
        row.client_order_id = "tb-BTCUSDT-" + std::to_string(n);
        row.symbol = "BTCUSDT";
        row.side = "BUY";
        row.quantity = "0.005";
        row.price = "20000";
        row.status = status;
        row.created_at_ms = 1000 + n;  // order n is older than order n + 1
        return row;
    };
    // A stop that could not commit an outcome left order 1 PENDING; 50 orders followed it.
    REQUIRE(rig.db.save_order(order(1, "PENDING")).is_ok());
    for (int n = 2; n <= 51; ++n) REQUIRE(rig.db.save_order(order(n, "CANCELED")).is_ok());
    REQUIRE(rig.db.save_order(order(52, "UNKNOWN")).is_ok());

    bot::TradingBot bot(rig.settings(), rig.deps(script_factory()));
    bot.start();
    CHECK(rig.gateway.queried == 2);  // the two unresolved ones, however old
    for (int n : {1, 52}) {
        auto after = rig.db.order("tb-BTCUSDT-" + std::to_string(n));
        REQUIRE(after.has_value());
        CHECK(after->status == "CANCELED");
        CHECK(after->reason == bot::kNotSentReason);
    }
    CHECK(rig.db.unresolved_orders("BTCUSDT").empty());
}

TEST_CASE("bot: abandoned while a write waits on a full disk, it leaves and the write lands later",
          "[bot][stall]") {
    Rig rig;
    std::atomic<bool> abandon{false};
    bot::BotDeps deps = rig.deps(script_factory());
    deps.abandon = &abandon;
    auto bot = std::make_unique<bot::TradingBot>(rig.settings(), deps);
    bot->start();

    // No page beyond the current ones: queue writes until the pipeline is stalled on
    // SQLITE_FULL, as on a full disk.
    rig.db.pragma("max_page_count=" + rig.db.pragma("page_count"));
    std::vector<storage::WriteHandle> filler;
    for (int i = 0; i < 10000 && !rig.db.writer_stats().stalled; ++i) {
        storage::Signal s;
        s.symbol = "FILLUSDT";
        s.side = "BUY";
        s.price = "1";
        s.strategy = "filler";
        s.reason = std::string(500, 'x');
        s.event_time_ms = i;
        filler.push_back(rig.db.submit(storage::WriteBatch().insert_signal(s)));
        if (i % 50 == 49) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    REQUIRE(rig.db.writer_stats().stalled);

    // Candle 1 decides SELL: its signal row queues behind the stalled writes and the bot waits.
    auto handled = std::async(std::launch::async, [&] {
        try {
            bot->handle(closed_kline("BTCUSDT", 1 * 60000, "20000"));
        } catch (const bot::BotAbandoned& e) {
            return std::string("abandoned: ") + e.what();
        }
        return std::string("returned");
    });
    CHECK(handled.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
    abandon = true;
    // A generous bound on a hang, not a speed check.
    REQUIRE(handled.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    const std::string outcome = handled.get();
    CHECK_THAT(outcome, Catch::StartsWith("abandoned: signal still queued"));
    CHECK_THAT(outcome, Catch::Contains("storage stalled"));
    bot.reset();  // the destructor does not wait for storage either
    CHECK(rig.db.signals("BTCUSDT", 10).empty());

    // Space returns: the abandoned write was never dropped and lands, once.
    rig.db.pragma("max_page_count=1000000");
    bool landed = false;
    for (int i = 0; i < 3000 && !landed; ++i) {
        landed = rig.db.signals("BTCUSDT", 10).size() == 1;
        if (!landed) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(landed);
    for (auto& h : filler) CHECK(h->wait().is_ok());
    CHECK(rig.db.signals("BTCUSDT", 10).size() == 1);
}

namespace {

// Candle 2 decides BUY, candle 3 BUY, candle 6 BUY: for the operator's commands.
bot::StrategyFactory buys_factory() {
    return [](const config::StrategyConfig&) {
        return std::make_unique<ScriptStrategy>([](const exchange::Kline& k) {
            const auto n = k.open_time_ms / 60000;
            return n == 2 || n == 3 || n == 6 ? std::optional<Side>(Side::kBuy) : std::nullopt;
        });
    };
}

std::size_t orders_of(storage::Database& db) { return db.orders("BTCUSDT", 100).size(); }

}  // namespace

TEST_CASE(
    "bot: an operator's pause is committed when it is done, survives a restart, and holds "
    "BUYs",
    "[bot][operator]") {
    Rig rig;
    {
        bot::TradingBot bot(rig.settings(), rig.deps(buys_factory()));
        bot.start();
        const bot::CommandDone done =
            bot.handle(bot::OperatorCommand{bot::CommandKind::kPause, "alice@desk", 7, 0});
        CHECK(done == bot::CommandDone{7, bot::CommandKind::kPause, true, "paused"});
        // Committed before handle() returned: another connection sees it now.
        storage::Reader reader(rig.path);
        auto stored = reader.state("BTCUSDT", bot::kControlStateKey);
        REQUIRE(stored);
        CHECK(bot::ControlState::from_json(*stored) == bot::ControlState{true, "alice@desk"});
        CHECK(rig.stats.paused.load());
        bot.handle(closed_kline("BTCUSDT", 2 * 60000, "20000"));
        bot.flush();
    }
    CHECK(rig.db.signals("BTCUSDT", 100).size() == 1);  // the BUY is recorded ...
    CHECK(orders_of(rig.db) == 0);                      // ... and not ordered
    CHECK(rig.gateway.placed == 0);

    // A restarted bot is still paused, until an operator resumes it.
    bot::TradingBot bot(rig.settings(), rig.deps(buys_factory()));
    bot.start();
    bot.handle(closed_kline("BTCUSDT", 3 * 60000, "20000"));
    CHECK(orders_of(rig.db) == 0);
    CHECK(bot.handle(bot::OperatorCommand{bot::CommandKind::kResume, "bob@desk", 8, 0}).ok);
    CHECK_FALSE(rig.stats.paused.load());
    bot.handle(closed_kline("BTCUSDT", 6 * 60000, "20000"));
    bot.flush();
    CHECK(orders_of(rig.db) == 1);
    CHECK(bot.position().quantity() == dec("0.005"));
}

TEST_CASE(
    "bot: flatten sells the position with a write-ahead order of strategy operator, then "
    "pauses",
    "[bot][operator]") {
    Rig rig;
    bot::TradingBot bot(rig.settings(), rig.deps(buys_factory()));
    bot.start();
    bot.handle(closed_kline("BTCUSDT", 2 * 60000, "20000"));
    REQUIRE(bot.position().quantity() == dec("0.005"));
    const bot::CommandDone done =
        bot.handle(bot::OperatorCommand{bot::CommandKind::kFlatten, "alice@desk", 9, 123456});
    CHECK(done == bot::CommandDone{9, bot::CommandKind::kFlatten, true, "sold 0.005; paused"});
    CHECK(bot.position().quantity().is_zero());
    CHECK(rig.gateway.placed == 2);
    CHECK(rig.gateway.seen_pending_in_db == 2);  // the SELL was written ahead too
    auto signals = rig.db.signals("BTCUSDT", 100);
    REQUIRE(signals.size() == 2);
    CHECK(signals[0].strategy == "operator");
    CHECK(signals[0].side == "SELL");
    CHECK(signals[0].reason == "flatten by alice@desk");
    CHECK(signals[0].event_time_ms == 123456);
    auto order = rig.db.order("tb-BTCUSDT-" + std::to_string(signals[0].id));
    REQUIRE(order);
    CHECK(order->status == "FILLED");
    CHECK(order->quantity == "0.005");
    auto pos = rig.db.position("BTCUSDT");
    REQUIRE(pos);
    CHECK(dec(pos->quantity).is_zero());
    auto control = rig.db.state("BTCUSDT", bot::kControlStateKey);
    REQUIRE(control);
    CHECK(bot::ControlState::from_json(*control)->paused);
    // Paused now: the next BUY is a signal only.
    bot.handle(closed_kline("BTCUSDT", 3 * 60000, "20000"));
    CHECK(rig.gateway.placed == 2);
}

namespace {

// The real paper gateway behind an exchange whose answers get lost: place() reaches it but
// reports no answer; lookups answer as told.
class LossyGateway final : public exchange::OrderGateway {
public:
    std::optional<exchange::SymbolRules> rules(const std::string& s) override {
        return paper.rules(s);
    }
    exchange::OrderResult place(const exchange::OrderRequest& r) override {
        ++placed;
        (void)paper.place(r);
        if (on_place) on_place();
        exchange::OrderResult lost;
        lost.status = exchange::OrderStatus::kUnknown;
        lost.reason = "timeout";
        return lost;
    }
    std::optional<exchange::OrderResult> query(const std::string& s,
                                               const std::string& id) override {
        ++queried;
        if (queries_fail) {
            exchange::OrderResult still;
            still.status = exchange::OrderStatus::kUnknown;
            still.reason = "timeout again";
            return still;
        }
        return paper.query(s, id);
    }
    std::optional<exchange::OrderResult> cancel(const std::string& s,
                                                const std::string& id) override {
        return paper.cancel(s, id);
    }

    exchange::PaperGateway paper{dec("0.001"), &runtime_test::test_rules,
                                 [] { return std::int64_t{1000}; }};
    std::function<void()> on_place;
    bool queries_fail = false;
    int placed = 0;
    int queried = 0;
};

}  // namespace

TEST_CASE("bot: an order without an answer is looked up, never placed twice", "[bot]") {
    Rig rig;
    LossyGateway lossy;
    bot::BotDeps deps = rig.deps(buys_factory());
    deps.gateway = &lossy;
    bot::TradingBot bot(rig.settings(), deps);
    bot.start();
    bot.handle(closed_kline("BTCUSDT", 2 * 60000, "20000"));
    CHECK(lossy.placed == 1);
    CHECK(lossy.queried == 1);  // the first lookup found it filled
    auto orders = rig.db.orders("BTCUSDT", 10);
    REQUIRE(orders.size() == 1);
    CHECK(orders[0].status == "FILLED");
    CHECK(bot.position().quantity() == dec("0.005"));

    // Lookups that keep failing: asked kUnknownQueries times, then left UNKNOWN for the next
    // start.
    lossy.queries_fail = true;
    bot.handle(closed_kline("BTCUSDT", 3 * 60000, "20000"));
    CHECK(lossy.placed == 2);
    CHECK(lossy.queried == 1 + bot::SymbolEngine::kUnknownQueries);
    CHECK(rig.db.unresolved_orders("BTCUSDT").size() == 1);
    CHECK(rig.db.unresolved_orders("BTCUSDT")[0].status == "UNKNOWN");
}

TEST_CASE("bot: a stop abandons the wait before a lookup, the order stays written ahead",
          "[bot][stall]") {
    Rig rig;
    LossyGateway lossy;
    std::atomic<bool> abandon{false};
    lossy.on_place = [&] { abandon = true; };  // the stop comes while the order is out
    bot::BotDeps deps = rig.deps(buys_factory());
    deps.gateway = &lossy;
    deps.abandon = &abandon;
    bot::TradingBot bot(rig.settings(), deps);
    bot.start();
    CHECK_THROWS_WITH(bot.handle(closed_kline("BTCUSDT", 2 * 60000, "20000")),
                      Catch::Contains("still unanswered when the stop came"));
    CHECK(lossy.queried == 0);
    auto unresolved = rig.db.unresolved_orders("BTCUSDT");
    REQUIRE(unresolved.size() == 1);
    CHECK(unresolved[0].status == "PENDING");
}
