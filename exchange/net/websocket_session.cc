#include "exchange/net/websocket_session.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <stdexcept>

#include "exchange/net/connect.h"

namespace exchange::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// NextLayer: beast::tcp_stream or ssl::stream<beast::tcp_stream>. Lives as long as an operation
// is pending (shared_from_this in every handler).
template <class NextLayer>
class Session final : public WebSocketSession,
                      public std::enable_shared_from_this<Session<NextLayer>> {
public:
    template <class... Args>
    Session(asio::any_io_executor ex, const Url& url, std::string target, SessionOptions options,
            SessionEvents events, Args&&... next_layer_args)
        : resolver_(ex),
          resolve_timer_(ex),
          ws_(std::forward<Args>(next_layer_args)...),
          url_(url),
          target_(std::move(target)),
          options_(options),
          events_(std::move(events)) {}

    void run() override {
        async_open(ws_.next_layer(), resolver_, resolve_timer_, url_, options_.handshake_timeout,
                   [self = this->shared_from_this()](OpenResult r) {
                       if (self->closed_) return;  // we closed it: nothing more to report
                       if (r.ec) return self->end(r.message());
                       self->do_ws_handshake();
                   });
    }

    void close() override {
        closed_ = true;
        resolver_.cancel();
        resolve_timer_.cancel();
        error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
    }

private:
    void do_ws_handshake() {
        // The WebSocket stream keeps its own timeouts from here on.
        beast::get_lowest_layer(ws_).expires_never();
        websocket::stream_base::timeout t{};
        t.handshake_timeout = options_.handshake_timeout;
        t.idle_timeout = options_.idle_timeout;  // Beast pings once half of it passes quietly
        t.keep_alive_pings = true;
        ws_.set_option(t);
        ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
            req.set(beast::http::field::user_agent, "tradebot/" TRADEBOT_VERSION);
        }));
        ws_.read_message_max(options_.max_message_bytes);
        ws_.async_handshake(
            url_.host_literal() + ":" + url_.port, target_,
            beast::bind_front_handler(&Session::on_ws_handshake, this->shared_from_this()));
    }

    void on_ws_handshake(error_code ec) {
        if (closed_) return;
        if (ec) return end("WebSocket handshake with " + url_.host + ": " + error_text(ec));
        events_.on_open();
        do_read();
    }

    void do_read() {
        ws_.async_read(buffer_,
                       beast::bind_front_handler(&Session::on_read, this->shared_from_this()));
    }

    void on_read(error_code ec, std::size_t) {
        if (closed_) return;  // we closed it: the owner decides what comes next
        if (ec == websocket::error::closed) {
            return end("closed by the server (" + std::string(ws_.reason().reason.c_str()) + ")");
        }
        if (ec) return end("read: " + error_text(ec));
        events_.on_message(beast::buffers_to_string(buffer_.data()));
        buffer_.consume(buffer_.size());
        if (!closed_) do_read();
    }

    void end(std::string why) {
        if (ended_ || closed_) return;
        ended_ = true;
        events_.on_end(std::move(why));
    }

    tcp::resolver resolver_;
    asio::steady_timer resolve_timer_;
    websocket::stream<NextLayer> ws_;
    beast::flat_buffer buffer_;
    const Url url_;
    const std::string target_;
    const SessionOptions options_;
    const SessionEvents events_;
    bool closed_ = false;
    bool ended_ = false;
};

}  // namespace

std::shared_ptr<WebSocketSession> make_websocket_session(asio::any_io_executor executor,
                                                         const Url& url, ssl::context* tls,
                                                         std::string target, SessionOptions options,
                                                         SessionEvents events) {
    if (url.tls) {
        if (!tls) throw std::invalid_argument("wss:// needs a TLS context");
        return std::make_shared<Session<ssl::stream<beast::tcp_stream>>>(
            executor, url, std::move(target), options, std::move(events), executor, *tls);
    }
    return std::make_shared<Session<beast::tcp_stream>>(executor, url, std::move(target), options,
                                                        std::move(events), executor);
}

}  // namespace exchange::net
