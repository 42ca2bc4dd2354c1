// How a SQLite connection waits for another process's lock: up to busy_timeout, like SQLite's
// own handler, but it also stops waiting once a close deadline has passed, so a close keeps its
// deadline whatever the other process does. Private to storage/.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <chrono>

namespace storage::detail {

class BusyHandler {
public:
    using Clock = std::chrono::steady_clock;

    explicit BusyHandler(int timeout_ms) : timeout_ms_(timeout_ms) {}
    BusyHandler(const BusyHandler&) = delete;
    BusyHandler& operator=(const BusyHandler&) = delete;

    // Makes `db` wait through this handler (instead of sqlite3_busy_timeout). The handler must
    // outlive the connection.
    void install(sqlite3* db);

    // From now on, waits end at `deadline` at the latest (SQLITE_BUSY). Any thread, any time.
    void give_up_at(Clock::time_point deadline);

    // The busy timeout in ms, and setting it ("PRAGMA busy_timeout" would report SQLite's own
    // handler, which this one replaces). REQUIRES: the connection's lock (one statement at a
    // time).
    int timeout_ms() const { return timeout_ms_; }
    void set_timeout_ms(int ms) { timeout_ms_ = ms; }

private:
    static int on_busy(void* self, int attempts);

    // Guarded by the connection's lock (SQLite calls the handler from the statement's thread).
    int timeout_ms_;
    Clock::time_point waiting_since_;
    // Any thread.
    std::atomic<Clock::rep> give_up_at_{Clock::time_point::max().time_since_epoch().count()};
};

}  // namespace storage::detail
