#include "backtest/archive/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "backtest/archive/data_error.h"

namespace backtest {

MappedFile::MappedFile(const std::filesystem::path& path) {
    auto fail = [&path](int err) {
        return DataError(path.string() + ": cannot read: " + std::strerror(err));
    };
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw fail(errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        throw fail(err);
    }
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
        // MAP_POPULATE: the whole file is read at once, so parsing takes no page faults.
        data_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (data_ == MAP_FAILED) {
            const int err = errno;
            data_ = nullptr;
            ::close(fd);
            throw fail(err);
        }
    }
    ::close(fd);  // the mapping keeps the file
}

MappedFile::~MappedFile() {
    if (data_) ::munmap(data_, size_);
}

}  // namespace backtest
