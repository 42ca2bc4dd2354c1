// Exponential moving average in exact decimals, seeded textbook-style with the simple average of
// the first `period` inputs: value after n inputs, then ema' = ema + (x - ema) * 2 / (period + 1).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "config/decimal.h"

namespace bot {

using config::Decimal;

class Ema {
public:
    // period >= 1, else std::invalid_argument.
    explicit Ema(int period);

    void add(const Decimal& x);
    bool ready() const { return count_ == period_; }
    // The current average; zero until ready().
    const Decimal& value() const { return value_; }
    int period() const { return period_; }

    // The state as JSON ({"n":..,"sum":..,"value":..}, decimals as strings) and back. load()
    // returns false and leaves the state unchanged when the JSON is not a consistent state for
    // this period.
    nlohmann::json save() const;
    bool load(const nlohmann::json& j);

private:
    int period_;
    int count_ = 0;  // inputs seen, saturating at period_
    Decimal sum_;    // of the inputs while seeding
    Decimal value_;
};

}  // namespace bot
