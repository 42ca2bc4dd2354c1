#include "storage/process_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "storage/errors.h"

namespace storage {
namespace {

namespace fs = std::filesystem;

std::string errno_text(int err) { return std::strerror(err); }

// mkdir -p with mode 0700 for the folders it creates: the database holds trading state.
void create_folders(const fs::path& folder) {
    fs::path prefix;
    for (const auto& part : folder) {
        prefix /= part;
        if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
            throw OpenError("cannot open database folder " + folder.string() + ": cannot create " +
                            prefix.string() + ": " + errno_text(errno));
        }
    }
}

// The pid the holder wrote into the lock file, or 0 if there is none yet.
pid_t read_holder(int fd) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    char* end = nullptr;
    const long pid = std::strtol(buf, &end, 10);
    return pid > 0 && end != buf ? static_cast<pid_t>(pid) : 0;
}

}  // namespace

std::string ProcessLock::lock_path_for(const std::string& database_path) {
    const fs::path db = fs::absolute(database_path).lexically_normal();
    std::error_code ec;
    fs::path folder = fs::canonical(db.parent_path(), ec);
    if (ec) folder = db.parent_path();  // missing: the caller creates it, or fails naming it
    return (folder / db.filename()).string() + ".lock";
}

ProcessLock::ProcessLock(const std::string& database_path) {
    const fs::path db = fs::absolute(database_path).lexically_normal();
    create_folders(db.parent_path());
    path_ = lock_path_for(database_path);

    // O_CLOEXEC: a child the process starts must not inherit the lock and keep it alive.
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ < 0) {
        throw OpenError("cannot open database " + db.string() + ": cannot create its lock file " +
                        path_ + ": " + errno_text(errno));
    }
    int rc;
    do {
        rc = ::flock(fd_, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        const int err = errno;
        const pid_t holder = err == EWOULDBLOCK ? read_holder(fd_) : 0;
        ::close(fd_);
        fd_ = -1;
        if (err != EWOULDBLOCK) {
            throw OpenError("cannot open database " + db.string() + ": cannot lock " + path_ +
                            ": " + errno_text(err));
        }
        throw AlreadyLocked("database " + db.string() + " is in use by another process (pid " +
                                (holder > 0 ? std::to_string(holder) : std::string("unknown")) +
                                ", lock file " + path_ + ")",
                            holder);
    }
    // Ours now: record who holds it for the next one that is refused. A failure here costs only
    // that message, so it is not an error.
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) {
        [[maybe_unused]] ssize_t n = ::pwrite(fd_, pid.data(), pid.size(), 0);
    }
}

ProcessLock::~ProcessLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

ProcessLock::ProcessLock(ProcessLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

ProcessLock& ProcessLock::operator=(ProcessLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        path_ = std::move(other.path_);
    }
    return *this;
}

}  // namespace storage
