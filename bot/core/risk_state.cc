#include "bot/core/risk_state.h"

#include <nlohmann/json.hpp>

#include "bot/core/decimal_json.h"

namespace bot {

std::string RiskState::to_json() const {
    nlohmann::json j = {
        {"trail_high", trail_high.to_string()},
        {"day_ms", day_ms ? nlohmann::json(*day_ms) : nlohmann::json(nullptr)},
        {"day_start_realized", day_start_realized.to_string()},
        {"day_start_unrealized", day_start_unrealized.to_string()},
        {"halted", halted},
        {"cooldown_left", cooldown_left},
    };
    return j.dump();
}

std::optional<RiskState> RiskState::from_json(const std::string& text) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return std::nullopt;
    auto trail = json_decimal(j, "trail_high");
    auto realized = json_decimal(j, "day_start_realized");
    auto unrealized = json_decimal(j, "day_start_unrealized");
    auto cooldown = json_int(j, "cooldown_left");
    auto halted = j.find("halted");
    auto day = j.find("day_ms");
    if (!trail || trail->is_negative() || !realized || !unrealized || !cooldown || *cooldown < 0 ||
        *cooldown > 1000000 || halted == j.end() || !halted->is_boolean() || day == j.end()) {
        return std::nullopt;
    }
    RiskState s;
    if (!day->is_null()) {
        auto day_ms = json_int(j, "day_ms");
        if (!day_ms) return std::nullopt;
        s.day_ms = *day_ms;
    }
    s.trail_high = *trail;
    s.day_start_realized = *realized;
    s.day_start_unrealized = *unrealized;
    s.halted = halted->get<bool>();
    s.cooldown_left = static_cast<int>(*cooldown);
    return s;
}

}  // namespace bot
