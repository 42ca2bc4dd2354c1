#include "service/metrics_server.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "config/endpoint.h"
#include "exchange/fault_burst.h"
#include "service/metrics.h"

namespace service {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = beast::error_code;
using Clock = std::chrono::steady_clock;

constexpr const char* kTextPlain = "text/plain; charset=utf-8";

class Session;

// Counters read by stats() from any thread.
struct Counters {
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> evicted{0};
    std::atomic<std::uint64_t> accept_failures{0};
    std::atomic<std::uint64_t> timeouts{0};
    std::atomic<std::uint64_t> requests{0};
};

// Every open connection and what it is doing, so that the cap can close the right one: the
// oldest idle first (a kept-alive connection waiting for its next request, or a fresh one that
// sent nothing yet), then the oldest still sending its request; never one being answered.
class Registry {
public:
    enum class State { kIdle, kReading, kAnswering };

    std::uint64_t add(const std::shared_ptr<Session>& s) {
        std::lock_guard<std::mutex> lock(mu_);
        const std::uint64_t id = ++next_id_;
        entries_.emplace(id, Entry{s, State::kIdle, Clock::now(), false});
        return id;
    }
    void set(std::uint64_t id, State state) {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = entries_.find(id);
        if (it == entries_.end()) return;
        it->second.state = state;
        it->second.since = Clock::now();
    }
    void remove(std::uint64_t id) {
        std::lock_guard<std::mutex> lock(mu_);
        entries_.erase(id);
    }
    // Connections open and not already being closed.
    std::size_t open() const {
        std::lock_guard<std::mutex> lock(mu_);
        std::size_t n = 0;
        for (const auto& [id, e] : entries_) n += e.closing ? 0 : 1;
        return n;
    }
    std::size_t size() const {
        std::lock_guard<std::mutex> lock(mu_);
        return entries_.size();
    }
    // The connection to close to make room (marked as closing), or null when every one is
    // being answered.
    std::shared_ptr<Session> take_victim() {
        std::lock_guard<std::mutex> lock(mu_);
        for (;;) {
            Entry* best = nullptr;
            for (auto& [id, e] : entries_) {
                if (e.closing || e.state == State::kAnswering) continue;
                const bool better = !best ||
                                    (e.state == State::kIdle && best->state != State::kIdle) ||
                                    (e.state == best->state && e.since < best->since);
                if (better) best = &e;
            }
            if (!best) return nullptr;
            best->closing = true;  // chosen once, whatever follows
            // A session going away on its own is no room to make: try the next one.
            if (std::shared_ptr<Session> s = best->session.lock()) return s;
        }
    }

private:
    struct Entry {
        std::weak_ptr<Session> session;
        State state;
        Clock::time_point since;  // when it entered `state`
        bool closing;
    };
    mutable std::mutex mu_;
    std::uint64_t next_id_ = 0;               // Guarded by mu_
    std::map<std::uint64_t, Entry> entries_;  // Guarded by mu_
};

// What the listener and every session share; lives in MetricsServer::Impl, longer than any of
// them (declared before the io_context that owns their handlers).
struct Shared {
    const std::vector<Route>& routes;
    const MetricsServerOptions& options;
    const std::shared_ptr<spdlog::logger> log;
    Registry registry;
    Counters counters;
    std::size_t configured_cap = 0;  // Constant after start()
    // The cap in force: configured_cap, or less while the process is out of descriptors. Written
    // on the acceptor's strand, read by stats() too.
    std::atomic<std::size_t> cap{0};
};

HttpRequest to_request(const http::request<http::string_body>& req) {
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.path = r.target.substr(0, r.target.find('?'));
    for (const auto& field : req) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(field.value());
    }
    return r;
}

// One HTTP connection: wait for a request, read it, answer it, repeat while keep-alive holds.
// Lives exactly as long as one of its operations is pending (shared_from_this in every handler).
class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket&& socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) {}
    ~Session() { shared_.registry.remove(id_); }

    void run() {
        id_ = shared_.registry.add(shared_from_this());
        // On the connection's strand from the start.
        net::dispatch(stream_.get_executor(),
                      beast::bind_front_handler(&Session::do_wait, shared_from_this()));
    }

    // Closes the connection to make room for another (from any thread): whatever it waits for
    // ends with operation_aborted and the session goes.
    void evict() {
        net::post(stream_.get_executor(), [self = shared_from_this()] {
            error_code ignored;
            self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
            self->stream_.close();
        });
    }

private:
    // Idle: a kept-alive connection waiting for its next request, or a fresh one.
    void do_wait() {
        shared_.registry.set(id_, Registry::State::kIdle);
        if (buffer_.size() > 0) return do_read();  // the next request is here already
        stream_.expires_after(shared_.options.idle_timeout);
        stream_.async_read_some(
            buffer_.prepare(1024),
            beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
    }

    void on_first_bytes(error_code ec, std::size_t n) {
        if (ec == beast::error::timeout) {
            ++shared_.counters.timeouts;  // idle too long: the stream closed the socket
            return;
        }
        if (ec) return;  // the client went (EOF, reset) or the connection was evicted
        buffer_.commit(n);
        do_read();
    }

    // The request's header and body must all arrive within header_timeout of its first byte.
    void do_read() {
        shared_.registry.set(id_, Registry::State::kReading);
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(shared_.options.header_limit));
        parser_->body_limit(shared_.options.body_limit);
        stream_.expires_after(shared_.options.header_timeout);
        http::async_read(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&Session::on_read, shared_from_this()));
    }

    void on_read(error_code ec, std::size_t) {
        if (ec == http::error::end_of_stream) return do_close();  // the client is done
        if (ec == beast::error::timeout) {
            ++shared_.counters.timeouts;  // a slow client: dropped, the socket closed
            return;
        }
        if (ec == net::error::operation_aborted) return;
        if (ec == http::error::header_limit) {
            return refuse(http::status::request_header_fields_too_large, "headers too large\n");
        }
        if (ec == http::error::body_limit) {
            return refuse(http::status::payload_too_large, "request body too large\n");
        }
        if (ec == http::error::partial_message) return fail(ec, "read");  // hung up mid-request
        if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
            // Not HTTP we understand: answer once and hang up.
            return refuse(http::status::bad_request, "bad request\n");
        }
        if (ec) return fail(ec, "read");

        const auto& req = parser_->get();
        HttpAnswer a = answer_request(to_request(req), shared_.routes);
        response_ = {};
        response_.version(req.version());
        response_.result(a.status);
        response_.set(http::field::server, "tradebotd/" TRADEBOT_VERSION);
        response_.set(http::field::content_type, a.content_type);
        response_.set(http::field::cache_control, "no-store");
        for (const auto& [name, value] : a.headers) response_.set(name, value);
        response_.keep_alive(req.keep_alive());
        if (req.method() == http::verb::head) {
            response_.content_length(a.body.size());
        } else {
            response_.body() = std::move(a.body);
            response_.prepare_payload();
        }
        do_write();
    }

    void refuse(http::status status, std::string body) {
        response_ = {};
        response_.version(11);
        response_.result(status);
        response_.set(http::field::server, "tradebotd/" TRADEBOT_VERSION);
        response_.set(http::field::content_type, kTextPlain);
        response_.keep_alive(false);
        response_.body() = std::move(body);
        response_.prepare_payload();
        do_write();
    }

    void do_write() {
        shared_.registry.set(id_, Registry::State::kAnswering);
        ++shared_.counters.requests;
        stream_.expires_after(shared_.options.write_timeout);
        http::async_write(stream_, response_,
                          beast::bind_front_handler(&Session::on_write, shared_from_this(),
                                                    response_.keep_alive()));
    }

    void on_write(bool keep_alive, error_code ec, std::size_t) {
        if (ec == beast::error::timeout) {
            ++shared_.counters.timeouts;  // a client that does not read its answer
            return;
        }
        if (ec == net::error::operation_aborted) return;
        if (ec) return fail(ec, "write");
        if (!keep_alive) return do_close();
        do_wait();
    }

    void do_close() {
        error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        // Nothing more to do: the session ends when this handler returns.
    }

    void fail(error_code ec, const char* what) {
        shared_.log->debug("metrics: {}: {}", what, ec.message());
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> response_;
    Shared& shared_;
    std::uint64_t id_ = 0;
};

// Out of descriptors or memory: retrying at once would only fail again.
bool out_of_resources(const error_code& ec) {
    return ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
           ec == net::error::no_memory || ec == boost::system::errc::too_many_files_open_in_system;
}

// Accepts connections and gives each its own strand; keeps the cap and backs off on failures.
class Listener : public std::enable_shared_from_this<Listener> {
public:
    Listener(net::io_context& ioc, const tcp::endpoint& endpoint, Shared& shared)
        : ioc_(ioc),
          acceptor_(net::make_strand(ioc)),
          shared_(shared),
          retry_(acceptor_.get_executor()),
          burst_timer_(acceptor_.get_executor()),
          backoff_(shared.options.accept_backoff_initial) {
        error_code ec;
        acceptor_.open(endpoint.protocol(), ec);
        if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
        if (!ec) acceptor_.bind(endpoint, ec);
        if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
        if (ec) throw std::system_error(ec);
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

    void run() {
        net::dispatch(acceptor_.get_executor(),
                      beast::bind_front_handler(&Listener::do_accept, shared_from_this()));
    }

    void close() {
        net::post(acceptor_.get_executor(), [self = shared_from_this()] {
            error_code ignored;
            self->acceptor_.close(ignored);
            self->retry_.cancel();
            self->burst_timer_.cancel();
        });
    }

private:
    void do_accept() {
        acceptor_.async_accept(net::make_strand(ioc_),
                               beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
    }

    void on_accept(error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted) return;  // closed: stop accepting
        if (ec && out_of_resources(ec)) return on_out_of_resources(ec);
        if (ec) {
            // A connection that went away before it was taken (ECONNABORTED): take the next.
            shared_.log->debug("metrics: accept: {}", ec.message());
            return do_accept();
        }
        backoff_ = shared_.options.accept_backoff_initial;
        if (shared_.registry.open() >= shared_.cap && !make_room()) {
            // Every connection is being answered: this one waits for nothing, it is closed.
            error_code ignored;
            socket.close(ignored);
            ++shared_.counters.evicted;
            return do_accept();
        }
        ++shared_.counters.accepted;
        std::make_shared<Session>(std::move(socket), shared_)->run();
        do_accept();
    }

    // Closes the oldest idle (else slow) connection; false when there is none to close.
    bool make_room() {
        std::shared_ptr<Session> victim = shared_.registry.take_victim();
        if (!victim) return false;
        victim->evict();
        ++shared_.counters.evicted;
        return true;
    }

    void on_out_of_resources(const error_code& ec) {
        ++shared_.counters.accept_failures;
        const auto now = Clock::now();
        const std::string why = ec.message();
        // Hold fewer connections until the burst is over: the descriptors are the daemon's too.
        const std::size_t open = shared_.registry.open();
        shared_.cap =
            std::max<std::size_t>(1, std::min(shared_.cap.load(), open > 1 ? open - 1 : 1));
        switch (burst_.note(now, why)) {
            case exchange::FaultBurst::Say::kBegins:
                shared_.log->warn(
                    "metrics: accept: {} ({} connections open); holding at most {} until it "
                    "passes, closing the oldest idle ones; further failures of this burst are "
                    "counted",
                    why, open, shared_.cap.load());
                break;
            case exchange::FaultBurst::Say::kReminder:
                shared_.log->warn("metrics: accept still failing: {} failures in {} s ({})",
                                  burst_.in_burst(), burst_.lasting(now).count() / 1000, why);
                break;
            case exchange::FaultBurst::Say::kNothing:
                break;
        }
        watch_burst();
        // Free a descriptor for the client waiting in the backlog and take it at once (the close
        // runs first: one thread runs every handler, in order). With none to free, try again a
        // little later rather than spin on the same failure.
        if (make_room()) {
            net::post(acceptor_.get_executor(),
                      beast::bind_front_handler(&Listener::do_accept, shared_from_this()));
            return;
        }
        retry_.expires_after(backoff_);
        backoff_ = std::min(backoff_ * 2, shared_.options.accept_backoff_max);
        retry_.async_wait([self = shared_from_this()](error_code e) {
            if (!e) self->do_accept();
        });
    }

    // Logs the end of a burst of accept failures once it has been quiet for a while.
    void watch_burst() {
        if (burst_timer_armed_) return;
        const auto at = burst_.check_at();
        if (!at) return;
        burst_timer_armed_ = true;
        burst_timer_.expires_at(*at);
        burst_timer_.async_wait([self = shared_from_this()](error_code e) {
            self->burst_timer_armed_ = false;
            if (e) return;
            if (auto ended = self->burst_.ended(Clock::now())) {
                self->shared_.cap = self->shared_.configured_cap;
                self->shared_.log->info(
                    "metrics: accept failures ended: {} in {} s; latest: {}; up to {} "
                    "connections again",
                    ended->count, ended->lasted.count() / 1000, ended->latest,
                    self->shared_.configured_cap);
                return;
            }
            self->watch_burst();
        });
    }

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    Shared& shared_;
    // On the acceptor's strand only.
    net::steady_timer retry_;
    net::steady_timer burst_timer_;
    bool burst_timer_armed_ = false;
    std::chrono::milliseconds backoff_;
    exchange::FaultBurst burst_;
};

std::string not_found_body(const std::vector<Route>& routes) {
    std::string paths;
    for (std::size_t i = 0; i < routes.size(); ++i) {
        if (i > 0) paths += i + 1 == routes.size() ? " or " : ", ";
        paths += routes[i].path;
    }
    return paths.empty() ? "not found\n" : "not found; try " + paths + "\n";
}

}  // namespace

struct MetricsServer::Impl {
    Impl(const std::vector<Route>& routes, const MetricsServerOptions& options,
         std::shared_ptr<spdlog::logger> log)
        : shared{routes, options, std::move(log), {}, {}, 0, {0}} {}
    // Before ioc: the sessions the io_context destroys last still deregister from it.
    Shared shared;
    net::io_context ioc{1};
    std::shared_ptr<Listener> listener;
};

std::size_t connection_cap(std::size_t max_connections, std::uint64_t fd_limit) {
    const std::uint64_t share = std::max<std::uint64_t>(4, fd_limit / 4);
    return static_cast<std::size_t>(
        std::min<std::uint64_t>(std::max<std::size_t>(1, max_connections), share));
}

ListenAddress parse_listen_address(std::string_view listen) {
    std::string why;
    auto a = config::parse_listen(listen, &why);
    if (!a) throw std::invalid_argument(why + ", got '" + std::string(listen) + "'");
    return ListenAddress{a->host, a->port};
}

std::vector<Route> metrics_routes(MetricsHandlers handlers) {
    auto metrics = handlers.metrics;
    auto health = handlers.health;
    return {
        {"/metrics",
         [metrics](const HttpRequest&) {
             HttpAnswer a;
             a.content_type = kMetricsContentType;
             a.body = metrics ? metrics() : std::string();
             return a;
         }},
        {"/healthz",
         [health](const HttpRequest&) {
             Health h = health ? health() : Health{};
             HttpAnswer a;
             a.content_type = kTextPlain;
             a.status = h.ok ? 200 : 503;
             a.body = h.ok ? "ok\n" : "unhealthy: " + h.reason + "\n";
             return a;
         }},
    };
}

HttpAnswer answer_request(const HttpRequest& request, const std::vector<Route>& routes) {
    HttpAnswer a;
    a.content_type = kTextPlain;
    if (request.method != "GET" && request.method != "HEAD") {
        a.status = 405;
        a.body = "method not allowed\n";
        a.headers.emplace_back("Allow", "GET, HEAD");
        return a;
    }
    for (const Route& route : routes) {
        if (route.path != request.path) continue;
        try {
            return route.handler(request);
        } catch (const std::exception& e) {
            a.status = 500;
            a.body = std::string("internal error: ") + e.what() + "\n";
            return a;
        }
    }
    a.status = 404;
    a.body = not_found_body(routes);
    return a;
}

HttpAnswer answer_request(std::string_view method, std::string_view target,
                          const MetricsHandlers& handlers) {
    HttpRequest r;
    r.method = std::string(method);
    r.target = std::string(target);
    r.path = r.target.substr(0, r.target.find('?'));
    return answer_request(r, metrics_routes(handlers));
}

MetricsServer::MetricsServer(std::string listen, MetricsHandlers handlers,
                             MetricsServerOptions options, std::shared_ptr<spdlog::logger> log)
    : MetricsServer(std::move(listen), metrics_routes(std::move(handlers)), options,
                    std::move(log)) {}

MetricsServer::MetricsServer(std::string listen, std::vector<Route> routes,
                             MetricsServerOptions options, std::shared_ptr<spdlog::logger> log)
    : listen_(std::move(listen)),
      routes_(std::move(routes)),
      options_(options),
      log_(log ? std::move(log) : spdlog::default_logger()) {}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::start() {
    auto impl = std::make_unique<Impl>(routes_, options_, log_);
    rlimit fds{};
    const std::uint64_t fd_limit =
        ::getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur != RLIM_INFINITY ? fds.rlim_cur
                                                                               : 1u << 20;
    impl->shared.configured_cap = connection_cap(options_.max_connections, fd_limit);
    impl->shared.cap = impl->shared.configured_cap;
    try {
        ListenAddress addr = parse_listen_address(listen_);
        tcp::resolver resolver(impl->ioc);
        auto results =
            resolver.resolve(addr.host, std::to_string(addr.port), tcp::resolver::numeric_service);
        if (results.empty()) throw std::runtime_error("no address");
        impl->listener =
            std::make_shared<Listener>(impl->ioc, results.begin()->endpoint(), impl->shared);
    } catch (const std::exception& e) {
        throw std::runtime_error("metrics: cannot listen on " + listen_ + ": " + e.what());
    }
    port_ = impl->listener->port();
    impl->listener->run();
    impl_ = std::move(impl);
    thread_ = std::thread([ioc = &impl_->ioc, log = log_] {
        // Handlers catch what they throw; anything escaping here is a bug worth a line.
        try {
            ioc->run();
        } catch (const std::exception& e) {
            log->error("metrics: server thread stopped: {}", e.what());
        }
    });
}

void MetricsServer::stop() {
    if (!impl_) return;
    impl_->listener->close();
    impl_->ioc.stop();  // abandons open connections; their sockets close with the io_context
    if (thread_.joinable()) thread_.join();
    impl_.reset();
}

HttpServerStats MetricsServer::stats() const {
    HttpServerStats s;
    if (!impl_) return s;
    const Shared& sh = impl_->shared;
    s.open = sh.registry.size();
    s.max_open = sh.cap;
    s.accepted = sh.counters.accepted.load();
    s.evicted = sh.counters.evicted.load();
    s.accept_failures = sh.counters.accept_failures.load();
    s.timeouts = sh.counters.timeouts.load();
    s.requests = sh.counters.requests.load();
    return s;
}

}  // namespace service
