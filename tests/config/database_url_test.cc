// database.url: the PostgreSQL alternative to database.path, its lease settings, and the
// password that must never be in the config (nor in the message that refuses it).
#include <catch2/catch.hpp>
#include <string>

#include "config/loader.h"
#include "support/config.h"

namespace {

std::string error_of(const std::string& text) {
    try {
        testing_support::parse_config(text);
    } catch (const config::ConfigError& e) {
        return e.what();
    }
    return "(accepted)";
}

std::string with_database(const std::string& database) {
    return R"({"symbols": ["BTCUSDT"], "database": )" + database + "}";
}

}  // namespace

TEST_CASE("database.url selects PostgreSQL, with a 15 s lease and no node name by default",
          "[config][postgres]") {
    config::Config c = testing_support::parse_config(
        with_database(R"({"url": "postgresql://trader@db.internal:5432/tradebot"})"));
    REQUIRE(c.database.url);
    CHECK(*c.database.url == "postgresql://trader@db.internal:5432/tradebot");
    CHECK(c.database.lease_s == 15);
    CHECK_FALSE(c.database.node);

    config::Config d = testing_support::parse_config(with_database(
        R"({"url": "postgres:///tradebot?host=/run/postgresql&sslmode=disable", "lease_s": 3, "node": "host-a"})"));
    REQUIRE(d.database.url);
    CHECK(d.database.lease_s == 3);
    REQUIRE(d.database.node);
    CHECK(*d.database.node == "host-a");

    // Without url the SQLite file stays the default.
    config::Config e = testing_support::parse_config(R"({"symbols": ["BTCUSDT"]})");
    CHECK_FALSE(e.database.url);
    CHECK(e.database.path == "storage/bot_state.db");
}

TEST_CASE("the resolved config shows the PostgreSQL keys and reads back the same",
          "[config][postgres]") {
    config::Config c = testing_support::parse_config(
        with_database(R"({"url": "postgresql://trader@db:5432/tradebot", "lease_s": 5})"));
    nlohmann::json j = config::to_json(c);
    CHECK(j["database"]["url"] == "postgresql://trader@db:5432/tradebot");
    CHECK(j["database"]["lease_s"] == 5);
    CHECK(j["database"]["node"].is_null());
    CHECK_FALSE(j["database"].contains("path"));
    config::Config back = testing_support::parse_config(j.dump());
    REQUIRE(back.database.url);
    CHECK(*back.database.url == *c.database.url);
    CHECK(back.database.lease_s == 5);
    CHECK_FALSE(back.database.node);
}

TEST_CASE("exactly one of database.path and database.url", "[config][postgres]") {
    CHECK(
        error_of(with_database(R"({"path": "x.db", "url": "postgresql://trader@db/tradebot"})")) ==
        "database.url: give either database.path (SQLite) or database.url (PostgreSQL), not "
        "both");
    CHECK(error_of(with_database(R"({"path": "x.db", "lease_s": 15})")) ==
          "database.lease_s: applies only with database.url");
    CHECK(error_of(with_database(R"({"node": "a"})")) ==
          "database.node: applies only with database.url");
}

TEST_CASE("a bad database.url or lease is refused naming the key", "[config][postgres]") {
    CHECK(error_of(with_database(R"({"url": "mysql://db/tradebot"})")) ==
          "database.url: expected a postgresql:// connection URI");
    CHECK(error_of(with_database(R"({"url": 5432})")) ==
          "database.url: expected a postgresql:// URI, got number 5432");
    CHECK(error_of(with_database(R"({"url": "postgresql://db/trade bot"})")) ==
          "database.url: a postgresql:// URI has no spaces or control characters");
    CHECK(error_of(with_database(R"({"url": "postgresql://db/tradebot?sslmode"})")) ==
          "database.url: expected param=value pairs after '?'");
    CHECK(error_of(with_database(R"({"url": "postgresql://trader@db/tradebot", "lease_s": 1})")) ==
          "database.lease_s: expected integer 2..3600, got number 1");
    CHECK(error_of(with_database(R"({"url": "postgresql://trader@db/tradebot", "node": ""})")) ==
          "database.node: expected a non-empty string, got \"\"");
}

TEST_CASE("a password in database.url is refused, and the message does not repeat it",
          "[config][postgres]") {
    const std::string expected =
        "database.url: must not contain a password (libpq reads it from PGPASSWORD or "
        "~/.pgpass)";
    for (const char* url :
         {"postgresql://trader:s3cr3t-pw@db:5432/tradebot", "postgresql://trader:@db/tradebot",
          "postgresql://db/tradebot?user=trader&password=s3cr3t-pw",
          "postgres://trader:s3cr3t-pw@db1,db2/tradebot?sslmode=require"}) {
        INFO(url);
        const std::string error =
            error_of(with_database(std::string(R"({"url": ")") + url + R"("})"));
        CHECK(error == expected);
        CHECK(error.find("s3cr3t") == std::string::npos);
    }
}

TEST_CASE("database.url's deadlines: connect, statement, lock and keepalive, with defaults",
          "[config][postgres]") {
    config::Config c =
        testing_support::parse_config(with_database(R"({"url": "postgresql://trader@db/tradebot"})"));
    CHECK(c.database.connect_timeout_s == 5);
    CHECK(c.database.statement_timeout_ms == 5000);
    CHECK(c.database.lock_timeout_ms == 2000);
    CHECK(c.database.keepalive_s == 10);
    config::Config d = testing_support::parse_config(with_database(
        R"({"url": "postgresql://trader@db/tradebot", "connect_timeout_s": 2,
            "statement_timeout_ms": 30000, "lock_timeout_ms": 30000, "keepalive_s": 4})"));
    CHECK(d.database.connect_timeout_s == 2);
    CHECK(d.database.statement_timeout_ms == 30000);
    CHECK(d.database.lock_timeout_ms == 30000);
    CHECK(d.database.keepalive_s == 4);
    // --check-config shows them, and they read back the same.
    const nlohmann::json j = config::to_json(d);
    CHECK(j["database"]["statement_timeout_ms"] == 30000);
    CHECK(j["database"]["keepalive_s"] == 4);
    const config::Config back = testing_support::parse_config(j.dump());
    CHECK(back.database.connect_timeout_s == 2);
    CHECK(back.database.lock_timeout_ms == 30000);

    CHECK(error_of(with_database(R"({"path": "x.db", "statement_timeout_ms": 1000})")) ==
          "database.statement_timeout_ms: applies only with database.url");
    CHECK(error_of(with_database(
              R"({"url": "postgresql://trader@db/tradebot", "connect_timeout_s": 0})")) ==
          "database.connect_timeout_s: expected integer 1..300, got number 0");
    CHECK(error_of(with_database(
              R"({"url": "postgresql://trader@db/tradebot", "statement_timeout_ms": 50})")) ==
          "database.statement_timeout_ms: expected integer 100..600000, got number 50");
    CHECK(error_of(with_database(
              R"({"url": "postgresql://trader@db/tradebot", "lock_timeout_ms": 6000})")) ==
          "database.lock_timeout_ms: expected at most database.statement_timeout_ms (5000), got "
          "6000");
    CHECK(error_of(
              with_database(R"({"url": "postgresql://trader@db/tradebot", "keepalive_s": 0})")) ==
          "database.keepalive_s: expected integer 1..600, got number 0");
}
