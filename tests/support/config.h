// The message a config is refused with, for tests that check it word for word. Header-only.
#pragma once

#include <string>

#include "config/loader.h"

namespace testing_support {

// What parse_config() says about `text`, or "(accepted)".
inline std::string config_error_of(const std::string& text) {
    try {
        config::parse_config(text);
    } catch (const config::ConfigError& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace testing_support
