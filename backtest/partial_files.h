// The temporary files a backtest writes beside its results ("<target>.partial-<pid>", renamed
// into place when done), and what killed runs leave of them.
//
// A run holds an flock on its temporary file for as long as it writes it. A file of that name is
// a leftover only when both say so: no process of that pid runs here, and nobody holds the file's
// lock (a run in another PID namespace sharing the folder still does). Then it is removed with its
// SQLite side files (-wal, -shm, -journal). Anything else is left alone.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace backtest {

// "<target>.partial-<this process's pid>".
std::filesystem::path partial_path(const std::filesystem::path& target);

// Removes the leftovers of killed runs beside `target` (see above) and returns the names of the
// files removed (a side file is named only when its main file was gone already). Never throws: a
// file that cannot be removed is left where it is.
std::vector<std::string> remove_stale_partials(const std::filesystem::path& target);

// Holds the lock on a temporary file (creating it empty if it does not exist yet) until
// destroyed. Throws std::runtime_error when the file cannot be created.
class PartialFileLock {
public:
    explicit PartialFileLock(const std::filesystem::path& path);
    ~PartialFileLock();
    PartialFileLock(const PartialFileLock&) = delete;
    PartialFileLock& operator=(const PartialFileLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace backtest
