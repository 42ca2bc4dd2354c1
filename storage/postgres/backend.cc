#include "storage/postgres/backend.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "storage/postgres/queries.h"

namespace storage {

namespace {}  // namespace

pg::ConnectOptions pg_connect_options(const Options& options, std::string application_name) {
    pg::ConnectOptions o;
    o.application_name = std::move(application_name);
    o.connect_timeout_s = std::max(1, options.pg_connect_timeout_s);
    o.dead_peer_timeout_s = std::max(1, options.pg_keepalive_s);
    o.statement_timeout_ms = std::max(0, options.pg_statement_timeout_ms);
    o.lock_timeout_ms = std::max(0, options.pg_lock_timeout_ms);
    if (o.statement_timeout_ms > 0) {
        o.answer_timeout = std::chrono::milliseconds(o.statement_timeout_ms + kPgAnswerMarginMs);
    }
    return o;
}

PgBackend::PgBackend(std::string url, const Options& options)
    : url_(std::move(url)),
      options_(pg_connect_options(options, "tradebotd")),
      writer_(url_, options_) {}

PgBackend::~PgBackend() { close(); }

void PgBackend::close() {
    std::lock_guard<std::mutex> lock(read_mu_);
    closed_ = true;
    read_conn_.reset();
}

template <class F>
auto PgBackend::read(F&& f) const {
    std::lock_guard<std::mutex> lock(read_mu_);
    if (closed_) throw std::logic_error("storage: " + name() + " is closed");
    for (int attempt = 0;; ++attempt) {
        if (!read_conn_.ok()) {
            // A read in progress gives up at a close's deadline too, so no thread waits past it.
            read_conn_ =
                pg::Connection::open(url_, options_, writer_.deadline(), writer_.interrupt());
            if (!read_conn_.ok()) {
                throw std::runtime_error("cannot reach " + name() + ": " + read_conn_.error());
            }
        }
        try {
            return f(read_conn_);
        } catch (const std::runtime_error&) {
            // A connection that dropped (a server restart) gets one fresh try; a refused query
            // is thrown as it is.
            if (attempt > 0 || read_conn_.ok()) throw;
        }
    }
}

std::vector<Signal> PgBackend::signals(const std::string& symbol, int limit) const {
    return read([&](pg::Connection& c) { return pg::select_signals(c, symbol, limit); });
}

std::vector<Order> PgBackend::orders(const std::string& symbol, int limit) const {
    return read([&](pg::Connection& c) { return pg::select_orders(c, symbol, limit); });
}

std::optional<Order> PgBackend::order(const std::string& client_order_id) const {
    return read([&](pg::Connection& c) { return pg::select_order(c, client_order_id); });
}

std::vector<Order> PgBackend::unresolved_orders(const std::string& symbol) const {
    return read([&](pg::Connection& c) { return pg::select_unresolved_orders(c, symbol); });
}

std::vector<Fill> PgBackend::fills(const std::string& symbol, int limit) const {
    return read([&](pg::Connection& c) { return pg::select_fills(c, symbol, limit); });
}

std::vector<Position> PgBackend::positions(const std::string& symbol) const {
    return read([&](pg::Connection& c) { return pg::select_positions(c, symbol); });
}

std::optional<std::string> PgBackend::state(const std::string& symbol,
                                            const std::string& key) const {
    return read([&](pg::Connection& c) { return pg::select_state(c, symbol, key); });
}

std::map<std::string, std::string> PgBackend::states(const std::string& symbol) const {
    return read([&](pg::Connection& c) { return pg::select_states(c, symbol); });
}

Counts PgBackend::counts() const {
    return read([&](pg::Connection& c) { return pg::select_counts(c); });
}

std::string PgBackend::integrity_check() const {
    return read([&](pg::Connection& c) { return pg::run_integrity_check(c); });
}

std::string PgBackend::setting(const std::string& name) const {
    if (name.empty() || name.find('=') != std::string::npos ||
        !std::all_of(name.begin(), name.end(), [](char ch) {
            return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.';
        })) {
        throw std::invalid_argument("PostgreSQL: '" + name +
                                    "' is not a setting name this backend can show");
    }
    return read([&](pg::Connection& c) {
        pg::Result r = c.exec("SHOW " + name);
        if (!r.ok()) throw std::invalid_argument("SHOW " + name + ": " + r.error());
        return r.text(0, 0);
    });
}

}  // namespace storage
