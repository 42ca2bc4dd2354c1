#include "storage/reader.h"

#include <sqlite3.h>

#include <filesystem>
#include <stdexcept>

#include "storage/errors.h"
#include "storage/sqlite/queries.h"
#include "storage/sqlite/util.h"

namespace storage {

Reader::Reader(const std::string& path, int busy_timeout_ms) : path_(path) {
    auto fail = [&](const std::string& cause) {
        return OpenError("cannot read database " + path_ + ": " + cause);
    };
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw fail("no such file");
    // Read-only: a reader never creates, migrates or writes. It still joins the WAL (through
    // the -shm file) so it sees every committed transaction and never half a group.
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw,
                             SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                             nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK) throw fail(detail::describe(raw, rc));
    sqlite3* db = db_.get();
    sqlite3_busy_timeout(db, busy_timeout_ms);
    int version = 0;
    try {
        version = std::stoi(detail::query_text(db, "PRAGMA user_version"));
        if (detail::query_text(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'signals'") !=
            "1") {
            version = 0;
        }
    } catch (const std::exception& e) {
        throw fail(e.what());  // e.g. "file is not a database"
    }
    if (version <= 0) throw fail("not a tradebot database (no tradebot schema in it)");
}

Reader::~Reader() = default;

std::vector<Signal> Reader::signals(const std::string& symbol, int limit) const {
    return detail::select_signals(db_.get(), symbol, limit);
}

std::vector<Order> Reader::orders(const std::string& symbol, int limit) const {
    return detail::select_orders(db_.get(), symbol, limit);
}

std::vector<Fill> Reader::fills(const std::string& symbol, int limit) const {
    return detail::select_fills(db_.get(), symbol, limit);
}

std::vector<Position> Reader::positions() const { return detail::select_positions(db_.get(), ""); }

std::optional<std::string> Reader::state(const std::string& symbol, const std::string& key) const {
    return detail::select_state(db_.get(), symbol, key);
}

Counts Reader::counts() const { return detail::select_counts(db_.get()); }

std::map<std::string, std::int64_t> Reader::signal_counts() const {
    return detail::select_signal_counts(db_.get());
}

int Reader::schema_version() const {
    return std::stoi(detail::query_text(db_.get(), "PRAGMA user_version"));
}

std::string Reader::integrity_check() const { return detail::run_integrity_check(db_.get()); }

void Reader::backup_to(const std::string& dest) const {
    sqlite3* out = nullptr;
    int rc = sqlite3_open_v2(dest.c_str(), &out,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXRESCODE,
                             nullptr);
    detail::DbHandle guard(out);
    if (rc != SQLITE_OK)
        throw std::runtime_error("backup: cannot create " + dest + ": " +
                                 detail::describe(out, rc));
    sqlite3_backup* b = sqlite3_backup_init(out, "main", db_.get(), "main");
    if (b == nullptr)
        throw std::runtime_error("backup to " + dest + ": " +
                                 detail::describe(out, sqlite3_errcode(out)));
    // All pages in one step: one read transaction on the source, so the copy is one snapshot.
    // In WAL mode that read never blocks the daemon's writer.
    rc = sqlite3_backup_step(b, -1);
    int fin = sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE)
        throw std::runtime_error("backup to " + dest + ": " + sqlite3_errstr(rc));
    if (fin != SQLITE_OK)
        throw std::runtime_error("backup to " + dest + ": " + detail::describe(out, fin));
}

}  // namespace storage
