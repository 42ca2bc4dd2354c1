// Test helpers around storage/: a clean connection cache per test, and waiting for a database
// another process writes. Header-only, for the suites that link storage.
#pragma once

#include <chrono>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "storage/database.h"
#include "storage/errors.h"
#include "storage/reader.h"
#include "support/wait.h"

namespace testing_support {

// Every test starts and ends with an empty connection cache (Database::close_all_cached()), so
// no connection, and no write queued on it, leaks from one test into the next.
struct CacheGuard {
    CacheGuard() { storage::Database::close_all_cached(); }
    ~CacheGuard() { storage::Database::close_all_cached(); }
    CacheGuard(const CacheGuard&) = delete;
    CacheGuard& operator=(const CacheGuard&) = delete;
};

// Polls the database at `path` (which may not exist yet) through a read-only Reader until
// pred(reader) holds, or `timeout` passes.
template <class Pred>
bool wait_for_db(const std::string& path, Pred pred, std::chrono::milliseconds timeout,
                 std::chrono::milliseconds poll = std::chrono::milliseconds(100)) {
    return wait_until(
        [&] {
            try {
                storage::Reader reader(path);
                return static_cast<bool>(pred(reader));
            } catch (const storage::OpenError&) {
                return false;  // not created yet
            }
        },
        timeout, poll);
}

// The whole file at `path`, byte for byte ("" when it cannot be read).
inline std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Makes `path` a database of 500 signals, closed (its WAL checkpointed into the file), then
// writes 16 bytes of 0xff over the header of a b-tree page in the middle of it: a damaged file
// that SQLite's checks notice. REQUIRES: no connection to `path` outside this call.
inline void make_damaged_database(const std::string& path) {
    int page_size = 0, pages = 0;
    {
        storage::Database db(path);
        storage::WriteBatch batch;
        for (int i = 0; i < 500; ++i) {
            storage::Signal s;
            s.symbol = "BTCUSDT";
            s.side = "BUY";
            s.price = "60000";
            s.strategy = "ema_cross";
            s.reason = "filler";
            s.event_time_ms = i;
            batch.insert_signal(s);
        }
        if (!db.write(std::move(batch)).is_ok()) throw std::runtime_error("cannot fill " + path);
        page_size = std::stoi(db.pragma("page_size"));
        pages = std::stoi(db.pragma("page_count"));
    }
    storage::Database::close_all_cached();  // checkpoints the WAL into the file and removes it
    if (pages <= 4) throw std::runtime_error(path + ": too few pages to damage one");
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(page_size) * (pages / 2));
    const std::string garbage(16, '\xff');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
}

}  // namespace testing_support
