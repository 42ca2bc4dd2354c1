// The watchdog policy on plain values, and the Watchdog thread against a real notify socket with
// a source the test controls (no timing thresholds: every wait is for a condition).
#include "service/watchdog.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "bot/runtime/bot_stats.h"
#include "integration/ops_notify_listener.h"
#include "support/temp_dir.h"

using namespace std::chrono_literals;
using service::BotProgress;
using testing_support::NotifyListener;

namespace {

BotProgress bot_at(std::string symbol, std::int64_t last_progress_ms, bool running = true,
                   bool failed = false, std::string error = {}) {
    BotProgress p;
    p.symbol = std::move(symbol);
    p.running = running;
    p.failed = failed;
    p.last_progress_ms = last_progress_ms;
    p.last_error = std::move(error);
    return p;
}

}  // namespace

TEST_CASE("assess_progress: only running bots past the stall limit are stuck", "[watchdog]") {
    const std::int64_t now = 100000;
    std::vector<BotProgress> bots = {bot_at("BTCUSDT", now - 200), bot_at("ETHUSDT", now - 5000),
                                     bot_at("XRPUSDT", now - 50000, false),
                                     bot_at("SOLUSDT", now - 50000, false, true)};
    CHECK(service::assess_progress(bots, now, 5000ms).ok);  // exactly at the limit: not yet
    auto h = service::assess_progress(bots, now, 4999ms);
    CHECK_FALSE(h.ok);
    CHECK(h.reason == "bot ETHUSDT made no progress for 5.0 s");
    h = service::assess_progress(bots, now, 100ms);
    CHECK(h.reason ==
          "bot BTCUSDT made no progress for 0.2 s; bot ETHUSDT made no progress for 5.0 s");
    CHECK(service::assess_progress({}, now, 1ms).ok);
}

TEST_CASE("assess_health: also bots not running and a stalled storage", "[watchdog]") {
    const std::int64_t now = 100000;
    storage::WriterStats storage;
    CHECK(service::assess_health({bot_at("BTCUSDT", now)}, storage, now, 1000ms).ok);

    auto h = service::assess_health({bot_at("BTCUSDT", now), bot_at("ETHUSDT", 0, false),
                                     bot_at("XRPUSDT", 0, false, false, "strategy threw"),
                                     bot_at("SOLUSDT", 0, false, true, "position row damaged")},
                                    storage, now, 1000ms);
    CHECK_FALSE(h.ok);
    CHECK(h.reason ==
          "bot ETHUSDT starting; bot XRPUSDT restarting after: strategy threw; "
          "bot SOLUSDT stopped for good: position row damaged");

    storage.stalled = true;
    storage.queued = 12;
    h = service::assess_health({bot_at("BTCUSDT", now - 3000)}, storage, now, 1000ms);
    CHECK(h.reason ==
          "bot BTCUSDT made no progress for 3.0 s; "
          "storage stalled: commits are being retried (12 batches queued)");
}

TEST_CASE("all_started: every bot runs or has stopped for good", "[watchdog]") {
    CHECK(service::all_started({}));
    CHECK(service::all_started({bot_at("A", 0), bot_at("B", 0, false, true)}));
    CHECK_FALSE(service::all_started({bot_at("A", 0), bot_at("B", 0, false)}));
}

TEST_CASE("default_max_stall follows WATCHDOG_USEC, else 30 s, never below 1 s", "[watchdog]") {
    CHECK(service::default_max_stall(service::SdNotifier()) == 30000ms);
    CHECK(service::default_max_stall(service::SdNotifier("/run/x", 20000000)) == 20000ms);
    CHECK(service::default_max_stall(service::SdNotifier("/run/x", 100000)) == 1000ms);
}

TEST_CASE("Watchdog: READY=1 once every bot runs, pings only while all make progress",
          "[watchdog]") {
    testing_support::TempDir dir;
    NotifyListener systemd(dir.file("notify"));
    service::SdNotifier notifier(systemd.address(), 200000);

    std::mutex mu;
    bool second_running = false;
    bool stuck = false;
    auto source = [&] {
        std::lock_guard<std::mutex> lock(mu);
        std::int64_t now = bot::BotStats::steady_now_ms();
        return std::vector<BotProgress>{
            bot_at("BTCUSDT", now), bot_at("ETHUSDT", stuck ? now - 60000 : now, second_running)};
    };
    service::WatchdogOptions options;
    options.ping_interval = 20ms;
    options.max_stall = 30000ms;
    options.poll = 5ms;
    service::Watchdog watchdog(notifier, source, options, nullptr);
    watchdog.start();

    // Pings flow before READY (no bot is stuck), but READY waits for ETHUSDT to run.
    REQUIRE(systemd.wait_for_line("WATCHDOG=1", 30s));
    CHECK_FALSE(watchdog.ready_sent());
    for (const auto& m : systemd.received()) CHECK_FALSE(NotifyListener::has_line(m, "READY=1"));

    {
        std::lock_guard<std::mutex> lock(mu);
        second_running = true;
    }
    REQUIRE(systemd.wait_for_line("READY=1", 30s));
    REQUIRE(systemd.wait_for_line("WATCHDOG=1", 30s));

    // ETHUSDT gets stuck: a STATUS line says so, and the pings stop while it lasts.
    {
        std::lock_guard<std::mutex> lock(mu);
        stuck = true;
    }
    bool saw_status = false;
    while (!saw_status) {
        auto m = systemd.receive(30s);
        REQUIRE(m);
        saw_status = m->rfind("STATUS=stuck: bot ETHUSDT made no progress for", 0) == 0;
    }
    std::uint64_t withheld_before = watchdog.withheld();
    // Several more rounds pass; none of them pings.
    while (watchdog.withheld() < withheld_before + 5) std::this_thread::sleep_for(5ms);
    std::uint64_t pings = watchdog.pings();
    while (auto m = systemd.receive(0ms)) CHECK(*m != "WATCHDOG=1");
    while (watchdog.withheld() < withheld_before + 10) std::this_thread::sleep_for(5ms);
    CHECK(watchdog.pings() == pings);

    // It recovers: pings resume.
    {
        std::lock_guard<std::mutex> lock(mu);
        stuck = false;
    }
    REQUIRE(systemd.wait_for_line("WATCHDOG=1", 30s));
    watchdog.stop();
    // Exactly one READY=1 over the whole run.
    int readies = 0;
    for (const auto& m : systemd.received()) readies += NotifyListener::has_line(m, "READY=1");
    CHECK(readies == 1);
}

TEST_CASE("Watchdog without a systemd watchdog sends READY=1 and no ping", "[watchdog]") {
    testing_support::TempDir dir;
    NotifyListener systemd(dir.file("notify"));
    service::SdNotifier notifier(systemd.address(), 0);
    service::WatchdogOptions options;
    options.poll = 5ms;
    service::Watchdog watchdog(
        notifier, [] { return std::vector<BotProgress>{bot_at("A", 0)}; }, options, nullptr);
    watchdog.start();
    auto m = systemd.receive(30s);
    REQUIRE(m);
    CHECK(NotifyListener::has_line(*m, "READY=1"));
    watchdog.stop();
    CHECK(watchdog.pings() == 0);
}
