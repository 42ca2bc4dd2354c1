#include "storage/sqlite/open.h"

#include "storage/errors.h"
#include "storage/pipeline/files.h"
#include "storage/sqlite/queries.h"
#include "storage/sqlite/schema.h"

namespace storage::detail {

DbHandle open_for_writing(const std::string& path, const Options& options, BusyHandler& busy) {
    auto fail = [&](const std::string& cause) {
        return OpenError("cannot open database " + path + ": " + cause);
    };
    create_private_file(path);
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                             nullptr);
    DbHandle db(raw);
    if (rc != SQLITE_OK) throw fail(describe(raw, rc));
    busy.install(db.get());

    // SQLite falls back to read-only when it may not write the file; every write would then
    // fail, so say so now.
    if (sqlite3_db_readonly(db.get(), "main") == 1) {
        throw fail(
            "the file is read-only for this process (check its owner and permissions); it was "
            "not modified");
    }
    // Ours? The first read of the file: one that is not SQLite fails here (SQLITE_NOTADB).
    std::string why;
    try {
        why = check_identity(db.get());
    } catch (const std::exception& e) {
        throw fail(e.what());
    }
    if (!why.empty()) throw fail(why);

    // A damaged file is refused, not written to: quick_check reads every page (it skips only
    // the index-content cross-check of integrity_check), so damage anywhere is found now rather
    // than mid-run, after new rows went into a file that cannot be trusted.
    std::string check;
    try {
        check = run_quick_check(db.get());
    } catch (const std::exception& e) {
        check = e.what();
    }
    if (check != "ok") {
        throw fail("the database is damaged (quick_check: " + check +
                   "); it was not modified. Recover it with sqlite3 .recover or restore a backup");
    }

    std::string mode;
    try {
        mode = query_text(db.get(), "PRAGMA journal_mode=WAL");
    } catch (const std::exception& e) {
        throw fail(e.what());
    }
    if (mode != "wal") {
        throw fail("WAL mode did not take effect (journal_mode is \"" + mode +
                   "\"); the file system may not support shared memory");
    }
    for (const std::string& pragma :
         {std::string("PRAGMA synchronous=NORMAL"), std::string("PRAGMA foreign_keys=ON"),
          "PRAGMA journal_size_limit=" + std::to_string(options.journal_size_limit_bytes)}) {
        rc = exec(db.get(), pragma);
        if (rc != SQLITE_OK) throw fail(pragma + ": " + describe(db.get(), rc));
    }

    const std::string error = migrate(db.get());
    if (!error.empty()) throw fail(error);
    return db;
}

}  // namespace storage::detail
