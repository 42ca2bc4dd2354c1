// The risk controls end to end: the real tradebotd on the sim exchange with a scripted price path
// (exchange.sim.script, exchange/sim/script.h) that crosses a stop-loss and a trailing stop, with a SIGKILL between entry and exit, after which the restarted daemon still
// exits at the stops (the trailing one from the high it saw before the kill). And the rules are
// the same in a backtest: tradebot-backtest replaying the candles the daemon recorded makes the
// daemon's exits, in the same candles, for the same reasons, at the same prices.
// Deadlines are generous: they bound a hang, they do not measure speed.
#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "config/decimal.h"
#include "storage/reader.h"
#include "support/child_process.h"
#include "support/config.h"
#include "support/daemon.h"
#include "support/storage.h"
#include "support/temp_dir.h"
#include "support/wait.h"

using config::Decimal;
using nlohmann::json;
using testing_support::ChildProcess;
using testing_support::run;
using testing_support::TempDir;

namespace {

const std::string kCtl = std::string(TRADEBOT_BIN_DIR) + "/tradebotctl";
const std::string kBacktest = std::string(TRADEBOT_BIN_DIR) + "/tradebot-backtest";
constexpr std::int64_t kMinute = 60000;
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

// The same shape with exact prices: 10 falling candles from `start`, then 5 rising ones (their
// prices go to `rise`; ema_cross 2/5 buys at the close of one of them). Returns the script line.
std::string fall_rise(const std::string& symbol, const Decimal& start, const Decimal& fall,
                      const Decimal& up, std::vector<Decimal>& rise) {
    std::string line = symbol;
    Decimal p = start;
    auto candle = [&] { line += " " + p.to_string() + "x" + std::to_string(kTicksPerCandle); };
    for (int i = 0; i < 10; ++i) {
        p = p - fall;
        candle();
    }
    for (int i = 0; i < 5; ++i) {
        p = p + up;
        rise.push_back(p);
        candle();
    }
    return line;
}

json config_for(const TempDir& dir) {
    return {{"database", {{"path", dir.file("state/bot_state.db")}}},
            {"exchange", {{"name", "sim"}, {"sim", {{"seed", 5}, {"tick_ms", 20}}}}},
            {"trading", testing_support::paper_trading_json()},
            {"strategy", testing_support::quick_ema_cross_json()},
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

// tradebotd on `cfg` with the price script `script` (exchange.sim.script), the config written
// as tb.json.
std::unique_ptr<ChildProcess> start_daemon(const TempDir& dir, json cfg,
                                           const std::string& script) {
    cfg["exchange"]["sim"]["script"] = script;
    return testing_support::start_daemon(dir, write_file(dir, "tb.json", cfg.dump(2)));
}

}  // namespace

TEST_CASE("risk: a daemon killed between entry and exit still exits at its stops after a restart",
          "[risk][integration]") {
    TempDir dir;
    const json config = config_for(dir);
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

namespace {

// Open times of a symbol's recorded candles (1m), from every file under `dir`; none yet: empty.
std::vector<std::int64_t> recorded_opens(const std::filesystem::path& dir,
                                         const std::string& symbol) {
    std::vector<std::int64_t> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        if (e.path().filename().string().rfind(symbol + "-1m-", 0) != 0) continue;
        std::ifstream in(e.path());
        for (std::string line; std::getline(in, line);) {
            if (!line.empty()) out.push_back(std::stoll(line.substr(0, line.find(','))));
        }
    }
    return out;
}

// What must match between the daemon and the backtest: the candle (its open time), the reason
// (which names the rule, the price, the entry or high, and the level) and the price.
struct ExitKey {
    std::int64_t candle;
    std::string reason;
    std::string price;
    bool operator==(const ExitKey&) const = default;
};

std::ostream& operator<<(std::ostream& os, const ExitKey& k) {
    return os << "{candle " << k.candle << ", \"" << k.reason << "\", " << k.price << "}";
}

// The risk exits of `sym` in candles from `from_ms` on.
std::vector<ExitKey> exit_keys(const storage::Reader& r, const std::string& sym,
                               std::int64_t from_ms) {
    std::vector<ExitKey> out;
    for (const auto& s : risk_exits(r, sym)) {
        const std::int64_t candle = s.event_time_ms - s.event_time_ms % kMinute;
        if (candle >= from_ms) out.push_back({candle, s.reason, s.price});
    }
    return out;
}

// The price of the fill of the order a signal led to ("" when none).
std::string fill_price_of(const storage::Reader& r, const std::string& sym,
                          std::int64_t signal_id) {
    for (const auto& o : r.orders(sym, 100000)) {
        if (o.signal_id != signal_id) continue;
        for (const auto& f : r.fills(sym, 100000)) {
            if (f.client_order_id == o.client_order_id) return f.price;
        }
    }
    return "";
}

}  // namespace

TEST_CASE("risk: a backtest of the daemon's candles makes the daemon's exits",
          "[risk][integration]") {
    TempDir dir;
    // BTCUSDT: a stop-loss; ETHUSDT: a take-profit (and a stop far away); BNBUSDT: a trailing stop
    // only. The daemon records the candles it acts on, warm-up included.
    const json cfg = {
        {"database", {{"path", dir.file("state/bot_state.db")}}},
        {"exchange", {{"name", "sim"}, {"sim", {{"seed", 5}, {"tick_ms", 20}}}}},
        {"trading", testing_support::paper_trading_json()},
        {"strategy", testing_support::quick_ema_cross_json()},
        {"risk", {{"stop_loss_pct", "2"}}},
        {"symbols",
         {"BTCUSDT",
          {{"symbol", "ETHUSDT"}, {"risk", {{"stop_loss_pct", "5"}, {"take_profit_pct", "4"}}}},
          {{"symbol", "BNBUSDT"},
           {"risk", {{"stop_loss_pct", nullptr}, {"trailing_stop_pct", "1"}}}}}},
        {"log", {{"level", "info"}, {"heartbeat_s", 1}}},
        {"market_data", {{"record_dir", dir.file("recorded")}}}};
    const std::string config = write_file(dir, "tb.json", cfg.dump(2));
    const std::string db = dir.file("state/bot_state.db");
    const std::vector<std::string> symbols = {"BTCUSDT", "ETHUSDT", "BNBUSDT"};

    // After the rise, one candle whose ticks cross the exit level of every entry the strategy may
    // have made, each level exactly, nearest first: the daemon (every tick) exits at the first
    // one its entry's level reaches, which is that level; the backtest (the candle's OHLC) fills
    // at the level inside the candle. Both must agree on which, where and why.
    std::vector<Decimal> btc, eth, bnb;
    std::string script = fall_rise("BTCUSDT", dec("60000"), dec("200"), dec("300"), btc);
    script += " " + btc.back().to_string();  // the open: above every stop level
    for (auto p = btc.rbegin(); p != btc.rend(); ++p)
        script += " " + (*p * dec("0.98")).to_string();
    script += "\n" + fall_rise("ETHUSDT", dec("3000"), dec("10"), dec("10"), eth);
    script += " " + eth.back().to_string();  // under every take-profit level
    for (const auto& p : eth) script += " " + (p * dec("1.04")).to_string();
    // BNBUSDT tops at 600: its trailing level is 594 whatever the entry was.
    script += "\n" + fall_rise("BNBUSDT", dec("600"), dec("2"), dec("4"), bnb);
    REQUIRE(bnb.back() == dec("600"));
    script += " 600 598 596 594 592 590\n";

    auto daemon = start_daemon(dir, cfg, write_file(dir, "script.txt", script));
    const bool all_exited = wait_for_db(db, [&](const storage::Reader& r) {
        for (const auto& sym : symbols) {
            if (!exited(r, sym)) return false;
        }
        return true;
    });
    INFO("stderr of tradebotd:\n" << daemon->stderr_text());
    REQUIRE(all_exited);
    // The candle of each exit is in the recording once it closed (one write per candle).
    std::map<std::string, std::int64_t> exit_candle;
    {
        storage::Reader r(db);
        for (const auto& sym : symbols) {
            const auto exits = exit_keys(r, sym, 0);
            REQUIRE(exits.size() == 1);
            exit_candle[sym] = exits[0].candle;
        }
    }
    const bool recorded = testing_support::wait_until(
        [&] {
            for (const auto& sym : symbols) {
                const auto opens = recorded_opens(dir.path() / "recorded", sym);
                if (opens.empty() || opens.back() <= exit_candle[sym]) return false;
            }
            return true;
        },
        kLong);
    REQUIRE(recorded);
    daemon->signal(SIGTERM);
    REQUIRE(daemon->wait_for(kLong) == 0);

    auto bt = run({kBacktest, "--config", config, "--data", dir.file("recorded"), "--db",
                   dir.file("replay.db"), "--json"},
                  kLong, {}, dir.path().string());
    INFO("tradebot-backtest:\n" << bt.err);
    REQUIRE(bt.exit_code == 0);

    storage::Reader daemon_db(db);
    storage::Reader replay(dir.file("replay.db"));
    for (const auto& sym : symbols) {
        INFO(sym);
        // The scripted path starts 15 candles before the exit; the backtest also replays the
        // daemon's warm-up candles, where the daemon did not trade.
        const std::int64_t live_from = exit_candle[sym] - 15 * kMinute;
        const auto daemon_exits = exit_keys(daemon_db, sym, 0);
        CHECK(exit_keys(replay, sym, live_from) == daemon_exits);

        // The exit is the rule the symbol has, at its level, not at the candle's close.
        const Decimal entry = dec(daemon_db.fills(sym, 10).back().price);  // the BUY
        const std::string e = entry.to_string(2);
        const std::string reason = daemon_exits.at(0).reason;
        if (sym == "BTCUSDT") {
            CHECK(reason ==
                  "stop_loss 2% at " + (entry * dec("0.98")).to_string(2) + " (entry " + e + ")");
        } else if (sym == "ETHUSDT") {
            CHECK(reason ==
                  "take_profit 4% at " + (entry * dec("1.04")).to_string(2) + " (entry " + e + ")");
        } else {
            CHECK(reason == "trailing_stop 1% at 594.00 (high 600.00)");
        }
        // Both sold the whole position at the exit's price (paper fills at the order's price).
        for (const storage::Reader* r : {&daemon_db, &replay}) {
            const auto exits = risk_exits(*r, sym);
            REQUIRE_FALSE(exits.empty());
            const auto& last = exits.back();
            CHECK(dec(fill_price_of(*r, sym, last.id)) == dec(last.price));
            CHECK(dec(position_of(*r, sym)->quantity).is_zero());
        }
    }
}
