// RAII over the SQLite C API (after SQLiteCpp): owning handles with deleters, a prepared
// statement that is reset between uses, and error text that names the cause. Private to storage/.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "storage/db_handle.h"

namespace storage::detail {

struct StmtFinalizer {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};

// "database is locked (SQLITE_BUSY)" style text for a result code, with the connection's own
// message when it has a more specific one.
std::string describe(sqlite3* db, int rc);

// Whether an error code is worth retrying: another process holds the lock, the disk is full,
// an I/O error. The rest are permanent.
bool is_transient(int rc);
// Whether an error code means the row itself was refused (CHECK, NOT NULL, UNIQUE, FOREIGN KEY,
// a type mismatch): permanent for that row only.
bool is_row_error(int rc);

// A prepared statement, prepared once and reset after every use.
class Statement {
public:
    Statement() = default;
    // Throws std::runtime_error with the SQL's error when it does not prepare (a programming
    // error: our SQL is fixed).
    Statement(sqlite3* db, std::string_view sql, bool persistent = true);

    sqlite3_stmt* get() const { return stmt_.get(); }
    explicit operator bool() const { return static_cast<bool>(stmt_); }

    void bind(int idx, std::int64_t v) { sqlite3_bind_int64(get(), idx, v); }
    void bind(int idx, int v) { sqlite3_bind_int64(get(), idx, v); }
    void bind(int idx, std::string_view v) {
        sqlite3_bind_text(get(), idx, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    void bind(int idx, const char* v) { bind(idx, std::string_view(v)); }
    void bind(int idx, const std::string& v) { bind(idx, std::string_view(v)); }
    void bind_null(int idx) { sqlite3_bind_null(get(), idx); }
    // Empty text binds NULL (optional columns).
    void bind_text_or_null(int idx, const std::string& v) {
        if (v.empty()) {
            bind_null(idx);
        } else {
            bind(idx, v);
        }
    }
    void bind(int idx, const std::optional<std::int64_t>& v) {
        if (v) {
            bind(idx, *v);
        } else {
            bind_null(idx);
        }
    }

    // sqlite3_step; SQLITE_ROW, SQLITE_DONE or an error code.
    int step() { return sqlite3_step(get()); }
    // Steps to completion (for statements that return no rows); SQLITE_OK or the error code.
    int run();
    void reset() {
        sqlite3_reset(get());
        sqlite3_clear_bindings(get());
    }
    // Ready to run again, keeping the bound values.
    void rewind() { sqlite3_reset(get()); }

    std::int64_t column_int(int i) const { return sqlite3_column_int64(get(), i); }
    std::string column_text(int i) const {
        const unsigned char* t = sqlite3_column_text(get(), i);
        return t ? std::string(reinterpret_cast<const char*>(t),
                               static_cast<size_t>(sqlite3_column_bytes(get(), i)))
                 : std::string();
    }
    bool column_is_null(int i) const { return sqlite3_column_type(get(), i) == SQLITE_NULL; }

private:
    std::unique_ptr<sqlite3_stmt, StmtFinalizer> stmt_;
};

// Runs SQL that returns nothing (or ignores its rows). Returns the SQLite code.
int exec(sqlite3* db, const std::string& sql);
// The first column of the first row of a query, as text ("" if no row). Throws
// std::runtime_error naming the SQL on error.
std::string query_text(sqlite3* db, const std::string& sql);

std::int64_t now_ms();

}  // namespace storage::detail
