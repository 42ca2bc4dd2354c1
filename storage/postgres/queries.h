// Read queries on PostgreSQL, shared by the PostgreSQL backend (on its read connection) and the
// PostgreSQL reader of tradebotctl. Private to storage/. Each is one statement, so what it
// returns is one snapshot of committed data. A failure throws std::runtime_error with the cause;
// the caller decides whether to reconnect and ask again.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "storage/leases.h"
#include "storage/postgres/client.h"
#include "storage/records.h"

namespace storage::pg {

std::vector<Signal> select_signals(Connection& c, const std::string& symbol, int limit);
std::vector<Order> select_orders(Connection& c, const std::string& symbol, int limit);
std::optional<Order> select_order(Connection& c, const std::string& client_order_id);
// Orders of `symbol` whose status is PENDING or UNKNOWN, however old, oldest first.
std::vector<Order> select_unresolved_orders(Connection& c, const std::string& symbol);
std::vector<Fill> select_fills(Connection& c, const std::string& symbol, int limit);
// symbol empty: every position, by symbol.
std::vector<Position> select_positions(Connection& c, const std::string& symbol);
std::optional<std::string> select_state(Connection& c, const std::string& symbol,
                                        const std::string& key);
std::map<std::string, std::string> select_states(Connection& c, const std::string& symbol);
Counts select_counts(Connection& c);
// Signals per symbol, by symbol.
std::map<std::string, std::int64_t> select_signal_counts(Connection& c);
// Every symbol lease, by symbol; expires_at_ms and live by the server's clock.
std::vector<LeaseInfo> select_leases(Connection& c);
// "ok", or the problems found, one a line: the schema version, then every table read through
// (a damaged page fails the read), then the references the schema promises.
std::string run_integrity_check(Connection& c);

}  // namespace storage::pg
