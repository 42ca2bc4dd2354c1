#include "bot/core/control_state.h"

#include <nlohmann/json.hpp>

#include "bot/core/decimal_json.h"

namespace bot {

std::string ControlState::to_json() const {
    return nlohmann::json{{"paused", paused}, {"by", by}}.dump();
}

std::optional<ControlState> ControlState::from_json(const std::string& text) {
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return std::nullopt;
    auto paused = j.find("paused");
    auto by = json_string(j, "by");
    if (paused == j.end() || !paused->is_boolean() || !by) return std::nullopt;
    ControlState s;
    s.paused = paused->get<bool>();
    s.by = *by;
    return s;
}

}  // namespace bot
