// ema_cross(fast, slow): BUY when the fast EMA of the closes crosses above the slow one (fast <=
// slow at the previous close, fast > slow now), SELL when it crosses below (fast >= slow before,
// fast < slow now). The first close on which both EMAs are ready only records the comparison.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bot/ema.h"
#include "bot/strategy.h"

namespace bot {

class EmaCrossStrategy final : public Strategy {
public:
    // fast, slow >= 1, else std::invalid_argument. `interval` (e.g. "1m") is part of the saved
    // state: EMAs of 1m candles are not a state for 5m ones.
    EmaCrossStrategy(int fast, int slow, std::string interval = {});

    std::string name() const override { return "ema_cross"; }
    std::optional<Decision> on_kline(const exchange::Kline& k) override;
    bool ready() const override { return prev_cmp_.has_value(); }
    std::string save_state() const override;
    // On failure the state is unchanged.
    bool restore(const std::string& state) override;

    // For logs and tests.
    const Ema& fast() const { return fast_; }
    const Ema& slow() const { return slow_; }

private:
    std::string interval_;
    Ema fast_;
    Ema slow_;
    std::optional<std::int64_t> last_open_time_ms_;  // of the last closed candle taken
    std::optional<int> prev_cmp_;  // sign of (fast - slow) at the previous close, once both ready
};

}  // namespace bot
