// The tradebot schema (docs/reference.md "Database") and its forward migrations, keyed by
// PRAGMA user_version. Private to storage/.
#pragma once

#include <sqlite3.h>

#include <string>

namespace storage::detail {

// Brings the database up to current_schema_version() in one transaction. Returns an empty
// string on success, else what went wrong (the caller names the path). A database newer than
// this build is refused rather than touched.
std::string migrate(sqlite3* db);

}  // namespace storage::detail
