// The risk controls end to end: the real tradebotd on the sim exchange with a scripted price path
// (TEST ONLY: TRADEBOT_TEST_SIM_SCRIPT, exchange/sim_script.h) that crosses a stop-loss and a
// trailing stop, with a SIGKILL between entry and exit, after which the restarted daemon still
// exits at the stops (the trailing one from the high it saw before the kill).
// Deadlines are generous: they bound a hang, they do not measure speed.
#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "config/decimal.h"
#include "storage/reader.h"
#include "support/child_process.h"
#include "support/daemon.h"
#include "support/storage.h"
#include "support/temp_dir.h"

using config::Decimal;
using nlohmann::json;
using testing_support::ChildProcess;
using testing_support::run;
using testing_support::TempDir;

namespace {

const std::string kCtl = std::string(TRADEBOT_BIN_DIR) + "/tradebotctl";
constexpr auto kLong = std::chrono::seconds(120);  // bounds a hang, never a speed check

// The sim plays 6 ticks per candle; a script line holds one price per tick. Whole candles at one
// price keep every move at a candle's open, where the daemon (which sees every tick) and the
// backtest (which sees only OHLC) see the same price.
constexpr int kTicksPerCandle = 6;

std::string candles(long long price, int n = 1) {
    return " " + std::to_string(price) + "x" + std::to_string(n * kTicksPerCandle);
}

// 10 falling candles (the fast EMA ends below the slow one whatever the history was), then 10
// rising ones: ema_cross 2/5 buys early in the rise, so the top is well above the entry. Returns
// the script line and sets `top`.
std::string fall_then_rise(const std::string& symbol, long long start, long long fall_step,
                           long long rise_step, long long& top) {
    std::string line = symbol;
    long long p = start;
    for (int i = 0; i < 10; ++i) line += candles(p -= fall_step);
    for (int i = 0; i < 10; ++i) line += candles(p += rise_step);
    top = p;
    return line;
}

json config_for(const TempDir& dir, bool record) {
    json cfg = {
        {"database", {{"path", dir.file("state/bot_state.db")}}},
        {"exchange", {{"name", "sim"}, {"sim", {{"seed", 5}, {"tick_ms", 20}}}}},
        {"trading",
         {{"mode", "paper"},
          {"quote_per_trade", "100"},
          {"max_position_quote", "1000"},
          {"fee_rate", "0.001"}}},
        {"strategy", {{"name", "ema_cross"}, {"interval", "1m"}, {"fast", 2}, {"slow", 5}}},
        // BTCUSDT: a 2% stop-loss and a daily cap above the entry's fee (0.1) but far under
        // the loss of the fall below.
        {"risk",
         {{"stop_loss_pct", "2"}, {"max_daily_loss_quote", "0.5"}, {"cooldown_candles", 2}}},
        // ETHUSDT: a wide stop-loss and a tight trailing stop, so its exit is the trailing one.
        {"symbols",
         {"BTCUSDT",
          {{"symbol", "ETHUSDT"},
           {"risk",
            {{"stop_loss_pct", "5"},
             {"trailing_stop_pct", "1"},
             {"max_daily_loss_quote", nullptr}}}}}},
        {"log", {{"level", "info"}, {"heartbeat_s", 1}}}};
    if (record) cfg["market_data"] = {{"record_dir", dir.file("recorded")}};
    return cfg;
}

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
    const std::string path = dir.file(name);
    std::ofstream(path) << text;
    return path;
}

// Polls the database (which may not exist yet) until pred(reader) holds.
template <class Pred>
bool wait_for_db(const std::string& path, Pred pred) {
    return testing_support::wait_for_db(path, pred, kLong);
}

Decimal dec(const std::string& s) { return Decimal::from_string(s); }

std::optional<storage::Position> position_of(const storage::Reader& r, const std::string& sym) {
    for (const auto& p : r.positions()) {
        if (p.symbol == sym) return p;
    }
    return std::nullopt;
}

// The risk exits of a symbol (SELL signals of the "risk" strategy), oldest first.
std::vector<storage::Signal> risk_exits(const storage::Reader& r, const std::string& sym) {
    std::vector<storage::Signal> out;
    for (const auto& s : r.signals(sym, 100000)) {
        if (s.strategy == "risk") out.insert(out.begin(), s);
    }
    return out;
}

// The risk exit's order filled and the position is flat.
bool exited(const storage::Reader& r, const std::string& sym) {
    auto p = position_of(r, sym);
    if (risk_exits(r, sym).empty() || !p || !dec(p->quantity).is_zero()) return false;
    for (const auto& o : r.orders(sym, 1000)) {
        if (o.side == "SELL" && o.status == "FILLED") return true;
    }
    return false;
}

// tradebotctl positions --json: the row of `sym`.
json ctl_position(const std::string& db, const std::string& sym) {
    auto out = run({kCtl, "--db", db, "positions", "--json"});
    if (out.exit_code != 0) return nullptr;
    for (const auto& p : json::parse(out.out)) {
        if (p["symbol"] == sym) return p;
    }
    return nullptr;
}

std::unique_ptr<ChildProcess> start_daemon(const TempDir& dir, const std::string& config,
                                           const std::string& script) {
    return testing_support::start_daemon(dir, config, {{"TRADEBOT_TEST_SIM_SCRIPT", script}});
}

}  // namespace

TEST_CASE("risk: a daemon killed between entry and exit still exits at its stops after a restart",
          "[risk][integration]") {
    TempDir dir;
    const std::string config = write_file(dir, "tb.json", config_for(dir, false).dump(2));
    const std::string db = dir.file("state/bot_state.db");
    long long btc_top = 0, eth_top = 0;
    // Run 1: fall, rise, then stay at the top: entries, a trailing high, no exit.
    const std::string script1 =
        write_file(dir, "run1.txt",
                   fall_then_rise("BTCUSDT", 60000, 240, 600, btc_top) + "\n" +
                       fall_then_rise("ETHUSDT", 3000, 12, 30, eth_top) + "\n");
    auto daemon = start_daemon(dir, config, script1);
    // Both bought, and ETHUSDT's trailing high (the top) is committed.
    const bool entered = wait_for_db(db, [&](const storage::Reader& r) {
        for (const char* sym : {"BTCUSDT", "ETHUSDT"}) {
            auto p = position_of(r, sym);
            if (!p || !dec(p->quantity).is_positive()) return false;
        }
        json eth = ctl_position(db, "ETHUSDT");
        return eth.is_object() && eth["risk"].is_object() &&
               eth["risk"]["trail_high"] == std::to_string(eth_top);
    });
    INFO("stderr of run 1:\n" << daemon->stderr_text());
    REQUIRE(entered);
    daemon->signal(SIGKILL);
    REQUIRE(daemon->wait_for(kLong) == 128 + SIGKILL);

    Decimal btc_entry, eth_entry;
    {
        storage::Reader r(db);
        CHECK(risk_exits(r, "BTCUSDT").empty());
        CHECK(risk_exits(r, "ETHUSDT").empty());
        btc_entry = dec(position_of(r, "BTCUSDT")->avg_entry_price);
        eth_entry = dec(position_of(r, "ETHUSDT")->avg_entry_price);
    }
    // The script bought early in the rise: the top is at least 5% above the entry. So a price
    // 1.5% under the top is under the trailing level only if the top survived the kill (from
    // the entry alone the level would be 1% under the entry), and above the 5% stop-loss.
    const Decimal eth_top_d = Decimal::from_int(eth_top);
    REQUIRE(eth_top_d >= eth_entry * dec("1.05"));
    const Decimal eth_price = (eth_top_d * dec("0.985")).round_to_step(dec("0.01"));
    // BTCUSDT first trades 1% under its entry (a loss past the daily cap, above the stop), then
    // 10% under it, through its 2% stop-loss, before the candle closes (so the strategy, which
    // would sell on the fall, speaks after the stop). Whether or not the market's UTC day turned
    // while the daemon was down, the day's loss reaches the cap at one of the two.
    const Decimal btc_first = (btc_entry * dec("0.99")).round_to_step(dec("0.01"));
    const Decimal btc_price = (btc_entry * dec("0.9")).round_to_step(dec("0.01"));

    // Run 2: the market has moved while the daemon was down.
    const std::string script2 =
        write_file(dir, "run2.txt",
                   "BTCUSDT " + btc_first.to_string() + " " + btc_price.to_string() + "\nETHUSDT " +
                       eth_price.to_string() + "\n");
    daemon = start_daemon(dir, config, script2);
    const bool both = wait_for_db(
        db, [](const storage::Reader& r) { return exited(r, "BTCUSDT") && exited(r, "ETHUSDT"); });
    INFO("stderr of run 2:\n" << daemon->stderr_text());
    REQUIRE(both);
    daemon->signal(SIGTERM);
    CHECK(daemon->wait_for(kLong) == 0);

    storage::Reader r(db);
    const auto btc = risk_exits(r, "BTCUSDT");
    REQUIRE(btc.size() == 1);
    CHECK(btc[0].side == "SELL");
    CHECK(dec(btc[0].price) == btc_price);
    CHECK(btc[0].reason.rfind("stop_loss 2% at " + btc_price.to_string(2) + " (entry " +
                                  btc_entry.to_string(2) + ", level ",
                              0) == 0);
    const auto eth = risk_exits(r, "ETHUSDT");
    REQUIRE(eth.size() == 1);
    CHECK(eth[0].reason.rfind("trailing_stop 1% at " + eth_price.to_string(2) + " (high " +
                                  eth_top_d.to_string(2) + ", level ",
                              0) == 0);
    // The exit sold the whole position, written ahead and filled.
    for (const char* sym : {"BTCUSDT", "ETHUSDT"}) {
        INFO(sym);
        auto orders = r.orders(sym, 10);
        REQUIRE(orders.size() == 2);
        CHECK(orders[0].side == "SELL");
        CHECK(orders[0].status == "FILLED");
        CHECK(orders[0].quantity == orders[1].quantity);
        CHECK(dec(position_of(r, sym)->quantity).is_zero());
    }
    // The loss is past BTCUSDT's daily cap: halted, said in the log's own words.
    const std::string log = daemon->stderr_text();
    CHECK(log.find("warn [BTCUSDT] halted: daily loss ") != std::string::npos);
    CHECK(log.find("warn [ETHUSDT] halted") == std::string::npos);  // no cap for ETHUSDT
    json btc_row = ctl_position(db, "BTCUSDT");
    REQUIRE(btc_row.is_object());
    CHECK(btc_row["risk"]["halted"] == true);
}
