// Fail-safe behaviour against other real processes: a close that keeps its deadline while
// another process holds the write lock, and a database file this process may not write.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <set>
#include <thread>
#include <vector>

#include "storage/database.h"
#include "storage/errors.h"
#include "storage/reader.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

using storage::Code;
using storage::Database;
using storage::WriteBatch;
using testing_support::ChildProcess;
using testing_support::TempDir;
using namespace std::chrono_literals;

namespace {

struct CacheGuard {
    CacheGuard() { Database::close_all_cached(); }
    ~CacheGuard() { Database::close_all_cached(); }
};

storage::Signal sig(const std::string& symbol, int n) {
    storage::Signal s;
    s.symbol = symbol;
    s.side = "BUY";
    s.price = "2500.75";
    s.strategy = "failsafe";
    s.event_time_ms = n;
    return s;
}

}  // namespace

TEST_CASE("a close keeps its deadline while another process holds the write lock",
          "[failsafe][process]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("bot_state.db");
    storage::Options opts;
    opts.busy_timeout_ms = 120000;  // SQLite alone would wait two minutes for the lock
    Database db(path, opts);
    REQUIRE(db.save_signal(sig("BEFORE", 0)).is_ok());

    ChildProcess holder({STORAGE_WRITER_CHILD, "hold-lock", path, "300000"});
    REQUIRE(holder.wait_until_output(
        [](const std::string& out) { return out.find("locked") != std::string::npos; }, 30s));
    std::vector<storage::WriteHandle> handles;
    for (int i = 0; i < 20; ++i)
        handles.push_back(db.submit(WriteBatch().insert_signal(sig("ASYNC", i))));
    std::promise<storage::Status> sync_result;
    std::thread sync_writer(
        [&] { sync_result.set_value(db.save_signal(sig("SYNC", 0)).status()); });
    // Every write is queued or inside a commit that waits for the lock.
    for (int i = 0; i < 3000 && db.writer_stats().queued < 21; ++i)
        std::this_thread::sleep_for(10ms);
    REQUIRE(db.writer_stats().queued == 21);

    auto closing = std::async(std::launch::async, [] {
        return Database::close_all_cached(std::chrono::steady_clock::now() + 300ms);
    });
    const bool returned = closing.wait_for(60s) == std::future_status::ready;
    holder.signal(SIGKILL);  // frees the lock (a close that missed its deadline finishes too)
    const std::size_t left = closing.get();
    sync_writer.join();
    CHECK(returned);

    std::size_t committed = 0, closed = 0;
    std::set<std::int64_t> committed_ids;
    for (auto& h : handles) {
        REQUIRE(h->done());
        auto r = h->wait();
        if (r.is_ok()) {
            ++committed;
            committed_ids.insert(r.value().ids.at(0));
        } else if (r.status().code() == Code::kClosed) {
            ++closed;
        }
    }
    const storage::Status sync_status = sync_result.get_future().get();
    if (sync_status.is_ok()) ++committed;
    if (sync_status.code() == Code::kClosed) ++closed;
    CHECK(left == 21);  // the lock was never free: nothing could commit
    CHECK(closed == left);
    CHECK(committed + closed == 21);

    REQUIRE(holder.wait_for(30s).has_value());
    storage::Reader reader(path);
    for (const auto& row : reader.signals("ASYNC", 0)) committed_ids.erase(row.id);
    CHECK(committed_ids.empty());  // every write reported committed is there
    CHECK(reader.counts().signals == static_cast<std::int64_t>(1 + committed));
    CHECK(reader.integrity_check() == "ok");
}

TEST_CASE("a database file this process may not write is refused, saying it is read-only",
          "[failsafe][process]") {
    CacheGuard guard;
    TempDir dir;
    // Another user may look into the folder (root drops to "nobody" in the child below).
    ::chmod(dir.path().c_str(), 0755);
    const std::string path = dir.file("bot_state.db");
    {
        Database db(path);
        REQUIRE(db.save_signal(sig("BTCUSDT", 1)).is_ok());
    }
    Database::close_all_cached();  // schema current: opening it again needs no migration
    REQUIRE(::chmod(path.c_str(), 0444) == 0);

    std::string output;
    if (::geteuid() == 0) {
        // Root may write any file: ask a process running as nobody (uid 65534).
        ::chmod(dir.path().c_str(), 0777);  // nobody may create the -wal and -shm files there
        ChildProcess child({STORAGE_WRITER_CHILD, "open-as", path, "65534"});
        REQUIRE(child.wait_for(60s) == 0);
        output = child.stdout_text();
    } else {
        try {
            Database db(path);
            output = "opened";
        } catch (const storage::OpenError& e) {
            output = std::string("refused: ") + e.what();
        }
    }
    INFO(output);
    CHECK_THAT(output, Catch::StartsWith("refused: "));
    CHECK_THAT(output, Catch::Contains(path) && Catch::Contains("read-only"));
    CHECK_THAT(output, !Catch::Contains("cannot record the schema version"));
    storage::Reader reader(path);
    CHECK(reader.counts().signals == 1);
    CHECK(reader.integrity_check() == "ok");
}
