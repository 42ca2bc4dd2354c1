// Checks on row values that need no database: a row that can never be written is refused at once
// with a message naming the field, before it is queued. Private to storage/.
#pragma once

#include <string>

#include "storage/write_batch.h"

namespace storage::detail {

// Empty when every op of `batch` can be written; else what is wrong ("signal: side must be BUY
// or SELL, got \"HOLD\"").
std::string check_rows(const WriteBatch& batch);

}  // namespace storage::detail
