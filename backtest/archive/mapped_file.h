// A whole file mapped read-only into memory: the reader parses the page cache in place, with no
// copy and no per-line allocation.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

namespace backtest {

class MappedFile {
public:
    // Throws DataError naming the path and the system's reason.
    explicit MappedFile(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

private:
    void* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace backtest
