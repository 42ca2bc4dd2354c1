// The order side of an exchange. The bot commits the order row first (write-ahead), then calls
// place(); the client_order_id it passes is the row's key, so a retry can never place a second
// order. Business outcomes (rejected, filled, cancelled) are values, not exceptions.
//
// Every answer about an order (to place, query or cancel) is the order's state as the exchange
// knows it then: an OrderResult. The bot's core takes it as the order's progress.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/decimal.h"

namespace exchange {

using config::Decimal;

enum class Side { kBuy, kSell };
inline const char* to_string(Side s) { return s == Side::kBuy ? "BUY" : "SELL"; }

// Per-symbol trading rules (Binance exchangeInfo filters). Zero means "no limit".
struct SymbolRules {
    std::string symbol;
    std::string base_asset;   // e.g. "BTC"
    std::string quote_asset;  // e.g. "USDT"
    Decimal tick_size;        // PRICE_FILTER
    Decimal step_size;        // LOT_SIZE
    Decimal min_qty, max_qty;
    Decimal min_notional, max_notional;  // NOTIONAL / MIN_NOTIONAL
};

// What kind of order. Only kMarket is placed today; the others are the shapes the exchange
// offers (Binance spot), for limit entries and the stops the exchange holds.
enum class OrderType {
    kMarket,
    kLimit,          // at limit_price or better, resting until filled, cancelled or expired
    kLimitMaker,     // a limit order the exchange rejects rather than let it take liquidity
    kStopLossLimit,  // a limit order at limit_price placed when the price reaches stop_price
};
// "MARKET", "LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT": the orders table's `type` and Binance's.
const char* to_string(OrderType t);

struct OrderRequest {
    std::string client_order_id;  // from the committed order row
    std::string symbol;
    Side side = Side::kBuy;
    OrderType type = OrderType::kMarket;
    Decimal quantity;         // base asset, already rounded to step_size
    Decimal
        reference_price;  // last price the bot saw (the paper gateway fills a market order at it)
    std::optional<Decimal> limit_price;  // kLimit, kLimitMaker, kStopLossLimit: on the tick
    std::optional<Decimal> stop_price;   // kStopLossLimit: the trigger, on the tick
    // kStopLossLimit: a trailing stop instead of a fixed one, in basis points (Binance's
    // trailingDelta).
    std::optional<int> trailing_delta_bps;

    friend bool operator==(const OrderRequest&, const OrderRequest&) = default;
};

struct Fill {
    std::string trade_id;
    Decimal price, quantity;
    Decimal fee;
    std::string fee_asset;
    std::int64_t trade_time_ms = 0;

    friend bool operator==(const Fill&, const Fill&) = default;
};

enum class OrderStatus {
    kFilled,
    kPartiallyFilled,  // accepted, partly filled, still open
    kNew,              // accepted, not (yet) filled
    kRejected,         // the exchange said no; reason says why
    kCanceled,         // cancelled (what filled before stays filled)
    kExpired,          // ended by the exchange (time in force, a limit timeout)
    kUnknown,          // no answer (timeout, 5xx): query before any retry
};

const char* to_string(OrderStatus s);
// No further change can come: filled, rejected, cancelled or expired.
bool is_final(OrderStatus s);

struct OrderResult {
    OrderStatus status = OrderStatus::kUnknown;
    std::string exchange_order_id;
    std::vector<Fill> fills;
    std::string reason;  // for kRejected / kUnknown: what the exchange (or the transport) said
};

class OrderGateway {
public:
    virtual ~OrderGateway() = default;
    // Trading rules for a symbol, or nullopt when the exchange does not list it.
    virtual std::optional<SymbolRules> rules(const std::string& symbol) = 0;
    // Places an order. Blocking; called from the symbol's bot thread. A type the gateway does
    // not carry is rejected (status kRejected, reason naming the type), never sent.
    virtual OrderResult place(const OrderRequest& request) = 0;
    // Looks an order up by its client id (after kUnknown). nullopt: the exchange has no such order.
    virtual std::optional<OrderResult> query(const std::string& symbol,
                                             const std::string& client_order_id) = 0;
    // Cancels an open order by its client id. Returns the order's state afterwards: kCanceled
    // (with the fills it had), or the final state it reached first (a cancel that came too late:
    // kFilled with its fills); kUnknown when the answer did not come. nullopt: no such order.
    virtual std::optional<OrderResult> cancel(const std::string& symbol,
                                              const std::string& client_order_id) = 0;
};

}  // namespace exchange
