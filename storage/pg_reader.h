// storage::PgReader — tradebotctl's read-only look at a PostgreSQL database (the counterpart of
// storage::Reader for a SQLite file). Never creates, migrates or writes. Each query is one
// statement, so it sees committed transactions only, never half a group.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/leases.h"
#include "storage/records.h"

namespace storage {

namespace pg {
class Connection;
}

class PgReader {
public:
    // Connects to `url` (a libpq connection URI). Throws storage::OpenError naming the database
    // (without any password) when it cannot be reached or holds no tradebot schema.
    explicit PgReader(const std::string& url);
    ~PgReader();
    PgReader(const PgReader&) = delete;
    PgReader& operator=(const PgReader&) = delete;

    // The URL without any password: what to show a person.
    const std::string& name() const { return name_; }

    std::vector<Signal> signals(const std::string& symbol = {}, int limit = 100) const;
    std::vector<Order> orders(const std::string& symbol = {}, int limit = 100) const;
    std::vector<Fill> fills(const std::string& symbol = {}, int limit = 100) const;
    std::vector<Position> positions() const;
    // One bot_state value (tradebotctl positions reads each symbol's risk state), if present.
    std::optional<std::string> state(const std::string& symbol, const std::string& key) const;
    Counts counts() const;
    std::map<std::string, std::int64_t> signal_counts() const;
    int schema_version() const;
    // "ok", or the problems found (storage/postgres/queries.h).
    std::string integrity_check() const;
    // Every symbol lease, by symbol (tradebotctl leases).
    std::vector<LeaseInfo> leases() const;

private:
    std::string name_;
    std::unique_ptr<pg::Connection> conn_;
};

// Whether `text` names a PostgreSQL database (a postgresql:// or postgres:// URI) rather than a
// SQLite file.
bool is_postgres_url(const std::string& text);

// `url` with any password in it replaced by "***": what may be shown or logged.
std::string without_password(const std::string& url);

}  // namespace storage
