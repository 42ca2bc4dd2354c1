// The cached, shared SQLite connection of one database file and its commit pipeline.
// Private to storage/: callers go through storage::Database.
//
// Group commit, after LevelDB's DBImpl::Write. Each write is a Writer in a FIFO queue_. The writer
// at the front becomes the leader when no leader is active: it takes the queue's prefix (up to
// max_group_size writers) as one group, releases mu_, runs BEGIN IMMEDIATE / every op of every
// batch / COMMIT under db_mu_, retakes mu_, completes every writer of the group with its own
// result and wakes the new front. A thread that called write() waits for its own writer and leads
// when its turn comes; batches queued by submit() are led by the flusher thread.
//
// Failures:
// - a row the schema refuses (CHECK, UNIQUE, FOREIGN KEY): the group is rolled back, that batch
//   fails alone with kInvalid and the rest is committed without it;
// - transient (SQLITE_BUSY after busy_timeout, SQLITE_FULL, SQLITE_IOERR): the group is rolled
//   back and stays queued; the connection is "stalled" and only the flusher retries, with
//   exponential backoff, until a commit succeeds. One warning when an episode starts, one line
//   when it ends. Every queued write lands exactly once;
// - anything else (corruption): sticky. The group and every later write fail with kError.
//
// Lock order: mu_ before db_mu_ is never needed: a leader holds db_mu_ only while mu_ is released,
// and readers take db_mu_ alone.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "storage/database.h"
#include "storage/sqlite_util.h"

namespace spdlog {
class logger;
}

namespace storage {

class Connection : public std::enable_shared_from_this<Connection> {
public:
    // Opens `path` (already normalised, parent folder existing), applies the pragmas, checks WAL
    // took effect, migrates the schema and prepares the write statements. Throws OpenError.
    static std::shared_ptr<Connection> open(const std::string& path, const Options& options);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    const std::string& path() const { return path_; }

    // Queues a batch; the flusher (or a concurrent leader) commits it.
    WriteHandle submit(WriteBatch batch);
    // Queues a batch and waits for its commit, leading a group when its turn comes.
    Result<WriteResult> write(WriteBatch batch);

    // Runs f(sqlite3*) under db_mu_, so it sees committed data only and never a group in flight.
    // Throws std::logic_error after shutdown().
    template <class F>
    auto read(F&& f) const {
        std::lock_guard<std::mutex> lock(db_mu_);
        if (!db_) throw std::logic_error("storage: " + path_ + " is closed");
        return f(db_.get());
    }

    WriterStats stats() const;

    // Commits what is queued (retrying until `deadline`, default now + options.close_timeout),
    // fails the rest with kClosed, stops the flusher and closes the handle. Returns how many
    // writes were failed that way. Idempotent (a second call returns 0).
    std::size_t shutdown(std::optional<std::chrono::steady_clock::time_point> deadline = {});

private:
    class Writer;
    struct GroupOutcome;

    Connection(std::string path, const Options& options);
    void open_handle();  // throws OpenError

    // REQUIRES: lock holds mu_, !leader_active_, !queue_.empty(). Commits one group or, on a
    // transient failure, leaves it queued and marks the connection stalled.
    void lead_one_group(std::unique_lock<std::mutex>& lock);
    // REQUIRES: db_mu_ not held. Runs the transaction for `group`.
    GroupOutcome commit_group(const std::vector<Writer*>& group);
    // REQUIRES: db_mu_ held. Applies one op; returns the SQLite code, sets id for inserts.
    int apply(const WriteBatch::Op& op, std::int64_t now, std::int64_t& id);
    // sqlite3_wal_hook: the checkpoint policy (see WAL bound in README).
    static int on_wal_commit(void* ctx, sqlite3* db, const char* schema, int wal_pages);
    // REQUIRES: db_mu_ held. Rolls back the open transaction, if SQLite has not already.
    void rollback();
    // REQUIRES: mu_ held. Wakes whoever should lead next.
    void wake_front();
    // REQUIRES: mu_ held. Completes w with status (used for refusals and shutdown).
    static void complete(Writer& w, Status status);
    void flusher_loop();
    spdlog::logger& log() const;

    // Constant after construction.
    const std::string path_;
    const Options options_;

    // Guarded by db_mu_: the handle and the statements prepared once on it.
    mutable std::mutex db_mu_;
    detail::DbHandle db_;
    detail::Statement begin_, commit_, rollback_;
    detail::Statement insert_signal_, upsert_order_, insert_fill_, upsert_position_;
    detail::Statement put_state_, delete_state_;
    int force_checkpoint_at_ = 0;                       // WAL pages at which to TRUNCATE-checkpoint
    std::atomic<std::uint64_t> forced_checkpoints_{0};  // read by stats() without db_mu_

    // Guarded by mu_: the queue and the pipeline's state.
    mutable std::mutex mu_;
    std::deque<std::shared_ptr<Writer>> queue_;
    bool leader_active_ = false;
    bool stalled_ = false;  // a transient failure episode is under way
    std::chrono::steady_clock::time_point stall_started_;
    std::chrono::steady_clock::time_point retry_at_;
    std::chrono::milliseconds backoff_{0};
    std::uint64_t stall_attempts_ = 0;
    std::string sticky_error_;  // non-empty: every write fails with kError
    bool shutdown_requested_ = false;
    std::chrono::steady_clock::time_point shutdown_deadline_;
    bool closed_ = false;  // no more writes accepted
    std::size_t not_committed_at_close_ = 0;
    WriterStats stats_;
    std::condition_variable flusher_cv_;
    std::thread flusher_;
};

}  // namespace storage
