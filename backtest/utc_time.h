// UTC calendar arithmetic for market data: archive periods, --from/--to dates, table and report
// labels. Proleptic Gregorian calendar, milliseconds since the Unix epoch, no time zones.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace backtest {

inline constexpr std::int64_t kMsPerDay = 86400000;

// Days since 1970-01-01 of a civil date (month 1..12, day 1..31; not range-checked).
std::int64_t days_from_civil(int year, int month, int day);
// 00:00 UTC of a civil date, in ms.
std::int64_t utc_ms(int year, int month, int day);

struct CivilTime {
    int year, month, day, hour, minute, second, millisecond;
};
CivilTime civil_from_ms(std::int64_t ms);

// The first instant of the month `months` after the one holding ms.
std::int64_t add_months(std::int64_t ms, int months);

// "YYYY-MM-DD" (a real date) -> 00:00 UTC in ms; nullopt otherwise.
[[nodiscard]] std::optional<std::int64_t> parse_date(std::string_view text);

// "2024-03-05 10:07" (":SS" added when not zero, ".mmm" when not zero).
std::string format_utc(std::int64_t ms);
// "2024-03-05".
std::string format_date(std::int64_t ms);

}  // namespace backtest
