#include "backtest/archive/kline_csv.h"

#include <cstring>
#include <string>

#include "backtest/archive/data_error.h"
#include "config/calendar.h"

namespace backtest {
namespace {

using config::Decimal;
using Raw = Decimal::Raw;

constexpr std::uint64_t kPow10[] = {
    1ULL,           10ULL,           100ULL,          1000ULL,      10000ULL,
    100000ULL,      1000000ULL,      10000000ULL,     100000000ULL, 1000000000ULL,
    10000000000ULL, 100000000000ULL, 1000000000000ULL};
static_assert(Decimal::kScale == 12, "kPow10 covers the decimal scale");

constexpr int kMaxIntDigits = 18;  // fits std::uint64_t with room

inline bool is_digit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// Eight ASCII digits at p (little-endian load) as a number, or -1 when any of them is not a
// digit. The archive writes every price and volume with eight decimals, so this reads a whole
// fraction in a handful of instructions.
inline std::int64_t eight_digits(const char* p) {
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    const std::uint64_t low = x - 0x3030303030303030ULL;
    // Every byte in '0'..'9': no borrow out of any byte, and each byte + 6 stays below 0x10.
    if (((x & 0xF0F0F0F0F0F0F0F0ULL) != 0x3030303030303030ULL) ||
        (((low + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) != 0)) {
        return -1;
    }
    std::uint64_t v = low;
    v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFULL;
    v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFULL;
    v = (v * 10000 + (v >> 32)) & 0x00000000FFFFFFFFULL;
    return static_cast<std::int64_t>(v);
}

// Walks one file. Every field parser advances p past its field and its separator, or throws a
// DataError naming the line and the field.
class Cursor {
public:
    Cursor(std::string_view text, std::string_view label)
        : p(text.data()), end(text.data() + text.size()), label_(label) {}

    const char* p;
    const char* const end;
    std::size_t line = 0;
    const char* row = nullptr;  // where the current line starts

    // An unsigned integer field, then its comma.
    std::int64_t integer(int field) {
        const char* start = p;
        std::uint64_t v = 0;
        int digits = 0;
        while (p < end && is_digit(*p)) {
            if (++digits > kMaxIntDigits) fail_field(field, start, "integer too large");
            v = v * 10 + static_cast<std::uint64_t>(*p - '0');
            ++p;
        }
        if (digits == 0) fail_field(field, start, "expected a whole number");
        comma(field, start, "expected a whole number");
        return static_cast<std::int64_t>(v);
    }

    // A non-negative decimal field ("42000.01000000"), then its comma.
    Decimal decimal(int field) {
        const char* start = p;
        std::uint64_t ip = 0;
        int digits = 0;
        while (p < end && is_digit(*p)) {
            if (++digits > kMaxIntDigits) fail_field(field, start, "number too large");
            ip = ip * 10 + static_cast<std::uint64_t>(*p - '0');
            ++p;
        }
        if (digits == 0) fail_field(field, start, "expected a decimal number");
        std::uint64_t fp = 0;
        int frac = 0;
        if (p < end && *p == '.') {
            ++p;
            std::int64_t eight;
            if (end - p > 8 && !is_digit(p[8]) && (eight = eight_digits(p)) >= 0) {
                fp = static_cast<std::uint64_t>(eight);  // the usual case: exactly 8 decimals
                frac = 8;
                p += 8;
            } else {
                const char* frac_start = p;
                while (p < end && is_digit(*p)) {
                    if (frac < Decimal::kScale) {
                        fp = fp * 10 + static_cast<std::uint64_t>(*p - '0');
                        ++frac;
                    } else if (*p != '0') {
                        fail_field(field, start, "more than 12 decimals");
                    }
                    ++p;
                }
                if (p == frac_start) fail_field(field, start, "expected a decimal number");
            }
        }
        comma(field, start, "expected a decimal number");
        return Decimal::from_raw(static_cast<Raw>(ip) * static_cast<Raw>(kPow10[12]) +
                                 static_cast<Raw>(fp * kPow10[Decimal::kScale - frac]));
    }

    // The last field (Binance writes "0"): anything up to the end of the line, which it consumes.
    void last(int field) {
        while (p < end && *p != ',' && *p != '\n') ++p;
        if (p < end && *p == ',') {
            fail("row", "more than " + std::to_string(KlineColumns::kCount) + " fields (" +
                            KlineColumns::kNames[field] + " is the last)");
        }
        if (p < end) ++p;  // the newline
    }

    [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
        throw DataError(std::string(label_) + ":" + std::to_string(line) + ": " + field + ": " +
                        problem);
    }

private:
    static bool line_end(char c) { return c == '\n' || c == '\r'; }

    void comma(int field, const char* start, const char* what) {
        if (p < end && *p == ',') {
            ++p;
            return;
        }
        if (p == end || line_end(*p)) fail_count(field + 1);
        fail_field(field, start, what);
    }

    [[noreturn]] void fail_count(int fields) const {
        fail("row", "expected " + std::to_string(KlineColumns::kCount) + " fields, got " +
                        std::to_string(fields));
    }

    [[noreturn]] void fail_field(int field, const char* start, const char* what) const {
        const char* e = start;
        while (e < end && *e != ',' && !line_end(*e)) ++e;
        if (e == start && (start == end || line_end(*start))) fail_count(field);
        std::string text(start, static_cast<std::size_t>(e - start));
        if (text.size() > 40) text = text.substr(0, 40) + "...";
        fail(KlineColumns::kNames[field], std::string(what) + ", got \"" + text + "\"");
    }

    std::string_view label_;
};

inline std::int64_t to_ms(std::int64_t t) { return t >= kMicrosecondThreshold ? t / 1000 : t; }

}  // namespace

std::size_t parse_klines(std::string_view text, std::string_view label,
                         std::int64_t period_begin_ms, std::int64_t period_end_ms,
                         std::vector<Candle>& out) {
    Cursor in(text, label);
    const std::size_t before = out.size();
    out.reserve(before + text.size() / 96 + 16);  // rows are longer than 96 bytes
    bool seen_row = false;
    while (in.p < in.end) {
        ++in.line;
        in.row = in.p;
        if (*in.p == '\n' || (*in.p == '\r' && in.end - in.p > 1 && in.p[1] == '\n')) {
            in.p += *in.p == '\n' ? 1 : 2;  // a blank line
            continue;
        }
        if (!seen_row && !is_digit(*in.p)) {  // a header row
            seen_row = true;
            const void* nl = std::memchr(in.p, '\n', static_cast<std::size_t>(in.end - in.p));
            in.p = nl ? static_cast<const char*>(nl) + 1 : in.end;
            continue;
        }
        seen_row = true;

        Candle c;
        c.open_ms = to_ms(in.integer(0));
        c.open = in.decimal(1);
        c.high = in.decimal(2);
        c.low = in.decimal(3);
        c.close = in.decimal(4);
        c.volume = in.decimal(5);
        c.close_ms = to_ms(in.integer(6));
        (void)in.decimal(7);   // quote volume
        (void)in.integer(8);   // trades
        (void)in.decimal(9);   // taker buy base volume
        (void)in.decimal(10);  // taker buy quote volume
        in.last(11);

        if (!c.open.is_positive()) in.fail("open", "a price must be > 0");
        if (!c.low.is_positive()) in.fail("low", "a price must be > 0");
        if (c.high < c.low || c.high < c.open || c.high < c.close) {
            in.fail("high", "high " + c.high.to_string() + " is below the open, close or low");
        }
        if (c.low > c.open || c.low > c.close) {
            in.fail("low", "low " + c.low.to_string() + " is above the open or close");
        }
        if (c.close_ms < c.open_ms) in.fail("close_time", "before the open time");
        if (c.open_ms < period_begin_ms || c.open_ms >= period_end_ms) {
            in.fail("open_time", config::format_utc(c.open_ms) + " is outside " +
                                     config::format_date(period_begin_ms) + " .. " +
                                     config::format_date(period_end_ms - 1) +
                                     ", the period the file name says");
        }
        out.push_back(c);
    }
    return out.size() - before;
}

}  // namespace backtest
