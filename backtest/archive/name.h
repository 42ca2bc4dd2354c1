// The file names of Binance's public kline archive, which tradebot also writes when it records
// market data: <SYMBOL>-<interval>-<YYYY-MM>.csv|.zip for a month, <SYMBOL>-<interval>-<YYYY-MM-DD>
// for a day. The name says which candles the file holds; the reader relies on it to order and
// deduplicate files and refuses a row outside the period its file names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace backtest {

struct ArchiveName {
    std::string symbol;    // "BTCUSDT"
    std::string interval;  // "1m"
    int year = 0;
    int month = 0;
    int day = 0;  // 0: a monthly file
    bool zip = false;

    // The period the file covers, [begin_ms, end_ms) in UTC.
    std::int64_t begin_ms() const;
    std::int64_t end_ms() const;
    // "2024-03" or "2024-03-05".
    std::string period() const;
};

// nullopt for any other name (including a .CHECKSUM, a wrong date or an unknown interval).
[[nodiscard]] std::optional<ArchiveName> parse_archive_name(std::string_view file_name);

// The name of a monthly CSV file: "BTCUSDT-1m-2024-03.csv".
std::string monthly_csv_name(const std::string& symbol, const std::string& interval, int year,
                             int month);

// What a symbol's files must be called, for messages: "BTCUSDT-1m-<YYYY-MM>[-<DD>].csv|.zip".
std::string archive_pattern(const std::string& symbol, const std::string& interval);

// True for Binance's kline intervals (1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M).
bool is_kline_interval(std::string_view interval);

}  // namespace backtest
