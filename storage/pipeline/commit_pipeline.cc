#include "storage/pipeline/commit_pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace storage {
namespace {

using Clock = CommitPipeline::Clock;

// How long the writer at the front of the queue (the next leader) spins before it sleeps:
// about two commits, as the last one took, within bounds. With synchronous=NORMAL a commit
// costs about what putting a thread to sleep and waking it on the other CPU costs, so the turn
// then passes without a sleep; with FULL the leader waits for the disk, and the CPU spun on
// would be idle anyway. Only one writer spins at a time.
std::chrono::microseconds front_spin(double last_commit_us) {
    constexpr double kMinUs = 50, kMaxUs = 2000;
    return std::chrono::microseconds(
        static_cast<std::int64_t>(std::clamp(2 * last_commit_us, kMinUs, kMaxUs)));
}

std::int64_t ms_since(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

}  // namespace

struct CommitPipeline::LogLine {
    spdlog::level::level_enum level = spdlog::level::off;
    std::string text;
};

CommitPipeline::CommitPipeline(std::string name, const Options& options, CommitFunction commit)
    : name_(std::move(name)), options_(options), commit_(std::move(commit)) {
    // spdlog makes its registry (and the default logger) on first use, behind a static guard
    // inside the uninstrumented shared library. Made here, before any thread of ours exists, the
    // registry is visibly complete to the flusher and every writer (ThreadSanitizer saw the
    // flusher read the logger while a writer thread was still constructing it).
    (void)spdlog::default_logger_raw();
    flusher_ = std::thread([this] { flusher_loop(); });
}

CommitPipeline::~CommitPipeline() { close(); }

void CommitPipeline::log(const LogLine& line) const {
    if (line.level == spdlog::level::off) return;
    auto* logger = options_.logger ? options_.logger.get() : spdlog::default_logger_raw();
    logger->log(line.level, "storage: {}: {}", name_, line.text);
}

Result<WriteResult> CommitPipeline::write(WriteBatch batch) {
    Writer w(std::move(batch), true);
    std::unique_lock<std::mutex> lock(mu_);
    if (closing_) return Status(Code::kClosed, "database " + name_ + " is closed");
    if (!sticky_error_.empty()) return Status(Code::kError, sticky_error_);
    queue_.push_back(WriterRef(WriterRef(), &w));  // not owning: w outlives its turn
    if (leader_active_ || stalled_) {
        // Only the writer at the front spins: it leads next. The others join its group and are
        // woken by it; spinning they would take the CPU the leader needs.
        const auto spin = queue_.size() == 1 ? front_spin(stats_.last_commit_us)
                                             : std::chrono::microseconds::zero();
        lock.unlock();
        if (w.await(spin) == Writer::kDone) return w.outcome();
        lock.lock();  // handed the turn
    } else {
        leader_active_ = true;  // nobody leads: commit on this thread, no hand-off
    }
    // Leadership is ours here. Lead until our own write is done.
    for (;;) {
        // Our own kLead is spent: should we lose the turn below while our write is still
        // queued (not in the group that stalled), await() must sleep until a new hand-off, not
        // see the old one and lead beside the flusher. Safe under mu_: only a leader signals.
        w.reset();
        const bool leading = commit_group(lock);
        if (w.done()) {
            if (leading) pass_leadership();
            break;
        }
        if (!leading) {  // stalled: the flusher retries, then completes us or hands over
            lock.unlock();
            if (w.await(std::chrono::microseconds::zero()) == Writer::kDone) return w.outcome();
            lock.lock();  // handed the turn
        }
    }
    return w.outcome();
}

WriteHandle CommitPipeline::submit(WriteBatch batch) {
    auto w = std::make_shared<Writer>(std::move(batch), false);
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) {
        w->finish(Status(Code::kClosed, "database " + name_ + " is closed"));
    } else if (!sticky_error_.empty()) {
        w->finish(Status(Code::kError, sticky_error_));
    } else {
        queue_.push_back(w);
        if (!leader_active_ && queue_.size() == 1) flusher_cv_.notify_one();
    }
    return w;
}

bool CommitPipeline::commit_group(std::unique_lock<std::mutex>& lock) {
    const std::size_t cap = std::max<std::size_t>(1, options_.max_group_size);
    group_.clear();
    batches_.clear();
    while (!queue_.empty() && group_.size() < cap) {
        group_.push_back(std::move(queue_.front()));
        queue_.pop_front();
        batches_.push_back(&group_.back()->batch);
    }
    in_flight_ = group_.size();
    lock.unlock();

    const auto started = Clock::now();
    GroupOutcome out = commit_(Group(batches_));
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - started).count();
    if (out.kind == GroupOutcome::Kind::kCommitted &&
        (out.statuses.size() != group_.size() || out.results.size() != group_.size())) {
        out = GroupOutcome::sticky("the backend returned results for " +
                                   std::to_string(out.statuses.size()) + " of " +
                                   std::to_string(group_.size()) + " batches");
    }

    lock.lock();
    in_flight_ = 0;
    LogLine line;
    std::vector<WriterRef> failed;  // kError: the group and everything queued behind it
    switch (out.kind) {
        case GroupOutcome::Kind::kTransient: {
            // Nothing committed: the group goes back to the front, in order, for the flusher.
            ++stats_.retries;
            ++stall_attempts_;
            for (auto it = group_.rbegin(); it != group_.rend(); ++it) {
                (*it)->reset();
                queue_.push_front(std::move(*it));
            }
            group_.clear();
            const auto now = Clock::now();
            if (!stalled_) {
                stalled_ = true;
                stall_started_ = now;
                next_reminder_ = now + options_.stall_reminder_interval;
                backoff_ = options_.retry_initial;
                line = {spdlog::level::warn, "commit failed (" + out.error + "); " +
                                                 std::to_string(queue_.size()) +
                                                 " write(s) kept queued, retrying with backoff"};
            } else {
                backoff_ = std::min(backoff_ * 2, options_.retry_max);
            }
            stall_cause_ = out.error;
            retry_at_ = now + backoff_;
            leader_active_ = false;
            flusher_cv_.notify_one();
            break;
        }
        case GroupOutcome::Kind::kSticky:
            sticky_error_ = out.error;
            line = {spdlog::level::err, out.error + "; every further write will fail"};
            failed = std::move(group_);
            group_.clear();
            for (auto& w : queue_) failed.push_back(std::move(w));
            queue_.clear();
            stats_.failed += failed.size();
            stalled_ = false;
            leader_active_ = false;
            flusher_cv_.notify_one();  // a close waiting for the turn to be free
            break;
        case GroupOutcome::Kind::kCommitted:
            if (stalled_) {
                line = {spdlog::level::info, "commits resumed after " +
                                                 std::to_string(stall_attempts_) +
                                                 " failed attempt(s) in " +
                                                 std::to_string(ms_since(stall_started_)) + " ms"};
                stalled_ = false;
                stall_attempts_ = 0;
            }
            stats_.record_commit(group_.size(), us);
            for (const Status& s : out.statuses) ++(s.is_ok() ? stats_.batches : stats_.failed);
            break;
    }
    const bool committed = out.kind == GroupOutcome::Kind::kCommitted;
    if (line.level == spdlog::level::off && !committed && failed.empty()) return false;

    // Outside mu_: the log line (I/O) and waking the callers. group_ is still ours only if the
    // group committed (the turn is still ours); otherwise it was emptied above.
    lock.unlock();
    log(line);
    if (committed) {
        std::size_t to_wake = 0;  // submitted writes with sleepers, moved to the front
        for (std::size_t i = 0; i < group_.size(); ++i) {
            if (group_[i]->publish(std::move(out.statuses[i]), std::move(out.results[i]))) {
                group_[to_wake++].swap(group_[i]);
            }
        }
        for (std::size_t i = 0; i < to_wake; ++i) group_[i]->wake();
        group_.clear();  // may drop the last reference to a submitted write whose handle is gone
    }
    for (auto& w : failed) w->finish(Status(Code::kError, out.error));
    failed.clear();
    lock.lock();
    return committed;
}

void CommitPipeline::pass_leadership() {
    if (queue_.empty() || stalled_ || closing_ || !queue_.front()->has_thread) {
        leader_active_ = false;
        if (!queue_.empty()) flusher_cv_.notify_one();
        return;
    }
    queue_.front()->signal(Writer::kLead);  // leader_active_ stays set: the turn is theirs
}

void CommitPipeline::flusher_loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
        auto now = Clock::now();
        if (closing_ && !leader_active_ && (queue_.empty() || now >= close_deadline_)) break;
        if (stalled_ && now >= next_reminder_) {
            next_reminder_ = now + options_.stall_reminder_interval;
            LogLine line{spdlog::level::warn,
                         "commits still failing after " + std::to_string(ms_since(stall_started_)) +
                             " ms; " + std::to_string(queue_.size() + in_flight_) +
                             " write(s) queued; last cause: " + stall_cause_};
            lock.unlock();
            log(line);
            lock.lock();
            continue;
        }
        // Ours to lead: batches with no thread of their own, a retry while stalled, the
        // last flush of a close.
        const bool ours = !leader_active_ && !queue_.empty() &&
                          (stalled_ ? now >= retry_at_ : closing_ || !queue_.front()->has_thread);
        if (ours) {
            leader_active_ = true;
            bool leading = true;
            do {
                leading = commit_group(lock);
            } while (leading && !queue_.empty() && (closing_ || !queue_.front()->has_thread) &&
                     !(closing_ && Clock::now() >= close_deadline_));
            if (leading) pass_leadership();
            continue;
        }
        if (!leader_active_ && !queue_.empty() && !stalled_) {
            leader_active_ = true;  // a writer's thread is at the front and nobody leads
            pass_leadership();
            continue;
        }
        auto until = Clock::time_point::max();
        if (stalled_) until = std::min(until, next_reminder_);
        if (stalled_ && !leader_active_) until = std::min(until, retry_at_);
        if (closing_ && now < close_deadline_) until = std::min(until, close_deadline_);
        if (until == Clock::time_point::max()) {
            flusher_cv_.wait(lock);
        } else {
            flusher_cv_.wait_until(lock, until);
        }
    }
    // Closing: what could not be committed in time is reported, never dropped silently.
    not_committed_at_close_ = queue_.size();
    stats_.failed += queue_.size();
    std::vector<WriterRef> left(std::make_move_iterator(queue_.begin()),
                                std::make_move_iterator(queue_.end()));
    queue_.clear();
    const bool was_stalled = stalled_;
    lock.unlock();
    if (!left.empty()) {
        log({spdlog::level::err,
             "closing with " + std::to_string(left.size()) + " write(s) not committed (" +
                 (was_stalled ? "the database stayed unavailable" : "the close deadline passed") +
                 ")"});
    }
    for (auto& w : left) {
        w->finish(
            Status(Code::kClosed, "database " + name_ + " closed before the write committed"));
    }
}

std::size_t CommitPipeline::close(std::optional<Clock::time_point> deadline) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!closing_) {
            closing_ = true;
            close_deadline_ = deadline.value_or(Clock::now() + options_.close_timeout);
        }
        flusher_cv_.notify_one();
    }
    // The first caller joins the flusher; a concurrent or later one waits for that, returns 0.
    std::lock_guard<std::mutex> join_lock(close_mu_);
    if (!flusher_.joinable()) return 0;
    flusher_.join();
    std::lock_guard<std::mutex> lock(mu_);
    return not_committed_at_close_;
}

WriterStats CommitPipeline::stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    WriterStats s = stats_;
    s.queued = queue_.size() + in_flight_;
    s.stalled = stalled_;
    if (stalled_) s.stalled_ms = ms_since(stall_started_);
    s.sticky_error = sticky_error_;
    return s;
}

}  // namespace storage
