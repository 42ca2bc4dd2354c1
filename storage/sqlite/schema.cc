#include "storage/sqlite/schema.h"

#include <set>
#include <stdexcept>
#include <vector>

#include "storage/reader.h"
#include "storage/sqlite/util.h"

namespace storage {
namespace detail {
namespace {

// Migration N takes user_version N to N + 1. Append, never edit: databases in the field were
// made by the old ones.
const std::vector<const char*> kMigrations = {
    // 0 -> 1: the initial schema.
    R"sql(
CREATE TABLE signals (
  id            INTEGER PRIMARY KEY,
  symbol        TEXT    NOT NULL,
  side          TEXT    NOT NULL CHECK (side IN ('BUY','SELL')),
  price         REAL    NOT NULL,
  strategy      TEXT    NOT NULL,
  reason        TEXT,
  event_time_ms INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX signals_by_symbol ON signals (symbol, id);

CREATE TABLE orders (
  client_order_id   TEXT    PRIMARY KEY,
  symbol            TEXT    NOT NULL,
  side              TEXT    NOT NULL CHECK (side IN ('BUY','SELL')),
  type              TEXT    NOT NULL,
  quantity          TEXT    NOT NULL,
  price             TEXT,
  status            TEXT    NOT NULL,
  exchange_order_id TEXT,
  reason            TEXT,
  signal_id         INTEGER REFERENCES signals (id),
  created_at_ms     INTEGER NOT NULL,
  updated_at_ms     INTEGER NOT NULL
);
CREATE INDEX orders_by_symbol ON orders (symbol, created_at_ms);
CREATE INDEX orders_by_status ON orders (status);

CREATE TABLE fills (
  id              INTEGER PRIMARY KEY,
  client_order_id TEXT    NOT NULL REFERENCES orders (client_order_id),
  symbol          TEXT    NOT NULL,
  side            TEXT    NOT NULL CHECK (side IN ('BUY','SELL')),
  price           TEXT    NOT NULL,
  quantity        TEXT    NOT NULL,
  fee             TEXT    NOT NULL,
  fee_asset       TEXT,
  trade_id        TEXT,
  trade_time_ms   INTEGER NOT NULL,
  created_at_ms   INTEGER NOT NULL,
  UNIQUE (client_order_id, trade_id)
);
CREATE INDEX fills_by_symbol ON fills (symbol, id);

CREATE TABLE positions (
  symbol          TEXT    PRIMARY KEY,
  quantity        TEXT    NOT NULL,
  avg_entry_price TEXT    NOT NULL,
  realized_pnl    TEXT    NOT NULL,
  fees_paid       TEXT    NOT NULL,
  updated_at_ms   INTEGER NOT NULL
);

CREATE TABLE bot_state (
  symbol        TEXT    NOT NULL,
  key           TEXT    NOT NULL,
  value         TEXT    NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (symbol, key)
);
)sql",
};

// The columns of each table as migration 1 created them: a table of that name without them is
// some other program's.
struct TableColumns {
    const char* table;
    std::vector<const char*> columns;
};
const std::vector<TableColumns> kTables = {
    {"signals",
     {"id", "symbol", "side", "price", "strategy", "reason", "event_time_ms", "created_at_ms"}},
    {"orders",
     {"client_order_id", "symbol", "side", "type", "quantity", "price", "status",
      "exchange_order_id", "reason", "signal_id", "created_at_ms", "updated_at_ms"}},
    {"fills",
     {"id", "client_order_id", "symbol", "side", "price", "quantity", "fee", "fee_asset",
      "trade_id", "trade_time_ms", "created_at_ms"}},
    {"positions",
     {"symbol", "quantity", "avg_entry_price", "realized_pnl", "fees_paid", "updated_at_ms"}},
    {"bot_state", {"symbol", "key", "value", "updated_at_ms"}},
};

int user_version(sqlite3* db) { return std::stoi(query_text(db, "PRAGMA user_version")); }

std::set<std::string> table_names(sqlite3* db) {
    Statement s(db,
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                false);
    std::set<std::string> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.insert(s.column_text(0));
    if (rc != SQLITE_DONE) throw std::runtime_error("reading the schema: " + describe(db, rc));
    return out;
}

std::set<std::string> column_names(sqlite3* db, const std::string& table) {
    Statement s(db, "SELECT name FROM pragma_table_info(?1)", false);
    s.bind(1, table);
    std::set<std::string> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.insert(s.column_text(0));
    if (rc != SQLITE_DONE) throw std::runtime_error("reading the schema: " + describe(db, rc));
    return out;
}

std::string join(const std::set<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

}  // namespace

std::string check_identity(sqlite3* db) {
    const int version = user_version(db);  // the first read: a file that is not SQLite fails here
    const int target = static_cast<int>(kMigrations.size());
    if (version > target) {
        return "schema version " + std::to_string(version) +
               " is newer than this build understands (" + std::to_string(target) +
               "); refusing to touch it";
    }
    const std::set<std::string> tables = table_names(db);
    if (version == 0) {
        if (tables.empty()) return {};  // new or empty: ours to create
        return "not a tradebot database (schema version 0 with tables " + join(tables) +
               "); refusing to touch it";
    }
    for (const auto& t : kTables) {
        if (tables.count(t.table) == 0) {
            return "not a tradebot database (schema version " + std::to_string(version) +
                   " but no table " + t.table + "; tables: " + join(tables) +
                   "); refusing to touch it";
        }
        const std::set<std::string> have = column_names(db, t.table);
        for (const char* c : t.columns) {
            if (have.count(c) == 0) {
                return std::string("not a tradebot database (table ") + t.table +
                       " has no column " + c + "); refusing to touch it";
            }
        }
    }
    return {};
}

std::string migrate(sqlite3* db) {
    const int target = static_cast<int>(kMigrations.size());
    try {
        if (user_version(db) == target) return {};  // the usual start: nothing to write
    } catch (const std::exception& e) {
        return e.what();
    }
    int rc = exec(db, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK) return "cannot start the schema migration: " + describe(db, rc);
    std::string error;
    try {
        // Again under the write lock: another process may have migrated meanwhile.
        int version = user_version(db);
        if (version > target) {
            error = "schema version " + std::to_string(version) +
                    " is newer than this build understands (" + std::to_string(target) +
                    "); refusing to touch it";
        }
        const bool behind = version < target;
        for (; error.empty() && version < target; ++version) {
            rc = exec(db, kMigrations[static_cast<size_t>(version)]);
            if (rc != SQLITE_OK) {
                error = "migration to schema version " + std::to_string(version + 1) +
                        " failed: " + describe(db, rc);
            }
        }
        if (error.empty() && behind) {
            rc = exec(db, "PRAGMA user_version = " + std::to_string(target));
            if (rc != SQLITE_OK) error = "cannot record the schema version: " + describe(db, rc);
        }
    } catch (const std::exception& e) {
        error = e.what();
    }
    if (!error.empty()) {
        exec(db, "ROLLBACK");
        return error;
    }
    rc = exec(db, "COMMIT");
    if (rc != SQLITE_OK) {
        exec(db, "ROLLBACK");
        return "cannot commit the schema migration: " + describe(db, rc);
    }
    return {};
}

}  // namespace detail

int current_schema_version() { return static_cast<int>(detail::kMigrations.size()); }

}  // namespace storage
