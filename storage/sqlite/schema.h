// The tradebot schema and its forward migrations, keyed by PRAGMA user_version. Private to
// storage/.
#pragma once

#include <sqlite3.h>

#include <string>

namespace storage::detail {

// Whether the database on `db` is one we may use, read without writing anything: empty (new),
// or tradebot's own schema at a version this build understands. Returns an empty string, or
// why not ("not a tradebot database: ...", "schema version 99 is newer than ..."). Throws
// std::runtime_error when the file cannot be read (e.g. not a database at all).
std::string check_identity(sqlite3* db);

// Brings the database up to current_schema_version(). Writes only when a migration is due: the
// version is read first, and only when it is behind is the write lock taken (BEGIN IMMEDIATE,
// so two processes opening a new file at once cannot both create it), the version read again,
// the migrations run and the new version recorded, in one transaction. Returns an empty string
// on success, else what went wrong (the caller names the path).
std::string migrate(sqlite3* db);

}  // namespace storage::detail
