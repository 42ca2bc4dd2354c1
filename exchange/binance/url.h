// Parsing of the configured endpoints (exchange.ws_url / rest_url): ws, wss, http, https.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace exchange::binance {

struct Url {
    bool tls = false;       // wss:// or https://
    std::string host;       // "stream.binance.com", "127.0.0.1"
    std::string port;       // explicit, or 443 / 80 by scheme
    std::string base_path;  // path prefix without a trailing '/', usually empty
};

// Accepts scheme://host[:port][/path]. `websocket` chooses ws/wss, otherwise http/https.
// nullopt with `error` set when the text is not such a URL.
[[nodiscard]] std::optional<Url> parse_url(std::string_view text, bool websocket,
                                           std::string* error);

}  // namespace exchange::binance
