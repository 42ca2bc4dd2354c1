// An exchange's filters for one symbol (SymbolRules: Binance's LOT_SIZE, PRICE_FILTER and
// NOTIONAL / MIN_NOTIONAL), applied the same way by everything that sizes, checks or fills an
// order: the bot's sizing and its risk exits, the paper gateway and the Binance gateway.
//
// One rounding rule. A quantity rounds DOWN to the step size, so an order never exceeds the quote
// amount, the position or the cap it was sized from; with no step size known, to 8 decimals
// (Binance's precision). A price rounds to the tick size in the direction the caller asks for.
// A notional is the exact product price * quantity, rounded away from the bound it is tested
// against, so a notional a hair below the minimum is never rounded onto it.
//
// One message per breach (FilterBreach::message()), built only when asked for: checking an order
// that passes allocates nothing.
#pragma once

#include <optional>
#include <string>

#include "config/decimal.h"
#include "exchange/order_gateway.h"

namespace exchange {

enum class FilterRule {
    kBelowStep,    // the quantity is less than one step (it rounds to nothing)
    kOffStep,      // the quantity is not a multiple of the step size
    kMinQty,       // below LOT_SIZE minQty
    kMaxQty,       // above LOT_SIZE maxQty
    kMinNotional,  // price * quantity below minNotional
    kMaxNotional,  // price * quantity above maxNotional
    kOffTick,      // the price is not a multiple of the tick size
    kNoPrice,      // notional bounds exist but no price was given to check them with
};

struct FilterBreach {
    FilterRule rule = FilterRule::kBelowStep;
    Decimal value;  // the quantity, notional or price that breaks the rule
    Decimal limit;  // the filter's value (the step, the bound, the tick)

    // "quantity 0.0005 is below the step size 0.001", "notional 4.99 is below the min
    // notional 5", "price 100.005 is not a multiple of the tick size 0.01", ...
    std::string message() const;
};

// The step quantities round to: LOT_SIZE stepSize, or 0.00000001 without one.
const Decimal& step_of(const SymbolRules& rules);
// `quantity` rounded down to the step.
Decimal round_quantity(const SymbolRules& rules, const Decimal& quantity);
// `price` rounded to the tick size as asked; unchanged without a tick size.
Decimal round_price(const SymbolRules& rules, const Decimal& price, config::Rounding rounding);

// Why an order of exactly `quantity` at `price` breaks the filters (the first breach, in the
// order of FilterRule), or nullopt. The step is checked only when the exchange gives one; zero
// bounds are no limit. A non-positive price fails only when there are notional bounds (kNoPrice).
[[nodiscard]] std::optional<FilterBreach> check_order(const SymbolRules& rules,
                                                      const Decimal& quantity,
                                                      const Decimal& price);
// Why `price` is off the tick size, or nullopt (also without a tick size).
[[nodiscard]] std::optional<FilterBreach> check_price(const SymbolRules& rules,
                                                      const Decimal& price);

struct FittedQuantity {
    Decimal quantity;                    // > 0 when an order of it passes every filter
    std::optional<FilterBreach> breach;  // why not, when quantity is 0
};
// The largest quantity up to `wanted` the filters allow at `price`: rounded down to the step and
// capped at the max qty and the max notional. When what is left breaks a minimum (less than a
// step, the min qty, the min notional), quantity is 0 and breach says which.
[[nodiscard]] FittedQuantity fit_quantity(const SymbolRules& rules, const Decimal& wanted,
                                          const Decimal& price);

}  // namespace exchange
