// service::MetricsServer — the HTTP endpoint behind `metrics.listen` (Boost.Beast, after the Beast
// http_server_async example).
//
//   GET /metrics   200, Prometheus text exposition (service/metrics.h)
//   GET /healthz   200 "ok", or 503 "unhealthy: <reason>" (service/watchdog.h assess_health)
//   anything else  404; a method other than GET/HEAD 405
//
// It runs on its own io_context thread, so a slow scraper never touches a bot thread; the two
// handlers are called on that thread and must be thread-safe (they read atomics and snapshots).
// Each connection runs on its own strand. Requests are bounded (8 KiB of headers, no body) and
// every read and write has a deadline, so an idle or slow client is dropped rather than held.
// Keep-alive is honoured. Failures on one connection are logged at debug level and close it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "service/watchdog.h"

namespace spdlog {
class logger;
}

namespace service {

struct MetricsHandlers {
    std::function<std::string()> metrics;  // the /metrics body
    std::function<Health()> health;        // the /healthz answer
};

struct MetricsServerOptions {
    std::chrono::milliseconds timeout{10000};  // per read or write
    std::size_t header_limit = 8 * 1024;
    std::size_t body_limit = 1024;  // GET carries no body; anything larger is refused (413)
};

// "127.0.0.1:9464", "localhost:9464", "[::1]:9464" -> host and port (config::parse_listen, the
// parser the config validates metrics.listen with). Throws std::invalid_argument.
struct ListenAddress {
    std::string host;  // without brackets
    std::uint16_t port = 0;
};
ListenAddress parse_listen_address(std::string_view listen);

class MetricsServer {
public:
    MetricsServer(std::string listen, MetricsHandlers handlers, MetricsServerOptions options = {},
                  std::shared_ptr<spdlog::logger> log = nullptr);
    ~MetricsServer();  // stop()
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    // Binds and starts serving on its thread. Throws std::runtime_error naming the address and
    // the cause (address in use, cannot resolve). Call once.
    void start();
    // Closes the listener and every connection and joins the thread. Idempotent.
    void stop();

    // The bound port (useful when `listen` asked for port 0); 0 before start().
    std::uint16_t port() const { return port_; }

private:
    struct Impl;

    // Constant after construction
    const std::string listen_;
    const MetricsHandlers handlers_;
    const MetricsServerOptions options_;
    const std::shared_ptr<spdlog::logger> log_;

    // Used from the owner's thread only (start/stop).
    std::unique_ptr<Impl> impl_;
    std::thread thread_;
    std::uint16_t port_ = 0;
};

// The HTTP answer for one request target, independent of the transport (exposed for tests).
struct HttpAnswer {
    unsigned status = 200;
    std::string content_type;
    std::string body;
};
HttpAnswer answer_request(std::string_view method, std::string_view target,
                          const MetricsHandlers& handlers);

}  // namespace service
