#include "exchange/filters.h"

namespace exchange {
namespace {

using config::Rounding;

// Binance quantities have at most 8 decimals.
const Decimal kDefaultStep = Decimal::from_string("0.00000001");

bool limit_set(const Decimal& limit) { return limit.is_positive(); }  // zero: no limit

FilterBreach breach(FilterRule rule, const Decimal& value, const Decimal& limit) {
    return FilterBreach{rule, value, limit};
}

}  // namespace

std::string FilterBreach::message() const {
    const std::string v = value.to_string();
    const std::string l = limit.to_string();
    switch (rule) {
        case FilterRule::kBelowStep:
            return "quantity " + v + " is below the step size " + l;
        case FilterRule::kOffStep:
            return "quantity " + v + " is not a multiple of the step size " + l;
        case FilterRule::kMinQty:
            return "quantity " + v + " is below the min qty " + l;
        case FilterRule::kMaxQty:
            return "quantity " + v + " is above the max qty " + l;
        case FilterRule::kMinNotional:
            return "notional " + v + " is below the min notional " + l;
        case FilterRule::kMaxNotional:
            return "notional " + v + " is above the max notional " + l;
        case FilterRule::kOffTick:
            return "price " + v + " is not a multiple of the tick size " + l;
        case FilterRule::kNoPrice:
            return "quantity " + v +
                   " cannot be checked against the notional bounds without a price";
    }
    return "filter breach";
}

const Decimal& step_of(const SymbolRules& rules) {
    return rules.step_size.is_positive() ? rules.step_size : kDefaultStep;
}

Decimal round_quantity(const SymbolRules& rules, const Decimal& quantity) {
    return quantity.round_to_step(step_of(rules), Rounding::kDown);
}

Decimal round_price(const SymbolRules& rules, const Decimal& price, Rounding rounding) {
    return rules.tick_size.is_positive() ? price.round_to_step(rules.tick_size, rounding) : price;
}

std::optional<FilterBreach> check_order(const SymbolRules& r, const Decimal& quantity,
                                        const Decimal& price) {
    const Decimal& step = step_of(r);
    if (quantity < step) return breach(FilterRule::kBelowStep, quantity, step);
    if (r.step_size.is_positive() && quantity.round_to_step(step) != quantity) {
        return breach(FilterRule::kOffStep, quantity, step);
    }
    if (limit_set(r.min_qty) && quantity < r.min_qty) {
        return breach(FilterRule::kMinQty, quantity, r.min_qty);
    }
    if (limit_set(r.max_qty) && quantity > r.max_qty) {
        return breach(FilterRule::kMaxQty, quantity, r.max_qty);
    }
    if (!limit_set(r.min_notional) && !limit_set(r.max_notional)) return std::nullopt;
    if (!price.is_positive()) return breach(FilterRule::kNoPrice, quantity, Decimal());
    if (limit_set(r.min_notional)) {
        const Decimal notional = Decimal::mul(price, quantity, Rounding::kDown);
        if (notional < r.min_notional) {
            return breach(FilterRule::kMinNotional, notional, r.min_notional);
        }
    }
    if (limit_set(r.max_notional)) {
        const Decimal notional = Decimal::mul(price, quantity, Rounding::kUp);
        if (notional > r.max_notional) {
            return breach(FilterRule::kMaxNotional, notional, r.max_notional);
        }
    }
    return std::nullopt;
}

std::optional<FilterBreach> check_price(const SymbolRules& r, const Decimal& price) {
    if (!r.tick_size.is_positive()) return std::nullopt;
    if (price.round_to_step(r.tick_size) == price) return std::nullopt;
    return breach(FilterRule::kOffTick, price, r.tick_size);
}

FittedQuantity fit_quantity(const SymbolRules& r, const Decimal& wanted, const Decimal& price) {
    const Decimal& step = step_of(r);
    Decimal q = wanted.round_to_step(step, Rounding::kDown);
    if (limit_set(r.max_qty) && q > r.max_qty) q = r.max_qty.round_to_step(step, Rounding::kDown);
    if (limit_set(r.max_notional) && price.is_positive() &&
        Decimal::mul(price, q, Rounding::kUp) > r.max_notional) {
        q = Decimal::div(r.max_notional, price, Rounding::kDown)
                .round_to_step(step, Rounding::kDown);
    }
    FittedQuantity out;
    if (!q.is_positive()) {
        out.breach = breach(FilterRule::kBelowStep, wanted, step);
        return out;
    }
    out.breach = check_order(r, q, price);
    if (!out.breach) out.quantity = q;
    return out;
}

}  // namespace exchange
