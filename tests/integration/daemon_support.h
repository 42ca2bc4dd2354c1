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

#include "support/child_process.h"
#include "support/config.h"
#include "support/daemon.h"
#include "support/storage.h"
#include "support/temp_dir.h"

namespace daemon_test {

using nlohmann::json;
using testing_support::ChildProcess;
using testing_support::start_daemon;
using testing_support::TempDir;
using testing_support::write_config;

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
            {"trading", testing_support::paper_trading_json()},
            {"strategy", testing_support::quick_ema_cross_json()},
            {"symbols", syms},
            {"log", {{"level", "info"}, {"heartbeat_s", 1}, {"format", "text"}}}};
}

inline std::string db_path(const TempDir& dir) { return dir.file("state/bot_state.db"); }

// Polls the database (which may not exist yet) until pred(reader) holds, every 200 ms.
template <class Pred>
bool wait_for_db(const std::string& path, Pred pred, std::chrono::seconds timeout = kLong) {
    return testing_support::wait_for_db(path, pred, timeout, std::chrono::milliseconds(200));
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
