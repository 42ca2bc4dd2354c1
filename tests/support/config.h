// The message a config is refused with, for tests that check it word for word. Header-only.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "config/loader.h"

namespace testing_support {

// What parse_config() says about `text`, or "(accepted)".
inline std::string config_error_of(const std::string& text) {
    try {
        config::parse_config(text);
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
