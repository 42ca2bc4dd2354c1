// The owning handle of a SQLite connection (after SQLiteCpp): closed by its destructor, never by
// hand. Its own header so that public headers (reader.h) need not include sqlite3.h.
#pragma once

#include <memory>

struct sqlite3;

namespace storage::detail {

struct DbCloser {
    void operator()(sqlite3* db) const noexcept;  // sqlite3_close_v2
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

}  // namespace storage::detail
