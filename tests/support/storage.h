// Test helpers around storage/: a clean connection cache per test, and waiting for a database
// another process writes. Header-only, for the suites that link storage.
#pragma once

#include <chrono>
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

}  // namespace testing_support
