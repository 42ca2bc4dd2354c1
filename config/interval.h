// The kline intervals a config may name — Binance's: 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d
// 3d 1w 1M — and how long their candles are. The one table the validator, the simulated
// exchange and the Binance stream all read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace config {

// Every interval name, shortest first.
const std::vector<std::string>& kline_intervals();

// The length of a candle of `interval` in milliseconds, nullopt for an unknown name. A month
// ("1M") counts 30 days: the simulated exchange has no calendar and aligns candles to it.
std::optional<std::int64_t> kline_interval_ms(std::string_view interval);

// The longest a real candle of `interval` lasts: as kline_interval_ms, except that a calendar
// month may have 31 days. What gap detection must allow between two consecutive open times.
std::optional<std::int64_t> longest_kline_ms(std::string_view interval);

}  // namespace config
