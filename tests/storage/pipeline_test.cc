// The SQLite pipeline's bounded WAL. (Group commit, atomic batches, per-caller results, refused
// rows, async handles and reads hold for every engine: tests/storage/contract_test.cc.)
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
#include "test_rows.h"

using storage::Code;
using storage::Database;
using storage::WriteBatch;
using storage_test::sig;
using testing_support::CacheGuard;
using testing_support::TempDir;

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
