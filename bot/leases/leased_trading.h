// bot::LeasedTrading — what the lease keeper (bot/leases/lease_keeper.h) acts on in a daemon whose
// database several processes share: it starts and stops symbols on the Supervisor as leases are
// taken and given up, and sets this process's epoch per symbol on the Database, which then
// refuses this process's writes of a symbol once another process holds it.
//
// It also keeps the config: the symbols the config lists are the ones that may be traded, and a
// reload (SIGHUP) applies to the ones this process trades now.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "bot/leases/lease_keeper.h"
#include "bot/runtime/supervisor.h"
#include "config/config.h"
#include "storage/database.h"

namespace bot {

class LeasedTrading final : public SymbolHost, public FenceSetter {
public:
    // Everything referenced outlives this object.
    LeasedTrading(Supervisor& supervisor, storage::Database& db, config::Config config);

    void start_trading(const std::string& symbol) override;
    void stop_trading(const std::string& symbol) override;
    void stop_trading_together(const std::vector<std::string>& symbols) override;
    void set_fence(const std::string& symbol, std::int64_t epoch) override;
    void clear_fence(const std::string& symbol) override;

    // A new, validated config (SIGHUP): applied to the symbols traded now (strategy changes,
    // log.level, ...). Returns what changed; the caller hands the new symbol list to the keeper.
    ReloadSummary reload(const config::Config& next);

    // The symbols `config` lists, in its order.
    static std::vector<std::string> symbol_names(const config::Config& config);

private:
    Supervisor& supervisor_;
    storage::Database& db_;

    std::mutex mu_;          // one change at a time: a start, a stop or a reload
    config::Config config_;  // Guarded by mu_
};

}  // namespace bot
