#include "bot/leases/lease_keeper.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>

namespace bot {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

}  // namespace

void SymbolHost::stop_trading_together(const std::vector<std::string>& symbols) {
    if (symbols.size() == 1) return stop_trading(symbols.front());
    std::vector<std::thread> stops;
    for (const auto& sym : symbols) {
        stops.emplace_back([this, sym] { stop_trading(sym); });
    }
    for (auto& t : stops) t.join();
}

LeaseKeeper::LeaseKeeper(storage::LeaseStore& store, FenceSetter& fences, SymbolHost& host,
                         std::vector<std::string> symbols, LeaseKeeperOptions options)
    : store_(store),
      fences_(fences),
      host_(host),
      options_(std::move(options)),
      lease_(store.lease()),
      interval_(options_.renew_interval.count() > 0 ? options_.renew_interval : store.lease() / 3),
      symbols_(std::move(symbols)) {}

LeaseKeeper::~LeaseKeeper() {
    try {
        stop(Clock::now() + std::chrono::seconds(2));
    } catch (const std::exception& e) {
        log().error("leases: stopping failed: {}", e.what());
    }
}

spdlog::logger& LeaseKeeper::log_for(const std::string& symbol) const {
    if (!options_.logger) return *spdlog::default_logger_raw();
    std::lock_guard<std::mutex> lock(loggers_mu_);
    auto it = loggers_.find(symbol);
    if (it == loggers_.end()) {
        auto made = options_.logger(symbol);
        if (!made) return *spdlog::default_logger_raw();
        it = loggers_.emplace(symbol, std::move(made)).first;
    }
    return *it->second;
}

spdlog::logger& LeaseKeeper::log() const { return log_for("main"); }

std::string LeaseKeeper::start() {
    std::string failure = round();
    host_thread_ = std::thread([this] { run_host(); });
    keeper_ = std::thread([this] { run(); });
    return failure;
}

void LeaseKeeper::post(HostCall call) {
    host_calls_.push_back(std::move(call));
    host_cv_.notify_all();
}

void LeaseKeeper::run_host() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
        host_cv_.wait(lock, [this] { return !host_calls_.empty() || host_done_; });
        if (host_calls_.empty()) return;  // host_done_: nothing left to do
        HostCall call = std::move(host_calls_.front());
        host_calls_.pop_front();
        // Stops queued one behind the other go together: their drains overlap.
        std::vector<std::string> stopping;
        if (!call.start) {
            stopping.push_back(call.symbol);
            while (!host_calls_.empty() && !host_calls_.front().start) {
                stopping.push_back(std::move(host_calls_.front().symbol));
                host_calls_.pop_front();
            }
        }
        lock.unlock();
        try {
            if (call.start) {
                host_.start_trading(call.symbol);
            } else {
                host_.stop_trading_together(stopping);
            }
        } catch (const std::exception& e) {
            log_for(call.symbol)
                .error("{} trading failed: {}", call.start ? "starting" : "stopping", e.what());
        }
        lock.lock();
        for (const auto& sym : stopping) stopped_.insert(sym);
        keeper_cv_.notify_all();
        host_cv_.notify_all();  // stop() waits for the calls to run out
    }
}

void LeaseKeeper::run() {
    std::unique_lock<std::mutex> lock(mu_);
    auto next = Clock::now() + interval_;
    const bool beats = options_.heartbeat.count() > 0;
    auto next_beat = Clock::now() + options_.heartbeat;
    while (!stopping_) {
        const auto wake = beats ? std::min(next, next_beat) : next;
        keeper_cv_.wait_until(lock, wake, [this] { return stopping_ || !stopped_.empty(); });
        if (stopping_) break;
        const auto now = Clock::now();
        const bool beat = beats && now >= next_beat;
        // A round when one is due, or at once when the host stopped symbols (released now rather
        // than at the next round).
        const bool work = now >= next || !stopped_.empty();
        lock.unlock();
        if (work) {
            if (now >= next) next = now + interval_;
            (void)round();
        }
        if (beat) {
            next_beat = now + options_.heartbeat;
            heartbeat();
        }
        lock.lock();
    }
}

void LeaseKeeper::heartbeat() {
    std::string held;
    std::size_t count = 0, wanted = 0;
    int nodes = 0;
    double renew_ms = 0;
    {
        std::lock_guard<std::mutex> lock(mu_);
        for (const auto& [sym, h] : held_) {
            if (h.phase == Phase::kLost) continue;
            held += (held.empty() ? "" : ",") + sym + "@" + std::to_string(h.lease.epoch);
            ++count;
        }
        wanted = symbols_.size();
        nodes = stats_.live_nodes;
        renew_ms = stats_.last_renew_ms;
    }
    log().info("leases: holding {} of {} symbols ({}) node={} nodes={} renew_ms={:.1f}", count,
               wanted, held.empty() ? "-" : held, store_.node(), nodes, renew_ms);
}

std::string LeaseKeeper::round() {
    // 1. Symbols the host has stopped: release what was being given up, forget what was lost.
    std::vector<storage::HeldLease> to_release;
    {
        std::lock_guard<std::mutex> lock(mu_);
        for (const auto& sym : stopped_) {
            auto it = held_.find(sym);
            if (it == held_.end()) continue;
            if (it->second.phase == Phase::kReleasing) to_release.push_back(it->second.lease);
            if (it->second.phase == Phase::kLost) {
                fences_.clear_fence(sym);
                held_.erase(it);
            }
        }
        stopped_.clear();
    }
    for (const auto& lease : to_release) {
        storage::Status st = store_.release(lease, interval_);
        if (st.is_ok()) {
            log_for(lease.symbol).info("lease released epoch={}", lease.epoch);
        } else {
            log_for(lease.symbol)
                .warn("lease release failed ({}); it expires by itself within {} s", st.message(),
                      lease_.count() / 1000);
        }
        std::lock_guard<std::mutex> lock(mu_);
        fences_.clear_fence(lease.symbol);
        held_.erase(lease.symbol);
        ++stats_.released;
    }

    // 2. Renew everything still held, mark this process alive, count the live processes.
    std::vector<storage::HeldLease> renewing;
    {
        std::lock_guard<std::mutex> lock(mu_);
        for (const auto& [sym, h] : held_) {
            if (h.phase != Phase::kLost) renewing.push_back(h.lease);
        }
    }
    const auto sent = Clock::now();
    storage::Result<storage::Renewal> renewal = store_.renew(renewing, interval_);
    const auto answered = Clock::now();
    int live_nodes = 1;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!renewal.is_ok()) {
            const std::string cause = renewal.status().message();
            ++stats_.renew_failures;
            if (!renew_failing_) {
                renew_failing_ = true;
                failing_since_ = sent;
                log().warn(
                    "leases: renewal failed ({}); each symbol stops trading once its lease has "
                    "gone {} ms unrenewed",
                    cause, (lease_ - interval_).count());
            }
            // Stop trading before the lease can run out, leaving one interval to drain.
            for (auto& [sym, h] : held_) {
                if (h.phase == Phase::kLost) continue;
                const std::int64_t age = ms_between(h.renewed_at, answered);
                if (age < (lease_ - interval_).count()) continue;
                log_for(sym).warn("lease lost epoch={}: not renewed for {} ms ({})", h.lease.epoch,
                                  age, cause);
                ++stats_.lost;
                if (h.phase == Phase::kTrading) post({false, sym});
                h.phase = Phase::kLost;
            }
            return cause;
        }
        if (renew_failing_) {
            renew_failing_ = false;
            log().info("leases: renewals work again after {} ms", ms_between(failing_since_, sent));
        }
        const double ms = std::chrono::duration<double, std::milli>(answered - sent).count();
        ++stats_.renewals;
        stats_.last_renew_ms = ms;
        stats_.renew_ms_sum += ms;
        std::size_t bucket = 0;
        while (bucket < LeaseStats::kLatencyBoundsMs.size() &&
               ms > LeaseStats::kLatencyBoundsMs[bucket]) {
            ++bucket;
        }
        ++stats_.renew_latency_counts[bucket];
        live_nodes = renewal.value().live_nodes;
        stats_.live_nodes = live_nodes;
        for (const auto& r : renewal.value().renewed) {
            auto it = held_.find(r.symbol);
            if (it != held_.end() && it->second.lease.epoch == r.epoch) {
                it->second.renewed_at = sent;
                it->second.lease.expires_at_ms = r.expires_at_ms;
            }
        }
        for (const auto& l : renewal.value().lost) {
            auto it = held_.find(l.symbol);
            if (it == held_.end() || it->second.phase == Phase::kLost) continue;
            log_for(l.symbol).warn("lease lost epoch={}: {}", l.epoch, l.why);
            ++stats_.lost;
            if (it->second.phase == Phase::kTrading) post({false, l.symbol});
            it->second.phase = Phase::kLost;
        }
    }

    // 3. Even the load out: at most ceil(symbols / live processes) each.
    std::vector<std::string> candidates;
    std::size_t need = 0;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return {};
        const std::set<std::string> wanted(symbols_.begin(), symbols_.end());
        std::vector<std::string> trading;
        for (auto& [sym, h] : held_) {
            if (h.phase != Phase::kTrading) continue;
            if (!wanted.count(sym)) {
                h.phase = Phase::kReleasing;  // no longer configured
                post({false, sym});
                continue;
            }
            trading.push_back(sym);
        }
        const std::size_t share = (wanted.size() + static_cast<std::size_t>(live_nodes) - 1) /
                                  static_cast<std::size_t>(live_nodes);
        // Over the share: hand the last ones back (drained first), never more.
        while (trading.size() > share) {
            const std::string sym = trading.back();
            trading.pop_back();
            held_[sym].phase = Phase::kReleasing;
            post({false, sym});
        }
        need = share - trading.size();
        if (need > 0) {
            // Every process walks the list from its own starting point, so processes starting
            // together mostly ask for different symbols.
            const std::size_t n = symbols_.size();
            const std::size_t offset = n == 0 ? 0 : std::hash<std::string>{}(store_.node()) % n;
            for (std::size_t i = 0; i < n; ++i) {
                const std::string& sym = symbols_[(offset + i) % n];
                if (!held_.count(sym)) candidates.push_back(sym);
            }
        }
    }
    for (const auto& sym : candidates) {
        if (need == 0) break;
        auto got = store_.try_acquire(sym, interval_);
        if (!got.is_ok()) return got.status().message();
        if (!got.value()) continue;  // another process holds it
        const storage::HeldLease lease = *got.value();
        fences_.set_fence(sym, lease.epoch);
        std::lock_guard<std::mutex> lock(mu_);
        // Counted from this round's renewal, a moment before the lease really began: every
        // symbol of this process then ages in step, so a failing database stops them in one
        // round (drained together), never one just under the limit a round late, when its lease
        // would have no time left to drain in.
        held_[sym] = Held{lease, sent, Phase::kTrading};
        ++stats_.acquired;
        log_for(sym).info("lease acquired epoch={} node={}", lease.epoch, store_.node());
        post({true, sym});
        --need;
    }
    return {};
}

void LeaseKeeper::set_symbols(std::vector<std::string> symbols) {
    std::lock_guard<std::mutex> lock(mu_);
    symbols_ = std::move(symbols);
    keeper_cv_.notify_all();
}

void LeaseKeeper::stop(Clock::time_point deadline) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
        stopping_ = true;
        keeper_cv_.notify_all();
    }
    // A round waiting for a hung database gives up by the deadline, and so does every call
    // below: the stop keeps its budget.
    store_.give_up_at(deadline);
    if (keeper_.joinable()) keeper_.join();
    {
        // Everything still traded is drained through the host, then released below.
        std::unique_lock<std::mutex> lock(mu_);
        for (auto& [sym, h] : held_) {
            if (h.phase == Phase::kTrading) {
                h.phase = Phase::kReleasing;
                post({false, sym});
            }
        }
        host_done_ = true;
        host_cv_.notify_all();
    }
    if (host_thread_.joinable()) host_thread_.join();

    std::vector<storage::HeldLease> releasing;
    {
        std::lock_guard<std::mutex> lock(mu_);
        for (const auto& [sym, h] : held_) {
            fences_.clear_fence(sym);
            if (h.phase == Phase::kReleasing) releasing.push_back(h.lease);
        }
        held_.clear();
    }
    for (const auto& lease : releasing) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) break;  // the rest expire by themselves
        if (store_.release(lease, left).is_ok()) {
            log_for(lease.symbol).info("lease released epoch={}", lease.epoch);
            std::lock_guard<std::mutex> lock(mu_);
            ++stats_.released;
        }
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() > 0) (void)store_.leave(left);
}

LeaseStats LeaseKeeper::stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    LeaseStats s = stats_;
    s.held.clear();
    for (const auto& [sym, h] : held_) {
        if (h.phase != Phase::kLost) s.held[sym] = h.lease.epoch;
    }
    return s;
}

}  // namespace bot
