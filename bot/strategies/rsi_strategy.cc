#include "bot/strategies/rsi_strategy.h"

#include <nlohmann/json.hpp>

#include "bot/core/decimal_json.h"
#include "bot/core/reason_text.h"

namespace bot {
namespace {

config::StrategyConfig rsi_config(int period, const Decimal& oversold, const Decimal& overbought,
                                  std::string interval) {
    config::StrategyConfig c;
    c.name = RsiStrategy::kName;
    c.interval = std::move(interval);
    c.set(RsiStrategy::kPeriod, period);
    c.set(RsiStrategy::kOversold, oversold);
    c.set(RsiStrategy::kOverbought, overbought);
    return c;
}

}  // namespace

config::StrategySpec RsiStrategy::spec() {
    return {std::string(kName), {kPeriod, kOversold, kOverbought}, {{kOversold, kOverbought}}};
}

RsiStrategy::RsiStrategy(const config::StrategyConfig& config)
    : CandleStrategy(spec(), config),
      oversold_(strategy_config().get(kOversold)),
      overbought_(strategy_config().get(kOverbought)),
      rsi_(strategy_config().get(kPeriod)) {}

RsiStrategy::RsiStrategy(int period, const Decimal& oversold, const Decimal& overbought,
                         std::string interval)
    : RsiStrategy(rsi_config(period, oversold, overbought, std::move(interval))) {}

std::optional<Decision> RsiStrategy::on_close(const exchange::Kline& k) {
    rsi_.add(k.close);
    if (!rsi_.ready()) return std::nullopt;

    const Decimal now = rsi_.value();
    const std::optional<Decimal> prev = prev_rsi_;
    prev_rsi_ = now;
    if (!prev) return std::nullopt;

    const std::string label = "rsi" + std::to_string(rsi_.period()) + " " + percent_text(now);
    if (*prev >= oversold_ && now < oversold_) {
        return Decision{exchange::Side::kBuy, k.close, label + " < " + oversold_.to_string()};
    }
    if (*prev <= overbought_ && now > overbought_) {
        return Decision{exchange::Side::kSell, k.close, label + " > " + overbought_.to_string()};
    }
    return std::nullopt;
}

void RsiStrategy::save_fields(nlohmann::json& j) const {
    j["rsi"] = rsi_.save();
    j["prev_rsi"] = nullptr;
    if (prev_rsi_) j["prev_rsi"] = prev_rsi_->to_string();
}

bool RsiStrategy::restore_fields(const nlohmann::json& j) {
    if (!j.contains("prev_rsi") || !j.contains("rsi")) return false;
    std::optional<Decimal> prev_rsi;
    if (!j["prev_rsi"].is_null()) {
        prev_rsi = json_decimal(j, "prev_rsi");
        if (!prev_rsi || prev_rsi->is_negative() || *prev_rsi > Decimal::from_int(100)) {
            return false;
        }
    }
    Rsi rsi = rsi_;
    if (!rsi.load(j["rsi"])) return false;
    // A previous value exists exactly when the RSI was ready at the last close.
    if (prev_rsi.has_value() != rsi.ready()) return false;

    rsi_ = rsi;
    prev_rsi_ = prev_rsi;
    return true;
}

}  // namespace bot
