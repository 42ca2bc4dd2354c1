#include "exchange/net/http_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "exchange/net/connect.h"

namespace exchange::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr std::uint64_t kBodyLimit = 32 * 1024 * 1024;  // a full exchangeInfo is ~20 MB

// One request on one connection: open (connect.h) -> write -> read.
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
        request_.set(http::field::host, base.host_literal());
        request_.set(http::field::user_agent, "tradebot/" TRADEBOT_VERSION);
        for (const auto& [k, v] : req.headers) request_.set(k, v);
        request_.prepare_payload();
        parser_.body_limit(kBodyLimit);
    }

    void run() { do_open(); }

private:
    beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

    void do_open() {
        async_open(stream_, resolver_, resolve_timer_, base_, timeout_,
                   [self = this->shared_from_this()](OpenResult r) {
                       if (r.ec) return self->fail(r, false);
                       self->do_write();
                   });
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
        const bool timed_out = ec == beast::error::timeout || ec == asio::error::timed_out;
        fail(OpenResult{ec, what, timed_out}, sent);
    }

    void fail(const OpenResult& r, bool sent) {
        HttpOutcome outcome;
        outcome.timed_out = r.timed_out;
        outcome.error = r.message();
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

}  // namespace exchange::net
