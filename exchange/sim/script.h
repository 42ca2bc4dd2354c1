// A scripted price path for the simulated exchange (`exchange.sim.script`), replacing its random
// walk for the symbols it names: a market that crosses a stop, a take-profit or the day's loss
// limit at a known moment, which a random walk cannot promise, to try the risk rules on a
// scenario (and to test them end to end). The file holds one line per scripted symbol:
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

struct PriceScript {
    std::map<std::string, std::vector<config::Decimal>> ticks;  // per symbol, one price per tick

    // The price of tick k of `symbol` (the last one after the end); nullopt when not scripted.
    std::optional<config::Decimal> price(const std::string& symbol, std::int64_t k) const;
};

// Parses the text above. Throws std::invalid_argument naming `source`, the line and the entry
// for anything else (a price <= 0, a repeat count of 0, an empty line of prices, a symbol named
// twice).
PriceScript parse_price_script(std::string_view text, std::string_view source);

// Reads and parses the script file at `path`. Throws std::invalid_argument naming the file when
// it cannot be read ("cannot read PATH: No such file or directory") or parsed (as above).
PriceScript read_price_script(const std::string& path);

}  // namespace exchange::sim
