// One write in the commit pipeline's queue: its batch, its outcome, and how its caller waits
// for it. Private to storage/ (storage/pipeline/commit_pipeline.h).
//
// A write()'s Writer lives on its caller's stack; a submit()'s is shared between the queue and
// the caller's handle (it is the handle). The pipeline moves it through kWaiting -> kLead (its
// thread's turn to lead a group) -> kDone. Nothing of a Writer refers back to the pipeline, so a
// handle stays valid after the database is closed and releasing one never runs pipeline code.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "storage/write_batch.h"

namespace storage::detail {

class Writer final : public PendingWrite {
public:
    enum State : int { kWaiting, kLead, kDone };

    Writer(WriteBatch b, bool thread) : batch(std::move(b)), has_thread(thread) {}

    bool done() const override { return state_.load(std::memory_order_acquire) == kDone; }
    bool wait_for(std::chrono::milliseconds timeout) const override {
        if (done()) return true;
        std::unique_lock<std::mutex> lock(m_);
        ++sleepers_;
        const bool ok = cv_.wait_for(lock, timeout, [this] { return done(); });
        --sleepers_;
        return ok;
    }
    Result<WriteResult> wait() const override {
        if (!done()) {
            std::unique_lock<std::mutex> lock(m_);
            ++sleepers_;
            cv_.wait(lock, [this] { return done(); });
            --sleepers_;
        }
        return outcome();
    }

    // REQUIRES: done().
    Result<WriteResult> outcome() const {
        if (!status_.is_ok()) return status_;
        return result_;
    }

    // The owner of a stack Writer returns as soon as it sees kDone, so the signaller touches
    // nothing of *this after releasing m_ (await() takes m_ once before returning).
    void signal(State to) {
        std::lock_guard<std::mutex> lock(m_);
        state_.store(to, std::memory_order_release);
        if (sleepers_ > 0) cv_.notify_all();
    }
    void finish(Status status, WriteResult result = {}) {
        status_ = std::move(status);
        result_ = std::move(result);
        signal(kDone);
    }
    // finish() for a member of a committed group. A submitted write's sleepers are left for
    // wake(), after the whole group is published: a caller waiting on many handles of one group
    // is then woken once, not once per handle. Returns whether wake() is needed.
    bool publish(Status status, WriteResult result) {
        status_ = std::move(status);
        result_ = std::move(result);
        std::lock_guard<std::mutex> lock(m_);
        state_.store(kDone, std::memory_order_release);
        if (sleepers_ == 0) return false;
        if (!has_thread) return true;
        cv_.notify_all();  // a write()'s Writer is on its caller's stack: wake it while we hold m_
        return false;
    }
    // REQUIRES: the caller holds a reference (a submitted write).
    void wake() { cv_.notify_all(); }
    // REQUIRES: the pipeline's mu_ held, and either this writer neither queued nor in a group,
    // or its own thread leading (only a leader signals a queued writer).
    void reset() { state_.store(kWaiting, std::memory_order_relaxed); }

    // For the thread in write(): waits until handed the turn or done, spinning (yielding the
    // CPU) for up to `spin` before it sleeps.
    State await(std::chrono::microseconds spin) {
        const auto spin_until = std::chrono::steady_clock::now() + spin;
        for (;;) {
            const int s = state_.load(std::memory_order_acquire);
            if (s != kWaiting) {
                std::lock_guard<std::mutex> lock(m_);  // the signaller has left m_
                return static_cast<State>(s);
            }
            if (std::chrono::steady_clock::now() >= spin_until) break;
            std::this_thread::yield();
        }
        std::unique_lock<std::mutex> lock(m_);
        ++sleepers_;
        cv_.wait(lock, [this] { return state_.load(std::memory_order_acquire) != kWaiting; });
        --sleepers_;
        return static_cast<State>(state_.load(std::memory_order_acquire));
    }

    const WriteBatch batch;
    const bool has_thread;  // a caller waits in write() and takes its turn to lead

private:
    mutable std::mutex m_;
    mutable std::condition_variable cv_;
    mutable int sleepers_ = 0;  // guarded by m_
    std::atomic<int> state_{kWaiting};
    // Written before state_ becomes kDone (release), read after it is seen (acquire).
    Status status_;
    WriteResult result_;
};

}  // namespace storage::detail
