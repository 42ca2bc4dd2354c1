// storage::ProcessLock — one writing process per database file.
//
// Two daemons on one database both trade: every order is placed twice and the positions stop
// matching the fills. SQLite's own locking cannot prevent that (each transaction is fine on its
// own), so the daemon holds an exclusive flock(2) on a lock file beside the database,
// "<database>.lock", for as long as it lives. The kernel drops the lock when the process ends in
// any way (exit, crash, kill -9), so a lock is never left stale and needs no clean-up; the file
// itself stays (removing it would let two processes lock two different files of one name).
//
// Take it before the database is opened or created. Read-only tools (tradebotctl) do not take it.
// The lock file holds the holder's pid, so a refused process can say who holds it. It applies to
// a database file only; a database server coordinates its clients by itself.
#pragma once

#include <sys/types.h>

#include <stdexcept>
#include <string>

namespace storage {

// Another process holds the lock. what() names the database, the lock file and the holder's pid.
class AlreadyLocked : public std::runtime_error {
public:
    AlreadyLocked(const std::string& message, pid_t holder_pid)
        : std::runtime_error(message), holder_pid_(holder_pid) {}
    // 0 when the holder has not written its pid yet (it is starting this very moment).
    pid_t holder_pid() const { return holder_pid_; }

private:
    pid_t holder_pid_;
};

class ProcessLock {
public:
    // The lock file of a database file: "<name>.lock" in the database's folder, with the folder
    // resolved to its real path (symlinks, "..", relative spellings), so every spelling of one
    // database names one lock file. The folder must exist.
    static std::string lock_path_for(const std::string& database_path);

    // Creates the database's folder (0700) if missing, then the lock file (0600), and takes the
    // lock without waiting. Throws AlreadyLocked when another process (or another ProcessLock in
    // this one) holds it, storage::OpenError when the folder or the file cannot be created or
    // locked (naming the path and the cause).
    explicit ProcessLock(const std::string& database_path);
    ~ProcessLock();  // releases the lock; the file stays
    ProcessLock(ProcessLock&& other) noexcept;
    ProcessLock& operator=(ProcessLock&& other) noexcept;
    ProcessLock(const ProcessLock&) = delete;
    ProcessLock& operator=(const ProcessLock&) = delete;

    const std::string& path() const { return path_; }  // the lock file

private:
    int fd_ = -1;
    std::string path_;
};

}  // namespace storage
