// What the tradebotd end-to-end suites share: the binaries, a sim config in a temporary folder,
// starting the daemon there, polling its database, and stopping it. Deadlines are generous: they
// bound a hang, they never measure speed.
#pragma once

#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "storage/errors.h"
#include "storage/reader.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

namespace daemon_test {

using nlohmann::json;
using testing_support::ChildProcess;
using testing_support::TempDir;

inline const std::string kDaemon = std::string(TRADEBOT_BIN_DIR) + "/tradebotd";
inline const std::string kCtl = std::string(TRADEBOT_BIN_DIR) + "/tradebotctl";
constexpr auto kLong = std::chrono::seconds(120);  // bounds a hang, never a speed check

// A config like config/examples/sim.json with everything in the temp folder. Shorter indicator
// periods than the example make signals frequent enough for quick tests.
inline json sim_config(const TempDir& dir, std::vector<std::string> symbols) {
    json syms = json::array();
    for (const auto& s : symbols) {
        if (s == "XRPUSDT") {
            syms.push_back(
                {{"symbol", s},
                 {"strategy",
                  {{"name", "rsi"}, {"period", 6}, {"oversold", 45}, {"overbought", 55}}}});
        } else {
            syms.push_back(s);
        }
    }
    return {{"database", {{"path", dir.file("state/bot_state.db")}, {"busy_timeout_ms", 5000}}},
            {"exchange", {{"name", "sim"}, {"sim", {{"seed", 7}, {"tick_ms", 20}}}}},
            {"trading",
             {{"mode", "paper"},
              {"quote_per_trade", "100"},
              {"max_position_quote", "1000"},
              {"fee_rate", "0.001"}}},
            {"strategy", {{"name", "ema_cross"}, {"interval", "1m"}, {"fast", 2}, {"slow", 5}}},
            {"symbols", syms},
            {"log", {{"level", "info"}, {"heartbeat_s", 1}, {"format", "text"}}}};
}

inline std::string write_config(const TempDir& dir, const json& cfg,
                                const std::string& name = "tb.json") {
    std::string path = dir.file(name);
    std::ofstream(path) << cfg.dump(2);
    return path;
}

inline std::string db_path(const TempDir& dir) { return dir.file("state/bot_state.db"); }

inline std::unique_ptr<ChildProcess> start_daemon(const TempDir& dir, const std::string& config,
                                                  std::map<std::string, std::string> env = {}) {
    return std::make_unique<ChildProcess>(std::vector<std::string>{kDaemon, "--config", config},
                                          std::move(env), dir.path().string());
}

// Polls the database (which may not exist yet) until pred(reader) holds.
template <class Pred>
bool wait_for_db(const std::string& path, Pred pred, std::chrono::seconds timeout = kLong) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            storage::Reader reader(path);
            if (pred(reader)) return true;
        } catch (const storage::OpenError&) {
            // not created yet
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
}

// Waits until the daemon's stderr contains `text`.
inline bool wait_for_log(ChildProcess& p, const std::string& text,
                         std::chrono::seconds timeout = kLong) {
    return p.wait_until_output(
        [&](const std::string& e) { return e.find(text) != std::string::npos; }, timeout, true);
}

// SIGTERM and the exit code (nullopt: still running after the deadline).
inline std::optional<int> terminate(ChildProcess& p, std::chrono::milliseconds within) {
    p.signal(SIGTERM);
    return p.wait_for(within);
}

}  // namespace daemon_test
