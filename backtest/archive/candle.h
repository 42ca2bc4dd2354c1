// One closed candle as the backtest keeps it: times in milliseconds (whatever unit the file used),
// prices and volume in exact decimals. 96 bytes, no pointers: a month of 1m candles is one flat
// vector.
#pragma once

#include <cstdint>

#include "config/decimal.h"

namespace backtest {

struct Candle {
    std::int64_t open_ms = 0;
    std::int64_t close_ms = 0;  // Binance: open_ms + interval - 1
    config::Decimal open, high, low, close, volume;
};

}  // namespace backtest
