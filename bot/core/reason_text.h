// Numbers in the human-readable reason of a decision ("ema9 crossed above ema21 (101.23 >
// 100.98)"): short enough to read in a log line, precise enough that the two sides of a
// comparison never print the same.
#pragma once

#include <string>
#include <utility>

#include "config/decimal.h"

namespace bot {

// About six significant digits, at least two decimals: 97123.45, 101.235, 0.523457.
std::string indicator_text(const config::Decimal& v);
// a and b with the same number of decimals, at least as many as indicator_text uses and more
// when needed to tell them apart.
std::pair<std::string, std::string> comparison_text(const config::Decimal& a,
                                                    const config::Decimal& b);
// Two decimals at most, trailing zeros dropped: 28.4, 70, 33.33.
std::string percent_text(const config::Decimal& v);

}  // namespace bot
