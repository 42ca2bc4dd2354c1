#include "storage/sqlite/backend.h"

#include <cctype>
#include <stdexcept>

#include "storage/errors.h"
#include "storage/sqlite/queries.h"
#include "storage/sqlite/open.h"

namespace storage {
namespace {

// A failure that ends the whole group: worth retrying, or sticky.
GroupOutcome group_failure(const std::string& what, sqlite3* db, int rc) {
    std::string why = what + detail::describe(db, rc);
    return detail::is_transient(rc) ? GroupOutcome::transient(std::move(why))
                                    : GroupOutcome::sticky(std::move(why));
}

}  // namespace

SqliteBackend::SqliteBackend(std::string path, const Options& options)
    : path_(std::move(path)),
      busy_(options.busy_timeout_ms),
      wal_(options.wal_autocheckpoint_pages) {
    db_ = detail::open_for_writing(path_, options, busy_);
    try {
        tx_.emplace(db_.get());
        rows_.emplace(db_.get());
    } catch (const std::exception& e) {
        throw OpenError("cannot open database " + path_ + ": " + e.what());
    }
    wal_.install(db_.get());
}

SqliteBackend::~SqliteBackend() { close(); }

void SqliteBackend::close() {
    std::lock_guard<std::mutex> lock(mu_);
    // Finalize before closing so sqlite3_close_v2 releases the file now, not lazily.
    rows_.reset();
    tx_.reset();
    db_.reset();
}

void SqliteBackend::give_up_at(std::chrono::steady_clock::time_point deadline) {
    busy_.give_up_at(deadline);
}

void SqliteBackend::add_stats(WriterStats& stats) const {
    stats.forced_checkpoints = wal_.forced_checkpoints();
}

int SqliteBackend::apply(const WriteBatch& batch, std::int64_t now, WriteResult& result) {
    result.ids.clear();
    for (const auto& op : batch.ops()) {
        std::int64_t id = 0;
        const int rc = rows_->apply(op, now, id);
        if (rc != SQLITE_OK) return rc;
        result.ids.push_back(id);
    }
    return SQLITE_OK;
}

GroupOutcome SqliteBackend::commit(Group group) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!db_) return GroupOutcome::sticky("database " + path_ + " is closed");
    sqlite3* db = db_.get();
    GroupOutcome out;
    out.statuses.resize(group.size());
    out.results.resize(group.size());
    std::vector<bool> refused;  // sized on the first refusal: most groups have none
    const std::int64_t now = detail::now_ms();

    // One pass, unless SQLite itself ends the transaction on a refused row (none of our
    // statements' constraints do that): then once more without it, so at most one pass per
    // refused batch.
    for (;;) {
        detail::Transaction tx(db, *tx_);
        if (tx.begin_rc() != SQLITE_OK) {
            return group_failure("BEGIN IMMEDIATE: ", db, tx.begin_rc());
        }
        bool restart = false;
        for (std::size_t i = 0; i < group.size() && !restart; ++i) {
            if (!refused.empty() && refused[i]) continue;
            const WriteBatch& batch = *group[i];
            // A refused row takes its whole batch with it and nothing else. A single statement
            // is undone alone by SQLite; a batch of several gets a savepoint, unless it is alone
            // in the transaction (then the transaction is its savepoint).
            std::optional<detail::Savepoint> sp;
            if (batch.size() > 1 && group.size() > 1) {
                sp.emplace(db, *tx_);
                if (sp->begin_rc() != SQLITE_OK) {
                    return group_failure("SAVEPOINT: ", db, sp->begin_rc());
                }
            }
            int rc = apply(batch, now, out.results[i]);
            if (rc == SQLITE_OK) {
                if (sp && (rc = sp->release()) != SQLITE_OK) {
                    return group_failure("RELEASE: ", db, rc);
                }
                continue;
            }
            if (!detail::is_row_error(rc)) return group_failure("", db, rc);  // tx rolls back
            refused.resize(group.size(), false);
            refused[i] = true;
            out.statuses[i] = Status(Code::kInvalid, detail::describe(db, rc));
            out.results[i] = {};
            if (sp) {
                sp->rollback();
            } else if (batch.size() > 1) {
                tx.rollback();  // the batch was alone: nothing else to keep
            }
            restart = !tx.open() && group.size() > 1;
        }
        if (restart) continue;
        if (tx.open()) {
            const int rc = tx.commit();
            if (rc != SQLITE_OK) return group_failure("COMMIT: ", db, rc);
        }
        return out;
    }
}

std::vector<Signal> SqliteBackend::signals(const std::string& symbol, int limit) const {
    return read([&](sqlite3* db) { return detail::select_signals(db, symbol, limit); });
}

std::vector<Order> SqliteBackend::orders(const std::string& symbol, int limit) const {
    return read([&](sqlite3* db) { return detail::select_orders(db, symbol, limit); });
}

std::optional<Order> SqliteBackend::order(const std::string& client_order_id) const {
    return read([&](sqlite3* db) { return detail::select_order(db, client_order_id); });
}

std::vector<Order> SqliteBackend::unresolved_orders(const std::string& symbol) const {
    return read([&](sqlite3* db) { return detail::select_unresolved_orders(db, symbol); });
}

std::vector<Fill> SqliteBackend::fills(const std::string& symbol, int limit) const {
    return read([&](sqlite3* db) { return detail::select_fills(db, symbol, limit); });
}

std::vector<Position> SqliteBackend::positions(const std::string& symbol) const {
    return read([&](sqlite3* db) { return detail::select_positions(db, symbol); });
}

std::optional<std::string> SqliteBackend::state(const std::string& symbol,
                                                const std::string& key) const {
    return read([&](sqlite3* db) { return detail::select_state(db, symbol, key); });
}

std::map<std::string, std::string> SqliteBackend::states(const std::string& symbol) const {
    return read([&](sqlite3* db) { return detail::select_states(db, symbol); });
}

Counts SqliteBackend::counts() const {
    return read([&](sqlite3* db) { return detail::select_counts(db); });
}

std::string SqliteBackend::integrity_check() const {
    return read([&](sqlite3* db) { return detail::run_integrity_check(db); });
}

std::string SqliteBackend::setting(const std::string& name) const {
    for (char ch : name) {
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '=')) {
            throw std::invalid_argument("not a pragma name: " + name);
        }
    }
    return read([&](sqlite3* db) {
        // Our busy handler replaces SQLite's, whose PRAGMA busy_timeout would say 0.
        if (name == "busy_timeout") return std::to_string(busy_.timeout_ms());
        if (name.rfind("busy_timeout=", 0) == 0) {
            busy_.set_timeout_ms(std::stoi(name.substr(13)));
            return std::to_string(busy_.timeout_ms());
        }
        return detail::query_text(db, "PRAGMA " + name);
    });
}

}  // namespace storage
