// The result of parsing one Binance message: a value or the reason it could not be read.
// Parsers never throw: a malformed message is a value the caller counts and logs.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace exchange::binance {

template <class T>
struct Parsed {
    std::optional<T> value;
    std::string error;  // set when value is empty

    static Parsed ok(T v) { return Parsed{std::move(v), {}}; }
    static Parsed fail(std::string why) { return Parsed{std::nullopt, std::move(why)}; }
    explicit operator bool() const { return value.has_value(); }
};

}  // namespace exchange::binance
