// tradebotd end to end: the real binary on the sim exchange in a temporary folder, its database
// read through storage::Reader (another connection, as tradebotctl does), real signals.
// Deadlines are generous: they bound a hang, they do not measure speed.
#include "support/daemon.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config/decimal.h"
#include "daemon_support.h"
#include "storage/errors.h"
#include "storage/reader.h"
#include "support/child_process.h"
#include "support/storage.h"
#include "support/temp_dir.h"

using config::Decimal;
using nlohmann::json;
using testing_support::ChildProcess;
using testing_support::start_daemon;
using testing_support::TempDir;
using namespace daemon_test;

namespace {

std::set<std::string> symbols_with_signals(const storage::Reader& r) {
    std::set<std::string> out;
    for (const auto& s : r.signals("", 100000)) out.insert(s.symbol);
    return out;
}

bool has_signals_for(const storage::Reader& r, const std::vector<std::string>& symbols) {
    auto have = symbols_with_signals(r);
    for (const auto& s : symbols) {
        if (!have.count(s)) return false;
    }
    return true;
}

Decimal dec(const std::string& s) { return Decimal::from_string(s); }

std::map<std::string, Decimal> position_quantities(const storage::Reader& r) {
    std::map<std::string, Decimal> out;
    for (const auto& p : r.positions()) out[p.symbol] = dec(p.quantity);
    return out;
}

}  // namespace

TEST_CASE("daemon: three symbols trade on the sim, SIGTERM stops cleanly within 5 s",
          "[daemon][integration]") {
    TempDir dir;
    const std::vector<std::string> symbols{"BTCUSDT", "ETHUSDT", "XRPUSDT"};
    auto config = write_config(dir, sim_config(dir, symbols));
    auto daemon = start_daemon(dir, config, {{"BINANCE_API_SECRET", "do-not-print-me-4242"}});

    bool all = wait_for_db(db_path(dir),
                           [&](const storage::Reader& r) { return has_signals_for(r, symbols); });
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(all);
    // A heartbeat per bot (heartbeat_s 1).
    REQUIRE(daemon->wait_until_output(
        [](const std::string& e) {
            return e.find("[XRPUSDT] heartbeat") != std::string::npos &&
                   e.find("[BTCUSDT] heartbeat") != std::string::npos;
        },
        kLong, true));

    // tradebotctl reads while the daemon writes.
    for (const auto& sym : symbols) {
        auto r = testing_support::run(
            {kCtl, "--db", db_path(dir), "signals", "--symbol", sym, "--json"}, kLong);
        INFO(sym << " " << r.err);
        CHECK(r.exit_code == 0);
        CHECK_NOTHROW(json::parse(r.out));
        CHECK(r.out.find("\"" + sym + "\"") != std::string::npos);
    }
    CHECK(testing_support::run({kCtl, "--db", db_path(dir), "check"}, kLong).exit_code == 0);

    auto code = terminate(*daemon, std::chrono::seconds(5));
    REQUIRE(code.has_value());
    CHECK(*code == 0);

    const std::string err = daemon->stderr_text();
    CHECK(err.find("tradebotd " TRADEBOT_VERSION " starting") != std::string::npos);
    CHECK(err.find("exchange=sim mode=paper symbols=BTCUSDT,ETHUSDT,XRPUSDT") != std::string::npos);
    CHECK(std::regex_search(
        err,
        std::regex(
            R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} info \[(BTCUSDT|ETHUSDT|XRPUSDT)\] signal (BUY|SELL) price=\S+ id=\d+)")));
    CHECK(err.find("stopped cleanly") != std::string::npos);
    CHECK(err.find("do-not-print-me-4242") == std::string::npos);

    storage::Reader r(db_path(dir));
    CHECK(r.integrity_check() == "ok");
    // A clean stop leaves no order half done.
    for (const auto& o : r.orders("", 100000)) CHECK(o.status != "PENDING");
    // Every fill belongs to a FILLED order and every FILLED order has its fill.
    std::set<std::string> filled;
    for (const auto& o : r.orders("", 100000)) {
        if (o.status == "FILLED") filled.insert(o.client_order_id);
    }
    std::set<std::string> with_fills;
    for (const auto& f : r.fills("", 100000)) with_fills.insert(f.client_order_id);
    CHECK(filled == with_fills);
}

TEST_CASE("daemon: a restart resumes positions and later trades build on them",
          "[daemon][integration]") {
    TempDir dir;
    const std::vector<std::string> symbols{"BTCUSDT", "ETHUSDT", "XRPUSDT"};
    auto config = write_config(dir, sim_config(dir, symbols));

    std::map<std::string, Decimal> before;
    std::int64_t last_fill_id = 0;
    {
        auto daemon = start_daemon(dir, config);
        bool traded = wait_for_db(db_path(dir), [](const storage::Reader& r) {
            for (const auto& p : r.positions()) {
                if (dec(p.quantity).is_positive()) return true;
            }
            return false;
        });
        INFO("stderr:\n" << daemon->stderr_text());
        REQUIRE(traded);
        auto code = terminate(*daemon, std::chrono::seconds(5));
        REQUIRE(code.has_value());
        REQUIRE(*code == 0);
        storage::Reader r(db_path(dir));
        before = position_quantities(r);
        for (const auto& f : r.fills("", 100000)) last_fill_id = std::max(last_fill_id, f.id);
    }

    auto daemon = start_daemon(dir, config);
    // Each bot says what it resumed from.
    for (const auto& [sym, qty] : before) {
        const std::string want = " position=" + qty.to_string() + " ";
        const std::string tag = "[" + sym + "] started:";
        INFO(sym << " expecting" << want);
        CHECK(daemon->wait_until_output(
            [&](const std::string& e) {
                auto at = e.find(tag);
                if (at == std::string::npos) return false;
                auto line = e.substr(at, e.find('\n', at) - at);
                return line.find(want) != std::string::npos;
            },
            kLong, true));
    }
    bool more = wait_for_db(db_path(dir), [&](const storage::Reader& r) {
        for (const auto& f : r.fills("", 100000)) {
            if (f.id > last_fill_id) return true;
        }
        return false;
    });
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(more);
    auto code = terminate(*daemon, std::chrono::seconds(5));
    REQUIRE(code.has_value());
    CHECK(*code == 0);

    // Final quantity = quantity after the first run + this run's buys - this run's sells.
    storage::Reader r(db_path(dir));
    std::map<std::string, Decimal> expected = before;
    for (const auto& f : r.fills("", 100000)) {
        if (f.id <= last_fill_id) continue;
        if (f.side == "BUY") {
            expected[f.symbol] += dec(f.quantity);
        } else {
            expected[f.symbol] -= dec(f.quantity);
        }
    }
    auto after = position_quantities(r);
    for (const auto& [sym, qty] : expected) {
        INFO(sym);
        CHECK(after[sym] == qty);
    }
}

TEST_CASE("daemon: SIGKILL mid-run loses no committed row, the restart finds the database intact",
          "[daemon][integration]") {
    TempDir dir;
    const std::vector<std::string> symbols{"BTCUSDT", "ETHUSDT", "XRPUSDT"};
    auto config = write_config(dir, sim_config(dir, symbols));

    std::set<std::int64_t> signal_ids;
    std::set<std::string> order_ids;
    std::set<std::int64_t> fill_ids;
    {
        auto daemon = start_daemon(dir, config);
        bool some = wait_for_db(db_path(dir), [](const storage::Reader& r) {
            return r.counts().fills >= 2 && r.counts().signals >= 5;
        });
        REQUIRE(some);
        storage::Reader r(db_path(dir));
        for (const auto& s : r.signals("", 100000)) signal_ids.insert(s.id);
        for (const auto& o : r.orders("", 100000)) order_ids.insert(o.client_order_id);
        for (const auto& f : r.fills("", 100000)) fill_ids.insert(f.id);
        daemon->signal(SIGKILL);
        auto code = daemon->wait_for(kLong);
        REQUIRE(code.has_value());
        CHECK(*code == 128 + SIGKILL);
    }
    {
        storage::Reader r(db_path(dir));
        CHECK(r.integrity_check() == "ok");
    }
    CHECK(testing_support::run({kCtl, "--db", db_path(dir), "check"}, kLong).exit_code == 0);

    auto daemon = start_daemon(dir, config);
    const auto signals_before = signal_ids.size();
    bool more = wait_for_db(db_path(dir), [&](const storage::Reader& r) {
        return r.counts().signals > static_cast<std::int64_t>(signals_before + 3);
    });
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(more);
    auto code = terminate(*daemon, std::chrono::seconds(5));
    REQUIRE(code.has_value());
    CHECK(*code == 0);

    storage::Reader r(db_path(dir));
    CHECK(r.integrity_check() == "ok");
    std::set<std::int64_t> signals_now;
    for (const auto& s : r.signals("", 100000)) signals_now.insert(s.id);
    std::set<std::string> orders_now;
    for (const auto& o : r.orders("", 100000)) {
        orders_now.insert(o.client_order_id);
        CHECK(o.status != "PENDING");  // a crash's leftovers are settled at start-up
    }
    std::set<std::int64_t> fills_now;
    for (const auto& f : r.fills("", 100000)) fills_now.insert(f.id);
    for (auto id : signal_ids) CHECK(signals_now.count(id) == 1);
    for (const auto& id : order_ids) CHECK(orders_now.count(id) == 1);
    for (auto id : fill_ids) CHECK(fills_now.count(id) == 1);
}

TEST_CASE("daemon: SIGHUP adds a fourth symbol, a bad new config is refused and the old one kept",
          "[daemon][integration]") {
    TempDir dir;
    std::vector<std::string> symbols{"BTCUSDT", "ETHUSDT", "XRPUSDT"};
    auto cfg = sim_config(dir, symbols);
    auto config = write_config(dir, cfg);
    auto daemon = start_daemon(dir, config);
    REQUIRE(
        wait_for_db(db_path(dir), [](const storage::Reader& r) { return r.counts().signals > 0; }));

    // A bad config first: refused with a log line, the daemon carries on.
    json bad = cfg;
    bad["strategy"]["fast"] = 0;
    write_config(dir, bad);
    daemon->signal(SIGHUP);
    REQUIRE(daemon->wait_until_output(
        [](const std::string& e) { return e.find("reload rejected") != std::string::npos; }, kLong,
        true));
    CHECK(daemon->stderr_text().find("strategy.fast") != std::string::npos);
    CHECK(daemon->running());

    // Then a good one with a fourth symbol.
    json good = sim_config(dir, {"BTCUSDT", "ETHUSDT", "XRPUSDT", "SOLUSDT"});
    write_config(dir, good);
    daemon->signal(SIGHUP);
    bool sol = wait_for_db(
        db_path(dir), [](const storage::Reader& r) { return !r.signals("SOLUSDT", 1).empty(); });
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(sol);
    CHECK(daemon->stderr_text().find("reload: added=SOLUSDT") != std::string::npos);
    auto code = terminate(*daemon, std::chrono::seconds(5));
    REQUIRE(code.has_value());
    CHECK(*code == 0);
}

TEST_CASE("daemon: --duration stops cleanly with exit 0", "[daemon][integration]") {
    TempDir dir;
    auto config = write_config(dir, sim_config(dir, {"BTCUSDT"}));
    ChildProcess p({kDaemon, "--config", config, "--duration", "1.5", "--log-level", "debug"}, {},
                   dir.path().string());
    auto code = p.wait_for(kLong);
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    CHECK(p.stderr_text().find("stopping (--duration elapsed)") != std::string::npos);
}

TEST_CASE("daemon: JSON log lines and the journald form", "[daemon][integration]") {
    TempDir dir;
    auto cfg = sim_config(dir, {"BTCUSDT"});
    cfg["log"]["format"] = "json";
    auto config = write_config(dir, cfg);
    {
        ChildProcess p({kDaemon, "--config", config, "--duration", "1"}, {}, dir.path().string());
        REQUIRE(p.wait_for(kLong) == std::optional<int>(0));
        std::string err = p.stderr_text();
        REQUIRE_FALSE(err.empty());
        std::size_t pos = 0;
        int lines = 0;
        while (pos < err.size()) {
            auto nl = err.find('\n', pos);
            REQUIRE(nl != std::string::npos);
            auto j = json::parse(err.substr(pos, nl - pos));
            CHECK(j.contains("ts"));
            CHECK(j.contains("level"));
            CHECK(j.contains("logger"));
            CHECK(j.contains("msg"));
            pos = nl + 1;
            ++lines;
        }
        CHECK(lines > 2);
    }
    cfg["log"]["format"] = "text";
    config = write_config(dir, cfg);
    {
        ChildProcess p({kDaemon, "--config", config, "--duration", "1"},
                       {{"JOURNAL_STREAM", "8:12345"}}, dir.path().string());
        REQUIRE(p.wait_for(kLong) == std::optional<int>(0));
        std::string err = p.stderr_text();
        CHECK(err.rfind("<6>info [main] tradebotd", 0) == 0);
        CHECK_FALSE(std::regex_search(err, std::regex(R"(\d\d:\d\d:\d\d\.\d{3})")));
    }
}

TEST_CASE("daemon: command line and config errors have their exit codes", "[daemon][integration]") {
    TempDir dir;
    auto run = [&](std::vector<std::string> args) {
        args.insert(args.begin(), kDaemon);
        return testing_support::run(args, kLong, {}, dir.path().string());
    };

    SECTION("bad flag: 64, saying which") {
        auto r = run({"--frobnicate"});
        CHECK(r.exit_code == 64);
        CHECK(r.err.find("--frobnicate") != std::string::npos);
        r = run({});
        CHECK(r.exit_code == 64);
        CHECK(r.err.find("--config") != std::string::npos);
        r = run({"--config", "x.json", "--log-level", "loud"});
        CHECK(r.exit_code == 64);
        CHECK(r.err.find("loud") != std::string::npos);
        r = run({"--config", "x.json", "--duration", "soon"});
        CHECK(r.exit_code == 64);
        r = run({"--config"});
        CHECK(r.exit_code == 64);
    }
    SECTION("--version and --help: 0") {
        auto r = run({"--version"});
        CHECK(r.exit_code == 0);
        CHECK(r.out == "tradebotd " TRADEBOT_VERSION "\n");
        r = run({"--help"});
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("--check-config") != std::string::npos);
    }
    SECTION("invalid config: 78 naming the key path") {
        auto cfg = sim_config(dir, {"BTCUSDT", "ETHUSDT", "XRPUSDT"});
        cfg["symbols"][2]["strategy"]["period"] = 0;
        auto r = run({"--config", write_config(dir, cfg)});
        CHECK(r.exit_code == 78);
        CHECK(r.err.find("symbols[2].strategy.period") != std::string::npos);
        r = run({"--config", dir.file("missing.json")});
        CHECK(r.exit_code == 78);
        CHECK(r.err.find("missing.json") != std::string::npos);
    }
    SECTION("--check-config prints the resolved config") {
        auto cfg = sim_config(dir, {"BTCUSDT", "XRPUSDT"});
        cfg.erase("log");
        auto r = run({"--config", write_config(dir, cfg), "--check-config"});
        REQUIRE(r.exit_code == 0);
        auto j = json::parse(r.out);
        CHECK(j["symbols"][0]["symbol"] == "BTCUSDT");
        CHECK(j["symbols"][1]["strategy"]["name"] == "rsi");
        CHECK(j["log"]["heartbeat_s"] == 10);                // defaults filled in
        CHECK_FALSE(std::filesystem::exists(db_path(dir)));  // nothing started
        cfg["trading"]["bogus"] = 1;
        r = run({"--config", write_config(dir, cfg), "--check-config"});
        CHECK(r.exit_code == 78);
        CHECK(r.err.find("trading.bogus") != std::string::npos);
    }
    SECTION("database that cannot be created: 1 with a clear message") {
        std::ofstream(dir.file("not-a-folder")) << "x";
        auto cfg = sim_config(dir, {"BTCUSDT"});
        cfg["database"]["path"] = dir.file("not-a-folder/bot_state.db");
        auto r = run({"--config", write_config(dir, cfg)});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("cannot open the database") != std::string::npos);
        CHECK(r.err.find("not-a-folder") != std::string::npos);
    }
}
