// Reading the fields of a saved strategy state: typed, non-throwing look-ups so that a damaged
// or foreign state is refused field by field instead of escaping as a JSON exception.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "config/decimal.h"

namespace bot {

// j[key] as a decimal written as a string ("101.25"); nullopt when missing or not one.
std::optional<config::Decimal> json_decimal(const nlohmann::json& j, const char* key);
// j[key] as a JSON integer; nullopt when missing or not an integer.
std::optional<std::int64_t> json_int(const nlohmann::json& j, const char* key);
// j[key] as a string; nullopt when missing or not a string.
std::optional<std::string> json_string(const nlohmann::json& j, const char* key);

}  // namespace bot
