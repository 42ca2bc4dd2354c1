// Test helpers that write market data the way Binance's archive and tradebotd's recorder do:
// CSV rows, monthly files, real zip files (libzip) with a .CHECKSUM made by sha256sum, and a
// deterministic random walk to fill them. Shared by the backtest unit and integration tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace backtest_test {

struct Row {
    std::int64_t open_ms = 0;
    std::string open, high, low, close, volume;
    std::int64_t close_ms = 0;  // 0: open_ms + 59999
};

// "open,o,h,l,c,v,close,quote_volume,trades,taker_base,taker_quote,0\n" (8-decimal text as the
// archive writes it when the values are given that way).
std::string csv_row(const Row& r);
std::string csv(const std::vector<Row>& rows);

// `n` 1m candles from `start_ms`, a deterministic walk around `start_price` with prices of
// `decimals` decimals; each close is the next open.
std::vector<Row> walk(std::int64_t start_ms, int n, double start_price, std::uint64_t seed,
                      int decimals = 2);

void write_file(const std::filesystem::path& path, const std::string& content);
std::string read_file(const std::filesystem::path& path);

// A zip holding one entry `entry` with `content`, written with libzip.
void write_zip(const std::filesystem::path& zip, const std::string& entry,
               const std::string& content);
// Rewrites the uncompressed size that the zip's headers declare for its one entry (local header
// and central directory alike), as a zip crafted to lie about what it expands to.
void declare_zip_size(const std::filesystem::path& zip, std::uint32_t uncompressed);
// `<zip>.CHECKSUM` as Binance publishes it, made by running sha256sum in the zip's folder.
void write_checksum(const std::filesystem::path& zip);

// Monthly CSV files of `rows` (split by the month of each open time) under `dir`, named
// <symbol>-<interval>-<YYYY-MM>.csv; returns the paths.
std::vector<std::filesystem::path> write_monthly(const std::filesystem::path& dir,
                                                 const std::string& symbol,
                                                 const std::string& interval,
                                                 const std::vector<Row>& rows);

}  // namespace backtest_test
