// The write path of one database: every write passes through here. Private to storage/.
//
// Group commit, after LevelDB's DBImpl::Write. Each write is a Writer in a FIFO queue. One
// thread at a time is the leader: it takes the queue's prefix (up to max_group_size writers) as
// one group, releases the lock, has the backend commit the group in one transaction, and gives
// every writer of the group its own result. Then it passes the turn to the writer now at the
// front. So one commit serves many callers and each still gets its own result, in order.
//
// Who leads:
// - A caller of write() that finds nobody leading leads at once, on its own thread: with a
//   single writer there is no hand-off at all.
// - Otherwise it waits for its own writer (storage/pipeline/writer.h) to be done, or to be handed the
//   turn. Only the writer that arrives at the front of the queue, which leads next, spins
//   (yielding the CPU) for about two commits before it sleeps: a commit with synchronous=NORMAL
//   costs about what putting a thread to sleep and waking it on the other CPU costs. The
//   writers behind it sleep at once; spinning, they would take the CPU the leader needs. The
//   leader wakes its group, then hands the turn to the writer now at the front.
// - Batches queued by submit() have no thread of their own: when one of them is at the front
//   the pipeline's flusher thread leads. A group's submitted writes are published first and
//   their waiting callers woken after, so a caller waiting on many handles wakes once a group.
//
// Failures (the backend classifies them, see storage/pipeline/backend.h):
// - a refused batch fails alone with kInvalid; the rest of its group commits;
// - transient: the group goes back to the front of the queue, in order, and the pipeline is
//   "stalled": only the flusher retries, with exponential backoff, until a commit lands. A
//   warning when a stall starts, a reminder every stall_reminder_interval, a line when it ends;
// - sticky: the group, everything queued and every later write fail with kError.
//
// Nothing here logs or commits while holding mu_, so stats() and the handles never wait on I/O.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "storage/pipeline/backend.h"
#include "storage/options.h"
#include "storage/write_batch.h"
#include "storage/pipeline/writer.h"
#include "storage/writer_stats.h"

namespace storage {

class CommitPipeline {
public:
    using Clock = std::chrono::steady_clock;
    // Commits one group (Backend::commit, or a fake in tests).
    using CommitFunction = std::function<GroupOutcome(Group)>;

    // name: the database, for log lines. From options: max_group_size, retry_initial/max,
    // stall_reminder_interval, close_timeout, logger.
    CommitPipeline(std::string name, const Options& options, CommitFunction commit);
    ~CommitPipeline();  // close() with the default deadline
    CommitPipeline(const CommitPipeline&) = delete;
    CommitPipeline& operator=(const CommitPipeline&) = delete;

    // Queues `batch` and returns once it is committed or has failed for good.
    Result<WriteResult> write(WriteBatch batch);
    // Queues `batch` and returns at once.
    WriteHandle submit(WriteBatch batch);

    WriterStats stats() const;

    // Commits what is queued, retrying until `deadline` (default: now + close_timeout), then
    // fails what is left with kClosed (logged with their number) and stops the flusher. Later
    // writes get kClosed. Returns how many writes were failed that way; a second call returns 0.
    std::size_t close(std::optional<Clock::time_point> deadline = {});

private:
    using Writer = detail::Writer;
    using WriterRef = std::shared_ptr<Writer>;
    struct LogLine;

    // REQUIRES: mu_ held (through lock), leadership ours, queue_ not empty. Commits one group.
    // Returns with mu_ held, and whether leadership is still ours: false when the pipeline
    // stalled or failed. Then leader_active_ may already be true again on the way back, set by
    // the flusher taking over while mu_ was released for the log line and the wake-ups; the
    // caller must go by the result, never by leader_active_.
    [[nodiscard]] bool commit_group(std::unique_lock<std::mutex>& lock);
    // REQUIRES: mu_ held, leadership ours. Gives the turn to the writer at the front (its own
    // thread, or the flusher) or gives it up.
    void pass_leadership();
    // REQUIRES: mu_ held. Fails every queued writer with `status`; returns them for completion
    // outside mu_.
    std::vector<WriterRef> drain_queue();
    void flusher_loop();
    void log(const LogLine& line) const;

    // Constant after construction.
    const std::string name_;
    const Options options_;
    const CommitFunction commit_;

    mutable std::mutex mu_;
    // Guarded by mu_.
    std::deque<WriterRef> queue_;
    bool leader_active_ = false;  // someone holds the turn (a writer's thread or the flusher)
    std::size_t in_flight_ = 0;   // writers in the group being committed
    bool stalled_ = false;
    std::string stall_cause_;
    Clock::time_point stall_started_, retry_at_, next_reminder_;
    std::chrono::milliseconds backoff_{0};
    std::uint64_t stall_attempts_ = 0;
    std::string sticky_error_;  // non-empty: every write fails with kError
    bool closing_ = false;      // no more writes accepted
    Clock::time_point close_deadline_;
    std::size_t not_committed_at_close_ = 0;
    WriterStats stats_;
    std::condition_variable flusher_cv_;

    // Owned by the leader of the moment (reused to spare an allocation per group).
    std::vector<WriterRef> group_;
    std::vector<const WriteBatch*> batches_;

    std::mutex close_mu_;  // serialises close(): one joins the flusher
    std::thread flusher_;
};

}  // namespace storage
