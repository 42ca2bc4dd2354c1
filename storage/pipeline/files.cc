#include "storage/pipeline/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "storage/errors.h"

namespace storage::detail {
namespace {

namespace fs = std::filesystem;

// mkdir -p with mode 0700 for every folder it creates.
void create_private_folders(const fs::path& folder, const std::string& db_path) {
    std::vector<fs::path> missing;
    std::error_code ec;
    for (fs::path p = folder; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
        missing.push_back(p);
        if (p == p.parent_path()) break;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
            throw OpenError("cannot open database " + db_path + ": cannot create the folder " +
                            it->string() + ": " + std::strerror(errno));
        }
        ::chmod(it->c_str(), 0700);  // the umask may have taken bits away from the owner
    }
    if (!fs::is_directory(folder, ec)) {
        throw OpenError("cannot open database " + db_path + ": cannot create the folder " +
                        folder.string() + ": " + std::strerror(ENOTDIR));
    }
}

}  // namespace

std::string prepare_path(const std::string& path) {
    if (path.empty()) throw OpenError("cannot open database: the path is empty");
    std::error_code ec;
    fs::path abs = fs::absolute(fs::path(path), ec).lexically_normal();
    if (ec) throw OpenError("cannot open database " + path + ": " + ec.message());
    if (!abs.has_filename()) {
        throw OpenError("cannot open database " + path + ": the path names a folder, not a file");
    }
    create_private_folders(abs.parent_path(), abs.string());
    fs::path canon = fs::weakly_canonical(abs, ec);
    return ec ? abs.string() : canon.string();
}

void create_private_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::fchmod(fd, 0600);  // whatever the umask
        ::close(fd);
    } else if (errno != EEXIST) {
        throw OpenError("cannot open database " + path +
                        ": cannot create the file: " + std::strerror(errno));
    }
}

}  // namespace storage::detail
