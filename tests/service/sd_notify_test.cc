// The notify protocol against a real AF_UNIX datagram socket, as systemd opens it.
#include "service/sd_notify.h"

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "integration/ops_notify_listener.h"
#include "support/temp_dir.h"

using namespace std::chrono_literals;
using testing_support::NotifyListener;
using testing_support::TempDir;

namespace {

// Sets (or unsets) an environment variable for one scope.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) {
            ::setenv(name, value, 1);
        } else {
            ::unsetenv(name);
        }
    }
    ~ScopedEnv() {
        if (old_.empty()) {
            ::unsetenv(name_);
        } else {
            ::setenv(name_, old_.c_str(), 1);
        }
    }

private:
    const char* name_;
    std::string old_;
};

}  // namespace

TEST_CASE("without NOTIFY_SOCKET every call is a no-op", "[sd_notify]") {
    ScopedEnv s("NOTIFY_SOCKET", nullptr);
    ScopedEnv w("WATCHDOG_USEC", "2000000");
    auto n = service::SdNotifier::from_environment();
    CHECK_FALSE(n.enabled());
    CHECK_FALSE(n.ready());
    CHECK_FALSE(n.watchdog());
    CHECK_FALSE(n.watchdog_period());
}

TEST_CASE("datagrams reach a path socket, one per notification", "[sd_notify]") {
    TempDir dir;
    NotifyListener systemd(dir.file("notify"));
    service::SdNotifier n(systemd.address(), 0);
    REQUIRE(n.enabled());
    REQUIRE(n.ready());
    CHECK(systemd.receive(10s) == "READY=1");
    REQUIRE(n.ready("running 3 bots\nsecond line"));
    CHECK(systemd.receive(10s) == "READY=1\nSTATUS=running 3 bots second line");
    REQUIRE(n.watchdog());
    CHECK(systemd.receive(10s) == "WATCHDOG=1");
    REQUIRE(n.stopping());
    CHECK(systemd.receive(10s) == "STOPPING=1");
}

TEST_CASE("RELOADING=1 carries MONOTONIC_USEC of CLOCK_MONOTONIC", "[sd_notify]") {
    TempDir dir;
    NotifyListener systemd(dir.file("notify"));
    service::SdNotifier n(systemd.address(), 0);
    timespec before{};
    ::clock_gettime(CLOCK_MONOTONIC, &before);
    REQUIRE(n.reloading());
    timespec after{};
    ::clock_gettime(CLOCK_MONOTONIC, &after);
    auto msg = systemd.receive(10s);
    REQUIRE(msg);
    REQUIRE(msg->rfind("RELOADING=1\nMONOTONIC_USEC=", 0) == 0);
    auto usec = std::stoull(msg->substr(msg->find('=', 12) + 1));
    auto to_us = [](timespec t) {
        return static_cast<unsigned long long>(t.tv_sec) * 1000000ull +
               static_cast<unsigned long long>(t.tv_nsec) / 1000ull;
    };
    CHECK(usec >= to_us(before));
    CHECK(usec <= to_us(after));
    CHECK(service::reloading_message(42) == "RELOADING=1\nMONOTONIC_USEC=42");
}

TEST_CASE("an abstract '@' address works too", "[sd_notify]") {
    std::string name = "@tradebot-test-" + std::to_string(::getpid());
    NotifyListener systemd(name);
    service::SdNotifier n(name, 0);
    REQUIRE(n.notify("STATUS=hello"));
    CHECK(systemd.receive(10s) == "STATUS=hello");
}

TEST_CASE("from_environment reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID", "[sd_notify]") {
    TempDir dir;
    NotifyListener systemd(dir.file("notify"));
    ScopedEnv s("NOTIFY_SOCKET", systemd.address().c_str());
    ScopedEnv w("WATCHDOG_USEC", "3000000");

    SECTION("no WATCHDOG_PID: the watchdog is for us") {
        ScopedEnv p("WATCHDOG_PID", nullptr);
        auto n = service::SdNotifier::from_environment();
        REQUIRE(n.enabled());
        CHECK(n.watchdog_period() == std::chrono::microseconds(3000000));
        CHECK(n.watchdog_ping_interval() == std::chrono::microseconds(1500000));
        REQUIRE(n.ready());
        CHECK(systemd.receive(10s) == "READY=1");
    }
    SECTION("WATCHDOG_PID is our pid") {
        std::string pid = std::to_string(::getpid());
        ScopedEnv p("WATCHDOG_PID", pid.c_str());
        CHECK(service::SdNotifier::from_environment().watchdog_period());
    }
    SECTION("WATCHDOG_PID names another process: no watchdog, notifications still go") {
        std::string pid = std::to_string(::getpid() + 1);
        ScopedEnv p("WATCHDOG_PID", pid.c_str());
        auto n = service::SdNotifier::from_environment();
        CHECK(n.enabled());
        CHECK_FALSE(n.watchdog_period());
    }
    SECTION("a malformed WATCHDOG_USEC means no watchdog") {
        ScopedEnv p("WATCHDOG_PID", nullptr);
        ScopedEnv bad("WATCHDOG_USEC", "12abc");
        CHECK_FALSE(service::SdNotifier::from_environment().watchdog_period());
    }
}

TEST_CASE("a socket nobody listens on is reported, never thrown", "[sd_notify]") {
    TempDir dir;
    service::SdNotifier n(dir.file("nobody"), 0);
    std::string error;
    CHECK_FALSE(n.notify("READY=1", &error));
    CHECK(error.find("sendto") == 0);
    service::SdNotifier relative("relative/path", 0);
    CHECK_FALSE(relative.notify("READY=1", &error));
}
