// The daemon's life outside trading: heartbeat lines (what they say about storage) and what
// SIGTERM/SIGINT do during start-up and during a stop, with real signals; the paths that end the
// process run in a forked child.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include "service/heartbeat.h"
#include "service/log_setup.h"
#include "service/stop_signals.h"

namespace {

// SIGTERM and SIGINT blocked in this thread (and the threads it starts), as tradebotd does
// before any thread exists; restored on scope exit.
struct BlockedStopSignals {
    sigset_t old;
    BlockedStopSignals() {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        pthread_sigmask(SIG_BLOCK, &set, &old);
    }
    ~BlockedStopSignals() {
        // Take anything still pending before unblocking, so no test dies of it.
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        const timespec none{0, 0};
        while (::sigtimedwait(&set, nullptr, &none) > 0) {
        }
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
    }
};

template <class Pred>
bool eventually(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
}

// Runs `body` in a forked child with the stop signals blocked and returns its exit status
// (nullopt if it did not end within a generous deadline: it is then killed).
template <class Body>
std::optional<int> child_status(Body body) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        BlockedStopSignals blocked;
        body();
        ::_exit(99);  // body was expected to end the process itself
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return std::nullopt;
}

}  // namespace

TEST_CASE("heartbeat: the storage part says ok, stalled for how long, or failed", "[heartbeat]") {
    storage::WriterStats s;
    CHECK(service::storage_health_text(s) == "storage=ok");
    s.stalled = true;
    s.stalled_ms = 32'900;
    s.queued = 7;
    CHECK(service::storage_health_text(s) == "storage=stalled for 32 s (7 queued)");
    s.sticky_error = "database disk image is malformed";
    CHECK(service::storage_health_text(s) == "storage=failed: database disk image is malformed");
}

TEST_CASE("heartbeat: one line per bot with its figures", "[heartbeat]") {
    auto stats = std::make_shared<bot::BotStats>();
    auto queue = std::make_shared<bot::EventQueue>(16);
    stats->events = 1200;
    stats->closed_klines = 40;
    stats->signals = 3;
    stats->orders = 2;
    stats->fills = 2;
    bot::PositionSnapshot p;
    p.quantity = config::Decimal::from_string("0.00166");
    p.avg_entry_price = config::Decimal::from_string("59971.95");
    p.last_price = config::Decimal::from_string("60000");
    p.unrealized_pnl = config::Decimal::from_string("0.0466");
    p.realized_pnl = config::Decimal::from_string("-0.0995");
    stats->set_position(p);
    storage::WriterStats ws;
    ws.last_commit_us = 131.4;
    ws.stalled = true;
    ws.stalled_ms = 5'200;
    ws.queued = 1;
    exchange::StreamStats stream;
    stream.reconnects = 4;
    CHECK(service::heartbeat_text({"BTCUSDT", stats, queue}, ws, stream) ==
          "heartbeat events=1200 closed=40 signals=3 orders=2 fills=2 queue=0 dropped=0 "
          "lost_closes=0 storage_commit_us=131 reconnects=4 position=0.00166 avg=59971.95 "
          "last=60000 upnl=0.05 realized=-0.10 storage=stalled for 5 s (1 queued)");
}

TEST_CASE("heartbeat: lines keep coming from its own thread, stop() ends them", "[heartbeat]") {
    std::atomic<int> asked{0};
    auto stats = std::make_shared<bot::BotStats>();
    auto queue = std::make_shared<bot::EventQueue>(16);
    service::Heartbeat heartbeat(
        service::HeartbeatSources{[&] {
                                      ++asked;
                                      return std::vector<bot::BotView>{{"HBTUSDT", stats, queue}};
                                  },
                                  [] { return storage::WriterStats{}; },
                                  [] { return exchange::StreamStats{}; }},
        std::chrono::milliseconds(20));
    heartbeat.start();
    CHECK(eventually([&] { return asked.load() >= 3; }));
    heartbeat.stop();
    const int after_stop = asked.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(asked.load() == after_stop);
}

TEST_CASE("start-up stop: a signal sets cancelled(), finish() then ends the watch",
          "[stop_signals]") {
    BlockedStopSignals blocked;
    service::StartupStop startup(service::get_logger("main"));
    CHECK_FALSE(startup.cancelled());
    auto check = startup.cancel_check();
    ::kill(::getpid(), SIGTERM);
    CHECK(eventually([&] { return check(); }));
    CHECK(startup.signal() == SIGTERM);
    startup.finish();  // start-up noticed in time: no forced exit (this process is still here)
    CHECK(startup.cancelled());
}

TEST_CASE("start-up stop: after finish() signals stay pending for the main loop",
          "[stop_signals]") {
    BlockedStopSignals blocked;
    service::StartupStop startup(service::get_logger("main"));
    startup.finish();
    ::kill(::getpid(), SIGINT);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    const timespec wait{5, 0};
    CHECK(::sigtimedwait(&set, nullptr, &wait) == SIGINT);
    CHECK_FALSE(startup.cancelled());
}

TEST_CASE("start-up stop: a start-up stuck in a wait that polls nothing exits 0 after the grace",
          "[stop_signals]") {
    auto status = child_status([] {
        service::StartupStop startup(service::get_logger("main"), std::chrono::milliseconds(200));
        ::kill(::getpid(), SIGTERM);
        for (;;) ::pause();  // a start-up wait that never looks at cancelled()
    });
    REQUIRE(status.has_value());
    CHECK(*status == 0);
}

TEST_CASE("stop escalation: a second signal during a stop exits at once with status 1",
          "[stop_signals]") {
    auto status = child_status([] {
        service::StopEscalation escalation(service::get_logger("main"));
        ::kill(::getpid(), SIGINT);
        for (;;) ::pause();  // a stop that would take forever
    });
    REQUIRE(status.has_value());
    CHECK(*status == 1);
}
