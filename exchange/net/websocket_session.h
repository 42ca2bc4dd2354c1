// One WebSocket connection attempt and, once it is up, its read loop: open (connect.h: resolve,
// connect, TLS) -> WebSocket handshake -> read, read, ... Beast answers pings and sends its own
// when the line is quiet (keep-alive), and drops a connection silent for the idle timeout.
//
// The session decides nothing: it reports to its owner (on the executor it was given, which
// must be a strand or a single-threaded context) and the owner decides when to reconnect.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "exchange/net/url.h"

namespace exchange::net {

struct SessionEvents {
    std::function<void()> on_open;                // handshake done
    std::function<void(std::string)> on_message;  // one whole message
    std::function<void(std::string)> on_end;      // why it ended; once, unless close() came first
};

struct SessionOptions {
    std::chrono::milliseconds handshake_timeout{10'000};  // each of connect, TLS, WebSocket
    std::chrono::milliseconds idle_timeout{60'000};       // pings after half of it; drops after all
    std::size_t max_message_bytes = 16 * 1024 * 1024;
};

class WebSocketSession {
public:
    virtual ~WebSocketSession() = default;
    // Starts connecting. Call once.
    virtual void run() = 0;
    // Abrupt close: pending operations end, and no event is reported after it.
    virtual void close() = 0;
};

// A session to `url` asking for `target` ("/stream?streams=..."), run on `executor`. `tls` is
// used for wss:// and must then be set; it must outlive the session.
[[nodiscard]] std::shared_ptr<WebSocketSession> make_websocket_session(
    boost::asio::any_io_executor executor, const Url& url, boost::asio::ssl::context* tls,
    std::string target, SessionOptions options, SessionEvents events);

}  // namespace exchange::net
