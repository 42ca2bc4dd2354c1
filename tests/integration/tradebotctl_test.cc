// tradebotctl end to end: the real binary on real SQLite files written by storage::Database in a
// temporary folder. Tables are compared byte for byte with the (unit-tested) renderer fed from the
// database's own read path, and the JSON is checked field by field against the rows written.
#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "apps/ctl/format.h"
#include "storage/database.h"
#include "storage/reader.h"
#include "support/child_process.h"
#include "support/storage.h"
#include "support/temp_dir.h"

using nlohmann::json;
using testing_support::RunResult;
using testing_support::TempDir;

namespace {

const std::string kCtl = std::string(TRADEBOT_BIN_DIR) + "/tradebotctl";

RunResult run_ctl(std::vector<std::string> args, std::string cwd = {}) {
    args.insert(args.begin(), kCtl);
    return testing_support::run(std::move(args), std::chrono::seconds(60), {}, std::move(cwd));
}

// Parses stdout as exactly one JSON document (json::parse refuses trailing text).
json parse_out(const RunResult& r) {
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
}

storage::Signal make_signal(std::string symbol, std::string side, std::string price,
                            std::string strategy, std::string reason, std::int64_t event_ms) {
    storage::Signal s;
    s.symbol = std::move(symbol);
    s.side = std::move(side);
    s.price = std::move(price);
    s.strategy = std::move(strategy);
    s.reason = std::move(reason);
    s.event_time_ms = event_ms;
    return s;
}

// Four signals over three symbols, two orders (one filled, one rejected), a fill, two positions
// and some bot state: every table has rows.
void populate(const std::string& path) {
    storage::Database db(path);
    std::vector<std::int64_t> ids;
    for (auto s : {make_signal("BTCUSDT", "BUY", "97123.45", "ema_cross", "fast crossed above slow",
                               1795708500000),
                   make_signal("ETHUSDT", "SELL", "3456.7", "rsi", "rsi 71.2 > 70", 1795708560000),
                   make_signal("XRPUSDT", "BUY", "0.5123", "rsi", "", 1795708620000),
                   make_signal("BTCUSDT", "SELL", "97200.1", "ema_cross", "fast crossed below slow",
                               1795708680000)}) {
        auto r = db.save_signal(s);
        REQUIRE(r.is_ok());
        ids.push_back(r.value());
    }
    storage::Order filled;
    filled.client_order_id = "tb-BTCUSDT-1";
    filled.symbol = "BTCUSDT";
    filled.side = "BUY";
    filled.quantity = "0.00102900";
    filled.price = "97123.45";
    filled.status = "FILLED";
    filled.exchange_order_id = "sim-1";
    filled.signal_id = ids[0];
    REQUIRE(db.save_order(filled).is_ok());
    storage::Order rejected;
    rejected.client_order_id = "tb-ETHUSDT-2";
    rejected.symbol = "ETHUSDT";
    rejected.side = "SELL";
    rejected.quantity = "0.03";
    rejected.status = "REJECTED";
    rejected.reason = "no position to sell";
    rejected.signal_id = ids[1];
    REQUIRE(db.save_order(rejected).is_ok());
    storage::Fill fill;
    fill.client_order_id = "tb-BTCUSDT-1";
    fill.symbol = "BTCUSDT";
    fill.side = "BUY";
    fill.price = "97123.45";
    fill.quantity = "0.00102900";
    fill.fee = "0.000099940030";
    fill.fee_asset = "USDT";
    fill.trade_id = "sim-t1";
    fill.trade_time_ms = 1795708500100;
    REQUIRE(db.save_fill(fill).is_ok());
    storage::Position btc;
    btc.symbol = "BTCUSDT";
    btc.quantity = "0.00102900";
    btc.avg_entry_price = "97123.45";
    btc.realized_pnl = "0";
    btc.fees_paid = "0.099940030";
    REQUIRE(db.save_position(btc).is_ok());
    storage::Position xrp;
    xrp.symbol = "XRPUSDT";
    xrp.quantity = "0";
    xrp.avg_entry_price = "0";
    xrp.realized_pnl = "-1.234567890123";
    xrp.fees_paid = "0.2";
    REQUIRE(db.save_position(xrp).is_ok());
    REQUIRE(db.put_state("BTCUSDT", "ema_fast", "97001.5").is_ok());
    REQUIRE(db.put_state("BTCUSDT", "ema_slow", "96990.25").is_ok());
}

// Writes and closes every cached connection, so the file on disk is complete without its WAL.
struct PopulatedDb {
    TempDir dir;
    std::string path = dir.file("bot_state.db");
    PopulatedDb() {
        populate(path);
        storage::Database::close_all_cached();
    }
};

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

}  // namespace

TEST_CASE("signals: table and JSON, newest first, money as stored", "[tradebotctl]") {
    PopulatedDb f;
    storage::Reader reader(f.path);

    auto table = run_ctl({"--db", f.path, "signals"});
    CHECK(table.exit_code == 0);
    CHECK(table.err.empty());
    CHECK(table.out == ctl::signals_table(reader.signals()));
    // Independently of the renderer: a header and four rows, prices as written.
    CHECK(table.out.rfind("ID  CREATED (UTC)", 0) == 0);
    CHECK(std::count(table.out.begin(), table.out.end(), '\n') == 5);
    CHECK(table.out.find("97123.45") != std::string::npos);
    CHECK(table.out.find("2026-11-26 15:55:00.000") != std::string::npos);

    auto j = parse_out(run_ctl({"--db", f.path, "signals", "--json"}));
    REQUIRE(j.is_array());
    REQUIRE(j.size() == 4);
    CHECK(j[0]["symbol"] == "BTCUSDT");
    CHECK(j[0]["side"] == "SELL");
    CHECK(j[0]["price"] == "97200.1");
    CHECK(j[0]["strategy"] == "ema_cross");
    CHECK(j[0]["reason"] == "fast crossed below slow");
    CHECK(j[0]["event_time_ms"] == 1795708680000);
    CHECK(j[0]["created_at_ms"].is_number_integer());
    CHECK(j[1]["price"] == "0.5123");
    CHECK(j[1]["reason"] == "");
    CHECK(j[2]["price"] == "3456.7");
    CHECK(j[3]["price"] == "97123.45");
    CHECK(j[3]["event_time_ms"] == 1795708500000);
    CHECK(j[0]["id"].get<std::int64_t>() > j[3]["id"].get<std::int64_t>());

    SECTION("--symbol filters (case-insensitively), --limit keeps the newest") {
        auto btc = parse_out(run_ctl({"--db", f.path, "signals", "--symbol", "btcusdt", "--json"}));
        REQUIRE(btc.size() == 2);
        CHECK(btc[0]["price"] == "97200.1");
        CHECK(btc[1]["price"] == "97123.45");
        auto one = parse_out(run_ctl({"signals", "--limit=1", "--json", "--db=" + f.path}));
        REQUIRE(one.size() == 1);
        CHECK(one[0] == j[0]);
        auto none =
            parse_out(run_ctl({"--db", f.path, "signals", "--symbol", "DOGEUSDT", "--json"}));
        CHECK(none == json::array());
        // A full page says on stderr that older rows may exist, and leaves stdout a clean table.
        auto page = run_ctl({"--db", f.path, "signals", "--limit", "2"});
        CHECK(page.exit_code == 0);
        CHECK(page.out == ctl::signals_table(reader.signals("", 2)));
        CHECK(page.err.find("--limit") != std::string::npos);
    }
}

TEST_CASE("orders: status and reason, absent price as '-' and null", "[tradebotctl]") {
    PopulatedDb f;
    storage::Reader reader(f.path);
    auto table = run_ctl({"--db", f.path, "orders"});
    CHECK(table.exit_code == 0);
    CHECK(table.out == ctl::orders_table(reader.orders()));
    CHECK(table.out.find("REJECTED") != std::string::npos);
    CHECK(table.out.find("no position to sell") != std::string::npos);

    auto j = parse_out(run_ctl({"--db", f.path, "orders", "--json"}));
    REQUIRE(j.size() == 2);
    std::map<std::string, json> by_id;
    for (const auto& o : j) by_id[o["client_order_id"]] = o;
    auto& filled = by_id.at("tb-BTCUSDT-1");
    CHECK(filled["status"] == "FILLED");
    CHECK(filled["quantity"] == "0.00102900");
    CHECK(filled["price"] == "97123.45");
    CHECK(filled["exchange_order_id"] == "sim-1");
    CHECK(filled["type"] == "MARKET");
    CHECK(filled["signal_id"].is_number_integer());
    auto& rejected = by_id.at("tb-ETHUSDT-2");
    CHECK(rejected["status"] == "REJECTED");
    CHECK(rejected["reason"] == "no position to sell");
    CHECK(rejected["price"].is_null());
    CHECK(rejected["quantity"] == "0.03");

    auto eth = parse_out(run_ctl({"--db", f.path, "orders", "--symbol", "ETHUSDT", "--json"}));
    REQUIRE(eth.size() == 1);
    CHECK(eth[0]["client_order_id"] == "tb-ETHUSDT-2");
}

TEST_CASE("positions: quantity, entry, realized PnL and fees exactly as stored", "[tradebotctl]") {
    PopulatedDb f;
    storage::Reader reader(f.path);
    auto table = run_ctl({"--db", f.path, "positions"});
    CHECK(table.exit_code == 0);
    CHECK(table.out == ctl::positions_table(reader.positions()));
    CHECK(table.out.find("-1.234567890123") != std::string::npos);

    auto j = parse_out(run_ctl({"--db", f.path, "positions", "--json"}));
    REQUIRE(j.size() == 2);
    std::map<std::string, json> by_symbol;
    for (const auto& p : j) by_symbol[p["symbol"]] = p;
    CHECK(by_symbol.at("BTCUSDT")["quantity"] == "0.00102900");
    CHECK(by_symbol.at("BTCUSDT")["avg_entry_price"] == "97123.45");
    CHECK(by_symbol.at("BTCUSDT")["fees_paid"] == "0.099940030");
    CHECK(by_symbol.at("XRPUSDT")["realized_pnl"] == "-1.234567890123");
    CHECK(by_symbol.at("XRPUSDT")["fees_paid"] == "0.2");
    CHECK(by_symbol.at("XRPUSDT")["updated_at_ms"].is_number_integer());
}

TEST_CASE("stats: rows per table, sizes on disk, schema version", "[tradebotctl]") {
    PopulatedDb f;
    auto j = parse_out(run_ctl({"--db", f.path, "stats", "--json"}));
    CHECK(j["path"] == f.path);
    CHECK(j["schema_version"] == storage::current_schema_version());
    CHECK(j["file_size_bytes"] == std::filesystem::file_size(f.path));
    CHECK(j["wal_size_bytes"].is_number_integer());
    CHECK(j["rows"] ==
          json{{"signals", 4}, {"orders", 2}, {"fills", 1}, {"positions", 2}, {"bot_state", 2}});
    CHECK(j["signals_per_symbol"] == json{{"BTCUSDT", 2}, {"ETHUSDT", 1}, {"XRPUSDT", 1}});

    auto text = run_ctl({"--db", f.path, "stats"});
    CHECK(text.exit_code == 0);
    ctl::Stats expected;
    expected.path = f.path;
    expected.schema_version = storage::current_schema_version();
    expected.counts = {4, 2, 1, 2, 2};
    expected.file_size_bytes = j["file_size_bytes"];
    expected.wal_size_bytes = j["wal_size_bytes"];
    expected.signals_per_symbol = {{"BTCUSDT", 2}, {"ETHUSDT", 1}, {"XRPUSDT", 1}};
    CHECK(text.out == ctl::stats_text(expected));
    CHECK_THAT(text.out, Catch::Contains("BTCUSDT        2"));
}

TEST_CASE("an empty database lists nothing and counts zero", "[tradebotctl]") {
    TempDir dir;
    std::string path = dir.file("empty.db");
    { storage::Database db(path); }
    storage::Database::close_all_cached();
    auto table = run_ctl({"--db", path, "signals"});
    CHECK(table.exit_code == 0);
    CHECK(table.out == ctl::signals_table({}));
    CHECK(parse_out(run_ctl({"--db", path, "orders", "--json"})) == json::array());
    CHECK(parse_out(run_ctl({"--db", path, "positions", "--json"})) == json::array());
    CHECK(parse_out(run_ctl({"--db", path, "stats", "--json"}))["rows"]["signals"] == 0);
}

TEST_CASE("check: ok and the schema version, exit 0", "[tradebotctl]") {
    PopulatedDb f;
    auto text = run_ctl({"--db", f.path, "check"});
    CHECK(text.exit_code == 0);
    CHECK(text.out ==
          "ok\nschema version " + std::to_string(storage::current_schema_version()) + "\n");
    auto j = parse_out(run_ctl({"--db", f.path, "check", "--json"}));
    CHECK(j["ok"] == true);
    CHECK(j["schema_version"] == storage::current_schema_version());
    CHECK(j["problems"] == json::array());
}

TEST_CASE("check: a damaged database reports its problems and exits 1", "[tradebotctl]") {
    TempDir dir;
    std::string path = dir.file("bot_state.db");
    {
        // Enough rows that the signals table spans many pages beyond the schema page.
        storage::Database db(path);
        storage::WriteBatch batch;
        for (int i = 0; i < 2000; ++i) {
            batch.insert_signal(make_signal("BTCUSDT", "BUY", "1.5", "ema_cross",
                                            std::string(100, 'x'), 1795708500000 + i));
        }
        REQUIRE(db.write(std::move(batch)).is_ok());
    }
    storage::Database::close_all_cached();
    // Everything is in the main file: a clean close checkpoints the WAL.
    REQUIRE((!std::filesystem::exists(path + "-wal") ||
             std::filesystem::file_size(path + "-wal") == 0));
    auto size = std::filesystem::file_size(path);
    REQUIRE(size > 40 * 4096);
    {
        // Scribble over pages in the middle of the signals b-tree (page 1 holds the schema).
        std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
        std::string junk(4096 * 3, '\x5A');
        io.seekp(static_cast<std::streamoff>(size / 2 / 4096 * 4096));
        io.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    auto text = run_ctl({"--db", path, "check"});
    INFO("stdout: " << text.out << "\nstderr: " << text.err);
    CHECK(text.exit_code == 1);
    CHECK(text.out.rfind("ok\n", 0) != 0);
    // The open succeeds (page 1 is intact); integrity_check lists the damaged pages on stdout.
    CHECK(text.out.rfind("problems found:\n", 0) == 0);
    CHECK(text.out.find("Page ") != std::string::npos);

    auto j = run_ctl({"--db", path, "check", "--json"});
    CHECK(j.exit_code == 1);
    auto doc = json::parse(j.out);
    CHECK(doc["ok"] == false);
    CHECK(doc["problems"].size() >= 2);

    // Reading every row runs into the damage: exit 1, the file named, nothing half-printed.
    auto all = run_ctl({"--db", path, "signals", "--limit", "1000000", "--json"});
    CHECK(all.exit_code == 1);
    CHECK(all.out.empty());
    CHECK(all.err.find(path) != std::string::npos);
}

TEST_CASE("check: a schema newer than this build understands is a failure", "[tradebotctl]") {
    PopulatedDb f;
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(f.path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    auto r = run_ctl({"--db", f.path, "check"});
    CHECK(r.exit_code == 1);
    CHECK(r.out ==
          "problems found:\n  schema version 999 is newer than this tradebotctl understands (" +
              std::to_string(storage::current_schema_version()) + ")\nschema version 999\n");
}

TEST_CASE("a missing or foreign file is refused with its path, exit 1, and never created",
          "[tradebotctl]") {
    TempDir dir;
    std::string missing = dir.file("nope.db");
    for (const char* cmd : {"signals", "orders", "positions", "stats", "check"}) {
        auto r = run_ctl({"--db", missing, cmd});
        INFO(cmd << " stderr: " << r.err);
        CHECK(r.exit_code == 1);
        CHECK(r.out.empty());
        CHECK(r.err.find(missing) != std::string::npos);
    }
    CHECK_FALSE(std::filesystem::exists(missing));

    std::string text_file = dir.file("notes.txt");
    write_file(text_file, std::string(8192, 'n'));
    auto r = run_ctl({"--db", text_file, "check"});
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err.find(text_file) != std::string::npos);

    // A valid SQLite database that is not tradebot's.
    std::string other = dir.file("other.db");
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(other.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(db);
    auto o = run_ctl({"--db", other, "signals", "--json"});
    CHECK(o.exit_code == 1);
    CHECK(o.out.empty());
    CHECK(o.err.find(other) != std::string::npos);
}

TEST_CASE("a config file gives database.path, relative to the working directory", "[tradebotctl]") {
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "data");
    populate(dir.file("data/bot.db"));
    storage::Database::close_all_cached();
    write_file(dir.file("bot.json"),
               R"({"database": {"path": "data/bot.db", "busy_timeout_ms": 2000},
                   "symbols": ["BTCUSDT"]})");

    auto j = parse_out(run_ctl({"--config", "bot.json", "stats", "--json"}, dir.path().string()));
    CHECK(j["path"] == "data/bot.db");
    CHECK(j["rows"]["signals"] == 4);
    // From elsewhere, the same relative path names a file that is not there.
    TempDir elsewhere;
    auto r = run_ctl({"--config", dir.file("bot.json"), "signals"}, elsewhere.path().string());
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("data/bot.db") != std::string::npos);
}

TEST_CASE("a bad config prints the config error and exits 78", "[tradebotctl]") {
    TempDir dir;
    write_file(
        dir.file("bad.json"),
        R"({"database": {"path": "x.db", "busy_timeout_ms": "soon"}, "symbols": ["BTCUSDT"]})");
    auto r = run_ctl({"--config", dir.file("bad.json"), "stats"});
    CHECK(r.exit_code == 78);
    CHECK(r.out.empty());
    CHECK(r.err.find("database.busy_timeout_ms") != std::string::npos);

    auto missing = run_ctl({"--config", dir.file("none.json"), "stats"});
    CHECK(missing.exit_code == 78);
    CHECK(missing.err.find("none.json") != std::string::npos);

    write_file(dir.file("syntax.json"), "{\"symbols\": [");
    CHECK(run_ctl({"--config", dir.file("syntax.json"), "check"}).exit_code == 78);
}

TEST_CASE("a bad command line names the problem, prints usage, exits 64", "[tradebotctl]") {
    PopulatedDb f;
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{}, "no command given"},
        {{"--db", f.path}, "no command given"},
        {{"--db", f.path, "trades"}, "unknown command 'trades'"},
        {{"--db", f.path, "signals", "--verbose"}, "unknown option --verbose"},
        {{"signals"}, "give --db PATH or --config FILE"},
        {{"--db", f.path, "--config", "x.json", "signals"}, "--db and --config exclude each other"},
        {{"--db", f.path, "--db", f.path, "signals"}, "--db given twice"},
        {{"--db"}, "--db needs a value"},
        {{"--db", "", "signals"}, "--db: empty value"},
        {{"--db", f.path, "signals", "--limit", "0"}, "--limit: expected a whole number"},
        {{"--db", f.path, "signals", "--limit", "ten"}, "got 'ten'"},
        {{"--db", f.path, "signals", "--limit", "5x"}, "got '5x'"},
        {{"--db", f.path, "positions", "--symbol", "BTCUSDT"}, "--symbol applies to signals"},
        {{"--db", f.path, "stats", "--limit", "3"}, "--limit applies to signals"},
        {{"--db", f.path, "signals", "extra"}, "unexpected argument 'extra'"},
        {{"--db", f.path, "backup"}, "backup needs a destination"},
        {{"--db", f.path, "backup", "a.db", "b.db"}, "unexpected argument 'b.db'"},
        {{"--db", f.path, "signals", "--json=yes"}, "--json takes no value"},
    };
    for (const auto& c : cases) {
        auto r = run_ctl(c.args);
        INFO("args: " << json(c.args).dump() << "\nstderr: " << r.err);
        CHECK(r.exit_code == 64);
        CHECK(r.out.empty());
        CHECK(r.err.find(c.message) != std::string::npos);
        CHECK(r.err.find("usage: tradebotctl") != std::string::npos);
    }
}

TEST_CASE("help and version answer on stdout, exit 0", "[tradebotctl]") {
    auto help = run_ctl({"--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.rfind("usage: tradebotctl", 0) == 0);
    CHECK(help.err.empty());
    // --help wins over a missing command or database; an unknown option is still an error.
    CHECK(run_ctl({"signals", "--bogus-but-after", "--help"}).exit_code == 64);
    CHECK(run_ctl({"--db", "x", "signals", "--help"}).exit_code == 0);
    auto version = run_ctl({"--version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out == std::string("tradebotctl ") + TRADEBOT_VERSION + "\n");
}

TEST_CASE("backup: a complete copy that checks ok and never overwrites", "[tradebotctl]") {
    PopulatedDb f;
    TempDir out;
    std::string dest = out.file("copy.db");
    auto r = run_ctl({"--db", f.path, "backup", dest});
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == ctl::backup_text({f.path, dest, std::filesystem::file_size(dest)}));

    CHECK(run_ctl({"--db", dest, "check"}).exit_code == 0);
    for (const char* cmd : {"signals", "orders", "positions"}) {
        INFO(cmd);
        CHECK(parse_out(run_ctl({"--db", dest, cmd, "--json"})) ==
              parse_out(run_ctl({"--db", f.path, cmd, "--json"})));
    }
    CHECK(parse_out(run_ctl({"--db", dest, "stats", "--json"}))["rows"] ==
          parse_out(run_ctl({"--db", f.path, "stats", "--json"}))["rows"]);

    SECTION("an existing destination is refused and left untouched") {
        std::string keep = out.file("keep.db");
        write_file(keep, "precious");
        auto again = run_ctl({"--db", f.path, "backup", keep});
        CHECK(again.exit_code == 1);
        CHECK(again.out.empty());
        CHECK(again.err.find(keep) != std::string::npos);
        CHECK(again.err.find("already exists") != std::string::npos);
        CHECK(testing_support::file_bytes(keep) == "precious");
        // Backing a database up onto itself is the same refusal.
        CHECK(run_ctl({"--db", f.path, "backup", f.path}).exit_code == 1);
        CHECK(run_ctl({"--db", f.path, "check"}).exit_code == 0);
    }
    SECTION("--json reports destination and size") {
        std::string dest2 = out.file("copy2.db");
        auto j = parse_out(run_ctl({"--db", f.path, "backup", dest2, "--json"}));
        CHECK(j == json{{"source", f.path},
                        {"destination", dest2},
                        {"size_bytes", std::filesystem::file_size(dest2)}});
    }
    SECTION("-- ends the options, so a destination may start with '-'") {
        auto dash = run_ctl({"--db", f.path, "backup", "--", "-copy.db"}, out.path().string());
        CHECK(dash.exit_code == 0);
        CHECK(std::filesystem::exists(out.path() / "-copy.db"));
    }
    SECTION("a destination that cannot be created fails with exit 1") {
        std::string bad = out.file("no/such/folder/copy.db");
        auto b = run_ctl({"--db", f.path, "backup", bad});
        CHECK(b.exit_code == 1);
        CHECK(b.err.find(bad) != std::string::npos);
    }
}

TEST_CASE("backup and reads while another thread keeps writing are consistent snapshots",
          "[tradebotctl]") {
    TempDir dir;
    std::string path = dir.file("live.db");
    storage::Database db(path);
    // Each batch commits one signal and one order together: a consistent snapshot holds exactly
    // as many of one as of the other, and the signals form an unbroken prefix 1..n.
    std::atomic<bool> stop{false};
    std::atomic<int> written{0};
    std::atomic<bool> write_failed{false};
    std::thread writer([&] {
        for (int i = 1; !stop.load(); ++i) {
            storage::WriteBatch batch;
            batch.insert_signal(make_signal("BTCUSDT", i % 2 ? "BUY" : "SELL", "100.5", "ema_cross",
                                            "n=" + std::to_string(i), 1795708500000 + i));
            storage::Order o;
            o.client_order_id = "tb-" + std::to_string(i);
            o.symbol = "BTCUSDT";
            o.side = "BUY";
            o.quantity = "1";
            o.status = "FILLED";
            batch.upsert_order(std::move(o));
            if (!db.write(std::move(batch)).is_ok()) {
                write_failed = true;
                return;
            }
            written = i;
        }
    });
    auto wait_for_rows = [&](int n) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (written.load() < n && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    };

    std::vector<std::string> copies;
    for (int round = 0; round < 3; ++round) {
        wait_for_rows(50 * (round + 1));
        // A read in the middle of the writes: one valid document, consistent counts.
        auto live = run_ctl({"--db", path, "stats", "--json"});
        INFO("stderr: " << live.err);
        REQUIRE(live.exit_code == 0);
        auto live_stats = json::parse(live.out);
        auto rows = live_stats["rows"];
        CHECK(rows["signals"] == rows["orders"]);
        // The daemon-side connection is open and has written: its WAL is on disk and counted.
        CHECK(live_stats["wal_size_bytes"].get<std::int64_t>() > 0);

        std::string dest = dir.file("copy" + std::to_string(round) + ".db");
        auto r = run_ctl({"--db", path, "backup", dest});
        INFO("backup stderr: " << r.err);
        REQUIRE(r.exit_code == 0);
        copies.push_back(dest);
    }
    stop = true;
    writer.join();
    REQUIRE_FALSE(write_failed.load());

    std::int64_t previous = 0;
    for (const auto& dest : copies) {
        INFO(dest);
        auto check = run_ctl({"--db", dest, "check", "--json"});
        CHECK(check.exit_code == 0);
        CHECK(json::parse(check.out)["ok"] == true);
        auto rows = parse_out(run_ctl({"--db", dest, "stats", "--json"}))["rows"];
        std::int64_t n = rows["signals"];
        CHECK(n >= 50);
        CHECK(rows["orders"] == n);
        CHECK(n >= previous);  // later copies never lose what earlier ones had
        previous = n;
        auto signals =
            parse_out(run_ctl({"--db", dest, "signals", "--limit", "1000000", "--json"}));
        REQUIRE(signals.size() == static_cast<std::size_t>(n));
        // Newest first, the reasons count down n, n-1, ..., 1: no gap, nothing from the future.
        for (std::int64_t k = 0; k < n; ++k) {
            if (signals[k]["reason"] != "n=" + std::to_string(n - k)) {
                FAIL("copy breaks the prefix at row " << k << ": " << signals[k].dump());
            }
        }
    }
    db.close();
    storage::Database::close_all_cached();
}
