// Storage against other real processes: a second writer, a lock held past busy_timeout, and
// SIGKILL at random moments.
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "storage/database.h"
#include "storage/reader.h"
#include "support/child_process.h"
#include "support/storage.h"
#include "support/temp_dir.h"

using storage::Database;
using testing_support::CacheGuard;
using testing_support::ChildProcess;
using testing_support::TempDir;

namespace {

// Sanitizers slow every write down by 5-20x: keep the shape (threads, processes), scale counts.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kScale = 10;
#else
constexpr int kScale = 1;
#endif

storage::Signal sig(const std::string& symbol, int n) {
    storage::Signal s;
    s.symbol = symbol;
    s.side = n % 2 ? "SELL" : "BUY";
    s.price = "2500.75";
    s.strategy = "stress";
    s.event_time_ms = n;
    return s;
}

std::int64_t count_symbol(const std::string& path, const std::string& symbol) {
    storage::Reader r(path);
    return static_cast<std::int64_t>(r.signals(symbol, 0).size());
}

}  // namespace

TEST_CASE("stress: 8 threads x 10,000 save_signal while another process writes",
          "[process][stress]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("storage/bot_state.db");
    const int per_thread = 10000 / kScale;
    const int child_rows = 3000 / kScale;
    {
        Database init(path);  // create the schema before the child starts
    }
    ChildProcess child({STORAGE_WRITER_CHILD, "insert", path, std::to_string(child_rows), "CHILD"});
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            Database db(path);
            for (int i = 0; i < per_thread; ++i) {
                if (!db.save_signal(sig("T" + std::to_string(t), i)).is_ok()) ++errors;
            }
        });
    }
    for (auto& th : threads) th.join();
    auto code = child.wait_for(std::chrono::minutes(5));
    INFO("child stderr: " << child.stderr_text());
    REQUIRE(code == 0);
    CHECK(child.stdout_text() == "done " + std::to_string(child_rows) + "\n");
    CHECK(errors == 0);
    Database db(path);
    CHECK(db.counts().signals == 8 * per_thread + child_rows);
    for (int t = 0; t < 8; ++t) CHECK(count_symbol(path, "T" + std::to_string(t)) == per_thread);
    CHECK(count_symbol(path, "CHILD") == child_rows);
    CHECK(db.integrity_check() == "ok");
}

TEST_CASE("lock held by another process past busy_timeout: writes wait, then land exactly once",
          "[process][lock]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("bot_state.db");
    storage::Options opts;
    opts.busy_timeout_ms = 200;  // shorter than the 1.5 s the other process holds the lock
    opts.retry_initial = std::chrono::milliseconds(20);
    opts.retry_max = std::chrono::milliseconds(200);
    Database db(path, opts);
    REQUIRE(db.save_signal(sig("BEFORE", 0)).is_ok());

    ChildProcess holder({STORAGE_WRITER_CHILD, "hold-lock", path, "1500"});
    REQUIRE(holder.wait_until_output(
        [](const std::string& out) { return out.find("locked") != std::string::npos; },
        std::chrono::seconds(30)));
    // Made while the lock is held: synchronous writers in threads, and queued batches.
    std::vector<std::thread> writers;
    std::atomic<int> errors{0};
    for (int t = 0; t < 3; ++t) {
        writers.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                if (!db.save_signal(sig("SYNC" + std::to_string(t), i)).is_ok()) ++errors;
            }
        });
    }
    std::vector<storage::WriteHandle> handles;
    for (int i = 0; i < 20; ++i) {
        storage::WriteBatch b;
        b.insert_signal(sig("ASYNC", i));
        handles.push_back(db.submit(std::move(b)));
    }
    // While the other process holds the lock, nothing new can be committed.
    bool committed_early = handles.back()->wait_for(std::chrono::milliseconds(300));
    bool holder_still_running = holder.running();
    if (holder_still_running) CHECK_FALSE(committed_early);

    REQUIRE(holder.wait_for(std::chrono::seconds(30)) == 0);
    for (auto& w : writers) w.join();
    for (auto& h : handles) CHECK(h->wait().is_ok());
    CHECK(errors == 0);
    auto stats = db.writer_stats();
    CHECK(stats.retries > 0);
    CHECK_FALSE(stats.stalled);
    CHECK(db.counts().signals == 1 + 30 + 20);
    for (int t = 0; t < 3; ++t) CHECK(count_symbol(path, "SYNC" + std::to_string(t)) == 10);
    // Exactly once, and in submission order.
    auto async_rows = db.signals("ASYNC", 0);
    REQUIRE(async_rows.size() == 20);
    for (size_t i = 0; i < async_rows.size(); ++i) {
        CHECK(async_rows[i].event_time_ms == static_cast<std::int64_t>(19 - i));
    }
}

TEST_CASE("SIGKILL at random moments: integrity ok and every printed id present",
          "[process][crash]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("bot_state.db");
    { Database init(path); }
    Database::close_all_cached();
    std::mt19937 rng(20261126);
    std::uniform_int_distribution<int> delay_ms(5, 150);
    std::set<std::int64_t> seen;
    for (int round = 0; round < 24; ++round) {
        INFO("round " << round);
        ChildProcess child({STORAGE_WRITER_CHILD, "crash-loop", path, "CRASH"});
        // Let it commit something first, then kill it wherever it happens to be.
        REQUIRE(child.wait_until_output(
            [](const std::string& out) { return out.find("id ") != std::string::npos; },
            std::chrono::seconds(30)));
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
        child.signal(SIGKILL);
        REQUIRE(child.wait_for(std::chrono::seconds(30)) == 128 + SIGKILL);
        std::istringstream lines(child.stdout_text());
        std::string word;
        std::int64_t id;
        while (lines >> word >> id) seen.insert(id);  // a torn last line fails to parse: skipped

        storage::Reader reader(path);
        REQUIRE(reader.integrity_check() == "ok");
        std::set<std::int64_t> present;
        for (const auto& s : reader.signals("CRASH", 0)) present.insert(s.id);
        for (std::int64_t printed : seen) {
            if (present.count(printed) == 0) FAIL("id " << printed << " was committed but is gone");
        }
    }
    CHECK(seen.size() > 24);
}

TEST_CASE("soak: writers, readers and a lock-taking process for TRADEBOT_SOAK_SECONDS",
          "[.soak][soak]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("storage/bot_state.db");
    const char* env = std::getenv("TRADEBOT_SOAK_SECONDS");
    const int seconds = env ? std::max(1, std::atoi(env)) : 300;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    storage::Options opts;
    opts.busy_timeout_ms = 100;
    Database db(path, opts);
    std::atomic<bool> stop{false};
    std::atomic<std::int64_t> written{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&, t] {
            Database mine(path);
            for (int i = 0; !stop; ++i) {
                storage::WriteBatch b;
                b.insert_signal(sig("SOAK" + std::to_string(t), i))
                    .put_state("SOAK" + std::to_string(t), "n", std::to_string(i));
                if (mine.write(std::move(b)).is_ok()) {
                    ++written;
                } else {
                    ++errors;
                }
            }
        });
    }
    threads.emplace_back([&] {
        while (!stop) {
            storage::Reader r(path);
            if (r.counts().signals > written.load() + 6) ++errors;  // never more than committed
        }
    });
    int lock_rounds = 0;
    while (std::chrono::steady_clock::now() < until) {
        ChildProcess holder({STORAGE_WRITER_CHILD, "hold-lock", path, "300"});
        REQUIRE(holder.wait_for(std::chrono::seconds(60)) == 0);
        ++lock_rounds;
        std::this_thread::sleep_for(std::chrono::milliseconds(700));
    }
    stop = true;
    for (auto& th : threads) th.join();
    CHECK(errors == 0);
    CHECK(lock_rounds > 0);
    CHECK(db.counts().signals == written.load());
    CHECK(db.integrity_check() == "ok");
}
