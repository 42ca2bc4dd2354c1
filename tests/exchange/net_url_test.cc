#include "exchange/net/url.h"

#include <catch2/catch.hpp>

#include "exchange/binance/rest_client.h"

using namespace exchange::net;
using exchange::binance::klines_target;

TEST_CASE("endpoint URLs", "[url]") {
    std::string err;
    auto a = parse_url("wss://stream.binance.com:9443", true, &err);
    REQUIRE(a);
    CHECK(a->tls);
    CHECK(a->host == "stream.binance.com");
    CHECK(a->port == "9443");
    CHECK(a->base_path.empty());

    auto b = parse_url("https://api.binance.com", false, &err);
    REQUIRE(b);
    CHECK(b->port == "443");

    auto c = parse_url("http://127.0.0.1:8080/prefix/", false, &err);
    REQUIRE(c);
    CHECK_FALSE(c->tls);
    CHECK(c->host == "127.0.0.1");
    CHECK(c->base_path == "/prefix");

    auto d = parse_url("ws://localhost", true, &err);
    REQUIRE(d);
    CHECK(d->port == "80");

    // An IPv6 literal: resolvable without brackets, named with them.
    auto e = parse_url("ws://[::1]:8080/x", true, &err);
    REQUIRE(e);
    CHECK(e->host == "::1");
    CHECK(e->host_literal() == "[::1]");
    CHECK(e->port == "8080");
    CHECK(e->base_path == "/x");

    CHECK_FALSE(parse_url("https://api.binance.com", true, &err));
    CHECK(err.find("ws://") != std::string::npos);
    CHECK_FALSE(parse_url("api.binance.com", false, &err));
    CHECK_FALSE(parse_url("http://host:port", false, &err));
}

TEST_CASE("klines target", "[url]") {
    CHECK(klines_target("BTCUSDT", "1m", 1000, std::nullopt, 5000) ==
          "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=1000&limit=1000");
}
