#include "bot/core/ema.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "bot/core/decimal_json.h"

namespace bot {

Ema::Ema(int period) : period_(period) {
    if (period < 1) throw std::invalid_argument("Ema: period must be >= 1");
}

void Ema::add(const Decimal& x) {
    if (count_ < period_) {
        sum_ += x;
        if (++count_ == period_) {
            value_ = sum_ / Decimal::from_int(period_);
            sum_ = Decimal();
        }
        return;
    }
    // One rounding per step (the product is exact, the division rounds half-even) rather than a
    // pre-rounded alpha, which for most periods is not a finite decimal and would bias every step.
    value_ += (x - value_) * Decimal::from_int(2) / Decimal::from_int(period_ + 1);
}

nlohmann::json Ema::save() const {
    return {{"n", count_}, {"sum", sum_.to_string()}, {"value", value_.to_string()}};
}

bool Ema::load(const nlohmann::json& j) {
    if (!j.is_object()) return false;
    auto n = json_int(j, "n");
    auto sum = json_decimal(j, "sum");
    auto value = json_decimal(j, "value");
    if (!n || !sum || !value || *n < 0 || *n > period_) return false;
    count_ = static_cast<int>(*n);
    sum_ = *sum;
    value_ = *value;
    return true;
}

}  // namespace bot
