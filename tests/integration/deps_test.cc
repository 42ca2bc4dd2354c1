// `make deps` must install everything the build, the tests and the Makefile's tools use: on a
// fresh Debian 12 machine nothing else is there. A development machine has plenty more
// installed, so a missing package shows up only on the fresh machine (cpack's DEB generator once
// stopped there for want of `file`). This test checks it here instead: it collects what the
// build and the tests really use and maps each file to the Debian package that installs it,
// which must be one `make deps` brings in: a DEB_PACKAGES entry, something one of them depends
// on, or a package every Debian system has (Essential, or Priority required).
//
// What is collected:
//   - every header the compiler read (the build's depfiles, *.o.d);
//   - every shared library the built binaries and test binaries load (ldd);
//   - the build tools CMake found (compiler, archiver, make, cmake/cpack/ctest,
//     dpkg-shlibdeps) and every program the test sources run by absolute path or look up with
//     find_program();
//   - programs run by the Makefile, .ci/run and CPack's DEB generator, listed below by hand
//     because nothing in the tree names them as paths.
//
// The complete check, `make test` in a fresh Debian 12 root file system, is
// .ci/fresh-debian-test (README "Testing").
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "makefile_packages.h"
#include "support/child_process.h"

namespace fs = std::filesystem;

namespace {

const std::string kSource = TRADEBOT_SOURCE_DIR;
const std::string kBuild = TRADEBOT_BUILD_DIR;

// Programs run by what cannot be scanned for paths: each with who runs it.
const std::map<std::string, std::string> kIndirectPrograms = {
    {"apt-get", "Makefile deps"},
    {"dpkg-query", "Makefile deps"},
    {"grep", "Makefile deps"},
    {"id", "Makefile (SUDO)"},
    {"nproc", "Makefile JOBS, .ci/run"},
    {"find", "Makefile format"},
    {"xargs", "Makefile format"},
    {"clang-format", "Makefile format"},
    {"bash", ".ci/run"},
    {"sh", "CMake's Makefiles, tests (no-semicolon check)"},
    {"tr", "tests (no-semicolon check)"},
    {"file", "cpack -G DEB (CPACK_DEBIAN_PACKAGE_SHLIBDEPS)"},
    {"dpkg-shlibdeps", "cpack -G DEB (CPACK_DEBIAN_PACKAGE_SHLIBDEPS)"},
    {"objdump", "dpkg-shlibdeps"},
    {"dpkg", "cpack -G DEB, ops tests"},
};

using ops_test::read_file;

std::set<std::string> deb_packages() { return ops_test::makefile_packages(kSource); }

std::string run_out(std::vector<std::string> argv) {
    return testing_support::run(std::move(argv), std::chrono::seconds(120)).out;
}

// Installed packages: name -> {essential-or-required, depends (names only, every alternative)}.
struct Installed {
    std::map<std::string, bool> base;
    std::map<std::string, std::vector<std::string>> depends;
};

Installed installed_packages() {
    Installed out;
    const std::string text = run_out({"/usr/bin/dpkg-query", "-W",
                                      "-f=${db:Status-Abbrev}\t${Package}\t${Essential}\t"
                                      "${Priority}\t${Pre-Depends}, ${Depends}\n"});
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::stringstream ls(line);
        std::string field;
        while (std::getline(ls, field, '\t')) f.push_back(field);
        if (f.size() < 5 || f[0].rfind("ii", 0) != 0) continue;
        out.base[f[1]] = f[2] == "yes" || f[3] == "required";
        std::vector<std::string> deps;
        // "libc6 (>= 2.34), libfoo | libbar, ..." -> every package name named.
        std::regex name("(^|[,|]\\s*)([a-z0-9][a-z0-9+.-]+)");
        for (std::sregex_iterator it(f[4].begin(), f[4].end(), name), end; it != end; ++it) {
            deps.push_back((*it)[2]);
        }
        out.depends[f[1]] = std::move(deps);
    }
    return out;
}

// What `make deps` leaves on a fresh system: the base system, DEB_PACKAGES and everything they
// depend on, transitively (apt-get installs Depends and Pre-Depends, not Recommends).
std::set<std::string> provided_packages(const Installed& installed) {
    std::vector<std::string> todo;
    for (const auto& [name, base] : installed.base) {
        if (base) todo.push_back(name);
    }
    for (const auto& p : deb_packages()) todo.push_back(p);
    std::set<std::string> seen;
    while (!todo.empty()) {
        std::string p = todo.back();
        todo.pop_back();
        if (!seen.insert(p).second) continue;
        auto it = installed.depends.find(p);
        if (it == installed.depends.end()) continue;  // virtual or not installed here
        for (const auto& d : it->second) {
            if (installed.depends.count(d)) todo.push_back(d);
        }
    }
    return seen;
}

// Every path the given packages install, from dpkg's own lists.
std::set<std::string> files_of(const std::set<std::string>& packages) {
    std::set<std::string> out;
    for (const auto& p : packages) {
        for (const std::string& list :
             {"/var/lib/dpkg/info/" + p + ".list", "/var/lib/dpkg/info/" + p + ":amd64.list",
              "/var/lib/dpkg/info/" + p + ":all.list"}) {
            std::ifstream in(list);
            std::string line;
            while (std::getline(in, line)) out.insert(line);
        }
    }
    return out;
}

// The spellings dpkg may have recorded for a file: the path, its real path, and both under
// Debian 12's merged /usr (/bin is /usr/bin, /lib is /usr/lib).
std::vector<std::string> spellings(const std::string& path) {
    std::vector<std::string> out{path};
    std::error_code ec;
    const fs::path real = fs::canonical(path, ec);
    if (!ec) out.push_back(real.string());
    // The directory resolved but not the file (an alternatives link points elsewhere).
    const fs::path dir = fs::canonical(fs::path(path).parent_path(), ec);
    if (!ec) out.push_back((dir / fs::path(path).filename()).string());
    std::vector<std::string> merged;
    for (const auto& p : out) {
        for (const char* top : {"/bin/", "/sbin/", "/lib/", "/lib64/", "/lib32/"}) {
            if (p.rfind(top, 0) == 0) merged.push_back("/usr" + p);
            if (p.rfind(std::string("/usr") + top, 0) == 0) merged.push_back(p.substr(4));
        }
    }
    out.insert(out.end(), merged.begin(), merged.end());
    return out;
}

std::string owner_of(const std::string& path) {
    for (const auto& p : spellings(path)) {
        auto r = testing_support::run({"/usr/bin/dpkg", "-S", p}, std::chrono::seconds(60));
        if (r.exit_code == 0) return r.out.substr(0, r.out.find(':'));
    }
    return "(no package)";
}

// A program by name: its path on PATH, or "".
std::string which(const std::string& name) {
    if (name.find('/') != std::string::npos) return fs::exists(name) ? name : "";
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const std::string candidate = dir + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return "";
}

std::map<std::string, std::string> cmake_cache() {
    std::map<std::string, std::string> out;
    std::istringstream in(read_file(kBuild + "/CMakeCache.txt"));
    std::string line;
    std::regex entry("^([A-Za-z0-9_]+):[A-Z]+=(.*)$");
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_match(line, m, entry)) out[m[1]] = m[2];
    }
    return out;
}

bool is_source_file(const fs::path& p) {
    const auto ext = p.extension();
    return ext == ".cc" || ext == ".h" || ext == ".cmake" || p.filename() == "CMakeLists.txt";
}

// Programs the test sources run: an argv whose first element is an absolute path such as
// /usr/bin/dpkg-deb, and find_program look-ups by name.
std::map<std::string, std::string> programs_in_sources() {
    std::map<std::string, std::string> out;
    const std::regex literal("\\{\\s*\"((/usr)?/s?bin/[A-Za-z0-9._+-]+)\"");
    const std::regex lookup("find_program\\(\"([A-Za-z0-9._+-]+)\"\\)");
    for (const char* root : {"tests", "cmake"}) {
        for (const auto& e : fs::recursive_directory_iterator(kSource + "/" + root)) {
            if (!e.is_regular_file() || !is_source_file(e.path())) continue;
            const std::string text = read_file(e.path().string());
            const std::string where = fs::relative(e.path(), kSource).string();
            for (const auto* re : {&literal, &lookup}) {
                for (std::sregex_iterator it(text.begin(), text.end(), *re), end; it != end; ++it) {
                    out.emplace((*it)[1], where);
                }
            }
        }
    }
    return out;
}

// Absolute paths outside the tree in the build's depfiles: every header the compiler read.
std::set<std::string> headers_read() {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(kBuild)) {
        const std::string name = e.path().filename().string();
        if (!e.is_regular_file() || name.size() < 4 || name.substr(name.size() - 4) != ".o.d") {
            continue;
        }
        std::istringstream in(read_file(e.path().string()));
        std::string token;
        while (in >> token) {
            if (!token.empty() && token.back() == ':') continue;  // the target
            if (token.rfind('/', 0) == 0 && token.rfind(kSource, 0) != 0) out.insert(token);
        }
    }
    return out;
}

// Shared libraries the built programs load.
std::set<std::string> libraries_loaded() {
    std::set<std::string> out;
    const std::regex lib("=> (/\\S+) \\(0x");
    for (const char* dir : {"bin", "tests"}) {
        if (!fs::exists(kBuild + "/" + dir)) continue;
        for (const auto& e : fs::directory_iterator(kBuild + "/" + dir)) {
            if (!e.is_regular_file() || ::access(e.path().c_str(), X_OK) != 0) continue;
            const std::string text = run_out({"/usr/bin/ldd", e.path().string()});
            for (std::sregex_iterator it(text.begin(), text.end(), lib), end; it != end; ++it) {
                out.insert((*it)[1]);
            }
        }
    }
    return out;
}

struct Checker {
    std::set<std::string> provided_files;
    std::vector<std::string> problems;

    void check(const std::string& path, const std::string& what) {
        for (const auto& p : spellings(path)) {
            if (provided_files.count(p)) return;
        }
        problems.push_back(what + ": " + path + " comes from " + owner_of(path) +
                           ", which make deps does not install (add it to DEB_PACKAGES)");
    }
};

}  // namespace

TEST_CASE("deps: every package in DEB_PACKAGES exists and is installed here", "[deps]") {
    const Installed installed = installed_packages();
    for (const auto& p : deb_packages()) {
        INFO(p << " is in DEB_PACKAGES but not installed: run make deps");
        CHECK(installed.depends.count(p) == 1);
    }
}

TEST_CASE("deps: what the build and the tests use comes from packages make deps installs",
          "[deps]") {
    const Installed installed = installed_packages();
    Checker checker;
    checker.provided_files = files_of(provided_packages(installed));
    REQUIRE(checker.provided_files.size() > 1000);

    // Build tools, as CMake found them. The compiler launcher (ccache) is left out on purpose:
    // it is a developer's choice through the environment, never used by `make`.
    const auto cache = cmake_cache();
    for (const char* key :
         {"CMAKE_CXX_COMPILER", "CMAKE_AR", "CMAKE_RANLIB", "CMAKE_MAKE_PROGRAM", "CMAKE_COMMAND",
          "CMAKE_CPACK_COMMAND", "CMAKE_CTEST_COMMAND", "TRADEBOT_DPKG_SHLIBDEPS"}) {
        auto it = cache.find(key);
        if (it == cache.end() || it->second.empty()) continue;
        INFO(key);
        CHECK(it->second.find("NOTFOUND") == std::string::npos);
        checker.check(it->second, std::string("CMake's ") + key);
    }
    std::size_t programs = 0;
    std::map<std::string, std::string> run = programs_in_sources();
    run.insert(kIndirectPrograms.begin(), kIndirectPrograms.end());
    for (const auto& [name, where] : run) {
        const std::string path = which(name);
        if (path.empty()) {
            checker.problems.push_back(name + " (run by " + where + ") is not installed");
        } else {
            checker.check(path, name + " (run by " + where + ")");
        }
        ++programs;
    }
    const auto headers = headers_read();
    for (const auto& h : headers) checker.check(h, "header");
    const auto libraries = libraries_loaded();
    for (const auto& l : libraries) checker.check(l, "shared library");

    // Enough was looked at for the check to mean something.
    CHECK(programs >= kIndirectPrograms.size());
    CHECK(headers.size() > 100);
    CHECK(libraries.size() > 5);
    std::string all;
    for (const auto& p : checker.problems) all += p + "\n";
    INFO(all);
    CHECK(checker.problems.empty());
}
