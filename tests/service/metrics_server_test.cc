// MetricsServer over real TCP on 127.0.0.1: routes, status codes, HEAD, keep-alive, limits.
#include "service/metrics_server.h"

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <mutex>
#include <string>

#include "integration/ops_http_client.h"
#include "service/metrics.h"

namespace http = boost::beast::http;
using testing_support::http_get;
using testing_support::http_request;

namespace {

struct Fixture {
    std::atomic<int> scrapes{0};
    std::mutex mu;
    service::Health health;  // guarded by mu

    service::MetricsHandlers handlers() {
        return {[this] { return "tradebot_x_total " + std::to_string(++scrapes) + "\n"; },
                [this] {
                    std::lock_guard<std::mutex> lock(mu);
                    return health;
                }};
    }
};

// Sends raw bytes and reads until the server closes the connection.
std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket s(ioc);
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    boost::asio::write(s, boost::asio::buffer(bytes));
    std::string out;
    boost::system::error_code ec;
    boost::asio::read(s, boost::asio::dynamic_buffer(out), ec);  // until EOF
    return out;
}

}  // namespace

TEST_CASE("parse_listen_address", "[metrics_server]") {
    auto a = service::parse_listen_address("127.0.0.1:9464");
    CHECK(a.host == "127.0.0.1");
    CHECK(a.port == 9464);
    a = service::parse_listen_address("[::1]:80");
    CHECK(a.host == "::1");
    CHECK(a.port == 80);
    CHECK(service::parse_listen_address("localhost:0").port == 0);
    CHECK_THROWS_AS(service::parse_listen_address("9464"), std::invalid_argument);
    CHECK_THROWS_AS(service::parse_listen_address("127.0.0.1:"), std::invalid_argument);
    CHECK_THROWS_AS(service::parse_listen_address("127.0.0.1:70000"), std::invalid_argument);
    CHECK_THROWS_AS(service::parse_listen_address(":80"), std::invalid_argument);
}

TEST_CASE("answer_request routes without a network", "[metrics_server]") {
    Fixture f;
    auto h = f.handlers();
    auto a = service::answer_request("GET", "/metrics?x=1", h);
    CHECK(a.status == 200);
    CHECK(a.content_type == service::kMetricsContentType);
    CHECK(a.body == "tradebot_x_total 1\n");
    CHECK(service::answer_request("GET", "/healthz", h).body == "ok\n");
    CHECK(service::answer_request("GET", "/", h).status == 404);
    CHECK(service::answer_request("POST", "/metrics", h).status == 405);
    service::MetricsHandlers throwing{[]() -> std::string { throw std::runtime_error("boom"); },
                                      {}};
    a = service::answer_request("GET", "/metrics", throwing);
    CHECK(a.status == 500);
    CHECK(a.body == "internal error: boom\n");
}

TEST_CASE("MetricsServer serves /metrics and /healthz over HTTP", "[metrics_server]") {
    Fixture f;
    service::MetricsServer server("127.0.0.1:0", f.handlers());
    server.start();
    REQUIRE(server.port() != 0);

    auto r = http_get(server.port(), "/metrics");
    CHECK(r.status == 200);
    CHECK(r.content_type == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(r.body == "tradebot_x_total 1\n");
    CHECK(http_get(server.port(), "/metrics").body == "tradebot_x_total 2\n");

    r = http_get(server.port(), "/healthz");
    CHECK(r.status == 200);
    CHECK(r.body == "ok\n");
    {
        std::lock_guard<std::mutex> lock(f.mu);
        f.health = {false, "bot XRPUSDT made no progress for 31.0 s"};
    }
    r = http_get(server.port(), "/healthz");
    CHECK(r.status == 503);
    CHECK(r.body == "unhealthy: bot XRPUSDT made no progress for 31.0 s\n");

    CHECK(http_get(server.port(), "/nope").status == 404);
    CHECK(http_request(server.port(), "/metrics", http::verb::post).status == 405);
    r = http_request(server.port(), "/healthz", http::verb::head);
    CHECK(r.status == 503);
    CHECK(r.body.empty());
    server.stop();
    server.stop();  // idempotent
}

TEST_CASE("MetricsServer keeps a connection alive across requests", "[metrics_server]") {
    Fixture f;
    service::MetricsServer server("127.0.0.1:0", f.handlers());
    server.start();
    std::string reply =
        raw_exchange(server.port(),
                     "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(reply.find("tradebot_x_total 1\n") != std::string::npos);
    CHECK(reply.find("tradebot_x_total 2\n") != std::string::npos);
}

TEST_CASE("MetricsServer refuses oversized and malformed requests", "[metrics_server]") {
    Fixture f;
    service::MetricsServer server("127.0.0.1:0", f.handlers());
    server.start();
    std::string big =
        "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n";
    CHECK(raw_exchange(server.port(), big).rfind("HTTP/1.1 431", 0) == 0);
    std::string body =
        "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'b');
    CHECK(raw_exchange(server.port(), body).rfind("HTTP/1.1 413", 0) == 0);
    CHECK(raw_exchange(server.port(), "NOT HTTP AT ALL\r\n\r\n").rfind("HTTP/1.1 400", 0) == 0);
    // Still serving.
    CHECK(http_get(server.port(), "/healthz").status == 200);
}

TEST_CASE("MetricsServer reports a port already in use", "[metrics_server]") {
    Fixture f;
    service::MetricsServer first("127.0.0.1:0", f.handlers());
    first.start();
    service::MetricsServer second("127.0.0.1:" + std::to_string(first.port()), f.handlers());
    try {
        second.start();
        FAIL("second start() should throw");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find("metrics: cannot listen on 127.0.0.1:") == 0);
    }
}
