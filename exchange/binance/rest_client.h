// Binance REST (/api/v3) over net::HttpClient: server time and clock offset, exchangeInfo, klines,
// and the signed order endpoints with Binance's retry rules:
//   - 429 / 418: wait Retry-After (or back off exponentially), then retry;
//   - -1021 (timestamp outside recvWindow): resync the clock once and retry;
//   - 5xx or a transport failure after the request went out: the order's fate is unknown, so
//     the order is looked up by its client id before anything is sent again. A retry therefore
//     never places a second order.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exchange/net/http_client.h"
#include "exchange/binance/parsed.h"
#include "exchange/binance/rest_messages.h"
#include "exchange/binance/signing.h"
#include "exchange/clock.h"
#include "exchange/market_data.h"
#include "exchange/order_gateway.h"

namespace exchange::binance {

struct RestOptions {
    std::chrono::milliseconds timeout{10'000};  // per HTTP request, every step
    int recv_window_ms = 5000;
    int max_attempts = 5;                            // per call, over 429 / 5xx / transport retries
    std::chrono::milliseconds initial_backoff{500};  // doubles per retry without Retry-After
    // A Retry-After longer than this is not waited for: the call fails with a clear reason.
    std::chrono::milliseconds max_retry_wait{60'000};
    bool test_orders = false;  // POST /api/v3/order/test: validated by Binance, never executed
    // Start-up only: when it turns true, a call in progress (request or retry wait) gives up
    // within about 100 ms with outcome.cancelled set. Empty: calls run to their end.
    net::CancelCheck cancelled;
};

// Target of a klines request (also used by the stream's asynchronous back-fill).
[[nodiscard]] std::string klines_target(const std::string& symbol, const std::string& interval,
                                        std::optional<std::int64_t> start_ms,
                                        std::optional<std::int64_t> end_ms, int limit);

struct RulesResult {
    std::optional<SymbolRules> rules;
    bool unknown_symbol = false;  // the exchange answered and does not list it
    std::string error;
};

struct QueryResult {
    std::optional<OrderResult> order;  // empty with found == false: no such order
    bool found = false;
    std::string error;  // set when the lookup itself failed (status still unknown)
};

class RestClient {
public:
    // credentials may be empty (market data only); signed calls then fail with a clear reason.
    RestClient(net::HttpClient http, RestOptions options, std::optional<ApiCredentials> credentials,
               std::shared_ptr<spdlog::logger> logger);

    // Measures the offset of Binance's clock from ours (server - local, ms) and keeps it for
    // signed timestamps. Returns the offset or why it could not be measured.
    [[nodiscard]] Parsed<std::int64_t> sync_time();
    std::int64_t clock_offset_ms() const { return offset_ms_.load(); }

    [[nodiscard]] RulesResult exchange_info(const std::string& symbol);

    // Closed and open klines as Binance returns them, oldest first (closed is left false); rows
    // whose prices cannot be real are left out and described in `refused` (parse_klines).
    [[nodiscard]] Parsed<std::vector<Kline>> klines(const std::string& symbol,
                                                    const std::string& interval,
                                                    std::optional<std::int64_t> start_ms,
                                                    std::optional<std::int64_t> end_ms, int limit,
                                                    std::vector<std::string>* refused = nullptr);

    // A MARKET order of exactly `request.quantity` (already rounded and checked by the caller),
    // newClientOrderId = request.client_order_id. Never places it twice (see above).
    [[nodiscard]] OrderResult place_market_order(const OrderRequest& request);

    // GET /api/v3/order by origClientOrderId, with the fills from myTrades.
    [[nodiscard]] QueryResult query_order(const std::string& symbol,
                                          const std::string& client_order_id);

    // DELETE /api/v3/order by origClientOrderId: the cancelled order (with the fills it had,
    // from myTrades). Binance refuses to cancel an order that is final already or that it does
    // not know (-2011): then the order is looked up and its state returned, or none.
    [[nodiscard]] QueryResult cancel_order(const std::string& symbol,
                                           const std::string& client_order_id);

    const net::HttpClient& http() const { return http_; }
    const RestOptions& options() const { return options_; }

private:
    struct CallResult {
        net::HttpOutcome outcome;
        std::optional<ApiError> api_error;  // the {"code","msg"} of a non-2xx answer
        std::string describe() const;       // a clear one-line reason for logs and results
        bool ok() const { return outcome.response && outcome.response->status / 100 == 2; }
        // Unknown outcome: the request may have been executed (5xx, or lost after sending).
        bool unknown() const {
            return outcome.response ? outcome.response->status >= 500 : outcome.request_sent;
        }
    };

    // Sends one call with the retry rules above. `idempotent`: a 5xx or a transport failure
    // after sending may be retried (GETs); otherwise the result is returned for the caller to
    // resolve (orders).
    CallResult call(const std::string& method, const std::string& path, std::string params,
                    bool sign, bool idempotent);
    void sleep_before_retry(int attempt, std::optional<int> retry_after_s);

    // Constant after construction.
    net::HttpClient http_;
    RestOptions options_;
    std::optional<ApiCredentials> credentials_;
    std::shared_ptr<spdlog::logger> log_;

    std::atomic<std::int64_t> offset_ms_{0};
    std::atomic<bool> time_synced_{false};
};

}  // namespace exchange::binance
