// service::StateStore — where the daemon keeps its state and what holding it takes, chosen once
// from the config's `database` (make_state_store), so that nothing else in the daemon asks which
// of the two it runs on:
//
//   FileStore    database.path: a SQLite file this daemon holds alone. The process lock beside it
//                (storage/process_lock.h) is taken before the file is opened or created, so a
//                second daemon on the same file is refused (it would trade every symbol again:
//                every order twice in live mode). Every configured symbol is traded here.
//   SharedStore  database.url: a PostgreSQL database shared with other daemons. No lock: a lease
//                per symbol (bot/leases/lease_keeper.h) decides which daemon trades it, under this
//                process's node name, and the database refuses the writes of a daemon whose lease
//                is gone (fencing).
//
// The daemon (service/daemon.h) calls these in this order, from its main thread:
// open() -> supervised() -> attach() -> start() -> reload()* -> stop() -> detach().
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "bot/runtime/supervisor.h"
#include "config/config.h"
#include "service/metrics.h"
#include "storage/database.h"
#include "storage/options.h"

namespace service {

// The database is held by someone else: another daemon holds the file's lock. what() is the
// whole message for the operator (who holds it, what to do).
class StoreTaken : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class StateStore {
public:
    using Clock = std::chrono::steady_clock;

    virtual ~StateStore() = default;

    // The database as the logs name it: the file's absolute path, or the URL (which never holds
    // a password: the config refuses one).
    virtual std::string where() const = 0;

    // Takes what holding the database needs and opens it (creating a file that is missing).
    // Throws StoreTaken, storage::OpenError (the message says what is wrong with the database),
    // or std::runtime_error.
    virtual storage::Database& open(const storage::Options& options) = 0;

    // What the supervisor starts with: the config as it is (a file: every symbol), or without
    // its symbols (shared: the lease keeper starts each one this process takes).
    virtual config::Config supervised(const config::Config& cfg) const = 0;
    // The supervisor exists (not started): the shared store builds its lease keeper on it. The
    // supervisor must stay until detach().
    virtual void attach(bot::Supervisor& supervisor, const config::Config& cfg) = 0;
    // The supervisor has started: the shared store runs its first lease round. Logs what this
    // process trades.
    virtual void start(const config::Config& cfg) = 0;
    // A new, validated config (SIGHUP), applied to the symbols this process trades. Throws what
    // the supervisor throws (the bots running carry on).
    virtual void reload(bot::Supervisor& supervisor, const config::Config& next) = 0;
    // This store's figures for /metrics (the leases held).
    virtual void add_metrics(MetricsSnapshot& snapshot) const = 0;
    // Every bot has drained: the shared store gives its leases up by `deadline`, so that the
    // other daemons take the symbols over now rather than when the leases run out.
    virtual void stop(Clock::time_point deadline) = 0;
    // Lets go of the supervisor (the lease keeper is joined and destroyed). Idempotent.
    virtual void detach() = 0;
};

// FileStore for database.path, SharedStore for database.url.
std::unique_ptr<StateStore> make_state_store(const config::DatabaseConfig& database);
// Each one by itself (service/file_store.cc, service/shared_store.cc).
std::unique_ptr<StateStore> make_file_store(const config::DatabaseConfig& database);
std::unique_ptr<StateStore> make_shared_store(const config::DatabaseConfig& database);

}  // namespace service
