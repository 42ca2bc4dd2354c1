#include "service/metrics_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <optional>
#include <stdexcept>

#include "config/endpoint.h"
#include "service/metrics.h"

namespace service {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = beast::error_code;

constexpr const char* kTextPlain = "text/plain; charset=utf-8";

// One HTTP connection: read a request, answer it, repeat while keep-alive holds. Lives exactly
// as long as one of its operations is pending (shared_from_this in every handler).
class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket&& socket, const MetricsHandlers& handlers,
            const MetricsServerOptions& options, std::shared_ptr<spdlog::logger> log)
        : stream_(std::move(socket)),
          handlers_(handlers),
          options_(options),
          log_(std::move(log)) {}

    void run() {
        // On the connection's strand from the start.
        net::dispatch(stream_.get_executor(),
                      beast::bind_front_handler(&Session::do_read, shared_from_this()));
    }

private:
    void do_read() {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(options_.header_limit));
        parser_->body_limit(options_.body_limit);
        stream_.expires_after(options_.timeout);
        http::async_read(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&Session::on_read, shared_from_this()));
    }

    void on_read(error_code ec, std::size_t) {
        if (ec == http::error::end_of_stream) return do_close();  // the client is done
        if (ec == beast::error::timeout || ec == net::error::operation_aborted) return;
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
        HttpAnswer a = answer_request(req.method_string(), req.target(), handlers_);
        response_ = {};
        response_.version(req.version());
        response_.result(a.status);
        response_.set(http::field::server, "tradebotd/" TRADEBOT_VERSION);
        response_.set(http::field::content_type, a.content_type);
        response_.set(http::field::cache_control, "no-store");
        if (a.status == 405) response_.set(http::field::allow, "GET, HEAD");
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
        stream_.expires_after(options_.timeout);
        http::async_write(stream_, response_,
                          beast::bind_front_handler(&Session::on_write, shared_from_this(),
                                                    response_.keep_alive()));
    }

    void on_write(bool keep_alive, error_code ec, std::size_t) {
        if (ec == net::error::operation_aborted) return;
        if (ec) return fail(ec, "write");
        if (!keep_alive) return do_close();
        do_read();
    }

    void do_close() {
        error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        // Nothing more to do: the session ends when this handler returns.
    }

    void fail(error_code ec, const char* what) {
        log_->debug("metrics: {}: {}", what, ec.message());
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> response_;
    const MetricsHandlers& handlers_;
    const MetricsServerOptions& options_;
    const std::shared_ptr<spdlog::logger> log_;
};

// Accepts connections and gives each its own strand.
class Listener : public std::enable_shared_from_this<Listener> {
public:
    Listener(net::io_context& ioc, const tcp::endpoint& endpoint, const MetricsHandlers& handlers,
             const MetricsServerOptions& options, std::shared_ptr<spdlog::logger> log)
        : ioc_(ioc),
          acceptor_(net::make_strand(ioc)),
          handlers_(handlers),
          options_(options),
          log_(std::move(log)) {
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
        });
    }

private:
    void do_accept() {
        acceptor_.async_accept(net::make_strand(ioc_),
                               beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
    }

    void on_accept(error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted) return;  // closed: stop accepting
        if (ec) {
            // Out of descriptors and the like: drop this one, keep listening.
            log_->warn("metrics: accept: {}", ec.message());
        } else {
            std::make_shared<Session>(std::move(socket), handlers_, options_, log_)->run();
        }
        do_accept();
    }

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    const MetricsHandlers& handlers_;
    const MetricsServerOptions& options_;
    const std::shared_ptr<spdlog::logger> log_;
};

}  // namespace

struct MetricsServer::Impl {
    net::io_context ioc{1};
    std::shared_ptr<Listener> listener;
};

ListenAddress parse_listen_address(std::string_view listen) {
    std::string why;
    auto a = config::parse_listen(listen, &why);
    if (!a) throw std::invalid_argument(why + ", got '" + std::string(listen) + "'");
    return ListenAddress{a->host, a->port};
}

HttpAnswer answer_request(std::string_view method, std::string_view target,
                          const MetricsHandlers& handlers) {
    HttpAnswer a;
    a.content_type = kTextPlain;
    if (method != "GET" && method != "HEAD") {
        a.status = 405;
        a.body = "method not allowed\n";
        return a;
    }
    std::string_view path = target.substr(0, target.find('?'));
    try {
        if (path == "/metrics") {
            a.content_type = kMetricsContentType;
            a.body = handlers.metrics ? handlers.metrics() : std::string();
        } else if (path == "/healthz") {
            Health h = handlers.health ? handlers.health() : Health{};
            a.status = h.ok ? 200 : 503;
            a.body = h.ok ? "ok\n" : "unhealthy: " + h.reason + "\n";
        } else {
            a.status = 404;
            a.body = "not found; try /metrics or /healthz\n";
        }
    } catch (const std::exception& e) {
        a.status = 500;
        a.content_type = kTextPlain;
        a.body = std::string("internal error: ") + e.what() + "\n";
    }
    return a;
}

MetricsServer::MetricsServer(std::string listen, MetricsHandlers handlers,
                             MetricsServerOptions options, std::shared_ptr<spdlog::logger> log)
    : listen_(std::move(listen)),
      handlers_(std::move(handlers)),
      options_(options),
      log_(log ? std::move(log) : spdlog::default_logger()) {}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::start() {
    auto impl = std::make_unique<Impl>();
    try {
        ListenAddress addr = parse_listen_address(listen_);
        tcp::resolver resolver(impl->ioc);
        auto results =
            resolver.resolve(addr.host, std::to_string(addr.port), tcp::resolver::numeric_service);
        if (results.empty()) throw std::runtime_error("no address");
        impl->listener = std::make_shared<Listener>(impl->ioc, results.begin()->endpoint(),
                                                    handlers_, options_, log_);
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

}  // namespace service
