// The SQL of every write: one prepared statement per kind of op, bound from the op's fields.
// Private to storage/.
#pragma once

#include <sqlite3.h>

#include <cstdint>

#include "storage/sqlite/util.h"
#include "storage/write_batch.h"

namespace storage::detail {

class RowWriter {
public:
    // Prepares the statements on `db` (schema already migrated). Throws std::runtime_error.
    explicit RowWriter(sqlite3* db);

    // Applies one op inside the open transaction, stamping it with `now_ms`. Returns the SQLite
    // code; on SQLITE_OK sets `id` to the new rowid for inserts (signals, fills), else 0. A
    // failing statement is undone alone by SQLite (its constraints abort that statement only).
    int apply(const WriteBatch::Op& op, std::int64_t now_ms, std::int64_t& id);

private:
    sqlite3* db_;
    Statement insert_signal_, upsert_order_, insert_fill_, upsert_position_;
    Statement put_state_, delete_state_;
};

}  // namespace storage::detail
