// config/systemd/tradebotd.service: the contract keys are there, and `systemd-analyze verify`
// finds nothing to say about it. On a development machine /usr/bin/tradebotd does not exist, so
// the unit is verified as a copy whose ExecStart names the tradebotd just built (everything else
// byte for byte the same).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "support/child_process.h"
#include "support/temp_dir.h"

using testing_support::RunResult;
using testing_support::TempDir;

namespace {

const std::string kUnit = std::string(TRADEBOT_SOURCE_DIR) + "/config/systemd/tradebotd.service";
const std::string kDaemon = std::string(TRADEBOT_BIN_DIR) + "/tradebotd";
const std::string kInstalledExec = "/usr/bin/tradebotd --config /etc/tradebot/tradebot.json";

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The absolute path of a program on $PATH, or "".
std::string find_program(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(std::string(path ? path : "") + ":/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (dir.empty()) continue;
        std::string candidate = dir + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return {};
}

std::string systemd_analyze() {
    std::string p = find_program("systemd-analyze");
    INFO("systemd-analyze is missing: apt-get install systemd (Makefile DEB_PACKAGES)");
    REQUIRE_FALSE(p.empty());
    return p;
}

// Key -> values (a key may repeat), over every section.
std::multimap<std::string, std::string> unit_keys(const std::string& text) {
    std::multimap<std::string, std::string> keys;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line[0] == ';' || line[0] == '[') continue;
        auto eq = line.find('=');
        REQUIRE(eq != std::string::npos);
        keys.emplace(line.substr(0, eq), line.substr(eq + 1));
    }
    return keys;
}

std::string only(const std::multimap<std::string, std::string>& keys, const std::string& key) {
    INFO("key " << key);
    REQUIRE(keys.count(key) == 1);
    return keys.find(key)->second;
}

// The unit with ExecStart pointing at the built daemon, written as <dir>/tradebotd.service.
std::string local_copy(const TempDir& dir, std::string text) {
    auto at = text.find("ExecStart=" + kInstalledExec);
    REQUIRE(at != std::string::npos);
    text.replace(at + std::strlen("ExecStart="), std::strlen("/usr/bin/tradebotd"), kDaemon);
    std::string path = dir.file("tradebotd.service");
    std::ofstream(path) << text;
    return path;
}

}  // namespace

TEST_CASE("the unit file carries the contract settings", "[ops][systemd]") {
    auto keys = unit_keys(read_file(kUnit));
    CHECK(only(keys, "Type") == "notify");
    CHECK(only(keys, "ExecStart") == kInstalledExec);
    CHECK(only(keys, "ExecReload") == "/bin/kill -HUP $MAINPID");
    CHECK(std::regex_match(only(keys, "WatchdogSec"), std::regex("[0-9]+s")));
    CHECK(only(keys, "Restart") == "on-failure");
    CHECK(std::regex_search(only(keys, "RestartPreventExitStatus"), std::regex("(^| )78( |$)")));
    CHECK(std::regex_match(only(keys, "TimeoutStopSec"), std::regex("[0-9]+s")));
    CHECK(only(keys, "DynamicUser") == "yes");
    CHECK(only(keys, "StateDirectory") == "tradebot");
    CHECK(only(keys, "WorkingDirectory") == "/var/lib/tradebot");
    CHECK(only(keys, "ProtectSystem") == "strict");
    CHECK(only(keys, "ProtectHome") == "yes");
    CHECK(only(keys, "PrivateTmp") == "yes");
    CHECK(only(keys, "NoNewPrivileges") == "yes");
    CHECK(only(keys, "CapabilityBoundingSet").empty());
    CHECK(only(keys, "RestrictAddressFamilies") == "AF_INET AF_INET6 AF_UNIX");
    CHECK(only(keys, "EnvironmentFile") == "-/etc/tradebot/tradebot.env");
    CHECK(only(keys, "WantedBy") == "multi-user.target");
}

TEST_CASE("systemd-analyze verify is clean", "[ops][systemd]") {
    std::string analyze = systemd_analyze();
    TempDir dir;
    std::string unit = local_copy(dir, read_file(kUnit));
    RunResult r = testing_support::run({analyze, "verify", unit});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.empty());
}

TEST_CASE("systemd-analyze verify does read the unit: a broken copy is reported",
          "[ops][systemd]") {
    std::string analyze = systemd_analyze();
    TempDir dir;
    std::string text = read_file(kUnit);
    text.replace(text.find("Type=notify"), std::strlen("Type=notify"), "Typo=notify");
    std::string unit = local_copy(dir, text);
    RunResult r = testing_support::run({analyze, "verify", unit});
    CHECK(r.err.find("Unknown key 'Typo'") != std::string::npos);
}

TEST_CASE("systemd-analyze security rates the hardening OK", "[ops][systemd]") {
    std::string analyze = systemd_analyze();
    TempDir dir;
    std::string unit = local_copy(dir, read_file(kUnit));
    RunResult r = testing_support::run({analyze, "security", "--offline=yes", unit});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    std::smatch m;
    REQUIRE(std::regex_search(
        r.out, m, std::regex("Overall exposure level for tradebotd.service: ([0-9.]+)")));
    // 0 is a fully locked-down service, 10 an unprotected one; systemd calls < 2 "OK".
    CHECK(std::stod(m[1]) < 2.0);
}
