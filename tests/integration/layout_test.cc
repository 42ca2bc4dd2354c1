// The house's layout as the code has it: every `#include "module/..."` of the source tree is read
// and checked against the way the modules lean on each other (docs/architecture.md):
//
//   apps -> service, backtest -> bot -> exchange -> config;  bot -> storage;  service -> storage
//   storage and config depend on nothing of ours; nothing below apps/ reaches up to it.
//
// and against the folders that are private to their module: storage/pipeline/, storage/sqlite/
// and storage/postgres/ are storage's own (its public surface is the headers at storage/'s top);
// only storage/ itself and its unit tests (tests/storage/) include them.
//
// bot/core/ is the trading core, which does no I/O: it includes nothing of bot/runtime/ or
// bot/leases/ (its drivers), nothing of storage/, no logger and no thread, lock or clock.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kSource = TRADEBOT_SOURCE_DIR;

// What each library module may include besides itself: the transitive closure of the arrows
// above. A module missing here (apps, tests) may include anything.
const std::map<std::string, std::set<std::string>> kMayUse = {
    {"config", {}},
    {"storage", {}},
    {"exchange", {"config"}},
    {"bot", {"exchange", "storage", "config"}},
    {"service", {"bot", "exchange", "storage", "config"}},
    {"backtest", {"bot", "exchange", "storage", "config"}},
};

// Folders private to a module, and the folders (besides the module itself) allowed to look in.
struct PrivateFolder {
    std::string prefix;                 // as an include spells it
    std::vector<std::string> readers;   // source folders (relative) that may include it
};
const std::vector<PrivateFolder> kPrivate = {
    {"storage/pipeline/", {"storage/", "tests/storage/"}},
    {"storage/sqlite/", {"storage/", "tests/storage/"}},
    {"storage/postgres/", {"storage/", "tests/storage/"}},
};

// What bot/core/ must not include (its drivers, storage, a logger, threads and clocks): the
// prefix of an include as written, quotes or angle brackets.
const std::vector<std::string> kCoreMustNot = {
    "\"bot/runtime/", "\"bot/leases/",        "\"storage/", "<spdlog/", "<thread>",  "<mutex>",
    "<shared_mutex>", "<condition_variable>", "<future>",   "<chrono>", "<fstream>", "<iostream>",
};

struct Include {
    std::string file;  // relative to the source tree
    int line = 0;
    std::string target;  // what is included, e.g. "storage/sqlite/backend.h"
};

// Every include of the files below `tops` (relative to the source tree) that `pattern` matches;
// its first group is what is included.
std::vector<Include> includes_below(const std::vector<std::string>& tops,
                                    const std::regex& pattern) {
    std::vector<Include> out;
    for (const auto& top : tops) {
        for (const auto& entry : fs::recursive_directory_iterator(kSource / top)) {
            if (!entry.is_regular_file()) continue;
            const std::string ext = entry.path().extension().string();
            if (ext != ".h" && ext != ".cc") continue;
            std::ifstream in(entry.path());
            std::string text;
            int line = 0;
            while (std::getline(in, text)) {
                ++line;
                std::smatch m;
                if (std::regex_search(text, m, pattern)) {
                    out.push_back({fs::relative(entry.path(), kSource).generic_string(), line,
                                   m[1].str()});
                }
            }
        }
    }
    return out;
}

// The includes of our own modules ("module/...").
std::vector<Include> project_includes() {
    static const std::regex kInclude(R"(^\s*#\s*include\s+"([a-z_]+/[^"]+)\")");
    return includes_below(
        {"apps", "backtest", "bot", "config", "exchange", "service", "storage", "tests"}, kInclude);
}

std::string top_folder(const std::string& path) { return path.substr(0, path.find('/')); }

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

TEST_CASE("layout: the source tree has includes to check") {
    const auto includes = project_includes();
    // A tree the scan cannot read would pass every rule below by having nothing to break them.
    REQUIRE(includes.size() > 200);
    std::set<std::string> modules;
    for (const auto& inc : includes) modules.insert(top_folder(inc.file));
    for (const auto& [module, uses] : kMayUse) CHECK(modules.count(module) == 1);
}

TEST_CASE("layout: no module includes one it must not lean on") {
    std::vector<std::string> wrong;
    for (const auto& inc : project_includes()) {
        const std::string from = top_folder(inc.file);
        const std::string to = top_folder(inc.target);
        auto rule = kMayUse.find(from);
        if (rule == kMayUse.end() || from == to) continue;
        // Only includes of our own modules count ("nlohmann/json.hpp" is not one).
        if (!kMayUse.count(to) && to != "apps") continue;
        if (!rule->second.count(to)) {
            wrong.push_back(inc.file + ":" + std::to_string(inc.line) + " includes " + inc.target);
        }
    }
    INFO([&] {
        std::ostringstream s;
        for (const auto& w : wrong) s << w << "\n";
        return s.str();
    }());
    CHECK(wrong.empty());
}

TEST_CASE("layout: private folders are included only by their own module and its tests") {
    std::vector<std::string> wrong;
    for (const auto& inc : project_includes()) {
        for (const auto& folder : kPrivate) {
            if (!starts_with(inc.target, folder.prefix)) continue;
            bool allowed = false;
            for (const auto& reader : folder.readers) allowed |= starts_with(inc.file, reader);
            if (!allowed) {
                wrong.push_back(inc.file + ":" + std::to_string(inc.line) + " includes " +
                                inc.target);
            }
        }
    }
    INFO([&] {
        std::ostringstream s;
        for (const auto& w : wrong) s << w << "\n";
        return s.str();
    }());
    CHECK(wrong.empty());
}

TEST_CASE("layout: the trading core in bot/core does no I/O", "[layout]") {
    // Quotes and angle brackets alike, kept in the match.
    static const std::regex kAny(R"(^\s*#\s*include\s+([<"][^>"]+[>"]))");
    const std::vector<Include> includes = includes_below({"bot/core"}, kAny);
    REQUIRE(includes.size() > 30);  // the folder is there to check
    std::vector<std::string> wrong;
    for (const auto& inc : includes) {
        for (const auto& banned : kCoreMustNot) {
            if (starts_with(inc.target, banned)) {
                wrong.push_back(inc.file + ":" + std::to_string(inc.line) + " includes " +
                                inc.target);
            }
        }
    }
    INFO([&] {
        std::ostringstream s;
        for (const auto& w : wrong) s << w << "\n";
        return s.str();
    }());
    CHECK(wrong.empty());
}
