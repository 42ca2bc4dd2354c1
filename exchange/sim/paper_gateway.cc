#include "exchange/sim/paper_gateway.h"

#include <chrono>
#include <stdexcept>

#include "exchange/clock.h"
#include "exchange/filters.h"

namespace exchange {
namespace {

using Raw = Decimal::Raw;

constexpr Raw pow10(int n) {
    Raw r = 1;
    for (int i = 0; i < n; ++i) r *= 10;
    return r;
}

OrderResult rejected(std::string reason) {
    OrderResult r;
    r.status = OrderStatus::kRejected;
    r.reason = std::move(reason);
    return r;
}

}  // namespace

PaperGateway::PaperGateway(Decimal fee_rate, RulesProvider rules, Clock clock)
    : fee_rate_(fee_rate),
      rules_(std::move(rules)),
      clock_(clock ? std::move(clock) : Clock(wall_clock_ms)) {
    if (fee_rate_.is_negative()) throw std::invalid_argument("paper gateway: negative fee rate");
    if (!rules_) throw std::invalid_argument("paper gateway: no rules provider");
}

std::optional<SymbolRules> PaperGateway::rules(const std::string& symbol) { return rules_(symbol); }

Decimal PaperGateway::fee_for(const Decimal& price, const Decimal& quantity,
                              const Decimal& fee_rate) {
    // Rounding price * quantity to 12 digits first and then the fee to 8 could round twice
    // (a ...4999 tail becoming ...5 and then rounding up), so the product of the raw values is
    // kept exact and divided once. Scales: price and quantity 12 each -> x at 24; times the
    // rate's 12 -> 36; the fee is wanted at 8, so the divisor is 10^28. x * rate would overflow
    // 128 bits, hence the split of x into whole 8-decimal units and the rest.
    if (price.is_negative() || quantity.is_negative() || fee_rate.is_negative()) {
        throw std::invalid_argument("fee_for: negative input");
    }
    Raw x;
    if (__builtin_mul_overflow(price.raw(), quantity.raw(), &x)) {
        throw std::overflow_error("fee_for: notional too large");
    }
    const Raw f = fee_rate.raw();
    const Raw x_hi = x / pow10(16);  // x = x_hi * 10^16 + x_lo
    const Raw x_lo = x % pow10(16);
    // x * f / 10^28 = x_hi * f / 10^12 + x_lo * f / 10^28
    Raw a;
    if (__builtin_mul_overflow(x_hi, f, &a)) throw std::overflow_error("fee_for: fee too large");
    const Raw b = x_lo * f;  // < 10^16 * f: fits for any sane rate (< 10^10)
    const Raw q = a / pow10(12);
    const Raw rem_hi = a % pow10(12);
    // What is left over 10^28: rem_hi * 10^16 + b, both far below 2^127.
    Raw rem = rem_hi * pow10(16) + b;
    Raw units = q + rem / pow10(28);
    rem %= pow10(28);
    const Raw half = pow10(28) / 2;
    if (rem > half || (rem == half && units % 2 != 0)) ++units;
    return Decimal::from_raw(units * pow10(Decimal::kScale - 8));
}

std::string PaperGateway::check(const OrderRequest& req,
                                const std::optional<SymbolRules>& rules) const {
    if (req.client_order_id.empty()) return "missing client_order_id";
    if (req.type != OrderType::kMarket) {
        return std::string("paper trading fills MARKET orders only, not ") + to_string(req.type);
    }
    if (!req.quantity.is_positive())
        return "quantity must be positive, got " + req.quantity.to_string();
    if (!req.reference_price.is_positive()) {
        return "price must be positive, got " + req.reference_price.to_string();
    }
    if (!rules) return "unknown symbol " + req.symbol;
    // The quantity must already be on the step: the paper exchange rounds nothing, as an
    // exchange refuses an order off its filters.
    if (auto breach = check_order(*rules, req.quantity, req.reference_price)) {
        return breach->message();
    }
    return {};
}

OrderResult PaperGateway::place(const OrderRequest& request) {
    // The rules provider may do I/O-free lookups only (sim rules, cached exchangeInfo); calling it
    // outside the lock keeps one bot's lookup from holding up the others.
    const std::optional<SymbolRules> rules =
        request.quantity.is_positive() && request.reference_price.is_positive()
            ? rules_(request.symbol)
            : std::nullopt;

    std::lock_guard<std::mutex> lk(mu_);
    if (auto it = orders_.find(request.client_order_id);
        !request.client_order_id.empty() && it != orders_.end()) {
        return it->second.result;  // a retry of an order already placed: never fill twice
    }
    std::string reason = check(request, rules);
    OrderResult result;
    if (!reason.empty()) {
        result = rejected(std::move(reason));
    } else {
        result.status = OrderStatus::kFilled;
        result.exchange_order_id = "paper-" + std::to_string(next_order_id_++);
        Fill fill;
        fill.trade_id = std::to_string(next_trade_id_++);
        fill.price = request.reference_price;
        fill.quantity = request.quantity;
        fill.fee = fee_for(request.reference_price, request.quantity, fee_rate_);
        fill.fee_asset = rules->quote_asset;
        fill.trade_time_ms = clock_();
        result.fills.push_back(std::move(fill));
    }
    if (!request.client_order_id.empty()) {
        orders_.emplace(request.client_order_id, Placed{request.symbol, result});
        std::deque<std::string>& ids = order_ids_[request.symbol];
        ids.push_back(request.client_order_id);
        if (ids.size() > kRememberedPerSymbol) {
            orders_.erase(ids.front());
            ids.pop_front();
        }
    }
    return result;
}

std::size_t PaperGateway::remembered() const {
    std::lock_guard<std::mutex> lk(mu_);
    return orders_.size();
}

std::optional<OrderResult> PaperGateway::query(const std::string& symbol,
                                               const std::string& client_order_id) {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = orders_.find(client_order_id);
    if (it == orders_.end() || it->second.symbol != symbol) return std::nullopt;
    return it->second.result;
}

std::optional<OrderResult> PaperGateway::cancel(const std::string& symbol,
                                                const std::string& client_order_id) {
    // A paper order is final the moment it is placed (filled or rejected): a cancel always comes
    // too late and finds the state it reached.
    return query(symbol, client_order_id);
}

}  // namespace exchange
