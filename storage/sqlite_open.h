// Opening a SQLite file for the writer: the connection's settings (pragmas), the integrity check
// and the migration. Private to storage/.
#pragma once

#include <string>

#include "storage/busy_handler.h"
#include "storage/options.h"
#include "storage/sqlite_util.h"

namespace storage::detail {

// Opens `path` (already normalised, its folder existing), creating it 0600 when missing:
// journal_mode=WAL (checked: refused if it does not take), waits on locks through `busy`,
// synchronous=NORMAL,
// foreign_keys=ON, journal_size_limit; refuses a damaged database (PRAGMA quick_check); then
// migrates the schema forward. Throws OpenError naming the path and the cause.
DbHandle open_for_writing(const std::string& path, const Options& options, BusyHandler& busy);

}  // namespace storage::detail
