// The PostgreSQL parts below the commit pipeline, against a real server each test starts
// (tests/support/pg_server.h): the schema and its migration, symbol leases, fencing inside the
// writer's transaction, and a COMMIT whose answer is lost on the way back.
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <future>
#include <thread>
#include <vector>

#include "storage/errors.h"
#include "storage/leases.h"
#include "storage/postgres/client.h"
#include "storage/postgres/schema.h"
#include "storage/postgres/writer.h"
#include "support/child_process.h"
#include "support/pg_server.h"
#include "support/tcp_relay.h"

using storage::HeldLease;
using storage::LeaseStore;
using storage::WriteBatch;
using testing_support::PgServer;
namespace pg = storage::pg;

namespace {

using namespace std::chrono_literals;
constexpr auto kCall = std::chrono::milliseconds(10000);  // a generous bound for one call

pg::Connection connect(const std::string& url) {
    pg::Connection c = pg::Connection::open(url, pg::ConnectOptions{});
    if (!c.ok()) FAIL("cannot connect to " << url << ": " << c.error());
    return c;
}

storage::Signal sig(const std::string& symbol, int n) {
    storage::Signal s;
    s.symbol = symbol;
    s.side = n % 2 ? "SELL" : "BUY";
    s.price = "97123.45";
    s.strategy = "test";
    s.reason = "n=" + std::to_string(n);
    s.event_time_ms = 1700000000000 + n;
    return s;
}

WriteBatch signal_batch(const std::string& symbol, int n) {
    WriteBatch b;
    b.insert_signal(sig(symbol, n));
    b.put_state(symbol, "n", std::to_string(n));
    return b;
}

storage::GroupOutcome commit(pg::Writer& w, const std::vector<const WriteBatch*>& group) {
    return w.commit(storage::Group(group.data(), group.size()));
}

std::string count_signals(const PgServer& server, const std::string& symbol = {}) {
    return server.query("SELECT count(*) FROM signals" +
                        (symbol.empty() ? std::string() : " WHERE symbol = '" + symbol + "'"));
}

// Waits (generously) until the server's clock has passed the lease's expiry.
void wait_expired(const PgServer& server, const std::string& symbol) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (server.query("SELECT expires_at > clock_timestamp() FROM leases WHERE symbol = '" +
                        symbol + "'") == "t") {
        if (std::chrono::steady_clock::now() > deadline) FAIL("lease of " << symbol << " lives on");
        std::this_thread::sleep_for(50ms);
    }
}

}  // namespace

// ---- The schema ----

TEST_CASE("a fresh database is migrated to the current version, and again changes nothing",
          "[pg][schema]") {
    PgServer server;
    pg::Connection c = connect(server.url());
    REQUIRE(pg::migrate(c) == "");
    CHECK(server.query("SELECT version FROM tradebot_schema") ==
          std::to_string(pg::current_schema_version()));
    for (const char* table : {"signals", "orders", "fills", "positions", "bot_state", "leases",
                              "nodes", "commit_tokens"}) {
        CHECK(server.query(std::string("SELECT to_regclass('") + table + "') IS NOT NULL") == "t");
    }
    // Money stays exact: text, and NUMERIC for the signal price.
    CHECK(server.query("SELECT data_type FROM information_schema.columns WHERE table_name = "
                       "'signals' AND column_name = 'price'") == "numeric");
    CHECK(server.query("SELECT data_type FROM information_schema.columns WHERE table_name = "
                       "'positions' AND column_name = 'realized_pnl'") == "text");
    server.query("INSERT INTO bot_state VALUES ('BTCUSDT', 'k', 'v', 1)");
    REQUIRE(pg::migrate(c) == "");
    CHECK(server.query("SELECT count(*) FROM bot_state") == "1");
    CHECK(server.query("SELECT count(*) FROM tradebot_schema") == "1");
}

TEST_CASE("processes starting together migrate the schema once, the others wait and find it done",
          "[pg][schema][threads]") {
    PgServer server;
    constexpr int kStarters = 6;
    std::vector<std::string> errors(kStarters);
    std::vector<pg::Connection> conns;
    for (int i = 0; i < kStarters; ++i) conns.push_back(connect(server.url()));
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kStarters; ++i) {
        threads.emplace_back([&, i] {
            ready.fetch_add(1);
            while (ready.load() < kStarters) std::this_thread::yield();
            errors[static_cast<std::size_t>(i)] = pg::migrate(conns[static_cast<std::size_t>(i)]);
        });
    }
    for (auto& t : threads) t.join();
    // Without the lock the later ones would fail on "relation already exists".
    for (const auto& e : errors) CHECK(e == "");
    CHECK(server.query("SELECT count(*) FROM tradebot_schema") == "1");
}

TEST_CASE("a schema newer than this build is refused and left untouched", "[pg][schema]") {
    PgServer server;
    pg::Connection c = connect(server.url());
    REQUIRE(pg::migrate(c) == "");
    server.query("UPDATE tradebot_schema SET version = 99");
    const std::string error = pg::migrate(c);
    CHECK_THAT(error, Catch::Contains("schema version 99 is newer than this build"));
    CHECK(server.query("SELECT version FROM tradebot_schema") == "99");
}

TEST_CASE("tables of another program are refused by name, not touched", "[pg][schema]") {
    PgServer server;
    server.query("CREATE TABLE signals (x integer)");
    server.query("CREATE TABLE positions (y text)");
    pg::Connection c = connect(server.url());
    const std::string error = pg::migrate(c);
    CHECK_THAT(error, Catch::Contains("tables tradebot did not make (positions, signals)"));
    CHECK(server.query("SELECT to_regclass('orders') IS NULL") == "t");
}

TEST_CASE("a role that may not write is refused at open, saying so", "[pg][schema]") {
    PgServer server;
    {
        pg::Connection owner = connect(server.url());
        REQUIRE(pg::migrate(owner) == "");
    }
    server.query("CREATE ROLE watcher LOGIN");
    server.query("GRANT SELECT ON ALL TABLES IN SCHEMA public TO watcher");
    const std::string url =
        "postgresql://watcher@127.0.0.1:" + std::to_string(server.port()) + "/tradebot";
    try {
        pg::Writer w(url, pg::ConnectOptions{});
        FAIL("a role that cannot write was accepted");
    } catch (const storage::OpenError& e) {
        CHECK_THAT(e.what(), Catch::Contains("cannot write to"));
        CHECK_THAT(e.what(), Catch::Contains("signals"));
    }
}

TEST_CASE("an unreachable server is an open error naming it and the cause, never the password",
          "[pg][schema]") {
    // A port nobody listens on: the server "is down".
    int port = 0;
    {
        PgServer server;
        port = server.port();
    }
    const std::string url =
        "postgresql://trader:hunter2@127.0.0.1:" + std::to_string(port) + "/tradebot";
    try {
        pg::Writer w(url, pg::ConnectOptions{});
        FAIL("opened a database on a port nobody listens on");
    } catch (const storage::OpenError& e) {
        const std::string what = e.what();
        CHECK_THAT(what, Catch::Contains("127.0.0.1:" + std::to_string(port)));
        CHECK_THAT(what, Catch::Contains("Connection refused"));
        CHECK(what.find("hunter2") == std::string::npos);
    }
    CHECK(pg::redact("postgresql://u:pw@h/db?password=x&sslmode=require") ==
          "postgresql://u:***@h/db?password=***&sslmode=require");
}

TEST_CASE("the test server dies with the test process that started it", "[pg][fixture]") {
    testing_support::ChildProcess child({STORAGE_PG_SERVER_CHILD});
    std::string pid_text;
    REQUIRE(child.wait_until_output(
        [&](const std::string& out) { return out.find("ready") != std::string::npos; }, 60s));
    const std::string out = child.stdout_text();
    const auto at = out.find("pid ");
    REQUIRE(at != std::string::npos);
    const pid_t server_pid = static_cast<pid_t>(std::stol(out.substr(at + 4)));
    REQUIRE(::kill(server_pid, 0) == 0);
    child.signal(SIGKILL);
    REQUIRE(child.wait_for(10s));
    // The postmaster gets SIGQUIT (its immediate shutdown) when its parent dies. Once gone it is
    // either reaped or a zombie (state Z) if nobody reaps orphans in this container.
    auto alive = [&] {
        std::ifstream stat("/proc/" + std::to_string(server_pid) + "/stat");
        std::string pid, comm, state;
        if (!(stat >> pid >> comm >> state)) return false;
        return state != "Z";
    };
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (alive() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(20ms);
    CHECK_FALSE(alive());
}

// ---- Leases ----

TEST_CASE("a symbol's first lease has epoch 1 and no other node takes it while it lives",
          "[pg][leases]") {
    PgServer server;
    pg::Connection c = connect(server.url());
    REQUIRE(pg::migrate(c) == "");
    LeaseStore a(server.url(), "host-a:1", 30s);
    LeaseStore b(server.url(), "host-b:2", 30s);
    auto got = a.try_acquire("BTCUSDT", kCall);
    REQUIRE(got.is_ok());
    REQUIRE(got.value().has_value());
    CHECK(got.value()->epoch == 1);
    auto other = b.try_acquire("BTCUSDT", kCall);
    REQUIRE(other.is_ok());
    CHECK_FALSE(other.value().has_value());
    // The holder itself cannot take it a second time either (a second process with its name).
    auto again = a.try_acquire("BTCUSDT", kCall);
    REQUIRE(again.is_ok());
    CHECK_FALSE(again.value().has_value());

    auto list = b.list(kCall);
    REQUIRE(list.is_ok());
    REQUIRE(list.value().size() == 1);
    CHECK(list.value()[0].node == "host-a:1");
    CHECK(list.value()[0].epoch == 1);
    CHECK(list.value()[0].live);
    // expires_at is the server's now + lease (30 s), in ms since the Unix epoch.
    const std::int64_t server_now =
        std::stoll(server.query(std::string("SELECT ") + pg::kServerNowMs));
    CHECK(list.value()[0].expires_at_ms > server_now + 20000);
    CHECK(list.value()[0].expires_at_ms <= server_now + 30000);
}

TEST_CASE("an expired lease is taken over at the next epoch and its former holder learns why",
          "[pg][leases]") {
    PgServer server;
    pg::Connection c = connect(server.url());
    REQUIRE(pg::migrate(c) == "");
    LeaseStore a(server.url(), "host-a:1", 1s);
    LeaseStore b(server.url(), "host-b:2", 1s);
    auto held = a.try_acquire("ETHUSDT", kCall);
    REQUIRE(held.is_ok());
    REQUIRE(held.value());
    auto renewed = a.renew({*held.value()}, kCall);
    REQUIRE(renewed.is_ok());
    REQUIRE(renewed.value().renewed.size() == 1);
    CHECK(renewed.value().lost.empty());

    wait_expired(server, "ETHUSDT");
    auto taken = b.try_acquire("ETHUSDT", kCall);
    REQUIRE(taken.is_ok());
    REQUIRE(taken.value());
    CHECK(taken.value()->epoch == 2);

    auto late = a.renew({*held.value()}, kCall);
    REQUIRE(late.is_ok());
    CHECK(late.value().renewed.empty());
    REQUIRE(late.value().lost.size() == 1);
    CHECK(late.value().lost[0].symbol == "ETHUSDT");
    CHECK(late.value().lost[0].epoch == 1);
    CHECK(late.value().lost[0].why == "taken over by host-b:2 at epoch 2");
}

TEST_CASE("expiry is judged by the server's clock alone", "[pg][leases]") {
    PgServer server;
    pg::Connection c = connect(server.url());
    REQUIRE(pg::migrate(c) == "");
    LeaseStore a(server.url(), "host-a:1", 60s);
    LeaseStore b(server.url(), "host-b:2", 60s);
    auto held = a.try_acquire("XRPUSDT", kCall);
    REQUIRE(held.is_ok());
    REQUIRE(held.value());
    // By host-a's clock the lease has a minute to run; the server says it ran out.
    server.query("UPDATE leases SET expires_at = clock_timestamp() - interval '1 second'");
    auto taken = b.try_acquire("XRPUSDT", kCall);
    REQUIRE(taken.is_ok());
    REQUIRE(taken.value());
    CHECK(taken.value()->epoch == 2);
    // And a lease the server sees alive is not free, whatever any daemon thinks.
    auto not_again = a.try_acquire("XRPUSDT", kCall);
    REQUIRE(not_again.is_ok());
    CHECK_FALSE(not_again.value());
}

TEST_CASE("a released lease is free at once and renewing it reports it gone", "[pg][leases]") {
    PgServer server;
    pg::Connection c = connect(server.url());
    REQUIRE(pg::migrate(c) == "");
    LeaseStore a(server.url(), "host-a:1", 60s);
    LeaseStore b(server.url(), "host-b:2", 60s);
    auto held = a.try_acquire("BNBUSDT", kCall);
    REQUIRE(held.is_ok());
    REQUIRE(held.value());
    REQUIRE(a.release(*held.value(), kCall).is_ok());
    auto taken = b.try_acquire("BNBUSDT", kCall);
    REQUIRE(taken.is_ok());
    REQUIRE(taken.value());
    CHECK(taken.value()->epoch == 2);
    // Releasing what is no longer ours changes nothing.
    REQUIRE(a.release(*held.value(), kCall).is_ok());
    CHECK(server.query("SELECT node || ' ' || epoch FROM leases") == "host-b:2 2");
}

TEST_CASE("8 nodes race for one symbol: exactly one wins", "[pg][leases][threads]") {
    PgServer server;
    pg::Connection c = connect(server.url());
    REQUIRE(pg::migrate(c) == "");
    constexpr int kNodes = 8;
    std::vector<std::unique_ptr<LeaseStore>> stores;
    for (int i = 0; i < kNodes; ++i) {
        stores.push_back(
            std::make_unique<LeaseStore>(server.url(), "node-" + std::to_string(i), 60s));
    }
    // Twice: a symbol never leased (insert race) and an expired one (takeover race).
    for (int round = 0; round < 2; ++round) {
        if (round == 1) {
            server.query("UPDATE leases SET expires_at = clock_timestamp() - interval '1 s'");
        }
        std::atomic<int> winners{0}, failures{0}, ready{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < kNodes; ++i) {
            threads.emplace_back([&, i] {
                ready.fetch_add(1);
                while (ready.load() < kNodes) std::this_thread::yield();
                auto r = stores[static_cast<std::size_t>(i)]->try_acquire("SOLUSDT", kCall);
                if (!r.is_ok()) {
                    failures.fetch_add(1);
                } else if (r.value()) {
                    winners.fetch_add(1);
                }
            });
        }
        for (auto& t : threads) t.join();
        CHECK(failures.load() == 0);
        CHECK(winners.load() == 1);
        CHECK(server.query("SELECT epoch FROM leases") == std::to_string(round + 1));
    }
}

TEST_CASE("live nodes are counted by their renewals, and one that leaves is not", "[pg][leases]") {
    PgServer server;
    pg::Connection c = connect(server.url());
    REQUIRE(pg::migrate(c) == "");
    LeaseStore a(server.url(), "host-a:1", 60s);
    LeaseStore b(server.url(), "host-b:2", 60s);
    auto ra = a.renew({}, kCall);
    REQUIRE(ra.is_ok());
    CHECK(ra.value().live_nodes == 1);
    auto rb = b.renew({}, kCall);
    REQUIRE(rb.is_ok());
    CHECK(rb.value().live_nodes == 2);
    REQUIRE(b.leave(kCall).is_ok());
    auto again = a.renew({}, kCall);
    REQUIRE(again.is_ok());
    CHECK(again.value().live_nodes == 1);
}

TEST_CASE("a lease call on an unreachable server fails as a value, and the next one reconnects",
          "[pg][leases]") {
    PgServer server;
    pg::Connection c = connect(server.url());
    REQUIRE(pg::migrate(c) == "");
    LeaseStore a(server.url(), "host-a:1", 60s);
    REQUIRE(a.renew({}, kCall).is_ok());
    server.stop();
    auto down = a.renew({}, 3s);
    CHECK_FALSE(down.is_ok());
    server.start();
    auto up = a.renew({}, kCall);
    CHECK(up.is_ok());
}

// ---- Fencing in the writer's transaction ----

TEST_CASE(
    "a write with an epoch that is no longer current is refused, the rest of its group "
    "commits",
    "[pg][fencing]") {
    PgServer server;
    pg::Writer writer(server.url(), pg::ConnectOptions{});
    LeaseStore a(server.url(), "host-a:1", 60s);
    LeaseStore b(server.url(), "host-b:2", 60s);
    auto btc = a.try_acquire("BTCUSDT", kCall);
    auto eth = a.try_acquire("ETHUSDT", kCall);
    REQUIRE(btc.is_ok());
    REQUIRE(eth.is_ok());
    REQUIRE(btc.value());
    REQUIRE(eth.value());
    writer.set_fence("BTCUSDT", btc.value()->epoch);
    writer.set_fence("ETHUSDT", eth.value()->epoch);

    WriteBatch b1 = signal_batch("BTCUSDT", 1);
    auto first = commit(writer, {&b1});
    REQUIRE(first.kind == storage::GroupOutcome::Kind::kCommitted);
    CHECK(first.statuses[0].is_ok());

    // host-b takes BTCUSDT over (the server says host-a's lease ran out).
    server.query(
        "UPDATE leases SET expires_at = clock_timestamp() - interval '1 s' "
        "WHERE symbol = 'BTCUSDT'");
    auto taken = b.try_acquire("BTCUSDT", kCall);
    REQUIRE(taken.is_ok());
    REQUIRE(taken.value());

    WriteBatch b2 = signal_batch("BTCUSDT", 2);
    WriteBatch b3 = signal_batch("ETHUSDT", 3);
    WriteBatch b4 = signal_batch("BTCUSDT", 4);
    auto second = commit(writer, {&b2, &b3, &b4});
    REQUIRE(second.kind == storage::GroupOutcome::Kind::kCommitted);
    CHECK(second.statuses[0].code() == storage::Code::kFenced);
    CHECK_THAT(second.statuses[0].message(),
               Catch::Contains("lease lost: BTCUSDT epoch 1 is not the current one (epoch 2)"));
    CHECK(second.statuses[1].is_ok());
    CHECK_FALSE(second.statuses[2].is_ok());
    CHECK(count_signals(server, "BTCUSDT") == "1");
    CHECK(count_signals(server, "ETHUSDT") == "1");
    CHECK(server.query("SELECT value FROM bot_state WHERE symbol = 'BTCUSDT'") == "1");
}

TEST_CASE("a takeover waits for a write in progress, and a write after it is refused",
          "[pg][fencing][threads]") {
    PgServer server;
    pg::Writer writer(server.url(), pg::ConnectOptions{});
    LeaseStore a(server.url(), "host-a:1", 60s);
    LeaseStore b(server.url(), "host-b:2", 60s);
    auto held = a.try_acquire("BTCUSDT", kCall);
    REQUIRE(held.is_ok());
    REQUIRE(held.value());
    // A writer's transaction that has passed the fence and not yet committed.
    pg::Connection open_txn = connect(server.url());
    REQUIRE(open_txn.exec("BEGIN").ok());
    REQUIRE(open_txn.exec("SELECT tradebot_fence('BTCUSDT', 1)").ok());
    REQUIRE(open_txn
                .exec("INSERT INTO signals (symbol, side, price, strategy, event_time_ms, "
                      "created_at_ms) VALUES ('BTCUSDT', 'BUY', 1, 'late', 1, 1)")
                .ok());
    server.query("UPDATE leases SET expires_at = clock_timestamp() - interval '1 s'");

    auto takeover = std::async(std::launch::async, [&] { return b.try_acquire("BTCUSDT", kCall); });
    // The takeover is blocked on the lease row's lock held by the open write.
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (server.query("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") ==
           "0") {
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(10ms);
    }
    CHECK(takeover.wait_for(0s) == std::future_status::timeout);
    REQUIRE(open_txn.exec("COMMIT").ok());
    auto taken = takeover.get();
    REQUIRE(taken.is_ok());
    REQUIRE(taken.value());
    CHECK(taken.value()->epoch == 2);
    CHECK(count_signals(server) == "1");  // the write that was in progress landed, before it

    writer.set_fence("BTCUSDT", 1);
    WriteBatch after = signal_batch("BTCUSDT", 2);
    auto r = commit(writer, {&after});
    REQUIRE(r.kind == storage::GroupOutcome::Kind::kCommitted);
    CHECK_THAT(r.statuses[0].message(), Catch::Contains("lease lost"));
    CHECK(count_signals(server) == "1");
}

TEST_CASE("with fences required, a symbol this process holds no lease on is refused",
          "[pg][fencing]") {
    PgServer server;
    pg::Writer writer(server.url(), pg::ConnectOptions{});
    writer.require_fences(true);
    LeaseStore a(server.url(), "host-a:1", 60s);
    auto held = a.try_acquire("ETHUSDT", kCall);
    REQUIRE(held.is_ok());
    REQUIRE(held.value());
    writer.set_fence("ETHUSDT", held.value()->epoch);
    WriteBatch mine = signal_batch("ETHUSDT", 1);
    WriteBatch not_mine = signal_batch("BTCUSDT", 2);
    auto r = commit(writer, {&not_mine, &mine});
    REQUIRE(r.kind == storage::GroupOutcome::Kind::kCommitted);
    CHECK(r.statuses[0].code() == storage::Code::kFenced);
    CHECK_THAT(r.statuses[0].message(),
               Catch::Contains("lease lost: this process holds no lease on BTCUSDT"));
    CHECK(r.statuses[1].is_ok());
    writer.clear_fence("ETHUSDT");
    WriteBatch later = signal_batch("ETHUSDT", 3);
    auto r2 = commit(writer, {&later});
    CHECK_FALSE(r2.statuses[0].is_ok());
    CHECK(count_signals(server) == "1");
}

// ---- Lost answers and restarts ----

TEST_CASE("a group whose COMMIT answer was lost is looked up, not applied twice", "[pg][writer]") {
    PgServer server;
    testing_support::TcpRelay relay(server.port());
    const std::string url = "postgresql://tradebot@127.0.0.1:" + std::to_string(relay.port()) +
                            "/tradebot?sslmode=disable&gssencmode=disable";
    pg::Writer writer(url, pg::ConnectOptions{});
    WriteBatch a = signal_batch("BTCUSDT", 1);
    WriteBatch b = signal_batch("ETHUSDT", 2);
    // Refused by the schema (a fill of an order that does not exist): fails alone, and stays
    // refused when looked up.
    storage::Fill orphan;
    orphan.client_order_id = "tb-none";
    orphan.symbol = "BTCUSDT";
    orphan.side = "BUY";
    orphan.price = "1";
    orphan.quantity = "1";
    orphan.fee = "0";
    WriteBatch bad;
    bad.insert_signal(sig("BTCUSDT", 3));
    bad.insert_fill(orphan);
    const std::vector<const WriteBatch*> group = {&a, &bad, &b};

    relay.drop_next_commit_answer();
    auto lost = commit(writer, group);
    CHECK(lost.kind == storage::GroupOutcome::Kind::kTransient);
    CHECK(relay.dropped() == 1);
    CHECK(count_signals(server) == "2");  // it did commit

    // The pipeline hands the same group back, with a newcomer behind it.
    WriteBatch c = signal_batch("XRPUSDT", 4);
    auto retried = commit(writer, {&a, &bad, &b, &c});
    REQUIRE(retried.kind == storage::GroupOutcome::Kind::kCommitted);
    REQUIRE(retried.statuses.size() == 4);
    CHECK(retried.statuses[0].is_ok());
    CHECK(retried.statuses[1].code() == storage::Code::kInvalid);
    CHECK(retried.statuses[2].is_ok());
    CHECK(retried.statuses[3].is_ok());
    CHECK(count_signals(server) == "3");  // not 5: nothing was applied twice
    // The ids handed back are the ones the first attempt wrote.
    const std::string a_id = server.query("SELECT id FROM signals WHERE symbol = 'BTCUSDT'");
    const std::string b_id = server.query("SELECT id FROM signals WHERE symbol = 'ETHUSDT'");
    REQUIRE(retried.results[0].ids.size() == 2);
    CHECK(std::to_string(retried.results[0].ids[0]) == a_id);
    CHECK(std::to_string(retried.results[2].ids[0]) == b_id);
    CHECK(retried.results[3].ids[0] > retried.results[2].ids[0]);
}

TEST_CASE("a server restart fails a commit as transient, the retry lands once", "[pg][writer]") {
    PgServer server;
    pg::Writer writer(server.url(), pg::ConnectOptions{});
    WriteBatch a = signal_batch("BTCUSDT", 1);
    REQUIRE(commit(writer, {&a}).kind == storage::GroupOutcome::Kind::kCommitted);
    server.stop();
    WriteBatch b = signal_batch("BTCUSDT", 2);
    auto down = commit(writer, {&b});
    CHECK(down.kind == storage::GroupOutcome::Kind::kTransient);
    CHECK_FALSE(down.error.empty());
    server.start();
    auto up = commit(writer, {&b});
    REQUIRE(up.kind == storage::GroupOutcome::Kind::kCommitted);
    CHECK(up.statuses[0].is_ok());
    CHECK(count_signals(server) == "2");
}
