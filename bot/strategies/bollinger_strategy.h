// bollinger(period, width): Bollinger-band mean reversion. Over the last `period` closes the
// middle band is their simple average and the bands lie `width` standard deviations (population:
// divided by period) above and below it. BUY when a close crosses below the lower band (the
// previous close was not below its lower band, this one is), SELL when a close crosses above the
// upper band; a close on a band counts as inside. The first close with full bands only records
// where it stood, and a close that stays outside decides nothing more until it came back in.
//
// Parameters: period (integer >= 2, default 20), width (a number > 0 and < 10, default 2).
// Exact decimals throughout: the average and the variance are rounded half-even to 12 decimals,
// the standard deviation is rounded down to 12 decimals.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "bot/core/strategy.h"

namespace bot {

class BollingerStrategy final : public CandleStrategy {
public:
    static constexpr std::string_view kName = "bollinger";
    static constexpr config::IntParam kPeriod{"period", 20, 2};
    static constexpr config::DecimalParam kWidth{"width", "2", "0", "10"};
    static config::StrategySpec spec();

    explicit BollingerStrategy(const config::StrategyConfig& config);

    bool ready() const override { return prev_zone_.has_value(); }
    // A full window: the next close can decide.
    int warmup_candles() const override { return period_; }

    struct Bands {
        Decimal lower;
        Decimal middle;
        Decimal upper;
    };
    // The bands over the current window; nullopt until it holds `period` closes.
    std::optional<Bands> bands() const;

protected:
    std::optional<Decision> on_close(const exchange::Kline& k) override;
    void save_fields(nlohmann::json& state) const override;
    bool restore_fields(const nlohmann::json& state) override;

private:
    // Constant after construction
    const int period_;
    const Decimal width_;

    std::deque<Decimal> closes_;    // the last `period_` closes, oldest first
    std::optional<int> prev_zone_;  // -1 below, 0 inside, +1 above the bands at the last close
};

}  // namespace bot
