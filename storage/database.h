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
// Thread-safe: any number of threads may share one Database or open their own.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "storage/records.h"
#include "storage/status.h"

namespace spdlog {
class logger;
}

namespace storage {

class Connection;  // the cached, shared connection (storage/connection.h, private)

struct Options {
    int busy_timeout_ms = 5000;
    // Most writes gathered into one transaction.
    std::size_t max_group_size = 1024;
    // Retry backoff after a transient failure: doubles from initial up to max.
    std::chrono::milliseconds retry_initial{20};
    std::chrono::milliseconds retry_max{1000};
    // WAL bound: checkpoint every N pages (PASSIVE), and truncate the -wal file to this size
    // when a checkpoint lets it restart.
    int wal_autocheckpoint_pages = 1000;
    std::int64_t journal_size_limit_bytes = 64 * 1024 * 1024;
    // How long closing a connection may keep retrying queued writes (database locked by another
    // process, disk full) before it gives up on them and reports each as kClosed.
    std::chrono::milliseconds close_timeout{10000};
    // Where warnings go (retry episodes). Null: spdlog's default logger.
    std::shared_ptr<spdlog::logger> logger;
};

// Several writes committed atomically, in order: all of them or none.
class WriteBatch {
public:
    struct PutState {
        StateEntry entry;
    };
    struct DeleteState {
        std::string symbol, key;
    };
    using Op = std::variant<Signal, Order, Fill, Position, PutState, DeleteState>;

    WriteBatch& insert_signal(Signal s) { return add(std::move(s)); }
    WriteBatch& upsert_order(Order o) { return add(std::move(o)); }
    WriteBatch& insert_fill(Fill f) { return add(std::move(f)); }
    WriteBatch& upsert_position(Position p) { return add(std::move(p)); }
    WriteBatch& put_state(std::string symbol, std::string key, std::string value) {
        return add(PutState{{std::move(symbol), std::move(key), std::move(value)}});
    }
    WriteBatch& delete_state(std::string symbol, std::string key) {
        return add(DeleteState{std::move(symbol), std::move(key)});
    }

    bool empty() const { return ops_.empty(); }
    std::size_t size() const { return ops_.size(); }
    const std::vector<Op>& ops() const { return ops_; }

private:
    WriteBatch& add(Op op) {
        ops_.push_back(std::move(op));
        return *this;
    }
    std::vector<Op> ops_;
};

// What a committed batch produced: the rowid of each op that inserts one (signals, fills), 0 for
// the others, in op order.
struct WriteResult {
    std::vector<std::int64_t> ids;
};

// A write in flight. Obtained from Database::submit(); shared by the caller and the pipeline.
class PendingWrite {
public:
    virtual ~PendingWrite() = default;
    // True once the batch is committed or has failed for good.
    virtual bool done() const = 0;
    // Waits up to `timeout`; true if done by then. A write not done is still queued: it will land.
    virtual bool wait_for(std::chrono::milliseconds timeout) const = 0;
    // Waits until done and returns the outcome.
    virtual Result<WriteResult> wait() const = 0;
};
using WriteHandle = std::shared_ptr<PendingWrite>;

// Commit pipeline figures for one cached connection (heartbeat, metrics, bench).
struct WriterStats {
    // Upper bounds (microseconds) of the commit-latency histogram buckets; the last bucket of
    // commit_latency_counts (index size()) counts everything above the last bound.
    static constexpr std::array<double, 10> kLatencyBoundsUs = {
        100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 1000000};

    std::uint64_t batches = 0;             // batches committed
    std::uint64_t transactions = 0;        // COMMITs (groups)
    std::uint64_t max_group = 0;           // largest group, in batches
    std::uint64_t retries = 0;             // rolled-back attempts that were retried
    std::uint64_t failed = 0;              // batches failed for good (kInvalid, kError)
    std::uint64_t queued = 0;              // batches waiting now
    bool stalled = false;                  // a retry episode is under way
    std::int64_t stalled_ms = 0;           // how long the current episode has lasted (0: none)
    std::string sticky_error;              // non-empty: storage failed for good (corruption)
    std::uint64_t forced_checkpoints = 0;  // TRUNCATE checkpoints the WAL bound needed
    double last_commit_us = 0;             // duration of the last COMMITted transaction
    double commit_us_sum = 0;              // all committed transactions, for a mean
    // Per bucket (not cumulative): transactions whose duration fell in (bound[i-1], bound[i]].
    std::array<std::uint64_t, kLatencyBoundsUs.size() + 1> commit_latency_counts{};
};

class Database {
public:
    // Opens (creating it and its parent folder if missing) the database at `path`, or joins the
    // cached connection already open on that file; `options` apply when the connection is first
    // opened. Migrates the schema forward. Throws storage::OpenError naming the path and the
    // cause (unwritable folder, not a database, WAL refused).
    explicit Database(const std::string& path, const Options& options = {});
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;

    // Releases this instance only; the shared connection stays open for the others. Idempotent.
    void close();
    bool is_open() const;
    // The normalised absolute path (the cache key).
    const std::string& path() const;

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
    std::shared_ptr<Connection> conn_;
    std::string path_;
};

}  // namespace storage
