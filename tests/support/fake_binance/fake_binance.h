// A local Binance-compatible exchange for tests: HTTP (REST /api/v3) and WebSocket (combined
// streams) on one ephemeral 127.0.0.1 port, plain or TLS. It serves scripted klines, checks
// the API key header and every HMAC signature like Binance, and misbehaves on command.
//
// One thread accepts; each connection gets its own thread with blocking Beast calls (simple to
// reason about in a test; performance is irrelevant). All public methods are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "exchange/market_data.h"

namespace fake_binance {

struct Options {
    bool tls = false;
    std::string cert_file;  // PEM certificate chain (tls)
    std::string key_file;   // PEM private key (tls)
    std::string api_key = "fake-api-key";
    std::string api_secret = "fake-api-secret";
};

// Trading rules served by exchangeInfo (decimal strings, "0" = no bound) and enforced on orders.
struct Rules {
    std::string base_asset = "BTC";
    std::string quote_asset = "USDT";
    std::string tick_size = "0.01";
    std::string step_size = "0.00001";
    std::string min_qty = "0.00001";
    std::string max_qty = "9000";
    std::string min_notional = "5";
    std::string max_notional = "0";
};

// An order the fake accepted.
struct Order {
    std::int64_t order_id = 0;
    std::string client_order_id;
    std::string symbol, side, quantity, price;
    std::int64_t time_ms = 0;
};

class FakeBinance {
public:
    explicit FakeBinance(Options options = {});
    ~FakeBinance();
    FakeBinance(const FakeBinance&) = delete;
    FakeBinance& operator=(const FakeBinance&) = delete;

    void stop();  // closes everything and joins; idempotent

    std::uint16_t port() const { return port_; }
    std::string ws_url() const;    // ws://127.0.0.1:PORT or wss://
    std::string rest_url() const;  // http://127.0.0.1:PORT or https://

    // ---- market ----
    void set_rules(const std::string& symbol, Rules rules);
    // Sends the kline to every WebSocket session subscribed to <symbol>@kline_<interval> (except
    // silenced ones). A closed kline also becomes REST history (GET klines).
    void publish(const exchange::Kline& k);
    // Publishes `script` in order from a background thread, one kline every `spacing` (a market
    // for a daemon under test). Replaces a script still playing; stop() ends it. play() itself
    // is meant for the test thread only (not thread-safe with itself).
    void play(std::vector<exchange::Kline> script, std::chrono::milliseconds spacing);
    bool playing() const;
    // Closed klines with the given closes (open = previous close, high/low around them), one
    // interval apart from first_open_ms: a price series to play or to put in the history.
    static std::vector<exchange::Kline> series(const std::string& symbol,
                                               const std::string& interval,
                                               std::int64_t first_open_ms,
                                               const std::vector<std::string>& closes);
    // REST history only (as if it had been published while nobody was connected).
    void add_history(const exchange::Kline& k);
    // Price at which market orders fill (default: the last close seen for the symbol, else 100).
    void set_fill_price(const std::string& symbol, const std::string& price);

    // ---- misbehaviour ----
    void drop_connections();     // abruptly closes every WebSocket connection
    void silence_connections();  // current WebSocket connections stay open and send nothing more
    void send_raw(const std::string& frame, bool binary = false);  // to every live session
    void send_server_shutdown();                                   // serverShutdown event
    // The next `count` requests to `path` (e.g. "/api/v3/order") answer `status` (429/418 with
    // Retry-After when given; 5xx otherwise). With execute_first the request is carried out
    // first (an order really is placed) and only the answer is replaced. Status 0: the
    // connection is closed without any answer (a response lost in transit); status -N: no
    // answer for N ms, then the connection is closed (a request that times out).
    void fail_next(const std::string& path, int status, int count,
                   std::optional<int> retry_after_s = std::nullopt, bool execute_first = false);
    void set_clock_offset_ms(std::int64_t offset);  // server clock = wall clock + offset

    // ---- observations ----
    int ws_handshakes() const;  // WebSocket connections accepted in total
    // WebSocket sessions registered and still served (not dropped, not silenced). A client may
    // see its handshake complete before the fake registers the session: wait on this before
    // publishing.
    int live_sessions() const;
    std::string last_ws_target() const;
    int requests(const std::string& path) const;                  // REST requests seen per path
    int orders_placed(const std::string& client_order_id) const;  // accepted, per client id
    int order_posts(const std::string& client_order_id) const;    // POST attempts, per client id
    int total_orders() const;
    int auth_failures() const;  // wrong key, bad signature, stale timestamp
    std::vector<Order> orders() const;

    // Polls cond until it holds or the timeout passes (tests wait for conditions, not for time).
    static bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

    struct Impl;  // the network side (fake_binance.cc)

private:
    std::unique_ptr<Impl> impl_;
    std::uint16_t port_ = 0;
    bool tls_ = false;
};

// A self-signed certificate for CN=localhost with SAN IP:127.0.0.1 and DNS:localhost, made with
// the `openssl` CLI in `dir`. Throws std::runtime_error when openssl fails.
struct TestCertificate {
    std::string cert_file;  // also the CA file a client should trust
    std::string key_file;
};
TestCertificate make_self_signed_certificate(const std::string& dir, const std::string& name);

}  // namespace fake_binance
