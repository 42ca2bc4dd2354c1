#include "storage/sqlite/queries.h"

#include <stdexcept>

#include "storage/sqlite/util.h"

namespace storage::detail {
namespace {

// Reads are not on the hot path: statements are prepared per call. A failure to read is an
// operational error the caller cannot fix by retrying blindly, so it throws with the cause.
void check_done(sqlite3* db, int rc, const char* what) {
    if (rc != SQLITE_DONE) throw std::runtime_error(std::string(what) + ": " + describe(db, rc));
}

int clamp_limit(int limit) { return limit <= 0 ? -1 : limit; }  // SQLite: LIMIT -1 = no limit

// Steps `s` to the end, turning each row into a T with read_row; throws naming `what` on error.
template <class T, class ReadRow>
std::vector<T> collect(sqlite3* db, Statement& s, const char* what, ReadRow read_row) {
    std::vector<T> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_row(s));
    check_done(db, rc, what);
    return out;
}

Order read_order(const Statement& s) {
    Order o;
    o.client_order_id = s.column_text(0);
    o.symbol = s.column_text(1);
    o.side = s.column_text(2);
    o.type = s.column_text(3);
    o.quantity = s.column_text(4);
    o.price = s.column_text(5);
    o.status = s.column_text(6);
    o.exchange_order_id = s.column_text(7);
    o.reason = s.column_text(8);
    if (!s.column_is_null(9)) o.signal_id = s.column_int(9);
    o.created_at_ms = s.column_int(10);
    o.updated_at_ms = s.column_int(11);
    return o;
}

constexpr const char* kOrderColumns =
    "client_order_id, symbol, side, type, quantity, price, status, exchange_order_id, reason, "
    "signal_id, created_at_ms, updated_at_ms";

}  // namespace

std::vector<Signal> select_signals(sqlite3* db, const std::string& symbol, int limit) {
    Statement s(db,
                "SELECT id, symbol, side, price, strategy, reason, event_time_ms, created_at_ms "
                "FROM signals WHERE (?1 = '' OR symbol = ?1) ORDER BY id DESC LIMIT ?2",
                false);
    s.bind(1, symbol);
    s.bind(2, clamp_limit(limit));
    return collect<Signal>(db, s, "reading signals", [](const Statement& row) {
        Signal g;
        g.id = row.column_int(0);
        g.symbol = row.column_text(1);
        g.side = row.column_text(2);
        g.price = row.column_text(3);
        g.strategy = row.column_text(4);
        g.reason = row.column_text(5);
        g.event_time_ms = row.column_int(6);
        g.created_at_ms = row.column_int(7);
        return g;
    });
}

std::vector<Order> select_orders(sqlite3* db, const std::string& symbol, int limit) {
    Statement s(db,
                std::string("SELECT ") + kOrderColumns +
                    " FROM orders WHERE (?1 = '' OR symbol = ?1) "
                    "ORDER BY created_at_ms DESC, rowid DESC LIMIT ?2",
                false);
    s.bind(1, symbol);
    s.bind(2, clamp_limit(limit));
    return collect<Order>(db, s, "reading orders", read_order);
}

std::vector<Order> select_unresolved_orders(sqlite3* db, const std::string& symbol) {
    // orders_by_status finds them without scanning the symbol's history.
    Statement s(db,
                std::string("SELECT ") + kOrderColumns +
                    " FROM orders WHERE status IN ('PENDING', 'UNKNOWN') AND symbol = ?1 "
                    "ORDER BY created_at_ms, rowid",
                false);
    s.bind(1, symbol);
    return collect<Order>(db, s, "reading unresolved orders", read_order);
}

std::optional<Order> select_order(sqlite3* db, const std::string& client_order_id) {
    Statement s(db,
                std::string("SELECT ") + kOrderColumns + " FROM orders WHERE client_order_id = ?1",
                false);
    s.bind(1, client_order_id);
    int rc = s.step();
    if (rc == SQLITE_ROW) return read_order(s);
    check_done(db, rc, "reading an order");
    return std::nullopt;
}

std::vector<Fill> select_fills(sqlite3* db, const std::string& symbol, int limit) {
    Statement s(db,
                "SELECT id, client_order_id, symbol, side, price, quantity, fee, fee_asset, "
                "trade_id, trade_time_ms, created_at_ms FROM fills "
                "WHERE (?1 = '' OR symbol = ?1) ORDER BY id DESC LIMIT ?2",
                false);
    s.bind(1, symbol);
    s.bind(2, clamp_limit(limit));
    return collect<Fill>(db, s, "reading fills", [](const Statement& row) {
        Fill f;
        f.id = row.column_int(0);
        f.client_order_id = row.column_text(1);
        f.symbol = row.column_text(2);
        f.side = row.column_text(3);
        f.price = row.column_text(4);
        f.quantity = row.column_text(5);
        f.fee = row.column_text(6);
        f.fee_asset = row.column_text(7);
        f.trade_id = row.column_text(8);
        f.trade_time_ms = row.column_int(9);
        f.created_at_ms = row.column_int(10);
        return f;
    });
}

std::vector<Position> select_positions(sqlite3* db, const std::string& symbol) {
    Statement s(db,
                "SELECT symbol, quantity, avg_entry_price, realized_pnl, fees_paid, updated_at_ms "
                "FROM positions WHERE (?1 = '' OR symbol = ?1) ORDER BY symbol",
                false);
    s.bind(1, symbol);
    return collect<Position>(db, s, "reading positions", [](const Statement& row) {
        Position p;
        p.symbol = row.column_text(0);
        p.quantity = row.column_text(1);
        p.avg_entry_price = row.column_text(2);
        p.realized_pnl = row.column_text(3);
        p.fees_paid = row.column_text(4);
        p.updated_at_ms = row.column_int(5);
        return p;
    });
}

std::optional<std::string> select_state(sqlite3* db, const std::string& symbol,
                                        const std::string& key) {
    Statement s(db, "SELECT value FROM bot_state WHERE symbol = ?1 AND key = ?2", false);
    s.bind(1, symbol);
    s.bind(2, key);
    int rc = s.step();
    if (rc == SQLITE_ROW) return s.column_text(0);
    check_done(db, rc, "reading bot_state");
    return std::nullopt;
}

std::map<std::string, std::string> select_states(sqlite3* db, const std::string& symbol) {
    Statement s(db, "SELECT key, value FROM bot_state WHERE symbol = ?1", false);
    s.bind(1, symbol);
    std::map<std::string, std::string> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out[s.column_text(0)] = s.column_text(1);
    check_done(db, rc, "reading bot_state");
    return out;
}

Counts select_counts(sqlite3* db) {
    // One statement, so one snapshot.
    Statement s(db,
                "SELECT (SELECT count(*) FROM signals), (SELECT count(*) FROM orders), "
                "(SELECT count(*) FROM fills), (SELECT count(*) FROM positions), "
                "(SELECT count(*) FROM bot_state)",
                false);
    int rc = s.step();
    if (rc != SQLITE_ROW) throw std::runtime_error("counting rows: " + describe(db, rc));
    return Counts{s.column_int(0), s.column_int(1), s.column_int(2), s.column_int(3),
                  s.column_int(4)};
}

std::map<std::string, std::int64_t> select_signal_counts(sqlite3* db) {
    // Served by the (symbol, id) index: no table scan beyond the index itself.
    Statement s(db, "SELECT symbol, count(*) FROM signals GROUP BY symbol", false);
    std::map<std::string, std::int64_t> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out[s.column_text(0)] = s.column_int(1);
    check_done(db, rc, "counting signals per symbol");
    return out;
}

std::string run_integrity_check(sqlite3* db) {
    Statement s(db, "PRAGMA integrity_check", false);
    std::string out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
        if (!out.empty()) out += "\n";
        out += s.column_text(0);
    }
    if (rc != SQLITE_DONE) {
        if (!out.empty()) out += "\n";
        out += describe(db, rc);
    }
    return out;
}

std::string run_quick_check(sqlite3* db) {
    Statement s(db, "PRAGMA quick_check(1)", false);
    int rc = s.step();
    if (rc == SQLITE_ROW) return s.column_text(0);
    return describe(db, rc);
}

}  // namespace storage::detail
