#include "exchange/binance/rest_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <thread>

namespace exchange::binance {
namespace {

// Percent-encodes a query value (RFC 3986 unreserved characters pass through). The signature
// is computed over the encoded query exactly as it is sent.
std::string url_encode(const std::string& s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    return out;
}

void add_param(std::string* q, const std::string& key, const std::string& value) {
    if (!q->empty()) q->push_back('&');
    *q += key + "=" + url_encode(value);
}

constexpr int kErrTimestamp = -1021;      // timestamp outside recvWindow
constexpr int kErrNoSuchOrder = -2013;    // order does not exist
constexpr int kErrCancelRejected = -2011;  // cancel refused: the order is final or unknown
constexpr int kErrInvalidSymbol = -1121;  // invalid symbol

}  // namespace

std::string klines_target(const std::string& symbol, const std::string& interval,
                          std::optional<std::int64_t> start_ms, std::optional<std::int64_t> end_ms,
                          int limit) {
    std::string q;
    add_param(&q, "symbol", symbol);
    add_param(&q, "interval", interval);
    if (start_ms) add_param(&q, "startTime", std::to_string(*start_ms));
    if (end_ms) add_param(&q, "endTime", std::to_string(*end_ms));
    add_param(&q, "limit", std::to_string(std::clamp(limit, 1, 1000)));
    return "/api/v3/klines?" + q;
}

std::string RestClient::CallResult::describe() const {
    if (!outcome.response) return outcome.error;
    const auto& r = *outcome.response;
    std::string s = "HTTP " + std::to_string(r.status);
    if (api_error) {
        s += ", binance error " + std::to_string(api_error->code) + ": " + api_error->msg;
    } else if (r.status / 100 != 2 && !r.body.empty()) {
        s += ": " + r.body.substr(0, 200);
    }
    if (r.retry_after_s) s += " (Retry-After " + std::to_string(*r.retry_after_s) + " s)";
    return s;
}

RestClient::RestClient(net::HttpClient http, RestOptions options,
                       std::optional<ApiCredentials> credentials,
                       std::shared_ptr<spdlog::logger> logger)
    : http_(std::move(http)),
      options_(options),
      credentials_(std::move(credentials)),
      log_(logger ? std::move(logger) : spdlog::default_logger()) {}

void RestClient::sleep_before_retry(int attempt, std::optional<int> retry_after_s) {
    std::chrono::milliseconds wait;
    if (retry_after_s) {
        wait = std::chrono::seconds(std::max(0, *retry_after_s));
    } else {
        // Exponential with jitter in [1/2, 1] of the step, so that many bots do not retry in step.
        auto step = options_.initial_backoff * (1 << std::min(attempt, 8));
        thread_local std::mt19937_64 rng{std::random_device{}()};
        std::uniform_int_distribution<std::int64_t> jitter(step.count() / 2, step.count());
        wait = std::chrono::milliseconds(jitter(rng));
    }
    const auto until = std::chrono::steady_clock::now() + std::min(wait, options_.max_retry_wait);
    if (!options_.cancelled) {
        std::this_thread::sleep_until(until);
        return;
    }
    // In slices, so a start-up that is being stopped does not sit out a backoff.
    while (std::chrono::steady_clock::now() < until && !options_.cancelled()) {
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            std::chrono::milliseconds(100), until - std::chrono::steady_clock::now()));
    }
}

RestClient::CallResult RestClient::call(const std::string& method, const std::string& path,
                                        std::string params, bool sign, bool idempotent) {
    CallResult res;
    if (sign && !credentials_) {
        res.outcome.error =
            "signed endpoint " + path + " needs BINANCE_API_KEY and BINANCE_API_SECRET (live mode)";
        return res;
    }
    if (sign && !time_synced_.load()) {
        auto t = sync_time();
        if (!t)
            log_->warn("binance: clock sync failed ({}); signing with the local clock", t.error);
    }
    bool resynced = false;
    for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
        net::HttpRequest req;
        req.method = method;
        std::string query = params;
        if (sign) {
            add_param(&query, "recvWindow", std::to_string(options_.recv_window_ms));
            add_param(&query, "timestamp", std::to_string(wall_clock_ms() + offset_ms_.load()));
            query += "&signature=" + credentials_->sign(query);
            req.headers.emplace_back("X-MBX-APIKEY", credentials_->api_key());
        }
        req.target = path + (query.empty() ? "" : "?" + query);

        res = CallResult{};
        if (options_.cancelled && options_.cancelled()) {
            res.outcome.error = method + " " + path + ": cancelled";
            res.outcome.cancelled = true;
            return res;
        }
        res.outcome = http_.request(req, options_.cancelled);
        if (res.outcome.cancelled) return res;
        if (res.outcome.response && res.outcome.response->status / 100 != 2) {
            auto e = parse_api_error(res.outcome.response->body);
            if (e) res.api_error = *e.value;
        }
        if (res.ok()) return res;
        bool last = attempt + 1 == options_.max_attempts;

        if (!res.outcome.response) {
            // Not sent: safe to retry anything. Sent: only an idempotent call may go again.
            if ((res.outcome.request_sent && !idempotent) || last) return res;
            log_->warn("binance: {} {} failed ({}), retrying", method, path, res.describe());
            sleep_before_retry(attempt, std::nullopt);
            continue;
        }
        int status = res.outcome.response->status;
        if (status == 429 || status == 418) {
            auto retry_after = res.outcome.response->retry_after_s;
            if (last ||
                (retry_after && std::chrono::seconds(*retry_after) > options_.max_retry_wait)) {
                log_->error("binance: {} {} rate limited: {}", method, path, res.describe());
                return res;
            }
            log_->warn("binance: {} {} rate limited ({}), backing off", method, path,
                       res.describe());
            sleep_before_retry(attempt, retry_after);
            continue;
        }
        if (status >= 500) {
            if (!idempotent || last) return res;
            log_->warn("binance: {} {} failed ({}), retrying", method, path, res.describe());
            sleep_before_retry(attempt, std::nullopt);
            continue;
        }
        if (sign && res.api_error && res.api_error->code == kErrTimestamp && !resynced) {
            log_->warn("binance: {} {}: {}; resyncing the clock", method, path, res.describe());
            resynced = true;
            auto t = sync_time();
            if (!t) return res;
            continue;
        }
        return res;  // a definite 4xx answer
    }
    return res;
}

Parsed<std::int64_t> RestClient::sync_time() {
    auto t0 = wall_clock_ms();
    auto res = call("GET", "/api/v3/time", {}, false, true);
    auto t1 = wall_clock_ms();
    if (!res.ok()) return Parsed<std::int64_t>::fail("GET /api/v3/time: " + res.describe());
    auto server = parse_server_time(res.outcome.response->body);
    if (!server) return Parsed<std::int64_t>::fail(server.error);
    std::int64_t offset = *server.value - (t0 + t1) / 2;
    offset_ms_.store(offset);
    time_synced_.store(true);
    log_->debug("binance: clock offset {} ms", offset);
    return Parsed<std::int64_t>::ok(offset);
}

RulesResult RestClient::exchange_info(const std::string& symbol) {
    RulesResult out;
    std::string q;
    add_param(&q, "symbol", symbol);
    auto res = call("GET", "/api/v3/exchangeInfo", q, false, true);
    if (!res.ok()) {
        out.unknown_symbol = res.api_error && res.api_error->code == kErrInvalidSymbol;
        out.error = "exchangeInfo " + symbol + ": " + res.describe();
        return out;
    }
    auto rules = parse_symbol_rules(res.outcome.response->body, symbol);
    if (!rules) {
        out.error = rules.error;
        return out;
    }
    out.rules = std::move(rules.value);
    return out;
}

Parsed<std::vector<Kline>> RestClient::klines(const std::string& symbol,
                                              const std::string& interval,
                                              std::optional<std::int64_t> start_ms,
                                              std::optional<std::int64_t> end_ms, int limit,
                                              std::vector<std::string>* refused) {
    auto target = klines_target(symbol, interval, start_ms, end_ms, limit);
    auto q = target.find('?');
    auto res = call("GET", target.substr(0, q), target.substr(q + 1), false, true);
    if (!res.ok())
        return Parsed<std::vector<Kline>>::fail("klines " + symbol + ": " + res.describe());
    return parse_klines(res.outcome.response->body, symbol, interval, refused);
}

QueryResult RestClient::query_order(const std::string& symbol, const std::string& client_order_id) {
    QueryResult out;
    std::string q;
    add_param(&q, "symbol", symbol);
    add_param(&q, "origClientOrderId", client_order_id);
    auto res = call("GET", "/api/v3/order", q, true, true);
    if (!res.ok()) {
        if (res.api_error && res.api_error->code == kErrNoSuchOrder) return out;  // not found
        out.error = "query order " + client_order_id + ": " + res.describe();
        return out;
    }
    auto reply = parse_order_reply(res.outcome.response->body);
    if (!reply) {
        out.error = "query order " + client_order_id + ": " + reply.error;
        return out;
    }
    out.found = true;
    if (reply.value->executed_qty.is_positive()) {
        // GET order has no fills: take them (with the real fees) from myTrades.
        std::string tq;
        add_param(&tq, "symbol", symbol);
        add_param(&tq, "orderId", std::to_string(reply.value->order_id));
        auto trades = call("GET", "/api/v3/myTrades", tq, true, true);
        auto fills = trades.ok() ? parse_my_trades(trades.outcome.response->body)
                                 : Parsed<std::vector<Fill>>::fail(trades.describe());
        if (fills) {
            reply.value->result.fills = std::move(*fills.value);
        } else {
            log_->warn("binance: fills of order {} unavailable ({}); reporting the average",
                       client_order_id, fills.error);
            Fill f;
            f.quantity = reply.value->executed_qty;
            f.price = reply.value->cumulative_quote_qty / reply.value->executed_qty;
            reply.value->result.fills.push_back(f);
        }
    }
    out.order = std::move(reply.value->result);
    return out;
}

QueryResult RestClient::cancel_order(const std::string& symbol,
                                     const std::string& client_order_id) {
    QueryResult out;
    std::string q;
    add_param(&q, "symbol", symbol);
    add_param(&q, "origClientOrderId", client_order_id);
    // Cancelling twice is harmless (the second is refused with -2011 and looked up), so a 5xx
    // may be retried.
    auto res = call("DELETE", "/api/v3/order", q, true, true);
    if (!res.ok()) {
        if (res.api_error && res.api_error->code == kErrCancelRejected) {
            return query_order(symbol, client_order_id);
        }
        out.error = "cancel order " + client_order_id + ": " + res.describe();
        return out;
    }
    auto reply = parse_order_reply(res.outcome.response->body);
    if (!reply) {
        out.error = "cancel order " + client_order_id + ": " + reply.error;
        return out;
    }
    // The cancel's answer carries no fills: what filled before it is in myTrades.
    if (reply.value->executed_qty.is_positive()) return query_order(symbol, client_order_id);
    out.found = true;
    out.order = std::move(reply.value->result);
    return out;
}

OrderResult RestClient::place_market_order(const OrderRequest& request) {
    std::string q;
    add_param(&q, "symbol", request.symbol);
    add_param(&q, "side", to_string(request.side));
    add_param(&q, "type", "MARKET");
    add_param(&q, "quantity", request.quantity.to_string());
    add_param(&q, "newClientOrderId", request.client_order_id);
    add_param(&q, "newOrderRespType", "FULL");
    const std::string path = options_.test_orders ? "/api/v3/order/test" : "/api/v3/order";

    OrderResult unknown;
    unknown.status = OrderStatus::kUnknown;
    // At most two placements: the second only after a lookup proved the first never arrived.
    for (int placement = 0; placement < 2; ++placement) {
        log_->info("binance: order {} {} {} {} -> {}", request.client_order_id, request.symbol,
                   to_string(request.side), request.quantity.to_string(), path);
        auto res = call("POST", path, q, true, false);
        if (res.ok()) {
            if (options_.test_orders) {
                OrderResult r;
                r.status = OrderStatus::kNew;
                r.reason = "order/test: validated by Binance, not executed";
                return r;
            }
            auto reply = parse_order_reply(res.outcome.response->body);
            if (reply) return std::move(reply.value->result);
            // Accepted, but the answer is unreadable: find out what happened.
            res.outcome.error = "unreadable order response: " + reply.error;
        } else if (!res.unknown()) {
            OrderResult r;
            r.status = OrderStatus::kRejected;
            r.reason = res.describe();
            log_->error("binance: order {} rejected: {}", request.client_order_id, r.reason);
            return r;
        }
        if (options_.test_orders) {
            unknown.reason = res.describe();
            return unknown;
        }
        // Status unknown: look the order up before anything is sent again.
        log_->warn("binance: order {} status unknown ({}); querying it", request.client_order_id,
                   res.describe());
        auto found = query_order(request.symbol, request.client_order_id);
        if (found.found) return std::move(*found.order);
        if (!found.error.empty()) {
            unknown.reason = res.describe() + "; " + found.error;
            log_->error("binance: order {} status unknown: {}", request.client_order_id,
                        unknown.reason);
            return unknown;
        }
        unknown.reason = res.describe() + "; the exchange has no such order";
        log_->warn("binance: order {} never reached the book; placing it again",
                   request.client_order_id);
    }
    return unknown;
}

}  // namespace exchange::binance
