// Results of storage calls, as values the caller must look at.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace storage {

enum class Code {
    kOk,
    kInvalid,  // the row itself was refused (CHECK, NOT NULL, foreign key): permanent, not retried
    kClosed,   // the Database (or every cached connection) was closed before the write committed
    kFenced,   // several processes share the database and this one no longer holds the lease of
               // the batch's symbol (another process trades it now): refused, never retried
    kError,    // anything else permanent (corruption, misuse)
};

const char* to_string(Code c);

class Status {
public:
    Status() = default;
    Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
    static Status ok() { return {}; }

    bool is_ok() const { return code_ == Code::kOk; }
    Code code() const { return code_; }
    const std::string& message() const { return message_; }
    std::string to_string() const;

private:
    Code code_ = Code::kOk;
    std::string message_;
};

// A value or the Status that says why there is none.
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}       // NOLINT: implicit on purpose
    Result(Status error) : v_(std::move(error)) {}  // NOLINT
    bool is_ok() const { return std::holds_alternative<T>(v_); }
    const T& value() const { return std::get<T>(v_); }
    T& value() { return std::get<T>(v_); }
    Status status() const { return is_ok() ? Status::ok() : std::get<Status>(v_); }

private:
    std::variant<T, Status> v_;
};

}  // namespace storage
