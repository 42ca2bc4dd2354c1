#include "exchange/candle_check.h"

namespace exchange {

std::optional<CandleFault> check_candle(const config::Decimal& open, const config::Decimal& high,
                                        const config::Decimal& low, const config::Decimal& close,
                                        const config::Decimal& volume) {
    // In this order, so that the first fault named is the one to look at: a price <= 0 makes
    // every comparison after it meaningless.
    if (!open.is_positive()) return CandleFault{"open", "a price must be > 0"};
    if (!high.is_positive()) return CandleFault{"high", "a price must be > 0"};
    if (!low.is_positive()) return CandleFault{"low", "a price must be > 0"};
    if (!close.is_positive()) return CandleFault{"close", "a price must be > 0"};
    if (high < low || high < open || high < close) {
        return CandleFault{"high", "high " + high.to_string() + " is below the open, close or low"};
    }
    if (low > open || low > close) {
        return CandleFault{"low", "low " + low.to_string() + " is above the open or close"};
    }
    if (volume.is_negative()) return CandleFault{"volume", "a volume must be >= 0"};
    return std::nullopt;
}

std::string to_string(const CandleFault& fault) {
    return std::string(fault.field) + ": " + fault.problem;
}

}  // namespace exchange
