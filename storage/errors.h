// Start-up errors of the storage module (exceptions only at start-up, per STYLE.md).
#pragma once

#include <stdexcept>
#include <string>

namespace storage {

// The database at a path could not be opened or prepared. what() names the path and the cause.
class OpenError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace storage
