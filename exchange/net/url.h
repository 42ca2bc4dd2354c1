// The configured endpoints (exchange.ws_url / rest_url) as the Binance clients connect to them:
// ws, wss, http, https. Parsed by config::parse_endpoint, the same parser the config validator
// uses.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace exchange::net {

struct Url {
    bool tls = false;       // wss:// or https://
    std::string host;       // "stream.binance.com", "127.0.0.1", "::1" (no brackets: resolvable)
    bool ipv6 = false;      // host is an IPv6 address
    std::string port;       // explicit, or 443 / 80 by scheme
    std::string base_path;  // path prefix without a trailing '/', usually empty

    // The host as a Host header or a WebSocket handshake names it: "[::1]" for IPv6.
    std::string host_literal() const { return ipv6 ? "[" + host + "]" : host; }
};

// Accepts scheme://host[:port][/path]. `websocket` chooses ws/wss, otherwise http/https.
// nullopt with `error` set when the text is not such a URL.
[[nodiscard]] std::optional<Url> parse_url(std::string_view text, bool websocket,
                                           std::string* error);

}  // namespace exchange::net
