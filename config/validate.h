// Internal to the config library: the validation rules, from parsed JSON to Config.
// Public callers use config/loader.h.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "config/config.h"

namespace config::detail {

// Validates `root` (already syntactically valid JSON, duplicate keys already refused) against the
// rules of docs/reference.md "Config" and fills in the defaults; `strategy` objects against the
// strategies of `strategies`. Throws ConfigError naming the key path.
Config config_from_json(const nlohmann::json& root, const StrategyCatalog& strategies);

// A key as it appears in a key path: bare when it is a plain identifier, JSON-quoted otherwise
// (so `exchange."ws url"` and an empty key stay readable).
std::string key_segment(const std::string& key);

}  // namespace config::detail
