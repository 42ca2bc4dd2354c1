// The PostgreSQL write path: commits one group of batches in one transaction, sent as one
// pipeline (a single round trip however many rows). Private to storage/.
//
// - Refused rows: a batch whose row the server refuses (constraint, bad value) fails alone with
//   kInvalid; the transaction is rolled back and sent again without it.
// - Fencing: before the first row of each symbol the transaction calls tradebot_fence(symbol,
//   epoch) with the epoch this process holds (set_fence). A symbol whose epoch is no longer the
//   current one fails every batch of that symbol with kFenced (the rest commits); with
//   require_fences on, a symbol this process holds no lease on is refused without asking the
//   server.
// - A lost COMMIT answer: every group writes a token row in its own transaction. When the
//   connection drops before the answers arrive, the group may or may not have committed; the
//   next attempt reconnects and looks the token up, and if it is there hands back the results it
//   recorded instead of applying the group a second time.
// - Unreachable server, restart, disk full: transient, nothing committed (or the token decides);
//   the pipeline keeps the group and retries. Anything else is sticky.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "storage/pipeline/backend.h"
#include "storage/postgres/client.h"

namespace storage::pg {

class Writer {
public:
    // Connects to `url` and migrates the schema; throws OpenError naming the database (the URL
    // without any password) and the cause.
    Writer(std::string url, ConnectOptions options);
    ~Writer();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // Backend::commit (storage/pipeline/backend.h).
    GroupOutcome commit(Group group);
    // A commit waiting past `deadline` gives up (transient) so a close keeps its budget.
    void give_up_at(Clock::time_point deadline);

    // The epoch this process holds for `symbol` (a lease); checked in every transaction that
    // writes the symbol's rows. Thread-safe.
    void set_fence(const std::string& symbol, std::int64_t epoch);
    void clear_fence(const std::string& symbol);
    // On: a symbol without a fence is refused (a daemon that trades under leases). Off (the
    // default): symbols without a fence are written unchecked (tools, tests).
    void require_fences(bool on);

    const std::string& name() const { return name_; }

    // The close's deadline, if one is set; and, for any connection of this database, a check
    // that is true once it has passed (Connection::set_interrupt).
    std::optional<Clock::time_point> deadline() const;
    std::function<bool()> interrupt() const;

private:
    struct Pending;  // a group whose COMMIT answer was lost

    // "" or the cause. Connects and prepares the statements.
    std::string connect();
    // Asks the server whether the pending group committed; fills `out` for the prefix of
    // `group` it covers and returns how many batches that is, or nullopt on a failure (cause in
    // `error`).
    std::optional<std::size_t> resolve_pending(Group group, GroupOutcome& out, std::string& error);

    // Constant after construction.
    const std::string url_;
    const std::string name_;  // the URL without a password, for messages
    const ConnectOptions options_;
    const std::string writer_id_;  // random: this writer's tokens

    // Used by the committing thread only (the pipeline commits from one thread at a time).
    Connection conn_;
    bool prepared_ = false;  // the statements are prepared on conn_
    std::uint64_t next_token_ = 0;
    std::uint64_t groups_since_cleanup_ = 0;
    std::unique_ptr<Pending> pending_;

    std::atomic<std::int64_t> give_up_at_ns_{0};  // 0: none; steady clock

    mutable std::mutex fence_mu_;
    std::map<std::string, std::int64_t> fences_;  // Guarded by fence_mu_
    bool fences_required_ = false;                // Guarded by fence_mu_
};

}  // namespace storage::pg
