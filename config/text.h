// Text helpers every layer uses for its messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace config {

// "a|b|c" for join({"a", "b", "c"}, "|"); "" for no parts.
inline std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) out += separator;
        out += p;
    }
    return out;
}

}  // namespace config
