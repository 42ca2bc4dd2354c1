#include "storage/pg_reader.h"

#include <stdexcept>

#include "storage/errors.h"
#include "storage/postgres/client.h"
#include "storage/postgres/queries.h"
#include "storage/postgres/schema.h"

namespace storage {

bool is_postgres_url(const std::string& text) {
    return text.rfind("postgresql://", 0) == 0 || text.rfind("postgres://", 0) == 0;
}

std::string without_password(const std::string& url) { return pg::redact(url); }

PgReader::PgReader(const std::string& url) : name_(pg::redact(url)) {
    pg::ConnectOptions options;
    options.application_name = "tradebotctl";
    // A hung server must not hang the operator's command: no answer within a minute is an error.
    options.answer_timeout = std::chrono::seconds(60);
    conn_ = std::make_unique<pg::Connection>(pg::Connection::open(url, options));
    if (!conn_->ok()) throw OpenError("cannot read database " + name_ + ": " + conn_->error());
    std::string error;
    const int version = pg::read_schema_version(*conn_, error);
    if (version < 0) throw OpenError("cannot read database " + name_ + ": " + error);
    if (version == 0) {
        throw OpenError("cannot read database " + name_ +
                        ": not a tradebot database (no tradebot schema in it)");
    }
}

PgReader::~PgReader() = default;

std::vector<Signal> PgReader::signals(const std::string& symbol, int limit) const {
    return pg::select_signals(*conn_, symbol, limit);
}

std::vector<Order> PgReader::orders(const std::string& symbol, int limit) const {
    return pg::select_orders(*conn_, symbol, limit);
}

std::vector<Fill> PgReader::fills(const std::string& symbol, int limit) const {
    return pg::select_fills(*conn_, symbol, limit);
}

std::vector<Position> PgReader::positions() const { return pg::select_positions(*conn_, ""); }

std::optional<std::string> PgReader::state(const std::string& symbol,
                                           const std::string& key) const {
    return pg::select_state(*conn_, symbol, key);
}

Counts PgReader::counts() const { return pg::select_counts(*conn_); }

std::map<std::string, std::int64_t> PgReader::signal_counts() const {
    return pg::select_signal_counts(*conn_);
}

int PgReader::schema_version() const {
    std::string error;
    const int version = pg::read_schema_version(*conn_, error);
    if (version < 0) throw std::runtime_error(error);
    return version;
}

std::string PgReader::integrity_check() const { return pg::run_integrity_check(*conn_); }

std::vector<LeaseInfo> PgReader::leases() const { return pg::select_leases(*conn_); }

}  // namespace storage
