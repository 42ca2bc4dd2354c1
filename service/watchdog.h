// service::Watchdog — tells systemd when the daemon is ready and keeps its watchdog fed only while
// every bot thread is actually working.
//
// A bot "makes progress" when its loop turns: each event handled and each idle wait that times
// out moves BotStats::last_progress_ms (at least every 200 ms when idle). A bot whose thread is
// stuck — a strategy in an endless loop, a storage wait that never returns — stops moving it. Once
// any running bot has not moved it for `max_stall`, WATCHDOG=1 is withheld (with a warning naming
// the bot and a STATUS= line for `systemctl status`), so systemd's WatchdogSec= kills and restarts
// the whole process: a stuck thread cannot be rescued from inside. Pings resume if it recovers.
//
// Bots that are not running (starting, in restart backoff after an exception) or stopped for
// good are not stuck threads and do not withhold the pings; /healthz reports them (health()).
//
// READY=1 is sent once every bot runs (or has stopped for good), not when threads merely exist:
// resuming from storage and warming the strategy up happen on the bot's thread first.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "service/sd_notify.h"
#include "storage/database.h"

namespace spdlog {
class logger;
}

namespace bot {
struct BotView;
}

namespace service {

// One bot as the watchdog sees it (a plain copy, so the policy is testable without threads).
struct BotProgress {
    std::string symbol;
    bool running = false;               // the bot loop runs
    bool failed = false;                // stopped for good
    std::int64_t last_progress_ms = 0;  // steady clock
    std::string last_error;             // what the last exception said ("" if none)
};

std::vector<BotProgress> progress_of(const std::vector<bot::BotView>& bots);

// ok, or why not (one line naming every bot concerned).
struct Health {
    bool ok = true;
    std::string reason;
};

// The watchdog's question: is any running bot stuck for longer than max_stall?
Health assess_progress(const std::vector<BotProgress>& bots, std::int64_t now_ms,
                       std::chrono::milliseconds max_stall);
// The /healthz question: stuck bots as above, plus bots not running (starting, restarting, failed
// for good) and a storage pipeline in a retry episode (stats.stalled).
Health assess_health(const std::vector<BotProgress>& bots, const storage::WriterStats& storage,
                     std::int64_t now_ms, std::chrono::milliseconds max_stall);
// Every bot runs or has stopped for good.
bool all_started(const std::vector<BotProgress>& bots);

struct WatchdogOptions {
    // How often WATCHDOG=1 is sent (half of WATCHDOG_USEC); 0: no pings, READY=1 only.
    std::chrono::milliseconds ping_interval{0};
    // A running bot whose loop has not turned for this long is stuck.
    std::chrono::milliseconds max_stall{30000};
    // How often readiness is checked before READY=1.
    std::chrono::milliseconds poll{50};
};

// The stall limit for this process: the systemd watchdog period when one is set (a bot stuck
// that long is stuck; the process is then killed one more period later), else 30 s; never below
// 1 s (the idle bot loop turns every 200 ms).
std::chrono::milliseconds default_max_stall(const SdNotifier& notifier);

class Watchdog {
public:
    using Source = std::function<std::vector<BotProgress>()>;

    // `notifier` and whatever `source` reads outlive the watchdog.
    Watchdog(const SdNotifier& notifier, Source source, WatchdogOptions options,
             std::shared_ptr<spdlog::logger> log);
    ~Watchdog();  // stop()
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    // Starts the thread that sends READY=1 and the pings. Call once.
    void start();
    // Stops and joins: no notification is sent after it returns. Idempotent.
    void stop();

    bool ready_sent() const;
    // Pings sent and rounds withheld so far (tests, diagnostics).
    std::uint64_t pings() const;
    std::uint64_t withheld() const;

private:
    void run();

    // Constant after construction
    const SdNotifier& notifier_;
    const Source source_;
    const WatchdogOptions options_;
    const std::shared_ptr<spdlog::logger> log_;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;           // Guarded by mu_
    bool ready_sent_ = false;     // Guarded by mu_
    std::uint64_t pings_ = 0;     // Guarded by mu_
    std::uint64_t withheld_ = 0;  // Guarded by mu_
    std::thread thread_;
};

}  // namespace service
