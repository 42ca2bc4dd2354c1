// tradebotd end to end in binance mode: the real binary, configured in a temporary folder, against
// a local Binance-compatible exchange (FakeBinance) in this process; the database is read through
// storage::Reader as tradebotctl does.
//
// The market is scripted: flat history for the warm-up, then a triangle wave per symbol that makes
// ema_cross(3, 5) cross back and forth. The same strategy replayed here over the same candles says
// exactly which signals (candle time and side) a stream with no skipped and no repeated candle
// produces, so the database is compared with that list rather than with "some signals".
// Deadlines are generous: they bound a hang, they never measure speed.
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bot/strategies/ema_cross_strategy.h"
#include "config/decimal.h"
#include "storage/errors.h"
#include "storage/reader.h"
#include "support/child_process.h"
#include "support/daemon.h"
#include "support/fake_binance/fake_binance.h"
#include "support/storage.h"
#include "support/temp_dir.h"

using config::Decimal;
using exchange::Kline;
using fake_binance::FakeBinance;
using nlohmann::json;
using testing_support::ChildProcess;
using testing_support::start_daemon;
using testing_support::TempDir;
using testing_support::write_config;

namespace {

const std::string kDaemon = std::string(TRADEBOT_BIN_DIR) + "/tradebotd";
constexpr auto kLong = std::chrono::seconds(60);  // bounds a hang, never a speed check
constexpr std::int64_t kMinute = 60'000;
constexpr int kFast = 3;
constexpr int kSlow = 5;
constexpr int kHistoryCandles = 40;
const std::vector<std::string> kSymbols{"BTCUSDT", "ETHUSDT", "XRPUSDT"};

Decimal dec(const std::string& s) { return Decimal::from_string(s); }

// A symbol's market: the price it swings around, one step of the swing, the exchange's filters.
// Steps differ per symbol so that sizing to each symbol's LOT_SIZE is visible in the quantities.
struct Market {
    std::string symbol;
    std::string base;
    std::string unit;
    fake_binance::Rules rules;
};

std::vector<Market> markets() {
    fake_binance::Rules btc;
    btc.base_asset = "BTC";
    btc.step_size = "0.001";
    btc.min_qty = "0.001";
    fake_binance::Rules eth;
    eth.base_asset = "ETH";
    eth.step_size = "0.0001";
    eth.min_qty = "0.0001";
    fake_binance::Rules xrp;
    xrp.base_asset = "XRP";
    xrp.tick_size = "0.0001";
    xrp.step_size = "1";
    xrp.min_qty = "1";
    return {{"BTCUSDT", "30000", "50", btc},
            {"ETHUSDT", "2100", "5", eth},
            {"XRPUSDT", "0.5", "0.002", xrp}};
}

const fake_binance::Rules& rules_of(const std::string& symbol) {
    static const std::vector<Market> all = markets();
    for (const auto& m : all) {
        if (m.symbol == symbol) return m.rules;
    }
    throw std::logic_error("no market " + symbol);
}

// 1, 2, 3, 4, 5, 4, ..., -5, -4, ..., -1, 0, 1, ...: every turn makes the EMAs cross.
int triangle(int i) {
    int p = (i + 1) % 20;
    if (p <= 5) return p;
    if (p <= 15) return 10 - p;
    return p - 20;
}

// Candles one minute apart, all closed well in the past (the stream treats a kline whose close
// time is still ahead as open): flat history for the warm-up, then the live swing.
struct Scenario {
    std::map<std::string, std::vector<Kline>> history;
    std::map<std::string, std::vector<Kline>> live;

    // The live candles of [from, to) interleaved across symbols, as the exchange would send them.
    std::vector<Kline> script(std::size_t from, std::size_t to) const {
        std::vector<Kline> out;
        for (std::size_t i = from; i < to; ++i) {
            for (const auto& [sym, ks] : live) out.push_back(ks.at(i));
        }
        return out;
    }
    std::size_t live_candles() const { return live.begin()->second.size(); }
};

Scenario make_scenario(int live_candles) {
    using namespace std::chrono;
    const std::int64_t now =
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    const std::int64_t first_open = now / kMinute * kMinute - 4 * 60 * kMinute;
    Scenario s;
    for (const auto& m : markets()) {
        std::vector<std::string> flat(kHistoryCandles, m.base);
        s.history[m.symbol] = FakeBinance::series(m.symbol, "1m", first_open, flat);
        std::vector<std::string> swing;
        for (int i = 0; i < live_candles; ++i) {
            swing.push_back(
                (dec(m.base) + dec(m.unit) * Decimal::from_int(triangle(i))).to_string());
        }
        s.live[m.symbol] =
            FakeBinance::series(m.symbol, "1m", first_open + kHistoryCandles * kMinute, swing);
    }
    return s;
}

void install(FakeBinance& fake, const Scenario& s) {
    for (const auto& m : markets()) fake.set_rules(m.symbol, m.rules);
    for (const auto& [sym, ks] : s.history) {
        for (const auto& k : ks) fake.add_history(k);
    }
}

// (event time, side) of a signal.
using SignalKey = std::pair<std::int64_t, std::string>;

// What the daemon must decide on the live candles of `symbol` when it sees each exactly once
// after warming up on the history: the strategy replayed here on the same candles.
std::vector<SignalKey> expected_signals(const Scenario& s, const std::string& symbol,
                                        std::size_t live_candles) {
    bot::EmaCrossStrategy strategy(kFast, kSlow, "1m");
    for (const auto& k : s.history.at(symbol)) (void)strategy.on_kline(k);
    std::vector<SignalKey> out;
    for (std::size_t i = 0; i < live_candles; ++i) {
        const Kline& k = s.live.at(symbol).at(i);
        if (auto d = strategy.on_kline(k)) {
            out.emplace_back(k.close_time_ms, d->side == exchange::Side::kBuy ? "BUY" : "SELL");
        }
    }
    return out;
}

std::vector<SignalKey> recorded_signals(const storage::Reader& r, const std::string& symbol) {
    auto rows = r.signals(symbol, 100000);
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    std::vector<SignalKey> out;
    for (const auto& s : rows) out.emplace_back(s.event_time_ms, s.side);
    return out;
}

json binance_config(const TempDir& dir, const FakeBinance& fake, const std::string& mode,
                    std::optional<std::string> ca_file = std::nullopt) {
    return {
        {"database", {{"path", dir.file("state/bot_state.db")}, {"busy_timeout_ms", 5000}}},
        {"exchange",
         {{"name", "binance"},
          {"ws_url", fake.ws_url()},
          {"rest_url", fake.rest_url()},
          {"ca_file", ca_file ? json(*ca_file) : json(nullptr)}}},
        {"trading",
         {{"mode", mode},
          {"quote_per_trade", "100"},
          {"max_position_quote", "1000"},
          {"fee_rate", "0.001"}}},
        {"strategy", {{"name", "ema_cross"}, {"interval", "1m"}, {"fast", kFast}, {"slow", kSlow}}},
        {"symbols", kSymbols},
        {"log", {{"level", "info"}, {"heartbeat_s", 1}, {"format", "text"}}}};
}

std::string db_path(const TempDir& dir) { return dir.file("state/bot_state.db"); }

bool contains(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

// Every bot warmed up and started, and the market stream connected: from here on each published
// candle is live to the daemon (not part of its warm-up). Gives up early when a bot stops.
bool wait_ready(ChildProcess& daemon, const FakeBinance& fake) {
    bool settled = daemon.wait_until_output(
        [](const std::string& e) {
            if (contains(e, "stopped for good") || contains(e, "fatal")) return true;
            for (const auto& s : kSymbols) {
                if (!contains(e, "[" + s + "] started:")) return false;
            }
            return true;
        },
        kLong, true);
    if (!settled || contains(daemon.stderr_text(), "stopped for good")) return false;
    return FakeBinance::wait_for([&] { return fake.live_sessions() >= 1; }, kLong);
}

// Polls the database (which may not exist yet) until pred(reader) holds.
template <class Pred>
bool wait_for_db(const std::string& path, Pred pred) {
    return testing_support::wait_for_db(path, pred, kLong);
}

// Every expected signal recorded and every order it led to settled (none PENDING).
bool all_decided(const storage::Reader& r, const std::map<std::string, std::size_t>& want) {
    for (const auto& [sym, n] : want) {
        if (r.signals(sym, 100000).size() < n) return false;
        auto orders = r.orders(sym, 100000);
        if (orders.size() < n) return false;
        for (const auto& o : orders) {
            if (o.status == "PENDING") return false;
        }
    }
    return true;
}

struct Heartbeat {
    std::int64_t closed = 0;
    std::int64_t reconnects = 0;
};

std::vector<Heartbeat> heartbeats(const std::string& err, const std::string& symbol) {
    static const std::regex re(
        R"(\[(\w+)\] heartbeat events=\d+ closed=(\d+) .* reconnects=(\d+))");
    std::vector<Heartbeat> out;
    for (auto it = std::sregex_iterator(err.begin(), err.end(), re); it != std::sregex_iterator();
         ++it) {
        if ((*it)[1] != symbol) continue;
        out.push_back({std::stoll((*it)[2]), std::stoll((*it)[3])});
    }
    return out;
}

std::int64_t max_closed(const std::string& err, const std::string& symbol) {
    std::int64_t n = 0;
    for (const auto& h : heartbeats(err, symbol)) n = std::max(n, h.closed);
    return n;
}

// SIGTERM and the exit code (nullopt: still running after the deadline).
std::optional<int> terminate(ChildProcess& p) {
    p.signal(SIGTERM);
    return p.wait_for(std::chrono::seconds(5));
}

}  // namespace

TEST_CASE("daemon binance: paper mode trades three symbols on the exchange's filters",
          "[daemon][binance][integration]") {
    TempDir dir;
    FakeBinance fake;
    const Scenario market = make_scenario(20);
    install(fake, market);
    auto daemon = start_daemon(dir, write_config(dir, binance_config(dir, fake, "paper")));
    bool ready = wait_ready(*daemon, fake);
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(ready);

    std::map<std::string, std::vector<SignalKey>> expected;
    std::map<std::string, std::size_t> counts;
    for (const auto& s : kSymbols) {
        expected[s] = expected_signals(market, s, market.live_candles());
        REQUIRE(expected[s].size() >= 3);  // the scenario itself: BUY, SELL, BUY at least
        counts[s] = expected[s].size();
    }
    fake.play(market.script(0, market.live_candles()), std::chrono::milliseconds(20));
    bool done =
        wait_for_db(db_path(dir), [&](const storage::Reader& r) { return all_decided(r, counts); });
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(done);

    auto code = terminate(*daemon);
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    const std::string err = daemon->stderr_text();
    CHECK(contains(err, "exchange=binance mode=paper symbols=BTCUSDT,ETHUSDT,XRPUSDT"));
    CHECK(contains(err, "stopped cleanly"));

    storage::Reader r(db_path(dir));
    for (const auto& sym : kSymbols) {
        INFO(sym);
        CHECK(recorded_signals(r, sym) == expected[sym]);
        const Decimal step = dec(rules_of(sym).step_size);
        auto fills = r.fills(sym, 100000);
        for (const auto& o : r.orders(sym, 100000)) {
            INFO(o.client_order_id << " " << o.side << " qty=" << o.quantity << " " << o.reason);
            CHECK(o.status == "FILLED");
            REQUIRE(o.signal_id.has_value());
            CHECK(o.client_order_id == "tb-" + sym + "-" + std::to_string(*o.signal_id));
            const Decimal qty = dec(o.quantity);
            CHECK(qty.is_positive());
            CHECK(qty.round_to_step(step) == qty);
            // Sized down to the step: a buy never spends more than quote_per_trade.
            if (o.side == "BUY") CHECK(qty * dec(o.price) <= dec("100"));
            CHECK(std::count_if(fills.begin(), fills.end(), [&](const storage::Fill& f) {
                      return f.client_order_id == o.client_order_id && f.quantity == o.quantity;
                  }) == 1);
        }
    }
    // Paper trading: nothing reaches the exchange's order endpoint, exchangeInfo serves the rules.
    CHECK(fake.total_orders() == 0);
    CHECK(fake.requests("/api/v3/order") == 0);
    CHECK(fake.requests("/api/v3/exchangeInfo") >= 3);
}

TEST_CASE("daemon binance: live orders are signed, on the step size, never placed twice",
          "[daemon][binance][integration]") {
    TempDir dir;
    fake_binance::Options options;
    options.api_key = "tb-test-key-3c1f8a77";
    options.api_secret = "tb-test-secret-9d27e4b0";
    FakeBinance fake(options);
    const Scenario market = make_scenario(20);
    install(fake, market);
    // The first order is placed but its answer is a 503: the daemon must look it up rather than
    // send it again, and settle it from what the exchange says.
    fake.fail_next("/api/v3/order", 503, 1, std::nullopt, /*execute_first=*/true);
    auto daemon = start_daemon(
        dir, write_config(dir, binance_config(dir, fake, "live")),
        {{"BINANCE_API_KEY", options.api_key}, {"BINANCE_API_SECRET", options.api_secret}});
    bool ready = wait_ready(*daemon, fake);
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(ready);

    std::map<std::string, std::vector<SignalKey>> expected;
    std::map<std::string, std::size_t> counts;
    for (const auto& s : kSymbols) {
        expected[s] = expected_signals(market, s, market.live_candles());
        counts[s] = expected[s].size();
    }
    fake.play(market.script(0, market.live_candles()), std::chrono::milliseconds(20));
    bool done =
        wait_for_db(db_path(dir), [&](const storage::Reader& r) { return all_decided(r, counts); });
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(done);
    auto code = terminate(*daemon);
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    const std::string err = daemon->stderr_text();

    // Every request carried the right key and a valid signature.
    CHECK(fake.auth_failures() == 0);
    storage::Reader r(db_path(dir));
    std::map<std::string, storage::Order> rows;
    for (const auto& o : r.orders("", 100000)) rows[o.client_order_id] = o;
    auto fills = r.fills("", 100000);
    const auto placed = fake.orders();
    CHECK(placed.size() == rows.size());
    for (const auto& p : placed) {
        INFO(p.client_order_id << " qty=" << p.quantity);
        // Exactly one order and one POST per client id, the 503'd one included.
        CHECK(fake.orders_placed(p.client_order_id) == 1);
        CHECK(fake.order_posts(p.client_order_id) == 1);
        auto row = rows.find(p.client_order_id);
        REQUIRE(row != rows.end());  // newClientOrderId is the write-ahead row's id
        const storage::Order& o = row->second;
        CHECK(o.status == "FILLED");
        REQUIRE(o.signal_id.has_value());
        CHECK(p.client_order_id == "tb-" + p.symbol + "-" + std::to_string(*o.signal_id));
        CHECK(o.exchange_order_id == std::to_string(p.order_id));
        const Decimal qty = dec(p.quantity);
        const Decimal step = dec(rules_of(p.symbol).step_size);
        CHECK(qty.round_to_step(step) == qty);
        CHECK(qty == dec(o.quantity));
        // The fill is the exchange's: its quantity and price.
        CHECK(std::count_if(fills.begin(), fills.end(), [&](const storage::Fill& f) {
                  return f.client_order_id == p.client_order_id && dec(f.quantity) == qty &&
                         dec(f.price) == dec(p.price);
              }) == 1);
    }
    for (const auto& sym : kSymbols) {
        INFO(sym);
        CHECK(recorded_signals(r, sym) == expected[sym]);
    }
    // The 503 led to a lookup (and the fills from myTrades), not to a second POST: exactly one
    // order went through it (whichever bot's POST came first), and it is among those checked
    // above, placed once and FILLED.
    std::set<std::string> looked_up;
    static const std::regex unknown_re(R"(binance: order (tb-\S+) status unknown)");
    for (auto it = std::sregex_iterator(err.begin(), err.end(), unknown_re);
         it != std::sregex_iterator(); ++it) {
        looked_up.insert((*it)[1]);
    }
    REQUIRE(looked_up.size() == 1);
    CHECK(fake.orders_placed(*looked_up.begin()) == 1);
    CHECK(rows.at(*looked_up.begin()).status == "FILLED");
    CHECK(fake.requests("/api/v3/myTrades") >= 1);
    // Secrets never reach a log line.
    CHECK_FALSE(contains(err, options.api_key));
    CHECK_FALSE(contains(err, options.api_secret));
}

TEST_CASE("daemon binance: live mode without keys exits 78 naming what is missing",
          "[daemon][binance][integration]") {
    TempDir dir;
    FakeBinance fake;
    const Scenario market = make_scenario(1);
    install(fake, market);
    auto config = write_config(dir, binance_config(dir, fake, "live"));
    auto run = [&](std::map<std::string, std::string> env) {
        return testing_support::run({kDaemon, "--config", config}, kLong, std::move(env),
                                    dir.path().string());
    };
    // A config error (78): systemd's Restart=on-failure must not retry what a restart cannot fix.
    SECTION("neither key") {
        // Empty counts as unset (and overrides anything the test runner's environment holds).
        auto r = run({{"BINANCE_API_KEY", ""}, {"BINANCE_API_SECRET", ""}});
        INFO(r.err);
        CHECK(r.exit_code == 78);
        CHECK(contains(r.err, "BINANCE_API_KEY and BINANCE_API_SECRET"));
    }
    SECTION("the secret only") {
        auto r = run({{"BINANCE_API_KEY", "tb-lonely-key-51e3"}, {"BINANCE_API_SECRET", ""}});
        INFO(r.err);
        CHECK(r.exit_code == 78);
        CHECK(contains(r.err, "BINANCE_API_SECRET"));
        CHECK_FALSE(contains(r.err, "BINANCE_API_KEY in"));
        CHECK_FALSE(contains(r.err, "tb-lonely-key-51e3"));
    }
    // Refused before anything connects, and before any file is created: no database, no lock
    // file, not even their folder.
    CHECK_FALSE(std::filesystem::exists(std::filesystem::path(db_path(dir)).parent_path()));
    CHECK(fake.ws_handshakes() == 0);
    CHECK(fake.requests("/api/v3/exchangeInfo") == 0);
    CHECK(fake.requests("/api/v3/klines") == 0);
}

TEST_CASE("daemon binance: TLS with exchange.ca_file, and a wrong CA refused",
          "[daemon][binance][integration]") {
    TempDir dir;
    const auto exchange_cert = fake_binance::make_self_signed_certificate(dir.path(), "exchange");
    fake_binance::Options options;
    options.tls = true;
    options.cert_file = exchange_cert.cert_file;
    options.key_file = exchange_cert.key_file;
    FakeBinance fake(options);
    const Scenario market = make_scenario(20);
    install(fake, market);
    REQUIRE(fake.ws_url().rfind("wss://", 0) == 0);

    SECTION("the exchange's CA: data flows and the bots decide") {
        auto daemon = start_daemon(
            dir, write_config(dir, binance_config(dir, fake, "paper", exchange_cert.cert_file)));
        bool ready = wait_ready(*daemon, fake);
        INFO("stderr:\n" << daemon->stderr_text());
        REQUIRE(ready);
        std::map<std::string, std::vector<SignalKey>> expected;
        std::map<std::string, std::size_t> counts;
        for (const auto& s : kSymbols) {
            expected[s] = expected_signals(market, s, market.live_candles());
            counts[s] = expected[s].size();
        }
        fake.play(market.script(0, market.live_candles()), std::chrono::milliseconds(20));
        bool done = wait_for_db(db_path(dir),
                                [&](const storage::Reader& r) { return all_decided(r, counts); });
        INFO("stderr:\n" << daemon->stderr_text());
        REQUIRE(done);
        auto code = terminate(*daemon);
        REQUIRE(code.has_value());
        CHECK(*code == 0);
        storage::Reader r(db_path(dir));
        for (const auto& sym : kSymbols) CHECK(recorded_signals(r, sym) == expected[sym]);
    }
    SECTION("another CA: the start fails naming the certificate error, nothing reaches the fake") {
        // The exchange is probed before any bot starts: an exchange that cannot be reached (here:
        // its certificate is not signed by exchange.ca_file) is a start-up error, exit 1, and
        // systemd's Restart=on-failure tries again later. Nothing is traded.
        const auto other = fake_binance::make_self_signed_certificate(dir.path(), "other");
        auto daemon = start_daemon(
            dir, write_config(dir, binance_config(dir, fake, "paper", other.cert_file)));
        auto code = daemon->wait_for(kLong);
        INFO("stderr:\n" << daemon->stderr_text());
        REQUIRE(code.has_value());
        CHECK(*code == 1);
        const std::string err = daemon->stderr_text();
        CHECK(contains(err, "cannot reach the exchange at " + fake.rest_url()));
        CHECK(contains(err, "certificate verify failed"));
        // The TLS handshake failed: no WebSocket session, no REST request served.
        CHECK(fake.ws_handshakes() == 0);
        CHECK(fake.requests("/api/v3/exchangeInfo") == 0);
        CHECK(fake.requests("/api/v3/klines") == 0);
        CHECK(fake.requests("/api/v3/time") == 0);
    }
}

TEST_CASE("daemon binance: a dropped stream reconnects and back-fills, garbage is skipped",
          "[daemon][binance][integration]") {
    TempDir dir;
    FakeBinance fake;
    constexpr std::size_t kFirstPart = 20;
    const Scenario market = make_scenario(40);
    install(fake, market);
    auto daemon = start_daemon(dir, write_config(dir, binance_config(dir, fake, "paper")));
    bool ready = wait_ready(*daemon, fake);
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(ready);

    std::map<std::string, std::vector<SignalKey>> expected;
    std::map<std::string, std::size_t> counts;
    for (const auto& s : kSymbols) {
        expected[s] = expected_signals(market, s, market.live_candles());
        counts[s] = expected[s].size();
    }

    // First part: the connection drops while candles are being published. Whatever closed while
    // the daemon was away must come from the REST back-fill.
    fake.play(market.script(0, kFirstPart), std::chrono::milliseconds(50));
    REQUIRE(daemon->wait_until_output(
        [](const std::string& e) { return max_closed(e, "BTCUSDT") >= 3; }, kLong, true));
    fake.drop_connections();
    bool reconnected = FakeBinance::wait_for(
        [&] { return fake.ws_handshakes() >= 2 && fake.live_sessions() >= 1; }, kLong);
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(reconnected);
    REQUIRE(FakeBinance::wait_for([&] { return !fake.playing(); }, kLong));
    // Every candle of the first part processed before the garbage goes out.
    REQUIRE(daemon->wait_until_output(
        [&](const std::string& e) {
            for (const auto& s : kSymbols) {
                if (max_closed(e, s) < static_cast<std::int64_t>(kFirstPart)) return false;
            }
            return true;
        },
        kLong, true));

    // Garbage on the live connection: counted and skipped, the connection stays.
    const int handshakes = fake.ws_handshakes();
    fake.send_raw("this is not json");
    fake.send_raw(std::string("\x00\xff\x13\x37", 4), /*binary=*/true);
    fake.send_raw(R"({"stream":"btcusdt@kline_1m","data":{"e":"kline","k":{"t":"soon"}}})");
    REQUIRE(daemon->wait_until_output(
        [](const std::string& e) { return contains(e, "malformed message(s) skipped"); }, kLong,
        true));

    // Second part: later candles still decide.
    fake.play(market.script(kFirstPart, market.live_candles()), std::chrono::milliseconds(20));
    bool done =
        wait_for_db(db_path(dir), [&](const storage::Reader& r) { return all_decided(r, counts); });
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(done);
    // Each bot counts the closed candles it was handed; wait for the last one to be counted.
    const auto total = static_cast<std::int64_t>(market.live_candles());
    REQUIRE(daemon->wait_until_output(
        [&](const std::string& e) {
            for (const auto& s : kSymbols) {
                auto hb = heartbeats(e, s);
                if (hb.empty() || hb.back().closed < total || hb.back().reconnects < 1)
                    return false;
            }
            return true;
        },
        kLong, true));
    CHECK(daemon->running());
    CHECK(fake.ws_handshakes() == handshakes);  // the garbage did not cost the connection
    auto code = terminate(*daemon);
    REQUIRE(code.has_value());
    CHECK(*code == 0);

    const std::string err = daemon->stderr_text();
    CHECK(contains(err, "binance: stream reconnected"));
    storage::Reader r(db_path(dir));
    for (const auto& sym : kSymbols) {
        INFO(sym);
        // No candle twice: the bot was handed exactly the candles played, no more...
        CHECK(max_closed(err, sym) == total);
        // ...and none skipped: the decisions are the ones of the whole series, candle by candle.
        CHECK(recorded_signals(r, sym) == expected[sym]);
        for (const auto& o : r.orders(sym, 100000)) CHECK(o.status == "FILLED");
    }
}

TEST_CASE("daemon binance: impossible candles are refused: never traded, never recorded",
          "[daemon][binance][integration][candle]") {
    TempDir dir;
    FakeBinance fake;
    const Scenario market = make_scenario(30);
    install(fake, market);
    // A broken candle in the REST history, in place of a real one: the warm-up leaves it out
    // (the history is flat, so the indicators do not miss it).
    {
        Kline broken = market.history.at("BTCUSDT").at(kHistoryCandles / 2);
        broken.close = dec("-5");
        broken.low = dec("-6");
        fake.add_history(broken);
    }
    auto cfg = binance_config(dir, fake, "paper");
    cfg["market_data"] = {{"record_dir", dir.file("recorded")}};
    const std::string config = write_config(dir, cfg);
    auto daemon = start_daemon(dir, config);
    bool ready = wait_ready(*daemon, fake);
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(ready);

    std::map<std::string, std::vector<SignalKey>> expected;
    std::map<std::string, std::size_t> counts;
    for (const auto& s : kSymbols) {
        expected[s] = expected_signals(market, s, market.live_candles());
        counts[s] = expected[s].size();
    }
    // Live: before every third real candle, impossible ones of the same open time, as a hostile
    // or broken peer would send them. Were one taken, it would take the real candle's place.
    std::vector<Kline> script;
    std::size_t impossible = 0;
    for (std::size_t i = 0; i < market.live_candles(); ++i) {
        for (const auto& [sym, ks] : market.live) {
            const Kline& real = ks.at(i);
            if (i % 3 == 1) {
                Kline below_zero = real;
                below_zero.close = dec("-5");
                below_zero.low = dec("-6");
                Kline inverted = real;
                std::swap(inverted.high, inverted.low);
                inverted.high = inverted.high - dec(markets().front().unit);
                Kline outside = real;
                outside.close = real.high + real.high;
                for (const Kline& k : {below_zero, inverted, outside}) script.push_back(k);
                impossible += 3;
            }
            script.push_back(real);
        }
    }
    fake.play(script, std::chrono::milliseconds(5));
    bool done =
        wait_for_db(db_path(dir), [&](const storage::Reader& r) { return all_decided(r, counts); });
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(done);
    const auto total = static_cast<std::int64_t>(market.live_candles());
    REQUIRE(daemon->wait_until_output(
        [&](const std::string& e) {
            for (const auto& s : kSymbols) {
                if (max_closed(e, s) < total) return false;
            }
            return true;
        },
        kLong, true));
    auto code = terminate(*daemon);
    REQUIRE(code.has_value());
    CHECK(*code == 0);

    const std::string err = daemon->stderr_text();
    CHECK(contains(err, "malformed message(s) skipped, a burst begins: kline "));
    CHECK(contains(err, "history of BTCUSDT: 1 impossible candle(s) left out"));
    storage::Reader r(db_path(dir));
    for (const auto& sym : kSymbols) {
        INFO(sym);
        CHECK(max_closed(err, sym) == total);  // each real candle once, no impossible one
        CHECK(recorded_signals(r, sym) == expected[sym]);
        for (const auto& s : r.signals(sym, 100000)) CHECK(std::stod(s.price) > 0);
        for (const auto& f : r.fills(sym, 100000)) CHECK(dec(f.price).is_positive());
    }
    CHECK(impossible > 0);
    // What the daemon recorded is what it traded on, and the backtest replays it.
    auto replay = testing_support::run(
        {std::string(TRADEBOT_BIN_DIR) + "/tradebot-backtest", "--config", config, "--data",
         dir.file("recorded"), "--db", dir.file("replay.db")},
        kLong, {}, dir.path().string());
    INFO("backtest:\n" << replay.out << replay.err);
    CHECK(replay.exit_code == 0);
}
