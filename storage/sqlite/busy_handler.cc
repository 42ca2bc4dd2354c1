#include "storage/sqlite/busy_handler.h"

#include <algorithm>
#include <thread>

namespace storage::detail {

void BusyHandler::install(sqlite3* db) { sqlite3_busy_handler(db, &BusyHandler::on_busy, this); }

void BusyHandler::give_up_at(Clock::time_point deadline) {
    give_up_at_.store(deadline.time_since_epoch().count(), std::memory_order_release);
}

int BusyHandler::on_busy(void* ctx, int attempts) {
    auto* self = static_cast<BusyHandler*>(ctx);
    const auto now = Clock::now();
    if (attempts == 0) self->waiting_since_ = now;  // SQLite counts from 0 for each lock wait
    const auto limit = std::min(
        self->waiting_since_ + std::chrono::milliseconds(self->timeout_ms_),
        Clock::time_point(Clock::duration(self->give_up_at_.load(std::memory_order_acquire))));
    if (now >= limit) return 0;  // SQLITE_BUSY: the pipeline keeps the write queued
    // SQLite's own schedule (1, 2, 5, ... ms), capped at 25 ms so a close deadline set while we
    // sleep is noticed soon after.
    static constexpr int kDelaysMs[] = {1, 2, 5, 10, 15, 20, 25};
    const int i = std::min<int>(attempts, std::size(kDelaysMs) - 1);
    std::this_thread::sleep_for(
        std::min<Clock::duration>(std::chrono::milliseconds(kDelaysMs[i]), limit - now));
    return 1;
}

}  // namespace storage::detail
