// tradebotd under hostile input and failing parts, as a user or an attacker would meet it: a
// config number beyond double range (every binary, and SIGHUP), a stop while storage fails, the
// metrics port under abuse. The real binaries, real sockets and signals. Deadlines bound hangs;
// the only times asserted are the contract's own ("within 5 s", "within a second").
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "daemon_support.h"

using namespace daemon_test;
using testing_support::ChildProcess;
using testing_support::TempDir;

namespace {

using Clock = std::chrono::steady_clock;
const std::string kBacktest = std::string(TRADEBOT_BIN_DIR) + "/tradebot-backtest";

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// `cfg` as text with one value replaced by raw JSON text no json object can hold (1e400).
std::string with_raw_value(const json& cfg, const std::string& key, const std::string& raw) {
    std::string text = cfg.dump(2);
    const std::string needle = "\"" + key + "\": ";
    const auto at = text.find(needle);
    REQUIRE(at != std::string::npos);
    const auto value = at + needle.size();
    const auto end = text.find_first_of(",\n}", value);
    text.replace(value, end - value, raw);
    return text;
}

std::string write_text(const TempDir& dir, const std::string& name, const std::string& text) {
    const std::string path = dir.file(name);
    std::ofstream(path) << text;
    return path;
}

}  // namespace

TEST_CASE("faults: a config number beyond double range is exit 78 naming its key, in every binary",
          "[daemon][faults]") {
    TempDir dir;
    const json cfg = sim_config(dir, {"BTCUSDT"});
    const std::string seed = write_text(dir, "seed.json", with_raw_value(cfg, "seed", "1e400"));
    const std::string busy =
        write_text(dir, "busy.json", with_raw_value(cfg, "busy_timeout_ms", "-1e400"));
    const std::string seed_error =
        "exchange.sim.seed: number 1e400 is out of range (beyond what a double holds)";
    const std::string busy_error =
        "database.busy_timeout_ms: number -1e400 is out of range (beyond what a double holds)";
    for (const auto& [config, error] :
         {std::pair{seed, seed_error}, std::pair{busy, busy_error}}) {
        INFO(config);
        for (const std::vector<std::string>& argv :
             {std::vector<std::string>{kDaemon, "--config", config},
              std::vector<std::string>{kDaemon, "--config", config, "--check-config"},
              std::vector<std::string>{kCtl, "--config", config, "signals"},
              std::vector<std::string>{kBacktest, "--config", config, "--data", dir.file("x")}}) {
            auto r = testing_support::run(argv, kLong, {}, dir.path().string());
            INFO(argv[0] << "\n" << r.err);
            CHECK(r.exit_code == 78);
            CHECK(contains(r.err, error));
        }
    }
    CHECK_FALSE(std::filesystem::exists(db_path(dir)));
}

TEST_CASE("faults: on SIGHUP a config number beyond double range is rejected, the running config "
          "kept",
          "[daemon][faults]") {
    TempDir dir;
    const json cfg = sim_config(dir, {"BTCUSDT"});
    const std::string config = write_config(dir, cfg);
    auto daemon = start_daemon(dir, config);
    REQUIRE(wait_for_log(*daemon, "ready:"));
    write_text(dir, "tb.json", with_raw_value(cfg, "seed", "1e400"));
    daemon->signal(SIGHUP);
    REQUIRE(wait_for_log(*daemon, "reload rejected"));
    const std::string err = daemon->stderr_text();
    CHECK(contains(err, "reload rejected: exchange.sim.seed: number 1e400 is out of range"));
    CHECK(daemon->running());
    // Still trading on the running config: a signal is committed after the rejected reload.
    const std::size_t mark = daemon->stderr_text().size();
    REQUIRE(daemon->wait_until_output(
        [&](const std::string& e) { return e.find(" signal ", mark) != std::string::npos; }, kLong,
        true));
    CHECK(terminate(*daemon, kLong) == std::optional<int>(0));
}
