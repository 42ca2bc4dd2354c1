// TEST ONLY: a scripted price path for the simulated exchange, replacing its random walk for the
// symbols it names. The risk controls' end-to-end tests need a market that crosses a stop at a
// known moment, which a random walk cannot promise.
//
// Switched on by the environment variable TRADEBOT_TEST_SIM_SCRIPT=<file>; never in production
// (the unit file and the Docker image do not pass it through), and not a config key. The file
// holds one line per scripted symbol:
//     # comment
//     BTCUSDT 60000 59950.5 60010x12 ...
// Each entry is the price of one tick (one simulated trade): a decimal, or PRICExN for N ticks
// at that price. The first price is where the symbol starts (its history walks back from it);
// after the last entry the price stays at the last one. Symbols the file does not name keep
// their random walk.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/decimal.h"

namespace exchange::sim {

// The environment variable naming the script file.
inline constexpr const char* kScriptEnv = "TRADEBOT_TEST_SIM_SCRIPT";

struct PriceScript {
    std::map<std::string, std::vector<config::Decimal>> ticks;  // per symbol, one price per tick

    // The price of tick k of `symbol` (the last one after the end); nullopt when not scripted.
    std::optional<config::Decimal> price(const std::string& symbol, std::int64_t k) const;
};

// Parses the text above. Throws std::invalid_argument naming `source`, the line and the entry
// for anything else (a price <= 0, a repeat count of 0, an empty line of prices, a symbol named
// twice).
PriceScript parse_price_script(std::string_view text, std::string_view source);

// The script named by TRADEBOT_TEST_SIM_SCRIPT, or nullopt when it is not set. Throws
// std::invalid_argument when the file cannot be read or parsed.
std::optional<PriceScript> price_script_from_environment();

}  // namespace exchange::sim
