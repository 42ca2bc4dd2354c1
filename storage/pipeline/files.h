// The database's place on disk: one normalised path per file, private folders and a private
// file. Private to storage/.
#pragma once

#include <string>

namespace storage::detail {

// Makes the parent folders of `path` exist and returns the absolute path with ".", ".." and
// symlinks resolved, so every spelling of one file gives one cache key. Folders it creates are
// 0700 whatever the umask (the database holds a trading history); existing ones are left alone.
// Throws OpenError naming the path and the cause.
std::string prepare_path(const std::string& path);

// Creates `path` empty and 0600 if it does not exist, so the file is private from its first
// byte (SQLite gives the -wal and -shm files the database file's mode). Throws OpenError.
void create_private_file(const std::string& path);

}  // namespace storage::detail
