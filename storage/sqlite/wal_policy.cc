#include "storage/sqlite/wal_policy.h"

namespace storage::detail {

void WalPolicy::install(sqlite3* db) { sqlite3_wal_hook(db, &WalPolicy::on_commit, this); }

int WalPolicy::on_commit(void* ctx, sqlite3* db, const char* schema, int wal_pages) {
    // Runs in the committing thread right after a COMMIT, under the connection's lock.
    auto* self = static_cast<WalPolicy*>(ctx);
    if (self->every_ <= 0) return SQLITE_OK;
    if (wal_pages < self->every_) {
        self->force_at_ = 2 * self->every_;  // the WAL restarted: back to the normal bound
        return SQLITE_OK;
    }
    if (wal_pages < self->force_at_) {
        // SQLite's own policy: copy what no reader still needs, never wait.
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        return SQLITE_OK;
    }
    const int rc =
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    self->force_at_ = rc == SQLITE_OK ? 2 * self->every_ : wal_pages + self->every_;
    self->forced_.fetch_add(1, std::memory_order_relaxed);
    return SQLITE_OK;  // a checkpoint that could not run does not fail the commit
}

}  // namespace storage::detail
