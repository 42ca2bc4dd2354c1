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
// - A dropped event's price is not lost to the risk rules: the lowest and highest price of the
//   droppable events discarded since the consumer last looked (and which came first) are kept
//   and handed out with the next pop(timeout, &dropped), so a full queue cannot hide a fall
//   through a stop-loss.
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

#include "bot/core/dropped_prices.h"
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
                    keep_price(event);
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
        return pop(timeout, nullptr);
    }
    // The same, and when `dropped` is not null, the prices dropped since the last such call go
    // there (count 0: none) and are forgotten here. They were queued before the returned event
    // (or arrived while nothing but closes was queued), so the consumer applies them first.
    std::optional<exchange::MarketEvent> pop(std::chrono::milliseconds timeout,
                                             DroppedPrices* dropped) {
        std::unique_lock<std::mutex> lock(mu_);
        const bool ready =
            cv_.wait_for(lock, timeout, [this] { return !events_.empty() || closed_; });
        if (dropped) {
            *dropped = dropped_prices_;
            dropped_prices_ = DroppedPrices{};
        }
        if (!ready || events_.empty()) return std::nullopt;  // timeout, or closed and drained
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
    // REQUIRES: mu_ held. Folds a dropped event's price into dropped_prices_.
    void keep_price(const exchange::MarketEvent& e) {
        if (const auto* k = std::get_if<exchange::Kline>(&e)) {
            if (k->close.is_positive()) {
                dropped_prices_.add(k->close,
                                    k->event_time_ms != 0 ? k->event_time_ms : k->close_time_ms);
            }
        } else if (const auto* t = std::get_if<exchange::Trade>(&e)) {
            if (t->price.is_positive()) dropped_prices_.add(t->price, t->trade_time_ms);
        }
    }

    // REQUIRES: mu_ held, droppable_ > 0.
    void drop_oldest_droppable() {
        for (auto it = events_.begin(); it != events_.end(); ++it) {
            if (is_droppable(*it)) {
                keep_price(*it);
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
    DroppedPrices dropped_prices_;              // Guarded by mu_: since the last look
    bool closed_ = false;                       // Guarded by mu_

    // Mirrors and counters for readers on other threads.
    std::atomic<std::size_t> depth_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> lost_closes_{0};
};

}  // namespace bot
