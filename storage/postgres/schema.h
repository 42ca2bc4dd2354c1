// The tradebot schema in PostgreSQL's types and its forward migrations. Private to storage/.
//
// The same tables as the SQLite schema (signals, orders, fills, positions, bot_state), with money
// exact (TEXT as written, NUMERIC for signals.price), plus what several processes sharing one
// database need: leases (who trades which symbol, with an epoch), nodes (which processes are
// alive, to share the symbols out) and commit_tokens (to tell whether a transaction whose COMMIT
// answer was lost did commit). The version is kept in tradebot_schema.
#pragma once

#include <string>

#include "storage/postgres/client.h"

namespace storage::pg {

// The schema version this build writes (the same numbering as the SQLite schema).
int current_schema_version();

// The version recorded in the database: 0 when it holds no tradebot schema. Sets `error` (and
// returns -1) when the database cannot be read or holds tables of the same names that tradebot
// did not make.
int read_schema_version(Connection& c, std::string& error);

// Brings the database up to current_schema_version(). Reads the version first and writes only
// when a migration is due: then it takes a transaction-scoped advisory lock (two processes
// starting together wait for each other, and the second finds nothing left to do), reads the
// version again and migrates, all in one transaction. A schema newer than this build, tables of
// another program, a standby (read-only) server or a role that cannot write the tables are
// refused. Returns "" on success, else what went wrong.
std::string migrate(Connection& c);

// The SQLSTATE the fencing check raises when a writer's epoch is not the symbol's current one.
inline constexpr const char* kFencedSqlState = "TBF01";

}  // namespace storage::pg
