#include "backtest/archive/name.h"

#include <array>
#include <cstdio>

#include "config/calendar.h"

namespace backtest {
namespace {

constexpr std::array<std::string_view, 16> kIntervals = {
    "1s", "1m", "3m", "5m",  "15m", "30m", "1h", "2h",
    "4h", "6h", "8h", "12h", "1d",  "3d",  "1w", "1M",
};

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

int to_int(std::string_view s) {
    int v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
}

bool valid_symbol(std::string_view s) {
    if (s.size() < 2 || s.size() > 20) return false;
    for (char c : s) {
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
    }
    return true;
}

}  // namespace

bool is_kline_interval(std::string_view interval) {
    for (std::string_view i : kIntervals) {
        if (i == interval) return true;
    }
    return false;
}

std::int64_t ArchiveName::begin_ms() const {
    return config::utc_ms(year, month, day == 0 ? 1 : day);
}

std::int64_t ArchiveName::end_ms() const {
    return day == 0 ? config::add_months(begin_ms(), 1) : begin_ms() + config::kMsPerDay;
}

std::string ArchiveName::period() const {
    char buf[16];
    if (day == 0) {
        std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
    } else {
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
    }
    return buf;
}

std::optional<ArchiveName> parse_archive_name(std::string_view name) {
    ArchiveName out;
    if (name.ends_with(".csv")) {
        name.remove_suffix(4);
    } else if (name.ends_with(".zip")) {
        name.remove_suffix(4);
        out.zip = true;
    } else {
        return std::nullopt;
    }
    // SYMBOL-interval-YYYY-MM[-DD]: symbols and intervals hold no '-'.
    std::array<std::string_view, 5> parts{};
    std::size_t n = 0;
    for (std::size_t start = 0;;) {
        if (n == parts.size()) return std::nullopt;  // more parts than a daily name has
        const std::size_t dash = name.find('-', start);
        parts[n++] = name.substr(start, dash == std::string_view::npos ? dash : dash - start);
        if (dash == std::string_view::npos) break;
        start = dash + 1;
    }
    if (n != 4 && n != 5) return std::nullopt;
    if (!valid_symbol(parts[0]) || !is_kline_interval(parts[1])) return std::nullopt;
    if (parts[2].size() != 4 || !all_digits(parts[2]) || parts[3].size() != 2 ||
        !all_digits(parts[3])) {
        return std::nullopt;
    }
    out.symbol = std::string(parts[0]);
    out.interval = std::string(parts[1]);
    out.year = to_int(parts[2]);
    out.month = to_int(parts[3]);
    if (out.year < 1970 || out.month < 1 || out.month > 12) return std::nullopt;
    if (n == 5) {
        if (parts[4].size() != 2 || !all_digits(parts[4])) return std::nullopt;
        char date[16];
        std::snprintf(date, sizeof date, "%04d-%02d-%s", out.year, out.month,
                      std::string(parts[4]).c_str());
        if (!config::parse_date(date)) return std::nullopt;
        out.day = to_int(parts[4]);
    }
    return out;
}

std::string monthly_csv_name(const std::string& symbol, const std::string& interval, int year,
                             int month) {
    char period[16];
    std::snprintf(period, sizeof period, "%04d-%02d", year, month);
    return symbol + "-" + interval + "-" + period + ".csv";
}

std::string archive_pattern(const std::string& symbol, const std::string& interval) {
    return symbol + "-" + interval + "-<YYYY-MM>[-<DD>].csv|.zip";
}

}  // namespace backtest
