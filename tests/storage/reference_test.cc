// The Python predecessor's nine tests (README "History"), ported. They pin the
// semantics we keep: WAL, busy_timeout 5000, synchronous NORMAL, one cached connection per file,
// close() that leaves the shared connection working.
#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>
#include <vector>

#include "storage/database.h"
#include "support/storage.h"
#include "support/temp_dir.h"

using storage::Database;
using testing_support::CacheGuard;
using testing_support::TempDir;

namespace {

storage::Signal signal_for(const std::string& symbol, int n) {
    storage::Signal s;
    s.symbol = symbol;
    s.side = n % 2 == 0 ? "BUY" : "SELL";
    s.price = std::to_string(100 + n) + ".5";
    s.strategy = "test";
    s.reason = "n=" + std::to_string(n);
    s.event_time_ms = 1700000000000 + n;
    return s;
}

}  // namespace

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

TEST_CASE("3 threads write 61 signals without error", "[reference][threads]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("storage/bot_state.db");
    // 21 + 20 + 20 = 61, as in the predecessor's test.
    const int per_thread[3] = {21, 20, 20};
    std::vector<std::thread> threads;
    std::vector<std::vector<std::int64_t>> ids(3);
    std::vector<int> errors(3, 0);
    for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&, t] {
            Database db(path);  // each thread its own instance, one shared connection
            for (int i = 0; i < per_thread[t]; ++i) {
                auto r = db.save_signal(signal_for("SYM" + std::to_string(t), i));
                if (r.is_ok()) {
                    ids[t].push_back(r.value());
                } else {
                    ++errors[t];
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    Database db(path);
    CHECK(errors == std::vector<int>{0, 0, 0});
    CHECK(db.counts().signals == 61);
    std::set<std::int64_t> unique;
    for (auto& v : ids) unique.insert(v.begin(), v.end());
    CHECK(unique.size() == 61);  // every call got its own row id
    CHECK(db.integrity_check() == "ok");
}

TEST_CASE("MultiSymbol: BTCUSDT, ETHUSDT, XRPUSDT write 45 signals", "[reference][threads]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("storage/bot_state.db");
    const std::vector<std::string> symbols = {"BTCUSDT", "ETHUSDT", "XRPUSDT"};
    std::vector<std::thread> bots;
    std::atomic<int> errors{0};  // Catch2 assertions are not thread-safe: count, check after
    for (const auto& symbol : symbols) {
        bots.emplace_back([&, symbol] {
            Database db(path);
            for (int i = 0; i < 15; ++i) {
                if (!db.save_signal(signal_for(symbol, i)).is_ok()) ++errors;
            }
        });
    }
    for (auto& b : bots) b.join();
    CHECK(errors == 0);
    Database db(path);
    CHECK(db.counts().signals == 45);
    for (const auto& symbol : symbols) {
        auto rows = db.signals(symbol, 0);
        REQUIRE(rows.size() == 15);
        for (const auto& row : rows) CHECK(row.symbol == symbol);
        // Newest first, and each symbol's own rows in the order that thread wrote them.
        CHECK(rows.front().reason == "n=14");
        CHECK(rows.back().reason == "n=0");
    }
}

TEST_CASE("close() releases the instance and leaves the shared connection working",
          "[reference][cache]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("bot_state.db");
    Database btc(path);
    Database eth(path);
    REQUIRE(btc.save_signal(signal_for("BTCUSDT", 1)).is_ok());
    btc.close();
    CHECK_FALSE(btc.is_open());
    CHECK(btc.save_signal(signal_for("BTCUSDT", 2)).status().code() == storage::Code::kClosed);
    REQUIRE(eth.save_signal(signal_for("ETHUSDT", 1)).is_ok());
    CHECK(eth.counts().signals == 2);
    CHECK(Database::cached_connection_count() == 1);
}
