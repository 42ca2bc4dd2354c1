#include "exchange/binance/gateway.h"

#include <spdlog/spdlog.h>

#include "exchange/filters.h"

namespace exchange::binance {

BinanceGateway::BinanceGateway(std::shared_ptr<RestClient> rest,
                               std::shared_ptr<spdlog::logger> logger)
    : rest_(std::move(rest)), log_(logger ? std::move(logger) : spdlog::default_logger()) {}

std::optional<SymbolRules> BinanceGateway::rules(const std::string& symbol) {
    {
        std::lock_guard lock(mu_);
        if (auto it = rules_.find(symbol); it != rules_.end()) return it->second;
    }
    // Fetched without the lock: other symbols' bots are not held up by this request.
    auto r = rest_->exchange_info(symbol);
    if (!r.rules) {
        if (r.unknown_symbol) {
            log_->error("binance: symbol {} is not listed by the exchange ({})", symbol, r.error);
        } else {
            log_->error("binance: trading rules of {} unavailable: {}", symbol, r.error);
        }
        return std::nullopt;
    }
    std::lock_guard lock(mu_);
    rules_[symbol] = *r.rules;
    return r.rules;
}

OrderResult BinanceGateway::place(const OrderRequest& request) {
    OrderResult rejected;
    rejected.status = OrderStatus::kRejected;
    auto r = rules(request.symbol);
    if (!r) {
        rejected.reason =
            "no trading rules for " + request.symbol + " (unknown symbol or exchange unreachable)";
        return rejected;
    }
    if (request.type != OrderType::kMarket) {
        rejected.reason = std::string("rejected locally: only MARKET orders are placed, not ") +
                          to_string(request.type);
        log_->warn("binance: order {} {}", request.client_order_id, rejected.reason);
        return rejected;
    }
    // Rounded down to the step, then checked as it would be sent; a quantity under one step
    // is named as asked.
    const Decimal quantity = round_quantity(*r, request.quantity);
    if (auto breach = check_order(*r, quantity.is_positive() ? quantity : request.quantity,
                                  request.reference_price)) {
        rejected.reason = "rejected locally: " + r->symbol + ": " + breach->message();
        log_->warn("binance: order {} {}", request.client_order_id, rejected.reason);
        return rejected;
    }
    OrderRequest sent = request;
    sent.quantity = quantity;
    auto result = rest_->place_market_order(sent);
    log_->info("binance: order {} {} {} fill(s) {}", request.client_order_id,
               to_string(result.status), result.fills.size(), result.reason);
    return result;
}

namespace {

// A lookup's answer as the gateway gives it: the order, none, or (the lookup failed) unknown.
std::optional<OrderResult> order_or_unknown(QueryResult q) {
    if (q.found) return std::move(q.order);
    if (!q.error.empty()) {
        // The lookup failed: the order's fate is still unknown, which is not "no such order".
        OrderResult unknown;
        unknown.status = OrderStatus::kUnknown;
        unknown.reason = q.error;
        return unknown;
    }
    return std::nullopt;
}

}  // namespace

std::optional<OrderResult> BinanceGateway::query(const std::string& symbol,
                                                 const std::string& client_order_id) {
    return order_or_unknown(rest_->query_order(symbol, client_order_id));
}

std::optional<OrderResult> BinanceGateway::cancel(const std::string& symbol,
                                                  const std::string& client_order_id) {
    auto c = rest_->cancel_order(symbol, client_order_id);
    log_->info(
        "binance: cancel of order {}: {}", client_order_id,
        c.found ? to_string(c.order->status) : (c.error.empty() ? "no such order" : c.error));
    return order_or_unknown(std::move(c));
}

}  // namespace exchange::binance
