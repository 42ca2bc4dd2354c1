// MarketStream over Binance's combined WebSocket streams:
//   {ws_url}/stream?streams=<symbol>@kline_<interval>/...   (ws:// or wss:// with SNI +
//   verification)
//
// Threading: one io thread runs every connection; all of the stream's state lives on one strand
// of it, so the sink is called from that thread only, in order, and never after stop() returns.
//
// Keeping the data whole:
//   - Symbols are split over connections of at most max_streams_per_connection (Binance: 1024).
//     A change of symbols (set_symbols) rebuilds only the connections whose streams changed; no
//     SUBSCRIBE messages are sent, so the 5-messages-per-second limit is never approached.
//   - Pings are answered by Beast; a connection with no message for silence_timeout is dropped
//     and reopened; any drop reconnects with exponential backoff and jitter; a connection is
//     renewed ahead of Binance's 24 h limit and at once on serverShutdown.
//   - After a reconnect (or a jump in open times) the closed klines missed meanwhile are fetched
//     from REST klines and delivered in order; closed klines are deduplicated by open time, so no
//     candle is skipped or delivered twice. Live closed klines arriving meanwhile are held back
//     and merged. Updates of the open candle (x=false) during a back-fill are dropped. The rules
//     are one KlineSequencer per symbol (kline_sequencer.h); reconnecting is reconnect.h's.
//   - history() only reads; the consumer says where its warm-up ended with resume_after().
//   - Malformed messages are counted (stats().malformed), logged at most every 10 s, and skipped.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "exchange/binance/rest_client.h"
#include "exchange/net/url.h"
#include "exchange/market_stream.h"

namespace exchange::binance {

struct StreamOptions {
    std::string default_interval = "1m";
    std::map<std::string, std::string> intervals;  // per-symbol override (upper-case symbol)
    std::size_t max_streams_per_connection = 1024;
    std::chrono::milliseconds handshake_timeout{10'000};  // connect, TLS and WebSocket handshake
    std::chrono::milliseconds silence_timeout{60'000};    // no message this long: reconnect
    std::chrono::milliseconds max_connection_age{std::chrono::hours(23)};  // Binance cuts at 24 h
    std::chrono::milliseconds initial_backoff{500};
    std::chrono::milliseconds max_backoff{30'000};
};

class BinanceMarketStream : public MarketStream {
public:
    // tls may be null when ws_url is ws://. rest serves history() and the back-fill.
    BinanceMarketStream(net::Url ws_url, std::shared_ptr<boost::asio::ssl::context> tls,
                        std::shared_ptr<RestClient> rest, StreamOptions options,
                        std::shared_ptr<spdlog::logger> logger);
    ~BinanceMarketStream() override;  // stop()

    void start(const std::vector<std::string>& symbols, EventSink sink) override;
    void set_symbols(const std::vector<std::string>& symbols) override;
    // Must not be called from the sink (it joins the thread that runs the sink).
    void stop() override;
    std::vector<Kline> history(const std::string& symbol, const std::string& interval,
                               int limit) override;
    StreamStats stats() const override;

    // Continues `symbol` right after the closed kline at `open_time_ms`, back-filling what closed
    // since (the consumer warmed up from history() up to there).
    void resume_after(const std::string& symbol, const std::string& interval,
                      std::int64_t open_time_ms) override;

    // The last connection failure ("TLS handshake with ...: certificate verify failed"), or empty.
    std::string last_error() const;
    // Connections currently open (handshake done).
    int open_connections() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace exchange::binance
