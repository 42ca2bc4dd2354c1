#include "config/calendar.h"

#include <cstdio>

namespace config {
namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Every field: "2024-03-05<between>10:07:00.000<after>".
std::string format_full(std::int64_t ms, char between, const char* after);

}  // namespace

std::int64_t utc_day_start_ms(std::int64_t ms) { return floor_div(ms, kMsPerDay) * kMsPerDay; }

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
std::int64_t days_from_civil(int year, int month, int day) {
    const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
    const std::int64_t era = floor_div(y, 400);
    const std::int64_t yoe = y - era * 400;
    const std::int64_t mp = (month + 9) % 12;
    const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

std::int64_t utc_ms(int year, int month, int day) {
    return days_from_civil(year, month, day) * kMsPerDay;
}

CivilTime civil_from_ms(std::int64_t ms) {
    const std::int64_t days = floor_div(ms, kMsPerDay);
    std::int64_t rest = ms - days * kMsPerDay;
    const std::int64_t z = days + 719468;
    const std::int64_t era = floor_div(z, 146097);
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    CivilTime t{};
    t.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    t.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    t.year = static_cast<int>(yoe + era * 400 + (t.month <= 2 ? 1 : 0));
    t.hour = static_cast<int>(rest / 3600000);
    rest %= 3600000;
    t.minute = static_cast<int>(rest / 60000);
    rest %= 60000;
    t.second = static_cast<int>(rest / 1000);
    t.millisecond = static_cast<int>(rest % 1000);
    return t;
}

std::int64_t add_months(std::int64_t ms, int months) {
    const CivilTime t = civil_from_ms(ms);
    const int index = t.year * 12 + (t.month - 1) + months;
    return utc_ms(index / 12, index % 12 + 1, 1);
}

std::optional<std::int64_t> parse_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    int v[3] = {0, 0, 0};
    const int starts[3] = {0, 5, 8};
    const int lens[3] = {4, 2, 2};
    for (int f = 0; f < 3; ++f) {
        for (int i = 0; i < lens[f]; ++i) {
            const char c = s[static_cast<std::size_t>(starts[f] + i)];
            if (c < '0' || c > '9') return std::nullopt;
            v[f] = v[f] * 10 + (c - '0');
        }
    }
    if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > days_in_month(v[0], v[1])) {
        return std::nullopt;
    }
    return utc_ms(v[0], v[1], v[2]);
}

std::string format_date(std::int64_t ms) {
    const CivilTime t = civil_from_ms(ms);
    char buf[24];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", t.year, t.month, t.day);
    return buf;
}

std::string format_utc(std::int64_t ms) {
    const CivilTime t = civil_from_ms(ms);
    char buf[48];
    int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d", t.year, t.month, t.day,
                          t.hour, t.minute);
    if (t.second != 0 || t.millisecond != 0) {
        n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ":%02d", t.second);
    }
    if (t.millisecond != 0) {
        std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ".%03d", t.millisecond);
    }
    return buf;
}

namespace {

std::string format_full(std::int64_t ms, char between, const char* after) {
    const CivilTime t = civil_from_ms(ms);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d%c%02d:%02d:%02d.%03d%s", t.year, t.month, t.day,
                  between, t.hour, t.minute, t.second, t.millisecond, after);
    return buf;
}

}  // namespace

std::string format_utc_ms(std::int64_t ms) { return format_full(ms, ' ', ""); }

std::string format_iso_utc(std::int64_t ms) { return format_full(ms, 'T', "Z"); }

}  // namespace config
