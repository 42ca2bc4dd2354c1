// The stream's reconnect policy: a WebSocket connection for a fixed group of streams that keeps
// itself open until shut down.
//
//   - a drop (closed by the server, a read or handshake error) reconnects after a backoff that
//     doubles per failure in a row, with jitter;
//   - silence: no message for silence_timeout reconnects at once (a connection that was open) or
//     after the backoff (an attempt stuck before any timeout applies, such as DNS);
//   - age: a connection is renewed before Binance's 24 h limit;
//   - the server asking (serverShutdown) reconnects at once;
//   - a connection that delivers a message is healthy again: the backoff starts over.
#pragma once

#include <spdlog/logger.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "exchange/net/url.h"
#include "exchange/net/websocket_session.h"

namespace exchange::net {

// Exponential backoff with jitter: `initial` doubled per failure so far, at most `max`, each
// delay drawn uniformly from [half, all] of that so that many clients dropped at once do not
// all come back at once. Not thread-safe (the stream uses it on its strand).
class Backoff {
public:
    Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max);
    [[nodiscard]] std::chrono::milliseconds delay(int failures);

private:
    // Constant after construction
    const std::chrono::milliseconds initial_;
    const std::chrono::milliseconds max_;

    std::mt19937_64 rng_{std::random_device{}()};
};

struct ReconnectOptions {
    SessionOptions session;
    std::chrono::milliseconds silence_timeout{60'000};
    std::chrono::milliseconds max_connection_age{std::chrono::hours(23)};
};

// What the connection tells its owner, on the executor.
struct ConnectionEvents {
    std::function<void(bool again)> on_open;  // up; `again`: it had been up before
    std::function<void()> on_down;            // an open connection went down (or was shut)
    // A message; true when it asks for a reconnect now (serverShutdown).
    std::function<bool(const std::string&)> on_message;
    std::function<void(const std::string& why)> on_trouble;  // a drop or silence, and why
};

class ReconnectingConnection : public std::enable_shared_from_this<ReconnectingConnection> {
public:
    // `executor` must be a strand (or a single-threaded context); `tls` (for wss://) and
    // `backoff` outlive the connection. `streams` is the number of streams, for the log.
    ReconnectingConnection(boost::asio::any_io_executor executor, Url url,
                           boost::asio::ssl::context* tls, std::string target, std::size_t streams,
                           ReconnectOptions options, Backoff& backoff, ConnectionEvents events,
                           std::shared_ptr<spdlog::logger> log);

    void start();
    // Closes for good: no event after it. On the executor.
    void shutdown();

private:
    void open_session();
    void on_open(int id);
    void on_message(int id, const std::string& text);
    void on_end(int id, const std::string& why);
    // Drops the current session (if still up) and opens a new one after `delay`.
    void reopen(std::chrono::milliseconds delay, bool session_ended = false);
    void arm_watchdog();
    void went_down();

    // Constant after construction
    const boost::asio::any_io_executor executor_;
    const Url url_;
    boost::asio::ssl::context* const tls_;
    const std::string target_;
    const std::size_t streams_;
    const ReconnectOptions options_;
    Backoff& backoff_;
    const ConnectionEvents events_;
    const std::shared_ptr<spdlog::logger> log_;

    // On the executor only.
    boost::asio::steady_timer retry_timer_;
    boost::asio::steady_timer watchdog_;
    boost::asio::steady_timer age_timer_;
    std::shared_ptr<WebSocketSession> session_;
    int session_id_ = 0;  // events of an older session are ignored
    int failures_ = 0;    // in a row, for the backoff
    bool open_ = false;
    bool ever_opened_ = false;
    bool shut_down_ = false;
    std::chrono::steady_clock::time_point last_activity_{};
};

}  // namespace exchange::net
