// bot::BotStats — one symbol's running figures, written by its bot thread and read from any
// other (heartbeat, the coming systemd watchdog and Prometheus metrics). Owned by the supervisor
// so the figures survive a bot restart.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "bot/core/risk_guard.h"
#include "bot/core/risk_rules.h"
#include "config/decimal.h"
#include "exchange/clock.h"

namespace bot {

// The position as last seen by the bot, in exact decimals (copied under a mutex: Decimal is not
// lock-free).
struct PositionSnapshot {
    config::Decimal quantity;
    config::Decimal avg_entry_price;
    config::Decimal realized_pnl;
    config::Decimal unrealized_pnl;  // at last_price
    config::Decimal last_price;      // 0 until the first price is seen
};

class BotStats {
public:
    static std::int64_t steady_now_ms() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
    static std::int64_t wall_now_ms() { return exchange::wall_clock_ms(); }

    // Counters: monotonic over the process lifetime (restarts included).
    std::atomic<std::uint64_t> events{0};          // market events taken from the queue
    std::atomic<std::uint64_t> closed_klines{0};   // closed candles fed to the strategy
    std::atomic<std::uint64_t> signals{0};         // signal rows committed
    std::atomic<std::uint64_t> orders{0};          // orders sent to the gateway
    std::atomic<std::uint64_t> fills{0};           // fill rows committed
    std::atomic<std::uint64_t> rejected{0};        // orders the gateway rejected
    std::atomic<std::uint64_t> storage_errors{0};  // writes that failed for good
    std::atomic<std::uint64_t> restarts{0};        // bot restarts after an exception
    // Risk exits decided, by rule (index: bot::ExitRule, see bot/core/risk_rules.h).
    std::array<std::atomic<std::uint64_t>, kExitRuleCount> risk_exits{};

    // Steady-clock ms of the bot loop's last turn (an event handled, or an idle wait that timed
    // out). A watchdog compares it with now: a bot stuck in a strategy or a storage wait stops
    // moving it, an idle one does not.
    std::atomic<std::int64_t> last_progress_ms{steady_now_ms()};
    // Wall-clock ms when the last market event was taken from the queue (0: none yet).
    std::atomic<std::int64_t> last_event_ms{0};
    // True while the bot thread runs its loop (false during start-up, restart backoff, after stop).
    std::atomic<bool> running{false};
    // True when the symbol was stopped for good (a fatal error such as a damaged position row).
    std::atomic<bool> failed{false};
    // True while an operator has the symbol paused (no new positions).
    std::atomic<bool> paused{false};

    void touch() { last_progress_ms.store(steady_now_ms(), std::memory_order_relaxed); }

    void set_position(const PositionSnapshot& p) {
        std::lock_guard<std::mutex> lock(mu_);
        position_ = p;
    }
    PositionSnapshot position() const {
        std::lock_guard<std::mutex> lock(mu_);
        return position_;
    }
    void set_risk(const RiskSnapshot& r) {
        std::lock_guard<std::mutex> lock(mu_);
        risk_ = r;
    }
    RiskSnapshot risk() const {
        std::lock_guard<std::mutex> lock(mu_);
        return risk_;
    }
    void set_last_error(std::string e) {
        std::lock_guard<std::mutex> lock(mu_);
        last_error_ = std::move(e);
    }
    std::string last_error() const {
        std::lock_guard<std::mutex> lock(mu_);
        return last_error_;
    }

private:
    mutable std::mutex mu_;
    PositionSnapshot position_;  // Guarded by mu_
    RiskSnapshot risk_;          // Guarded by mu_
    std::string last_error_;     // Guarded by mu_: what the last exception said ("" if none)
};

}  // namespace bot
