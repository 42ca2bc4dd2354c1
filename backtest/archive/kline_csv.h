// Parser of the archive's kline CSV. Twelve columns: open time, open, high, low, close, volume,
// close time, quote volume, trades, taker buy base volume, taker buy quote volume, ignore.
//
// Tolerated: a header row (a first line of twelve column names, "open_time,open,..."; a UTF-8
// byte order mark before it), CRLF line ends, blank lines, a missing final newline; open and
// close times in milliseconds or in microseconds (the archive's spot files from 2025 on), told
// apart per value by size, so a month may mix them.
// Refused, with "<label>:<line>: <field>: <problem>": a first line that is neither a header nor a
// row (a damaged first row is never taken for a header), CR-only line ends, a row without exactly
// 12 fields, a number that does not parse (or has more than 12 decimals), a negative volume, a
// price <= 0, a high below the open, close or low, a low above the open or close, a close time
// before the open time, an open time outside the period the file's name covers.
//
// The hot loop allocates nothing: it reads the bytes in place and appends to the caller's vector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "backtest/archive/candle.h"

namespace backtest {

// Open times at or above this are microseconds: 10^14 ms is the year 5138, 10^14 us is 1973.
inline constexpr std::int64_t kMicrosecondThreshold = 100000000000000;

struct KlineColumns {
    static constexpr int kCount = 12;
    static constexpr const char* kNames[kCount] = {"open_time",
                                                   "open",
                                                   "high",
                                                   "low",
                                                   "close",
                                                   "volume",
                                                   "close_time",
                                                   "quote_volume",
                                                   "trades",
                                                   "taker_buy_base_volume",
                                                   "taker_buy_quote_volume",
                                                   "ignore"};
};

// Parses `text` (a whole file) and appends its candles to `out`, in file order. `label` names the
// file in errors; rows must open within [period_begin_ms, period_end_ms). Returns the number of
// candles appended. Throws DataError.
std::size_t parse_klines(std::string_view text, std::string_view label,
                         std::int64_t period_begin_ms, std::int64_t period_end_ms,
                         std::vector<Candle>& out);

}  // namespace backtest
