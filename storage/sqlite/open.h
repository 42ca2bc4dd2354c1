// Opening a SQLite file for the writer: the checks, in an order that changes nothing before the
// file is known to be ours, then the connection's settings (pragmas) and the migration. Private
// to storage/.
#pragma once

#include <string>

#include "storage/sqlite/busy_handler.h"
#include "storage/options.h"
#include "storage/sqlite/util.h"

namespace storage::detail {

// Opens `path` (already normalised, its folder existing), creating it 0600 when missing:
//   1. refuses a file this process cannot write (read-only), a file that is not SQLite, a
//      database of some other program, one from a newer build, and a damaged one
//      (PRAGMA quick_check) - all before anything is written to it;
//   2. then journal_mode=WAL (checked: refused if it does not take), synchronous=NORMAL,
//      foreign_keys=ON, journal_size_limit; waits on locks through `busy`;
//   3. then migrates the schema forward (writing only if it is behind).
// Throws OpenError naming the path and the cause.
DbHandle open_for_writing(const std::string& path, const Options& options, BusyHandler& busy);

}  // namespace storage::detail
