#include "backtest/replay/replay_rules.h"

#include <string>

#include "exchange/sim/rules.h"

namespace backtest {

std::optional<exchange::SymbolRules> replay_rules(const std::string& symbol,
                                                  const config::Decimal& first_close) {
    std::optional<exchange::SymbolRules> rules = exchange::sim_rules(symbol);
    if (!rules || exchange::sim_lists_filters(symbol) || !first_close.is_positive()) return rules;
    // Only the magnitude of the price matters here, so a double is fine.
    const exchange::SimFilters f = exchange::sim_filters_at_price(first_close.to_double());
    rules->tick_size = f.tick_size;
    rules->step_size = f.step_size;
    rules->min_qty = f.step_size;
    return rules;
}

}  // namespace backtest
