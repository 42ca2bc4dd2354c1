// service::Heartbeat — each bot's heartbeat line every log.heartbeat_s, written by a thread of its
// own.
//
// The bots used to write their own heartbeats between events, so a bot stuck waiting for a
// stalled database (disk full, another process holding the write lock) went silent exactly when
// the operator needed to hear from it. This thread reads only figures the bots publish (BotStats,
// the queue) and the storage pipeline's snapshot, never waiting on storage, so the lines keep
// coming and say what is wrong:
//
//   [BTCUSDT] heartbeat events=1200 closed=40 signals=3 ... realized=-0.10 stop=58772.51 take=-
//       trail=- halted=no storage=ok
//   [BTCUSDT] heartbeat events=1260 closed=42 signals=3 ... storage=stalled for 32 s (7 queued)
//   [BTCUSDT] heartbeat ... storage=failed: database disk image is malformed
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bot/runtime/supervisor.h"
#include "exchange/market_stream.h"
#include "storage/database.h"

namespace service {

// Where the heartbeat reads from. None of them may wait on storage: WriterStats is a snapshot
// taken under the pipeline's queue mutex, which no I/O holds.
struct HeartbeatSources {
    std::function<std::vector<bot::BotView>()> bots;
    std::function<storage::WriterStats()> storage;
    std::function<exchange::StreamStats()> stream;
};

// One bot's heartbeat line (without the "[SYMBOL] " the logger adds).
std::string heartbeat_text(const bot::BotView& bot, const storage::WriterStats& storage,
                           const exchange::StreamStats& stream);
// The "storage=..." part: ok, stalled for N s (M queued), or failed: <error>.
std::string storage_health_text(const storage::WriterStats& storage);

class Heartbeat {
public:
    // interval 0: no heartbeat (start() does nothing).
    Heartbeat(HeartbeatSources sources, std::chrono::milliseconds interval);
    ~Heartbeat();  // stop()
    Heartbeat(const Heartbeat&) = delete;
    Heartbeat& operator=(const Heartbeat&) = delete;

    void start();
    // Joins; no line is written after it returns. Idempotent.
    void stop();

private:
    void run();

    // Constant after construction
    const HeartbeatSources sources_;
    const std::chrono::milliseconds interval_;

    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;  // Guarded by mu_
    std::thread thread_;
};

}  // namespace service
