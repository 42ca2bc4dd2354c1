// bot::RowSink — where a TradingBot's rows go when nothing waits on their commit: a replay into a
// database of its own (tradebot-backtest), where no exchange can see an order before the database
// does, so write-ahead commits buy nothing and would cost one transaction per order.
#pragma once

#include <cstdint>

#include "storage/database.h"

namespace bot {

class RowSink {
public:
    virtual ~RowSink() = default;
    // Takes a signal row and returns the id it has once committed (the order that follows it is
    // named after that id, as in the daemon). Throws when the rows cannot be written.
    virtual std::int64_t add_signal(storage::Signal signal) = 0;
    // Takes rows that land together, after every row given before them. Throws when the rows
    // cannot be written.
    virtual void add(storage::WriteBatch batch) = 0;
};

}  // namespace bot
