// exchange::check_candle — the one rule for what a candle's prices may be, wherever a candle
// enters tradebot: the stream, REST history and back-fill, the backtest's archive reader.
//
// A candle is refused when a price is not above zero, the high is below the low, the open or the
// close lies outside [low, high], or the volume is negative. The exchange never sends such a
// candle; one that arrives is damage (a proxy, a hand-made file, a hostile peer) and must never
// reach a strategy, an order or a recording.
#pragma once

#include <optional>
#include <string>

#include "config/decimal.h"

namespace exchange {

// What is wrong with a candle: the field to blame (the archive's column name: "open", "high",
// "low", "close", "volume") and the problem.
struct CandleFault {
    const char* field;
    std::string problem;
};

// nullopt for a candle that can be real.
[[nodiscard]] std::optional<CandleFault> check_candle(const config::Decimal& open,
                                                      const config::Decimal& high,
                                                      const config::Decimal& low,
                                                      const config::Decimal& close,
                                                      const config::Decimal& volume);

// "<field>: <problem>" (for a log line or an error message).
std::string to_string(const CandleFault& fault);

}  // namespace exchange
