// tradebotd under a pretend systemd and a Prometheus scraper: the real binary, a real AF_UNIX
// notify socket, real signals and real HTTP on 127.0.0.1. Every wait is for a condition with a
// generous deadline; the only fixed window is the one that shows the pings have stopped.
#include <signal.h>

#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "integration/ops_http_client.h"
#include "integration/ops_notify_listener.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

using namespace std::chrono_literals;
using testing_support::ChildProcess;
using testing_support::http_get;
using testing_support::NotifyListener;
using testing_support::TempDir;

namespace {

const std::string kDaemon = std::string(TRADEBOT_BIN_DIR) + "/tradebotd";
constexpr auto kDeadline = 60s;

// The documented example config on the sim exchange, with a metrics endpoint when `port` is set;
// XRPUSDT runs `xrp_strategy`.
std::string write_config(const TempDir& dir, std::uint16_t port = 0,
                         const std::string& xrp_strategy = R"("name": "rsi", "period": 14)") {
    std::string listen = port ? "\"127.0.0.1:" + std::to_string(port) + "\"" : "null";
    std::string path = dir.file("tradebot.json");
    std::ofstream(path) << R"({
  "database": { "path": "storage/bot_state.db" },
  "exchange": { "name": "sim", "sim": { "seed": 7, "tick_ms": 20 } },
  "symbols": [ "BTCUSDT", "ETHUSDT",
               { "symbol": "XRPUSDT", "strategy": { )"
                        << xrp_strategy << R"( } } ],
  "log": { "level": "info", "heartbeat_s": 1 },
  "metrics": { "listen": )"
                        << listen << " }\n}\n";
    return path;
}

std::vector<std::string> daemon_argv(const std::string& config) {
    return {kDaemon, "--config", config};
}

// "name{labels}" -> value, for every sample line; checks the exposition syntax on the way.
std::map<std::string, double> parse_samples(const std::string& text) {
    // Labels: one or more name="value" pairs, comma-separated (the risk families carry symbol and
    // rule).
    static const std::regex sample_re(
        R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")"
        R"((?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (\S+)$)");
    static const std::regex type_re(
        R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$)");
    std::map<std::string, double> out;
    std::map<std::string, std::string> types;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        INFO("line: " << line);
        std::smatch m;
        if (line.rfind("# HELP ", 0) == 0) continue;
        if (line.rfind("# TYPE ", 0) == 0) {
            REQUIRE(std::regex_match(line, m, type_re));
            REQUIRE(types.count(m[1]) == 0);  // one TYPE per family
            types[m[1]] = m[2];
            if (m[2] == "counter") CHECK(std::string(m[1]).ends_with("_total"));
            continue;
        }
        REQUIRE(std::regex_match(line, m, sample_re));
        std::string name = m[1];
        // Every sample belongs to a family declared before it.
        std::string family = name;
        for (const char* suffix : {"_bucket", "_sum", "_count"}) {
            if (!types.count(family) && family.ends_with(suffix)) {
                family.resize(family.size() - std::strlen(suffix));
            }
        }
        CHECK(types.count(family) == 1);
        out[name + std::string(m[2])] = std::stod(m[3]);
    }
    return out;
}

double value(const std::map<std::string, double>& samples, const std::string& key) {
    auto it = samples.find(key);
    INFO("sample " << key);
    REQUIRE(it != samples.end());
    return it->second;
}

// Scrapes until pred(samples) holds or the deadline passes; returns the last scrape.
template <class Pred>
std::map<std::string, double> scrape_until(std::uint16_t port, Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + kDeadline;
    std::map<std::string, double> samples;
    do {
        auto r = http_get(port, "/metrics");
        REQUIRE(r.status == 200);
        samples = parse_samples(r.body);
        if (pred(samples)) return samples;
        std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return samples;
}

bool log_has(ChildProcess& p, const std::string& text) {
    return p.wait_until_output(
        [&](const std::string& err) { return err.find(text) != std::string::npos; }, kDeadline,
        true);
}

}  // namespace

TEST_CASE("tradebotd speaks the notify protocol: READY, WATCHDOG, RELOADING/READY, STOPPING",
          "[ops][systemd]") {
    TempDir dir;
    NotifyListener systemd(dir.file("notify"));
    std::string config = write_config(dir);
    ChildProcess daemon(daemon_argv(config),
                        {{"NOTIFY_SOCKET", systemd.address()}, {"WATCHDOG_USEC", "4000000"}},
                        dir.path().string());
    INFO("stderr: " << daemon.stderr_text());

    REQUIRE(systemd.wait_for_line("READY=1", kDeadline));
    REQUIRE(systemd.wait_for_line("WATCHDOG=1", kDeadline));
    REQUIRE(log_has(daemon, "ready: 3 bots running (READY=1 sent)"));

    daemon.signal(SIGHUP);
    std::optional<std::string> reloading;
    while (!reloading) {
        auto m = systemd.receive(kDeadline);
        REQUIRE(m);
        if (NotifyListener::has_line(*m, "RELOADING=1")) reloading = m;
    }
    CHECK(std::regex_search(*reloading, std::regex("(^|\n)MONOTONIC_USEC=[0-9]+($|\n)")));
    REQUIRE(systemd.wait_for_line("READY=1", kDeadline));
    REQUIRE(log_has(daemon, "SIGHUP: re-reading"));
    // Still pinging after the reload.
    REQUIRE(systemd.wait_for_line("WATCHDOG=1", kDeadline));

    daemon.signal(SIGTERM);
    REQUIRE(systemd.wait_for_line("STOPPING=1", kDeadline));
    auto code = daemon.wait_for(kDeadline);
    REQUIRE(code);
    CHECK(*code == 0);
    // Nothing after STOPPING=1 but possibly a STATUS line; certainly no ping.
    while (auto m = systemd.receive(0ms)) CHECK_FALSE(NotifyListener::has_line(*m, "WATCHDOG=1"));
}

TEST_CASE("a bot stuck in processing stops the WATCHDOG pings and fails /healthz",
          "[ops][systemd]") {
    TempDir dir;
    NotifyListener systemd(dir.file("notify"));
    std::uint16_t port = testing_support::free_tcp_port();
    // XRPUSDT runs the `hang` strategy of test_tradebotd (tests/integration/test_daemon.cc,
    // tradebotd's daemon object with a strategy catalog of its own): once the file `hang` exists,
    // its next closed candle hangs the bot's thread. The watchdog period is 2 s: pings every 1 s,
    // a bot is stuck after 2 s without a turn of its loop.
    std::string config = write_config(dir, port, R"("name": "hang")");
    const std::string trigger = dir.file("hang");
    ChildProcess daemon({TEST_TRADEBOTD, "--config", config, "--hang-when", trigger},
                        {{"NOTIFY_SOCKET", systemd.address()}, {"WATCHDOG_USEC", "2000000"}},
                        dir.path().string());
    INFO("stderr: " << daemon.stderr_text());

    REQUIRE(systemd.wait_for_line("READY=1", kDeadline));
    REQUIRE(systemd.wait_for_line("WATCHDOG=1", kDeadline));
    std::ofstream(trigger) << "now\n";
    REQUIRE(log_has(daemon, "hang strategy: hanging this bot's thread"));

    // The watchdog notices: a warning, a STATUS= line for systemctl status, and no more pings.
    bool stuck_status = false;
    while (!stuck_status) {
        auto m = systemd.receive(kDeadline);
        REQUIRE(m);
        stuck_status = m->rfind("STATUS=stuck: bot XRPUSDT made no progress for", 0) == 0;
    }
    REQUIRE(log_has(daemon, "watchdog: withholding WATCHDOG=1: bot XRPUSDT made no progress"));
    // Four ping periods pass without a single ping (systemd would have killed us after two).
    auto window_end = std::chrono::steady_clock::now() + 4s;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            window_end - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        if (auto m = systemd.receive(left)) CHECK_FALSE(NotifyListener::has_line(*m, "WATCHDOG=1"));
    }

    // /healthz says why; the other bots carry on.
    auto health = http_get(port, "/healthz");
    CHECK(health.status == 503);
    CHECK(health.body.rfind("unhealthy: bot XRPUSDT made no progress for", 0) == 0);
    auto first = scrape_until(port, [](const auto&) { return true; });
    CHECK(value(first, "tradebot_healthy") == 0);
    double btc = value(first, "tradebot_events_total{symbol=\"BTCUSDT\"}");
    scrape_until(port, [&](const auto& s) {
        return value(s, "tradebot_events_total{symbol=\"BTCUSDT\"}") > btc;
    });

    // A clean stop still happens: the stuck bot is abandoned after the drain timeout.
    daemon.signal(SIGTERM);
    REQUIRE(systemd.wait_for_line("STOPPING=1", kDeadline));
    auto code = daemon.wait_for(kDeadline);
    REQUIRE(code);
    CHECK(*code == 0);
}

TEST_CASE("metrics over real HTTP: the exposition parses and its values move", "[ops][metrics]") {
    TempDir dir;
    std::uint16_t port = testing_support::free_tcp_port();
    std::string config = write_config(dir, port);
    ChildProcess daemon(daemon_argv(config), {}, dir.path().string());
    INFO("stderr: " << daemon.stderr_text());
    REQUIRE(log_has(daemon,
                    "metrics: serving /metrics and /healthz on 127.0.0.1:" + std::to_string(port)));

    // /healthz turns 200 once every bot runs.
    auto deadline = std::chrono::steady_clock::now() + kDeadline;
    testing_support::HttpReply health;
    do {
        health = http_get(port, "/healthz");
        if (health.status == 200) break;
        std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < deadline);
    CHECK(health.status == 200);
    CHECK(health.body == "ok\n");

    const std::vector<std::string> symbols = {"BTCUSDT", "ETHUSDT", "XRPUSDT"};
    auto label = [](const std::string& sym) { return "{symbol=\"" + sym + "\"}"; };
    auto first = scrape_until(port, [&](const auto& s) {
        for (const auto& sym : symbols) {
            if (!s.count("tradebot_last_event_age_seconds" + label(sym))) return false;
        }
        return value(s, "tradebot_storage_transactions_total") > 0;
    });
    for (const auto& sym : symbols) {
        INFO(sym);
        CHECK(value(first, "tradebot_events_total" + label(sym)) > 0);
        CHECK(value(first, "tradebot_bot_running" + label(sym)) == 1);
        CHECK(value(first, "tradebot_queue_capacity" + label(sym)) > 0);
        CHECK(value(first, "tradebot_last_event_age_seconds" + label(sym)) >= 0);
        CHECK(first.count("tradebot_realized_pnl" + label(sym)) == 1);
        CHECK(first.count("tradebot_unrealized_pnl" + label(sym)) == 1);
        CHECK(first.count("tradebot_position_quantity" + label(sym)) == 1);
        CHECK(first.count("tradebot_dropped_events_total" + label(sym)) == 1);
        CHECK(first.count("tradebot_signals_total" + label(sym)) == 1);
        CHECK(first.count("tradebot_orders_total" + label(sym)) == 1);
    }
    CHECK(value(first, "tradebot_healthy") == 1);
    CHECK(first.count("tradebot_stream_reconnects_total") == 1);
    // The histogram is cumulative and its count is the +Inf bucket.
    double inf = value(first, "tradebot_storage_commit_latency_seconds_bucket{le=\"+Inf\"}");
    CHECK(value(first, "tradebot_storage_commit_latency_seconds_count") == inf);
    CHECK(value(first, "tradebot_storage_commit_latency_seconds_bucket{le=\"0.0001\"}") <= inf);
    CHECK(value(first, "tradebot_storage_batches_total") >=
          value(first, "tradebot_storage_transactions_total"));

    // The values move: events for every symbol, commits, and signals as the sim trades.
    auto second = scrape_until(port, [&](const auto& s) {
        for (const auto& sym : symbols) {
            if (value(s, "tradebot_events_total" + label(sym)) <=
                value(first, "tradebot_events_total" + label(sym))) {
                return false;
            }
        }
        return value(s, "tradebot_storage_commit_latency_seconds_count") >
               value(first, "tradebot_storage_commit_latency_seconds_count");
    });
    for (const auto& sym : symbols) {
        CHECK(value(second, "tradebot_events_total" + label(sym)) >
              value(first, "tradebot_events_total" + label(sym)));
    }
    CHECK(value(second, "tradebot_storage_commit_latency_seconds_count") >
          value(first, "tradebot_storage_commit_latency_seconds_count"));
    scrape_until(port, [&](const auto& s) {
        double signals = 0;
        for (const auto& sym : symbols) signals += value(s, "tradebot_signals_total" + label(sym));
        return signals > 0;
    });

    CHECK(http_get(port, "/").status == 404);
    daemon.signal(SIGTERM);
    auto code = daemon.wait_for(kDeadline);
    REQUIRE(code);
    CHECK(*code == 0);
}

TEST_CASE("a metrics port already taken fails the start with exit 1", "[ops][metrics]") {
    TempDir dir;
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor taken(
        ioc, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    std::string config = write_config(dir, taken.local_endpoint().port());
    ChildProcess daemon(daemon_argv(config), {}, dir.path().string());
    auto code = daemon.wait_for(kDeadline);
    REQUIRE(code);
    CHECK(*code == 1);
    CHECK(daemon.stderr_text().find("metrics: cannot listen on 127.0.0.1:") != std::string::npos);
}
