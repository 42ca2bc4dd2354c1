// The UTC calendar (config/calendar.h): days, dates and the times every table, report and log
// shows, worked out by hand (and with `date -u -d @...`).
#include "config/calendar.h"

#include <catch2/catch.hpp>

namespace {

// 2026-11-26 00:00:00.000 UTC.
constexpr std::int64_t kNov26 = 1795651200000LL;
constexpr std::int64_t kDay = config::kMsPerDay;

}  // namespace

TEST_CASE("calendar: the UTC day a time is in, also before 1970", "[calendar]") {
    CHECK(config::utc_day_start_ms(kNov26 + 12345) == kNov26);
    CHECK(config::utc_day_start_ms(kNov26) == kNov26);
    CHECK(config::utc_day_start_ms(-1) == -kDay);
    CHECK(config::format_date(kNov26) == "2026-11-26");
    CHECK(config::format_date(kNov26 + kDay - 1) == "2026-11-26");
    CHECK(config::format_date(kNov26 + kDay) == "2026-11-27");
    CHECK(config::format_date(0) == "1970-01-01");
    CHECK(config::format_date(-1) == "1969-12-31");
}

TEST_CASE("calendar: civil dates to times and back", "[calendar]") {
    CHECK(config::utc_ms(2026, 11, 26) == kNov26);
    CHECK(config::utc_ms(1970, 1, 1) == 0);
    CHECK(config::days_from_civil(2000, 3, 1) - config::days_from_civil(2000, 2, 1) == 29);
    const config::CivilTime t = config::civil_from_ms(kNov26 + 15 * 3600000 + 55 * 60000 + 57123);
    CHECK(t.year == 2026);
    CHECK(t.month == 11);
    CHECK(t.day == 26);
    CHECK(t.hour == 15);
    CHECK(t.minute == 55);
    CHECK(t.second == 57);
    CHECK(t.millisecond == 123);
    CHECK(config::add_months(config::utc_ms(2024, 1, 31) + 5, 1) == config::utc_ms(2024, 2, 1));
    CHECK(config::add_months(config::utc_ms(2024, 12, 5), 1) == config::utc_ms(2025, 1, 1));
}

TEST_CASE("calendar: dates are parsed strictly", "[calendar]") {
    CHECK(config::parse_date("2024-02-29") == config::utc_ms(2024, 2, 29));
    CHECK_FALSE(config::parse_date("2023-02-29"));  // not a leap year
    CHECK_FALSE(config::parse_date("2024-13-01"));
    CHECK_FALSE(config::parse_date("2024-1-01"));
    CHECK_FALSE(config::parse_date("1969-12-31"));
    CHECK_FALSE(config::parse_date("2024-01-0x"));
}

TEST_CASE("calendar: times print as UTC", "[calendar]") {
    CHECK(config::format_utc_ms(0) == "1970-01-01 00:00:00.000");
    CHECK(config::format_utc_ms(1795708557123) == "2026-11-26 15:55:57.123");
    CHECK(config::format_utc_ms(951782400000) == "2000-02-29 00:00:00.000");  // leap day
    CHECK(config::format_utc_ms(-1) == "1969-12-31 23:59:59.999");  // floors, never "-0.001"
    CHECK(config::format_utc_ms(1000 * 86399 + 7) == "1970-01-01 23:59:59.007");
    CHECK(config::format_utc(kNov26 + 10 * 3600000 + 7 * 60000) == "2026-11-26 10:07");
    CHECK(config::format_utc(kNov26 + 5000) == "2026-11-26 00:00:05");
    CHECK(config::format_utc(kNov26 + 5007) == "2026-11-26 00:00:05.007");
    CHECK(config::format_iso_utc(1795708557123) == "2026-11-26T15:55:57.123Z");
}
