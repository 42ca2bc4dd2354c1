// service::MetricsServer — the HTTP endpoint behind `metrics.listen` (Boost.Beast, after the Beast
// http_server_async example), serving a small route table:
//
//   GET /metrics   200, Prometheus text exposition (service/metrics.h)
//   GET /healthz   200 "ok", or 503 "unhealthy: <reason>" (service/watchdog.h assess_health)
//   any other path 404; a method other than GET/HEAD 405
//
// More routes are added by handing the server a longer table (metrics_routes() plus one's own).
//
// It runs on its own io_context thread, so a slow scraper never touches a bot thread; the route
// handlers are called on that thread and must be thread-safe (they read atomics and snapshots).
// Each connection runs on its own strand. Failures on one connection are logged at debug level
// and close it.
//
// Hostile clients are bounded, so that /healthz still answers a fresh client and the daemon's own
// database and exchange sockets never starve for file descriptors:
//   - at most max_connections open at once, and never more than a quarter of the process's
//     file-descriptor limit; at the cap, a new connection makes room by closing the oldest idle
//     one (then the oldest still sending its request);
//   - a request's header (and its small body) must arrive within header_timeout of its first
//     byte, and be at most header_limit (431) / body_limit (413) bytes;
//   - a kept-alive connection may wait idle_timeout for its next request; an answer must be
//     taken within write_timeout;
//   - accept() failures (out of file descriptors, ...) close the oldest idle connection to free
//     one, back off (10 ms doubling to 1 s) instead of spinning, and are logged once per burst:
//     when it begins, every minute while it lasts, and when it ends.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "service/watchdog.h"

namespace spdlog {
class logger;
}

namespace service {

// One request as a route handler sees it (transport-independent).
struct HttpRequest {
    std::string method;                          // "GET", "HEAD"
    std::string target;                          // "/metrics?x=1"
    std::string path;                            // "/metrics"
    std::map<std::string, std::string> headers;  // names in lower case

    // The header's value, or "" when absent. `name` in lower case.
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

// The answer to one request.
struct HttpAnswer {
    unsigned status = 200;
    std::string content_type;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
};

// A path (matched exactly, without the query) and what answers GET and HEAD on it.
struct Route {
    std::string path;
    std::function<HttpAnswer(const HttpRequest&)> handler;
};

struct MetricsHandlers {
    std::function<std::string()> metrics;  // the /metrics body
    std::function<Health()> health;        // the /healthz answer
};

// /metrics and /healthz, answered by `handlers`.
std::vector<Route> metrics_routes(MetricsHandlers handlers);

struct MetricsServerOptions {
    std::chrono::milliseconds header_timeout{5000};  // first byte to the end of the request
    std::chrono::milliseconds idle_timeout{30000};   // waiting for the next request
    std::chrono::milliseconds write_timeout{10000};  // an answer must be taken by then
    std::size_t header_limit = 8 * 1024;
    std::size_t body_limit = 1024;  // GET carries no body; anything larger is refused (413)
    std::size_t max_connections = 64;
    std::chrono::milliseconds accept_backoff_initial{10};
    std::chrono::milliseconds accept_backoff_max{1000};
};

// What the server has seen, for tests and diagnostics.
struct HttpServerStats {
    std::size_t open = 0;               // connections open now
    std::size_t max_open = 0;           // the cap in force (options and the fd limit)
    std::uint64_t accepted = 0;         // connections accepted
    std::uint64_t evicted = 0;          // closed to make room (the cap, or out of descriptors)
    std::uint64_t accept_failures = 0;  // accept() errors (EMFILE, ...)
    std::uint64_t timeouts = 0;         // closed for a slow or silent client
    std::uint64_t requests = 0;         // requests answered (any status)
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
    MetricsServer(std::string listen, std::vector<Route> routes, MetricsServerOptions options = {},
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
    // Thread-safe between start() and stop(); zeros before start().
    HttpServerStats stats() const;

private:
    struct Impl;

    // Constant after construction
    const std::string listen_;
    const std::vector<Route> routes_;
    const MetricsServerOptions options_;
    const std::shared_ptr<spdlog::logger> log_;

    // Used from the owner's thread only (start/stop).
    std::unique_ptr<Impl> impl_;
    std::thread thread_;
    std::uint16_t port_ = 0;
};

// The answer to one request from a route table, independent of the transport: 405 for a method
// other than GET or HEAD, 404 naming the paths there are, 500 when a handler throws.
HttpAnswer answer_request(const HttpRequest& request, const std::vector<Route>& routes);
// The same for /metrics and /healthz (tests).
HttpAnswer answer_request(std::string_view method, std::string_view target,
                          const MetricsHandlers& handlers);

// The connections a process may give the server: options' cap, and at most a quarter of the
// file-descriptor limit `fd_limit` (at least 4), so the rest of the daemon keeps its share.
std::size_t connection_cap(std::size_t max_connections, std::uint64_t fd_limit);

}  // namespace service
