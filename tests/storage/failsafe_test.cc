// What a daemon's stop, start-up and heartbeat rely on: storage that keeps talking while it
// cannot write, never blocks a status call or a caller's short wait on I/O, keeps writes queued
// until they land, refuses what is not its own before touching it, writes nothing when it has
// nothing to write, and keeps its folders private.
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>
#include <vector>

#include "storage/database.h"
#include "storage/errors.h"
#include "storage/reader.h"
#include "support/temp_dir.h"
#include "test_helpers.h"

using storage::Code;
using storage::Database;
using storage::OpenError;
using storage::WriteBatch;
using storage_test::eventually;
using storage_test::fast_retry;
using testing_support::TempDir;
using namespace std::chrono_literals;

namespace {

struct CacheGuard {
    CacheGuard() { Database::close_all_cached(); }
    ~CacheGuard() { Database::close_all_cached(); }
};

storage::Signal sig(int n) {
    storage::Signal s;
    s.symbol = "BTCUSDT";
    s.side = "BUY";
    s.price = "100.5";
    s.strategy = "test";
    s.reason = std::string(200, 'r');
    s.event_time_ms = n;
    return s;
}

// A row that needs new pages (overflow pages for its reason): refused while the disk is full.
storage::Signal big_sig(int n) {
    storage::Signal s = sig(n);
    s.reason = std::string(3 * 4096, 'x');
    return s;
}

std::string open_error(const std::string& path) {
    try {
        Database db(path);
    } catch (const OpenError& e) {
        return e.what();
    }
    return "(opened)";
}

std::string bytes_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void exec(sqlite3* db, const char* sql) {
    REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
}

// Fills the disk as far as this database is concerned: no page beyond the current ones.
void fill_disk(Database& db) { db.pragma("max_page_count=" + db.pragma("page_count")); }
void free_disk(Database& db) { db.pragma("max_page_count=1000000"); }

}  // namespace

TEST_CASE("writer_stats and a handle's wait_for never wait for a log line being written",
          "[failsafe][threads]") {
    CacheGuard guard;
    TempDir dir;
    auto sink = std::make_shared<storage_test::CaptureSink>();
    Database db(dir.file("bot_state.db"), fast_retry(sink));
    REQUIRE(db.save_signal(sig(-1)).is_ok());
    fill_disk(db);
    // The stall warning is written to a pipe nobody drains (journald stalled): its writer hangs.
    sink->block_on("commit failed");
    auto handle = db.submit(WriteBatch().insert_signal(big_sig(1)));
    REQUIRE(eventually([&] { return sink->blocked() == 1; }));

    // The heartbeat's status call and a bot's short wait both answer while that line hangs.
    auto stats = std::async(std::launch::async, [&] { return db.writer_stats(); });
    const bool stats_answered = stats.wait_for(60s) == std::future_status::ready;
    auto waited = std::async(std::launch::async, [&] { return handle->wait_for(1ms); });
    const bool wait_answered = waited.wait_for(60s) == std::future_status::ready;
    sink->release();  // (lets a build that blocked finish the test)
    CHECK(stats_answered);
    CHECK(wait_answered);
    const auto s = stats.get();
    CHECK(s.stalled);
    CHECK(s.queued == 1);
    if (wait_answered) CHECK_FALSE(waited.get());

    free_disk(db);
    CHECK(handle->wait().is_ok());
    CHECK(db.counts().signals == 2);
}

TEST_CASE("while a stall lasts storage logs a reminder: how long, how many queued, the cause",
          "[failsafe][full]") {
    CacheGuard guard;
    TempDir dir;
    auto sink = std::make_shared<storage_test::CaptureSink>();
    storage::Options opts = fast_retry(sink);
    opts.stall_reminder_interval = 50ms;
    Database db(dir.file("bot_state.db"), opts);
    REQUIRE(db.save_signal(sig(-1)).is_ok());
    fill_disk(db);
    std::vector<storage::WriteHandle> handles;
    for (int i = 0; i < 4; ++i)
        handles.push_back(db.submit(WriteBatch().insert_signal(big_sig(i))));
    REQUIRE(sink->wait_for_lines("still failing", 2));
    free_disk(db);
    for (auto& h : handles) CHECK(h->wait().is_ok());
    REQUIRE(sink->wait_for_lines("commits resumed", 1));

    const auto lines = sink->lines();
    auto first = [&](const std::string& needle) { return sink->first(needle); };
    CHECK(first("commit failed") < first("still failing"));
    CHECK(first("still failing") < first("commits resumed"));
    const std::string& reminder = lines.at(first("still failing"));
    CHECK_THAT(reminder, Catch::Contains(db.path()) && Catch::Contains(" ms") &&
                             Catch::Contains("4 write(s) queued") && Catch::Contains("full"));
}

TEST_CASE("a write its caller waits for in short rounds lands later, or at the close",
          "[failsafe][full]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("bot_state.db");
    const storage::Options opts = fast_retry();
    std::vector<storage::WriteHandle> at_close;
    {
        Database db(path, opts);
        REQUIRE(db.save_signal(sig(-1)).is_ok());
        fill_disk(db);
        auto handle = db.submit(WriteBatch().insert_signal(big_sig(1)));
        // A bot checks its stop flag between short waits; the write stays queued meanwhile.
        int pending_rounds = 0;
        while (pending_rounds < 5 && !handle->wait_for(5ms)) ++pending_rounds;
        CHECK(pending_rounds == 5);
        free_disk(db);
        while (!handle->wait_for(5ms)) {
        }
        CHECK(handle->wait().is_ok());

        // Still queued when the daemon stops: the close commits them.
        fill_disk(db);
        for (int i = 0; i < 5; ++i)
            at_close.push_back(db.submit(WriteBatch().insert_signal(big_sig(10 + i))));
        REQUIRE(eventually([&] { return db.writer_stats().stalled; }));
        free_disk(db);
    }
    CHECK(Database::close_all_cached(std::chrono::steady_clock::now() + 60s) == 0);
    for (auto& h : at_close) CHECK(h->wait().is_ok());
    CHECK(storage::Reader(path).counts().signals == 7);
}

TEST_CASE("a SQLite database of another program is refused before anything changes it",
          "[failsafe][identity]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("shop.db");
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
        exec(raw, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
        exec(raw, "INSERT INTO customers (name) VALUES ('ada'), ('grace')");
        sqlite3_close(raw);
    }
    const std::string before = bytes_of(path);
    REQUIRE(before.size() > 100);
    REQUIRE(before[18] == 1);  // rollback journal, not WAL
    const std::string msg = open_error(path);
    CHECK_THAT(msg, Catch::Contains(path) && Catch::Contains("not a tradebot database") &&
                        Catch::Contains("customers"));
    CHECK(bytes_of(path) == before);  // still in its own journal mode, no table of ours added
    CHECK_FALSE(std::filesystem::exists(path + "-wal"));
    CHECK(Database::cached_connection_count() == 0);

    // Version 1 with only one table of that name is not ours either.
    const std::string half = dir.file("half.db");
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(half.c_str(), &raw) == SQLITE_OK);
        exec(raw,
             "CREATE TABLE signals (id INTEGER PRIMARY KEY, what TEXT); PRAGMA user_version = 1");
        sqlite3_close(raw);
    }
    const std::string half_before = bytes_of(half);
    CHECK_THAT(open_error(half),
               Catch::Contains(half) && Catch::Contains("not a tradebot database"));
    CHECK(bytes_of(half) == half_before);

    // A new, empty file is ours to create, as before.
    Database fresh(dir.file("new.db"));
    CHECK(fresh.pragma("user_version") == std::to_string(storage::current_schema_version()));
}

TEST_CASE("opening a database that needs no migration commits nothing to it",
          "[failsafe][identity]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("bot_state.db");
    {
        Database db(path);
        REQUIRE(db.save_signal(sig(1)).is_ok());
    }
    Database::close_all_cached();
    // Another connection watches the file: PRAGMA data_version changes when anyone else commits.
    sqlite3* watcher = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &watcher) == SQLITE_OK);
    auto data_version = [&] {
        sqlite3_stmt* st = nullptr;
        REQUIRE(sqlite3_prepare_v2(watcher, "PRAGMA data_version", -1, &st, nullptr) == SQLITE_OK);
        REQUIRE(sqlite3_step(st) == SQLITE_ROW);
        const auto v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return v;
    };
    const auto before = data_version();
    for (int start = 0; start < 3; ++start) {
        {
            Database db(path);
            CHECK(db.counts().signals == 1);
        }
        Database::close_all_cached();
    }
    CHECK(data_version() == before);  // three starts, not one write among them
    {
        Database db(path);
        REQUIRE(db.save_signal(sig(2)).is_ok());
    }
    CHECK(data_version() != before);  // and the watcher does see a write when there is one
    sqlite3_close(watcher);
}

TEST_CASE("folders storage creates are private (0700) whatever the umask", "[failsafe][files]") {
    CacheGuard guard;
    TempDir dir;
    const mode_t old_umask = ::umask(0);
    struct Restore {
        mode_t m;
        ~Restore() { ::umask(m); }
    } restore{old_umask};
    REQUIRE(::mkdir((dir.path() / "private").c_str(), 0755) == 0);  // exists already: left alone
    const std::string path = dir.file("private/a/b/bot_state.db");
    Database db(path);
    REQUIRE(db.save_signal(sig(1)).is_ok());
    auto mode = [](const std::filesystem::path& p) {
        struct stat st {};
        REQUIRE(::stat(p.c_str(), &st) == 0);
        return st.st_mode & 07777;
    };
    CHECK(mode(dir.path() / "private") == 0755);
    CHECK(mode(dir.path() / "private/a") == 0700);
    CHECK(mode(dir.path() / "private/a/b") == 0700);
    CHECK(mode(path) == 0600);
    CHECK(mode(path + "-wal") == 0600);
    CHECK(mode(path + "-shm") == 0600);
}
