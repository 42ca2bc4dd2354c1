// exchange::FaultBurst — faults that come in bursts (malformed messages, accept() failures),
// logged in a few lines per burst instead of one per fault: when a burst begins, a reminder
// while it lasts, and when it has ended (how many were in it, for how long). Clock-free and
// thread-free: the caller passes the time and does the logging, so it serves an Asio strand as
// well as a test. Header-only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace exchange {

class FaultBurst {
public:
    using Clock = std::chrono::steady_clock;

    // A burst ends once `quiet` passes without a fault; while it lasts, a reminder at most every
    // `remind`.
    explicit FaultBurst(std::chrono::milliseconds quiet = std::chrono::seconds(10),
                        std::chrono::milliseconds remind = std::chrono::seconds(60))
        : quiet_(quiet), remind_(remind) {}

    enum class Say {
        kNothing,   // counted; nothing to log
        kBegins,    // the first fault of a burst: log it
        kReminder,  // the burst goes on: log how many so far
    };
    // One fault at `now`, described by `what` (kept as the latest).
    Say note(Clock::time_point now, std::string_view what) {
        latest_ = std::string(what);
        last_ = now;
        if (count_++ == 0) {
            began_ = said_ = now;
            return Say::kBegins;
        }
        if (now - said_ >= remind_) {
            said_ = now;
            return Say::kReminder;
        }
        return Say::kNothing;
    }

    struct Ended {
        std::uint64_t count = 0;             // faults in the burst
        std::chrono::milliseconds lasted{};  // from the first to the last
        std::string latest;                  // what the last one was
    };
    // The burst that has ended by `now` (no fault for `quiet`), once; nullopt while one lasts or
    // when there is none.
    std::optional<Ended> ended(Clock::time_point now) {
        if (count_ == 0 || now - last_ < quiet_) return std::nullopt;
        Ended e{count_, std::chrono::duration_cast<std::chrono::milliseconds>(last_ - began_),
                std::move(latest_)};
        count_ = 0;
        latest_.clear();
        return e;
    }
    // When ended() may next have something to say; nullopt when no burst is open.
    std::optional<Clock::time_point> check_at() const {
        if (count_ == 0) return std::nullopt;
        return last_ + quiet_;
    }

    std::uint64_t in_burst() const { return count_; }
    std::chrono::milliseconds lasting(Clock::time_point now) const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(now - began_);
    }

private:
    const std::chrono::milliseconds quiet_;
    const std::chrono::milliseconds remind_;
    std::uint64_t count_ = 0;
    Clock::time_point began_{};
    Clock::time_point last_{};
    Clock::time_point said_{};  // the last line logged about this burst
    std::string latest_;
};

}  // namespace exchange
