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
        case OrderStatus::kCanceled:
            return "CANCELED";
        case OrderStatus::kExpired:
            return "EXPIRED";
        case OrderStatus::kUnknown:
            return "UNKNOWN";
    }
    return "UNKNOWN";
}

bool is_final(OrderStatus s) {
    return s == OrderStatus::kFilled || s == OrderStatus::kRejected ||
           s == OrderStatus::kCanceled || s == OrderStatus::kExpired;
}

const char* to_string(OrderType t) {
    switch (t) {
        case OrderType::kMarket:
            return "MARKET";
        case OrderType::kLimit:
            return "LIMIT";
        case OrderType::kLimitMaker:
            return "LIMIT_MAKER";
        case OrderType::kStopLossLimit:
            return "STOP_LOSS_LIMIT";
    }
    return "MARKET";
}

}  // namespace exchange
