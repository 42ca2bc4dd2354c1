// bot::LeaseKeeper — which of the configured symbols this process trades, when several
// processes share one PostgreSQL database (storage/leases.h).
//
// Every renew interval (lease / 3) one thread renews the leases this process holds, marks the
// process alive and counts the processes alive, in one round trip. Then it evens the load out:
// each process should hold at most its share, ceil(symbols / live processes).
// - Under its share, it takes free or expired symbols (a new epoch each), tells the database
//   which epoch to fence this process's writes with, and has the host start trading them: the
//   bot resumes from the committed position, strategy state and any order left PENDING.
// - Over its share (a process joined), it has the host drain the extra symbols and then
//   releases their leases, so the newcomer takes them without waiting for an expiry. Live
//   leases are never taken from another process.
// - A lease the database reports lost (another process took it after it expired) is dropped at
//   once: the symbol stops trading. When renewals fail (server unreachable), each symbol stops
//   trading once its last successful renewal is lease - interval old: before the lease can run
//   out, with one interval left to drain. Its writes are fenced by the database in any case.
//
// Log lines (the operator's contract): "info [SYM] lease acquired epoch=N node=NODE",
// "warn [SYM] lease lost epoch=N: <why>", "info [SYM] lease released epoch=N".
//
// Starting and stopping symbols goes through the host on a thread of its own, so a slow drain
// (a bot waiting for the database) never delays a renewal; symbols to stop together (several
// leases lost in one round) are handed over together and drained side by side. stop() makes the
// lease calls in flight give up at its deadline (LeaseStore::give_up_at): a hung database never
// holds a daemon's stop.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/leases.h"

namespace spdlog {
class logger;
}

namespace bot {

// What the keeper asks of the daemon. Called from the keeper's host thread, one call at a time.
class SymbolHost {
public:
    virtual ~SymbolHost() = default;
    // Starts trading `symbol` (its lease is held and its fence set).
    virtual void start_trading(const std::string& symbol) = 0;
    // Stops trading `symbol`: returns once its bot has stopped and every write it made is
    // committed or has failed for good.
    virtual void stop_trading(const std::string& symbol) = 0;
    // Stops trading every one of `symbols` at once: their drains run side by side (each may
    // wait for a hung database until the drain gives up), so losing many leases costs one
    // drain, not one per symbol. The default calls stop_trading() for each on a thread of its
    // own, so it must then be safe to call concurrently.
    virtual void stop_trading_together(const std::vector<std::string>& symbols);
};

// Where the keeper sets and clears this process's epoch per symbol (storage::Database).
class FenceSetter {
public:
    virtual ~FenceSetter() = default;
    virtual void set_fence(const std::string& symbol, std::int64_t epoch) = 0;
    virtual void clear_fence(const std::string& symbol) = 0;
};

struct LeaseKeeperOptions {
    // How often to renew; default (zero): a third of the lease.
    std::chrono::milliseconds renew_interval{0};
    // The named logger of each symbol ("BTCUSDT") and of the keeper ("main").
    std::function<std::shared_ptr<spdlog::logger>(const std::string& name)> logger;
    // How often the keeper says which symbols this process holds (log.heartbeat_s); 0: never.
    std::chrono::milliseconds heartbeat{0};
};

// Figures for metrics and the heartbeat.
struct LeaseStats {
    // Upper bounds (milliseconds) of the renew-latency histogram; the last bucket counts the rest.
    static constexpr std::array<double, 10> kLatencyBoundsMs = {1,  2.5, 5,   10,   25,
                                                                50, 100, 250, 1000, 5000};
    std::map<std::string, std::int64_t> held;  // symbol -> epoch, trading or draining to release
    int live_nodes = 0;
    std::uint64_t renewals = 0;        // successful renewal rounds
    std::uint64_t renew_failures = 0;  // failed renewal rounds
    std::uint64_t acquired = 0;        // leases taken
    std::uint64_t released = 0;        // leases given up after a drain
    std::uint64_t lost = 0;            // leases lost
    double last_renew_ms = 0;          // duration of the last successful renewal round
    double renew_ms_sum = 0;           // all successful rounds, for a mean
    std::array<std::uint64_t, kLatencyBoundsMs.size() + 1> renew_latency_counts{};
};

class LeaseKeeper {
public:
    // Everything referenced outlives the keeper.
    LeaseKeeper(storage::LeaseStore& store, FenceSetter& fences, SymbolHost& host,
                std::vector<std::string> symbols, LeaseKeeperOptions options = {});
    ~LeaseKeeper();  // stop()
    LeaseKeeper(const LeaseKeeper&) = delete;
    LeaseKeeper& operator=(const LeaseKeeper&) = delete;

    // One round at once (this process registered, its first share taken and started), then the
    // keeper's threads. Returns the failure of that first round, if any ("": none): the caller
    // decides whether an unreachable database at start is fatal.
    std::string start();
    // Stops renewing and taking symbols; every symbol still trading is stopped through the host,
    // then every lease is released and the process leaves the live set, so other processes take
    // its symbols at once; what is not released by `deadline` is left to expire. Idempotent. (A
    // process that is killed instead leaves its leases to expire.)
    void stop(std::chrono::steady_clock::time_point deadline);
    // A new symbol list (SIGHUP): symbols removed are drained and released, new ones taken as
    // the share allows.
    void set_symbols(std::vector<std::string> symbols);

    LeaseStats stats() const;

private:
    enum class Phase {
        kTrading,    // held and traded
        kReleasing,  // held, renewed, draining; released once stopped
        kLost,       // no longer held (lost, or expired here); draining
    };
    struct Held {
        storage::HeldLease lease;
        std::chrono::steady_clock::time_point renewed_at;  // when the last good renewal was sent
        Phase phase = Phase::kTrading;
    };
    struct HostCall {
        bool start;
        std::string symbol;
    };

    void run();       // the keeper thread
    void run_host();  // the host thread
    // REQUIRES: called on the keeper thread (or from start() before it runs); mu_ not held.
    std::string round();
    void post(HostCall call);  // REQUIRES: mu_ held
    void heartbeat();
    spdlog::logger& log_for(const std::string& symbol) const;
    spdlog::logger& log() const;

    // Constant after construction.
    storage::LeaseStore& store_;
    FenceSetter& fences_;
    SymbolHost& host_;
    const LeaseKeeperOptions options_;
    const std::chrono::milliseconds lease_;
    const std::chrono::milliseconds interval_;

    mutable std::mutex mu_;
    std::condition_variable keeper_cv_;  // with mu_: wakes the keeper early (stop, host done)
    std::condition_variable host_cv_;    // with mu_: wakes the host thread
    // Guarded by mu_.
    std::vector<std::string> symbols_;  // what the config asks for, in order
    std::map<std::string, Held> held_;  // every symbol this process has not let go of
    std::deque<HostCall> host_calls_;   // for the host thread, in order
    std::set<std::string> stopped_;     // stopped by the host, not yet handled
    bool renew_failing_ = false;
    std::chrono::steady_clock::time_point failing_since_;
    bool stopping_ = false;
    bool host_done_ = false;  // the host thread has finished every call
    LeaseStats stats_;

    // The loggers made so far, by name (a logger lives as long as the keeper).
    mutable std::mutex loggers_mu_;
    mutable std::map<std::string, std::shared_ptr<spdlog::logger>> loggers_;  // Guarded by it

    std::thread keeper_;
    std::thread host_thread_;
};

}  // namespace bot
