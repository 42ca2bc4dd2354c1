// FaultBurst: a burst of faults is said when it begins, reminded while it lasts and reported
// when it ends, with how many were in it. The times are passed in: no clock, no sleeping.
#include "exchange/fault_burst.h"

#include <catch2/catch.hpp>
#include <chrono>

using exchange::FaultBurst;
using namespace std::chrono_literals;

TEST_CASE("a burst is said once at its start, reminded, and reported when it ends", "[burst]") {
    FaultBurst burst(10s, 60s);
    const FaultBurst::Clock::time_point t0{};
    CHECK_FALSE(burst.check_at());
    CHECK(burst.note(t0, "first") == FaultBurst::Say::kBegins);
    for (int i = 1; i < 1000; ++i) {
        CHECK(burst.note(t0 + std::chrono::milliseconds(i), "more") == FaultBurst::Say::kNothing);
    }
    CHECK(burst.in_burst() == 1000);
    // Still going a minute later: one reminder, then quiet again.
    CHECK(burst.note(t0 + 61s, "still") == FaultBurst::Say::kReminder);
    CHECK(burst.note(t0 + 62s, "last") == FaultBurst::Say::kNothing);
    // Not over until ten quiet seconds have passed.
    CHECK(burst.check_at() == t0 + 72s);
    CHECK_FALSE(burst.ended(t0 + 71s));
    auto ended = burst.ended(t0 + 72s);
    REQUIRE(ended);
    CHECK(ended->count == 1002);
    CHECK(ended->lasted == 62s);
    CHECK(ended->latest == "last");
    // Reported once; the next fault begins a new burst.
    CHECK_FALSE(burst.ended(t0 + 100s));
    CHECK_FALSE(burst.check_at());
    CHECK(burst.note(t0 + 200s, "again") == FaultBurst::Say::kBegins);
    CHECK(burst.in_burst() == 1);
}
