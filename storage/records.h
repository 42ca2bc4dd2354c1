// The rows tradebot stores, as plain values. Money is exact decimal text ("0.00150000"): storage
// never converts it to a binary float (signals.price is a REAL column; SQLite converts
// the text on insert). Times are milliseconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace storage {

struct Signal {
    std::int64_t id = 0;  // set by storage
    std::string symbol;
    std::string side;   // "BUY" | "SELL"
    std::string price;  // decimal text
    std::string strategy;
    std::string reason;
    std::int64_t event_time_ms = 0;  // market time of the event that produced it
    std::int64_t created_at_ms = 0;  // wall clock at commit (set by storage)
};

// Keyed by client_order_id; written before the order reaches the gateway, then updated.
struct Order {
    std::string client_order_id;
    std::string symbol;
    std::string side;  // "BUY" | "SELL"
    std::string type = "MARKET";
    std::string quantity;  // base asset, decimal text
    std::string price;     // reference / limit price, decimal text ("" if none)
    std::string status;    // "PENDING" (written ahead), "NEW", "FILLED", "REJECTED", ...
    std::string exchange_order_id;
    std::string reason;  // why rejected / unknown
    std::optional<std::int64_t> signal_id;
    std::int64_t created_at_ms = 0;  // set by storage when 0
    std::int64_t updated_at_ms = 0;  // set by storage
};

struct Fill {
    std::int64_t id = 0;          // set by storage
    std::string client_order_id;  // references orders
    std::string symbol;
    std::string side;
    std::string price;
    std::string quantity;
    std::string fee;
    std::string fee_asset;
    std::string trade_id;
    std::int64_t trade_time_ms = 0;
    std::int64_t created_at_ms = 0;  // set by storage
};

// One row per symbol.
struct Position {
    std::string symbol;
    std::string quantity = "0";
    std::string avg_entry_price = "0";
    std::string realized_pnl = "0";
    std::string fees_paid = "0";
    std::int64_t updated_at_ms = 0;  // set by storage
};

struct StateEntry {
    std::string symbol;
    std::string key;
    std::string value;
};

// Row counts (tradebotctl stats, tests).
struct Counts {
    std::int64_t signals = 0;
    std::int64_t orders = 0;
    std::int64_t fills = 0;
    std::int64_t positions = 0;
    std::int64_t state = 0;
};

}  // namespace storage
