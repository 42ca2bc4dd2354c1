// The order side of an exchange. The bot commits the order row first (write-ahead), then calls
// place(); the client_order_id it passes is the row's key, so a retry can never place a second
// order. Business outcomes (rejected, filled) are values, not exceptions.
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

struct OrderRequest {
    std::string client_order_id;  // from the committed order row
    std::string symbol;
    Side side = Side::kBuy;
    Decimal quantity;         // base asset, already rounded to step_size
    Decimal reference_price;  // last price the bot saw (the paper gateway fills at it)
};

struct Fill {
    std::string trade_id;
    Decimal price, quantity;
    Decimal fee;
    std::string fee_asset;
    std::int64_t trade_time_ms = 0;
};

enum class OrderStatus {
    kFilled,
    kPartiallyFilled,
    kNew,       // accepted, not (yet) filled
    kRejected,  // the exchange said no; reason says why
    kUnknown,   // no answer (timeout, 5xx): query before any retry
};

const char* to_string(OrderStatus s);

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
    // Places a market order. Blocking; called from the symbol's bot thread.
    virtual OrderResult place(const OrderRequest& request) = 0;
    // Looks an order up by its client id (after kUnknown). nullopt: the exchange has no such order.
    virtual std::optional<OrderResult> query(const std::string& symbol,
                                             const std::string& client_order_id) = 0;
};

}  // namespace exchange
