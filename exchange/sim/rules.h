// The fixed rules of the simulated exchange: kline interval lengths and per-symbol trading
// filters (what Binance's exchangeInfo would say), so the sim stream and the paper gateway agree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/decimal.h"
#include "config/interval.h"
#include "exchange/order_gateway.h"

namespace exchange {

// Length of a Binance kline interval ("1s", "1m", ..., "1w", "1M") in milliseconds, or nullopt
// for anything else. "1M" counts as 30 days: the sim has no calendar.
using config::kline_interval_ms;

// The open time of the candle of length interval_ms that contains t_ms. Candles align to the Unix
// epoch, except weekly ones, which open on Monday 00:00 UTC as on Binance.
std::int64_t align_to_interval(std::int64_t t_ms, std::int64_t interval_ms);

// Price and lot granularity of a simulated symbol. Defined for every symbol, so the stream can
// run whatever it is asked to; sim_rules() below says which symbols are tradable.
struct SimFilters {
    Decimal tick_size;  // prices are multiples of it
    Decimal step_size;  // quantities are multiples of it
};
// The majors as on Binance (BTCUSDT tick 0.01 step 0.00001, ETHUSDT 0.01 / 0.0001, XRPUSDT
// 0.0001 / 0.1, ...); any other symbol: about 5 significant digits of price (tick at most 0.01)
// and a step worth between 0.1 and 1 quote unit at its start price.
SimFilters sim_filters(std::string_view symbol);
// True for the majors above, whose filters are Binance's own.
bool sim_lists_filters(std::string_view symbol);
// The rule sim_filters() applies to any other symbol, at a given price (> 0).
SimFilters sim_filters_at_price(double price);

// Trading rules of a simulated symbol: sim_filters(), min_qty = step_size, min_notional 5,
// max_notional 9000000, no max_qty, base/quote split at a known quote asset (…USDT -> USDT).
// nullopt for a symbol the sim does not list: not [A-Z0-9]+, or no known quote asset suffix with
// a non-empty base before it.
std::optional<SymbolRules> sim_rules(const std::string& symbol);

}  // namespace exchange
