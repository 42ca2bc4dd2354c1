// The prices of market events a full queue dropped before the bot saw them: what a stop or a
// trailing high needs of them (the extremes, in their order), not the events themselves. The
// runtime's event queue (bot/runtime/event_queue.h) gathers them; the trading core applies them.
#pragma once

#include <cstdint>

#include "config/decimal.h"

namespace bot {

struct DroppedPrices {
    std::uint64_t count = 0;  // dropped events that carried a price; 0: the rest is meaningless
    config::Decimal low, high;
    std::int64_t low_time_ms = 0, high_time_ms = 0;  // market time of each
    bool low_first = true;                           // the low came before the high

    void add(const config::Decimal& price, std::int64_t time_ms) {
        if (count++ == 0) {
            low = high = price;
            low_time_ms = high_time_ms = time_ms;
            low_first = true;
            return;
        }
        if (price < low) {
            low = price;
            low_time_ms = time_ms;
            low_first = false;  // this low came after the high kept so far
        } else if (price > high) {
            high = price;
            high_time_ms = time_ms;
            low_first = true;
        }
    }
};

}  // namespace bot
