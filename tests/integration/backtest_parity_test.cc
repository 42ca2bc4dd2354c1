// What tradebotd decides and what tradebot-backtest decides on the same candles are the same:
// the daemon trades the sim exchange while recording the candles its bots act on
// (market_data.record_dir), then the backtest replays the recording with the same config.
// Every signal the daemon wrote (symbol, candle, side, price) is one the backtest writes, and the
// backtest writes no other once the daemon's warm-up is over. (During the warm-up the daemon
// feeds history to its strategies without acting on their decisions; the recording holds those
// candles too, so the replay's indicators start from the same state.)
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "backtest_support.h"
#include "storage/reader.h"
#include "support/child_process.h"
#include "support/config.h"

using nlohmann::json;
using testing_support::ChildProcess;
using testing_support::run;
using testing_support::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr auto kLong = std::chrono::seconds(120);  // bounds a hang, never a speed check

using SignalKey = std::tuple<std::string, std::int64_t, std::string, std::string>;

std::set<SignalKey> signal_keys(const std::string& db, std::int64_t min_event_ms = 0,
                                const std::string& only = {}) {
    storage::Reader r(db);
    std::set<SignalKey> out;
    for (const auto& s : r.signals(only, 1000000)) {
        if (s.event_time_ms < min_event_ms) continue;
        // The price column is REAL (the schema says so): compare what it reads back as.
        out.insert({s.symbol, s.event_time_ms, s.side, s.price});
    }
    return out;
}

// Open times of a symbol's recorded candles, oldest first, from every file under `dir`.
std::vector<std::int64_t> recorded_open_times(const fs::path& dir, const std::string& symbol) {
    std::vector<std::int64_t> out;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().filename().string().rfind(symbol + "-1m-", 0) != 0) continue;
        std::ifstream in(e.path());
        for (std::string line; std::getline(in, line);) {
            out.push_back(std::stoll(line.substr(0, line.find(','))));
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("a backtest of tradebotd's recording gives the daemon's signals", "[backtest]") {
    TempDir dir;
    const std::vector<std::string> symbols = {"BTCUSDT", "ETHUSDT", "XRPUSDT"};
    const json cfg = {
        {"database", {{"path", dir.file("state/bot_state.db")}}},
        {"exchange", {{"name", "sim"}, {"sim", {{"seed", 11}, {"tick_ms", 20}}}}},
        {"trading", testing_support::paper_trading_json()},
        {"strategy", testing_support::quick_ema_cross_json()},
        {"symbols",
         {"BTCUSDT",
          "ETHUSDT",
          {{"symbol", "XRPUSDT"},
           {"strategy", {{"name", "rsi"}, {"period", 6}, {"oversold", 45}, {"overbought", 55}}}}}},
        {"log", {{"level", "info"}, {"heartbeat_s", 1}}},
        {"market_data", {{"record_dir", dir.file("recorded")}}}};
    const std::string config = dir.file("tb.json");
    std::ofstream(config) << cfg.dump(2);

    ChildProcess daemon({backtest_it::kDaemon, "--config", config, "--duration", "5"}, {},
                        dir.path().string());
    const auto code = daemon.wait_for(kLong);
    INFO(daemon.stderr_text());
    REQUIRE(code == 0);

    // How many history candles each bot warmed up on before it traded.
    std::map<std::string, int> warm_up;
    const std::regex warmed(R"(\[([A-Z]+)\] warmed up from (\d+) history candles)");
    const std::string log = daemon.stderr_text();
    for (auto it = std::sregex_iterator(log.begin(), log.end(), warmed);
         it != std::sregex_iterator(); ++it) {
        warm_up[(*it)[1]] = std::stoi((*it)[2]);
    }
    REQUIRE(warm_up.size() == symbols.size());

    auto bt = run({backtest_it::kBacktest, "--config", config, "--data", dir.file("recorded"),
                   "--db", dir.file("replay.db"), "--json"},
                  kLong, {}, dir.path().string());
    INFO(bt.err);
    REQUIRE(bt.exit_code == 0);
    const json summary = json::parse(bt.out);

    for (const auto& symbol : symbols) {
        INFO(symbol);
        const auto opens = recorded_open_times(dir.path() / "recorded", symbol);
        const int n = warm_up.at(symbol);
        REQUIRE(static_cast<int>(opens.size()) > n);  // the daemon traded some live candles
        // No candle twice, none missing: the recording is the sequence the bot took.
        for (std::size_t i = 1; i < opens.size(); ++i) CHECK(opens[i] - opens[i - 1] == 60000);
        // A signal's event time is the moment its candle closed.
        const std::int64_t first_live_event = opens[static_cast<std::size_t>(n)] + 60000;
        const auto daemon_signals = signal_keys(dir.file("state/bot_state.db"), 0, symbol);
        REQUIRE_FALSE(daemon_signals.empty());
        for (const auto& s : daemon_signals) CHECK(std::get<1>(s) >= first_live_event);
        CHECK(signal_keys(dir.file("replay.db"), first_live_event, symbol) == daemon_signals);
        for (const auto& s : summary["symbols"]) {
            if (s["symbol"] == symbol) CHECK(s["candles"] == opens.size());
        }
    }
}
