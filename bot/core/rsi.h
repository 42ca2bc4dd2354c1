// Relative strength index with Wilder's smoothing, in exact decimals. The first average gain and
// loss are the simple averages of the first `period` changes; after that
// avg' = (avg * (period - 1) + current) / period. RSI = 100 - 100 / (1 + avg_gain / avg_loss),
// 100 when there were no losses, 50 when there was no movement at all. Ready after period + 1
// closes.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>

#include "config/decimal.h"

namespace bot {

using config::Decimal;

class Rsi {
public:
    // period >= 1, else std::invalid_argument.
    explicit Rsi(int period);

    void add(const Decimal& close);
    bool ready() const { return count_ == period_; }
    // 0..100; zero until ready().
    Decimal value() const;
    int period() const { return period_; }
    const Decimal& avg_gain() const { return gain_; }  // the sum of gains until ready()
    const Decimal& avg_loss() const { return loss_; }  // the sum of losses until ready()

    // The state as JSON and back; load() returns false and leaves the state unchanged when the
    // JSON is not a consistent state for this period.
    nlohmann::json save() const;
    bool load(const nlohmann::json& j);

private:
    int period_;
    std::optional<Decimal> prev_close_;
    int count_ = 0;  // changes seen, saturating at period_
    // Sums of the gains and losses while seeding, Wilder averages once ready.
    Decimal gain_;
    Decimal loss_;
};

}  // namespace bot
