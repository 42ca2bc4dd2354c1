// What SIGTERM and SIGINT do while the daemon's main thread is busy rather than waiting for them
// in its loop: during start-up and during a stop.
//
// tradebotd blocks SIGTERM, SIGINT and SIGHUP in every thread before starting any, and its main
// loop takes them with sigtimedwait(). Outside that loop nobody would answer, so a stop asked
// during a slow start-up waited for the start-up, and a second Ctrl-C during a stop did nothing.
// These classes take the two stop signals on a thread of their own for a while:
//
//   StartupStop     from the banner until the bots start. A signal sets cancelled(), which the
//                   waits of start-up poll (the exchange probe); start-up then returns and the
//                   daemon exits 0. Should start-up still be busy `grace` later (a wait that polls
//                   nothing), the process exits 0 at once: no bot has traded yet, and SQLite and
//                   the process lock are safe against an exit at any moment.
//   StopEscalation  while a stop runs. The first signal started the stop; another one means the
//                   operator will not wait: the process exits at once with status 1, saying so.
//                   What was not committed is settled at the next start (write-ahead orders).
//
// SIGHUP is never taken here: it stays pending for the main loop.
#pragma once

#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace spdlog {
class logger;
}

namespace service {

// "SIGTERM", "SIGINT", ... for log lines.
const char* signal_name(int sig);

// Takes SIGTERM and SIGINT on its own thread and calls `handler` there for each one. Both must
// be blocked in every thread. Destruction stops taking them (a signal arriving afterwards stays
// pending for whoever waits next) and joins.
class SignalWatch {
public:
    using Handler = std::function<void(int sig)>;
    explicit SignalWatch(Handler handler);
    ~SignalWatch();
    SignalWatch(const SignalWatch&) = delete;
    SignalWatch& operator=(const SignalWatch&) = delete;

private:
    void run();

    // Constant after construction
    const Handler handler_;
    sigset_t signals_;

    std::atomic<bool> stop_{false};
    std::thread thread_;  // last: starts once everything above is set
};

class StartupStop {
public:
    explicit StartupStop(std::shared_ptr<spdlog::logger> log,
                         std::chrono::milliseconds grace = std::chrono::seconds(1));
    ~StartupStop();  // finish()
    StartupStop(const StartupStop&) = delete;
    StartupStop& operator=(const StartupStop&) = delete;

    // True once a stop signal arrived; signal() says which (0: none).
    bool cancelled() const { return signal_.load() != 0; }
    int signal() const { return signal_.load(); }
    // For waits that poll (exchange::StartOptions::cancelled). Valid while this object lives.
    std::function<bool()> cancel_check() const {
        return [this] { return cancelled(); };
    }
    // Start-up is over: no forced exit from here on, and the main loop takes the signals. Check
    // cancelled() afterwards: a signal may have been taken just before. Idempotent.
    void finish();

private:
    void on_signal(int sig);

    // Constant after construction
    const std::shared_ptr<spdlog::logger> log_;
    const std::chrono::milliseconds grace_;

    std::atomic<int> signal_{0};
    std::mutex mu_;
    std::condition_variable cv_;
    bool finished_ = false;  // Guarded by mu_
    std::unique_ptr<SignalWatch> watch_;
};

class StopEscalation {
public:
    explicit StopEscalation(std::shared_ptr<spdlog::logger> log);
    StopEscalation(const StopEscalation&) = delete;
    StopEscalation& operator=(const StopEscalation&) = delete;

private:
    const std::shared_ptr<spdlog::logger> log_;
    SignalWatch watch_;  // after log_: its thread may use it at once
};

}  // namespace service
