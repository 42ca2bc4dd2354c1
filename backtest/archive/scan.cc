#include "backtest/archive/scan.h"

#include <algorithm>
#include <system_error>

#include "backtest/archive/data_error.h"

namespace backtest {

namespace fs = std::filesystem;

std::vector<ArchiveFile> scan_archive(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        throw NoDataError("--data " + dir.string() + ": " +
                          (ec ? ec.message() : std::string("not a directory")));
    }
    std::vector<ArchiveFile> out;
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    if (ec) throw NoDataError("--data " + dir.string() + ": " + ec.message());
    for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
        if (ec) throw NoDataError("--data " + dir.string() + ": " + ec.message());
        std::error_code file_ec;
        if (!it->is_regular_file(file_ec)) continue;
        auto name = parse_archive_name(it->path().filename().string());
        if (!name) continue;
        ArchiveFile f;
        f.path = it->path();
        f.name = std::move(*name);
        f.size = it->file_size(file_ec);
        out.push_back(std::move(f));
    }
    std::sort(out.begin(), out.end(),
              [](const ArchiveFile& a, const ArchiveFile& b) { return a.path < b.path; });
    return out;
}

std::vector<ArchiveFile> files_for(const std::vector<ArchiveFile>& all, const std::string& symbol,
                                   const std::string& interval, std::int64_t from_ms,
                                   std::int64_t to_ms) {
    std::vector<ArchiveFile> out;
    for (const auto& f : all) {
        if (f.name.symbol != symbol || f.name.interval != interval) continue;
        if (f.name.end_ms() <= from_ms || f.name.begin_ms() >= to_ms) continue;
        out.push_back(f);
    }
    std::stable_sort(out.begin(), out.end(), [](const ArchiveFile& a, const ArchiveFile& b) {
        if (a.name.begin_ms() != b.name.begin_ms()) return a.name.begin_ms() < b.name.begin_ms();
        return (a.name.day == 0) > (b.name.day == 0);  // the month first
    });
    return out;
}

}  // namespace backtest
