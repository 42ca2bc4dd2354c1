#include "service/heartbeat.h"

#include <spdlog/spdlog.h>

#include <map>
#include <memory>

#include "bot/core/risk_guard.h"
#include "service/log_setup.h"

namespace service {

std::string storage_health_text(const storage::WriterStats& storage) {
    if (!storage.sticky_error.empty()) return "storage=failed: " + storage.sticky_error;
    if (!storage.stalled) return "storage=ok";
    return "storage=stalled for " + std::to_string(storage.stalled_ms / 1000) + " s (" +
           std::to_string(storage.queued) + " queued)";
}

std::string heartbeat_text(const bot::BotView& bot, const storage::WriterStats& storage,
                           const exchange::StreamStats& stream) {
    const bot::BotStats& s = *bot.stats;
    const bot::PositionSnapshot p = s.position();
    return fmt::format(
        "heartbeat events={} closed={} signals={} orders={} fills={} queue={} dropped={} "
        "lost_closes={} storage_commit_us={:.0f} reconnects={} position={} avg={} last={} "
        "upnl={} realized={} {} {}",
        s.events.load(), s.closed_klines.load(), s.signals.load(), s.orders.load(), s.fills.load(),
        bot.queue->depth(), bot.queue->dropped(), bot.queue->lost_closes(), storage.last_commit_us,
        stream.reconnects, p.quantity.to_string(), p.avg_entry_price.to_string(),
        p.last_price.to_string(), p.unrealized_pnl.to_string(2), p.realized_pnl.to_string(2),
        bot::risk_heartbeat_text(s.risk()), storage_health_text(storage));
}

Heartbeat::Heartbeat(HeartbeatSources sources, std::chrono::milliseconds interval)
    : sources_(std::move(sources)), interval_(interval) {}

Heartbeat::~Heartbeat() { stop(); }

void Heartbeat::start() {
    if (interval_.count() <= 0 || thread_.joinable()) return;
    thread_ = std::thread([this] { run(); });
}

void Heartbeat::stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Heartbeat::run() {
    // Loggers are looked up once per symbol, not per line.
    std::map<std::string, std::shared_ptr<spdlog::logger>> loggers;
    auto next = std::chrono::steady_clock::now() + interval_;
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
        if (cv_.wait_until(lock, next, [this] { return stop_; })) return;
        lock.unlock();
        const storage::WriterStats storage = sources_.storage();
        const exchange::StreamStats stream = sources_.stream();
        for (const bot::BotView& bot : sources_.bots()) {
            auto& log = loggers[bot.symbol];
            if (!log) log = get_logger(bot.symbol);
            log->info("{}", heartbeat_text(bot, storage, stream));
        }
        next += interval_;
        // Behind (a suspended process): the next line one interval from now, not a burst.
        if (next < std::chrono::steady_clock::now())
            next = std::chrono::steady_clock::now() + interval_;
        lock.lock();
    }
}

}  // namespace service
