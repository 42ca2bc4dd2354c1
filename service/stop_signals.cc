#include "service/stop_signals.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace service {
namespace {

// How often the watch thread looks at its stop flag between signals.
constexpr long kPollNs = 100'000'000;  // 100 ms

// Ends the process now, from any thread: no destructor, no atexit handler runs (another thread
// may be inside the stop or the start-up). The log line is out first: the sink writes stderr,
// which is unbuffered, and is flushed once more for good measure.
[[noreturn]] void exit_now(spdlog::logger& log, int status) {
    log.flush();
    std::fflush(stderr);
    std::_Exit(status);
}

}  // namespace

const char* signal_name(int sig) {
    switch (sig) {
        case SIGTERM:
            return "SIGTERM";
        case SIGINT:
            return "SIGINT";
        case SIGHUP:
            return "SIGHUP";
        default:
            return "signal";
    }
}

SignalWatch::SignalWatch(Handler handler) : handler_(std::move(handler)) {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGTERM);
    sigaddset(&signals_, SIGINT);
    thread_ = std::thread([this] { run(); });
}

SignalWatch::~SignalWatch() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

void SignalWatch::run() {
    const timespec poll{0, kPollNs};
    while (!stop_.load()) {
        const int sig = ::sigtimedwait(&signals_, nullptr, &poll);
        if (sig > 0) handler_(sig);  // else EAGAIN (poll) or EINTR
    }
}

StartupStop::StartupStop(std::shared_ptr<spdlog::logger> log, std::chrono::milliseconds grace)
    : log_(std::move(log)), grace_(grace) {
    watch_ = std::make_unique<SignalWatch>([this](int sig) { on_signal(sig); });
}

StartupStop::~StartupStop() { finish(); }

void StartupStop::finish() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        finished_ = true;
    }
    cv_.notify_all();
    watch_.reset();  // joins; a handler waiting out its grace was woken above
}

void StartupStop::on_signal(int sig) {
    int expected = 0;
    if (!signal_.compare_exchange_strong(expected, sig)) {
        // Already stopping start-up: a second signal changes nothing but is said.
        log_->warn("{} again during start-up: still stopping", signal_name(sig));
        return;
    }
    log_->info("stopping ({}) during start-up", signal_name(sig));
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, grace_, [this] { return finished_; })) return;
    // Start-up is stuck in a wait that does not poll cancelled(). Nothing has traded yet.
    log_->warn("start-up did not stop within {} ms of {}; exiting now (no bot had started)",
               grace_.count(), signal_name(sig));
    exit_now(*log_, 0);
}

StopEscalation::StopEscalation(std::shared_ptr<spdlog::logger> log)
    : log_(std::move(log)), watch_([this](int sig) {
          log_->error(
              "{} during the stop: exiting at once with status 1, without waiting for the stop "
              "to finish; writes not committed yet are lost and the next start settles any "
              "order they concerned",
              signal_name(sig));
          exit_now(*log_, 1);
      }) {}

}  // namespace service
