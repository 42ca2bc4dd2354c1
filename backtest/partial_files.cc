#include "backtest/partial_files.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>

namespace backtest {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSides[] = {"-wal", "-shm", "-journal"};

// Whether a process of this pid runs (EPERM: it does, as another user).
bool process_runs(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

// Whether someone holds the file's lock; false for a file that is gone.
bool locked(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return false;
    const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);  // releases the lock if we took it
    return held;
}

}  // namespace

fs::path partial_path(const fs::path& target) {
    return target.parent_path() /
           (target.filename().string() + ".partial-" + std::to_string(::getpid()));
}

std::vector<std::string> remove_stale_partials(const fs::path& target) {
    std::vector<std::string> removed;
    const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    const std::string prefix = target.filename().string() + ".partial-";
    // pid -> the file names of that run found here
    std::map<pid_t, std::vector<std::string>> runs;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        std::string rest = name.substr(prefix.size());
        for (const char* side : kSides) {
            if (rest.size() > std::strlen(side) && rest.ends_with(side)) {
                rest.resize(rest.size() - std::strlen(side));
                break;
            }
        }
        if (rest.empty() || rest.size() > 9 ||
            rest.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        const pid_t pid = static_cast<pid_t>(std::stol(rest));
        if (pid <= 0 || pid == ::getpid()) continue;
        runs[pid].push_back(name);
    }
    for (const auto& [pid, names] : runs) {
        if (process_runs(pid)) continue;
        const fs::path main = dir / (prefix + std::to_string(pid));
        if (locked(main)) continue;
        const bool had_main = fs::exists(fs::symlink_status(main, ec));
        for (const std::string& name : names) {
            const fs::path p = dir / name;
            if (!fs::remove(p, ec) || ec) continue;
            if (!had_main || p == main) removed.push_back(name);
        }
    }
    return removed;
}

PartialFileLock::PartialFileLock(const fs::path& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ < 0) {
        throw std::runtime_error("cannot create " + path.string() + ": " + std::strerror(errno));
    }
    // Held until the run ends; another run cannot hold it (the name carries this pid), so this
    // never waits.
    (void)::flock(fd_, LOCK_EX | LOCK_NB);
}

PartialFileLock::~PartialFileLock() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace backtest
