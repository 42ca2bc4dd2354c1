// RAII over SQLite transactions (after SQLiteCpp's Transaction): a guard rolls back unless it
// was committed, so no early return or exception can leave a transaction open. Private to
// storage/.
#pragma once

#include <sqlite3.h>

#include "storage/sqlite/util.h"

namespace storage::detail {

// The statements the guards run, prepared once per connection.
struct TransactionStatements {
    explicit TransactionStatements(sqlite3* db)
        : begin(db, "BEGIN IMMEDIATE"),
          commit(db, "COMMIT"),
          rollback(db, "ROLLBACK"),
          savepoint(db, "SAVEPOINT batch"),
          release(db, "RELEASE batch"),
          rollback_to(db, "ROLLBACK TO batch") {}
    Statement begin, commit, rollback, savepoint, release, rollback_to;
};

// BEGIN IMMEDIATE (the write lock at once, so a busy database is seen before any row is
// applied) ... COMMIT; ROLLBACK in the destructor unless committed.
class Transaction {
public:
    Transaction(sqlite3* db, TransactionStatements& st) : db_(db), st_(st) {
        rc_ = st_.begin.run();
        st_.begin.reset();
    }
    ~Transaction() { rollback(); }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    // SQLITE_OK once BEGIN succeeded.
    int begin_rc() const { return rc_; }
    // SQLITE_OK, or the error (the destructor then rolls back).
    [[nodiscard]] int commit() {
        const int rc = st_.commit.run();
        st_.commit.reset();
        if (rc == SQLITE_OK) committed_ = true;
        return rc;
    }
    // Ends the transaction now without committing. Harmless when SQLite already rolled it back
    // (after SQLITE_FULL or an I/O error it may have).
    void rollback() {
        if (committed_ || rc_ != SQLITE_OK || sqlite3_get_autocommit(db_)) return;
        st_.rollback.run();
        st_.rollback.reset();
    }
    // Whether the transaction is still open (SQLite may have rolled it back by itself).
    bool open() const { return rc_ == SQLITE_OK && !committed_ && !sqlite3_get_autocommit(db_); }

private:
    sqlite3* db_;
    TransactionStatements& st_;
    int rc_ = SQLITE_OK;
    bool committed_ = false;
};

// SAVEPOINT inside a transaction: release() keeps what was done since; the destructor (or
// rollback()) undoes it alone and leaves the transaction open.
class Savepoint {
public:
    Savepoint(sqlite3* db, TransactionStatements& st) : db_(db), st_(st) {
        rc_ = st_.savepoint.run();
        st_.savepoint.reset();
    }
    ~Savepoint() { rollback(); }
    Savepoint(const Savepoint&) = delete;
    Savepoint& operator=(const Savepoint&) = delete;

    int begin_rc() const { return rc_; }
    [[nodiscard]] int release() {
        const int rc = st_.release.run();
        st_.release.reset();
        if (rc == SQLITE_OK) done_ = true;
        return rc;
    }
    void rollback() {
        if (done_ || rc_ != SQLITE_OK || sqlite3_get_autocommit(db_)) return;
        done_ = true;
        st_.rollback_to.run();
        st_.rollback_to.reset();
        st_.release.run();
        st_.release.reset();
    }

private:
    sqlite3* db_;
    TransactionStatements& st_;
    int rc_ = SQLITE_OK;
    bool done_ = false;
};

}  // namespace storage::detail
