// rsi(period, oversold, overbought): BUY when the RSI of the closes crosses below `oversold`
// (>= oversold at the previous close, < oversold now), SELL when it crosses above `overbought`
// (<= overbought before, > overbought now). The first close with an RSI only records it.
//
// Parameters: period (integer >= 2, default 14); oversold (default 30) < overbought (default 70),
// both numbers > 0 and < 100.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bot/core/rsi.h"
#include "bot/core/strategy.h"

namespace bot {

class RsiStrategy final : public CandleStrategy {
public:
    static constexpr std::string_view kName = "rsi";
    static constexpr config::IntParam kPeriod{"period", 14, 2};
    static constexpr config::DecimalParam kOversold{"oversold", "30", "0", "100"};
    static constexpr config::DecimalParam kOverbought{"overbought", "70", "0", "100"};
    static config::StrategySpec spec();

    explicit RsiStrategy(const config::StrategyConfig& config);
    // period >= 1, else std::invalid_argument. `interval` is part of the saved state (see
    // EmaCrossStrategy).
    RsiStrategy(int period, const Decimal& oversold, const Decimal& overbought,
                std::string interval = {});

    bool ready() const override { return prev_rsi_.has_value(); }
    // Wilder's smoothing converges slowly: a few times the period.
    int warmup_candles() const override { return 4 * rsi_.period(); }

    // For logs and tests.
    const Rsi& rsi() const { return rsi_; }

protected:
    std::optional<Decision> on_close(const exchange::Kline& k) override;
    void save_fields(nlohmann::json& state) const override;
    bool restore_fields(const nlohmann::json& state) override;

private:
    // Constant after construction
    const Decimal oversold_;
    const Decimal overbought_;

    Rsi rsi_;
    std::optional<Decimal> prev_rsi_;  // at the previous close, once ready
};

}  // namespace bot
