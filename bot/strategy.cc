#include "bot/strategy.h"

#include <stdexcept>

#include "bot/strategies/ema_cross_strategy.h"
#include "bot/strategies/rsi_strategy.h"

namespace bot {

std::unique_ptr<Strategy> make_strategy(const config::StrategyConfig& cfg) {
    if (cfg.name == "ema_cross") {
        return std::make_unique<EmaCrossStrategy>(cfg.fast, cfg.slow, cfg.interval);
    }
    if (cfg.name == "rsi") {
        return std::make_unique<RsiStrategy>(cfg.period, cfg.oversold, cfg.overbought,
                                             cfg.interval);
    }
    throw std::invalid_argument("unknown strategy \"" + cfg.name + "\"");
}

}  // namespace bot
