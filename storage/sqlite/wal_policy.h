// The WAL bound: when to checkpoint the -wal file back into the database. Private to storage/.
//
// SQLite's own policy copies the WAL back (PASSIVE) every N pages, but with readers arriving all
// the time a passive checkpoint never lets the WAL restart, so it only grows. This policy keeps
// that and escalates: when the WAL reaches twice the interval, a TRUNCATE checkpoint waits (the
// busy timeout at most) for the readers of the moment and empties the file; if it cannot, it is
// tried again one interval later rather than after every commit.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstdint>

namespace storage::detail {

class WalPolicy {
public:
    explicit WalPolicy(int every_pages) : every_(every_pages), force_at_(2 * every_pages) {}
    WalPolicy(const WalPolicy&) = delete;
    WalPolicy& operator=(const WalPolicy&) = delete;

    // Replaces SQLite's autocheckpoint hook on `db` with this policy. Must outlive `db`.
    void install(sqlite3* db);

    // TRUNCATE checkpoints run so far (any thread).
    std::uint64_t forced_checkpoints() const { return forced_.load(std::memory_order_relaxed); }

private:
    static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);

    const int every_;
    int force_at_;  // WAL pages at which to TRUNCATE; touched in the committing thread only
    std::atomic<std::uint64_t> forced_{0};
};

}  // namespace storage::detail
