// storage::Options — how a database is opened and how its commit pipeline behaves. Every default
// of the storage module is defined here, once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace spdlog {
class logger;
}

namespace storage {

// How long a statement waits for another process's lock before the write counts as failed for
// now (and is retried by the pipeline). Also the default of storage::Reader.
inline constexpr int kDefaultBusyTimeoutMs = 5000;

// PostgreSQL's deadlines (database.url), see Options below.
inline constexpr int kDefaultPgConnectTimeoutS = 5;
inline constexpr int kDefaultPgStatementTimeoutMs = 5000;
inline constexpr int kDefaultPgLockTimeoutMs = 2000;
inline constexpr int kDefaultPgKeepaliveS = 10;
// How much longer than statement_timeout a call waits for the server's answer (the cancel's
// own answer has to travel too).
inline constexpr int kPgAnswerMarginMs = 2000;

struct Options {
    int busy_timeout_ms = kDefaultBusyTimeoutMs;
    // Most writes gathered into one transaction.
    std::size_t max_group_size = 1024;
    // Retry backoff after a transient failure: doubles from initial up to max.
    std::chrono::milliseconds retry_initial{20};
    std::chrono::milliseconds retry_max{1000};
    // While commits keep failing, a reminder is logged this often (how long, how many writes are
    // queued, the cause) between the "stalled" warning and the "resumed" line.
    std::chrono::milliseconds stall_reminder_interval{30000};
    // WAL bound: checkpoint every N pages (PASSIVE), and truncate the -wal file to this size
    // when a checkpoint lets it restart.
    int wal_autocheckpoint_pages = 1000;
    std::int64_t journal_size_limit_bytes = 64 * 1024 * 1024;
    // How long closing a connection may keep retrying queued writes (database locked by another
    // process, disk full) before it gives up on them and reports each as kClosed.
    std::chrono::milliseconds close_timeout{10000};
    // PostgreSQL: the longest a connection attempt may take; the server's statement_timeout and
    // lock_timeout for every statement; how soon a peer that stops answering TCP is given up on
    // (keepalives, TCP_USER_TIMEOUT). A call waits at most statement_timeout plus
    // kPgAnswerMarginMs for the server's answer: a hung server never cancels anything itself.
    int pg_connect_timeout_s = kDefaultPgConnectTimeoutS;
    int pg_statement_timeout_ms = kDefaultPgStatementTimeoutMs;
    int pg_lock_timeout_ms = kDefaultPgLockTimeoutMs;
    int pg_keepalive_s = kDefaultPgKeepaliveS;
    // Where warnings go (retry episodes). Null: spdlog's default logger.
    std::shared_ptr<spdlog::logger> logger;
};

}  // namespace storage
