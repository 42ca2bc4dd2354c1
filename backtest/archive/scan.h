// Finding a symbol's kline files under --data: any depth, any mix of monthly and daily, CSV and zip
// files, as Binance's archive is downloaded or as tradebotd records them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "backtest/archive/name.h"

namespace backtest {

struct ArchiveFile {
    std::filesystem::path path;
    ArchiveName name;
    std::uintmax_t size = 0;  // bytes on disk (progress and ETA)
};

// Every regular file under `dir`, at any depth, whose name parses as an archive name, sorted by
// path. Directory symlinks below `dir` are not followed (a loop would never end). Throws
// NoDataError when `dir` is not a readable directory.
std::vector<ArchiveFile> scan_archive(const std::filesystem::path& dir);

// The files of `symbol` and `interval` whose period overlaps [from_ms, to_ms), ordered by the
// start of their period, a month before the days inside it, then by path.
std::vector<ArchiveFile> files_for(const std::vector<ArchiveFile>& all, const std::string& symbol,
                                   const std::string& interval, std::int64_t from_ms,
                                   std::int64_t to_ms);

}  // namespace backtest
