#include "bot/leases/leased_trading.h"

#include <algorithm>
#include <set>

namespace bot {

LeasedTrading::LeasedTrading(Supervisor& supervisor, storage::Database& db, config::Config config)
    : supervisor_(supervisor), db_(db), config_(std::move(config)) {}

std::vector<std::string> LeasedTrading::symbol_names(const config::Config& config) {
    std::vector<std::string> out;
    for (const auto& sc : config.symbols) out.push_back(sc.symbol);
    return out;
}

void LeasedTrading::start_trading(const std::string& symbol) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find_if(config_.symbols.begin(), config_.symbols.end(),
                           [&](const config::SymbolConfig& sc) { return sc.symbol == symbol; });
    // A symbol a reload has just removed: the keeper releases it at its next round.
    if (it == config_.symbols.end()) return;
    supervisor_.start_symbol(*it);
}

void LeasedTrading::stop_trading(const std::string& symbol) {
    std::lock_guard<std::mutex> lock(mu_);
    supervisor_.stop_symbol(symbol);
}

void LeasedTrading::stop_trading_together(const std::vector<std::string>& symbols) {
    std::lock_guard<std::mutex> lock(mu_);
    supervisor_.stop_symbols(symbols);  // drained side by side
}

void LeasedTrading::set_fence(const std::string& symbol, std::int64_t epoch) {
    db_.set_fence(symbol, epoch);
}

void LeasedTrading::clear_fence(const std::string& symbol) { db_.clear_fence(symbol); }

ReloadSummary LeasedTrading::reload(const config::Config& next) {
    std::lock_guard<std::mutex> lock(mu_);
    config_ = next;
    std::set<std::string> trading;
    for (const auto& sc : supervisor_.config().symbols) trading.insert(sc.symbol);
    config::Config applied = next;
    std::erase_if(applied.symbols,
                  [&](const config::SymbolConfig& sc) { return !trading.count(sc.symbol); });
    return supervisor_.reload(applied);
}

}  // namespace bot
