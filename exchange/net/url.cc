#include "exchange/net/url.h"

#include "config/endpoint.h"

namespace exchange::net {

std::optional<Url> parse_url(std::string_view text, bool websocket, std::string* error) {
    std::string why;
    auto e = config::parse_endpoint(text,
                                    websocket ? std::vector<std::string>{"ws", "wss"}
                                              : std::vector<std::string>{"http", "https"},
                                    &why);
    if (!e) {
        if (error) *error = "bad URL \"" + std::string(text) + "\": " + why;
        return std::nullopt;
    }
    return Url{e->tls(), e->host, e->ipv6, e->port, e->path};
}

}  // namespace exchange::net
