#include "storage/schema.h"

#include <vector>

#include "storage/reader.h"
#include "storage/sqlite_util.h"

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

}  // namespace

std::string migrate(sqlite3* db) {
    // BEGIN IMMEDIATE: two processes opening a new file at once must not both create tables.
    int rc = exec(db, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK) return "cannot start the schema migration: " + describe(db, rc);
    std::string error;
    try {
        int version = std::stoi(query_text(db, "PRAGMA user_version"));
        const int target = static_cast<int>(kMigrations.size());
        if (version > target) {
            error = "schema version " + std::to_string(version) +
                    " is newer than this build understands (" + std::to_string(target) +
                    "); refusing to touch it";
        }
        for (; error.empty() && version < target; ++version) {
            rc = exec(db, kMigrations[static_cast<size_t>(version)]);
            if (rc != SQLITE_OK) {
                error = "migration to schema version " + std::to_string(version + 1) +
                        " failed: " + describe(db, rc);
            }
        }
        if (error.empty()) {
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
