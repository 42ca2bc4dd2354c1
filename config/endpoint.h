// The network addresses a config names, parsed once for everyone (Boost.URL): the exchange
// endpoints (exchange.ws_url, exchange.rest_url) and the metrics listen address. The config
// validator refuses what these refuse, and the exchange and the metrics server connect and bind
// to exactly what they return, so the two can never disagree (about IPv6 literals, say).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace config {

// scheme://host[:port][/path]
struct Endpoint {
    std::string scheme;  // "wss", "https", ...
    std::string host;    // "stream.binance.com", "127.0.0.1", "::1" (IPv6 without brackets)
    bool ipv6 = false;
    std::string port;  // as written, or 443 for wss/https and 80 for ws/http
    std::string path;  // prefix without a trailing '/', usually empty

    bool tls() const { return scheme == "wss" || scheme == "https"; }
    // The host as it goes into a Host header or a URL: "[::1]" for IPv6.
    std::string host_literal() const { return ipv6 ? "[" + host + "]" : host; }
};

// `text` as an endpoint with one of `schemes`: a host (a name of letters, digits, '-' and '.',
// an IPv4 address or a bracketed IPv6 address), an optional port 1..65535, an optional path; no
// user info (credentials never go in a config), no query, no fragment, no white space. nullopt
// with `*error` (if given) saying what is wrong.
[[nodiscard]] std::optional<Endpoint> parse_endpoint(std::string_view text,
                                                     const std::vector<std::string>& schemes,
                                                     std::string* error = nullptr);

// host:port to listen on.
struct ListenAddress {
    enum class Kind { kName, kIpv4, kIpv6 };
    std::string host;  // "127.0.0.1", "localhost", "::1" (IPv6 without brackets)
    Kind kind = Kind::kName;
    std::uint16_t port = 0;  // 0: any free port
};

// "127.0.0.1:9464", "localhost:9464", "[::1]:9464": a host and a port 0..65535, both required.
// nullopt with `*error` (if given) saying what is wrong.
[[nodiscard]] std::optional<ListenAddress> parse_listen(std::string_view text,
                                                        std::string* error = nullptr);

}  // namespace config
