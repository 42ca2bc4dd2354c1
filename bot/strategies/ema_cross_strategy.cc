#include "bot/strategies/ema_cross_strategy.h"

#include <nlohmann/json.hpp>

#include "bot/decimal_json.h"
#include "bot/reason_text.h"

namespace bot {
namespace {

int sign_of(const Decimal& d) { return d.is_positive() ? 1 : (d.is_negative() ? -1 : 0); }

}  // namespace

EmaCrossStrategy::EmaCrossStrategy(int fast, int slow, std::string interval)
    : interval_(std::move(interval)), fast_(fast), slow_(slow) {}

std::optional<Decision> EmaCrossStrategy::on_kline(const exchange::Kline& k) {
    if (!k.closed) return std::nullopt;
    if (last_open_time_ms_ && k.open_time_ms <= *last_open_time_ms_) return std::nullopt;
    last_open_time_ms_ = k.open_time_ms;
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

std::string EmaCrossStrategy::save_state() const {
    nlohmann::json j = {
        {"strategy", name()},       {"fast", fast_.period()},       {"slow", slow_.period()},
        {"interval", interval_},    {"last_open_time_ms", nullptr}, {"fast_ema", fast_.save()},
        {"slow_ema", slow_.save()}, {"prev_cmp", nullptr},
    };
    if (last_open_time_ms_) j["last_open_time_ms"] = *last_open_time_ms_;
    if (prev_cmp_) j["prev_cmp"] = *prev_cmp_;
    return j.dump();
}

bool EmaCrossStrategy::restore(const std::string& state) {
    const nlohmann::json j = nlohmann::json::parse(state, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return false;  // also the "discarded" value of a parse error
    if (json_string(j, "strategy") != name() || json_int(j, "fast") != fast_.period() ||
        json_int(j, "slow") != slow_.period() || json_string(j, "interval") != interval_) {
        return false;
    }
    if (!j.contains("last_open_time_ms") || !j.contains("prev_cmp") || !j.contains("fast_ema") ||
        !j.contains("slow_ema")) {
        return false;
    }

    std::optional<std::int64_t> last_open;
    if (!j["last_open_time_ms"].is_null()) {
        last_open = json_int(j, "last_open_time_ms");
        if (!last_open) return false;
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
    last_open_time_ms_ = last_open;
    prev_cmp_ = prev_cmp;
    return true;
}

}  // namespace bot
