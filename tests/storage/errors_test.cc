// Bad paths, bad files, a full disk: clear errors that name the path and the cause, and no
// write lost.
#include "storage/errors.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "storage/database.h"
#include "storage/reader.h"
#include "support/storage.h"
#include "support/temp_dir.h"

using storage::Code;
using storage::Database;
using storage::OpenError;
using storage::WriteBatch;
using testing_support::CacheGuard;
using testing_support::TempDir;

namespace {

storage::Signal sig(int n) {
    storage::Signal s;
    s.symbol = "BTCUSDT";
    s.side = "BUY";
    s.price = "100.5";
    s.strategy = "test";
    s.reason = std::string(200, 'r');  // rows big enough to fill pages quickly
    s.event_time_ms = n;
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

}  // namespace

TEST_CASE("the parent folder is created and the file is private (0600)", "[errors]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("a/b/storage/bot_state.db");
    Database db(path);
    REQUIRE(db.save_signal(sig(1)).is_ok());
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat((path + "-wal").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("a path under a regular file fails naming the path and the cause", "[errors]") {
    CacheGuard guard;
    TempDir dir;
    std::ofstream(dir.file("plainfile")) << "x";
    std::string msg = open_error(dir.file("plainfile/bot_state.db"));
    CHECK_THAT(msg, Catch::Contains(dir.file("plainfile")));
    CHECK_THAT(msg,
               Catch::Contains("cannot create the folder") || Catch::Contains("Not a directory"));
    CHECK(Database::cached_connection_count() == 0);
}

TEST_CASE("a file that is not a SQLite database is refused, naming it", "[errors]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("junk.db");
    std::ofstream(path) << std::string(8192, 'J');
    std::string msg = open_error(path);
    CHECK_THAT(msg, Catch::Contains(path));
    CHECK_THAT(msg, Catch::Contains("not a database"));
    CHECK_THROWS_WITH(storage::Reader(path),
                      Catch::Contains(path) && Catch::Contains("not a database"));
    CHECK_THROWS_WITH(storage::Reader(dir.file("missing.db")), Catch::Contains("no such file"));
}

TEST_CASE("a read-only folder is refused with the cause", "[errors]") {
    if (::geteuid() == 0) {
        WARN(
            "running as root: permission bits do not stop root; the unwritable-folder case is "
            "covered by the path-under-a-file test");
        return;
    }
    CacheGuard guard;
    TempDir dir;
    std::filesystem::create_directory(dir.path() / "ro");
    ::chmod((dir.path() / "ro").c_str(), 0500);
    std::string msg = open_error(dir.file("ro/bot_state.db"));
    CHECK_THAT(msg, Catch::Contains("Permission denied"));
}

TEST_CASE("a database from a newer build is refused, not touched", "[errors]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("future.db");
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
    std::string msg = open_error(path);
    CHECK_THAT(msg, Catch::Contains("schema version 99"));
}

TEST_CASE("schema version is recorded and a reopened database keeps its rows", "[errors]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("bot_state.db");
    {
        Database db(path);
        CHECK(db.pragma("user_version") == std::to_string(storage::current_schema_version()));
        REQUIRE(db.save_signal(sig(1)).is_ok());
    }
    Database::close_all_cached();
    Database again(path);
    CHECK(again.counts().signals == 1);
    storage::Reader reader(path);
    CHECK(reader.schema_version() == storage::current_schema_version());
}

TEST_CASE("disk full: writes wait, nothing half written, every row lands once space returns",
          "[errors][full]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("bot_state.db");
    storage::Options opts;
    opts.retry_initial = std::chrono::milliseconds(5);
    opts.retry_max = std::chrono::milliseconds(50);
    Database db(path, opts);
    REQUIRE(db.save_signal(sig(-1)).is_ok());  // event time -1: outside every thread's range
    const std::string pages = db.pragma("page_count");
    // Cap the file at its current size plus a little: inserts soon hit SQLITE_FULL.
    db.pragma("max_page_count=" + std::to_string(std::stoi(pages) + 2));

    // Writers keep going as a bot would; each blocks until its row is committed.
    constexpr int kThreads = 4;
    constexpr int kPerThread = 50;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            Database mine(path);
            for (int i = 0; i < kPerThread; ++i) {
                WriteBatch b;  // two rows that must land together or not at all
                b.insert_signal(sig(t * 1000 + i))
                    .put_state("T" + std::to_string(t), "n", std::to_string(i));
                if (!mine.write(std::move(b)).is_ok()) ++failures;
            }
        });
    }
    // Wait until the pipeline is stalled on the full disk, then check it is consistent.
    for (int i = 0; i < 2000 && !db.writer_stats().stalled; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    REQUIRE(db.writer_stats().stalled);
    {
        // Another connection sees whole batches only: for each thread, its committed signals
        // number exactly its state row's n + 1 (or zero and no state row).
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
        REQUIRE(sqlite3_exec(raw, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK);
        for (int t = 0; t < kThreads; ++t) {
            std::string q =
                "SELECT (SELECT count(*) FROM signals WHERE event_time_ms BETWEEN " +
                std::to_string(t * 1000) + " AND " + std::to_string(t * 1000 + 999) +
                "), (SELECT coalesce(max(CAST(value AS INTEGER)) + 1, 0) FROM bot_state "
                "WHERE symbol = 'T" +
                std::to_string(t) + "')";
            sqlite3_stmt* st = nullptr;
            REQUIRE(sqlite3_prepare_v2(raw, q.c_str(), -1, &st, nullptr) == SQLITE_OK);
            REQUIRE(sqlite3_step(st) == SQLITE_ROW);
            CHECK(sqlite3_column_int(st, 0) == sqlite3_column_int(st, 1));
            sqlite3_finalize(st);
        }
        sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr);
        sqlite3_close(raw);
        storage::Reader reader(path);
        CHECK(reader.integrity_check() == "ok");
        CHECK(reader.counts().signals < 1 + kThreads * kPerThread);  // some are still waiting
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let it retry a few times
    CHECK(db.writer_stats().retries > 0);
    db.pragma("max_page_count=1000000");
    for (auto& th : threads) th.join();
    CHECK(failures == 0);
    CHECK(db.counts().signals == 1 + kThreads * kPerThread);
    for (int t = 0; t < kThreads; ++t) {
        CHECK(db.state("T" + std::to_string(t), "n") ==
              std::optional<std::string>(std::to_string(kPerThread - 1)));
    }
    CHECK_FALSE(db.writer_stats().stalled);
    CHECK(db.integrity_check() == "ok");
}

TEST_CASE("a close with a deadline gives up on a full disk and counts what it left",
          "[errors][full]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("bot_state.db");
    storage::Options opts;
    opts.retry_initial = std::chrono::milliseconds(5);
    opts.retry_max = std::chrono::milliseconds(50);
    Database db(path, opts);
    REQUIRE(db.save_signal(sig(-1)).is_ok());
    db.pragma("max_page_count=" + db.pragma("page_count"));  // no page beyond the current ones

    std::vector<storage::WriteHandle> handles;
    for (int i = 0; i < 100; ++i) handles.push_back(db.submit(WriteBatch().insert_signal(sig(i))));
    for (int i = 0; i < 2000 && !db.writer_stats().stalled; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    REQUIRE(db.writer_stats().stalled);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(db.writer_stats().stalled_ms > 0);
    CHECK(db.writer_stats().sticky_error.empty());

    const std::size_t left = Database::close_all_cached(std::chrono::steady_clock::now() +
                                                        std::chrono::milliseconds(200));
    CHECK(left > 0);
    std::size_t committed = 0, closed = 0;
    for (auto& h : handles) {
        REQUIRE(h->done());
        const Code code = h->wait().status().code();
        if (code == Code::kOk) ++committed;
        if (code == Code::kClosed) ++closed;
    }
    CHECK(closed == left);
    CHECK(committed + closed == handles.size());
    // Every write reported committed is there, none of the others, and the file is sound.
    storage::Reader reader(path);
    CHECK(reader.counts().signals == static_cast<std::int64_t>(1 + committed));
    CHECK(reader.integrity_check() == "ok");
}

TEST_CASE("a damaged file is refused at open, naming it and the problem, and left untouched",
          "[errors][corrupt]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("bot_state.db");
    testing_support::make_damaged_database(path);
    auto bytes = [&] { return testing_support::file_bytes(path); };
    const std::string damaged = bytes();
    const std::string message = open_error(path);
    CHECK_THAT(message, Catch::Contains(path));
    CHECK_THAT(message, Catch::Contains("damaged"));
    CHECK_THAT(message, Catch::Contains(".recover"));
    CHECK(bytes() == damaged);
    CHECK(Database::cached_connection_count() == 0);
}
