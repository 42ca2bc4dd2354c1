// The trading rules (step size, min/max quantity and notional) a replay sizes and checks orders
// against: the simulated exchange's, as tradebotd applies them in sim mode, so a replay of a sim
// recording sizes every order as the daemon did. For the majors the sim carries Binance's own
// filters (BTCUSDT, ETHUSDT, XRPUSDT, BNBUSDT, SOLUSDT, DOGEUSDT). For any other symbol the sim
// derives tick and step from a made-up price; a replay applies the same rule at the symbol's first
// close in the data instead, so the step fits the real price.
#pragma once

#include <optional>
#include <string>

#include "config/decimal.h"
#include "exchange/order_gateway.h"

namespace backtest {

// nullopt for a symbol without a known quote asset (the sim would not list it either).
[[nodiscard]] std::optional<exchange::SymbolRules> replay_rules(const std::string& symbol,
                                                                const config::Decimal& first_close);

}  // namespace backtest
