// storage::Reader — a read-only connection of its own, for another process (tradebotctl) or a
// consistent look from outside the commit pipeline. Never creates, migrates or writes; in WAL
// mode it never blocks the writer and never sees half a committed group.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/db_handle.h"
#include "storage/options.h"
#include "storage/records.h"

namespace storage {

class Reader {
public:
    // Throws storage::OpenError when the file is missing, unreadable or not a tradebot database.
    explicit Reader(const std::string& path, int busy_timeout_ms = kDefaultBusyTimeoutMs);
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    std::vector<Signal> signals(const std::string& symbol = {}, int limit = 100) const;
    std::vector<Order> orders(const std::string& symbol = {}, int limit = 100) const;
    std::vector<Fill> fills(const std::string& symbol = {}, int limit = 100) const;
    std::vector<Position> positions() const;
    Counts counts() const;
    // Signals per symbol (tradebotctl stats).
    std::map<std::string, std::int64_t> signal_counts() const;
    int schema_version() const;
    // "ok", or what PRAGMA integrity_check reported (one problem a line).
    std::string integrity_check() const;
    // Consistent online copy to dest (SQLite backup API); throws std::runtime_error on failure.
    void backup_to(const std::string& dest) const;

private:
    std::string path_;
    detail::DbHandle db_;
};

// The schema version this build writes (PRAGMA user_version).
int current_schema_version();

}  // namespace storage
