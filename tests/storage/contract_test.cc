// The storage contract: what every engine behind storage::Database must do, whatever it is.
// One suite, built twice: storage_tests runs it on a SQLite file (SqliteTarget), and
// storage_pg_contract_tests on a PostgreSQL server each test starts (PgTarget); see
// tests/storage/targets.h. Engine-specific behaviour (WAL, pragmas, a full disk; leases,
// fencing, a lost COMMIT answer) is tested in the engines' own suites.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>
#include <vector>

#include "storage/database.h"
#include "support/storage.h"
#include "targets.h"
#include "test_rows.h"

using storage::Code;
using storage::Database;
using storage::WriteBatch;
using storage_test::sig;
using storage_test::signal_for;
using testing_support::CacheGuard;
using Target = STORAGE_TARGET;

namespace {

storage::Order order(const std::string& id, const std::string& status) {
    storage::Order o;
    o.client_order_id = id;
    o.symbol = "BTCUSDT";
    o.side = "BUY";
    o.quantity = "0.00103";
    o.price = "97000.10";
    o.status = status;
    return o;
}

}  // namespace

TEST_CASE("3 threads write 61 signals without error", "[reference][threads]") {
    Target target;  // outlives the guard: its close still reaches the database
    CacheGuard guard;
    const std::string path = target.db();
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
    Target target;  // outlives the guard: its close still reaches the database
    CacheGuard guard;
    const std::string path = target.db();
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
    Target target;  // outlives the guard: its close still reaches the database
    CacheGuard guard;
    const std::string path = target.db();
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

TEST_CASE("8 threads: every call gets its own committed row, gathered into fewer transactions",
          "[pipeline][threads]") {
    Target target;  // outlives the guard: its close still reaches the database
    CacheGuard guard;
    const std::string path = target.db();
    constexpr int kThreads = 8;
    constexpr int kPerThread = 1000;
    std::vector<std::vector<std::int64_t>> ids(kThreads);
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            Database db(path);
            for (int i = 0; i < kPerThread; ++i) {
                auto r = db.save_signal(sig("S" + std::to_string(t), i));
                if (!r.is_ok()) {
                    ++errors;
                    continue;
                }
                ids[t].push_back(r.value());
            }
        });
    }
    for (auto& th : threads) th.join();
    Database db(path);
    CHECK(errors == 0);
    std::set<std::int64_t> all;
    for (int t = 0; t < kThreads; ++t) {
        // A caller's ids are increasing: its writes commit in the order it made them.
        CHECK(std::is_sorted(ids[t].begin(), ids[t].end()));
        all.insert(ids[t].begin(), ids[t].end());
    }
    CHECK(all.size() == static_cast<size_t>(kThreads * kPerThread));
    CHECK(db.counts().signals == kThreads * kPerThread);
    // Each returned id is the row that caller wrote.
    auto reader = target.reader();
    auto per_symbol = reader->signal_counts();
    REQUIRE(per_symbol.size() == static_cast<size_t>(kThreads));
    for (const auto& [symbol, n] : per_symbol) CHECK(n == kPerThread);
    for (const auto& row : db.signals("S3", 0)) {
        CHECK(std::find(ids[3].begin(), ids[3].end(), row.id) != ids[3].end());
    }
    auto stats = db.writer_stats();
    CHECK(stats.batches == static_cast<std::uint64_t>(kThreads * kPerThread));
    CHECK(stats.transactions < stats.batches);  // group commit happened
    CHECK(stats.max_group > 1);
    CHECK(stats.failed == 0);
    CHECK(stats.queued == 0);
    CHECK(db.integrity_check() == "ok");
}

TEST_CASE("a batch is atomic and its rows read back exactly", "[pipeline]") {
    Target target;  // outlives the guard: its close still reaches the database
    CacheGuard guard;
    Database db(target.db());
    auto sid = db.save_signal(sig("BTCUSDT", 1));
    REQUIRE(sid.is_ok());
    REQUIRE(db.save_order(order("tb-BTCUSDT-1", "PENDING")).is_ok());

    storage::Order filled = order("tb-BTCUSDT-1", "FILLED");
    filled.exchange_order_id = "paper-1";
    filled.signal_id = sid.value();
    storage::Fill fill;
    fill.client_order_id = "tb-BTCUSDT-1";
    fill.symbol = "BTCUSDT";
    fill.side = "BUY";
    fill.price = "97000.10";
    fill.quantity = "0.00103";
    fill.fee = "0.09991010";
    fill.fee_asset = "USDT";
    fill.trade_id = "1";
    fill.trade_time_ms = 1700000000123;
    storage::Position pos;
    pos.symbol = "BTCUSDT";
    pos.quantity = "0.00103";
    pos.avg_entry_price = "97000.1";
    pos.realized_pnl = "-0.0999101";
    pos.fees_paid = "0.0999101";
    WriteBatch batch;
    batch.upsert_order(filled).insert_fill(fill).upsert_position(pos).put_state(
        "BTCUSDT", "strategy", R"({"ema":1})");
    auto r = db.write(std::move(batch));
    REQUIRE(r.is_ok());
    REQUIRE(r.value().ids.size() == 4);
    CHECK(r.value().ids[0] == 0);
    CHECK(r.value().ids[1] > 0);  // the fill's row id
    CHECK(r.value().ids[2] == 0);

    auto o = db.order("tb-BTCUSDT-1");
    REQUIRE(o);
    CHECK(o->status == "FILLED");
    CHECK(o->exchange_order_id == "paper-1");
    CHECK(o->quantity == "0.00103");
    CHECK(o->price == "97000.10");  // money stays the exact text it was given
    CHECK(o->signal_id == sid.value());
    CHECK(o->created_at_ms <= o->updated_at_ms);
    auto fills = db.fills("BTCUSDT");
    REQUIRE(fills.size() == 1);
    CHECK(fills[0].fee == "0.09991010");
    CHECK(fills[0].id == r.value().ids[1]);
    auto p = db.position("BTCUSDT");
    REQUIRE(p);
    CHECK(p->quantity == "0.00103");
    CHECK(p->realized_pnl == "-0.0999101");
    CHECK(db.state("BTCUSDT", "strategy") == std::optional<std::string>(R"({"ema":1})"));
    CHECK(db.states("BTCUSDT").size() == 1);
    CHECK(db.signals("BTCUSDT").at(0).price == "97123.45");  // REAL column, same value back

    // A batch whose second op is refused leaves nothing of the first behind.
    storage::Fill orphan = fill;
    orphan.client_order_id = "no-such-order";  // foreign key
    WriteBatch bad;
    bad.upsert_position(storage::Position{"ETHUSDT", "1", "3000", "0", "0", 0}).insert_fill(orphan);
    auto rb = db.write(std::move(bad));
    REQUIRE_FALSE(rb.is_ok());
    CHECK(rb.status().code() == Code::kInvalid);
    CHECK_FALSE(db.position("ETHUSDT").has_value());
}

TEST_CASE("a refused row fails alone, the rest of its group commits", "[pipeline][threads]") {
    Target target;  // outlives the guard: its close still reaches the database
    CacheGuard guard;
    const std::string path = target.db();
    // Many threads at once, every tenth write breaking a foreign key: groups mix good and bad.
    constexpr int kThreads = 6;
    constexpr int kPerThread = 200;
    std::atomic<int> ok{0}, invalid{0}, other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            Database db(path);
            for (int i = 0; i < kPerThread; ++i) {
                storage::Result<std::int64_t> r = [&]() -> storage::Result<std::int64_t> {
                    if (i % 10 == 0) {
                        storage::Fill f;
                        f.client_order_id = "missing";
                        f.symbol = "X";
                        f.side = "BUY";
                        f.price = f.quantity = f.fee = "1";
                        return db.save_fill(f);
                    }
                    return db.save_signal(sig("T" + std::to_string(t), i));
                }();
                if (r.is_ok()) {
                    ++ok;
                } else if (r.status().code() == Code::kInvalid) {
                    ++invalid;
                } else {
                    ++other;
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    Database db(path);
    CHECK(other == 0);
    CHECK(invalid == kThreads * kPerThread / 10);
    CHECK(ok == kThreads * kPerThread * 9 / 10);
    CHECK(db.counts().signals == ok);
    CHECK(db.counts().fills == 0);
}

TEST_CASE("rows that can never be written are refused before the database, naming the field",
          "[pipeline]") {
    Target target;  // outlives the guard: its close still reaches the database
    CacheGuard guard;
    Database db(target.db());
    auto bad_side = sig("BTCUSDT", 1, "HOLD");
    auto r = db.save_signal(bad_side);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == Code::kInvalid);
    CHECK_THAT(r.status().message(), Catch::Contains("side") && Catch::Contains("HOLD"));
    auto bad_price = sig("BTCUSDT", 1);
    bad_price.price = "1e5";
    r = db.save_signal(bad_price);
    CHECK_THAT(r.status().message(), Catch::Contains("price") && Catch::Contains("1e5"));
    CHECK(db.write(WriteBatch{}).status().code() == Code::kInvalid);
    CHECK(db.counts().signals == 0);
}

TEST_CASE("submit returns at once, the handle tells pending from committed", "[pipeline]") {
    Target target;  // outlives the guard: its close still reaches the database
    CacheGuard guard;
    Database db(target.db());
    std::vector<storage::WriteHandle> handles;
    for (int i = 0; i < 500; ++i) {
        WriteBatch b;
        b.insert_signal(sig("ETHUSDT", i)).put_state("ETHUSDT", "last", std::to_string(i));
        handles.push_back(db.submit(std::move(b)));
    }
    std::int64_t prev = 0;
    for (auto& h : handles) {
        auto r = h->wait();
        REQUIRE(r.is_ok());
        CHECK(h->done());
        CHECK(r.value().ids[0] > prev);  // committed in submission order
        prev = r.value().ids[0];
    }
    CHECK(db.counts().signals == 500);
    CHECK(db.state("ETHUSDT", "last") == std::optional<std::string>("499"));
}

TEST_CASE("close_all_cached flushes queued writes first", "[pipeline]") {
    Target target;  // outlives the guard: its close still reaches the database
    CacheGuard guard;
    const std::string path = target.db();
    std::vector<storage::WriteHandle> handles;
    {
        Database db(path);
        for (int i = 0; i < 300; ++i) {
            WriteBatch b;
            b.insert_signal(sig("XRPUSDT", i));
            handles.push_back(db.submit(std::move(b)));
        }
    }
    Database::close_all_cached();
    for (auto& h : handles) CHECK(h->wait().is_ok());
    auto reader = target.reader();
    CHECK(reader->counts().signals == 300);
}

TEST_CASE("unresolved orders are found however old, oldest first", "[errors][orders]") {
    Target target;  // outlives the guard: its close still reaches the database
    CacheGuard guard;
    Database db(target.db());
    auto order = [](int n, const std::string& symbol, const std::string& status) {
        storage::Order o;
        o.client_order_id = "tb-" + symbol + "-" + std::to_string(n);
        o.symbol = symbol;
        o.side = "BUY";
        o.type = "MARKET";
        o.quantity = "1";
        o.status = status;
        o.created_at_ms = n;
        o.updated_at_ms = n;
        return o;
    };
    REQUIRE(db.save_order(order(1, "BTCUSDT", "PENDING")).is_ok());
    REQUIRE(db.save_order(order(2, "BTCUSDT", "UNKNOWN")).is_ok());
    for (int n = 3; n < 60; ++n) REQUIRE(db.save_order(order(n, "BTCUSDT", "FILLED")).is_ok());
    REQUIRE(db.save_order(order(70, "ETHUSDT", "PENDING")).is_ok());
    auto found = db.unresolved_orders("BTCUSDT");
    REQUIRE(found.size() == 2);
    CHECK(found[0].client_order_id == "tb-BTCUSDT-1");
    CHECK(found[1].client_order_id == "tb-BTCUSDT-2");
    CHECK(db.unresolved_orders("XRPUSDT").empty());
}
