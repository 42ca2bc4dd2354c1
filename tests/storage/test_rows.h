// Rows the storage suites write, shared so that each is made one way.
#pragma once

#include <string>

#include "storage/records.h"

namespace storage_test {

// The predecessor's test rows (tests/storage/reference_test.cc): sides alternate, and price,
// reason and event time all follow n, so a row read back tells which call wrote it.
inline storage::Signal signal_for(const std::string& symbol, int n) {
    storage::Signal s;
    s.symbol = symbol;
    s.side = n % 2 == 0 ? "BUY" : "SELL";
    s.price = std::to_string(100 + n) + ".5";
    s.strategy = "test";
    s.reason = "n=" + std::to_string(n);
    s.event_time_ms = 1700000000000 + n;
    return s;
}

// A signal whose reason and event time are n.
inline storage::Signal sig(const std::string& symbol, int n, const std::string& side = "BUY") {
    storage::Signal s;
    s.symbol = symbol;
    s.side = side;
    s.price = "97123.45";
    s.strategy = "ema_cross";
    s.reason = std::to_string(n);
    s.event_time_ms = n;
    return s;
}

}  // namespace storage_test
