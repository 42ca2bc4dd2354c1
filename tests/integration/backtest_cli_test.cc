// tradebot-backtest end to end: the real binary on generated archive files in a temporary
// folder; its database read back with tradebotctl, as an operator would. Every exit status of
// the contract: 0, 64, 65, 66, 78, and an existing --db never overwritten.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "backtest_support.h"
#include "support/child_process.h"

using backtest_it::kBacktest;
using backtest_it::kCtl;
using nlohmann::json;
using testing_support::ChildProcess;
using testing_support::run;
using testing_support::RunResult;
using testing_support::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr auto kLong = std::chrono::seconds(120);  // bounds a hang, never a speed check

RunResult run_backtest(const TempDir& dir, std::vector<std::string> args) {
    std::vector<std::string> argv = {kBacktest};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, kLong, {}, dir.path().string());
}

// Nothing but what the test put there: no database, no leftover temporary file.
std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("backtest: exit 0, a table, the daemon's tables that tradebotctl reads", "[backtest]") {
    TempDir dir;
    backtest_it::write_data(dir, {"BTCUSDT", "ETHUSDT"});
    const std::string config = backtest_it::write_config(dir, {"BTCUSDT", "ETHUSDT"});
    RunResult r = run_backtest(dir, {"--config", config, "--data", "data"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.rfind("symbol  ", 0) == 0);
    CHECK(r.out.find("win rate") != std::string::npos);
    CHECK(r.out.find("\nBTCUSDT ") != std::string::npos);
    CHECK(r.out.find("\nETHUSDT ") != std::string::npos);
    CHECK(r.out.find("\ntotal ") != std::string::npos);
    CHECK(r.out.find("results: backtest.db (") != std::string::npos);
    REQUIRE(fs::exists(dir.file("backtest.db")));  // the default --db, in the working directory
    // No progress line when stderr is not a terminal.
    CHECK(r.err.find("replaying") == std::string::npos);

    // The same run as JSON, into another database: the figures match the tables.
    RunResult j =
        run_backtest(dir, {"--config", config, "--data", "data", "--db", "second.db", "--json"});
    REQUIRE(j.exit_code == 0);
    const json summary = json::parse(j.out);
    REQUIRE(summary["symbols"].size() == 2);
    CHECK(summary["total"]["candles"] == 2 * 2880);
    RunResult signals = run(
        {kCtl, "--db", dir.file("second.db"), "signals", "--limit", "1000000", "--json"}, kLong);
    REQUIRE(signals.exit_code == 0);
    CHECK(json::parse(signals.out).size() == summary["total"]["signals"]);
    RunResult positions = run({kCtl, "--db", dir.file("second.db"), "positions", "--json"}, kLong);
    REQUIRE(positions.exit_code == 0);
    const json pos = json::parse(positions.out);
    REQUIRE(pos.size() == 2);
    for (const auto& p : pos) {
        for (const auto& s : summary["symbols"]) {
            if (s["symbol"] == p["symbol"]) {
                CHECK(p["realized_pnl"] == s["realized_pnl"]);
                CHECK(p["fees_paid"] == s["fees"]);
                CHECK(p["quantity"] == s["position"]);
            }
        }
    }
    RunResult check = run({kCtl, "--db", dir.file("second.db"), "check"}, kLong);
    CHECK(check.exit_code == 0);
    RunResult orders = run({kCtl, "--db", dir.file("second.db"), "orders", "--json"}, kLong);
    REQUIRE(orders.exit_code == 0);
    for (const auto& o : json::parse(orders.out)) CHECK(o["status"] == "FILLED");
}

TEST_CASE("backtest: --from and --to pick whole UTC days", "[backtest]") {
    TempDir dir;
    backtest_it::write_data(dir, {"BTCUSDT"});  // 2024-01-31 and 2024-02-01
    const std::string config = backtest_it::write_config(dir, {"BTCUSDT"});
    RunResult r = run_backtest(dir, {"--config", config, "--data", "data", "--from", "2024-02-01",
                                     "--to", "2024-02-01", "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json s = json::parse(r.out)["symbols"][0];
    CHECK(s["candles"] == 1440);
    CHECK(s["first_candle_ms"] == config::utc_ms(2024, 2, 1));
    CHECK(s["last_candle_ms"] == config::utc_ms(2024, 2, 2) - 60000);
}

TEST_CASE("backtest: exit 64 for a bad command line, and --db is never overwritten", "[backtest]") {
    TempDir dir;
    backtest_it::write_data(dir, {"BTCUSDT"}, 100);
    const std::string config = backtest_it::write_config(dir, {"BTCUSDT"});
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{}, "--config FILE is required"},
        {{"--config", config}, "--data DIR is required"},
        {{"--config", config, "--data", "data", "--frobnicate"}, "unknown option --frobnicate"},
        {{"--config", config, "--data", "data", "extra"}, "unexpected argument 'extra'"},
        {{"--config", config, "--data", "data", "--js"}, "unknown option --js"},  // no abbreviation
        {{"--config", config, "--data", "data", "--json=yes"}, "--json takes no value"},
        {{"--config", config, "--data", "data", "--from", "2024-02-30"},
         "--from: expected a date YYYY-MM-DD, got '2024-02-30'"},
        {{"--config", config, "--data", "data", "--from", "2024-02-02", "--to", "2024-02-01"},
         "--from 2024-02-02 is after --to 2024-02-01"},
        {{"--config", config, "--data", "data", "--db"}, "--db needs a value"},
        {{"--config", config, "--config", config, "--data", "data"}, "--config given twice"},
    };
    for (const auto& [args, message] : cases) {
        RunResult r = run_backtest(dir, args);
        INFO(r.err);
        CHECK(r.exit_code == 64);
        CHECK(r.err.find(message) != std::string::npos);
        CHECK(r.err.find("usage: tradebot-backtest") != std::string::npos);
    }
    backtest_it::write_data(dir, {"BTCUSDT"}, 100);
    backtest_test::write_file(dir.path() / "old.db", "an earlier run");
    RunResult r = run_backtest(dir, {"--config", config, "--data", "data", "--db", "old.db"});
    CHECK(r.exit_code == 64);
    CHECK(r.err.find("--db old.db: already exists; a backtest never overwrites a database") !=
          std::string::npos);
    CHECK(backtest_test::read_file(dir.path() / "old.db") == "an earlier run");
    CHECK(names_in(dir.path()) == std::vector<std::string>{"bt.json", "data", "old.db"});

    RunResult help = run_backtest(dir, {"--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--report FILE") != std::string::npos);
    RunResult version = run_backtest(dir, {"--version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out == "tradebot-backtest " TRADEBOT_VERSION "\n");
}

TEST_CASE("backtest: exit 65 for bad data, naming file:line and the field, leaving no database",
          "[backtest]") {
    TempDir dir;
    backtest_it::write_data(dir, {"BTCUSDT"}, 100);
    const std::string config = backtest_it::write_config(dir, {"BTCUSDT"});
    const fs::path file = dir.path() / "data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.csv";
    std::string text = backtest_test::read_file(file);
    const std::size_t third = text.find('\n', text.find('\n') + 1) + 1;
    std::string bad = text;
    bad.replace(third, bad.find(',', third) - third, "17067O0000000");
    backtest_test::write_file(file, bad);
    RunResult r = run_backtest(dir, {"--config", config, "--data", "data"});
    CHECK(r.exit_code == 65);
    CHECK(r.err ==
          "tradebot-backtest: bad data: data/spot/monthly/klines/BTCUSDT/1m/"
          "BTCUSDT-1m-2024-01.csv:3: open_time: expected a whole number, got "
          "\"17067O0000000\"\n");
    CHECK(names_in(dir.path()) == std::vector<std::string>{"bt.json", "data"});

    // The same month as a zip whose checksum does not match.
    fs::remove(file);
    const fs::path zip = file.parent_path() / "BTCUSDT-1m-2024-01.zip";
    backtest_test::write_zip(zip, "BTCUSDT-1m-2024-01.csv", text);
    backtest_test::write_checksum(zip);
    backtest_test::write_zip(zip, "BTCUSDT-1m-2024-01.csv", text + text.substr(0, third));
    RunResult z = run_backtest(dir, {"--config", config, "--data", "data"});
    CHECK(z.exit_code == 65);
    CHECK(z.err.find("tradebot-backtest: bad data: data/spot/monthly/klines/BTCUSDT/1m/"
                     "BTCUSDT-1m-2024-01.zip: checksum mismatch") == 0);
    CHECK(names_in(dir.path()) == std::vector<std::string>{"bt.json", "data"});
    // With the right checksum the zip is read.
    backtest_test::write_zip(zip, "BTCUSDT-1m-2024-01.csv", text);
    RunResult ok = run_backtest(dir, {"--config", config, "--data", "data", "--json"});
    INFO(ok.err);
    CHECK(ok.exit_code == 0);
}

TEST_CASE("backtest: exit 66 when a symbol has no data, naming it and the file names",
          "[backtest]") {
    TempDir dir;
    backtest_it::write_data(dir, {"BTCUSDT"}, 100);
    const std::string config = backtest_it::write_config(dir, {"BTCUSDT", "ETHUSDT"});
    RunResult r = run_backtest(dir, {"--config", config, "--data", "data"});
    CHECK(r.exit_code == 66);
    CHECK(r.err ==
          "tradebot-backtest: no data for ETHUSDT: no file named "
          "ETHUSDT-1m-<YYYY-MM>[-<DD>].csv|.zip under data\n");
    RunResult range =
        run_backtest(dir, {"--config", backtest_it::write_config(dir, {"BTCUSDT"}, "b.json"),
                           "--data", "data", "--from", "2025-01-01"});
    CHECK(range.exit_code == 66);
    CHECK(range.err.find("no data for BTCUSDT: no file named BTCUSDT-1m-<YYYY-MM>[-<DD>].csv|.zip "
                         "under data between 2025-01-01 and the end") != std::string::npos);
    RunResult missing = run_backtest(dir, {"--config", config, "--data", "nowhere"});
    CHECK(missing.exit_code == 66);
    CHECK(missing.err.find("--data nowhere: ") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.file("backtest.db")));
}

TEST_CASE("backtest: exit 78 for an invalid config, naming the key path", "[backtest]") {
    TempDir dir;
    backtest_it::write_data(dir, {"BTCUSDT"}, 100);
    backtest_test::write_file(dir.path() / "bad.json",
                              R"({"symbols": ["BTCUSDT"], "strategy": {"fast": 0}})");
    RunResult r = run_backtest(dir, {"--config", "bad.json", "--data", "data"});
    CHECK(r.exit_code == 78);
    CHECK(r.err ==
          "tradebot-backtest: invalid config: strategy.fast: expected integer > 0, got "
          "number 0\n");
    backtest_test::write_file(dir.path() / "odd.json", R"({"symbols": ["BTCXYZ"]})");
    RunResult odd = run_backtest(dir, {"--config", "odd.json", "--data", "data"});
    CHECK(odd.exit_code == 78);
    CHECK(odd.err.find("symbols[0]: no trading rules for BTCXYZ") != std::string::npos);
}

TEST_CASE("backtest: a progress line on a terminal", "[backtest]") {
    TempDir dir;
    backtest_it::write_data(dir, {"BTCUSDT"}, 200);
    const std::string config = backtest_it::write_config(dir, {"BTCUSDT"});
    // script(1) runs the command on a pseudo-terminal and copies what it shows.
    RunResult r = run({"/usr/bin/script", "-qec",
                       kBacktest + " --config " + config + " --data data --db tty.db", "/dev/null"},
                      kLong, {}, dir.path().string());
    INFO(r.out);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("replaying: files ") != std::string::npos);
    CHECK(r.out.find("\nBTCUSDT ") != std::string::npos);
}

TEST_CASE("backtest: SIGTERM stops it with 143 and leaves no database", "[backtest]") {
    TempDir dir;
    backtest_it::write_data(dir, {"BTCUSDT"}, 100);
    const std::string config = backtest_it::write_config(dir, {"BTCUSDT"});
    // The month as a zip whose .CHECKSUM is a FIFO: reading it blocks the replay until the test
    // writes the checksum, so the signal arrives while the backtest is surely under way.
    const fs::path csv = dir.path() / "data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.csv";
    const fs::path zip = dir.path() / "zipped/BTCUSDT-1m-2024-01.zip";
    backtest_test::write_zip(zip, csv.filename().string(), backtest_test::read_file(csv));
    backtest_test::write_checksum(zip);
    const std::string sum = backtest_test::read_file(zip.string() + ".CHECKSUM");
    fs::remove(zip.string() + ".CHECKSUM");
    REQUIRE(::mkfifo((zip.string() + ".CHECKSUM").c_str(), 0600) == 0);

    ChildProcess bt({kBacktest, "--config", config, "--data", "zipped", "--db", "stopped.db"}, {},
                    dir.path().string());
    // Signal the backtest, not the test's own fork before its exec (whose inherited test-runner
    // handlers would catch it).
    const auto exec_deadline = std::chrono::steady_clock::now() + kLong;
    const std::string exe = "/proc/" + std::to_string(bt.pid()) + "/exe";
    std::error_code ec;
    while (fs::read_symlink(exe, ec).filename() != "tradebot-backtest" && bt.running() &&
           std::chrono::steady_clock::now() < exec_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    bt.signal(SIGTERM);
    // Feed the FIFO once the backtest opens it (or give up if it is gone already).
    const auto deadline = std::chrono::steady_clock::now() + kLong;
    while (bt.running() && std::chrono::steady_clock::now() < deadline) {
        const int fd = ::open((zip.string() + ".CHECKSUM").c_str(), O_WRONLY | O_NONBLOCK);
        if (fd >= 0) {
            CHECK(::write(fd, sum.data(), sum.size()) == static_cast<ssize_t>(sum.size()));
            ::close(fd);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const auto code = bt.wait_for(kLong);
    INFO(bt.stderr_text());
    CHECK(code == 143);
    CHECK(names_in(dir.path()) == std::vector<std::string>{"bt.json", "data", "zipped"});
}

TEST_CASE("backtest: a damaged first row and CR-only line ends are exit 65, naming file:line",
          "[backtest][faults]") {
    TempDir dir;
    backtest_it::write_data(dir, {"BTCUSDT"}, 100);
    const std::string config = backtest_it::write_config(dir, {"BTCUSDT"});
    const fs::path file = dir.path() / "data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.csv";
    const std::string text = backtest_test::read_file(file);
    const std::string name = "data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.csv";

    // The first row's open time lost its first digit: read as a row, refused, never dropped.
    backtest_test::write_file(file, "x" + text.substr(1));
    RunResult r = run_backtest(dir, {"--config", config, "--data", "data"});
    CHECK(r.exit_code == 65);
    CHECK(r.err.find("tradebot-backtest: bad data: " + name + ":1: open_time: ") == 0);

    // The archive's header, then every line ended by a lone CR: bad data, not "no data".
    std::string cr_only =
        "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
        "taker_buy_quote_volume,ignore\n" +
        text;
    std::replace(cr_only.begin(), cr_only.end(), '\n', '\r');
    backtest_test::write_file(file, cr_only);
    RunResult cr = run_backtest(dir, {"--config", config, "--data", "data"});
    CHECK(cr.exit_code == 65);
    CHECK(cr.err == "tradebot-backtest: bad data: " + name +
                        ":1: row: a line ends with a lone carriage return (CR line ends); "
                        "expected LF or CRLF\n");
    CHECK(names_in(dir.path()) == std::vector<std::string>{"bt.json", "data"});
}

TEST_CASE(
    "backtest: a zip whose header lies about its size is exit 65 naming it, within little "
    "memory",
    "[backtest][faults]") {
    TempDir dir;
    backtest_it::write_data(dir, {"BTCUSDT"}, 100);
    const std::string config = backtest_it::write_config(dir, {"BTCUSDT"});
    const fs::path csv = dir.path() / "data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.csv";
    const fs::path zip = csv.parent_path() / "BTCUSDT-1m-2024-01.zip";
    backtest_test::write_zip(zip, csv.filename().string(), backtest_test::read_file(csv));
    fs::remove(csv);
    backtest_test::declare_zip_size(zip, 0xF0000000u);  // "4 GB when inflated"
    // Half a gigabyte of address space: believing the header would need eight times that.
    RunResult r =
        run({"/bin/sh", "-c", "ulimit -v 524288 && exec \"$0\" --config \"$1\" --data data",
             kBacktest, config},
            kLong, {}, dir.path().string());
    CHECK(r.exit_code == 65);
    CHECK(r.err ==
          "tradebot-backtest: bad data: data/spot/monthly/klines/BTCUSDT/1m/"
          "BTCUSDT-1m-2024-01.zip: its header declares 4026531840 bytes for "
          "BTCUSDT-1m-2024-01.csv, more than a month of 1m candles can fill (22859776 bytes at "
          "most); refused\n");
    CHECK(names_in(dir.path()) == std::vector<std::string>{"bt.json", "data"});
}

TEST_CASE("backtest: what killed runs left (*.partial-PID) is removed, a live run's is not",
          "[backtest][faults]") {
    TempDir dir;
    backtest_it::write_data(dir, {"BTCUSDT"}, 100);
    const std::string config = backtest_it::write_config(dir, {"BTCUSDT"});
    // A run killed with SIGKILL: it gets no chance to remove its temporary database. (Its
    // checksum is a FIFO nobody writes, so it is surely under way, holding the file, when killed.)
    const fs::path csv = dir.path() / "data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.csv";
    const fs::path zip = dir.path() / "zipped/BTCUSDT-1m-2024-01.zip";
    backtest_test::write_zip(zip, csv.filename().string(), backtest_test::read_file(csv));
    REQUIRE(::mkfifo((zip.string() + ".CHECKSUM").c_str(), 0600) == 0);
    std::string killed_partial;
    {
        ChildProcess bt({kBacktest, "--config", config, "--data", "zipped", "--db", "results.db"},
                        {}, dir.path().string());
        killed_partial = "results.db.partial-" + std::to_string(bt.pid());
        const auto deadline = std::chrono::steady_clock::now() + kLong;
        while (!fs::exists(dir.path() / killed_partial) && bt.running() &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        REQUIRE(fs::exists(dir.path() / killed_partial));
        bt.signal(SIGKILL);
        CHECK(bt.wait_for(kLong) == 128 + SIGKILL);
    }
    REQUIRE(fs::exists(dir.path() / killed_partial));
    // Another run's files beside them: this process is alive, so its file is no leftover.
    const std::string live_partial = "results.db.partial-" + std::to_string(::getpid());
    backtest_test::write_file(dir.path() / live_partial, "in use");
    // A report a killed run was writing.
    backtest_test::write_file(dir.path() / (killed_partial + "-wal"), "");
    const std::string killed_report =
        "report.html.partial-" + killed_partial.substr(killed_partial.rfind('-') + 1);
    backtest_test::write_file(dir.path() / killed_report, "<html>");

    RunResult r = run_backtest(dir, {"--config", config, "--data", "data", "--db", "results.db",
                                     "--report", "report.html"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("removed " + killed_partial + ", left by a run that no longer runs") !=
          std::string::npos);
    CHECK(r.err.find("removed " + killed_report + ", left by a run that no longer runs") !=
          std::string::npos);
    CHECK(names_in(dir.path()) == std::vector<std::string>{"bt.json", "data", "report.html",
                                                           "results.db", live_partial, "zipped"});
}
