// Parsing of the messages Binance sends on its WebSocket market streams, exactly as sent:
// the combined-stream wrapper {"stream":..,"data":..}, kline / trade / bookTicker payloads with
// prices and quantities as strings, {"result":null,"id":..} replies and serverShutdown events.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "exchange/market_data.h"

namespace exchange::binance {

// Reply to a SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS request ({"result":null,"id":1}), or
// an error reply ({"code":2,"msg":"Invalid request","id":1}; error holds code and message).
struct StreamReply {
    std::int64_t id = 0;
    std::string error;  // empty for a success
};

// The server is about to shut this connection down: reconnect now.
struct ServerShutdown {
    std::int64_t event_time_ms = 0;
};

// A message that could not be read (bad JSON, missing field, unknown event type), or a kline
// whose prices cannot be real (exchange/candle_check.h).
struct StreamParseError {
    std::string what;
};

using StreamMessage = std::variant<MarketEvent, StreamReply, ServerShutdown, StreamParseError>;

// Never throws.
[[nodiscard]] StreamMessage parse_stream_message(std::string_view text);

}  // namespace exchange::binance
