// Parsing of Binance REST (/api/v3) response bodies into the exchange types. Never throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "exchange/binance/parsed.h"
#include "exchange/market_data.h"
#include "exchange/order_gateway.h"

namespace exchange::binance {

// An error body: {"code":-1121,"msg":"Invalid symbol."}.
struct ApiError {
    int code = 0;
    std::string msg;
};
[[nodiscard]] Parsed<ApiError> parse_api_error(std::string_view body);

// GET /api/v3/time: {"serverTime":1499827319559}.
[[nodiscard]] Parsed<std::int64_t> parse_server_time(std::string_view body);

// GET /api/v3/exchangeInfo: the filters of `symbol` (PRICE_FILTER, LOT_SIZE, NOTIONAL or
// MIN_NOTIONAL). A notional bound that does not apply to market orders (applyMinToMarket /
// applyMaxToMarket / applyToMarket false) is left at zero: the gateway sends market orders only.
[[nodiscard]] Parsed<SymbolRules> parse_symbol_rules(std::string_view body,
                                                     const std::string& symbol);

// GET /api/v3/klines: [[openTime,"open","high","low","close","volume",closeTime,...],...].
// `closed` is left false: REST does not say; the caller decides from closeTime and the clock.
// A row whose prices cannot be real (exchange/candle_check.h) is left out, and why is appended
// to `refused` when given; a row that cannot be read fails the whole page.
[[nodiscard]] Parsed<std::vector<Kline>> parse_klines(std::string_view body,
                                                      const std::string& symbol,
                                                      const std::string& interval,
                                                      std::vector<std::string>* refused = nullptr);

// POST /api/v3/order (newOrderRespType=FULL) and GET /api/v3/order: status, orderId and, for
// FULL responses, fills. A GET response carries no fills (use parse_my_trades).
struct OrderReply {
    OrderResult result;
    std::int64_t order_id = 0;
    Decimal executed_qty;
    Decimal cumulative_quote_qty;
};
[[nodiscard]] Parsed<OrderReply> parse_order_reply(std::string_view body);

// GET /api/v3/myTrades: the fills of one order.
[[nodiscard]] Parsed<std::vector<Fill>> parse_my_trades(std::string_view body);

// Binance's order status string -> OrderStatus. CANCELED is kCanceled (with whatever filled
// before); EXPIRED / REJECTED with nothing executed are kRejected, with a partial execution
// kPartiallyFilled.
[[nodiscard]] OrderStatus map_order_status(std::string_view status, bool partly_executed);

}  // namespace exchange::binance
