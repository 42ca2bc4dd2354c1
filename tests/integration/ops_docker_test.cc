// docker/: no Docker engine runs here, so the image is checked for what can go wrong without
// one: the build stage installs every package the Makefile does, the runtime stage has a Debian
// package for every shared library the built binaries load, the image runs unprivileged with
// the state volume, the metrics port and a /healthz HEALTHCHECK, the baked config is valid and
// listens where the image says, and compose publishes the port on loopback only.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "makefile_packages.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

using testing_support::RunResult;

namespace {

const std::string kSource = TRADEBOT_SOURCE_DIR;
const std::string kBin = TRADEBOT_BIN_DIR;

using ops_test::join_continuations;
using ops_test::read_file;
using ops_test::words;

std::set<std::string> makefile_packages() { return ops_test::makefile_packages(kSource); }

// The Dockerfile split at its FROM lines: stage name -> text.
std::map<std::string, std::string> stages() {
    std::string text = join_continuations(read_file(kSource + "/docker/Dockerfile"));
    std::map<std::string, std::string> out;
    std::regex from_re("^FROM (\\S+) AS (\\S+)$");
    std::istringstream in(text);
    std::string line, current;
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_match(line, m, from_re)) {
            current = m[2];
            out[current] = line + "\n";
        } else if (!current.empty()) {
            out[current] += line + "\n";
        }
    }
    return out;
}

std::set<std::string> apt_packages(const std::string& stage) {
    std::smatch m;
    REQUIRE(std::regex_search(stage, m,
                              std::regex("apt-get install -y --no-install-recommends ([^&]*)")));
    return words(m[1]);
}

// The Debian package owning a shared library path ("" if none), trying the usrmerge aliases.
std::string owner_of(const std::string& path) {
    std::vector<std::string> candidates = {path};
    if (path.rfind("/usr/", 0) == 0)
        candidates.push_back(path.substr(4));
    else
        candidates.push_back("/usr" + path);
    for (const auto& p : candidates) {
        RunResult r = testing_support::run({"/usr/bin/dpkg", "-S", p});
        if (r.exit_code == 0) {
            std::string pkg = r.out.substr(0, r.out.find(':'));
            return pkg;
        }
    }
    return {};
}

}  // namespace

TEST_CASE("docker build stage installs the Makefile's packages", "[ops][docker]") {
    auto s = stages();
    REQUIRE(s.count("build") == 1);
    CHECK(s["build"].rfind("FROM debian:${DEBIAN_RELEASE} AS build", 0) == 0);
    auto have = apt_packages(s["build"]);
    for (const auto& pkg : makefile_packages()) {
        INFO("DEB_PACKAGES has " << pkg << ", the Dockerfile build stage does not");
        CHECK(have.count(pkg) == 1);
    }
    CHECK(s["build"].find("cmake --preset release") != std::string::npos);
}

TEST_CASE("docker runtime stage: slim, unprivileged, volume, port, healthcheck", "[ops][docker]") {
    auto s = stages();
    REQUIRE(s.count("runtime") == 1);
    const std::string& rt = s["runtime"];
    CHECK(rt.rfind("FROM debian:${DEBIAN_RELEASE}-slim AS runtime", 0) == 0);
    CHECK(std::regex_search(rt, std::regex("\nUSER tradebot:tradebot\n")));
    CHECK(rt.find("\nVOLUME [\"/var/lib/tradebot\"]\n") != std::string::npos);
    CHECK(rt.find("\nWORKDIR /var/lib/tradebot\n") != std::string::npos);
    CHECK(rt.find("\nEXPOSE 9464\n") != std::string::npos);
    CHECK(std::regex_search(rt,
                            std::regex("\nHEALTHCHECK [^\n]*http://127\\.0\\.0\\.1:9464/healthz")));
    CHECK(rt.find("--from=build /src/build/bin/tradebotd") != std::string::npos);
    // Nothing to build with in the runtime image.
    auto pkgs = apt_packages(rt);
    for (const auto& p : pkgs) CHECK(p.find("-dev") == std::string::npos);
    CHECK(pkgs.count("curl") == 1);  // the HEALTHCHECK's client
}

TEST_CASE("docker runtime stage has every shared library the binaries load", "[ops][docker]") {
    auto s = stages();
    auto runtime = apt_packages(s["runtime"]);
    // In debian:12-slim already (essential, or needed by apt itself).
    for (const char* base : {"libc6", "libstdc++6", "libgcc-s1", "zlib1g"}) runtime.insert(base);
    // A package may reach the image as a dependency of one listed (libfmt9 of libspdlog1.10),
    // or of a dependency (libkrb5-3 of libgssapi-krb5-2 of libpq5): apt installs Depends and
    // Pre-Depends all the way down, so they count to any depth.
    std::set<std::string> reachable = runtime;
    std::vector<std::string> next(runtime.begin(), runtime.end());
    const std::regex name_re("(^|, |\\| )([a-z0-9][a-z0-9+.-]+)");
    while (!next.empty()) {
        // One line in all, every name after ", " (the regex's ^ is the start of the output).
        std::vector<std::string> argv = {"/usr/bin/dpkg-query", "-W",
                                         "-f=, ${Depends}, ${Pre-Depends}"};
        argv.insert(argv.end(), next.begin(), next.end());
        next.clear();
        // A package not installed here is skipped (dpkg-query then exits 1 for the others too).
        RunResult d = testing_support::run(argv);
        for (std::sregex_iterator it(d.out.begin(), d.out.end(), name_re), end; it != end; ++it) {
            if (reachable.insert((*it)[2]).second) next.push_back((*it)[2]);
        }
    }
    for (const char* bin : {"tradebotd", "tradebotctl", "tradebot-bench"}) {
        RunResult ldd = testing_support::run({"/usr/bin/ldd", kBin + "/" + bin});
        REQUIRE(ldd.exit_code == 0);
        std::regex lib_re("=> (/\\S+) \\(");
        for (std::sregex_iterator it(ldd.out.begin(), ldd.out.end(), lib_re), end; it != end;
             ++it) {
            std::string path = (*it)[1];
            std::string pkg = owner_of(path);
            INFO(bin << " loads " << path << " from package '" << pkg << "'");
            REQUIRE_FALSE(pkg.empty());
            CHECK(reachable.count(pkg) == 1);
        }
    }
}

TEST_CASE("the image's config is valid and serves metrics on the exposed port", "[ops][docker]") {
    testing_support::TempDir dir;
    RunResult r = testing_support::run(
        {kBin + "/tradebotd", "--config", kSource + "/docker/tradebot.json", "--check-config"},
        std::chrono::seconds(60), {}, dir.path().string());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    // Inside the container it must listen on all interfaces; compose publishes it on loopback.
    CHECK(r.out.find("\"listen\": \"0.0.0.0:9464\"") != std::string::npos);
    CHECK(r.out.find("\"mode\": \"paper\"") != std::string::npos);
}

TEST_CASE("compose: volume, env file, restart policy, metrics on 127.0.0.1 only", "[ops][docker]") {
    std::string c = read_file(kSource + "/docker/compose.yml");
    CHECK(c.find("- tradebot-state:/var/lib/tradebot") != std::string::npos);
    CHECK(c.find("env_file:") != std::string::npos);
    CHECK(c.find("restart: unless-stopped") != std::string::npos);
    CHECK(c.find("- \"127.0.0.1:9464:9464\"") != std::string::npos);
    CHECK(c.find("dockerfile: docker/Dockerfile") != std::string::npos);
    // Every published port is bound to loopback.
    std::regex port_re("- \"([^\"]*):[0-9]+:[0-9]+\"");
    for (std::sregex_iterator it(c.begin(), c.end(), port_re), end; it != end; ++it) {
        CHECK((*it)[1] == "127.0.0.1");
    }
}
