// A second, real process for the storage tests: another writer on the same database file.
//
//   storage_writer_child insert DB COUNT SYMBOL   one transaction per signal, through its own
//                                                 storage::Database; prints "done N"
//   storage_writer_child hold-lock DB MS          BEGIN IMMEDIATE with raw SQLite, prints
//                                                 "locked", holds the write lock MS ms, commits
//   storage_writer_child crash-loop DB SYMBOL     saves signals forever, printing "id N" after
//                                                 each commit returns (the parent SIGKILLs it)
//   storage_writer_child open-as DB UID           drops to user UID (when run as root), opens DB
//                                                 through storage::Database; prints "opened" or
//                                                 "refused: <the OpenError's text>"
#include <grp.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "storage/database.h"
#include "storage/errors.h"

namespace {

storage::Signal make_signal(const std::string& symbol, long n) {
    storage::Signal s;
    s.symbol = symbol;
    s.side = n % 2 ? "SELL" : "BUY";
    s.price = std::to_string(1000 + n % 97) + ".25";
    s.strategy = "child";
    s.reason = "writer_child " + std::to_string(n);
    s.event_time_ms = n;
    return s;
}

int insert(const std::string& db_path, long count, const std::string& symbol) {
    storage::Database db(db_path);
    for (long i = 0; i < count; ++i) {
        auto r = db.save_signal(make_signal(symbol, i));
        if (!r.is_ok()) {
            std::fprintf(stderr, "save_signal failed: %s\n", r.status().to_string().c_str());
            return 1;
        }
    }
    std::printf("done %ld\n", count);
    return 0;
}

int hold_lock(const std::string& db_path, long ms) {
    sqlite3* db = nullptr;
    if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) return 2;
    sqlite3_busy_timeout(db, 10000);
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
        std::fprintf(stderr, "BEGIN IMMEDIATE: %s\n", sqlite3_errmsg(db));
        return 3;
    }
    std::printf("locked\n");
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    std::printf("released\n");
    return 0;
}

int crash_loop(const std::string& db_path, const std::string& symbol) {
    storage::Database db(db_path);
    for (long i = 0;; ++i) {
        auto r = db.save_signal(make_signal(symbol, i));
        if (!r.is_ok()) {
            std::fprintf(stderr, "save_signal failed: %s\n", r.status().to_string().c_str());
            return 1;
        }
        // Printed only after the commit returned: every id seen by the parent must survive.
        std::printf("id %lld\n", static_cast<long long>(r.value()));
        std::fflush(stdout);
    }
}

int open_as(const std::string& db_path, uid_t uid) {
    if (::geteuid() == 0) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(uid) != 0 || ::setuid(uid) != 0) {
            std::perror("cannot drop privileges");
            return 3;
        }
    }
    try {
        storage::Database db(db_path);
        std::printf("opened\n");
    } catch (const storage::OpenError& e) {
        std::printf("refused: %s\n", e.what());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s insert|hold-lock|crash-loop DB ...\n", argv[0]);
        return 64;
    }
    std::string mode = argv[1];
    std::string db = argv[2];
    if (mode == "insert" && argc == 5) return insert(db, std::atol(argv[3]), argv[4]);
    if (mode == "hold-lock" && argc == 4) return hold_lock(db, std::atol(argv[3]));
    if (mode == "crash-loop" && argc == 4) return crash_loop(db, argv[3]);
    if (mode == "open-as" && argc == 4) return open_as(db, static_cast<uid_t>(std::atol(argv[3])));
    std::fprintf(stderr, "bad arguments for mode %s\n", mode.c_str());
    return 64;
}
