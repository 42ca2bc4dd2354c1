// One symbol's candles from its files, oldest first, each open time once: the market-data source
// of a replay.
//
// Files are read in the order of the periods their names cover. Files whose periods overlap (a
// daily file inside a monthly one, the same month as .csv and .zip, or twice in two folders) are
// read together, sorted by open time and deduplicated, the first file in period-then-path order
// winning; a repeated candle with other values is counted as a conflict and named once. Between
// overlap groups only one group is held in memory (a month of 1m candles is 4 MB). A jump of more
// than one interval between consecutive candles is a gap: counted, the first few listed, never
// filled in.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "backtest/archive/scan.h"
#include "backtest/archive/candle.h"

namespace backtest {

struct Gap {
    std::int64_t after_open_ms = 0;  // the last candle before the gap
    std::int64_t missing = 0;        // candles missing
};

struct SourceStats {
    static constexpr std::size_t kListedGaps = 10;

    std::size_t files = 0;
    std::size_t checksums_verified = 0;
    std::uint64_t bytes = 0;       // of the files, as stored
    std::uint64_t rows = 0;        // candles read from the files
    std::uint64_t candles = 0;     // in range, each open time once
    std::uint64_t duplicates = 0;  // rows dropped as repeats of an open time
    std::uint64_t conflicts = 0;   // of those, repeats with other values
    std::string first_conflict;    // "2024-03-05 10:00 in a.csv differs from b.zip"
    std::uint64_t gaps = 0;
    std::uint64_t missing = 0;    // candles missing in all gaps
    std::vector<Gap> first_gaps;  // at most kListedGaps
    std::int64_t first_open_ms = 0;
    std::int64_t last_open_ms = 0;
    std::int64_t last_close_ms = 0;
};

class CandleSource {
public:
    // `files` as files_for() returns them; candles outside [from_ms, to_ms) are skipped.
    CandleSource(std::string symbol, std::string interval, std::vector<ArchiveFile> files,
                 std::int64_t from_ms, std::int64_t to_ms);

    // Calls `sink` with runs of candles (each run valid during the call only) until the files
    // are done or `sink` returns false; `on_file` after each file is read. Throws DataError.
    void run(const std::function<bool(std::span<const Candle>)>& sink,
             const std::function<void(const ArchiveFile&)>& on_file = {});

    const SourceStats& stats() const { return stats_; }
    const std::vector<ArchiveFile>& files() const { return files_; }

private:
    void load(const ArchiveFile& f);
    // Sorts buffer_ by open time and drops repeats; `origins` holds, per run of rows appended
    // by one file, the index where it starts.
    void merge(const std::vector<std::size_t>& origins, const std::vector<std::size_t>& file_index);
    void note_gap(std::int64_t prev_open, std::int64_t open);

    // Constant after construction
    const std::string symbol_;
    const std::string interval_;
    const std::vector<ArchiveFile> files_;
    const std::int64_t from_ms_;
    const std::int64_t to_ms_;
    const std::int64_t interval_ms_;  // 0: calendar months ("1M")

    std::vector<Candle> buffer_;
    std::string inflated_;  // a zip's CSV, reused
    SourceStats stats_;
};

}  // namespace backtest
