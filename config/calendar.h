// The UTC calendar, once for the whole program: the trading day the risk rules count in, archive
// periods and --from/--to dates, and every UTC time a table, a report or a log line shows.
// Proleptic Gregorian calendar, milliseconds since the Unix epoch, no time zones; every division
// floors, so times before 1970 land in the right day too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace config {

inline constexpr std::int64_t kMsPerDay = 86'400'000;

// 00:00 UTC of the day holding `ms`.
std::int64_t utc_day_start_ms(std::int64_t ms);

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

// "2024-03-05" for any time in that UTC day.
std::string format_date(std::int64_t ms);
// "2024-03-05 10:07", with ":SS" when the seconds or milliseconds are not zero and ".mmm" when
// the milliseconds are not: short labels for reports and messages.
std::string format_utc(std::int64_t ms);
// "2024-03-05 10:07:00.000": every field, for tables.
std::string format_utc_ms(std::int64_t ms);
// "2024-03-05T10:07:00.000Z" (ISO 8601), for machine-read logs.
std::string format_iso_utc(std::int64_t ms);

}  // namespace config
