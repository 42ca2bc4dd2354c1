// Several real tradebotd processes on one real PostgreSQL server (tests/support/pg_server.h):
// symbols shared out by leases, a daemon killed with SIGKILL, one frozen with SIGSTOP past its
// lease, and the server restarted mid-run. What the daemons logged as committed is checked
// against the database. Deadlines bound a hang; they never measure speed (the failover times are
// printed for the record, not asserted).
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "config/decimal.h"
#include "ops_http_client.h"
#include "storage/errors.h"
#include "storage/leases.h"
#include "storage/pg_reader.h"
#include "support/child_process.h"
#include "support/config.h"
#include "support/daemon.h"
#include "support/pg_server.h"
#include "support/tcp_relay.h"
#include "support/temp_dir.h"
#include "support/wait.h"

using config::Decimal;
using nlohmann::json;
using testing_support::ChildProcess;
using testing_support::PgServer;
using testing_support::TcpRelay;
using testing_support::TempDir;
using namespace std::chrono_literals;

namespace {

using testing_support::kDaemonBinary;
using testing_support::write_config;
const std::string kCtl = std::string(TRADEBOT_BIN_DIR) + "/tradebotctl";
constexpr auto kLong = std::chrono::seconds(90);  // bounds a hang, never a speed check
constexpr int kLeaseS = 2;

const std::vector<std::string> kSymbols = {"BTCUSDT", "ETHUSDT", "XRPUSDT",
                                           "BNBUSDT", "SOLUSDT", "ADAUSDT"};

json pg_config(const PgServer& server) {
    json syms = json::array();
    for (const auto& s : kSymbols) syms.push_back(s);
    return {{"database", {{"url", server.url()}, {"lease_s", kLeaseS}}},
            {"exchange", {{"name", "sim"}, {"sim", {{"seed", 7}, {"tick_ms", 20}}}}},
            {"trading", testing_support::paper_trading_json()},
            {"strategy", testing_support::quick_ema_cross_json()},
            {"symbols", syms},
            {"log", {{"level", "info"}, {"heartbeat_s", 1}, {"format", "text"}}}};
}

struct Daemon {
    Daemon(const TempDir& dir, const std::string& config, const std::string& node)
        : name(node),
          process(std::make_unique<ChildProcess>(
              std::vector<std::string>{kDaemonBinary, "--config", config},
              std::map<std::string, std::string>{}, dir.path().string())) {}
    std::string log() const { return process->stderr_text(); }
    std::string name;
    std::unique_ptr<ChildProcess> process;
};

// Catch2 takes an INFO's text when it is written; a daemon's log is wanted as it is when a
// REQUIRE fails (which throws), so this prints the logs to stderr while that unwinds.
struct DumpLogsOnFailure {
    std::vector<const Daemon*> daemons;
    ~DumpLogsOnFailure() {
        if (std::uncaught_exceptions() == 0) return;
        for (const auto* d : daemons) std::cerr << "--- " << d->name << ":\n" << d->log() << "\n";
    }
};

// A URL to the server through `relay` (plain, so the relay can see the protocol's messages).
std::string url_through(const TcpRelay& relay) {
    return "postgresql://tradebot@127.0.0.1:" + std::to_string(relay.port()) +
           "/tradebot?sslmode=disable&gssencmode=disable";
}

// Each daemon gets its own node name in its own config, so the lease rows say who is who. With
// a relay, its every connection goes through it.
std::unique_ptr<Daemon> start(const TempDir& dir, const PgServer& server, const std::string& node,
                              const TcpRelay* relay = nullptr) {
    json cfg = pg_config(server);
    cfg["database"]["node"] = node;
    if (relay) cfg["database"]["url"] = url_through(*relay);
    return std::make_unique<Daemon>(dir, write_config(dir, cfg, node + ".json"), node);
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = kLong) {
    return testing_support::wait_until(pred, timeout, 50ms);
}

// Live leases by node, as the server sees them (none before a daemon made the schema).
std::map<std::string, std::set<std::string>> holders(const PgServer& server) {
    std::map<std::string, std::set<std::string>> out;
    try {
        storage::PgReader reader(server.url());
        for (const auto& l : reader.leases()) {
            if (l.live) out[l.node].insert(l.symbol);
        }
    } catch (const storage::OpenError&) {
        // no tradebot schema yet
    }
    return out;
}

bool split_evenly(const PgServer& server, const std::string& a, const std::string& b) {
    auto h = holders(server);
    return h.size() == 2 && h[a].size() == 3 && h[b].size() == 3;
}

std::set<std::string> symbols_with_fills(const PgServer& server) {
    std::set<std::string> out;
    try {
        storage::PgReader reader(server.url());
        for (const auto& f : reader.fills("", 0)) out.insert(f.symbol);
    } catch (const storage::OpenError&) {
        // no tradebot schema yet
    }
    return out;
}

// Two daemons, host-a and host-b, on one fresh server: constructed once they hold three
// symbols each and every symbol has fills. Their logs go to stderr if a REQUIRE fails.
// host-a's connections go through `relay` (a network that can stop delivering), host-b's
// straight to the server.
struct TwoDaemons {
    TwoDaemons() {
        REQUIRE(eventually([&] { return split_evenly(server, "host-a", "host-b"); }));
        REQUIRE(eventually([&] { return symbols_with_fills(server).size() == kSymbols.size(); }));
    }
    auto parts() { return std::tie(server, dir, a, b); }

    PgServer server;
    TempDir dir;
    TcpRelay relay{server.port()};
    std::unique_ptr<Daemon> a = start(dir, server, "host-a", &relay);
    std::unique_ptr<Daemon> b = start(dir, server, "host-b");
    DumpLogsOnFailure dump{{a.get(), b.get()}};
};

// Signal ids a daemon logged as committed ("[SYM] signal BUY price=... id=N"), by id.
std::map<std::int64_t, std::string> logged_signals(const std::string& log) {
    std::map<std::int64_t, std::string> out;
    static const std::regex re(R"(\[([A-Z0-9]+)\] signal (BUY|SELL) price=\S+ id=(\d+))");
    for (std::sregex_iterator it(log.begin(), log.end(), re), end; it != end; ++it) {
        out[std::stoll((*it)[3])] = (*it)[1];
    }
    return out;
}

Decimal dec(const std::string& s) { return Decimal::from_string(s); }

// Every position equals the sum of its symbol's fills, exactly (paper fees are in the quote
// asset, so base quantities add up without rounding).
void check_positions_match_fills(const PgServer& server) {
    storage::PgReader reader(server.url());
    std::map<std::string, Decimal> from_fills;
    for (const auto& f : reader.fills("", 0)) {
        const Decimal q = dec(f.quantity);
        from_fills[f.symbol] =
            f.side == "BUY" ? from_fills[f.symbol] + q : from_fills[f.symbol] - q;
    }
    for (const auto& p : reader.positions()) {
        INFO(p.symbol);
        CHECK(dec(p.quantity) == from_fills[p.symbol]);
    }
    // No order has two fills (a group applied twice would add one), and every FILLED order has
    // its fill.
    std::map<std::string, int> fills_per_order;
    for (const auto& f : reader.fills("", 0)) ++fills_per_order[f.client_order_id];
    for (const auto& [id, n] : fills_per_order) {
        INFO(id);
        CHECK(n == 1);
    }
    for (const auto& o : reader.orders("", 0)) {
        if (o.status == "FILLED") {
            INFO(o.client_order_id);
            CHECK(fills_per_order[o.client_order_id] == 1);
        }
    }
}

// What the daemons logged as committed is in the database, and nothing else is: a group applied
// twice would leave a row no daemon logged.
void check_logged_equals_stored(const PgServer& server, const std::vector<const Daemon*>& daemons) {
    std::map<std::int64_t, std::string> logged;
    for (const auto* d : daemons) {
        for (const auto& [id, sym] : logged_signals(d->log())) logged[id] = sym;
    }
    storage::PgReader reader(server.url());
    std::map<std::int64_t, std::string> stored;
    for (const auto& s : reader.signals("", 0)) stored[s.id] = s.symbol;
    CHECK(stored.size() == logged.size());
    for (const auto& [id, sym] : logged) {
        INFO("signal id " << id << " logged for " << sym);
        REQUIRE(stored.count(id));
        CHECK(stored[id] == sym);
    }
    for (const auto& [id, sym] : stored) {
        INFO("signal id " << id << " of " << sym << " is stored but was never logged");
        CHECK(logged.count(id));
    }
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST_CASE("two daemons share six symbols, both trade, and a SIGKILLed one's symbols move over",
          "[postgres][daemon]") {
    TwoDaemons two;
    auto [server, dir, a, b] = two.parts();  // references into `two`
    // Both trade, and each daemon logs fills for its own symbols only.
    const auto held = holders(server);
    for (const auto* d : {a.get(), b.get()}) {
        for (const auto& sym : kSymbols) {
            const bool mine = held.at(d->name).count(sym) > 0;
            const bool traded = d->log().find("[" + sym + "] fill ") != std::string::npos;
            INFO(d->name << " " << sym);
            CHECK(traded == mine);
        }
        CHECK(d->log().find("lease acquired epoch=") != std::string::npos);
    }

    // host-b dies without a word; its leases run out and host-a takes its symbols over.
    const std::set<std::string> orphaned = held.at("host-b");
    // The epoch host-b holds each of them at: 1, or more if host-a held it first and handed it
    // over when host-b joined. Read before the kill, as host-a may take them soon after it.
    std::map<std::string, std::int64_t> epoch_at_death;
    for (const auto& l : storage::PgReader(server.url()).leases()) {
        if (l.live && l.node == "host-b") epoch_at_death[l.symbol] = l.epoch;
    }
    REQUIRE(epoch_at_death.size() == orphaned.size());
    b->process->signal(SIGKILL);
    REQUIRE(b->process->wait_for(10s));
    std::map<std::string, std::string> position_at_death;
    {
        storage::PgReader reader(server.url());
        for (const auto& p : reader.positions()) position_at_death[p.symbol] = p.quantity;
    }
    const auto killed_at = std::chrono::steady_clock::now();
    REQUIRE(eventually([&] { return holders(server)["host-a"].size() == kSymbols.size(); }));
    const double failover_s = seconds_since(killed_at);
    WARN("failover after SIGKILL (lease_s=" << kLeaseS << "): all symbols held by the survivor "
                                            << failover_s << " s after the kill");
    // It resumed from the committed position of each symbol it took over.
    for (const auto& sym : orphaned) {
        const std::string expect = "[" + sym + "] started: ";
        const std::string acquired =
            "[" + sym + "] lease acquired epoch=" + std::to_string(epoch_at_death.at(sym) + 1) +
            " node=host-a";
        const bool resumed = eventually([&] {
            const std::string log = a->log();
            return log.find(acquired) != std::string::npos &&
                   log.find(expect, log.find(acquired)) != std::string::npos;
        });
        INFO("waiting for `" << acquired << "` then `" << expect << "` in host-a's log:\n"
                             << a->log());
        REQUIRE(resumed);
        const std::string log = a->log();
        const std::string line =
            log.substr(log.rfind(expect), log.find('\n', log.rfind(expect)) - log.rfind(expect));
        INFO(line);
        const std::string want = position_at_death.count(sym) ? position_at_death[sym] : "0";
        CHECK(line.find(" position=" + dec(want).to_string() + " ") != std::string::npos);
    }
    a->process->signal(SIGTERM);
    REQUIRE(a->process->wait_for(30s) == 0);
    check_positions_match_fills(server);
}

TEST_CASE("a daemon frozen past its lease is fenced out and, thawed, writes nothing more",
          "[postgres][daemon][fencing]") {
    TwoDaemons two;
    auto [server, dir, a, b] = two.parts();  // references into `two`
    // host-a's symbols, and the epoch it holds each at: 1, or more if host-b held it first.
    std::set<std::string> frozen_symbols;
    std::map<std::string, std::int64_t> frozen_epoch;
    for (const auto& l : storage::PgReader(server.url()).leases()) {
        if (!l.live || l.node != "host-a") continue;
        frozen_symbols.insert(l.symbol);
        frozen_epoch[l.symbol] = l.epoch;
    }
    REQUIRE(frozen_symbols.size() == 3);

    // Frozen with a signal on its way to the server: host-a's network stops delivering at its
    // next write of a signal, then the process is stopped. Thawed, that write reaches the server
    // long after host-b took the symbol over: only fencing keeps it out (without it, it lands
    // behind host-b's rows, which the checks below catch).
    two.relay.hold_at("insert_signal");
    REQUIRE(eventually([&] { return two.relay.held_contains("insert_signal"); }));
    a->process->signal(SIGSTOP);
    const auto stopped_at = std::chrono::steady_clock::now();
    REQUIRE(eventually([&] { return holders(server)["host-b"].size() == kSymbols.size(); }));
    WARN("takeover from a SIGSTOPped daemon (lease_s=" << kLeaseS << "): "
                                                       << seconds_since(stopped_at) << " s");
    // host-b trades them now.
    const std::size_t b_log_at_takeover = b->log().size();
    REQUIRE(
        eventually([&] { return logged_signals(b->log().substr(b_log_at_takeover)).size() >= 2; }));

    const std::size_t a_log_at_thaw = a->log().size();
    two.relay.release();
    a->process->signal(SIGCONT);
    for (const auto& sym : frozen_symbols) {
        REQUIRE(eventually([&] {
            return a->log().find(
                       "[" + sym + "] lease lost epoch=" + std::to_string(frozen_epoch.at(sym)),
                       a_log_at_thaw) != std::string::npos;
        }));
    }
    // Let it run on a while, then stop both cleanly.
    REQUIRE(
        eventually([&] { return logged_signals(b->log().substr(b_log_at_takeover)).size() >= 4; }));
    a->process->signal(SIGTERM);
    b->process->signal(SIGTERM);
    REQUIRE(a->process->wait_for(30s) == 0);
    REQUIRE(b->process->wait_for(30s) == 0);

    // Fencing: host-a wrote nothing for a symbol while host-b held it. Once thawed and alive
    // again, host-a may get some symbols back (the keepers share them out anew) and trade them
    // at a newer epoch; it may also log, after the thaw, the outcome of a write that was on its
    // way to the server when it froze, which committed before the takeover. Ids are handed out
    // as rows are inserted, and a takeover waits for a write holding the symbol's fence to
    // commit, so each symbol's rows must come in holder order: host-a's before the takeover,
    // then host-b's, then host-a's after it took the symbol back.
    const std::string a_log = a->log();
    INFO("host-a after the thaw:\n" << a_log.substr(a_log_at_thaw));
    const auto by_b = logged_signals(b->log().substr(b_log_at_takeover));
    storage::PgReader reader(server.url());
    std::map<std::string, std::int64_t> signal_of_order;
    for (const auto& o : reader.orders("", 0)) {
        if (o.signal_id) signal_of_order[o.client_order_id] = *o.signal_id;
    }
    const auto fills = reader.fills("", 0);
    for (const auto& sym : frozen_symbols) {
        const std::size_t back = a_log.find("[" + sym + "] lease acquired", a_log_at_thaw);
        const auto before = logged_signals(a_log.substr(0, back));
        const auto again =
            back == std::string::npos ? decltype(before){} : logged_signals(a_log.substr(back));
        // Signal ids, and fill ids (by the signal of their order), of each holder period.
        std::vector<std::pair<std::string, std::vector<std::int64_t>>> periods = {
            {"host-a before the takeover", {}}, {"host-b", {}}, {"host-a afterwards", {}}};
        std::vector<std::vector<std::int64_t>> fill_periods(3);
        const std::vector<const std::map<std::int64_t, std::string>*> logs = {&before, &by_b,
                                                                              &again};
        for (std::size_t i = 0; i < logs.size(); ++i) {
            for (const auto& [id, s] : *logs[i]) {
                if (s == sym) periods[i].second.push_back(id);
            }
            for (const auto& f : fills) {
                if (f.symbol == sym && logs[i]->count(signal_of_order.at(f.client_order_id))) {
                    fill_periods[i].push_back(f.id);
                }
            }
        }
        for (std::size_t i = 0; i + 1 < periods.size(); ++i) {
            for (std::size_t j = i + 1; j < periods.size(); ++j) {
                INFO(sym << ": rows of " << periods[i].first << " must come before those of "
                         << periods[j].first);
                for (const auto& [earlier, later] :
                     {std::pair{&periods[i].second, &periods[j].second},
                      std::pair{&fill_periods[i], &fill_periods[j]}}) {
                    if (earlier->empty() || later->empty()) continue;
                    CHECK(*std::max_element(earlier->begin(), earlier->end()) <
                          *std::min_element(later->begin(), later->end()));
                }
            }
        }
    }
    check_logged_equals_stored(server, {a.get(), b.get()});
    check_positions_match_fills(server);
}

TEST_CASE("the server restarts mid-run: nothing committed is lost, nothing lands twice",
          "[postgres][daemon]") {
    TwoDaemons two;
    auto [server, dir, a, b] = two.parts();  // references into `two`

    const std::size_t a_mark = a->log().size();
    const std::size_t b_mark = b->log().size();
    server.restart();
    // Trading goes on after the restart on both daemons.
    REQUIRE(eventually([&] {
        return logged_signals(a->log().substr(a_mark)).size() >= 2 &&
               logged_signals(b->log().substr(b_mark)).size() >= 2;
    }));
    a->process->signal(SIGTERM);
    b->process->signal(SIGTERM);
    REQUIRE(a->process->wait_for(30s) == 0);
    REQUIRE(b->process->wait_for(30s) == 0);
    check_logged_equals_stored(server, {a.get(), b.get()});
    check_positions_match_fills(server);
}

TEST_CASE("an unreachable database at start is a start-up error naming it, without a password",
          "[postgres][daemon]") {
    TempDir dir;
    int port = 0;
    {
        PgServer gone;
        port = gone.port();
    }
    json cfg = {{"database",
                 {{"url", "postgresql://trader@127.0.0.1:" + std::to_string(port) + "/tradebot"}}},
                {"symbols", {"BTCUSDT"}}};
    const std::string config = write_config(dir, cfg, "down.json");
    testing_support::RunResult r =
        testing_support::run({kDaemonBinary, "--config", config}, 60s,
                             {{"PGPASSWORD", "do-not-print-me-7878"}}, dir.path().string());
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
    CHECK(r.err.find("Connection refused") != std::string::npos);
    CHECK(r.err.find("do-not-print-me") == std::string::npos);
}

TEST_CASE("tradebotctl on a shared database: leases, positions, stats and check, backup refused",
          "[postgres][ctl]") {
    PgServer server;
    TempDir dir;
    auto a = start(dir, server, "host-a");
    const DumpLogsOnFailure dump{{a.get()}};
    REQUIRE(eventually([&] { return holders(server)["host-a"].size() == kSymbols.size(); }));
    REQUIRE(eventually([&] { return !symbols_with_fills(server).empty(); }));
    auto ctl = [&](std::vector<std::string> args) {
        args.insert(args.begin(), kCtl);
        return testing_support::run(args, 60s, {}, dir.path().string());
    };

    auto leases = ctl({"--db", server.url(), "leases", "--json"});
    INFO(leases.err);
    REQUIRE(leases.exit_code == 0);
    const json doc = json::parse(leases.out);
    REQUIRE(doc.is_array());
    REQUIRE(doc.size() == kSymbols.size());
    std::set<std::string> listed;
    for (const auto& l : doc) {
        CHECK(l.size() == 4);
        CHECK(l.at("node") == "host-a");
        CHECK(l.at("epoch") == 1);
        CHECK(l.at("expires_at_ms").is_number_integer());
        listed.insert(l.at("symbol").get<std::string>());
    }
    CHECK(listed == std::set<std::string>(kSymbols.begin(), kSymbols.end()));
    auto table = ctl({"--db", server.url(), "leases"});
    CHECK(table.exit_code == 0);
    CHECK(table.out.find("SYMBOL   NODE    EPOCH") == 0);
    CHECK(table.out.find("BTCUSDT  host-a      1") != std::string::npos);

    // The config's database.url works as well as --db; every other command reads the server.
    json cfg = pg_config(server);
    const std::string config = write_config(dir, cfg, "ctl.json");
    auto positions = ctl({"--config", config, "positions", "--json"});
    REQUIRE(positions.exit_code == 0);
    CHECK(json::parse(positions.out).is_array());
    auto stats = ctl({"--db", server.url(), "stats", "--json"});
    REQUIRE(stats.exit_code == 0);
    CHECK(json::parse(stats.out).at("path") == server.url());
    CHECK(json::parse(stats.out).at("rows").at("signals").get<int>() > 0);
    auto check = ctl({"--db", server.url(), "check"});
    CHECK(check.exit_code == 0);
    auto signals = ctl({"--db", server.url(), "signals", "--symbol", "btcusdt", "--json"});
    REQUIRE(signals.exit_code == 0);
    for (const auto& s : json::parse(signals.out)) CHECK(s.at("symbol") == "BTCUSDT");

    auto backup = ctl({"--db", server.url(), "backup", dir.file("copy.db")});
    CHECK(backup.exit_code == 64);
    CHECK(backup.err.find("pg_dump") != std::string::npos);
    // A SQLite file has no leases.
    auto file = ctl({"--db", dir.file("some.db"), "leases"});
    CHECK(file.exit_code == 64);
    CHECK(file.err.find("only a PostgreSQL database") != std::string::npos);
    // An unreachable server: exit 1, named, no password shown.
    auto down = ctl({"--db", "postgresql://u:sekrit-77@127.0.0.1:1/tradebot", "signals"});
    CHECK(down.exit_code == 1);
    CHECK(down.err.find("127.0.0.1:1") != std::string::npos);
    CHECK(down.err.find("sekrit-77") == std::string::npos);

    a->process->signal(SIGTERM);
    REQUIRE(a->process->wait_for(30s) == 0);
    // A clean stop released every lease at once.
    storage::PgReader reader(server.url());
    for (const auto& l : reader.leases()) CHECK_FALSE(l.live);
}

TEST_CASE("compose's postgres profile: a server and two daemon replicas, no password in files",
          "[postgres][docker]") {
    const std::string source = TRADEBOT_SOURCE_DIR;
    auto read = [](const std::string& path) {
        std::ifstream in(path);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    };
    const std::string compose = read(source + "/docker/compose.yml");
    CHECK(compose.find("  postgres:\n    profiles: [\"postgres\"]") != std::string::npos);
    CHECK(compose.find("  tradebotd-pg:\n    profiles: [\"postgres\"]") != std::string::npos);
    CHECK(compose.find("replicas: 2") != std::string::npos);
    CHECK(compose.find("- ./tradebot-pg.json:/etc/tradebot/tradebot.json:ro") != std::string::npos);
    CHECK(compose.find("condition: service_healthy") != std::string::npos);
    // The password lives in docker/postgres.env (git-ignored), never in a tracked file.
    CHECK(compose.find("PASSWORD:") == std::string::npos);
    CHECK(compose.find("PASSWORD=") == std::string::npos);
    const std::string example = read(source + "/docker/postgres.env.example");
    CHECK(example.find("POSTGRES_PASSWORD=\n") != std::string::npos);
    CHECK(example.find("PGPASSWORD=\n") != std::string::npos);
    CHECK(read(source + "/.gitignore").find("/docker/postgres.env") != std::string::npos);
    // The replicas' config is valid and names the compose service, without a password.
    TempDir dir;
    auto r = testing_support::run(
        {kDaemonBinary, "--config", source + "/docker/tradebot-pg.json", "--check-config"}, 60s, {},
        dir.path().string());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const json resolved = json::parse(r.out);
    CHECK(resolved.at("database").at("url") == "postgresql://tradebot@postgres:5432/tradebot");
    CHECK(resolved.at("database").at("lease_s") == 15);
    CHECK(resolved.at("metrics").at("listen") == "0.0.0.0:9464");
}

namespace {

// Orders still PENDING or UNKNOWN: none may be left once a daemon has started and stopped.
std::vector<std::string> unsettled_orders(const PgServer& server) {
    std::vector<std::string> out;
    for (const auto& o : storage::PgReader(server.url()).orders("", 0)) {
        if (o.status == "PENDING" || o.status == "UNKNOWN") out.push_back(o.client_order_id);
    }
    return out;
}

// Every signal a daemon logged as committed is in the database (it may hold more: a group whose
// commit landed after the daemon had given up on it).
void check_logged_are_stored(const PgServer& server, const std::vector<const Daemon*>& daemons) {
    std::map<std::int64_t, std::string> stored;
    for (const auto& s : storage::PgReader(server.url()).signals("", 0)) stored[s.id] = s.symbol;
    std::size_t logged = 0;
    for (const auto* d : daemons) {
        for (const auto& [id, sym] : logged_signals(d->log())) {
            INFO("signal id " << id << " logged by " << d->name << " for " << sym);
            CHECK(stored.count(id) == 1);
            if (stored.count(id)) CHECK(stored.at(id) == sym);
            ++logged;
        }
    }
    CHECK(logged > 0);
}

}  // namespace

TEST_CASE(
    "a hung server: writes wait, /healthz says so, SIGTERM still ends the daemon within "
    "5 s, and nothing acknowledged is lost once the server is back",
    "[postgres][daemon][faults]") {
    PgServer server;
    TempDir dir;
    const std::uint16_t port = testing_support::free_tcp_port();
    json cfg = pg_config(server);
    cfg["database"]["lease_s"] = 15;  // the default: renewals in flight for up to 5 s
    cfg["database"]["node"] = "host-a";
    cfg["metrics"] = {{"listen", "127.0.0.1:" + std::to_string(port)}};
    const std::string config = write_config(dir, cfg, "a.json");
    auto a = std::make_unique<Daemon>(dir, config, "host-a");
    DumpLogsOnFailure dump{{a.get()}};
    REQUIRE(eventually([&] { return holders(server)["host-a"].size() == kSymbols.size(); }));
    REQUIRE(eventually([&] { return logged_signals(a->log()).size() >= 3; }));
    CHECK(testing_support::http_get(port, "/healthz").status == 200);

    // Every server process stopped: connections stay open, nothing answers.
    server.freeze();
    const auto frozen_at = std::chrono::steady_clock::now();
    std::string health;
    REQUIRE(eventually([&] {
        const auto r = testing_support::http_get(port, "/healthz");
        health = r.body;
        return r.status == 503 && r.body.find("storage stalled") != std::string::npos;
    }));
    WARN("/healthz said `" << health.substr(0, health.find('\n')) << "` "
                           << seconds_since(frozen_at) << " s after the server hung");

    const auto t0 = std::chrono::steady_clock::now();
    a->process->signal(SIGTERM);
    const auto code = a->process->wait_for(kLong);
    const double took = seconds_since(t0);
    WARN("SIGTERM with the server hung: the daemon exited after " << took << " s");
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    CHECK(took < 5.0);  // the contract's "a clean stop finishes within 5 s"
    const std::string log = a->log();
    CHECK(log.find("could not be committed before the stop deadline") != std::string::npos);
    CHECK(log.find("stopping (SIGTERM)") != std::string::npos);

    // Back again: what the daemon said it committed is there, and a new start settles the rest.
    server.thaw();
    check_logged_are_stored(server, {a.get()});
    auto again = std::make_unique<Daemon>(dir, config, "host-a again");
    DumpLogsOnFailure dump_again{{again.get()}};
    REQUIRE(eventually([&] { return logged_signals(again->log()).size() >= 2; }));
    again->process->signal(SIGTERM);
    REQUIRE(again->process->wait_for(kLong) == 0);
    check_logged_are_stored(server, {a.get(), again.get()});
    check_positions_match_fills(server);
    CHECK(unsettled_orders(server).empty());
}

TEST_CASE("a server killed just after COMMITs it never answered: every group lands exactly once",
          "[postgres][daemon][faults]") {
    PgServer server;
    TempDir dir;
    TcpRelay relay(server.port());
    auto a = start(dir, server, "host-a", &relay);
    DumpLogsOnFailure dump{{a.get()}};
    REQUIRE(eventually([&] { return logged_signals(a->log()).size() >= 3; }));
    for (int crash = 1; crash <= 3; ++crash) {
        INFO("crash " << crash);
        // The server commits a group; its answer never reaches the daemon; then the server dies.
        relay.drop_next_commit_answer();
        REQUIRE(eventually([&] { return relay.dropped() == crash; }));
        server.kill();
        server.start();
        // The daemon carries on: it asked the server whether that group committed (its commit
        // token) before writing anything again.
        const std::size_t seen = logged_signals(a->log()).size();
        REQUIRE(eventually([&] { return logged_signals(a->log()).size() >= seen + 2; }));
    }
    a->process->signal(SIGTERM);
    REQUIRE(a->process->wait_for(kLong) == 0);
    // Applied twice, a group would leave rows the daemon never logged, or a second fill.
    check_logged_equals_stored(server, {a.get()});
    check_positions_match_fills(server);
}
