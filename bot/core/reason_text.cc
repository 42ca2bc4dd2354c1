#include "bot/core/reason_text.h"

#include <algorithm>

namespace bot {
namespace {

using config::Decimal;

int display_decimals(const Decimal& v) {
    Decimal a = v.abs();
    if (a >= Decimal::from_int(1)) {
        int int_digits = static_cast<int>(a.to_string(0).size());
        return std::max(2, 6 - int_digits);
    }
    if (a.is_zero()) return 2;
    // "0.000123..." -> three zeros after the point before the first significant digit.
    std::string s = a.to_string();
    int zeros = 0;
    for (size_t i = 2; i < s.size() && s[i] == '0'; ++i) ++zeros;
    return std::min(Decimal::kScale, zeros + 6);
}

}  // namespace

std::string indicator_text(const Decimal& v) { return v.to_string(display_decimals(v)); }

std::pair<std::string, std::string> comparison_text(const Decimal& a, const Decimal& b) {
    int decimals = std::max(display_decimals(a), display_decimals(b));
    std::string sa = a.to_string(decimals);
    std::string sb = b.to_string(decimals);
    while (a != b && sa == sb && decimals < Decimal::kScale) {
        ++decimals;
        sa = a.to_string(decimals);
        sb = b.to_string(decimals);
    }
    return {sa, sb};
}

std::string percent_text(const Decimal& v) {
    return Decimal::from_string(v.to_string(2)).to_string();
}

}  // namespace bot
