#include "exchange/order_gateway.h"

namespace exchange {

const char* to_string(OrderStatus s) {
    switch (s) {
        case OrderStatus::kFilled:
            return "FILLED";
        case OrderStatus::kPartiallyFilled:
            return "PARTIALLY_FILLED";
        case OrderStatus::kNew:
            return "NEW";
        case OrderStatus::kRejected:
            return "REJECTED";
        case OrderStatus::kUnknown:
            return "UNKNOWN";
    }
    return "UNKNOWN";
}

}  // namespace exchange
