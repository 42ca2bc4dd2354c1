// tradebotd under hostile input and failing parts, as a user or an attacker would meet it: a
// config number beyond double range (every binary, and SIGHUP), a stop while storage fails, the
// metrics port under abuse. The real binaries, real sockets and signals. Deadlines bound hangs;
// the only times asserted are the contract's own ("within 5 s", "within a second").
#include <signal.h>
#include <sys/resource.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "daemon_support.h"
#include "ops_http_client.h"

using namespace daemon_test;
using testing_support::ChildProcess;
using testing_support::TempDir;

namespace {

using Clock = std::chrono::steady_clock;
const std::string kBacktest = std::string(TRADEBOT_BIN_DIR) + "/tradebot-backtest";

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// `cfg` as text with one value replaced by raw JSON text no json object can hold (1e400).
std::string with_raw_value(const json& cfg, const std::string& key, const std::string& raw) {
    std::string text = cfg.dump(2);
    const std::string needle = "\"" + key + "\": ";
    const auto at = text.find(needle);
    REQUIRE(at != std::string::npos);
    const auto value = at + needle.size();
    const auto end = text.find_first_of(",\n}", value);
    text.replace(value, end - value, raw);
    return text;
}

std::string write_text(const TempDir& dir, const std::string& name, const std::string& text) {
    const std::string path = dir.file(name);
    std::ofstream(path) << text;
    return path;
}

// GET /healthz on a fresh connection, all of it (connect, request, answer) within `deadline`:
// asynchronous calls, since only those keep a beast::tcp_stream's deadline.
struct Timed {
    std::optional<unsigned> status;  // nullopt: no answer within the deadline
    double seconds = 0;
    std::string error;
};
Timed timed_healthz(std::uint16_t port, std::chrono::milliseconds deadline) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    const auto t0 = Clock::now();
    Timed t;
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    http::request<http::empty_body> req{http::verb::get, "/healthz", 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(false);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    auto failed = [&](const beast::error_code& ec, const char* what) {
        if (!ec) return false;
        t.error = std::string(what) + ": " + ec.message();
        return true;
    };
    stream.expires_after(deadline);
    stream.async_connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port),
        [&](beast::error_code ec) {
            if (failed(ec, "connect")) return;
            http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
                if (failed(ec, "write")) return;
                http::async_read(stream, buffer, res, [&](beast::error_code ec, std::size_t) {
                    if (failed(ec, "read")) return;
                    t.status = res.result_int();
                });
            });
        });
    ioc.run();
    t.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return t;
}

std::size_t open_descriptors(pid_t pid) {
    std::size_t n = 0;
    std::error_code ec;
    for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
         !ec && it != end; it.increment(ec)) {
        ++n;
    }
    return n;
}

std::size_t count_of(const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("faults: a config number beyond double range is exit 78 naming its key, in every binary",
          "[daemon][faults]") {
    TempDir dir;
    const json cfg = sim_config(dir, {"BTCUSDT"});
    const std::string seed = write_text(dir, "seed.json", with_raw_value(cfg, "seed", "1e400"));
    const std::string busy =
        write_text(dir, "busy.json", with_raw_value(cfg, "busy_timeout_ms", "-1e400"));
    const std::string seed_error =
        "exchange.sim.seed: number 1e400 is out of range (beyond what a double holds)";
    const std::string busy_error =
        "database.busy_timeout_ms: number -1e400 is out of range (beyond what a double holds)";
    for (const auto& [config, error] : {std::pair{seed, seed_error}, std::pair{busy, busy_error}}) {
        INFO(config);
        for (const std::vector<std::string>& argv :
             {std::vector<std::string>{kDaemon, "--config", config},
              std::vector<std::string>{kDaemon, "--config", config, "--check-config"},
              std::vector<std::string>{kCtl, "--config", config, "signals"},
              std::vector<std::string>{kBacktest, "--config", config, "--data", dir.file("x")}}) {
            auto r = testing_support::run(argv, kLong, {}, dir.path().string());
            INFO(argv[0] << "\n" << r.err);
            CHECK(r.exit_code == 78);
            CHECK(contains(r.err, error));
        }
    }
    CHECK_FALSE(std::filesystem::exists(db_path(dir)));
}

TEST_CASE(
    "faults: on SIGHUP a config number beyond double range is rejected, the running config "
    "kept",
    "[daemon][faults]") {
    TempDir dir;
    const json cfg = sim_config(dir, {"BTCUSDT"});
    const std::string config = write_config(dir, cfg);
    auto daemon = start_daemon(dir, config);
    REQUIRE(wait_for_log(*daemon, "ready:"));
    write_text(dir, "tb.json", with_raw_value(cfg, "seed", "1e400"));
    daemon->signal(SIGHUP);
    REQUIRE(wait_for_log(*daemon, "reload rejected"));
    const std::string err = daemon->stderr_text();
    CHECK(contains(err, "reload rejected: exchange.sim.seed: number 1e400 is out of range"));
    CHECK(daemon->running());
    // Still trading on the running config: a signal is committed after the rejected reload.
    const std::size_t mark = daemon->stderr_text().size();
    REQUIRE(daemon->wait_until_output(
        [&](const std::string& e) { return e.find(" signal ", mark) != std::string::npos; }, kLong,
        true));
    CHECK(terminate(*daemon, kLong) == std::optional<int>(0));
}

TEST_CASE(
    "faults: the metrics port under abuse: /healthz answers a fresh client within a second, "
    "with hundreds of idle connections and at the descriptor limit",
    "[daemon][faults][http]") {
    TempDir dir;
    const std::uint16_t port = testing_support::free_tcp_port();
    json cfg = sim_config(dir, {"BTCUSDT", "ETHUSDT"});
    cfg["metrics"] = {{"listen", "127.0.0.1:" + std::to_string(port)}};
    const std::string config = write_config(dir, cfg);
    // A small descriptor limit, as on a crowded host: 64 for everything the daemon opens.
    ChildProcess daemon(
        {"/bin/sh", "-c", "ulimit -n 64 && exec \"$0\" --config \"$1\"", kDaemon, config}, {},
        dir.path().string());
    REQUIRE(wait_for_log(daemon, "ready:"));
    REQUIRE(timed_healthz(port, std::chrono::seconds(30)).status == std::optional<unsigned>(200));

    // Hundreds of clients that connect and say nothing.
    boost::asio::io_context ioc;
    std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> idle;
    for (int i = 0; i < 400; ++i) {
        auto s = std::make_unique<boost::asio::ip::tcp::socket>(ioc);
        s->connect({boost::asio::ip::make_address("127.0.0.1"), port});
        idle.push_back(std::move(s));
    }
    const Timed crowded = timed_healthz(port, std::chrono::seconds(1));
    WARN("/healthz with 400 idle connections open: " << crowded.seconds << " s " << crowded.error);
    // The contract's "within a second": the deadline above; no answer by then fails.
    CHECK(crowded.status == std::optional<unsigned>(200));
    CHECK(open_descriptors(daemon.pid()) < 64);

    // The limit lowered to exactly what the daemon holds now: every accept() fails until the
    // server gives a descriptor back.
    const std::size_t held = open_descriptors(daemon.pid());
    rlimit low{std::min<rlim_t>(held, 64), 64};
    REQUIRE(::prlimit(daemon.pid(), RLIMIT_NOFILE, &low, nullptr) == 0);
    for (int i = 0; i < 200; ++i) {
        auto s = std::make_unique<boost::asio::ip::tcp::socket>(ioc);
        s->connect({boost::asio::ip::make_address("127.0.0.1"), port});
        idle.push_back(std::move(s));
    }
    const Timed at_limit = timed_healthz(port, std::chrono::seconds(1));
    WARN("/healthz at the descriptor limit ("
         << held << "), 600 connections made: " << at_limit.seconds << " s " << at_limit.error);
    CHECK(at_limit.status == std::optional<unsigned>(200));
    // Said once for the burst, not once per failure; still trading meanwhile.
    const std::size_t mark = daemon.stderr_text().size();
    REQUIRE(daemon.wait_until_output(
        [&](const std::string& e) { return e.find(" signal ", mark) != std::string::npos; }, kLong,
        true));
    const std::string err = daemon.stderr_text();
    CHECK(count_of(err, "metrics: accept: ") == 1);
    CHECK(contains(err, "metrics: accept: Too many open files"));

    rlimit back{64, 64};
    REQUIRE(::prlimit(daemon.pid(), RLIMIT_NOFILE, &back, nullptr) == 0);
    idle.clear();
    CHECK(terminate(daemon, kLong) == std::optional<int>(0));
    INFO(daemon.stderr_text());
    CHECK(count_of(daemon.stderr_text(), "metrics: accept: ") == 1);
}
