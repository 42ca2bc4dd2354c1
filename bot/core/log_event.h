// A line the trading core wants in the symbol's log, as a value: the core writes no log itself
// (it has no logger, no clock and no I/O); its driver hands each event to the symbol's logger, in
// the order they were made. Built only when something happens (a decision, an order's progress,
// a halt), never per candle.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bot {

enum class LogLevel : std::uint8_t { kDebug, kInfo, kWarn, kError };

struct LogEvent {
    LogLevel level = LogLevel::kInfo;
    std::string text;  // the message, without the symbol (the logger carries it)

    friend bool operator==(const LogEvent&, const LogEvent&) = default;
};

using LogEvents = std::vector<LogEvent>;

}  // namespace bot
