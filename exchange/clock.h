// The wall clock as the exchange code counts market time: milliseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>

namespace exchange {

inline std::int64_t wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace exchange
