#include "bot/strategies/builtin.h"

#include "bot/strategies/bollinger_strategy.h"
#include "bot/strategies/ema_cross_strategy.h"
#include "bot/strategies/rsi_strategy.h"

namespace bot {

StrategyCatalog builtin_strategies() {
    StrategyCatalog catalog;
    catalog.add<EmaCrossStrategy>();  // first: the default
    catalog.add<RsiStrategy>();
    catalog.add<BollingerStrategy>();
    return catalog;
}

}  // namespace bot
