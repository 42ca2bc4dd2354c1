// The market-data side of an exchange: delivers events for a set of symbols from its own
// thread(s). Implemented by SimMarketStream (exchange/sim/market_stream.h) and the Binance
// WebSocket stream; the daemon picks one from config and the bots never know which.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "exchange/market_data.h"

namespace exchange {

// Called from the stream's thread for every event. Must not block: the daemon's sink only
// pushes into a bounded per-symbol queue and counts what it has to drop.
using EventSink = std::function<void(const MarketEvent&)>;

struct StreamStats {
    std::uint64_t messages = 0;        // messages received (frames, or sim ticks)
    std::uint64_t malformed = 0;       // messages that could not be parsed (counted, skipped)
    std::uint64_t reconnects = 0;      // connections re-established after a drop or silence
    std::int64_t last_message_ms = 0;  // wall clock of the last message, 0 if none yet
};

class MarketStream {
public:
    virtual ~MarketStream() = default;

    // Starts delivering events for `symbols` (upper case) to `sink`. Called once.
    virtual void start(const std::vector<std::string>& symbols, EventSink sink) = 0;
    // Replaces the subscribed set while running (SIGHUP): new symbols start, removed ones stop.
    virtual void set_symbols(const std::vector<std::string>& symbols) = 0;
    // Stops and joins; no call to the sink happens after it returns. Idempotent.
    virtual void stop() = 0;

    // Up to `limit` most recent *closed* klines of `interval` before now, oldest first, for
    // warming the indicators up at start. May be empty (no history available).
    virtual std::vector<Kline> history(const std::string& symbol, const std::string& interval,
                                       int limit) = 0;
    // The consumer has every closed kline of `symbol` and `interval` up to open time
    // `open_time_ms` (its warm-up from history()): the stream delivers closed klines after it
    // only, and fetches what closed since if it can. Thread-safe; callable before start().
    // The default does nothing, for a stream whose live feed starts where its history ends.
    virtual void resume_after(const std::string& symbol, const std::string& interval,
                              std::int64_t open_time_ms) {
        (void)symbol;
        (void)interval;
        (void)open_time_ms;
    }

    virtual StreamStats stats() const = 0;
};

}  // namespace exchange
