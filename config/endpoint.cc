#include "config/endpoint.h"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>

namespace config {
namespace {

namespace urls = boost::urls;

template <class T>
std::optional<T> fail(std::string* error, std::string why) {
    if (error) *error = std::move(why);
    return std::nullopt;
}

// "1".."65535" (or "0".."65535" when zero is allowed), digits only.
std::optional<std::uint16_t> port_number(std::string_view p, bool allow_zero) {
    if (p.empty() || p.size() > 5) return std::nullopt;
    unsigned v = 0;
    for (char c : p) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > 65535 || (v == 0 && !allow_zero)) return std::nullopt;
    return static_cast<std::uint16_t>(v);
}

bool plain_host_name(std::string_view h) {
    return !h.empty() && std::all_of(h.begin(), h.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
    });
}

}  // namespace

std::optional<Endpoint> parse_endpoint(std::string_view text,
                                       const std::vector<std::string>& schemes,
                                       std::string* error) {
    std::string expected;
    for (const auto& s : schemes) expected += (expected.empty() ? "" : " or ") + s + "://";
    auto u = urls::parse_uri(text);
    if (!u) return fail<Endpoint>(error, "not a URL (" + u.error().message() + ")");
    const urls::url_view& url = *u;
    Endpoint e;
    e.scheme = std::string(url.scheme());
    if (std::find(schemes.begin(), schemes.end(), e.scheme) == schemes.end()) {
        return fail<Endpoint>(error, "scheme must be " + expected);
    }
    if (!url.has_authority()) return fail<Endpoint>(error, "missing host");
    if (url.has_userinfo()) return fail<Endpoint>(error, "user info is not allowed");
    if (url.has_query() || url.has_fragment()) {
        return fail<Endpoint>(error, "a query or fragment is not allowed");
    }
    switch (url.host_type()) {
        case urls::host_type::ipv4:
            e.host = std::string(url.encoded_host_address());
            break;
        case urls::host_type::ipv6:
            e.host = std::string(url.encoded_host_address());
            e.ipv6 = true;
            break;
        case urls::host_type::name:
            e.host = std::string(url.encoded_host());
            if (!plain_host_name(e.host)) return fail<Endpoint>(error, "missing or bad host");
            break;
        default:
            return fail<Endpoint>(error, "missing or bad host");
    }
    if (url.has_port()) {
        if (!port_number(url.port(), /*allow_zero=*/false)) {
            return fail<Endpoint>(error, "bad port");
        }
        e.port = std::string(url.port());
    } else {
        e.port = e.tls() ? "443" : "80";
    }
    e.path = std::string(url.encoded_path());
    while (!e.path.empty() && e.path.back() == '/') e.path.pop_back();
    return e;
}

std::optional<ListenAddress> parse_listen(std::string_view text, std::string* error) {
    auto a = urls::parse_authority(text);
    if (!a || a->has_userinfo()) return fail<ListenAddress>(error, "expected host:port");
    ListenAddress out;
    switch (a->host_type()) {
        case urls::host_type::ipv4:
            out.kind = ListenAddress::Kind::kIpv4;
            break;
        case urls::host_type::ipv6:
            out.kind = ListenAddress::Kind::kIpv6;
            break;
        case urls::host_type::name:
            out.kind = ListenAddress::Kind::kName;
            break;
        default:
            return fail<ListenAddress>(error, "bad host");
    }
    out.host = std::string(a->encoded_host_address());
    if (out.host.empty()) return fail<ListenAddress>(error, "missing host");
    auto port = a->has_port() ? port_number(a->port(), /*allow_zero=*/true) : std::nullopt;
    if (!port) return fail<ListenAddress>(error, "missing or bad port");
    out.port = *port;
    return out;
}

}  // namespace config
