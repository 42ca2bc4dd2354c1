// Reads the JSON config (docs/reference.md "Config") into config::Config, validating every key, and
// writes the fully resolved form back out for `tradebotd --check-config`.
//
// Every problem is a ConfigError naming where it is: a key path such as `symbols[2].strategy.fast`
// for a bad value, or the file name for unreadable files and JSON syntax errors. tradebotd turns it
// into exit status 78; on SIGHUP it keeps the running config and logs the message.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config/config.h"

namespace config {

class ConfigError : public std::runtime_error {
public:
    // what() is "<where>: <problem>".
    ConfigError(std::string where, std::string problem);

    // The key path ("symbols[2].strategy.fast", "trading", "(top level)"), or for an unreadable
    // file or a JSON syntax error the file name.
    const std::string& key_path() const { return key_path_; }
    // The problem alone: "expected integer > 0, got number 0".
    const std::string& problem() const { return problem_; }

private:
    std::string key_path_;
    std::string problem_;
};

// Parses and validates config text. Syntax errors are reported as
// "<source_name>: invalid JSON at line L column C: <detail>", pointing at the last character the
// parser read (the end of the offending token); columns count characters, from 1.
// Every section is optional and defaults to config.h's values, except `symbols`; `strategy`
// objects name a strategy of `strategies` (whose first one is the default) and take its
// parameters. Throws ConfigError.
Config parse_config(std::string_view json_text, const StrategyCatalog& strategies,
                    std::string_view source_name = "config");

// The largest config file load_config_file reads (1 MiB): a real one is a few KiB.
inline constexpr std::size_t kMaxConfigBytes = 1024 * 1024;

// Reads and parses a config file. Only a regular file of at most kMaxConfigBytes is read; a
// FIFO, a device (/dev/zero), a directory, a larger file or an unreadable one is a ConfigError
// naming the path and what it is. Throws ConfigError.
Config load_config_file(const std::string& path, const StrategyCatalog& strategies);

// The fully resolved config in the input's key layout: every default filled in (as the loader
// fills them: each strategy's parameters are printed as `c` holds them), every symbol as
// {"symbol": .., "strategy": {..}, "risk": {..}} with its effective strategy (only that
// strategy's parameters) and its effective risk rules (every key, null when off), money and
// thresholds as exact decimal strings. parse_config(to_json(c).dump(), strategies) equals c.
nlohmann::json to_json(const Config& c);
// One set of risk rules in that form (every key, null when off): what --check-config shows for
// each symbol and tradebot-backtest's JSON summary repeats.
nlohmann::json to_json(const RiskConfig& r);

}  // namespace config
