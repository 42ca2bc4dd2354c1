#include "storage/status.h"

namespace storage {

const char* to_string(Code c) {
    switch (c) {
        case Code::kOk:
            return "ok";
        case Code::kInvalid:
            return "invalid";
        case Code::kClosed:
            return "closed";
        case Code::kFenced:
            return "fenced";
        case Code::kError:
            return "error";
    }
    return "error";
}

std::string Status::to_string() const {
    if (is_ok()) return "ok";
    return std::string(storage::to_string(code_)) + ": " + message_;
}

}  // namespace storage
