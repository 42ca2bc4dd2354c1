#include "exchange/binance/url.h"

namespace exchange::binance {

std::optional<Url> parse_url(std::string_view text, bool websocket, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<Url> {
        if (error) *error = "bad URL \"" + std::string(text) + "\": " + why;
        return std::nullopt;
    };
    Url url;
    auto sep = text.find("://");
    if (sep == std::string_view::npos) return fail("missing scheme");
    std::string_view scheme = text.substr(0, sep);
    if (websocket ? scheme == "wss" : scheme == "https") {
        url.tls = true;
    } else if (websocket ? scheme == "ws" : scheme == "http") {
        url.tls = false;
    } else {
        return fail(websocket ? "scheme must be ws:// or wss://"
                              : "scheme must be http:// or https://");
    }
    std::string_view rest = text.substr(sep + 3);
    auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path =
        slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    if (authority.empty()) return fail("missing host");
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
        url.host = std::string(authority.substr(0, colon));
        url.port = std::string(authority.substr(colon + 1));
        if (url.port.empty() || url.port.find_first_not_of("0123456789") != std::string::npos) {
            return fail("bad port");
        }
    } else {
        url.host = std::string(authority);
        url.port = url.tls ? "443" : "80";
    }
    if (url.host.empty()) return fail("missing host");
    url.base_path = std::string(path);
    return url;
}

}  // namespace exchange::binance
