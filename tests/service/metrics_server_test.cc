// MetricsServer over real TCP on 127.0.0.1: routes, status codes, HEAD, keep-alive, limits.
#include "service/metrics_server.h"

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

namespace {

using tcp = boost::asio::ip::tcp;

// A client connection that sends nothing (or what the test says) and can tell whether the server
// has closed it.
class RawClient {
public:
    RawClient(boost::asio::io_context& ioc, std::uint16_t port) : socket_(ioc) {
        socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    }
    void send(const std::string& bytes) {
        boost::system::error_code ec;
        boost::asio::write(socket_, boost::asio::buffer(bytes), ec);
    }
    // Waits up to `within` for the server to close the connection; true once it has.
    bool closed_by_server(std::chrono::milliseconds within) {
        socket_.non_blocking(true);
        const auto deadline = std::chrono::steady_clock::now() + within;
        for (;;) {
            char c;
            boost::system::error_code ec;
            socket_.read_some(boost::asio::buffer(&c, 1), ec);
            if (ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset) {
                return true;
            }
            if (!ec) continue;  // an answer's bytes: read on
            if (std::chrono::steady_clock::now() >= deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

private:
    tcp::socket socket_;
};

bool eventually(const std::function<bool()>& pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

}  // namespace

TEST_CASE("MetricsServer: hundreds of idle connections leave a fresh client served",
          "[metrics_server]") {
    Fixture f;
    service::MetricsServerOptions o;
    o.max_connections = 32;
    service::MetricsServer server("127.0.0.1:0", f.handlers(), o);
    server.start();
    boost::asio::io_context ioc;
    std::vector<std::unique_ptr<RawClient>> idle;
    for (int i = 0; i < 300; ++i) idle.push_back(std::make_unique<RawClient>(ioc, server.port()));
    REQUIRE(eventually([&] { return server.stats().accepted >= 300; }));
    auto r = http_get(server.port(), "/healthz");
    CHECK(r.status == 200);
    const auto s = server.stats();
    CHECK(s.max_open == 32);
    CHECK(s.open <= 33);  // the cap, and at most one being closed to make room
    CHECK(s.evicted >= 300 - 32);
}

TEST_CASE("MetricsServer: at the cap the oldest idle connection is closed first",
          "[metrics_server]") {
    Fixture f;
    service::MetricsServerOptions o;
    o.max_connections = 3;
    // Long enough that no connection here is closed for slowness: only the cap closes them.
    o.header_timeout = std::chrono::seconds(120);
    o.idle_timeout = std::chrono::seconds(120);
    service::MetricsServer server("127.0.0.1:0", f.handlers(), o);
    server.start();
    boost::asio::io_context ioc;
    auto open_one = [&](std::size_t expect_accepted) {
        auto c = std::make_unique<RawClient>(ioc, server.port());
        REQUIRE(eventually([&] { return server.stats().accepted == expect_accepted; }));
        return c;
    };
    auto a = open_one(1);  // idle
    auto b = open_one(2);  // sending its request, slowly
    b->send("GET /metrics HTTP/1.1\r\n");
    auto c = open_one(3);  // idle, younger than a
    REQUIRE(eventually([&] { return server.stats().open == 3; }));
    auto d = open_one(4);
    CHECK(a->closed_by_server(std::chrono::seconds(30)));
    CHECK_FALSE(b->closed_by_server(std::chrono::milliseconds(0)));
    CHECK_FALSE(c->closed_by_server(std::chrono::milliseconds(0)));
    auto e = open_one(5);
    CHECK(c->closed_by_server(std::chrono::seconds(30)));  // the next oldest idle one
    CHECK_FALSE(b->closed_by_server(std::chrono::milliseconds(0)));
    auto g = open_one(6);
    CHECK(d->closed_by_server(std::chrono::seconds(30)));
    auto h = open_one(7);
    CHECK(e->closed_by_server(std::chrono::seconds(30)));
    // The slow sender is the oldest now, but an idle one still goes before it.
    auto i = open_one(8);
    CHECK(g->closed_by_server(std::chrono::seconds(30)));
    CHECK_FALSE(b->closed_by_server(std::chrono::milliseconds(0)));
    CHECK(server.stats().evicted == 5);
    CHECK(http_get(server.port(), "/healthz").status == 200);
}

TEST_CASE(
    "MetricsServer: a request's header must arrive within its time, an idle connection "
    "within its own",
    "[metrics_server]") {
    Fixture f;
    service::MetricsServerOptions o;
    o.header_timeout = std::chrono::milliseconds(300);
    o.idle_timeout = std::chrono::milliseconds(600);
    service::MetricsServer server("127.0.0.1:0", f.handlers(), o);
    server.start();
    boost::asio::io_context ioc;
    // Slowloris: a byte of header every 50 ms never completes the request: cut off.
    RawClient slow(ioc, server.port());
    const std::string header = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    bool closed = false;
    for (int i = 0; i < 400 && !closed; ++i) {
        slow.send(i == 0 ? header : "a");
        closed = slow.closed_by_server(std::chrono::milliseconds(50));
    }
    CHECK(closed);
    // A connection that says nothing is closed when idle too long; one kept alive after a
    // request likewise.
    RawClient silent(ioc, server.port());
    CHECK(silent.closed_by_server(std::chrono::seconds(30)));
    RawClient kept(ioc, server.port());
    kept.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(kept.closed_by_server(std::chrono::seconds(30)));
    CHECK(server.stats().timeouts >= 3);
    CHECK(server.stats().requests >= 1);
    CHECK(http_get(server.port(), "/healthz").status == 200);
}

TEST_CASE("connection_cap: the options' cap, and a quarter of the descriptors at most",
          "[metrics_server]") {
    CHECK(service::connection_cap(64, 1024) == 64);
    CHECK(service::connection_cap(64, 128) == 32);
    CHECK(service::connection_cap(64, 8) == 4);
    CHECK(service::connection_cap(0, 1024) == 1);
}

TEST_CASE("a route table: exact paths, 404 naming them, handlers see the request",
          "[metrics_server]") {
    std::vector<service::Route> routes = service::metrics_routes({[] { return "m\n"; }, {}});
    routes.push_back({"/echo", [](const service::HttpRequest& r) {
                          service::HttpAnswer a;
                          a.content_type = "text/plain";
                          a.body = r.method + " " + r.path + " " + r.header("x-who");
                          a.headers.emplace_back("X-Extra", "1");
                          return a;
                      }});
    service::HttpRequest req;
    req.method = "GET";
    req.target = "/echo?q=1";
    req.path = "/echo";
    req.headers["x-who"] = "me";
    CHECK(service::answer_request(req, routes).body == "GET /echo me");
    req.path = "/nope";
    const auto missing = service::answer_request(req, routes);
    CHECK(missing.status == 404);
    CHECK(missing.body == "not found; try /metrics, /healthz or /echo\n");
    service::MetricsServer server("127.0.0.1:0", routes);
    server.start();
    std::string reply = raw_exchange(server.port(),
                                     "GET /echo HTTP/1.1\r\nHost: x\r\nX-Who: you\r\n"
                                     "Connection: close\r\n\r\n");
    CHECK(reply.find("X-Extra: 1") != std::string::npos);
    CHECK(reply.find("GET /echo you") != std::string::npos);
}
