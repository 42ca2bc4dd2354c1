// Exact decimal money type: prices, quantities, quote amounts, fees, PnL. Never double.
//
// A signed fixed-point number with 12 fractional digits in a 128-bit integer: exact for every
// value Binance sends (at most 8 decimals) with room for average prices and fee fractions.
// Range about +-1.7e26; an operation whose result leaves the range throws std::overflow_error
// (a programming or data error, never a silent wrap).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace config {

enum class Rounding {
    kHalfEven,  // banker's rounding: the default for computed values (average price, fees)
    kDown,      // toward zero: order quantities (never exceed what was asked)
    kUp,        // away from zero
};

class Decimal {
public:
    static constexpr int kScale = 12;    // fractional digits
    __extension__ typedef __int128 Raw;  // __extension__: silences -Wpedantic

    constexpr Decimal() = default;
    // An integer number of units: Decimal(100) == 100.
    static constexpr Decimal from_int(std::int64_t v) { return Decimal(Raw(v) * unit()); }
    // The raw scaled integer (value * 10^12).
    static constexpr Decimal from_raw(Raw r) { return Decimal(r); }

    // Parses a plain decimal string as Binance and the config write it: optional '-' or '+',
    // digits, optional '.' and digits ("0.00001000", "-12.5", "100"). No exponent, no spaces.
    // More than 12 fractional digits is accepted only when the extra ones are zeros.
    // Returns nullopt on anything else (the caller names the field in its error).
    static std::optional<Decimal> parse(std::string_view s);
    // Like parse, but throws std::invalid_argument naming the text.
    static Decimal from_string(std::string_view s);

    // Shortest exact form: "100", "0.001", "-1.5".
    std::string to_string() const;
    // Fixed number of fractional digits (rounded half-even), e.g. for tables: to_string(2).
    std::string to_string(int decimals) const;

    constexpr Raw raw() const { return v_; }
    // The nearest double: for charts and magnitudes only (a plot's y, the size of a price).
    // Money is never computed with it.
    constexpr double to_double() const {
        return static_cast<double>(v_) / static_cast<double>(unit());
    }
    constexpr bool is_zero() const { return v_ == 0; }
    constexpr bool is_negative() const { return v_ < 0; }
    constexpr bool is_positive() const { return v_ > 0; }
    constexpr Decimal abs() const { return Decimal(v_ < 0 ? -v_ : v_); }

    friend constexpr auto operator<=>(const Decimal&, const Decimal&) = default;

    Decimal operator-() const { return Decimal(-v_); }
    Decimal operator+(const Decimal& o) const;
    Decimal operator-(const Decimal& o) const;
    Decimal& operator+=(const Decimal& o) { return *this = *this + o; }
    Decimal& operator-=(const Decimal& o) { return *this = *this - o; }
    // Products and quotients are rounded to 12 fractional digits half-even.
    Decimal operator*(const Decimal& o) const { return mul(*this, o); }
    Decimal operator/(const Decimal& o) const { return div(*this, o); }  // throws on zero

    static Decimal mul(const Decimal& a, const Decimal& b, Rounding r = Rounding::kHalfEven);
    static Decimal div(const Decimal& a, const Decimal& b, Rounding r = Rounding::kHalfEven);

    // Rounds to a multiple of step (tickSize / stepSize), e.g. 0.12345 with step 0.01 -> 0.12
    // (kDown). step must be positive.
    Decimal round_to_step(const Decimal& step, Rounding r = Rounding::kDown) const;

private:
    constexpr explicit Decimal(Raw v) : v_(v) {}
    static constexpr Raw unit() {
        Raw u = 1;
        for (int i = 0; i < kScale; ++i) u *= 10;
        return u;
    }
    // Divides n by d (d > 0) rounding as asked.
    static Raw div_round(Raw n, Raw d, Rounding r);

    Raw v_ = 0;
};

std::ostream& operator<<(std::ostream& os, const Decimal& d);

}  // namespace config
