// The seam between the commit pipeline and a database engine. Private to storage/.
//
//   Database ──> CommitPipeline (queue, leader, groups, retry, close; knows no SQL)
//       │              │ commit(group)
//       └── reads ──> Backend   <── SqliteBackend (a file) | PgBackend (a postgresql:// URL)
//
// Nothing above this interface knows which engine it talks to. A backend implements:
//
// 1. Opening (its own constructor or factory; not part of this interface). It must, in order:
//    refuse what is not ours before changing anything (a file or schema of some other program,
//    a damaged database, a schema newer than this build), naming the database and the cause in
//    a storage::OpenError; then apply its settings; then migrate the schema forward, writing only
//    when a migration is due (read the version, and only when it is behind take the write lock,
//    read it again, migrate and record it). A database it cannot write to is refused with a
//    message that says so.
//
// 2. commit(): one group of batches in ONE transaction (SQLite: BEGIN IMMEDIATE ... COMMIT;
//    PostgreSQL: BEGIN ... COMMIT), batches applied in order. Its outcome is one of:
//    - kCommitted: the transaction committed. statuses/results hold one entry per batch: kOk
//      with the batch's ids, or kInvalid when the engine refused one of the batch's rows (a
//      constraint): that batch alone was rolled back (a savepoint per batch) and the rest of the
//      group committed without it;
//    - kTransient: nothing was committed (rolled back) and trying again later may work (lock held
//      elsewhere past the busy timeout, disk full, I/O error, server unreachable). The pipeline
//      keeps the group queued and retries it with backoff until it lands;
//    - kSticky: nothing was committed and the database cannot be trusted any more (corruption).
//      The pipeline fails this group and every later write.
//    The pipeline calls commit() from one thread at a time; it may be a caller's thread or the
//    pipeline's own. Row values were checked before (storage/pipeline/row_checks.h).
//
// 3. give_up_at(): a close (or a daemon's stop) with a deadline is under way. From now on a
//    commit that is waiting (for a lock, a busy or hung server) must stop waiting once
//    `deadline` has passed and return kTransient, and a read must throw, so the close keeps its
//    deadline. Called from another thread while commit() or a read may be running.
//
// 4. Reads: committed data only, callable from any thread while a commit runs (the backend
//    serialises them with its own writes as its engine needs). They throw std::runtime_error
//    when the read fails and std::logic_error after close().
//
// 5. close(): called once, after the pipeline has finished (every write committed or failed).
//
// 6. Fencing (optional): where several processes share one database, each holds a lease per
//    symbol with an epoch (storage/leases.h). set_fence() tells the backend this process's
//    epoch; commit() then refuses, inside the same transaction, every batch of a symbol whose
//    current epoch is another (kFenced for that batch, the rest of the group commits). A
//    backend one process owns (SQLite, under the process lock) needs none: the defaults ignore
//    it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "storage/records.h"
#include "storage/status.h"
#include "storage/write_batch.h"
#include "storage/writer_stats.h"

namespace storage {

// What committing one group did (see Backend::commit()).
struct GroupOutcome {
    enum class Kind { kCommitted, kTransient, kSticky };
    Kind kind = Kind::kCommitted;
    std::string error;  // the cause, for kTransient and kSticky
    // kCommitted only: one entry per batch of the group, in order.
    std::vector<Status> statuses;
    std::vector<WriteResult> results;

    static GroupOutcome transient(std::string why) { return failure(Kind::kTransient, why); }
    static GroupOutcome sticky(std::string why) { return failure(Kind::kSticky, why); }

private:
    static GroupOutcome failure(Kind kind, std::string& why) {
        GroupOutcome out;
        out.kind = kind;
        out.error = std::move(why);
        return out;
    }
};

using Group = std::span<const WriteBatch* const>;

class Backend {
public:
    virtual ~Backend() = default;

    // ---- The write side (the pipeline). ----
    virtual GroupOutcome commit(Group group) = 0;
    virtual void give_up_at(std::chrono::steady_clock::time_point deadline) = 0;
    // Adds the engine's own figures (e.g. forced checkpoints). Must not block.
    virtual void add_stats(WriterStats& stats) const = 0;
    virtual void close() = 0;

    // ---- Fencing (see 6.). Thread-safe; the defaults do nothing. ----
    virtual void set_fence(const std::string& symbol, std::int64_t epoch) {
        (void)symbol;
        (void)epoch;
    }
    virtual void clear_fence(const std::string& symbol) { (void)symbol; }
    // On: a symbol without a fence is refused too (a daemon trading under leases).
    virtual void require_fences(bool on) { (void)on; }

    // ---- Reads. Newest first where a limit applies; symbol empty: all symbols. ----
    virtual std::vector<Signal> signals(const std::string& symbol, int limit) const = 0;
    virtual std::vector<Order> orders(const std::string& symbol, int limit) const = 0;
    virtual std::optional<Order> order(const std::string& client_order_id) const = 0;
    // Orders of `symbol` still PENDING or UNKNOWN, however old; oldest first.
    virtual std::vector<Order> unresolved_orders(const std::string& symbol) const = 0;
    virtual std::vector<Fill> fills(const std::string& symbol, int limit) const = 0;
    // symbol empty: every position, by symbol.
    virtual std::vector<Position> positions(const std::string& symbol) const = 0;
    virtual std::optional<std::string> state(const std::string& symbol,
                                             const std::string& key) const = 0;
    virtual std::map<std::string, std::string> states(const std::string& symbol) const = 0;
    virtual Counts counts() const = 0;
    // "ok", or the problems found, one a line.
    virtual std::string integrity_check() const = 0;
    // An engine setting by name, optionally "name=value" to set it on this connection; returns
    // its value as text (tests, diagnostics; SQLite: a PRAGMA). Throws std::invalid_argument
    // for a name the engine does not have.
    virtual std::string setting(const std::string& name) const = 0;
};

}  // namespace storage
