// Configs in tests: parsed with the strategies tradebot ships, the message a config is refused
// with (for tests that check it word for word), and the parts the daemon tests' configs share.
// Header-only; a suite that parses configs links `strategies`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "bot/strategies/builtin.h"
#include "config/loader.h"

namespace testing_support {

// bot::builtin_strategies(), built once for the whole test binary.
inline const bot::StrategyCatalog& builtin_strategies() {
    static const bot::StrategyCatalog catalog = bot::builtin_strategies();
    return catalog;
}

// config::parse_config and config::load_config_file with the built-in strategies.
inline config::Config parse_config(std::string_view text, std::string_view source = "config") {
    return config::parse_config(text, builtin_strategies().specs(), source);
}
inline config::Config load_config_file(const std::string& path) {
    return config::load_config_file(path, builtin_strategies().specs());
}

// What parse_config() says about `text`, or "(accepted)".
inline std::string config_error_of(const std::string& text) {
    try {
        testing_support::parse_config(text);
    } catch (const config::ConfigError& e) {
        return e.what();
    }
    return "(accepted)";
}

// What the daemon tests' configs share: paper trading of 100 quote per trade, up to 1000, at a
// 0.1% fee ...
inline nlohmann::json paper_trading_json() {
    return {{"mode", "paper"},
            {"quote_per_trade", "100"},
            {"max_position_quote", "1000"},
            {"fee_rate", "0.001"}};
}

// ... and ema_cross 2/5 on 1m candles, which signals within a few candles.
inline nlohmann::json quick_ema_cross_json() {
    return {{"name", "ema_cross"}, {"interval", "1m"}, {"fast", 2}, {"slow", 5}};
}

}  // namespace testing_support
