#include "storage/sqlite/util.h"

#include <chrono>
#include <stdexcept>

namespace storage::detail {

void DbCloser::operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }

std::string describe(sqlite3* db, int rc) {
    std::string text = sqlite3_errstr(rc);
    if (db != nullptr && sqlite3_extended_errcode(db) == rc) {
        const char* msg = sqlite3_errmsg(db);
        if (msg != nullptr && text != msg) text = std::string(msg) + " (" + text + ")";
    }
    return text + " [code " + std::to_string(rc) + "]";
}

bool is_transient(int rc) {
    switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_FULL:
        case SQLITE_IOERR:
        case SQLITE_NOMEM:
        case SQLITE_PROTOCOL:
            return true;
        default:
            return false;
    }
}

bool is_row_error(int rc) {
    switch (rc & 0xff) {
        case SQLITE_CONSTRAINT:
        case SQLITE_MISMATCH:
        case SQLITE_TOOBIG:
        case SQLITE_RANGE:
            return true;
        default:
            return false;
    }
}

Statement::Statement(sqlite3* db, std::string_view sql, bool persistent) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                persistent ? SQLITE_PREPARE_PERSISTENT : 0, &s, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(s);
        throw std::runtime_error("cannot prepare \"" + std::string(sql) +
                                 "\": " + describe(db, rc));
    }
    stmt_.reset(s);
}

int Statement::run() {
    int rc;
    do {
        rc = step();
    } while (rc == SQLITE_ROW);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int exec(sqlite3* db, const std::string& sql) {
    return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
}

std::string query_text(sqlite3* db, const std::string& sql) {
    Statement s(db, sql, false);
    int rc = s.step();
    if (rc == SQLITE_ROW) return s.column_text(0);
    if (rc == SQLITE_DONE) return {};
    throw std::runtime_error(sql + ": " + describe(db, rc));
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace storage::detail
