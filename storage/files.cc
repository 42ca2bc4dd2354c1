#include "storage/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "storage/errors.h"

namespace storage::detail {
namespace {

namespace fs = std::filesystem;

}  // namespace

std::string prepare_path(const std::string& path) {
    if (path.empty()) throw OpenError("cannot open database: the path is empty");
    std::error_code ec;
    fs::path abs = fs::absolute(fs::path(path), ec).lexically_normal();
    if (ec) throw OpenError("cannot open database " + path + ": " + ec.message());
    if (!abs.has_filename()) {
        throw OpenError("cannot open database " + path + ": the path names a folder, not a file");
    }
    fs::path parent = abs.parent_path();
    fs::create_directories(parent, ec);
    if (ec) {
        throw OpenError("cannot open database " + abs.string() + ": cannot create the folder " +
                        parent.string() + ": " + ec.message());
    }
    fs::path canon = fs::weakly_canonical(abs, ec);
    return ec ? abs.string() : canon.string();
}

void create_private_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);
    } else if (errno != EEXIST) {
        throw OpenError("cannot open database " + path +
                        ": cannot create the file: " + std::strerror(errno));
    }
}

}  // namespace storage::detail
