#include "bot/strategies/ema_cross_strategy.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "bot/core/decimal_json.h"
#include "bot/core/reason_text.h"

namespace bot {
namespace {

int sign_of(const Decimal& d) { return d.is_positive() ? 1 : (d.is_negative() ? -1 : 0); }

config::StrategyConfig ema_cross_config(int fast, int slow, std::string interval) {
    config::StrategyConfig c;
    c.name = EmaCrossStrategy::kName;
    c.interval = std::move(interval);
    c.set(EmaCrossStrategy::kFast, fast);
    c.set(EmaCrossStrategy::kSlow, slow);
    return c;
}

}  // namespace

config::StrategySpec EmaCrossStrategy::spec() {
    return {std::string(kName), {kFast, kSlow}, {{kFast, kSlow}}};
}

EmaCrossStrategy::EmaCrossStrategy(const config::StrategyConfig& config)
    : CandleStrategy(spec(), config),
      fast_(strategy_config().get(kFast)),
      slow_(strategy_config().get(kSlow)) {}

EmaCrossStrategy::EmaCrossStrategy(int fast, int slow, std::string interval)
    : EmaCrossStrategy(ema_cross_config(fast, slow, std::move(interval))) {}

int EmaCrossStrategy::warmup_candles() const {
    return 4 * std::max(fast_.period(), slow_.period());
}

std::optional<Decision> EmaCrossStrategy::on_close(const exchange::Kline& k) {
    fast_.add(k.close);
    slow_.add(k.close);
    if (!fast_.ready() || !slow_.ready()) return std::nullopt;

    const int cmp = sign_of(fast_.value() - slow_.value());
    const std::optional<int> prev = prev_cmp_;
    prev_cmp_ = cmp;
    if (!prev) return std::nullopt;

    exchange::Side side;
    const char* verb;
    const char* op;
    if (*prev <= 0 && cmp > 0) {
        side = exchange::Side::kBuy;
        verb = "above";
        op = ">";
    } else if (*prev >= 0 && cmp < 0) {
        side = exchange::Side::kSell;
        verb = "below";
        op = "<";
    } else {
        return std::nullopt;
    }
    auto [f, s] = comparison_text(fast_.value(), slow_.value());
    std::string reason = "ema" + std::to_string(fast_.period()) + " crossed " + verb + " ema" +
                         std::to_string(slow_.period()) + " (" + f + " " + op + " " + s + ")";
    return Decision{side, k.close, std::move(reason)};
}

void EmaCrossStrategy::save_fields(nlohmann::json& j) const {
    j["fast_ema"] = fast_.save();
    j["slow_ema"] = slow_.save();
    j["prev_cmp"] = nullptr;
    if (prev_cmp_) j["prev_cmp"] = *prev_cmp_;
}

bool EmaCrossStrategy::restore_fields(const nlohmann::json& j) {
    if (!j.contains("prev_cmp") || !j.contains("fast_ema") || !j.contains("slow_ema")) {
        return false;
    }
    std::optional<int> prev_cmp;
    if (!j["prev_cmp"].is_null()) {
        auto v = json_int(j, "prev_cmp");
        if (!v || *v < -1 || *v > 1) return false;
        prev_cmp = static_cast<int>(*v);
    }
    Ema fast = fast_;
    Ema slow = slow_;
    if (!fast.load(j["fast_ema"]) || !slow.load(j["slow_ema"])) return false;
    // A comparison exists exactly when both averages were ready at the last close.
    if (prev_cmp.has_value() != (fast.ready() && slow.ready())) return false;

    fast_ = fast;
    slow_ = slow;
    prev_cmp_ = prev_cmp;
    return true;
}

}  // namespace bot
