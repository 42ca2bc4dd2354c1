// The commit pipeline's figures (heartbeat, metrics, bench), with its commit-latency histogram.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace storage {

struct WriterStats {
    // Upper bounds (microseconds) of the commit-latency histogram buckets; the last bucket of
    // commit_latency_counts (index size()) counts everything above the last bound.
    static constexpr std::array<double, 10> kLatencyBoundsUs = {
        100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 1000000};

    std::uint64_t batches = 0;             // batches committed
    std::uint64_t transactions = 0;        // COMMITs (groups)
    std::uint64_t max_group = 0;           // largest group, in batches
    std::uint64_t retries = 0;             // rolled-back attempts that were retried
    std::uint64_t failed = 0;              // batches failed for good (kInvalid, kError, kClosed)
    std::uint64_t queued = 0;              // batches waiting now
    bool stalled = false;                  // a retry episode is under way
    std::int64_t stalled_ms = 0;           // how long the current episode has lasted (0: none)
    std::string sticky_error;              // non-empty: storage failed for good (corruption)
    std::uint64_t forced_checkpoints = 0;  // TRUNCATE checkpoints the WAL bound needed
    double last_commit_us = 0;             // duration of the last COMMITted transaction
    double commit_us_sum = 0;              // all committed transactions, for a mean
    // Per bucket (not cumulative): transactions whose duration fell in (bound[i-1], bound[i]].
    std::array<std::uint64_t, kLatencyBoundsUs.size() + 1> commit_latency_counts{};

    // Counts one committed transaction of `batches` batches that took `us` microseconds.
    void record_commit(std::uint64_t group_batches, double us) {
        ++transactions;
        if (group_batches > max_group) max_group = group_batches;
        last_commit_us = us;
        commit_us_sum += us;
        std::size_t bucket = 0;
        while (bucket < kLatencyBoundsUs.size() && us > kLatencyBoundsUs[bucket]) ++bucket;
        ++commit_latency_counts[bucket];
    }
};

}  // namespace storage
