#include "bot/strategies/bollinger_strategy.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "bot/core/decimal_json.h"
#include "bot/core/reason_text.h"

namespace bot {
namespace {

__extension__ typedef unsigned __int128 Wide;  // __extension__: silences -Wpedantic

// floor(sqrt(n)): a floating-point estimate, then corrected to the exact integer.
Wide isqrt(Wide n) {
    Wide x = static_cast<Wide>(std::sqrt(static_cast<long double>(n)));
    while (x > 0 && x * x > n) --x;
    while ((x + 1) * (x + 1) <= n) ++x;
    return x;
}

// The square root of v >= 0 rounded down to 12 decimals: isqrt(raw * 10^12) on the raw scaled
// integer. A variance too large for that product (above about 1.7e14) keeps 6 decimals.
Decimal sqrt_down(const Decimal& v) {
    if (v.is_negative()) throw std::domain_error("sqrt of a negative decimal");
    const Wide raw = static_cast<Wide>(v.raw());
    const Wide scale = static_cast<Wide>(Decimal::from_int(1).raw());  // 10^12
    const Wide half_scale = 1'000'000;                                 // 10^6
    const Wide limit = (static_cast<Wide>(1) << 126) / scale;
    const Wide root = raw <= limit ? isqrt(raw * scale) : isqrt(raw) * half_scale;
    return Decimal::from_raw(static_cast<Decimal::Raw>(root));
}

int zone_of(const Decimal& close, const BollingerStrategy::Bands& b) {
    if (close < b.lower) return -1;
    if (close > b.upper) return 1;
    return 0;
}

}  // namespace

config::StrategySpec BollingerStrategy::spec() {
    return {std::string(kName), {kPeriod, kWidth}, {}};
}

BollingerStrategy::BollingerStrategy(const config::StrategyConfig& config)
    : CandleStrategy(spec(), config),
      period_(strategy_config().get(kPeriod)),
      width_(strategy_config().get(kWidth)) {
    if (period_ < 2) throw std::invalid_argument("bollinger: period must be >= 2");
    if (!width_.is_positive()) throw std::invalid_argument("bollinger: width must be > 0");
}

std::optional<BollingerStrategy::Bands> BollingerStrategy::bands() const {
    if (closes_.size() != static_cast<std::size_t>(period_)) return std::nullopt;
    const Decimal n = Decimal::from_int(period_);
    Decimal sum;
    for (const Decimal& c : closes_) sum += c;
    const Decimal middle = sum / n;
    Decimal squares;
    for (const Decimal& c : closes_) squares += (c - middle) * (c - middle);
    const Decimal offset = width_ * sqrt_down(squares / n);
    return Bands{middle - offset, middle, middle + offset};
}

std::optional<Decision> BollingerStrategy::on_close(const exchange::Kline& k) {
    closes_.push_back(k.close);
    if (closes_.size() > static_cast<std::size_t>(period_)) closes_.pop_front();
    const std::optional<Bands> b = bands();
    if (!b) return std::nullopt;

    const int zone = zone_of(k.close, *b);
    const std::optional<int> prev = prev_zone_;
    prev_zone_ = zone;
    if (!prev || zone == *prev || zone == 0) return std::nullopt;

    const bool buy = zone < 0;
    const Decimal& band = buy ? b->lower : b->upper;
    auto [close_text, band_text] = comparison_text(k.close, band);
    std::string reason = "close " + close_text + (buy ? " < " : " > ") + "bb" +
                         std::to_string(period_) + (buy ? " lower" : " upper") + " band " +
                         band_text + " (middle " + indicator_text(b->middle) + ")";
    return Decision{buy ? exchange::Side::kBuy : exchange::Side::kSell, k.close, std::move(reason)};
}

void BollingerStrategy::save_fields(nlohmann::json& j) const {
    nlohmann::json closes = nlohmann::json::array();
    for (const Decimal& c : closes_) closes.push_back(c.to_string());
    j["closes"] = std::move(closes);
    j["prev_zone"] = nullptr;
    if (prev_zone_) j["prev_zone"] = *prev_zone_;
}

bool BollingerStrategy::restore_fields(const nlohmann::json& j) {
    if (!j.contains("closes") || !j.contains("prev_zone")) return false;
    const nlohmann::json& saved = j["closes"];
    if (!saved.is_array() || saved.size() > static_cast<std::size_t>(period_)) return false;
    std::deque<Decimal> closes;
    for (const nlohmann::json& c : saved) {
        if (!c.is_string()) return false;
        auto d = Decimal::parse(c.get_ref<const std::string&>());
        if (!d) return false;
        closes.push_back(*d);
    }
    std::optional<int> prev_zone;
    if (!j["prev_zone"].is_null()) {
        auto v = json_int(j, "prev_zone");
        if (!v || *v < -1 || *v > 1) return false;
        prev_zone = static_cast<int>(*v);
    }
    // A zone exists exactly when the window was full at the last close.
    if (prev_zone.has_value() != (closes.size() == static_cast<std::size_t>(period_))) {
        return false;
    }
    closes_ = std::move(closes);
    prev_zone_ = prev_zone;
    return true;
}

}  // namespace bot
