// The Debian package: cpack -G DEB on this build tree (into a temporary folder), then what dpkg
// sees: the files and their modes, the Depends line, the conffile, and binaries that run.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/child_process.h"
#include "support/temp_dir.h"

using testing_support::RunResult;
using testing_support::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kBuildDir = TRADEBOT_BUILD_DIR;
const std::string kSourceDir = TRADEBOT_SOURCE_DIR;

RunResult run(std::vector<std::string> argv, const std::string& cwd = {}) {
    RunResult r = testing_support::run(std::move(argv), std::chrono::seconds(600), {}, cwd);
    return r;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The line of `dpkg-deb -c` output that lists `path`, or "".
std::string listing_line(const std::string& listing, const std::string& path) {
    std::istringstream in(listing);
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() >= path.size() + 1 &&
            line.compare(line.size() - path.size() - 1, std::string::npos, " " + path) == 0) {
            return line;
        }
    }
    return {};
}

}  // namespace

TEST_CASE("cpack -G DEB builds a package dpkg accepts", "[ops][package]") {
    TempDir dir;
    RunResult pack = run({TRADEBOT_CPACK, "-G", "DEB", "--config", kBuildDir + "/CPackConfig.cmake",
                          "-B", dir.path().string()},
                         kBuildDir);
    INFO("cpack stdout: " << pack.out << "\ncpack stderr: " << pack.err);
    REQUIRE(pack.exit_code == 0);
    fs::path deb;
    for (const auto& e : fs::directory_iterator(dir.path())) {
        if (e.path().extension() == ".deb") deb = e.path();
    }
    REQUIRE(!deb.empty());
    CHECK(deb.filename().string().rfind("tradebot_" TRADEBOT_VERSION "_", 0) == 0);

    SECTION("contents: binaries, unit and example config where Debian and systemd look") {
        RunResult c = run({"/usr/bin/dpkg-deb", "-c", deb.string()});
        REQUIRE(c.exit_code == 0);
        INFO("dpkg-deb -c: " << c.out);
        for (const char* bin :
             {"./usr/bin/tradebotd", "./usr/bin/tradebotctl", "./usr/bin/tradebot-bench"}) {
            std::string line = listing_line(c.out, bin);
            INFO(bin);
            REQUIRE_FALSE(line.empty());
            CHECK(line.rfind("-rwxr-xr-x root/root", 0) == 0);
        }
        std::string unit = listing_line(c.out, "./lib/systemd/system/tradebotd.service");
        REQUIRE_FALSE(unit.empty());
        CHECK(unit.rfind("-rw-r--r-- root/root", 0) == 0);
        std::string config = listing_line(c.out, "./etc/tradebot/tradebot.json");
        REQUIRE_FALSE(config.empty());
        CHECK(config.rfind("-rw-r--r-- root/root", 0) == 0);
        CHECK_FALSE(listing_line(c.out, "./usr/share/doc/tradebot/operations.md").empty());
        // No secrets file ships: the operator creates /etc/tradebot/tradebot.env.
        CHECK(listing_line(c.out, "./etc/tradebot/tradebot.env").empty());
    }

    SECTION("control: name, version, Depends on the shared libraries, conffile") {
        RunResult f = run({"/usr/bin/dpkg-deb", "-f", deb.string(), "Package", "Version", "Depends",
                           "Architecture"});
        REQUIRE(f.exit_code == 0);
        INFO("control: " << f.out);
        CHECK(f.out.find("Package: tradebot\n") != std::string::npos);
        CHECK(f.out.find("Version: " TRADEBOT_VERSION "\n") != std::string::npos);
        RunResult d = run({"/usr/bin/dpkg-deb", "-f", deb.string(), "Depends"});
        REQUIRE(d.exit_code == 0);
        for (const char* lib : {"libc6", "libstdc++6", "libsqlite3-0", "libspdlog1.10"}) {
            INFO("Depends: " << d.out << " lacks " << lib);
            CHECK(d.out.find(lib) != std::string::npos);
        }
        RunResult conf = run({"/usr/bin/dpkg-deb", "-I", deb.string(), "conffiles"});
        REQUIRE(conf.exit_code == 0);
        CHECK(conf.out == "/etc/tradebot/tradebot.json\n");
    }

    SECTION("extracted: the binaries run and the files are the ones in the tree") {
        fs::path root = dir.path() / "root";
        RunResult x = run({"/usr/bin/dpkg-deb", "-x", deb.string(), root.string()});
        REQUIRE(x.exit_code == 0);
        RunResult v = run({(root / "usr/bin/tradebotd").string(), "--version"});
        CHECK(v.exit_code == 0);
        CHECK(v.out == "tradebotd " TRADEBOT_VERSION "\n");
        RunResult check = run({(root / "usr/bin/tradebotd").string(), "--config",
                               (root / "etc/tradebot/tradebot.json").string(), "--check-config"});
        INFO("check-config: " << check.out << check.err);
        CHECK(check.exit_code == 0);
        // The relative database path lands under the unit's WorkingDirectory=/var/lib/tradebot.
        CHECK(check.out.find("\"storage/bot_state.db\"") != std::string::npos);
        CHECK(read_file(root / "lib/systemd/system/tradebotd.service") ==
              read_file(kSourceDir + "/config/systemd/tradebotd.service"));
        CHECK(read_file(root / "etc/tradebot/tradebot.json") ==
              read_file(kSourceDir + "/config/examples/sim.json"));
    }
}
