// The strategies tradebot ships: the one list of them (docs/strategies.md). Every binary that
// parses a config or builds a strategy takes its catalog from here and hands it on.
#pragma once

#include "bot/core/strategy.h"

namespace bot {

// ema_cross (the default: a config that names no strategy runs it), rsi and bollinger. A fresh
// value on every call; build it once and pass it around.
StrategyCatalog builtin_strategies();

}  // namespace bot
