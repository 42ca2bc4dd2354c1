// The commit pipeline: group commit, atomic batches, per-caller results, refused rows, async
// handles, reads, and the bounded WAL.
#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include "storage/database.h"
#include "storage/reader.h"
#include "support/storage.h"
#include "support/temp_dir.h"

using storage::Code;
using storage::Database;
using storage::WriteBatch;
using testing_support::CacheGuard;
using testing_support::TempDir;

namespace {

storage::Signal sig(const std::string& symbol, int n, const std::string& side = "BUY") {
    storage::Signal s;
    s.symbol = symbol;
    s.side = side;
    s.price = "97123.45";
    s.strategy = "ema_cross";
    s.reason = std::to_string(n);
    s.event_time_ms = n;
    return s;
}

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

TEST_CASE("8 threads: every call gets its own committed row, gathered into fewer transactions",
          "[pipeline][threads]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("bot_state.db");
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
    storage::Reader reader(path);
    auto per_symbol = reader.signal_counts();
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
    CacheGuard guard;
    TempDir dir;
    Database db(dir.file("bot_state.db"));
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
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("bot_state.db");
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
    CacheGuard guard;
    TempDir dir;
    Database db(dir.file("bot_state.db"));
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
    CacheGuard guard;
    TempDir dir;
    Database db(dir.file("bot_state.db"));
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
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("bot_state.db");
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
    storage::Reader reader(path);
    CHECK(reader.counts().signals == 300);
}

TEST_CASE("the WAL stays bounded while readers come and go", "[pipeline][wal]") {
    CacheGuard guard;
    TempDir dir;
    const std::string path = dir.file("bot_state.db");
    storage::Options opts;
    opts.journal_size_limit_bytes = 4 * 1024 * 1024;
    opts.wal_autocheckpoint_pages = 1000;  // ~4 MiB of 4 KiB pages
    Database db(path, opts);
    std::atomic<bool> stop{false};
    std::atomic<int> reads{0};
    std::thread reader_thread([&] {
        // Another connection reading in short transactions, as tradebotctl would.
        while (!stop) {
            storage::Reader r(path);
            (void)r.counts();
            ++reads;
        }
    });
    std::uintmax_t max_wal = 0;
    const std::string big_reason(400, 'x');
    for (int i = 0; i < 40000; ++i) {
        auto s = sig("BTCUSDT", i);
        s.reason = big_reason;
        REQUIRE(db.save_signal(s).is_ok());
        if (i % 500 == 0) {
            std::error_code ec;
            max_wal = std::max(max_wal, std::filesystem::file_size(path + "-wal", ec));
        }
    }
    stop = true;
    reader_thread.join();
    CHECK(reads > 0);
    // ~20 MB of rows went through; the -wal file stays within a few checkpoint intervals.
    INFO("largest -wal seen: " << max_wal << " bytes");
    CHECK(max_wal < 16u * 1024 * 1024);
    CHECK(std::filesystem::file_size(path) > 10u * 1024 * 1024);
}
