// rsi(period, oversold, overbought): BUY when the RSI of the closes crosses below `oversold`
// (>= oversold at the previous close, < oversold now), SELL when it crosses above `overbought`
// (<= overbought before, > overbought now). The first close with an RSI only records it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bot/rsi.h"
#include "bot/strategy.h"

namespace bot {

class RsiStrategy final : public Strategy {
public:
    // period >= 1, else std::invalid_argument. `interval` is part of the saved state (see
    // EmaCrossStrategy).
    RsiStrategy(int period, const Decimal& oversold, const Decimal& overbought,
                std::string interval = {});

    std::string name() const override { return "rsi"; }
    std::optional<Decision> on_kline(const exchange::Kline& k) override;
    bool ready() const override { return prev_rsi_.has_value(); }
    std::string save_state() const override;
    // On failure the state is unchanged.
    bool restore(const std::string& state) override;

    // For logs and tests.
    const Rsi& rsi() const { return rsi_; }

private:
    Decimal oversold_;
    Decimal overbought_;
    std::string interval_;
    Rsi rsi_;
    std::optional<std::int64_t> last_open_time_ms_;  // of the last closed candle taken
    std::optional<Decimal> prev_rsi_;                // at the previous close, once ready
};

}  // namespace bot
