// Opening a connection to an exchange endpoint, shared by the HTTP client and the WebSocket
// session: resolve -> TCP connect -> [TLS handshake with SNI and host-name verification], each
// step with a deadline. What comes after (an HTTP request, a WebSocket handshake) is theirs.
#pragma once

#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "exchange/net/tls.h"
#include "exchange/net/url.h"

namespace exchange::net {

// How opening ended: `ec` empty when the connection is up, else the step that failed.
struct OpenResult {
    boost::system::error_code ec;
    std::string
        step;  // "resolve HOST", "connect HOST:PORT", "TLS SNI HOST", "TLS handshake with HOST"
    bool timed_out = false;

    // "connect 127.0.0.1:443: Connection refused"; a timeout reads "...: timed out".
    std::string message() const { return step + ": " + (timed_out ? "timed out" : error_text(ec)); }
};

// Opens `stream` (a beast::tcp_stream, or an ssl::stream over one) to `url`. The resolver has no
// deadline of its own, so `resolve_timer` cancels it after `timeout`; connect and handshake run
// under the stream's own expiry. `stream`, `resolver` and `resolve_timer` must live until `done`
// runs: make them members of the object that `done` keeps alive. `done(OpenResult)` runs exactly
// once, on the stream's executor; if the caller cancels the resolver or closes the socket, it
// runs with operation_aborted.
template <class Stream, class Done>
void async_open(Stream& stream, boost::asio::ip::tcp::resolver& resolver,
                boost::asio::steady_timer& resolve_timer, const Url& url,
                std::chrono::milliseconds timeout, Done done) {
    namespace asio = boost::asio;
    namespace beast = boost::beast;
    using error_code = boost::system::error_code;
    using tcp = asio::ip::tcp;
    constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

    // Both handlers run on the same executor, one at a time. Once the resolve is over the owner
    // (and with it `resolver`) may be gone, so a late timer must not touch it.
    struct ResolveState {
        bool expired = false;
        bool finished = false;
    };
    auto state = std::make_shared<ResolveState>();
    resolve_timer.expires_after(timeout);
    resolve_timer.async_wait([state, &resolver](error_code ec) {
        if (ec || state->finished) return;
        state->expired = true;
        resolver.cancel();
    });
    auto fail = [](Done& d, error_code ec, std::string step) {
        const bool timed_out = ec == beast::error::timeout || ec == asio::error::timed_out;
        d(OpenResult{ec, std::move(step), timed_out});
    };
    resolver.async_resolve(
        url.host, url.port,
        [&stream, &resolve_timer, url, timeout, state, fail, done = std::move(done)](
            error_code ec, tcp::resolver::results_type results) mutable {
            state->finished = true;
            resolve_timer.cancel();
            if (state->expired) ec = asio::error::timed_out;
            if (ec) return fail(done, ec, "resolve " + url.host);
            beast::get_lowest_layer(stream).expires_after(timeout);
            beast::get_lowest_layer(stream).async_connect(
                results, [&stream, url, timeout, fail, done = std::move(done)](
                             error_code ec, const tcp::endpoint&) mutable {
                    if (ec) return fail(done, ec, "connect " + url.host_literal() + ":" + url.port);
                    if constexpr (kTls) {
                        if (error_code sni = prepare_client_tls(stream, url.host)) {
                            return fail(done, sni, "TLS SNI " + url.host);
                        }
                        beast::get_lowest_layer(stream).expires_after(timeout);
                        stream.async_handshake(
                            asio::ssl::stream_base::client,
                            [url, fail, done = std::move(done)](error_code ec) mutable {
                                if (ec) return fail(done, ec, "TLS handshake with " + url.host);
                                done(OpenResult{});
                            });
                    } else {
                        done(OpenResult{});
                    }
                });
        });
}

}  // namespace exchange::net
