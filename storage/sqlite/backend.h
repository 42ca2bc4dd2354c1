// The SQLite backend (storage/pipeline/backend.h): one connection in WAL mode per database file, its
// statements prepared once, one transaction per group with a savepoint per batch. Private to
// storage/.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "storage/pipeline/backend.h"
#include "storage/sqlite/busy_handler.h"
#include "storage/options.h"
#include "storage/sqlite/row_writer.h"
#include "storage/sqlite/util.h"
#include "storage/sqlite/transaction.h"
#include "storage/sqlite/wal_policy.h"

namespace storage {

class SqliteBackend final : public Backend {
public:
    // Opens `path` (normalised, its folder existing) as storage/sqlite/open.h says. Throws
    // OpenError naming the path.
    SqliteBackend(std::string path, const Options& options);
    ~SqliteBackend() override;

    GroupOutcome commit(Group group) override;
    void give_up_at(std::chrono::steady_clock::time_point deadline) override;
    void add_stats(WriterStats& stats) const override;
    void close() override;

    std::vector<Signal> signals(const std::string& symbol, int limit) const override;
    std::vector<Order> orders(const std::string& symbol, int limit) const override;
    std::optional<Order> order(const std::string& client_order_id) const override;
    std::vector<Order> unresolved_orders(const std::string& symbol) const override;
    std::vector<Fill> fills(const std::string& symbol, int limit) const override;
    std::vector<Position> positions(const std::string& symbol) const override;
    std::optional<std::string> state(const std::string& symbol,
                                     const std::string& key) const override;
    std::map<std::string, std::string> states(const std::string& symbol) const override;
    Counts counts() const override;
    std::string integrity_check() const override;
    // "PRAGMA <name>". busy_timeout is this backend's own handler's (storage/sqlite/busy_handler.h).
    std::string setting(const std::string& name) const override;

private:
    // Runs f(sqlite3*) under mu_: a read sees committed data only, never a group in flight.
    template <class F>
    auto read(F&& f) const {
        std::lock_guard<std::mutex> lock(mu_);
        if (!db_) throw std::logic_error("storage: " + path_ + " is closed");
        return f(db_.get());
    }
    // REQUIRES: mu_ held, a transaction open. Applies batch i; SQLITE_OK or the first error.
    int apply(const WriteBatch& batch, std::int64_t now, WriteResult& result);

    // Constant after construction.
    const std::string path_;

    // The handlers outlive the connection that calls them.
    mutable detail::BusyHandler busy_;
    detail::WalPolicy wal_;

    // Guarded by mu_: the connection and everything prepared on it.
    mutable std::mutex mu_;
    detail::DbHandle db_;
    std::optional<detail::TransactionStatements> tx_;
    std::optional<detail::RowWriter> rows_;
};

}  // namespace storage
