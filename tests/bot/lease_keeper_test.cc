// bot::LeaseKeeper against a real PostgreSQL server: several keepers (as several processes
// would) share six symbols. The host here records what it is told to trade, so the tests can
// check that no symbol is ever traded by two keepers at once and that every lease is given up
// only after its symbol stopped. (tests/integration/postgres_daemon_test.cc runs real daemons.)
#include "bot/leases/lease_keeper.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "storage/leases.h"
#include "storage/database.h"
#include "support/pg_server.h"

using bot::LeaseKeeper;
using storage::LeaseStore;
using testing_support::PgServer;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kSymbols = {"BTCUSDT", "ETHUSDT", "XRPUSDT",
                                           "BNBUSDT", "SOLUSDT", "ADAUSDT"};

// Every line logged, "<logger> <level> <text>".
class Lines : public spdlog::sinks::base_sink<std::mutex> {
public:
    std::vector<std::string> lines() {
        std::lock_guard<std::mutex> lock(mutex_);
        return lines_;
    }
    bool has(const std::string& needle) {
        for (const auto& l : lines()) {
            if (l.find(needle) != std::string::npos) return true;
        }
        return false;
    }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        // The daemon's own spelling of the levels ("warn", not spdlog's "warning").
        const char* level = msg.level == spdlog::level::warn   ? "warn"
                            : msg.level == spdlog::level::info ? "info"
                                                               : "other";
        lines_.push_back(std::string(msg.logger_name.data(), msg.logger_name.size()) + " " + level +
                         " " + std::string(msg.payload.data(), msg.payload.size()));
    }
    void flush_() override {}

private:
    std::vector<std::string> lines_;
};

// What all the hosts of one test trade, shared: a symbol started by one host while another
// still trades it is counted as an overlap.
struct Market {
    std::mutex mu;
    std::condition_variable cv;                  // with mu: a held stop is released
    std::map<std::string, std::string> trading;  // symbol -> host
    int overlaps = 0;
};

class RecordingHost : public bot::SymbolHost, public bot::FenceSetter {
public:
    RecordingHost(std::string name, Market& market) : name_(std::move(name)), market_(market) {}
    void start_trading(const std::string& symbol) override {
        std::lock_guard<std::mutex> lock(market_.mu);
        if (market_.trading.count(symbol)) ++market_.overlaps;
        market_.trading[symbol] = name_;
        // The fence must be set before the symbol trades.
        if (!fences_.count(symbol)) ++unfenced_starts;
    }
    void stop_trading(const std::string& symbol) override {
        std::unique_lock<std::mutex> lock(market_.mu);
        // A drain that takes a while (a bot waiting for a hung database): held until released.
        ++stopping;
        max_stopping = std::max(max_stopping, stopping);
        market_.cv.notify_all();
        market_.cv.wait(lock, [&] { return !hold_stops; });
        --stopping;
        auto it = market_.trading.find(symbol);
        if (it != market_.trading.end() && it->second == name_) market_.trading.erase(it);
    }
    // Stops in progress at once, now and at most so far.
    int stopping_now() {
        std::lock_guard<std::mutex> lock(market_.mu);
        return stopping;
    }
    void hold(bool on) {
        std::lock_guard<std::mutex> lock(market_.mu);
        hold_stops = on;
        market_.cv.notify_all();
    }
    void set_fence(const std::string& symbol, std::int64_t epoch) override {
        std::lock_guard<std::mutex> lock(market_.mu);
        fences_[symbol] = epoch;
    }
    void clear_fence(const std::string& symbol) override {
        std::lock_guard<std::mutex> lock(market_.mu);
        // A lease given up while its symbol still trades here would let two hosts trade it.
        auto it = market_.trading.find(symbol);
        if (it != market_.trading.end() && it->second == name_) ++cleared_while_trading;
        fences_.erase(symbol);
    }
    std::set<std::string> trading() {
        std::lock_guard<std::mutex> lock(market_.mu);
        std::set<std::string> out;
        for (const auto& [sym, host] : market_.trading) {
            if (host == name_) out.insert(sym);
        }
        return out;
    }

    int unfenced_starts = 0;        // guarded by market_.mu
    int cleared_while_trading = 0;  // guarded by market_.mu
    int stopping = 0;               // guarded by market_.mu
    int max_stopping = 0;           // guarded by market_.mu
    bool hold_stops = false;        // guarded by market_.mu

private:
    const std::string name_;
    Market& market_;
    std::map<std::string, std::int64_t> fences_;  // guarded by market_.mu
};

struct Node {
    Node(const PgServer& server, const std::string& name, Market& market,
         std::shared_ptr<Lines> sink, std::chrono::milliseconds lease = 2s)
        : store(server.url(), name, lease), host(name, market) {
        bot::LeaseKeeperOptions options;
        options.logger = [sink, name](const std::string& logger_name) {
            auto l = std::make_shared<spdlog::logger>(logger_name + "@" + name, sink);
            l->set_level(spdlog::level::trace);
            return l;
        };
        options.heartbeat = 500ms;
        keeper = std::make_unique<LeaseKeeper>(store, host, host, kSymbols, options);
    }
    LeaseStore store;
    RecordingHost host;
    std::unique_ptr<LeaseKeeper> keeper;
};

// Opening the database creates the schema, the leases table included.
void migrate(const PgServer& server) {
    storage::Database db(server.url());
    db.close();
}

template <class Pred>
bool eventually(Pred pred, std::chrono::seconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return pred();
}

}  // namespace

TEST_CASE("a lone keeper takes every symbol, a second one gets its share by releases",
          "[leases][postgres]") {
    PgServer server;
    migrate(server);
    Market market;
    auto sink = std::make_shared<Lines>();
    Node a(server, "host-a:1", market, sink);
    REQUIRE(a.keeper->start() == "");
    REQUIRE(eventually([&] { return a.host.trading().size() == kSymbols.size(); }));
    CHECK(a.keeper->stats().held.size() == kSymbols.size());
    CHECK(eventually(
        [&] { return sink->has("BTCUSDT@host-a:1 info lease acquired epoch=1 node=host-a:1"); }));
    // The heartbeat says what this process holds, with the epochs.
    REQUIRE(eventually([&] {
        return sink->has(
            "main@host-a:1 info leases: holding 6 of 6 symbols (ADAUSDT@1,BNBUSDT@1,BTCUSDT@1,"
            "ETHUSDT@1,SOLUSDT@1,XRPUSDT@1) node=host-a:1 nodes=1");
    }));

    Node b(server, "host-b:2", market, sink);
    REQUIRE(b.keeper->start() == "");
    // host-b joins: host-a drains three symbols and releases them, host-b takes them.
    REQUIRE(
        eventually([&] { return a.host.trading().size() == 3 && b.host.trading().size() == 3; }));
    std::set<std::string> all = a.host.trading();
    for (const auto& s : b.host.trading()) all.insert(s);
    CHECK(all.size() == kSymbols.size());
    {
        std::lock_guard<std::mutex> lock(market.mu);
        CHECK(market.overlaps == 0);
        CHECK(a.host.unfenced_starts == 0);
        CHECK(b.host.unfenced_starts == 0);
        CHECK(a.host.cleared_while_trading == 0);
    }
    // Each released symbol was then taken at the next epoch.
    for (const auto& sym : b.host.trading()) {
        CHECK(eventually([&] { return sink->has(sym + "@host-a:1 info lease released epoch=1"); }));
        CHECK(eventually([&] {
            return sink->has(sym + "@host-b:2 info lease acquired epoch=2 node=host-b:2");
        }));
    }
    CHECK(server.query("SELECT count(DISTINCT node) FROM leases WHERE expires_at > "
                       "clock_timestamp()") == "2");

    // A clean stop hands everything over at once.
    a.keeper->stop(std::chrono::steady_clock::now() + 10s);
    CHECK(a.host.trading().empty());
    REQUIRE(eventually([&] { return b.host.trading().size() == kSymbols.size(); }));
    b.keeper->stop(std::chrono::steady_clock::now() + 10s);
    std::lock_guard<std::mutex> lock(market.mu);
    CHECK(market.overlaps == 0);
    CHECK(a.host.cleared_while_trading == 0);
    CHECK(b.host.cleared_while_trading == 0);
}

TEST_CASE("a keeper that cannot renew stops trading before its leases can run out",
          "[leases][postgres]") {
    PgServer server;
    migrate(server);
    Market market;
    auto sink = std::make_shared<Lines>();
    Node a(server, "host-a:1", market, sink);
    REQUIRE(a.keeper->start() == "");
    REQUIRE(eventually([&] { return a.host.trading().size() == kSymbols.size(); }));
    server.stop();
    REQUIRE(eventually([&] { return a.host.trading().empty(); }));
    CHECK(eventually([&] { return sink->has("main@host-a:1 warn leases: renewal failed"); }));
    CHECK(eventually(
        [&] { return sink->has("BTCUSDT@host-a:1 warn lease lost epoch=1: not renewed for"); }));
    CHECK(eventually([&] { return a.keeper->stats().held.empty(); }));
    // Back again: the keeper takes its symbols again, at new epochs.
    server.start();
    REQUIRE(eventually([&] { return a.host.trading().size() == kSymbols.size(); }));
    CHECK(eventually([&] { return sink->has("main@host-a:1 info leases: renewals work again"); }));
    CHECK(a.keeper->stats().held.at("BTCUSDT") == 2);
    a.keeper->stop(std::chrono::steady_clock::now() + 10s);
}

TEST_CASE("symbols whose leases are lost together stop together, not one drain after another",
          "[leases][postgres]") {
    PgServer server;
    migrate(server);
    Market market;
    auto sink = std::make_shared<Lines>();
    Node a(server, "host-a:1", market, sink);
    REQUIRE(a.keeper->start() == "");
    REQUIRE(eventually([&] { return a.host.trading().size() == kSymbols.size(); }));
    // Every drain takes as long as the test says (bots waiting for a hung database); the server
    // goes away, so every lease goes unrenewed at once.
    a.host.hold(true);
    server.stop();
    const bool together =
        eventually([&] { return a.host.stopping_now() == static_cast<int>(kSymbols.size()); });
    a.host.hold(false);
    std::string lines;
    for (const auto& l : sink->lines()) lines += l + "\n";
    INFO(lines);
    CHECK(together);
    REQUIRE(eventually([&] { return a.host.trading().empty(); }));
    a.keeper->stop(std::chrono::steady_clock::now() + 2s);
}

TEST_CASE("a lease taken over after it expired is reported lost and its symbol stops",
          "[leases][postgres]") {
    PgServer server;
    migrate(server);
    Market market;
    auto sink = std::make_shared<Lines>();
    Node a(server, "host-a:1", market, sink, 3s);
    REQUIRE(a.keeper->start() == "");
    REQUIRE(eventually([&] { return a.host.trading().size() == kSymbols.size(); }));
    // As if host-a had been frozen past its lease: the server says it ran out, host-c takes it.
    server.query(
        "UPDATE leases SET expires_at = clock_timestamp() - interval '1 s' "
        "WHERE symbol = 'ETHUSDT'");
    LeaseStore c(server.url(), "host-c:3", 60s);
    auto taken = c.try_acquire("ETHUSDT", 10s);
    REQUIRE(taken.is_ok());
    REQUIRE(taken.value());
    {
        std::lock_guard<std::mutex> lock(market.mu);
        market.trading["ETHUSDT"] = "host-c";  // host-c trades it from now on
    }
    REQUIRE(eventually([&] {
        return sink->has(
            "ETHUSDT@host-a:1 warn lease lost epoch=1: taken over by host-c:3 at "
            "epoch 2");
    }));
    REQUIRE(eventually([&] { return a.keeper->stats().held.count("ETHUSDT") == 0; }));
    CHECK(a.host.trading().count("ETHUSDT") == 0);
    CHECK(a.host.trading().size() == kSymbols.size() - 1);
    a.keeper->stop(std::chrono::steady_clock::now() + 10s);
    // The lost lease was not released by host-a: it is host-c's.
    CHECK(server.query("SELECT node FROM leases WHERE symbol = 'ETHUSDT'") == "host-c:3");
}

TEST_CASE("symbols dropped from the list are drained and released, added ones taken",
          "[leases][postgres]") {
    PgServer server;
    migrate(server);
    Market market;
    auto sink = std::make_shared<Lines>();
    Node a(server, "host-a:1", market, sink);
    REQUIRE(a.keeper->start() == "");
    REQUIRE(eventually([&] { return a.host.trading().size() == kSymbols.size(); }));
    a.keeper->set_symbols({"BTCUSDT", "ETHUSDT", "DOGEUSDT"});
    REQUIRE(eventually([&] {
        return a.host.trading() == std::set<std::string>{"BTCUSDT", "ETHUSDT", "DOGEUSDT"};
    }));
    // The symbol stops trading first; its lease is released (and that logged) after the drain.
    CHECK(eventually([&] { return sink->has("SOLUSDT@host-a:1 info lease released epoch=1"); }));
    CHECK(eventually([&] {
        return server.query("SELECT count(*) FROM leases WHERE expires_at > clock_timestamp()") ==
               "3";
    }));
    a.keeper->stop(std::chrono::steady_clock::now() + 10s);
    std::lock_guard<std::mutex> lock(market.mu);
    CHECK(a.host.cleared_while_trading == 0);
}
