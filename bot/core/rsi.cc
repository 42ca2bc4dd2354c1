#include "bot/core/rsi.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "bot/core/decimal_json.h"

namespace bot {

Rsi::Rsi(int period) : period_(period) {
    if (period < 1) throw std::invalid_argument("Rsi: period must be >= 1");
}

void Rsi::add(const Decimal& close) {
    if (!prev_close_) {
        prev_close_ = close;
        return;
    }
    Decimal change = close - *prev_close_;
    prev_close_ = close;
    Decimal gain = change.is_positive() ? change : Decimal();
    Decimal loss = change.is_negative() ? -change : Decimal();
    const Decimal n = Decimal::from_int(period_);
    if (count_ < period_) {
        gain_ += gain;
        loss_ += loss;
        if (++count_ == period_) {
            gain_ = gain_ / n;
            loss_ = loss_ / n;
        }
        return;
    }
    const Decimal keep = Decimal::from_int(period_ - 1);
    gain_ = (gain_ * keep + gain) / n;
    loss_ = (loss_ * keep + loss) / n;
}

Decimal Rsi::value() const {
    if (!ready()) return Decimal();
    Decimal total = gain_ + loss_;
    if (total.is_zero()) return Decimal::from_int(50);
    // 100 - 100/(1 + g/l) == 100*g/(g + l): one rounding instead of three, and no special case
    // for l == 0 (gives 100).
    return Decimal::from_int(100) * gain_ / total;
}

nlohmann::json Rsi::save() const {
    nlohmann::json prev = nullptr;
    if (prev_close_) prev = prev_close_->to_string();
    return {
        {"prev", prev}, {"n", count_}, {"gain", gain_.to_string()}, {"loss", loss_.to_string()}};
}

bool Rsi::load(const nlohmann::json& j) {
    if (!j.is_object() || !j.contains("prev")) return false;
    std::optional<Decimal> prev;
    if (!j["prev"].is_null()) {
        prev = json_decimal(j, "prev");
        if (!prev) return false;
    }
    auto n = json_int(j, "n");
    auto gain = json_decimal(j, "gain");
    auto loss = json_decimal(j, "loss");
    if (!n || !gain || !loss || *n < 0 || *n > period_) return false;
    if (gain->is_negative() || loss->is_negative()) return false;
    if (!prev && *n != 0) return false;  // changes counted without a close to count from
    prev_close_ = prev;
    count_ = static_cast<int>(*n);
    gain_ = *gain;
    loss_ = *loss;
    return true;
}

}  // namespace bot
