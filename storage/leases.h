// storage::LeaseStore — symbol leases in a PostgreSQL database shared by several tradebotd
// processes: which process trades which symbol, with an epoch that fences out a former holder.
//
// Every lease row holds (symbol, node, epoch, expires_at). Expiry is judged by the database
// server's clock alone (clock_timestamp() in every statement), never a daemon's, so hosts with
// skewed clocks still agree. An acquisition succeeds only on a symbol never leased, released, or
// expired, and always raises the epoch; a renewal succeeds only while the lease has not expired
// and its epoch is unchanged. The database refuses a write of a symbol's rows from a writer
// whose epoch is not the current one (see storage::Database::set_fence), and a takeover waits
// for a write in progress to commit, so a process that was frozen and thaws cannot write.
//
// Each LeaseStore has its own connection, apart from the commit pipeline, so renewals never wait
// behind queued writes. Every call is bounded by a deadline; a failure (server unreachable,
// restarting) is returned, never thrown, and the next call reconnects.
//
// Not thread-safe: one thread (the daemon's lease keeper) uses it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/options.h"
#include "storage/status.h"

namespace storage {

namespace pg {
class Connection;
}

// One row of the lease table (tradebotctl leases).
struct LeaseInfo {
    std::string symbol;
    std::string node;
    std::int64_t epoch = 0;
    std::int64_t expires_at_ms = 0;  // server clock, ms since the Unix epoch
    bool live = false;               // not expired (server clock) when read
};

// A lease this process holds.
struct HeldLease {
    std::string symbol;
    std::int64_t epoch = 0;
    std::int64_t expires_at_ms = 0;  // server clock
};

// A lease this process held and lost, and why.
struct LostLease {
    std::string symbol;
    std::int64_t epoch = 0;
    std::string why;
};

// What one renewal round found.
struct Renewal {
    std::vector<HeldLease> renewed;
    std::vector<LostLease> lost;
    int live_nodes = 1;  // processes alive now (this one included)
};

class LeaseStore {
public:
    // Connects lazily. `lease` is how long an acquisition or renewal lasts; `options` give the
    // connection's PostgreSQL deadlines (pg_*). Throws std::invalid_argument for an empty node or
    // a lease under one second.
    LeaseStore(std::string url, std::string node, std::chrono::milliseconds lease,
               const Options& options = {});
    ~LeaseStore();
    LeaseStore(const LeaseStore&) = delete;
    LeaseStore& operator=(const LeaseStore&) = delete;

    const std::string& node() const { return node_; }
    std::chrono::milliseconds lease() const { return lease_; }

    // Marks this node alive for one lease period, renews every lease in `held` (symbol and
    // epoch) and counts the nodes alive, in one round trip. A lease not renewed is reported
    // lost with the reason (taken over by another node, released, expired).
    [[nodiscard]] Result<Renewal> renew(const std::vector<HeldLease>& held,
                                        std::chrono::milliseconds timeout);
    // Takes `symbol` if it was never leased, was released or has expired. nullopt: another
    // node holds it (or took it first).
    [[nodiscard]] Result<std::optional<HeldLease>> try_acquire(const std::string& symbol,
                                                               std::chrono::milliseconds timeout);
    // Gives a lease up at once (after the symbol's writes are committed), so another node may
    // take it without waiting for it to expire. Releasing a lease no longer held does nothing.
    [[nodiscard]] Status release(const HeldLease& lease, std::chrono::milliseconds timeout);
    // Removes this node from the live nodes (a clean stop).
    [[nodiscard]] Status leave(std::chrono::milliseconds timeout);

    // Every lease, by symbol.
    [[nodiscard]] Result<std::vector<LeaseInfo>> list(std::chrono::milliseconds timeout);

    // A stop ends at `deadline`: a call in progress, and every later one, gives up then at the
    // latest (each call's own timeout still applies). The only method another thread may call.
    void give_up_at(std::chrono::steady_clock::time_point deadline);

private:
    // REQUIRES: the calling thread owns this object. Connects if needed; "" or the cause.
    std::string connect(std::chrono::steady_clock::time_point deadline);
    // now + timeout, or the stop's deadline when that comes first.
    std::chrono::steady_clock::time_point deadline_in(std::chrono::milliseconds timeout) const;

    const std::string url_;
    const std::string node_;
    const std::chrono::milliseconds lease_;
    const Options options_;
    std::unique_ptr<pg::Connection> conn_;
    // The stop's deadline, steady clock nanoseconds; max: none.
    std::atomic<std::int64_t> give_up_at_ns_{std::numeric_limits<std::int64_t>::max()};
};

// The node name used when none is configured: "<hostname>:<pid>".
std::string default_node_name();

}  // namespace storage
