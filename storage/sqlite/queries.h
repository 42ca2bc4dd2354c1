// Read queries shared by Database (on the cached connection, under its lock) and Reader (on a
// read-only connection of its own). Private to storage/. Each function that reads several
// statements does so inside one read transaction, so what it returns is one snapshot.
#pragma once

#include <sqlite3.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "storage/records.h"

namespace storage::detail {

std::vector<Signal> select_signals(sqlite3* db, const std::string& symbol, int limit);
std::vector<Order> select_orders(sqlite3* db, const std::string& symbol, int limit);
std::optional<Order> select_order(sqlite3* db, const std::string& client_order_id);
// Orders of `symbol` whose status is PENDING or UNKNOWN, however old, oldest first.
std::vector<Order> select_unresolved_orders(sqlite3* db, const std::string& symbol);
std::vector<Fill> select_fills(sqlite3* db, const std::string& symbol, int limit);
std::vector<Position> select_positions(sqlite3* db, const std::string& symbol);
std::optional<std::string> select_state(sqlite3* db, const std::string& symbol,
                                        const std::string& key);
std::map<std::string, std::string> select_states(sqlite3* db, const std::string& symbol);
Counts select_counts(sqlite3* db);
// Signals per symbol, by symbol.
std::map<std::string, std::int64_t> select_signal_counts(sqlite3* db);
// "ok" or the problems, one a line.
std::string run_integrity_check(sqlite3* db);
// PRAGMA quick_check: "ok" or the first problem it found.
std::string run_quick_check(sqlite3* db);

}  // namespace storage::detail
