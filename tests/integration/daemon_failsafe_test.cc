// tradebotd when an operator's mistake or a sick disk meets it: a second daemon on the same
// database, a stop while storage is stalled (another process holding the write lock, a full
// disk), a second signal during a stop, a damaged file, corruption found mid-run, SIGTERM during
// a Binance start-up that never answers, configs that are not files, a restart within the sim's
// minute, credentials in a URL. The real binary, real SQLite files, real signals and sockets.
// Deadlines bound hangs; elapsed times are printed for the record and asserted only against the
// contract's own deadline (a stop within 5 s).
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "daemon_support.h"
#include "storage/database.h"
#include "support/silent_server.h"

using namespace daemon_test;
using testing_support::ChildProcess;
using testing_support::TempDir;

namespace {

using Clock = std::chrono::steady_clock;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// Another process's view of the database: a plain SQLite connection of the test process.
class ForeignConnection {
public:
    explicit ForeignConnection(const std::string& path) {
        REQUIRE(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
        sqlite3_busy_timeout(db_, 30000);
    }
    ~ForeignConnection() { sqlite3_close(db_); }
    ForeignConnection(const ForeignConnection&) = delete;
    ForeignConnection& operator=(const ForeignConnection&) = delete;

    int exec(const std::string& sql) {
        return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
    }
    std::int64_t integer(const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
        REQUIRE(sqlite3_step(st) == SQLITE_ROW);
        const std::int64_t v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return v;
    }

private:
    sqlite3* db_ = nullptr;
};

// What was committed: every signal, order and fill by its key.
struct Committed {
    std::set<std::int64_t> signals;
    std::set<std::string> orders;
    std::set<std::int64_t> fills;
};

Committed committed(const std::string& path) {
    Committed c;
    if (!std::filesystem::exists(path)) return c;
    storage::Reader r(path);
    for (const auto& s : r.signals("", 1000000)) c.signals.insert(s.id);
    for (const auto& o : r.orders("", 1000000)) c.orders.insert(o.client_order_id);
    for (const auto& f : r.fills("", 1000000)) c.fills.insert(f.id);
    return c;
}

// A restart after a stop that left writes uncommitted: nothing committed before is lost, every
// order is settled, and the file is sound.
void check_restart_recovers(const TempDir& dir, const std::string& config,
                            const Committed& before) {
    auto daemon = start_daemon(dir, config);
    REQUIRE(wait_for_log(*daemon, "ready:"));
    auto code = terminate(*daemon, kLong);
    INFO("restart stderr:\n" << daemon->stderr_text());
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    const Committed after = committed(db_path(dir));
    for (auto id : before.signals) CHECK(after.signals.count(id) == 1);
    for (const auto& id : before.orders) CHECK(after.orders.count(id) == 1);
    for (auto id : before.fills) CHECK(after.fills.count(id) == 1);
    storage::Reader r(db_path(dir));
    for (const auto& o : r.orders("", 1000000)) {
        INFO(o.client_order_id);
        CHECK(o.status != "PENDING");
        CHECK(o.status != "UNKNOWN");
    }
    CHECK(r.integrity_check() == "ok");
}

bool has_signals(const storage::Reader& r, std::int64_t n) { return r.counts().signals >= n; }

// A busy sim (five symbols, a trade every 5 ms) whose database may not grow beyond its size at
// start: the first write that needs a new page fails with SQLITE_FULL, as on a full disk. The
// daemon is test_tradebotd (tests/integration/test_daemon.cc), tradebotd's daemon object with its
// database capped (--max-new-pages); the restart after it is the real tradebotd.
std::unique_ptr<ChildProcess> start_on_full_disk(const TempDir& dir, std::string* config) {
    auto cfg = sim_config(dir, {"BTCUSDT", "ETHUSDT", "XRPUSDT", "SOLUSDT", "BNBUSDT"});
    cfg["exchange"]["sim"]["tick_ms"] = 5;
    *config = write_config(dir, cfg);
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{TEST_TRADEBOTD, "--config", *config, "--max-new-pages", "0"},
        std::map<std::string, std::string>{}, dir.path().string());
}

}  // namespace

TEST_CASE("failsafe: a second daemon on the same database exits 1 naming it and the holder",
          "[daemon][failsafe]") {
    TempDir dir;
    auto config = write_config(dir, sim_config(dir, {"BTCUSDT", "ETHUSDT"}));
    auto first = start_daemon(dir, config);
    REQUIRE(wait_for_log(*first, "ready:"));

    // Same database under another spelling of its path, from another working directory.
    auto cfg = sim_config(dir, {"BTCUSDT", "ETHUSDT"});
    cfg["database"]["path"] = "../state/./bot_state.db";
    std::filesystem::create_directories(dir.path() / "elsewhere");
    auto other_config = write_config(dir, cfg, "other.json");
    auto second =
        testing_support::run({kDaemon, "--config", other_config}, kLong, {}, dir.file("elsewhere"));
    INFO("second stderr:\n" << second.err);
    CHECK(second.exit_code == 1);
    CHECK(contains(second.err, "another tradebotd (pid " + std::to_string(first->pid()) + ")"));
    CHECK(contains(second.err, db_path(dir)));
    CHECK_FALSE(contains(second.err, "ready:"));
    CHECK_FALSE(contains(second.err, "signal "));

    // The first one never noticed; tradebotctl (read-only) is not locked out.
    CHECK(first->running());
    CHECK(testing_support::run({kCtl, "--db", db_path(dir), "check"}, kLong).exit_code == 0);
    auto code = terminate(*first, kLong);
    REQUIRE(code.has_value());
    CHECK(*code == 0);

    // With the first one gone (a SIGKILL would do the same), the database is free again.
    auto again = start_daemon(dir, config);
    CHECK(wait_for_log(*again, "ready:"));
    CHECK(terminate(*again, kLong) == std::optional<int>(0));
}

TEST_CASE("failsafe: SIGTERM while another process holds the write lock stops cleanly",
          "[daemon][failsafe]") {
    TempDir dir;
    auto cfg = sim_config(dir, {"BTCUSDT", "ETHUSDT", "XRPUSDT"});
    // Each commit attempt waits this long for the lock before the pipeline counts it stalled.
    cfg["database"]["busy_timeout_ms"] = 1000;
    auto config = write_config(dir, cfg);
    auto daemon = start_daemon(dir, config);
    REQUIRE(wait_for_db(db_path(dir), [](const storage::Reader& r) { return has_signals(r, 5); }));

    ForeignConnection foreign(db_path(dir));
    REQUIRE(foreign.exec("BEGIN IMMEDIATE") == SQLITE_OK);  // held until the daemon is gone
    // The heartbeat keeps coming from its own thread and says what is wrong.
    bool stalled = wait_for_log(*daemon, "storage=stalled for ");
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(stalled);
    const Committed before = committed(db_path(dir));  // readers are not blocked by the lock

    const auto t0 = Clock::now();
    daemon->signal(SIGTERM);
    auto code = daemon->wait_for(kLong);
    const double took = seconds_since(t0);
    // The stop ended while the lock was still held (it is released only below).
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    WARN("stop with the write lock held elsewhere took " << took << " s (the contract: 5 s)");
    CHECK(took < 5.0);  // the contract's own deadline; the daemon aims at 3.5 s
    const std::string err = daemon->stderr_text();
    CHECK(contains(err, "stopping (SIGTERM)"));
    CHECK(contains(err, "all bots stopped"));
    REQUIRE(foreign.exec("COMMIT") == SQLITE_OK);

    check_restart_recovers(dir, config, before);
}

TEST_CASE("failsafe: SIGTERM on a full disk stops cleanly and counts what it left",
          "[daemon][failsafe]") {
    TempDir dir;
    std::string config;
    auto daemon = start_on_full_disk(dir, &config);
    bool stalled = wait_for_log(*daemon, "storage=stalled for ");
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(stalled);
    const Committed before = committed(db_path(dir));

    const auto t0 = Clock::now();
    auto code = terminate(*daemon, kLong);
    const double took = seconds_since(t0);
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    WARN("stop on a full disk took " << took << " s (the contract: 5 s)");
    CHECK(took < 5.0);  // the contract's own deadline; the daemon aims at 3.5 s
    const std::string err = daemon->stderr_text();
    // The bots were waiting for storage: the stop abandoned them, and the close could not
    // commit what they had queued. Said, counted, and left for the next start.
    CHECK(contains(err, "stopped while waiting for storage"));
    CHECK(contains(err, "could not be committed before the stop deadline"));
    CHECK_FALSE(contains(err, "stopped cleanly"));

    check_restart_recovers(dir, config, before);
}

TEST_CASE("failsafe: a second SIGTERM during a stop exits 1 at once", "[daemon][failsafe]") {
    TempDir dir;
    std::string config;
    auto daemon = start_on_full_disk(dir, &config);
    REQUIRE(wait_for_log(*daemon, "storage=stalled for "));
    // The first signal starts a stop that waits for storage until its deadline...
    daemon->signal(SIGTERM);
    REQUIRE(wait_for_log(*daemon, "stopping (SIGTERM)"));
    // ...the second one does not wait for it.
    daemon->signal(SIGINT);
    auto code = daemon->wait_for(kLong);
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(code.has_value());
    CHECK(*code == 1);
    const std::string err = daemon->stderr_text();
    CHECK(contains(err, "SIGINT during the stop: exiting at once with status 1"));
    CHECK_FALSE(contains(err, "stopped cleanly"));
}

TEST_CASE("failsafe: a damaged database is refused at start, named, and left as it was",
          "[daemon][failsafe]") {
    TempDir dir;
    const std::string path = db_path(dir);
    testing_support::make_damaged_database(path);
    auto bytes = [&] { return testing_support::file_bytes(path); };
    const std::string damaged = bytes();

    auto config = write_config(dir, sim_config(dir, {"BTCUSDT"}));
    auto r = testing_support::run({kDaemon, "--config", config}, kLong, {}, dir.path().string());
    INFO("stderr:\n" << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "cannot open the database"));
    CHECK(contains(r.err, path));
    CHECK(contains(r.err, "damaged"));
    CHECK(contains(r.err, "docs/operations.md"));
    CHECK_FALSE(contains(r.err, "ready:"));
    CHECK(bytes() == damaged);
    // tradebotctl check names the problem too.
    CHECK(testing_support::run({kCtl, "--db", path, "check"}, kLong).exit_code == 1);
}

TEST_CASE("failsafe: corruption found mid-run stops every bot and exits non-zero",
          "[daemon][failsafe]") {
    TempDir dir;
    auto config = write_config(dir, sim_config(dir, {"BTCUSDT", "ETHUSDT", "XRPUSDT"}));
    auto daemon = start_daemon(dir, config);
    REQUIRE(wait_for_db(db_path(dir), [](const storage::Reader& r) { return has_signals(r, 3); }));
    {
        // Damage the file under the running daemon: bot_state's primary-key index now points at
        // the table's own b-tree, so the next state write meets SQLITE_CORRUPT.
        ForeignConnection foreign(db_path(dir));
        const std::int64_t version = foreign.integer("PRAGMA schema_version");
        REQUIRE(foreign.exec("PRAGMA writable_schema=ON") == SQLITE_OK);
        REQUIRE(foreign.exec("UPDATE sqlite_schema SET rootpage = (SELECT rootpage FROM "
                             "sqlite_schema WHERE name = 'bot_state') WHERE name = "
                             "'sqlite_autoindex_bot_state_1'") == SQLITE_OK);
        REQUIRE(foreign.exec("PRAGMA schema_version=" + std::to_string(version + 1)) == SQLITE_OK);
    }
    auto code = daemon->wait_for(kLong);
    const std::string err = daemon->stderr_text();
    INFO("stderr:\n" << err);
    REQUIRE(code.has_value());
    CHECK(*code == 1);
    CHECK(contains(err, "storage failed for good"));
    CHECK(contains(err, "malformed"));
    CHECK(contains(err, "all bots stopped"));
    CHECK(contains(err, "stopped: storage failed for good; exit status 1"));
    CHECK_FALSE(contains(err, "stopped cleanly"));
    // And the next start refuses the file rather than writing into it.
    auto next = testing_support::run({kDaemon, "--config", config}, kLong, {}, dir.path().string());
    CHECK(next.exit_code == 1);
    CHECK(contains(next.err, "damaged"));
}

TEST_CASE("failsafe: SIGTERM during a Binance start-up that never answers exits 0",
          "[daemon][failsafe]") {
    TempDir dir;
    testing_support::SilentServer silent;
    auto cfg = sim_config(dir, {"BTCUSDT"});
    cfg["exchange"] = {
        {"name", "binance"}, {"ws_url", silent.ws_url()}, {"rest_url", silent.http_url()}};
    auto config = write_config(dir, cfg);
    auto daemon = start_daemon(dir, config);
    REQUIRE(wait_for_log(*daemon, "starting: exchange=binance"));
    // The probe is waiting on a connection that will never answer (10 s per try, 5 tries).
    const auto t0 = Clock::now();
    daemon->signal(SIGTERM);
    auto code = daemon->wait_for(kLong);
    const double took = seconds_since(t0);
    INFO("stderr:\n" << daemon->stderr_text());
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    WARN("SIGTERM during the exchange probe ended the start-up in " << took
                                                                    << " s (the contract: 1 s)");
    const std::string err = daemon->stderr_text();
    CHECK(contains(err, "stopping (SIGTERM) during start-up"));
    CHECK(contains(err, "stopped before start-up finished"));
    CHECK_FALSE(contains(err, "cannot reach the exchange"));
}

TEST_CASE("failsafe: a config that is not a regular file is refused, at start and on SIGHUP",
          "[daemon][failsafe]") {
    TempDir dir;
    SECTION("at start: exit 78 naming the file") {
        auto r = testing_support::run({kDaemon, "--config", "/dev/zero"}, kLong);
        CHECK(r.exit_code == 78);
        CHECK(contains(r.err, "/dev/zero: cannot read: a character device, not a regular file"));
        const std::string fifo = dir.file("fifo.json");
        REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
        r = testing_support::run({kDaemon, "--config", fifo}, kLong);
        CHECK(r.exit_code == 78);
        CHECK(contains(r.err, fifo + ": cannot read: a FIFO, not a regular file"));
        CHECK_FALSE(std::filesystem::exists(db_path(dir)));
    }
    SECTION("on SIGHUP: the running config is kept") {
        auto config = write_config(dir, sim_config(dir, {"BTCUSDT"}));
        auto daemon = start_daemon(dir, config);
        REQUIRE(wait_for_log(*daemon, "ready:"));
        std::filesystem::remove(config);
        REQUIRE(::mkfifo(config.c_str(), 0600) == 0);
        daemon->signal(SIGHUP);
        REQUIRE(wait_for_log(*daemon, "reload rejected"));
        CHECK(contains(daemon->stderr_text(), "a FIFO, not a regular file"));
        // Credentials in a URL of a new config are refused without being repeated.
        std::filesystem::remove(config);
        auto bad = sim_config(dir, {"BTCUSDT"});
        bad["exchange"]["ws_url"] = "wss://trader:hunter2@stream.example:9443";
        write_config(dir, bad);
        daemon->signal(SIGHUP);
        REQUIRE(daemon->wait_until_output(
            [](const std::string& e) { return e.find("exchange.ws_url") != std::string::npos; },
            kLong, true));
        CHECK(daemon->running());
        CHECK(terminate(*daemon, kLong) == std::optional<int>(0));
        const std::string err = daemon->stderr_text();
        CHECK(contains(err, "wss://***@stream.example:9443"));
        CHECK_FALSE(contains(err, "hunter2"));
    }
}

TEST_CASE("failsafe: credentials in a URL never reach the terminal", "[daemon][failsafe]") {
    TempDir dir;
    auto cfg = sim_config(dir, {"BTCUSDT"});
    cfg["exchange"]["rest_url"] = "https://trader:hunter2@api.example";
    auto r = testing_support::run({kDaemon, "--config", write_config(dir, cfg)}, kLong, {},
                                  dir.path().string());
    CHECK(r.exit_code == 78);
    CHECK(contains(r.err, "exchange.rest_url"));
    CHECK(contains(r.err, "https://***@api.example"));
    CHECK_FALSE(contains(r.err, "hunter2"));
    CHECK_FALSE(contains(r.err, "trader"));
}

TEST_CASE("failsafe: restarts within the sim's minute never replay a candle",
          "[daemon][failsafe]") {
    TempDir dir;
    auto config = write_config(dir, sim_config(dir, {"BTCUSDT", "ETHUSDT", "XRPUSDT"}));
    std::int64_t last_candle = 0;  // newest candle committed by the runs so far
    for (int run = 0; run < 3; ++run) {
        auto daemon = start_daemon(dir, config);
        const auto before = committed(db_path(dir)).signals.size();
        bool more = wait_for_db(db_path(dir), [&](const storage::Reader& r) {
            return r.counts().signals >= static_cast<std::int64_t>(before + 3);
        });
        INFO("run " << run << " stderr:\n" << daemon->stderr_text());
        REQUIRE(more);
        REQUIRE(terminate(*daemon, kLong) == std::optional<int>(0));
        storage::Reader r(db_path(dir));
        // Every signal of this run came from a candle after the last one committed before it.
        for (const auto& s : r.signals("", 1000000)) {
            if (s.id <= static_cast<std::int64_t>(before)) continue;
            INFO(s.symbol << " signal " << s.id << " at " << s.event_time_ms);
            CHECK(s.event_time_ms > last_candle);
        }
        ForeignConnection db(db_path(dir));
        last_candle = db.integer(
            "SELECT max(CAST(value AS INTEGER)) + 60000 FROM bot_state WHERE key = "
            "'last_candle_open_ms'");
    }
    // No candle decided twice: one signal per symbol and event time at most.
    storage::Reader r(db_path(dir));
    std::set<std::pair<std::string, std::int64_t>> seen;
    for (const auto& s : r.signals("", 1000000)) {
        INFO(s.symbol << " " << s.event_time_ms);
        CHECK(seen.insert({s.symbol, s.event_time_ms}).second);
    }
}
