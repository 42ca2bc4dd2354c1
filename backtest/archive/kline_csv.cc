#include "backtest/archive/kline_csv.h"

#include <cstring>
#include <optional>
#include <string>

#include "backtest/archive/data_error.h"
#include "config/calendar.h"
#include "config/safe_text.h"
#include "exchange/candle_check.h"

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
        while (p < end && *p != ',' && !line_end(*p)) ++p;
        if (p < end && *p == ',') {
            fail("row", "more than " + std::to_string(KlineColumns::kCount) + " fields (" +
                            KlineColumns::kNames[field] + " is the last)");
        }
        end_line();
    }

    // Consumes the line end at p: LF, CRLF, or a CR as the file's very last byte (a CRLF file
    // cut before its final LF). A CR followed by anything else is a CR-only line end, which the
    // archive never writes: refused rather than read as one endless line.
    void end_line() {
        if (p < end && *p == '\r') {
            if (end - p == 1) {
                ++p;
                return;
            }
            if (p[1] != '\n') {
                fail("row",
                     "a line ends with a lone carriage return (CR line ends); expected LF or CRLF");
            }
            ++p;
        }
        if (p < end) ++p;  // the newline
    }

    // The line at p, up to (not including) its line end.
    std::string_view rest_of_line() const {
        const char* e = p;
        while (e < end && !line_end(*e)) ++e;
        return std::string_view(p, static_cast<std::size_t>(e - p));
    }

    [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
        throw DataError(std::string(label_) + ":" + std::to_string(line) + ": " + field + ": " +
                        problem);
    }

    static bool line_end(char c) { return c == '\n' || c == '\r'; }

private:
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
        // What the file holds may be any bytes: quoted as text, never raw.
        fail(KlineColumns::kNames[field],
             std::string(what) + ", got \"" + config::safe_text(text) + "\"");
    }

    std::string_view label_;
};

inline std::int64_t to_ms(std::int64_t t) { return t >= kMicrosecondThreshold ? t / 1000 : t; }

bool is_letter(char c) { return static_cast<unsigned char>((c | 0x20) - 'a') < 26; }

// A column name: a letter first, then letters, digits, '_' or spaces ("open_time", "Close Time").
bool is_column_name(std::string_view field) {
    if (field.empty() || !is_letter(field.front())) return false;
    for (char c : field) {
        if (!is_letter(c) && !is_digit(c) && c != '_' && c != ' ') return false;
    }
    return true;
}

// A header row: only names, the number of the archive's columns. nullopt when the line is no
// header at all (it is then read as a row and refused for what is wrong with it); otherwise the
// number of fields, which must be 12.
std::optional<std::size_t> header_fields(std::string_view line) {
    std::size_t fields = 0;
    for (std::size_t start = 0;;) {
        const std::size_t comma = line.find(',', start);
        const std::string_view field = line.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (!is_column_name(field)) return std::nullopt;
        ++fields;
        if (comma == std::string_view::npos) return fields;
        start = comma + 1;
    }
}

}  // namespace

std::size_t parse_klines(std::string_view text, std::string_view label,
                         std::int64_t period_begin_ms, std::int64_t period_end_ms,
                         std::vector<Candle>& out) {
    Cursor in(text, label);
    const std::size_t before = out.size();
    out.reserve(before + text.size() / 96 + 16);  // rows are longer than 96 bytes
    bool seen_row = false;
    // A UTF-8 byte order mark (a spreadsheet's export) is no part of the first line.
    if (text.starts_with("\xEF\xBB\xBF")) in.p += 3;
    while (in.p < in.end) {
        ++in.line;
        in.row = in.p;
        if (*in.p == '\n' || (*in.p == '\r' && in.end - in.p > 1 && in.p[1] == '\n')) {
            in.p += *in.p == '\n' ? 1 : 2;  // a blank line
            continue;
        }
        if (!seen_row && !is_digit(*in.p)) {
            // The first line may be the archive's header row, and nothing else: a first row
            // damaged at its start is read as a row below and refused like any other.
            const std::string_view line = in.rest_of_line();
            if (const std::optional<std::size_t> fields = header_fields(line)) {
                if (*fields != static_cast<std::size_t>(KlineColumns::kCount)) {
                    in.fail("header", "expected the " + std::to_string(KlineColumns::kCount) +
                                          " column names, got " + std::to_string(*fields) +
                                          (*fields == 1 ? " field" : " fields"));
                }
                seen_row = true;
                in.p += line.size();
                in.end_line();
                continue;
            }
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

        // The same rule as for a candle from the exchange (exchange/candle_check.h).
        if (auto fault = exchange::check_candle(c.open, c.high, c.low, c.close, c.volume)) {
            in.fail(fault->field, fault->problem);
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
