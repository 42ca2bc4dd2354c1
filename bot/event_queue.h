// bot::EventQueue — the bounded queue between the market feed and one symbol's bot.
//
// Policy (copied into the README):
// - The feed's sink never waits for a bot: push() takes a short mutex, never a condition, and
//   always returns at once. Any number of producers, one consumer (the symbol's bot thread).
// - When the queue is full, the OLDEST droppable event goes first. Droppable: a kline *update*
//   (closed == false, superseded by the next update of the same candle anyway), a trade or a book
//   ticker; they only move the last price. A closed kline — the only thing strategies act on — is
//   never dropped while a droppable event is queued.
// - If the queue holds nothing but closed klines and a droppable event arrives, that new event is
//   dropped instead (it is worth less than any queued close). If a closed kline arrives then, the
//   oldest queued close is dropped and counted as a lost close: the bot's strategy skips a candle.
//   The caller logs a warning for each lost close.
// - Every drop is counted per symbol (dropped(), lost_closes()); the heartbeat and metrics show
// them.
// - close() ends the stream: pop() hands out what is still queued, then reports the end. Pushes
//   after close() are ignored (the feed is stopped before queues are closed, so none are expected).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <variant>

#include "exchange/market_data.h"

namespace bot {

class EventQueue {
public:
    // What one push() cost. Both false when the event was simply queued.
    struct PushOutcome {
        bool dropped = false;     // a droppable event (queued or the new one) was discarded
        bool lost_close = false;  // a queued closed kline was discarded
    };

    explicit EventQueue(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
    EventQueue(const EventQueue&) = delete;
    EventQueue& operator=(const EventQueue&) = delete;

    // Never blocks on the consumer. Thread-safe.
    PushOutcome push(exchange::MarketEvent event) {
        PushOutcome out;
        const bool incoming_droppable = is_droppable(event);
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (closed_) return out;
            if (events_.size() >= capacity_) {
                if (droppable_ > 0) {
                    drop_oldest_droppable();
                    out.dropped = true;
                } else if (incoming_droppable) {
                    // Every queued event is a close: the update/trade is worth less than any.
                    dropped_.fetch_add(1, std::memory_order_relaxed);
                    out.dropped = true;
                    return out;
                } else {
                    events_.pop_front();
                    lost_closes_.fetch_add(1, std::memory_order_relaxed);
                    out.lost_close = true;
                }
            }
            if (incoming_droppable) ++droppable_;
            events_.push_back(std::move(event));
            depth_.store(events_.size(), std::memory_order_relaxed);
        }
        cv_.notify_one();
        return out;
    }

    // The oldest event, waiting up to `timeout` for one. nullopt on timeout or when the queue is
    // closed and empty (is_finished() tells which).
    std::optional<exchange::MarketEvent> pop(std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(mu_);
        if (!cv_.wait_for(lock, timeout, [this] { return !events_.empty() || closed_; })) {
            return std::nullopt;
        }
        if (events_.empty()) return std::nullopt;  // closed and drained
        exchange::MarketEvent e = std::move(events_.front());
        events_.pop_front();
        if (is_droppable(e)) --droppable_;
        depth_.store(events_.size(), std::memory_order_relaxed);
        return e;
    }

    // No more pushes; pop() drains what is queued, then reports the end.
    void close() {
        {
            std::lock_guard<std::mutex> lock(mu_);
            closed_ = true;
        }
        cv_.notify_all();
    }
    // Closed and nothing left to pop.
    bool is_finished() const {
        std::lock_guard<std::mutex> lock(mu_);
        return closed_ && events_.empty();
    }

    std::size_t capacity() const { return capacity_; }
    // Readable from any thread without the lock (heartbeat, metrics).
    std::size_t depth() const { return depth_.load(std::memory_order_relaxed); }
    std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
    std::uint64_t lost_closes() const { return lost_closes_.load(std::memory_order_relaxed); }

    static bool is_droppable(const exchange::MarketEvent& e) {
        const auto* k = std::get_if<exchange::Kline>(&e);
        return k == nullptr || !k->closed;
    }

private:
    // REQUIRES: mu_ held, droppable_ > 0.
    void drop_oldest_droppable() {
        for (auto it = events_.begin(); it != events_.end(); ++it) {
            if (is_droppable(*it)) {
                events_.erase(it);
                --droppable_;
                dropped_.fetch_add(1, std::memory_order_relaxed);
                return;
            }
        }
    }

    // Constant after construction
    const std::size_t capacity_;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<exchange::MarketEvent> events_;  // Guarded by mu_
    std::size_t droppable_ = 0;                 // Guarded by mu_: droppable events in events_
    bool closed_ = false;                       // Guarded by mu_

    // Mirrors and counters for readers on other threads.
    std::atomic<std::size_t> depth_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> lost_closes_{0};
};

}  // namespace bot
