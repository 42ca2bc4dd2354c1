// A PostgreSQL database shared with other daemons, its symbols by leases (service/state_store.h).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <string>

#include "bot/leases/lease_keeper.h"
#include "bot/leases/leased_trading.h"
#include "service/daemon.h"
#include "service/log_setup.h"
#include "service/state_store.h"
#include "storage/leases.h"

namespace service {
namespace {

class SharedStore final : public StateStore {
public:
    explicit SharedStore(const config::DatabaseConfig& database)
        : url_(*database.url),
          node_(database.node.value_or(storage::default_node_name())),
          lease_s_(database.lease_s) {}

    std::string where() const override { return url_; }

    storage::Database& open(const storage::Options& options) override {
        db_.emplace(url_, options);
        // This process's writes of a symbol are refused unless it holds the symbol's lease.
        db_->require_fences(true);
        leases_.emplace(url_, node_, std::chrono::seconds(lease_s_), options);
        get_logger("main")->info(
            "leases: node={} lease_s={} renew every {} ms; symbols are shared with the other "
            "daemons on this database",
            node_, lease_s_, renew_ms());
        return *db_;
    }

    config::Config supervised(const config::Config& cfg) const override {
        config::Config c = cfg;
        c.symbols.clear();  // the keeper starts each symbol it takes
        return c;
    }

    void attach(bot::Supervisor& supervisor, const config::Config& cfg) override {
        leased_.emplace(supervisor, *db_, cfg);
        bot::LeaseKeeperOptions options;
        options.logger = get_logger;
        options.heartbeat = std::chrono::seconds(std::max(0, cfg.log.heartbeat_s));
        keeper_.emplace(*leases_, *leased_, *leased_, bot::LeasedTrading::symbol_names(cfg),
                        options);
    }

    void start(const config::Config& cfg) override {
        auto log = get_logger("main");
        // The first round at once: this process's share starts trading now. A failure here (the
        // server went away since the open) is retried every renewal interval.
        if (std::string failure = keeper_->start(); !failure.empty()) {
            log->warn("leases: the first round failed ({}); trying again every {} ms", failure,
                      renew_ms());
        }
        log->info("running {} of {} symbols (the others are traded by other daemons)",
                  keeper_->stats().held.size(), cfg.symbols.size());
    }

    void reload(bot::Supervisor&, const config::Config& next) override {
        leased_->reload(next);
        keeper_->set_symbols(bot::LeasedTrading::symbol_names(next));
    }

    void add_metrics(MetricsSnapshot& snapshot) const override {
        if (keeper_) snapshot.leases = keeper_->stats();
    }

    void stop(Clock::time_point deadline) override {
        if (keeper_) keeper_->stop(std::min(deadline, Clock::now() + kLeaseReleaseBudget));
    }

    void detach() override {
        keeper_.reset();
        leased_.reset();
    }

private:
    int renew_ms() const { return lease_s_ * 1000 / 3; }

    // Constant after construction
    const std::string url_;
    const std::string node_;
    const int lease_s_;

    std::optional<storage::Database> db_;
    std::optional<storage::LeaseStore> leases_;
    // Built by attach(), on the supervisor; gone at detach(), before the supervisor is.
    std::optional<bot::LeasedTrading> leased_;
    std::optional<bot::LeaseKeeper> keeper_;
};

}  // namespace

std::unique_ptr<StateStore> make_shared_store(const config::DatabaseConfig& database) {
    return std::make_unique<SharedStore>(database);
}

}  // namespace service
