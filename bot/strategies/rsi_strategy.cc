#include "bot/strategies/rsi_strategy.h"

#include <nlohmann/json.hpp>

#include "bot/decimal_json.h"
#include "bot/reason_text.h"

namespace bot {

RsiStrategy::RsiStrategy(int period, const Decimal& oversold, const Decimal& overbought,
                         std::string interval)
    : oversold_(oversold), overbought_(overbought), interval_(std::move(interval)), rsi_(period) {}

std::optional<Decision> RsiStrategy::on_kline(const exchange::Kline& k) {
    if (!k.closed) return std::nullopt;
    if (last_open_time_ms_ && k.open_time_ms <= *last_open_time_ms_) return std::nullopt;
    last_open_time_ms_ = k.open_time_ms;
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

std::string RsiStrategy::save_state() const {
    nlohmann::json j = {
        {"strategy", name()},
        {"period", rsi_.period()},
        {"oversold", oversold_.to_string()},
        {"overbought", overbought_.to_string()},
        {"interval", interval_},
        {"last_open_time_ms", nullptr},
        {"rsi", rsi_.save()},
        {"prev_rsi", nullptr},
    };
    if (last_open_time_ms_) j["last_open_time_ms"] = *last_open_time_ms_;
    if (prev_rsi_) j["prev_rsi"] = prev_rsi_->to_string();
    return j.dump();
}

bool RsiStrategy::restore(const std::string& state) {
    const nlohmann::json j = nlohmann::json::parse(state, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return false;  // also the "discarded" value of a parse error
    if (json_string(j, "strategy") != name() || json_int(j, "period") != rsi_.period() ||
        json_decimal(j, "oversold") != oversold_ || json_decimal(j, "overbought") != overbought_ ||
        json_string(j, "interval") != interval_) {
        return false;
    }
    if (!j.contains("last_open_time_ms") || !j.contains("prev_rsi") || !j.contains("rsi")) {
        return false;
    }

    std::optional<std::int64_t> last_open;
    if (!j["last_open_time_ms"].is_null()) {
        last_open = json_int(j, "last_open_time_ms");
        if (!last_open) return false;
    }
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
    last_open_time_ms_ = last_open;
    prev_rsi_ = prev_rsi;
    return true;
}

}  // namespace bot
