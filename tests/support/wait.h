// Waiting for a condition in a test: poll until it holds or a generous deadline passes. Tests
// never assert on how long something took (the machines are shared and noisy); they wait for
// the state they expect and fail only when it never comes.
#pragma once

#include <chrono>
#include <functional>

namespace testing_support {

// True as soon as cond() holds (checked once more at the deadline), false if it never did.
bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = std::chrono::milliseconds(10));

}  // namespace testing_support
