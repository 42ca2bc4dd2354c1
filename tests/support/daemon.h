// Running the real tradebotd from a test: its config written to a file, the process started in
// the test's folder. Header-only.
#pragma once

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/temp_dir.h"

namespace testing_support {

inline const std::string kDaemonBinary = std::string(TRADEBOT_BIN_DIR) + "/tradebotd";

// Writes `cfg` to `name` in `dir`; returns its path.
inline std::string write_config(const TempDir& dir, const nlohmann::json& cfg,
                                const std::string& name = "tb.json") {
    std::string path = dir.file(name);
    std::ofstream(path) << cfg.dump(2);
    return path;
}

// tradebotd --config `config`, in `dir`, with `env` added to its environment.
inline std::unique_ptr<ChildProcess> start_daemon(const TempDir& dir, const std::string& config,
                                                  std::map<std::string, std::string> env = {}) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{kDaemonBinary, "--config", config}, std::move(env),
        dir.path().string());
}

}  // namespace testing_support
