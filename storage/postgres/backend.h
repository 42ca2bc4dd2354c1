// The PostgreSQL backend (storage/pipeline/backend.h): the commit pipeline's group commit
// (storage/postgres/writer.h) on one connection and the reads on another, so a read never waits behind a
// group in flight and never sees one half done. Private to storage/.
//
// Both connections reconnect by themselves after the server restarts or the connection drops: a
// write waits and retries through the pipeline (nothing lost, nothing applied twice); a read
// tries once more on a fresh connection and otherwise throws with the cause.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/pipeline/backend.h"
#include "storage/options.h"
#include "storage/postgres/client.h"
#include "storage/postgres/writer.h"
#include "storage/records.h"

namespace storage {

// libpq's settings for a connection of this process, from the storage options (the deadlines
// of database.url).
pg::ConnectOptions pg_connect_options(const Options& options, std::string application_name);

class PgBackend final : public Backend {
public:
    // Connects, refuses what is not ours, migrates the schema (storage/postgres/schema.h). Throws
    // OpenError naming the database (without any password) and the cause.
    PgBackend(std::string url, const Options& options);
    ~PgBackend() override;

    const std::string& name() const { return writer_.name(); }

    GroupOutcome commit(Group group) override { return writer_.commit(group); }
    void give_up_at(std::chrono::steady_clock::time_point deadline) override {
        writer_.give_up_at(deadline);
    }
    void add_stats(WriterStats& stats) const override { (void)stats; }
    void close() override;

    void set_fence(const std::string& symbol, std::int64_t epoch) override {
        writer_.set_fence(symbol, epoch);
    }
    void clear_fence(const std::string& symbol) override { writer_.clear_fence(symbol); }
    void require_fences(bool on) override { writer_.require_fences(on); }

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
    // SHOW <name>: a server setting (tests, diagnostics). Setting a value is not supported.
    std::string setting(const std::string& name) const override;

private:
    // Runs f(connection) under read_mu_, reconnecting first if needed and once more if the
    // connection dropped during the read.
    template <class F>
    auto read(F&& f) const;

    // Constant after construction.
    const std::string url_;
    const pg::ConnectOptions options_;

    pg::Writer writer_;  // the pipeline commits from one thread at a time

    mutable std::mutex read_mu_;
    mutable pg::Connection read_conn_;  // Guarded by read_mu_
    bool closed_ = false;               // Guarded by read_mu_
};

}  // namespace storage
