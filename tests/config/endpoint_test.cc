// config/endpoint.h: the one parser of the exchange URLs and the metrics listen address, which
// the config validator, the Binance clients and the metrics server all use.
#include "config/endpoint.h"

#include <catch2/catch.hpp>

using config::ListenAddress;
using config::parse_endpoint;
using config::parse_listen;

namespace {
const std::vector<std::string> kWs = {"ws", "wss"};
const std::vector<std::string> kHttp = {"http", "https"};
}  // namespace

TEST_CASE("endpoints: host, default and explicit ports, path prefix", "[endpoint]") {
    auto a = parse_endpoint("wss://stream.binance.com:9443", kWs);
    REQUIRE(a);
    CHECK(a->tls());
    CHECK(a->host == "stream.binance.com");
    CHECK(a->port == "9443");
    CHECK(a->path.empty());

    auto b = parse_endpoint("http://127.0.0.1/prefix/", kHttp);
    REQUIRE(b);
    CHECK_FALSE(b->tls());
    CHECK(b->port == "80");
    CHECK(b->path == "/prefix");
    CHECK(parse_endpoint("https://api.binance.com", kHttp)->port == "443");
}

TEST_CASE("endpoints: an IPv6 literal is a host, without its brackets", "[endpoint]") {
    auto a = parse_endpoint("http://[::1]:18080/prefix", kHttp);
    REQUIRE(a);
    CHECK(a->ipv6);
    CHECK(a->host == "::1");
    CHECK(a->host_literal() == "[::1]");
    CHECK(a->port == "18080");
    CHECK(a->path == "/prefix");
    auto b = parse_endpoint("wss://[2001:db8::7]", kWs);
    REQUIRE(b);
    CHECK(b->host == "2001:db8::7");
    CHECK(b->port == "443");
    CHECK_FALSE(parse_endpoint("ws://[::1", kWs));
    CHECK_FALSE(parse_endpoint("ws://::1:8080", kWs));
}

TEST_CASE("endpoints: what is refused, and why", "[endpoint]") {
    std::string why;
    CHECK_FALSE(parse_endpoint("https://api.binance.com", kWs, &why));
    CHECK(why == "scheme must be ws:// or wss://");
    CHECK_FALSE(parse_endpoint("https://user:pw@api.binance.com", kHttp, &why));
    CHECK(why == "user info is not allowed");
    CHECK_FALSE(parse_endpoint("https://api.binance.com/?x=1", kHttp, &why));
    CHECK(why == "a query or fragment is not allowed");
    CHECK_FALSE(parse_endpoint("https://api.binance.com:99999", kHttp, &why));
    CHECK(why == "bad port");
    CHECK_FALSE(parse_endpoint("https://api.binance.com:0", kHttp, &why));
    CHECK_FALSE(parse_endpoint("http://host:port", kHttp, &why));
    for (const char* bad : {"wss://", "wss://:9443/ws", "api.binance.com", "wss://a b.com",
                            "wss://exa_mple.com", "wss://host:", ""}) {
        INFO(bad);
        CHECK_FALSE(parse_endpoint(bad, kWs));
    }
}

TEST_CASE("listen addresses", "[endpoint]") {
    auto a = parse_listen("127.0.0.1:9464");
    REQUIRE(a);
    CHECK(a->kind == ListenAddress::Kind::kIpv4);
    CHECK(a->host == "127.0.0.1");
    CHECK(a->port == 9464);
    a = parse_listen("[::1]:80");
    REQUIRE(a);
    CHECK(a->kind == ListenAddress::Kind::kIpv6);
    CHECK(a->host == "::1");
    a = parse_listen("localhost:0");
    REQUIRE(a);
    CHECK(a->kind == ListenAddress::Kind::kName);
    CHECK(a->port == 0);
    for (const char* bad :
         {"9464", "127.0.0.1:", "127.0.0.1:65536", ":80", "::1:9464", "[::1]", "a@host:1", ""}) {
        INFO(bad);
        CHECK_FALSE(parse_listen(bad));
    }
}
