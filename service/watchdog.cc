#include "service/watchdog.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "bot/runtime/supervisor.h"

namespace service {
namespace {

std::string seconds_text(std::int64_t ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
    return buf;
}

void append(std::string& reason, const std::string& part) {
    if (!reason.empty()) reason += "; ";
    reason += part;
}

}  // namespace

std::vector<BotProgress> progress_of(const std::vector<bot::BotView>& bots) {
    std::vector<BotProgress> out;
    out.reserve(bots.size());
    for (const auto& b : bots) {
        BotProgress p;
        p.symbol = b.symbol;
        if (b.stats) {
            p.running = b.stats->running.load(std::memory_order_relaxed);
            p.failed = b.stats->failed.load(std::memory_order_relaxed);
            p.last_progress_ms = b.stats->last_progress_ms.load(std::memory_order_relaxed);
            if (!p.running) p.last_error = b.stats->last_error();
        }
        out.push_back(std::move(p));
    }
    return out;
}

Health assess_progress(const std::vector<BotProgress>& bots, std::int64_t now_ms,
                       std::chrono::milliseconds max_stall) {
    Health h;
    for (const auto& b : bots) {
        if (!b.running || b.failed) continue;
        std::int64_t idle = now_ms - b.last_progress_ms;
        if (idle > max_stall.count()) {
            h.ok = false;
            append(h.reason, "bot " + b.symbol + " made no progress for " + seconds_text(idle));
        }
    }
    return h;
}

Health assess_health(const std::vector<BotProgress>& bots, const storage::WriterStats& storage,
                     std::int64_t now_ms, std::chrono::milliseconds max_stall) {
    Health h = assess_progress(bots, now_ms, max_stall);
    for (const auto& b : bots) {
        if (b.failed) {
            h.ok = false;
            append(h.reason, "bot " + b.symbol + " stopped for good" +
                                 (b.last_error.empty() ? "" : ": " + b.last_error));
        } else if (!b.running) {
            h.ok = false;
            append(h.reason,
                   "bot " + b.symbol +
                       (b.last_error.empty() ? " starting" : " restarting after: " + b.last_error));
        }
    }
    if (storage.stalled) {
        h.ok = false;
        append(h.reason, "storage stalled: commits are being retried (" +
                             std::to_string(storage.queued) + " batches queued)");
    }
    return h;
}

bool all_started(const std::vector<BotProgress>& bots) {
    return std::all_of(bots.begin(), bots.end(),
                       [](const BotProgress& b) { return b.running || b.failed; });
}

std::chrono::milliseconds default_max_stall(const SdNotifier& notifier) {
    using std::chrono::milliseconds;
    milliseconds stall(30000);
    if (auto period = notifier.watchdog_period()) {
        stall = std::chrono::duration_cast<milliseconds>(*period);
    }
    return std::max(stall, milliseconds(1000));
}

Watchdog::Watchdog(const SdNotifier& notifier, Source source, WatchdogOptions options,
                   std::shared_ptr<spdlog::logger> log)
    : notifier_(notifier),
      source_(std::move(source)),
      options_(options),
      log_(log ? std::move(log) : spdlog::default_logger()) {}

Watchdog::~Watchdog() { stop(); }

void Watchdog::start() {
    thread_ = std::thread([this] { run(); });
}

void Watchdog::stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

bool Watchdog::ready_sent() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ready_sent_;
}

std::uint64_t Watchdog::pings() const {
    std::lock_guard<std::mutex> lock(mu_);
    return pings_;
}

std::uint64_t Watchdog::withheld() const {
    std::lock_guard<std::mutex> lock(mu_);
    return withheld_;
}

void Watchdog::run() {
    using Clock = std::chrono::steady_clock;
    const bool pinging = options_.ping_interval.count() > 0;
    auto next_ping = Clock::now();
    bool ready = false;
    bool withholding = false;
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
        if (ready && !pinging) {
            // READY=1 sent and no watchdog to feed: nothing left to do until stop().
            cv_.wait(lock, [this] { return stop_; });
            break;
        }
        auto wake = Clock::now() + options_.poll;
        if (ready && pinging) wake = next_ping;
        if (!ready && pinging) wake = std::min(wake, next_ping);
        cv_.wait_until(lock, wake, [this] { return stop_; });
        if (stop_) break;
        lock.unlock();

        std::vector<BotProgress> bots = source_();
        if (!ready && all_started(bots)) {
            ready = true;
            notifier_.ready("running " + std::to_string(bots.size()) + " bots");
            log_->info("ready: {} bots running{}", bots.size(),
                       notifier_.enabled() ? " (READY=1 sent)" : "");
        }
        bool pinged = false;
        bool held = false;
        if (pinging && Clock::now() >= next_ping) {
            next_ping = Clock::now() + options_.ping_interval;
            Health h = assess_progress(bots, bot::BotStats::steady_now_ms(), options_.max_stall);
            if (h.ok) {
                pinged = notifier_.watchdog();
                if (withholding) {
                    withholding = false;
                    log_->info("watchdog: every bot is making progress again; WATCHDOG=1 resumed");
                    notifier_.status("running " + std::to_string(bots.size()) + " bots");
                }
            } else {
                held = true;
                if (!withholding) {
                    withholding = true;
                    log_->warn("watchdog: withholding WATCHDOG=1: {}", h.reason);
                    notifier_.status("stuck: " + h.reason);
                }
            }
        }

        lock.lock();
        if (ready) ready_sent_ = true;
        if (pinged) ++pings_;
        if (held) ++withheld_;
    }
}

}  // namespace service
