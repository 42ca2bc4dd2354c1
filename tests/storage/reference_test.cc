// The Python predecessor's nine tests (README "History"), ported. They pin the
// semantics we keep: WAL, busy_timeout 5000, synchronous NORMAL, one cached connection per file,
// close() that leaves the shared connection working. The three that hold for every engine
// (threads writing, several symbols, close()) are in tests/storage/contract_test.cc, which runs
// on SQLite and PostgreSQL alike.
#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>
#include <vector>

#include "storage/database.h"
#include "support/storage.h"
#include "support/temp_dir.h"
#include "test_rows.h"

using storage::Database;
using storage_test::signal_for;
using testing_support::CacheGuard;
using testing_support::TempDir;

TEST_CASE("WAL mode is enabled", "[reference][wal]") {
    CacheGuard guard;
    TempDir dir;
    Database db(dir.file("storage/bot_state.db"));
    CHECK(db.pragma("journal_mode") == "wal");
}

TEST_CASE("busy_timeout is 5000 ms by default", "[reference][wal]") {
    CacheGuard guard;
    TempDir dir;
    Database db(dir.file("bot_state.db"));
    CHECK(db.pragma("busy_timeout") == "5000");
}

TEST_CASE("synchronous is NORMAL (1)", "[reference][wal]") {
    CacheGuard guard;
    TempDir dir;
    Database db(dir.file("bot_state.db"));
    CHECK(db.pragma("synchronous") == "1");
    CHECK(db.pragma("foreign_keys") == "1");
}

TEST_CASE("the same file reuses one connection", "[reference][cache]") {
    CacheGuard guard;
    TempDir dir;
    Database a(dir.file("storage/bot_state.db"));
    Database b(dir.file("storage/bot_state.db"));
    Database c(dir.file("./storage/../storage/bot_state.db"));
    CHECK(a.connection_id() == b.connection_id());
    CHECK(a.connection_id() == c.connection_id());
    CHECK(a.path() == c.path());
    CHECK(Database::cached_connection_count() == 1);
}

TEST_CASE("different files get different connections", "[reference][cache]") {
    CacheGuard guard;
    TempDir dir;
    Database multi(dir.file("storage/bot_state.db"));
    Database other(dir.file("storage/other.db"));
    CHECK(multi.connection_id() != other.connection_id());
}

TEST_CASE("cached connection count follows open files and close_all_cached", "[reference][cache]") {
    CacheGuard guard;
    TempDir dir;
    CHECK(Database::cached_connection_count() == 0);
    Database a(dir.file("a.db"));
    CHECK(Database::cached_connection_count() == 1);
    Database a2(dir.file("a.db"));
    CHECK(Database::cached_connection_count() == 1);
    Database b(dir.file("b.db"));
    CHECK(Database::cached_connection_count() == 2);
    a.close();  // the instance goes; the shared connection stays cached
    CHECK(Database::cached_connection_count() == 2);
    Database::close_all_cached();
    CHECK(Database::cached_connection_count() == 0);
    // Instances still alive answer kClosed instead of writing through a dead handle.
    auto r = b.save_signal(signal_for("BTCUSDT", 1));
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == storage::Code::kClosed);
}
