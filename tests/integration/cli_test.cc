// Every tradebot binary reads its command line through the one library (apps/cli): the same
// conventions and the same messages. Each real binary is run with the same mistakes: an unknown
// option, an abbreviation, a value given to a flag, an option given twice, a stray argument
// (each exit 64, the message in our words, the usage on stderr), and --help and --version (exit
// 0 on stdout). Then tradebot-bench's own rules, which no other test runs.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/child_process.h"

using testing_support::run;
using testing_support::RunResult;

namespace {

const std::string kBin = TRADEBOT_BIN_DIR;

struct Binary {
    std::string name;
    // Arguments that make a valid start of a command line for it, before the mistake.
    std::vector<std::string> prefix;
};

const std::vector<Binary> kBinaries = {
    {"tradebotd", {"--config", "tb.json"}},
    {"tradebotctl", {"--db", "x.db", "stats"}},
    {"tradebot-backtest", {"--config", "tb.json", "--data", "data"}},
    {"tradebot-bench", {"storage"}},
};

RunResult run_with(const Binary& b, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kBin + "/" + b.name};
    argv.insert(argv.end(), b.prefix.begin(), b.prefix.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("cli: every binary refuses the same mistakes in the same words, exit 64", "[cli]") {
    const std::vector<std::pair<std::vector<std::string>, std::string>> mistakes = {
        {{"--frobnicate"}, "unknown option --frobnicate"},
        {{"--vers"}, "unknown option --vers"},  // no abbreviation of --version
        {{"--help=yes"}, "--help takes no value"},
        {{"--version", "--version"}, "--version given twice"},
        {{"--", "-stray"}, "-stray"},
    };
    for (const Binary& b : kBinaries) {
        for (const auto& [args, message] : mistakes) {
            RunResult r = run_with(b, args);
            INFO(b.name << " " << args.front() << "\nstderr: " << r.err);
            CHECK(r.exit_code == 64);
            CHECK(r.err.rfind(b.name + ": ", 0) == 0);
            CHECK(contains(r.err, message));
            CHECK(contains(r.err, "usage: " + b.name));
            CHECK(r.out.empty());
        }
    }
}

TEST_CASE("cli: every binary answers --help and --version on stdout, exit 0", "[cli]") {
    for (const Binary& b : kBinaries) {
        INFO(b.name);
        RunResult help = run({kBin + "/" + b.name, "--help"});
        CHECK(help.exit_code == 0);
        CHECK(contains(help.out, "usage: " + b.name));
        CHECK(contains(help.out, "--version"));
        CHECK(help.err.empty());
        RunResult short_help = run({kBin + "/" + b.name, "-h"});
        CHECK(short_help.exit_code == 0);
        CHECK(short_help.out == help.out);
        RunResult version = run({kBin + "/" + b.name, "--version"});
        CHECK(version.exit_code == 0);
        CHECK(version.out == b.name + " " TRADEBOT_VERSION "\n");
    }
}

TEST_CASE("cli: tradebot-bench takes each benchmark's own options only", "[cli]") {
    const std::string bench = kBin + "/tradebot-bench";
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{}, "which benchmark? give storage or backtest"},
        {{"network"}, "unknown benchmark 'network'"},
        {{"storage", "backtest"}, "unexpected argument 'backtest'"},
        {{"storage", "--days", "3"}, "--days is not an option of tradebot-bench storage"},
        {{"backtest", "--db", "x"}, "--db is not an option of tradebot-bench backtest"},
        {{"backtest", "--rows-per-thread", "5"},
         "--rows-per-thread is not an option of tradebot-bench backtest"},
        {{"storage", "--dir", "a", "--db", "b"}, "--dir and --db exclude each other: give one"},
        {{"storage", "--rows-per-thread", "0"},
         "--rows-per-thread: expected a whole number from 1 to 100000000, got '0'"},
        {{"storage", "--bulk-rows", "1e6"},
         "--bulk-rows: expected a whole number from 1 to 100000000, got '1e6'"},
        {{"backtest", "--days", "3651"},
         "--days: expected a whole number from 1 to 3650, got '3651'"},
        {{"backtest", "--dir", ""}, "--dir: empty value"},
    };
    for (const auto& [args, message] : cases) {
        std::vector<std::string> argv = {bench};
        argv.insert(argv.end(), args.begin(), args.end());
        RunResult r = run(argv);
        INFO("stderr: " << r.err);
        CHECK(r.exit_code == 64);
        CHECK(contains(r.err, "tradebot-bench: " + message));
        CHECK(contains(r.err, "usage: tradebot-bench storage"));
    }
}
