#include "storage/postgres/queries.h"

#include <stdexcept>

#include "storage/postgres/schema.h"

namespace storage::pg {
namespace {

// LIMIT NULL is no limit: the same "0 or less means all" as the SQLite queries.
Params& add_limit(Params& p, int limit) { return limit <= 0 ? p.add_null() : p.add(limit); }

Result run(Connection& c, const std::string& sql, const Params& params, const char* what) {
    Result r = c.exec(sql, params);
    if (!r.ok()) throw std::runtime_error(std::string(what) + ": " + r.error());
    return r;
}

template <class T, class ReadRow>
std::vector<T> collect(const Result& r, ReadRow read_row) {
    std::vector<T> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_row(r, i));
    return out;
}

Order read_order(const Result& r, int i) {
    Order o;
    o.client_order_id = r.text(i, 0);
    o.symbol = r.text(i, 1);
    o.side = r.text(i, 2);
    o.type = r.text(i, 3);
    o.quantity = r.text(i, 4);
    o.price = r.text(i, 5);
    o.status = r.text(i, 6);
    o.exchange_order_id = r.text(i, 7);
    o.reason = r.text(i, 8);
    if (!r.is_null(i, 9)) o.signal_id = r.int64(i, 9);
    o.created_at_ms = r.int64(i, 10);
    o.updated_at_ms = r.int64(i, 11);
    return o;
}

Fill read_fill(const Result& r, int i) {
    Fill f;
    f.id = r.int64(i, 0);
    f.client_order_id = r.text(i, 1);
    f.symbol = r.text(i, 2);
    f.side = r.text(i, 3);
    f.price = r.text(i, 4);
    f.quantity = r.text(i, 5);
    f.fee = r.text(i, 6);
    f.fee_asset = r.text(i, 7);
    f.trade_id = r.text(i, 8);
    f.trade_time_ms = r.int64(i, 9);
    f.created_at_ms = r.int64(i, 10);
    return f;
}

// `seq` is the insertion order (SQLite's rowid): the tie-break between orders made in the same
// millisecond.
constexpr const char* kOrderColumns =
    "client_order_id, symbol, side, type, quantity, price, status, exchange_order_id, reason, "
    "signal_id, created_at_ms, updated_at_ms";

}  // namespace

std::vector<Signal> select_signals(Connection& c, const std::string& symbol, int limit) {
    Params p;
    p.add(symbol);
    add_limit(p, limit);
    Result r = run(c,
                   "SELECT id, symbol, side, price::text, strategy, reason, event_time_ms, "
                   "created_at_ms FROM signals WHERE ($1 = '' OR symbol = $1) "
                   "ORDER BY id DESC LIMIT $2::bigint",
                   p, "reading signals");
    return collect<Signal>(r, [](const Result& row, int i) {
        Signal s;
        s.id = row.int64(i, 0);
        s.symbol = row.text(i, 1);
        s.side = row.text(i, 2);
        s.price = row.text(i, 3);
        s.strategy = row.text(i, 4);
        s.reason = row.text(i, 5);
        s.event_time_ms = row.int64(i, 6);
        s.created_at_ms = row.int64(i, 7);
        return s;
    });
}

std::vector<Order> select_orders(Connection& c, const std::string& symbol, int limit) {
    Params p;
    p.add(symbol);
    add_limit(p, limit);
    Result r = run(c,
                   std::string("SELECT ") + kOrderColumns +
                       " FROM orders WHERE ($1 = '' OR symbol = $1) "
                       "ORDER BY created_at_ms DESC, seq DESC LIMIT $2::bigint",
                   p, "reading orders");
    return collect<Order>(r, read_order);
}

std::optional<Order> select_order(Connection& c, const std::string& client_order_id) {
    Result r =
        run(c, std::string("SELECT ") + kOrderColumns + " FROM orders WHERE client_order_id = $1",
            Params().add(client_order_id), "reading an order");
    if (r.rows() == 0) return std::nullopt;
    return read_order(r, 0);
}

std::vector<Order> select_unresolved_orders(Connection& c, const std::string& symbol) {
    Result r = run(c,
                   std::string("SELECT ") + kOrderColumns +
                       " FROM orders WHERE status IN ('PENDING', 'UNKNOWN') AND symbol = $1 "
                       "ORDER BY created_at_ms, seq",
                   Params().add(symbol), "reading unresolved orders");
    return collect<Order>(r, read_order);
}

std::vector<Fill> select_fills(Connection& c, const std::string& symbol, int limit) {
    Params p;
    p.add(symbol);
    add_limit(p, limit);
    Result r = run(c,
                   "SELECT id, client_order_id, symbol, side, price, quantity, fee, fee_asset, "
                   "trade_id, trade_time_ms, created_at_ms FROM fills "
                   "WHERE ($1 = '' OR symbol = $1) ORDER BY id DESC LIMIT $2::bigint",
                   p, "reading fills");
    return collect<Fill>(r, read_fill);
}

std::vector<Position> select_positions(Connection& c, const std::string& symbol) {
    Result r = run(c,
                   "SELECT symbol, quantity, avg_entry_price, realized_pnl, fees_paid, "
                   "updated_at_ms FROM positions WHERE ($1 = '' OR symbol = $1) ORDER BY symbol",
                   Params().add(symbol), "reading positions");
    return collect<Position>(r, [](const Result& row, int i) {
        Position p;
        p.symbol = row.text(i, 0);
        p.quantity = row.text(i, 1);
        p.avg_entry_price = row.text(i, 2);
        p.realized_pnl = row.text(i, 3);
        p.fees_paid = row.text(i, 4);
        p.updated_at_ms = row.int64(i, 5);
        return p;
    });
}

std::optional<std::string> select_state(Connection& c, const std::string& symbol,
                                        const std::string& key) {
    Result r = run(c, "SELECT value FROM bot_state WHERE symbol = $1 AND key = $2",
                   Params().add(symbol).add(key), "reading bot_state");
    if (r.rows() == 0) return std::nullopt;
    return r.text(0, 0);
}

std::map<std::string, std::string> select_states(Connection& c, const std::string& symbol) {
    Result r = run(c, "SELECT key, value FROM bot_state WHERE symbol = $1", Params().add(symbol),
                   "reading bot_state");
    std::map<std::string, std::string> out;
    for (int i = 0; i < r.rows(); ++i) out[r.text(i, 0)] = r.text(i, 1);
    return out;
}

Counts select_counts(Connection& c) {
    Result r = run(c,
                   "SELECT (SELECT count(*) FROM signals), (SELECT count(*) FROM orders), "
                   "(SELECT count(*) FROM fills), (SELECT count(*) FROM positions), "
                   "(SELECT count(*) FROM bot_state)",
                   Params(), "counting rows");
    return Counts{r.int64(0, 0), r.int64(0, 1), r.int64(0, 2), r.int64(0, 3), r.int64(0, 4)};
}

std::map<std::string, std::int64_t> select_signal_counts(Connection& c) {
    Result r = run(c, "SELECT symbol, count(*) FROM signals GROUP BY symbol ORDER BY symbol",
                   Params(), "counting signals per symbol");
    std::map<std::string, std::int64_t> out;
    for (int i = 0; i < r.rows(); ++i) out[r.text(i, 0)] = r.int64(i, 1);
    return out;
}

std::vector<LeaseInfo> select_leases(Connection& c) {
    Result r = run(c,
                   std::string("SELECT symbol, node, epoch, ") +
                       "(extract(epoch from expires_at) * 1000)::bigint, "
                       "expires_at > clock_timestamp() FROM leases ORDER BY symbol",
                   Params(), "reading leases");
    return collect<LeaseInfo>(r, [](const Result& row, int i) {
        return LeaseInfo{row.text(i, 0), row.text(i, 1), row.int64(i, 2), row.int64(i, 3),
                         row.boolean(i, 4)};
    });
}

std::string run_integrity_check(Connection& c) {
    std::string problems;
    auto problem = [&](const std::string& p) {
        if (!problems.empty()) problems += "\n";
        problems += p;
    };
    std::string error;
    const int version = read_schema_version(c, error);
    if (version < 0) {
        problem(error);
    } else if (version != current_schema_version()) {
        problem("schema version " + std::to_string(version) + ", this build writes " +
                std::to_string(current_schema_version()));
    }
    // Reading every row of a table makes the server check every page it holds.
    for (const char* table : {"signals", "orders", "fills", "positions", "bot_state", "leases"}) {
        Result r = c.exec(std::string("SELECT count(*) FROM (SELECT * FROM ") + table + ") t");
        if (!r.ok()) problem(std::string(table) + ": " + r.error());
    }
    // What the constraints promise, checked rather than assumed (a restore may have skipped them).
    Result orphans = c.exec(
        "SELECT (SELECT count(*) FROM fills f WHERE NOT EXISTS "
        "(SELECT 1 FROM orders o WHERE o.client_order_id = f.client_order_id)), "
        "(SELECT count(*) FROM orders o WHERE o.signal_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM signals s WHERE s.id = o.signal_id))");
    if (!orphans.ok()) {
        problem("checking references: " + orphans.error());
    } else {
        if (orphans.int64(0, 0) > 0) {
            problem(std::to_string(orphans.int64(0, 0)) + " fill(s) of an order that is not there");
        }
        if (orphans.int64(0, 1) > 0) {
            problem(std::to_string(orphans.int64(0, 1)) +
                    " order(s) naming a signal that is not there");
        }
    }
    return problems.empty() ? "ok" : problems;
}

}  // namespace storage::pg
