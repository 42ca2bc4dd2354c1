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
