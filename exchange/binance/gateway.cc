#include "exchange/binance/gateway.h"

#include <spdlog/spdlog.h>

namespace exchange::binance {

std::optional<std::string> check_order(const SymbolRules& r, Decimal quantity, Decimal price,
                                       Decimal* rounded) {
    Decimal q = r.step_size.is_positive() ? quantity.round_to_step(r.step_size) : quantity;
    *rounded = q;
    auto with = [&](const std::string& why) {
        return r.symbol + ": quantity " + q.to_string() + " (asked " + quantity.to_string() +
               ", step " + r.step_size.to_string() + ") " + why;
    };
    if (!q.is_positive()) return with("rounds to zero");
    if (r.min_qty.is_positive() && q < r.min_qty)
        return with("is below minQty " + r.min_qty.to_string());
    if (r.max_qty.is_positive() && q > r.max_qty)
        return with("is above maxQty " + r.max_qty.to_string());
    if (!price.is_positive()) {
        if (r.min_notional.is_positive() || r.max_notional.is_positive()) {
            return with("cannot be checked against the notional bounds without a reference price");
        }
        return std::nullopt;
    }
    Decimal notional = q * price;
    if (r.min_notional.is_positive() && notional < r.min_notional) {
        return with("at price " + price.to_string() + " is notional " + notional.to_string() +
                    ", below minNotional " + r.min_notional.to_string());
    }
    if (r.max_notional.is_positive() && notional > r.max_notional) {
        return with("at price " + price.to_string() + " is notional " + notional.to_string() +
                    ", above maxNotional " + r.max_notional.to_string());
    }
    return std::nullopt;
}

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
    Decimal quantity;
    if (auto why = check_order(*r, request.quantity, request.reference_price, &quantity)) {
        rejected.reason = "rejected locally: " + *why;
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

std::optional<OrderResult> BinanceGateway::query(const std::string& symbol,
                                                 const std::string& client_order_id) {
    auto q = rest_->query_order(symbol, client_order_id);
    if (q.found) return q.order;
    if (!q.error.empty()) {
        // The lookup failed: the order's fate is still unknown, which is not "no such order".
        OrderResult unknown;
        unknown.status = OrderStatus::kUnknown;
        unknown.reason = q.error;
        return unknown;
    }
    return std::nullopt;
}

}  // namespace exchange::binance
