// The replay: the daemon's trading core fed from files through ReplayBot, rows through the
// ResultWriter into a real SQLite file. The first case drives a TradingBot the daemon's way
// (write-ahead, one synchronous commit per step) on the same candles and checks both databases
// hold the same rows.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backtest/archive/data_error.h"
#include "backtest/replay/result_writer.h"
#include "backtest/report/summary.h"
#include "backtest/runner.h"
#include "bot/runtime/bot_stats.h"
#include "bot/runtime/trading_bot.h"
#include "config/calendar.h"
#include "config/loader.h"
#include "exchange/market_stream.h"
#include "exchange/sim/paper_gateway.h"
#include "exchange/sim/rules.h"
#include "kline_files.h"
#include "storage/database.h"
#include "storage/reader.h"
#include "support/config.h"
#include "support/temp_dir.h"

using config::Decimal;
using testing_support::TempDir;
namespace fs = std::filesystem;

namespace {

const std::int64_t kStart = config::utc_ms(2024, 1, 30);

class NoHistory final : public exchange::MarketStream {
public:
    void start(const std::vector<std::string>&, exchange::EventSink) override {}
    void set_symbols(const std::vector<std::string>&) override {}
    void stop() override {}
    std::vector<exchange::Kline> history(const std::string&, const std::string&, int) override {
        return {};
    }
    exchange::StreamStats stats() const override { return {}; }
};

std::shared_ptr<spdlog::logger> quiet_logger() {
    auto log = std::make_shared<spdlog::logger>("test");  // no sinks
    log->set_level(spdlog::level::off);
    return log;
}

config::Config config_for(
    const std::string& symbols_json,
    const std::string& strategy_json = R"({"name": "ema_cross", "fast": 3, "slow": 7})") {
    return testing_support::parse_config(
        R"({"trading": {"quote_per_trade": "100", "max_position_quote": "300",
                                                "fee_rate": "0.001"},
                                    "strategy": )" +
        strategy_json + R"(, "symbols": )" + symbols_json + "}");
}

backtest::BacktestResult run(const TempDir& tmp, const config::Config& cfg,
                             const std::string& db = "bt.db") {
    backtest::BacktestOptions o;
    o.strategies = testing_support::builtin_strategies();
    o.config = cfg;
    o.data_dir = tmp.path() / "data";
    o.db_path = tmp.path() / db;
    o.log = quiet_logger();
    return backtest::run_backtest(o);
}

// What a row says, without the wall-clock stamps storage adds.
std::string key(const storage::Signal& s) {
    return s.symbol + "|" + s.side + "|" + s.price + "|" + s.strategy + "|" + s.reason + "|" +
           std::to_string(s.event_time_ms) + "|" + std::to_string(s.id);
}
std::string key(const storage::Order& o) {
    return o.client_order_id + "|" + o.symbol + "|" + o.side + "|" + o.type + "|" + o.quantity +
           "|" + o.price + "|" + o.status + "|" + o.exchange_order_id + "|" + o.reason + "|" +
           std::to_string(o.signal_id.value_or(-1));
}
std::string key(const storage::Fill& f) {
    return f.client_order_id + "|" + f.symbol + "|" + f.side + "|" + f.price + "|" + f.quantity +
           "|" + f.fee + "|" + f.fee_asset + "|" + f.trade_id + "|" +
           std::to_string(f.trade_time_ms);
}
std::string key(const storage::Position& p) {
    return p.symbol + "|" + p.quantity + "|" + p.avg_entry_price + "|" + p.realized_pnl + "|" +
           p.fees_paid;
}

template <class T>
std::vector<std::string> keys(const std::vector<T>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(key(r));
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("a replay writes exactly the rows the daemon's bot writes on the same candles",
          "[replay]") {
    TempDir tmp;
    const auto rows = backtest_test::walk(kStart, 1500, 60000, 11);  // crosses into February
    backtest_test::write_monthly(tmp.path() / "data", "BTCUSDT", "1m", rows);
    const config::Config cfg = config_for(R"(["BTCUSDT"])");
    const backtest::BacktestResult result = run(tmp, cfg);

    // The daemon's way: write-ahead orders, one synchronous commit per step.
    const std::string daemon_db = tmp.file("daemon.db");
    {
        storage::Database db(daemon_db);
        std::int64_t now = 0;
        exchange::PaperGateway paper(
            cfg.trading.fee_rate, [](const std::string& s) { return exchange::sim_rules(s); },
            [&now] { return now; });
        NoHistory stream;
        bot::BotStats stats;
        bot::BotSettings settings;
        settings.symbol = cfg.symbols.at(0);
        settings.trading = cfg.trading;
        bot::BotDeps deps;
        deps.db = &db;
        deps.stream = &stream;
        deps.gateway = &paper;
        deps.stats = &stats;
        deps.log = quiet_logger();
        deps.strategy_factory = [](const config::StrategyConfig& c) {
            return bot::make_strategy(testing_support::builtin_strategies(), c);
        };
        bot::TradingBot bot(settings, deps);
        bot.start();
        for (const auto& r : rows) {
            exchange::Kline k;
            k.symbol = "BTCUSDT";
            k.interval = "1m";
            k.open_time_ms = r.open_ms;
            k.close_time_ms = r.open_ms + 59999;
            k.event_time_ms = now = r.open_ms + 60000;
            k.open = Decimal::from_string(r.open);
            k.high = Decimal::from_string(r.high);
            k.low = Decimal::from_string(r.low);
            k.close = Decimal::from_string(r.close);
            k.volume = Decimal::from_string(r.volume);
            k.closed = true;
            bot.handle(k);
        }
        bot.flush();
    }
    storage::Database::close_all_cached();

    storage::Reader daemon(daemon_db);
    storage::Reader replay(tmp.file("bt.db"));
    const auto signals = replay.signals("", 1000000);
    REQUIRE(signals.size() > 20);  // the walk must give the test something to compare
    CHECK(keys(signals) == keys(daemon.signals("", 1000000)));
    CHECK(keys(replay.orders("", 1000000)) == keys(daemon.orders("", 1000000)));
    CHECK(keys(replay.fills("", 1000000)) == keys(daemon.fills("", 1000000)));
    CHECK(keys(replay.positions()) == keys(daemon.positions()));
    CHECK(replay.integrity_check() == "ok");
    {
        storage::Database a(daemon_db), b(tmp.file("bt.db"));
        CHECK(a.states("BTCUSDT") == b.states("BTCUSDT"));
        CHECK(b.state("BTCUSDT", bot::kStrategyStateKey).has_value());
    }
    storage::Database::close_all_cached();

    // Orders fill at the close of the candle that produced the signal, stamped when it closed.
    for (const auto& f : replay.fills("", 1000000)) {
        const auto it = std::find_if(rows.begin(), rows.end(), [&](const backtest_test::Row& r) {
            return r.open_ms + 60000 == f.trade_time_ms;
        });
        REQUIRE(it != rows.end());
        CHECK(Decimal::from_string(f.price) == Decimal::from_string(it->close));
    }
    const auto& perf = result.symbols.at(0).performance;
    CHECK(perf.candles == rows.size());
    CHECK(perf.signals == signals.size());
    CHECK(perf.trades == replay.fills("", 1000000).size());
    const storage::Counts n = replay.counts();
    CHECK(static_cast<std::int64_t>(result.rows) ==
          n.signals + n.orders + n.fills + n.positions + n.state);
}

TEST_CASE("symbols replay in parallel into one database, each order linked to its signal",
          "[replay]") {
    TempDir tmp;
    const std::vector<std::string> symbols = {"BTCUSDT", "ETHUSDT", "XRPUSDT", "BNBUSDT",
                                              "SOLUSDT"};
    for (std::size_t i = 0; i < symbols.size(); ++i) {
        backtest_test::write_monthly(tmp.path() / "data", symbols[i], "1m",
                                     backtest_test::walk(kStart, 2000, 100 + 50.0 * i, i + 1, 4));
    }
    const auto result =
        run(tmp, config_for(R"(["BTCUSDT", "ETHUSDT", "XRPUSDT", "BNBUSDT", "SOLUSDT"])"));
    REQUIRE(result.symbols.size() == symbols.size());
    storage::Reader r(tmp.file("bt.db"));
    const auto signals = r.signals("", 1000000);
    std::map<std::int64_t, storage::Signal> by_id;
    for (const auto& s : signals) by_id[s.id] = s;
    CHECK(by_id.size() == signals.size());
    std::uint64_t expected_signals = 0;
    for (const auto& s : result.symbols) expected_signals += s.performance.signals;
    CHECK(signals.size() == expected_signals);
    CHECK(by_id.begin()->first == 1);
    CHECK(by_id.rbegin()->first == static_cast<std::int64_t>(signals.size()));
    for (const auto& o : r.orders("", 1000000)) {
        REQUIRE(o.signal_id);
        const auto it = by_id.find(*o.signal_id);
        REQUIRE(it != by_id.end());
        CHECK(it->second.symbol == o.symbol);
        CHECK(it->second.side == o.side);
        CHECK(o.client_order_id == "tb-" + o.symbol + "-" + std::to_string(*o.signal_id));
        CHECK(o.status == "FILLED");
    }
    CHECK(r.positions().size() == symbols.size());
}

TEST_CASE("the ResultWriter numbers signals from several threads as storage does", "[replay]") {
    TempDir tmp;
    storage::Database db(tmp.file("w.db"));
    backtest::ResultWriter writer(db, 64, 2);
    constexpr int kThreads = 4;
    constexpr int kEach = 250;
    std::atomic<int> failures{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < kThreads; ++t) {
        pool.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                storage::Signal s;
                s.symbol = "SYM" + std::to_string(t);
                s.side = "BUY";
                s.price = std::to_string(i);
                s.strategy = "test";
                s.event_time_ms = i;
                const std::int64_t id = writer.add_signal(s);
                storage::Order o;
                o.client_order_id = "tb-" + s.symbol + "-" + std::to_string(id);
                o.symbol = s.symbol;
                o.side = "BUY";
                o.quantity = "1";
                o.status = "FILLED";
                o.signal_id = id;
                storage::WriteBatch b;
                b.upsert_order(o);
                try {
                    writer.add(std::move(b));
                } catch (...) {
                    failures.fetch_add(1);
                }
            }
        });
    }
    for (auto& t : pool) t.join();
    CHECK(failures.load() == 0);
    REQUIRE_NOTHROW(writer.finish());
    CHECK(writer.rows() == 2 * kThreads * kEach);
    for (const auto& o : db.orders("", 100000)) {
        const auto signals = db.signals(o.symbol, 100000);
        const bool found = std::any_of(signals.begin(), signals.end(),
                                       [&](const auto& s) { return s.id == *o.signal_id; });
        CHECK(found);
    }
    CHECK(db.counts().signals == kThreads * kEach);

    // A database that already holds signals cannot be numbered.
    CHECK_THROWS_WITH(backtest::ResultWriter(db), Catch::Contains("fresh database"));
    db.close();
    storage::Database::close_all_cached();
}

TEST_CASE("no files, no candles in range, an existing database: refused before any row",
          "[replay]") {
    TempDir tmp;
    backtest_test::write_monthly(tmp.path() / "data", "BTCUSDT", "1m",
                                 backtest_test::walk(kStart, 100, 100, 3));
    CHECK_THROWS_WITH(run(tmp, config_for(R"(["BTCUSDT", "ETHUSDT"])")),
                      "no data for ETHUSDT: no file named ETHUSDT-1m-<YYYY-MM>[-<DD>].csv|.zip "
                      "under " +
                          (tmp.path() / "data").string());
    CHECK_FALSE(fs::exists(tmp.file("bt.db")));

    backtest::BacktestOptions o;
    o.strategies = testing_support::builtin_strategies();
    o.config = config_for(R"(["BTCUSDT"])");
    o.data_dir = tmp.path() / "data";
    o.db_path = tmp.file("bt.db");
    o.log = quiet_logger();
    o.from_ms = config::utc_ms(2024, 1, 31);
    o.to_ms = config::utc_ms(2024, 2, 1);
    CHECK_THROWS_AS(backtest::run_backtest(o), backtest::NoDataError);
    CHECK_FALSE(fs::exists(tmp.file("bt.db")));

    backtest_test::write_file(tmp.file("bt.db"), "precious");
    CHECK_THROWS_WITH(run(tmp, config_for(R"(["BTCUSDT"])")),
                      Catch::Contains("already exists; refusing to overwrite it"));
    CHECK(backtest_test::read_file(tmp.file("bt.db")) == "precious");
}

TEST_CASE("bad data found mid-run leaves no database behind", "[replay]") {
    TempDir tmp;
    const auto rows = backtest_test::walk(kStart, 3000, 100, 5);  // January and February
    auto files = backtest_test::write_monthly(tmp.path() / "data", "BTCUSDT", "1m", rows);
    REQUIRE(files.size() == 2);
    std::string feb = backtest_test::read_file(files[1]);
    feb += "1707000000000,1,2,3\n";
    backtest_test::write_file(files[1], feb);
    const auto lines = std::count(feb.begin(), feb.end(), '\n');
    CHECK_THROWS_WITH(
        run(tmp, config_for(R"(["BTCUSDT"])")),
        files[1].string() + ":" + std::to_string(lines) + ": row: expected 12 fields, got 4");
    for (const auto& e : fs::directory_iterator(tmp.path())) {
        INFO(e.path());
        CHECK(e.path().filename() == "data");
    }
}

TEST_CASE("a symbol the sim does not list gets its step from its first price", "[replay]") {
    TempDir tmp;
    // ABCUSDT trades near 7000; whatever price the sim makes up for it, a quote_per_trade of
    // 100 must still buy a sensible quantity.
    backtest_test::write_monthly(tmp.path() / "data", "ABCUSDT", "1m",
                                 backtest_test::walk(kStart, 1500, 7000, 9));
    const auto result = run(tmp, config_for(R"(["ABCUSDT"])"));
    const auto& p = result.symbols.at(0).performance;
    REQUIRE(p.signals > 10);
    CHECK(p.trades > 10);
    CHECK(p.rejected == 0);
}

TEST_CASE("the JSON summary: exact money as strings, the same figures as the table", "[replay]") {
    TempDir tmp;
    backtest_test::write_monthly(tmp.path() / "data", "BTCUSDT", "1m",
                                 backtest_test::walk(kStart, 600, 60000, 21));
    backtest_test::write_monthly(tmp.path() / "data", "ETHUSDT", "1m",
                                 backtest_test::walk(kStart, 600, 3000, 22));
    const auto result = run(tmp, config_for(R"(["BTCUSDT", "ETHUSDT"])"));
    const nlohmann::json j = backtest::to_json(result);
    REQUIRE(j["symbols"].size() == 2);
    for (const auto& s : j["symbols"]) {
        CHECK(s["realized_pnl"].is_string());
        CHECK(s["fees"].is_string());
        CHECK(s["capital"] == "300");
        CHECK(s["quote_asset"] == "USDT");
        CHECK(s["candles"] == 600);
        CHECK(Decimal::parse(s["realized_pnl"].get<std::string>()));
    }
    const auto& a = result.symbols[0].performance;
    const auto& b = result.symbols[1].performance;
    CHECK(j["total"]["realized_pnl"] == (a.realized_pnl + b.realized_pnl).to_string());
    CHECK(j["total"]["fees"] == (a.fees + b.fees).to_string());
    CHECK(j["total"]["signals"] == a.signals + b.signals);
    CHECK(j["total"]["capital"] == "600");
    const std::string table = backtest::render_table(result);
    CHECK(table.find("symbol") == 0);
    CHECK(table.find("\nBTCUSDT ") != std::string::npos);
    CHECK(table.find("\ntotal ") != std::string::npos);
    CHECK(table.find(a.realized_pnl.to_string() + " USDT") != std::string::npos);
}
