// Unit tests of tradebotctl's rendering (apps/ctl/format.h): exact bytes of tables and JSON.
#include <catch2/catch.hpp>

#include "apps/ctl/format.h"

using ctl::Align;
using ctl::Table;

TEST_CASE("byte counts stay exact, with a readable size next to them", "[ctl_format]") {
    CHECK(ctl::format_bytes(0) == "0 bytes");
    CHECK(ctl::format_bytes(1023) == "1023 bytes");
    CHECK(ctl::format_bytes(1024) == "1024 bytes (1.0 KiB)");
    CHECK(ctl::format_bytes(123456) == "123456 bytes (120.6 KiB)");
    CHECK(ctl::format_bytes(5ull * 1024 * 1024) == "5242880 bytes (5.0 MiB)");
}

TEST_CASE("tables size columns to content and align numbers right", "[ctl_format]") {
    Table t({{"NAME"}, {"PRICE", Align::kRight}, {"NOTE"}});
    t.add_row({"BTCUSDT", "97123.45", "a"});
    t.add_row({"X", "0.00150000", ""});
    CHECK(t.render() ==
          "NAME          PRICE  NOTE\n"
          "BTCUSDT    97123.45  a\n"
          "X        0.00150000\n");
}

TEST_CASE("a table with no rows is just its header", "[ctl_format]") {
    Table t({{"A"}, {"BB", Align::kRight}});
    CHECK(t.render() == "A  BB\n");
    CHECK(ctl::signals_table({}) ==
          "ID  CREATED (UTC)  EVENT TIME (UTC)  SYMBOL  SIDE  PRICE  STRATEGY  REASON\n");
}

TEST_CASE("cells never break a row: control characters become spaces, UTF-8 counts once",
          "[ctl_format]") {
    Table t({{"A"}, {"B"}});
    t.add_row({"line1\nline2\tx", "1"});
    t.add_row({"\xC3\xA9t\xC3\xA9", "2"});  // "été": 3 columns wide, 5 bytes
    CHECK(t.render() ==
          "A              B\n"
          "line1 line2 x  1\n"
          "\xC3\xA9t\xC3\xA9            2\n");
    CHECK_THROWS_AS(t.add_row({"only one"}), std::invalid_argument);
}

namespace {
storage::Signal signal(std::int64_t id, std::string symbol, std::string side, std::string price,
                       std::string reason) {
    storage::Signal s;
    s.id = id;
    s.symbol = std::move(symbol);
    s.side = std::move(side);
    s.price = std::move(price);
    s.strategy = "ema_cross";
    s.reason = std::move(reason);
    s.event_time_ms = 1795708500000;
    s.created_at_ms = 1795708557123 + id;
    return s;
}
}  // namespace

TEST_CASE("signals render as a table and as JSON with money as text", "[ctl_format]") {
    std::vector<storage::Signal> rows{
        signal(12, "BTCUSDT", "BUY", "97123.45000000", "fast crossed above slow"),
        signal(3, "XRPUSDT", "SELL", "0.5", ""),
    };
    CHECK(ctl::signals_table(rows) ==
          "ID  CREATED (UTC)            EVENT TIME (UTC)         SYMBOL   SIDE           PRICE  "
          "STRATEGY   REASON\n"
          "12  2026-11-26 15:55:57.135  2026-11-26 15:55:00.000  BTCUSDT  BUY   97123.45000000  "
          "ema_cross  fast crossed above slow\n"
          " 3  2026-11-26 15:55:57.126  2026-11-26 15:55:00.000  XRPUSDT  SELL             0.5  "
          "ema_cross  -\n");
    auto j = ctl::signals_json(rows);
    REQUIRE(j.is_array());
    REQUIRE(j.size() == 2);
    CHECK(j[0] == nlohmann::json{{"id", 12},
                                 {"symbol", "BTCUSDT"},
                                 {"side", "BUY"},
                                 {"price", "97123.45000000"},
                                 {"strategy", "ema_cross"},
                                 {"reason", "fast crossed above slow"},
                                 {"event_time_ms", 1795708500000},
                                 {"created_at_ms", 1795708557135}});
    CHECK(j[1]["reason"] == "");
    CHECK(ctl::signals_json({}) == nlohmann::json::array());
}

TEST_CASE("orders show status and reason, absent values are '-' in tables, null in JSON",
          "[ctl_format]") {
    storage::Order filled;
    filled.client_order_id = "tb-BTCUSDT-1";
    filled.symbol = "BTCUSDT";
    filled.side = "BUY";
    filled.quantity = "0.00103000";
    filled.price = "97123.45";
    filled.status = "FILLED";
    filled.exchange_order_id = "sim-1";
    filled.signal_id = 12;
    filled.created_at_ms = 1795708557000;
    filled.updated_at_ms = 1795708557010;
    storage::Order rejected;
    rejected.client_order_id = "tb-ETHUSDT-2";
    rejected.symbol = "ETHUSDT";
    rejected.side = "SELL";
    rejected.quantity = "1";
    rejected.status = "REJECTED";
    rejected.reason = "max_position_quote reached";
    rejected.created_at_ms = 1795708558000;
    rejected.updated_at_ms = 1795708558000;

    CHECK(ctl::orders_table({filled, rejected}) ==
          "CREATED (UTC)            UPDATED (UTC)            CLIENT ORDER ID  SYMBOL   SIDE  TYPE  "
          "    QUANTITY     PRICE  STATUS    EXCHANGE ID  SIGNAL  REASON\n"
          "2026-11-26 15:55:57.000  2026-11-26 15:55:57.010  tb-BTCUSDT-1     BTCUSDT  BUY   "
          "MARKET  0.00103000  97123.45  FILLED    sim-1            12  -\n"
          "2026-11-26 15:55:58.000  2026-11-26 15:55:58.000  tb-ETHUSDT-2     ETHUSDT  SELL  "
          "MARKET           1         -  REJECTED  -                 -  max_position_quote "
          "reached\n");
    auto j = ctl::orders_json({filled, rejected});
    CHECK(j[0] == nlohmann::json{{"client_order_id", "tb-BTCUSDT-1"},
                                 {"symbol", "BTCUSDT"},
                                 {"side", "BUY"},
                                 {"type", "MARKET"},
                                 {"quantity", "0.00103000"},
                                 {"price", "97123.45"},
                                 {"status", "FILLED"},
                                 {"exchange_order_id", "sim-1"},
                                 {"reason", ""},
                                 {"signal_id", 12},
                                 {"created_at_ms", 1795708557000},
                                 {"updated_at_ms", 1795708557010}});
    CHECK(j[1]["price"].is_null());
    CHECK(j[1]["signal_id"].is_null());
    CHECK(j[1]["reason"] == "max_position_quote reached");
}

TEST_CASE("positions show realized PnL and fees exactly as stored", "[ctl_format]") {
    storage::Position p;
    p.symbol = "BTCUSDT";
    p.quantity = "0.00206000";
    p.avg_entry_price = "97000.123456789012";
    p.realized_pnl = "-1.25";
    p.fees_paid = "0.2";
    p.updated_at_ms = 1795708557123;
    CHECK(ctl::positions_table({p}) ==
          "SYMBOL     QUANTITY     AVG ENTRY PRICE  REALIZED PNL  FEES PAID  UPDATED (UTC)\n"
          "BTCUSDT  0.00206000  97000.123456789012         -1.25        0.2  2026-11-26 "
          "15:55:57.123\n");
    CHECK(ctl::positions_json({p}) ==
          nlohmann::json::array({{{"symbol", "BTCUSDT"},
                                  {"quantity", "0.00206000"},
                                  {"avg_entry_price", "97000.123456789012"},
                                  {"realized_pnl", "-1.25"},
                                  {"fees_paid", "0.2"},
                                  {"updated_at_ms", 1795708557123}}}));
}

TEST_CASE("positions show each symbol's trailing high and halt", "[ctl_format]") {
    storage::Position btc;
    btc.symbol = "BTCUSDT";
    btc.quantity = "0.00166";
    btc.avg_entry_price = "60001.22";
    btc.realized_pnl = "-0.1";
    btc.fees_paid = "0.1";
    btc.updated_at_ms = 1795708557123;
    storage::Position eth = btc;
    eth.symbol = "ETHUSDT";
    storage::Position xrp = btc;
    xrp.symbol = "XRPUSDT";
    ctl::RiskViews risk;
    risk["BTCUSDT"] = {"61950.1", true, 1795737600000, 0};  // until 2026-11-27 00:00 UTC
    risk["ETHUSDT"] = {"0", false, 0, 2};
    CHECK(
        ctl::positions_table({btc, eth, xrp}, risk) ==
        "SYMBOL   QUANTITY  AVG ENTRY PRICE  REALIZED PNL  FEES PAID  UPDATED (UTC)            "
        "TRAIL HIGH  RISK\n"
        "BTCUSDT   0.00166         60001.22          -0.1        0.1  2026-11-26 15:55:57.123     "
        "61950.1  halted until 2026-11-27 00:00 UTC\n"
        "ETHUSDT   0.00166         60001.22          -0.1        0.1  2026-11-26 15:55:57.123     "
        "      -  cooldown 2 candles\n"
        "XRPUSDT   0.00166         60001.22          -0.1        0.1  2026-11-26 15:55:57.123     "
        "      -  -\n");
    // Without any risk state the table is the plain one.
    CHECK(ctl::positions_table({btc}, {}) == ctl::positions_table({btc}));

    nlohmann::json j = ctl::positions_json({btc, xrp}, risk);
    CHECK(j[0]["risk"] == nlohmann::json{{"trail_high", "61950.1"},
                                         {"halted", true},
                                         {"halted_until_ms", 1795737600000},
                                         {"cooldown_left", 0}});
    CHECK(j[0]["avg_entry_price"] == "60001.22");
    CHECK(j[1]["risk"].is_null());
}

TEST_CASE("leases show who trades each symbol, its epoch and when it runs out", "[ctl_format]") {
    std::vector<storage::LeaseInfo> leases = {
        {"BTCUSDT", "host-a:4242", 3, 1795708557123, true},
        {"ETHUSDT", "host-b:17", 12, 1795708500000, false},
    };
    CHECK(ctl::leases_table(leases) ==
          "SYMBOL   NODE         EPOCH  EXPIRES (UTC)            STATE\n"
          "BTCUSDT  host-a:4242      3  2026-11-26 15:55:57.123  live\n"
          "ETHUSDT  host-b:17       12  2026-11-26 15:55:00.000  expired\n");
    CHECK(ctl::leases_json(leases) == nlohmann::json::array({{{"symbol", "BTCUSDT"},
                                                              {"node", "host-a:4242"},
                                                              {"epoch", 3},
                                                              {"expires_at_ms", 1795708557123}},
                                                             {{"symbol", "ETHUSDT"},
                                                              {"node", "host-b:17"},
                                                              {"epoch", 12},
                                                              {"expires_at_ms", 1795708500000}}}));
    CHECK(ctl::leases_json({}) == nlohmann::json::array());
}

TEST_CASE("stats: sizes, schema version and rows per table", "[ctl_format]") {
    ctl::Stats s;
    s.path = "storage/bot_state.db";
    s.schema_version = 2;
    s.counts = {1234, 56, 55, 3, 9};
    s.file_size_bytes = 4096;
    s.wal_size_bytes = 0;
    CHECK(ctl::stats_text(s) ==
          "database        storage/bot_state.db\n"
          "schema version  2\n"
          "file size       4096 bytes (4.0 KiB)\n"
          "wal size        0 bytes\n"
          "\n"
          "TABLE      ROWS\n"
          "signals    1234\n"
          "orders       56\n"
          "fills        55\n"
          "positions     3\n"
          "bot_state     9\n");
    s.signals_per_symbol = {{"BTCUSDT", 1000}, {"XRPUSDT", 234}};
    CHECK(ctl::stats_text(s) ==
          "database        storage/bot_state.db\n"
          "schema version  2\n"
          "file size       4096 bytes (4.0 KiB)\n"
          "wal size        0 bytes\n"
          "\n"
          "TABLE      ROWS\n"
          "signals    1234\n"
          "orders       56\n"
          "fills        55\n"
          "positions     3\n"
          "bot_state     9\n"
          "\n"
          "SYMBOL   SIGNALS\n"
          "BTCUSDT     1000\n"
          "XRPUSDT      234\n");
    CHECK(ctl::stats_json(s) ==
          nlohmann::json{{"path", "storage/bot_state.db"},
                         {"signals_per_symbol", {{"BTCUSDT", 1000}, {"XRPUSDT", 234}}},
                         {"schema_version", 2},
                         {"file_size_bytes", 4096},
                         {"wal_size_bytes", 0},
                         {"rows",
                          {{"signals", 1234},
                           {"orders", 56},
                           {"fills", 55},
                           {"positions", 3},
                           {"bot_state", 9}}}});
}

TEST_CASE("check judges integrity and schema version", "[ctl_format]") {
    auto ok = ctl::evaluate_check("ok", 3, 3);
    CHECK(ok.ok);
    CHECK(ok.problems.empty());
    CHECK(ctl::check_text(ok) == "ok\nschema version 3\n");
    CHECK(ctl::check_json(ok) == nlohmann::json{{"ok", true},
                                                {"schema_version", 3},
                                                {"current_schema_version", 3},
                                                {"problems", nlohmann::json::array()},
                                                {"notes", nlohmann::json::array()}});

    auto older = ctl::evaluate_check("ok\n", 2, 3);
    CHECK(older.ok);
    CHECK(ctl::check_text(older) ==
          "ok\nschema version 2\n"
          "note: schema version 2 is older than this build's 3; tradebotd migrates it on its next "
          "start\n");

    auto corrupt = ctl::evaluate_check(
        "*** in database main ***\nPage 5: btreeInitPage() returns error code 11", 3, 3);
    CHECK_FALSE(corrupt.ok);
    CHECK(corrupt.problems ==
          std::vector<std::string>{"*** in database main ***",
                                   "Page 5: btreeInitPage() returns error code 11"});
    CHECK(ctl::check_text(corrupt) ==
          "problems found:\n"
          "  *** in database main ***\n"
          "  Page 5: btreeInitPage() returns error code 11\n"
          "schema version 3\n");
    CHECK(ctl::check_json(corrupt)["ok"] == false);

    auto newer = ctl::evaluate_check("ok", 9, 3);
    CHECK_FALSE(newer.ok);
    CHECK(newer.problems == std::vector<std::string>{
                                "schema version 9 is newer than this tradebotctl understands (3)"});
    auto none = ctl::evaluate_check("ok", 0, 3);
    CHECK_FALSE(none.ok);
    CHECK(none.problems == std::vector<std::string>{"schema version 0: not a tradebot database"});
    CHECK_FALSE(ctl::evaluate_check("", 3, 3).ok);
}

TEST_CASE("backup reports destination and size", "[ctl_format]") {
    ctl::BackupResult b{"db/bot.db", "/tmp/copy.db", 8192};
    CHECK(ctl::backup_text(b) == "backed up db/bot.db to /tmp/copy.db: 8192 bytes (8.0 KiB)\n");
    CHECK(ctl::backup_json(b) == nlohmann::json{{"source", "db/bot.db"},
                                                {"destination", "/tmp/copy.db"},
                                                {"size_bytes", 8192}});
}

TEST_CASE("JSON output is one document, invalid UTF-8 is replaced, not thrown", "[ctl_format]") {
    auto doc = nlohmann::json::array({{{"reason", std::string("bad \xFF byte")}}});
    std::string out;
    REQUIRE_NOTHROW(out = ctl::dump_json(doc));
    CHECK(out.back() == '\n');
    auto parsed = nlohmann::json::parse(out);
    CHECK(parsed[0]["reason"] == "bad \xEF\xBF\xBD byte");
}
