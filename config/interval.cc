#include "config/interval.h"

#include <array>

#include "config/calendar.h"

namespace config {
namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = kMsPerDay;

struct NamedInterval {
    std::string_view name;
    std::int64_t ms;
};

constexpr std::array<NamedInterval, 16> kIntervals = {{
    {"1s", kSecond},
    {"1m", kMinute},
    {"3m", 3 * kMinute},
    {"5m", 5 * kMinute},
    {"15m", 15 * kMinute},
    {"30m", 30 * kMinute},
    {"1h", kHour},
    {"2h", 2 * kHour},
    {"4h", 4 * kHour},
    {"6h", 6 * kHour},
    {"8h", 8 * kHour},
    {"12h", 12 * kHour},
    {"1d", kDay},
    {"3d", 3 * kDay},
    {"1w", 7 * kDay},
    {"1M", 30 * kDay},
}};

}  // namespace

const std::vector<std::string>& kline_intervals() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& i : kIntervals) out.emplace_back(i.name);
        return out;
    }();
    return names;
}

std::optional<std::int64_t> kline_interval_ms(std::string_view interval) {
    for (const auto& i : kIntervals) {
        if (i.name == interval) return i.ms;
    }
    return std::nullopt;
}

std::optional<std::int64_t> longest_kline_ms(std::string_view interval) {
    if (interval == "1M") return 31 * kDay;
    return kline_interval_ms(interval);
}

}  // namespace config
