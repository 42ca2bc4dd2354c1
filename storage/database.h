// storage::Database — the one way tradebot writes state.
//
// Every Database opened on the same file (after normalising the path: "storage/bot_state.db" and
// "./storage/../storage/bot_state.db" are one file) shares ONE cached SQLite connection in WAL
// mode, as the Python predecessor did. Unlike it, threads never share a transaction by accident:
// every write is a whole BEGIN IMMEDIATE ... COMMIT made by the connection's commit pipeline, and
// concurrent writes from many threads are gathered into one transaction (group commit, after
// LevelDB's DBImpl::Write). Each caller still gets its own result, and only once its own rows are
// committed.
//
// On a transient failure (SQLITE_BUSY after busy_timeout because another process holds the write
// lock, SQLITE_FULL, SQLITE_IOERR) the group is rolled back, stays queued, and is retried with
// backoff until it lands, exactly once; one warning is logged per episode. A row the schema refuses
// (kInvalid) fails alone: the rest of its group still commits.
//
// The same facade fronts a PostgreSQL database: give a postgresql:// URL instead of a path. Then
// several processes, on one host or many, may share the database; each trades the symbols whose
// leases it holds (storage/leases.h), and set_fence() makes the server refuse this process's
// writes of a symbol once another process holds its lease (kFenced).
//
// Thread-safe: any number of threads may share one Database or open their own.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/errors.h"
#include "storage/options.h"
#include "storage/records.h"
#include "storage/status.h"
#include "storage/write_batch.h"
#include "storage/writer_stats.h"

namespace storage {

class DbImpl;  // the cached, shared database: its backend and commit pipeline (private)

class Database {
public:
    // Opens (creating it and its parent folder if missing) the database at `path`, or joins the
    // cached connection already open on that file; `options` apply when the connection is first
    // opened. Migrates the schema forward. Throws storage::OpenError naming the path and the
    // cause (unwritable folder, not a database, WAL refused).
    // A postgresql:// (or postgres://) URL opens a PostgreSQL database instead (a libpq
    // connection URI; the password, if one is needed, comes from PGPASSWORD or ~/.pgpass): the
    // same schema, the same pipeline. Throws storage::OpenError naming the server (never a
    // password) and the cause (unreachable, not ours, read-only, a newer schema).
    explicit Database(const std::string& path, const Options& options = {});
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;

    // Releases this instance only; the shared connection stays open for the others. Idempotent.
    void close();
    bool is_open() const;
    // The normalised absolute path (the cache key); for PostgreSQL the URL without any password.
    const std::string& path() const;
    // Whether this is a PostgreSQL database (several processes may share it).
    bool is_postgres() const;

    // ---- Fencing (PostgreSQL; a SQLite file ignores it: one process owns it). ----
    // This process holds `symbol`'s lease at `epoch`: every later write of the symbol's rows is
    // refused by the server (kFenced) once another epoch is current. Thread-safe.
    void set_fence(const std::string& symbol, std::int64_t epoch);
    void clear_fence(const std::string& symbol);
    // On: a write of a symbol this process holds no fence for is refused too (kFenced).
    void require_fences(bool on);

    // ---- Writes. Each returns once its rows are committed (or failed for good). ----
    [[nodiscard]] Result<std::int64_t> save_signal(const Signal& s);
    [[nodiscard]] Status save_order(const Order& o);
    [[nodiscard]] Result<std::int64_t> save_fill(const Fill& f);
    [[nodiscard]] Status save_position(const Position& p);
    [[nodiscard]] Status put_state(const std::string& symbol, const std::string& key,
                                   const std::string& value);
    // Several writes in one atomic batch.
    [[nodiscard]] Result<WriteResult> write(WriteBatch batch);
    // Queues the batch and returns at once; the handle tells committed from pending.
    [[nodiscard]] WriteHandle submit(WriteBatch batch);

    // ---- Reads: committed data only, serialised with the commit pipeline. ----
    // Newest first. symbol empty: all symbols.
    std::vector<Signal> signals(const std::string& symbol = {}, int limit = 100) const;
    std::vector<Order> orders(const std::string& symbol = {}, int limit = 100) const;
    std::optional<Order> order(const std::string& client_order_id) const;
    // Orders of `symbol` still PENDING or UNKNOWN (to settle at start-up), however old; oldest
    // first.
    std::vector<Order> unresolved_orders(const std::string& symbol) const;
    std::vector<Fill> fills(const std::string& symbol = {}, int limit = 100) const;
    std::vector<Position> positions() const;
    std::optional<Position> position(const std::string& symbol) const;
    std::optional<std::string> state(const std::string& symbol, const std::string& key) const;
    std::map<std::string, std::string> states(const std::string& symbol) const;
    Counts counts() const;
    // "ok", or what PRAGMA integrity_check reported.
    std::string integrity_check() const;
    // Runs "PRAGMA <name>" on the shared connection and returns its first value as text
    // (tests, diagnostics). name may carry a value ("max_page_count=50"): per-connection
    // pragmas can only be set on the shared connection itself.
    std::string pragma(const std::string& name) const;

    WriterStats writer_stats() const;
    // A stop is under way and ends at `deadline`: from then on nothing of this database waits
    // (a commit or a read waiting for its server or for another process's lock gives up, as a
    // close with that deadline would). Until then everything carries on. Thread-safe.
    void give_up_at(std::chrono::steady_clock::time_point deadline);
    // Identity of the underlying shared connection (two instances share one iff equal).
    const void* connection_id() const;

    // Closes every cached connection (tests, shutdown): flushes what is queued first, retrying
    // for at most Options::close_timeout. Instances still alive then answer kClosed.
    static void close_all_cached();
    // The same, but gives up at `deadline` (a daemon's stop has a budget). Returns how many
    // queued writes could not be committed in time (each reported kClosed and logged by count).
    static std::size_t close_all_cached(std::chrono::steady_clock::time_point deadline);
    // How many distinct database files have an open cached connection (monitoring).
    static std::size_t cached_connection_count();

private:
    std::shared_ptr<DbImpl> impl_;
    std::string path_;
    bool postgres_ = false;
};

}  // namespace storage
