// ema_cross(fast, slow): BUY when the fast EMA of the closes crosses above the slow one (fast <=
// slow at the previous close, fast > slow now), SELL when it crosses below (fast >= slow before,
// fast < slow now). The first close on which both EMAs are ready only records the comparison.
//
// Parameters: fast (integer > 0, default 9) < slow (integer > 0, default 21).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bot/core/ema.h"
#include "bot/core/strategy.h"

namespace bot {

class EmaCrossStrategy final : public CandleStrategy {
public:
    static constexpr std::string_view kName = "ema_cross";
    static constexpr config::IntParam kFast{"fast", 9, 1};
    static constexpr config::IntParam kSlow{"slow", 21, 1};
    static config::StrategySpec spec();

    explicit EmaCrossStrategy(const config::StrategyConfig& config);
    // fast, slow >= 1, else std::invalid_argument. `interval` (e.g. "1m") is part of the saved
    // state: EMAs of 1m candles are not a state for 5m ones.
    EmaCrossStrategy(int fast, int slow, std::string interval = {});

    bool ready() const override { return prev_cmp_.has_value(); }
    // EMAs converge slowly: a few times the slow period.
    int warmup_candles() const override;

    // For logs and tests.
    const Ema& fast() const { return fast_; }
    const Ema& slow() const { return slow_; }

protected:
    std::optional<Decision> on_close(const exchange::Kline& k) override;
    void save_fields(nlohmann::json& state) const override;
    bool restore_fields(const nlohmann::json& state) override;

private:
    Ema fast_;
    Ema slow_;
    std::optional<int> prev_cmp_;  // sign of (fast - slow) at the previous close, once both ready
};

}  // namespace bot
