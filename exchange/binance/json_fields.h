// Checked field access on nlohmann::json for the Binance parsers: each getter returns false
// (and names the field in *error) instead of throwing when a field is missing or mistyped.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "config/decimal.h"

namespace exchange::binance::json_fields {

using nlohmann::json;

inline bool get_string(const json& j, const char* key, std::string* out, std::string* error) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
        *error = std::string("field \"") + key + "\" missing or not a string";
        return false;
    }
    *out = it->get<std::string>();
    return true;
}

// Binance sends money as strings ("0.00100000"); parsed exactly, never through double.
inline bool get_decimal(const json& j, const char* key, config::Decimal* out, std::string* error) {
    std::string s;
    if (!get_string(j, key, &s, error)) return false;
    auto d = config::Decimal::parse(s);
    if (!d) {
        *error = std::string("field \"") + key + "\" is not a decimal: \"" + s + "\"";
        return false;
    }
    *out = *d;
    return true;
}

inline bool get_int(const json& j, const char* key, std::int64_t* out, std::string* error) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer()) {
        *error = std::string("field \"") + key + "\" missing or not an integer";
        return false;
    }
    *out = it->get<std::int64_t>();
    return true;
}

inline bool get_bool(const json& j, const char* key, bool* out, std::string* error) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_boolean()) {
        *error = std::string("field \"") + key + "\" missing or not a boolean";
        return false;
    }
    *out = it->get<bool>();
    return true;
}

}  // namespace exchange::binance::json_fields
