#include "exchange/binance/http_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <type_traits>

namespace exchange::binance {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr std::uint64_t kBodyLimit = 32 * 1024 * 1024;  // a full exchangeInfo is ~20 MB

bool is_ip_literal(const std::string& host) {
    error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

template <class Stream>
constexpr bool kIsTls = !std::is_same_v<Stream, beast::tcp_stream>;

// One request on one connection: resolve -> connect -> [handshake] -> write -> read.
// Lives as long as an operation is pending (shared_from_this in every handler).
template <class Stream>
class HttpOperation : public std::enable_shared_from_this<HttpOperation<Stream>> {
public:
    template <class... StreamArgs>
    HttpOperation(asio::any_io_executor ex, const Url& base, std::chrono::milliseconds timeout,
                  const HttpRequest& req, HttpHandler handler, StreamArgs&&... args)
        : resolver_(ex),
          resolve_timer_(ex),
          stream_(std::forward<StreamArgs>(args)...),
          base_(base),
          timeout_(timeout),
          handler_(std::move(handler)) {
        http::verb verb = http::string_to_verb(req.method);
        request_ = {verb == http::verb::unknown ? http::verb::get : verb,
                    base.base_path + req.target, 11};
        request_.set(http::field::host, base.host);
        request_.set(http::field::user_agent, "tradebot/" TRADEBOT_VERSION);
        for (const auto& [k, v] : req.headers) request_.set(k, v);
        request_.prepare_payload();
        parser_.body_limit(kBodyLimit);
    }

    void run() { do_resolve(); }

private:
    beast::tcp_stream& tcp() {
        if constexpr (kIsTls<Stream>) {
            return beast::get_lowest_layer(stream_);
        } else {
            return stream_;
        }
    }

    void do_resolve() {
        // The resolver has no deadline of its own: a timer cancels it.
        resolve_timer_.expires_after(timeout_);
        resolve_timer_.async_wait([self = this->shared_from_this()](error_code ec) {
            if (!ec) {
                self->resolve_timed_out_ = true;
                self->resolver_.cancel();
            }
        });
        resolver_.async_resolve(
            base_.host, base_.port,
            beast::bind_front_handler(&HttpOperation::on_resolve, this->shared_from_this()));
    }

    void on_resolve(error_code ec, tcp::resolver::results_type results) {
        resolve_timer_.cancel();
        if (resolve_timed_out_) return fail(asio::error::timed_out, "resolve " + base_.host, false);
        if (ec) return fail(ec, "resolve " + base_.host, false);
        tcp().expires_after(timeout_);
        tcp().async_connect(results, beast::bind_front_handler(&HttpOperation::on_connect,
                                                               this->shared_from_this()));
    }

    void on_connect(error_code ec, const tcp::endpoint&) {
        if (ec) return fail(ec, "connect " + base_.host + ":" + base_.port, false);
        if constexpr (kIsTls<Stream>) {
            // SNI (never for an IP literal) and verification of the name in the certificate.
            if (!is_ip_literal(base_.host) &&
                !SSL_set_tlsext_host_name(stream_.native_handle(), base_.host.c_str())) {
                error_code sni{static_cast<int>(::ERR_get_error()),
                               asio::error::get_ssl_category()};
                return fail(sni, "TLS SNI " + base_.host, false);
            }
            stream_.set_verify_callback(ssl::host_name_verification(base_.host));
            tcp().expires_after(timeout_);
            stream_.async_handshake(
                ssl::stream_base::client,
                beast::bind_front_handler(&HttpOperation::on_handshake, this->shared_from_this()));
        } else {
            do_write();
        }
    }

    void on_handshake(error_code ec) {
        if (ec) return fail(ec, "TLS handshake with " + base_.host, false);
        do_write();
    }

    void do_write() {
        tcp().expires_after(timeout_);
        http::async_write(
            stream_, request_,
            beast::bind_front_handler(&HttpOperation::on_write, this->shared_from_this()));
    }

    void on_write(error_code ec, std::size_t) {
        if (ec) return fail(ec, "write " + std::string(request_.method_string()), true);
        tcp().expires_after(timeout_);
        http::async_read(
            stream_, buffer_, parser_,
            beast::bind_front_handler(&HttpOperation::on_read, this->shared_from_this()));
    }

    void on_read(error_code ec, std::size_t) {
        if (ec) return fail(ec, "read response", true);
        auto& res = parser_.get();
        HttpResponse out;
        out.status = static_cast<int>(res.result_int());
        out.body = std::move(res.body());
        if (auto it = res.find(http::field::retry_after); it != res.end()) {
            try {
                out.retry_after_s = std::stoi(std::string(it->value()));
            } catch (const std::exception&) {
                // An HTTP-date or garbage: fall back to our own backoff.
            }
        }
        HttpOutcome outcome;
        outcome.response = std::move(out);
        outcome.request_sent = true;
        // Connection: close semantics; a failed shutdown changes nothing for the caller.
        error_code ignored;
        tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
        finish(std::move(outcome));
    }

    void fail(error_code ec, const std::string& what, bool sent) {
        HttpOutcome outcome;
        outcome.timed_out = ec == beast::error::timeout || ec == asio::error::timed_out;
        outcome.error = what + ": " + (outcome.timed_out ? std::string("timed out") : ec.message());
        outcome.request_sent = sent;
        finish(std::move(outcome));
    }

    void finish(HttpOutcome outcome) {
        if (!handler_) return;
        auto h = std::move(handler_);
        handler_ = nullptr;
        h(std::move(outcome));
    }

    tcp::resolver resolver_;
    asio::steady_timer resolve_timer_;
    bool resolve_timed_out_ = false;
    Stream stream_;
    Url base_;
    std::chrono::milliseconds timeout_;
    HttpHandler handler_;
    http::request<http::empty_body> request_;
    beast::flat_buffer buffer_;
    http::response_parser<http::string_body> parser_;
};

}  // namespace

HttpClient::HttpClient(Url base, std::shared_ptr<ssl::context> tls,
                       std::chrono::milliseconds timeout)
    : base_(std::move(base)), tls_(std::move(tls)), timeout_(timeout) {}

void HttpClient::async_request(asio::any_io_executor ex, const HttpRequest& req,
                               HttpHandler handler) const {
    if (base_.tls) {
        if (!tls_) {
            HttpOutcome o;
            o.error = "https:// needs a TLS context";
            asio::post(ex,
                       [h = std::move(handler), o = std::move(o)]() mutable { h(std::move(o)); });
            return;
        }
        using Tls = ssl::stream<beast::tcp_stream>;
        std::make_shared<HttpOperation<Tls>>(ex, base_, timeout_, req, std::move(handler), ex,
                                             *tls_)
            ->run();
    } else {
        std::make_shared<HttpOperation<beast::tcp_stream>>(ex, base_, timeout_, req,
                                                           std::move(handler), ex)
            ->run();
    }
}

HttpOutcome HttpClient::request(const HttpRequest& req, const CancelCheck& cancelled) const {
    asio::io_context ioc;
    HttpOutcome result;
    bool done = false;
    async_request(ioc.get_executor(), req, [&result, &done](HttpOutcome o) {
        result = std::move(o);
        done = true;
    });
    if (!cancelled) {
        ioc.run();
        return result;
    }
    // Run in slices so the caller's cancel check is asked between them. Leaving with the
    // operation pending is safe: destroying ioc destroys its handlers (and with them the
    // operation and its socket) without running them.
    while (!done && !ioc.stopped()) {
        if (cancelled()) {
            HttpOutcome out;
            out.error = req.method + " " + req.target + ": cancelled";
            out.cancelled = true;
            out.request_sent = true;  // cannot tell: assume the worst
            return out;
        }
        ioc.run_for(std::chrono::milliseconds(100));
    }
    return result;
}

}  // namespace exchange::binance
