// Supervisor: routing to per-symbol bots, restart of a failing bot while the others carry on,
// graceful stop that loses nothing, reload adding and removing symbols.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "bot/runtime/supervisor.h"
#include "exchange/sim/paper_gateway.h"
#include "runtime_fakes.h"
#include "storage/database.h"
#include "support/temp_dir.h"

using config::Decimal;
using exchange::Side;
using namespace runtime_test;  // the runtime test fakes

namespace {

// Every candle decides: BUY on odd ones, SELL on even ones.
std::optional<Side> alternate(const exchange::Kline& k) {
    return (k.open_time_ms / 60000) % 2 == 1 ? Side::kBuy : Side::kSell;
}

config::SymbolConfig symbol(const std::string& name, int fast = 9) {
    config::SymbolConfig s;
    s.symbol = name;
    s.strategy.interval = "1m";
    s.strategy.params["fast"] = fast;
    return s;
}

config::Config make_config(std::vector<config::SymbolConfig> symbols) {
    config::Config c;
    c.symbols = std::move(symbols);
    c.log.heartbeat_s = 0;
    return c;
}

struct Rig {
    testing_support::TempDir dir;
    storage::Database db{dir.file("sup.db")};
    ScriptedStream stream;
    exchange::PaperGateway gateway{Decimal::from_string("0.001"), &runtime_test::test_rules};
};

// A strategy config with fast == 7 marks the symbol whose strategy throws once, on candle 3.
std::atomic<int> g_throws{0};
bot::StrategyFactory factory() {
    return [](const config::StrategyConfig& c) -> std::unique_ptr<bot::Strategy> {
        if (c.integer("fast") == 7) {
            return std::make_unique<ScriptStrategy>(alternate, [](const exchange::Kline& k) {
                if (k.open_time_ms == 3 * 60000 && g_throws.fetch_add(1) == 0) {
                    throw std::runtime_error("scripted strategy failure on candle 3");
                }
            });
        }
        return std::make_unique<ScriptStrategy>(alternate);
    };
}

bot::SupervisorOptions options() {
    bot::SupervisorOptions o;
    o.restart_initial = std::chrono::milliseconds(50);
    o.restart_max = std::chrono::milliseconds(400);
    o.drain_timeout = std::chrono::seconds(60);  // tests want "nothing lost", not speed
    o.strategy_factory = factory();
    return o;
}

std::size_t signal_count(storage::Database& db, const std::string& sym) {
    return db.signals(sym, 100000).size();
}

}  // namespace

TEST_CASE("supervisor: a bot whose strategy throws is restarted, the others carry on",
          "[supervisor][threads]") {
    g_throws = 0;
    Rig rig;
    bot::Supervisor sup(make_config({symbol("BTCUSDT"), symbol("ETHUSDT", 7), symbol("XRPUSDT")}),
                        rig.db, rig.stream, rig.gateway, options());
    sup.start();
    constexpr int kCandles = 20;
    for (int i = 1; i <= kCandles; ++i) {
        for (const char* s : {"BTCUSDT", "ETHUSDT", "XRPUSDT"}) {
            REQUIRE(rig.stream.push(closed_kline(s, i * 60000, i % 2 ? "20000" : "20100")));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Wait (generously) until the failed bot is back and has handled everything queued.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (signal_count(rig.db, "ETHUSDT") < kCandles - 1 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    sup.stop();

    CHECK(g_throws.load() == 1);
    std::map<std::string, const bot::BotStats*> stats;
    for (const auto& v : sup.bots()) stats[v.symbol] = v.stats.get();
    REQUIRE(stats.size() == 3);
    CHECK(stats["ETHUSDT"]->restarts.load() == 1);
    CHECK(stats["ETHUSDT"]->last_error().find("candle 3") != std::string::npos);
    CHECK(stats["BTCUSDT"]->restarts.load() == 0);
    // Every candle of the healthy symbols decided; the failing one lost only candle 3.
    CHECK(signal_count(rig.db, "BTCUSDT") == kCandles);
    CHECK(signal_count(rig.db, "XRPUSDT") == kCandles);
    CHECK(signal_count(rig.db, "ETHUSDT") == kCandles - 1);
}

TEST_CASE("supervisor: stop drains every queued candle before returning", "[supervisor][threads]") {
    Rig rig;
    bot::Supervisor sup(make_config({symbol("BTCUSDT"), symbol("ETHUSDT")}), rig.db, rig.stream,
                        rig.gateway, options());
    sup.start();
    constexpr int kCandles = 60;
    for (int i = 1; i <= kCandles; ++i) {
        rig.stream.push(closed_kline("BTCUSDT", i * 60000, "20000"));
        rig.stream.push(closed_kline("ETHUSDT", i * 60000, "2000"));
    }
    sup.stop();
    CHECK(signal_count(rig.db, "BTCUSDT") == kCandles);
    CHECK(signal_count(rig.db, "ETHUSDT") == kCandles);
    CHECK_FALSE(rig.stream.push(closed_kline("BTCUSDT", 999 * 60000, "1")));  // stream stopped
    // Every order reached a final state: nothing left PENDING.
    for (const auto& o : rig.db.orders("", 100000)) CHECK(o.status != "PENDING");
}

TEST_CASE("supervisor: reload starts added symbols and stops removed ones",
          "[supervisor][threads]") {
    Rig rig;
    bot::Supervisor sup(make_config({symbol("BTCUSDT"), symbol("XRPUSDT")}), rig.db, rig.stream,
                        rig.gateway, options());
    sup.start();
    rig.stream.push(closed_kline("BTCUSDT", 60000, "20000"));
    rig.stream.push(closed_kline("XRPUSDT", 60000, "0.5"));

    auto next = make_config({symbol("BTCUSDT"), symbol("SOLUSDT")});
    next.trading.quote_per_trade = Decimal::from_int(50);  // cannot apply live: kept
    bot::ReloadSummary summary = sup.reload(next);
    CHECK(summary.added == std::vector<std::string>{"SOLUSDT"});
    CHECK(summary.removed == std::vector<std::string>{"XRPUSDT"});
    CHECK(summary.restarted.empty());
    CHECK(std::find(summary.not_applied.begin(), summary.not_applied.end(),
                    "trading.quote_per_trade") != summary.not_applied.end());
    CHECK(sup.config().trading.quote_per_trade == Decimal::from_int(100));
    CHECK(rig.stream.symbols() == std::vector<std::string>{"BTCUSDT", "SOLUSDT"});

    rig.stream.push(closed_kline("SOLUSDT", 60000, "150"));
    rig.stream.push(closed_kline("XRPUSDT", 2 * 60000, "0.5"));  // no bot any more
    sup.stop();
    CHECK(signal_count(rig.db, "SOLUSDT") == 1);
    CHECK(signal_count(rig.db, "XRPUSDT") == 1);  // the candle before the reload was drained
    CHECK(sup.unrouted() >= 1);
}

TEST_CASE("supervisor: a changed strategy restarts that symbol only", "[supervisor][threads]") {
    Rig rig;
    bot::Supervisor sup(make_config({symbol("BTCUSDT"), symbol("ETHUSDT")}), rig.db, rig.stream,
                        rig.gateway, options());
    sup.start();
    auto summary = sup.reload(make_config({symbol("BTCUSDT"), symbol("ETHUSDT", 5)}));
    CHECK(summary.restarted == std::vector<std::string>{"ETHUSDT"});
    CHECK(summary.added.empty());
    CHECK(summary.removed.empty());
    CHECK(summary.not_applied.empty());
    sup.stop();
}

TEST_CASE("supervisor: a changed risk rule restarts the symbols it applies to",
          "[supervisor][threads]") {
    Rig rig;
    bot::Supervisor sup(make_config({symbol("BTCUSDT"), symbol("ETHUSDT")}), rig.db, rig.stream,
                        rig.gateway, options());
    sup.start();
    // ETHUSDT gets a stop-loss of its own; BTCUSDT's rules stay as they were.
    auto next = make_config({symbol("BTCUSDT"), symbol("ETHUSDT")});
    next.symbols[1].risk.stop_loss_pct = Decimal::from_int(2);
    auto summary = sup.reload(next);
    CHECK(summary.restarted == std::vector<std::string>{"ETHUSDT"});
    CHECK(summary.not_applied.empty());
    CHECK(sup.config().symbols[1].risk.stop_loss_pct == Decimal::from_int(2));
    // A top-level change is applied through the symbols it reaches: not a key left for later.
    auto both = next;
    both.risk.max_daily_loss_quote = Decimal::from_int(50);
    both.symbols[0].risk.max_daily_loss_quote = Decimal::from_int(50);
    both.symbols[1].risk.max_daily_loss_quote = Decimal::from_int(50);
    summary = sup.reload(both);
    CHECK(summary.restarted == std::vector<std::string>{"BTCUSDT", "ETHUSDT"});
    CHECK(summary.not_applied.empty());
    CHECK(sup.config().risk.max_daily_loss_quote == Decimal::from_int(50));
    sup.stop();
}

TEST_CASE("supervisor: every running bot makes progress", "[supervisor][threads]") {
    Rig rig;
    bot::Supervisor sup(make_config({symbol("BTCUSDT")}), rig.db, rig.stream, rig.gateway,
                        options());
    sup.start();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool running = false;
    while (!running && std::chrono::steady_clock::now() < deadline) {
        running = sup.bots().front().stats->running.load();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(running);
    CHECK(sup.all_progressing(std::chrono::seconds(30)));
    sup.stop();
}
