// service::Daemon and its state stores in this process: the object runs a sim market for its
// --duration and stops cleanly with its rows committed; a second daemon on the same file is
// refused at open() naming the holder (the file store's process lock) and touches nothing; a
// state store handed in is the one used (tests inject theirs this way); a signal during run()
// ends it with the signal's name. Real SQLite files in a temporary folder, real signals.
#include "service/daemon.h"

#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "bot/strategies/builtin.h"
#include "config/loader.h"
#include "service/state_store.h"
#include "storage/reader.h"
#include "support/temp_dir.h"

namespace {

using testing_support::TempDir;

// The daemon's signals blocked while a test runs (tradebotd blocks them before any thread);
// whatever is still pending is taken before they are unblocked.
struct BlockedSignals {
    sigset_t old;
    BlockedSignals() {
        const sigset_t set = service::daemon_signals();
        pthread_sigmask(SIG_BLOCK, &set, &old);
    }
    ~BlockedSignals() {
        const sigset_t set = service::daemon_signals();
        const timespec none{0, 0};
        while (::sigtimedwait(&set, nullptr, &none) > 0) {
        }
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
    }
};

config::Config sim_config(const TempDir& dir) {
    return config::parse_config(R"({
      "database": { "path": ")" + dir.file("state/bot.db") +
                                    R"(" },
      "exchange": { "name": "sim", "sim": { "seed": 3, "tick_ms": 5 } },
      "strategy": { "name": "ema_cross", "fast": 2, "slow": 5 },
      "symbols": [ "BTCUSDT", "ETHUSDT" ],
      "log": { "heartbeat_s": 1 }
    })",
                                bot::builtin_strategies().specs());
}

service::DaemonOptions options_for(double seconds) {
    service::DaemonOptions o;
    o.strategies = bot::builtin_strategies();
    o.duration = std::chrono::duration<double>(seconds);
    return o;
}

// A store that counts what the daemon asks of it, around the real file store.
class CountingStore final : public service::StateStore {
public:
    CountingStore(std::unique_ptr<service::StateStore> inner, std::vector<std::string>* calls)
        : inner_(std::move(inner)), calls_(calls) {}
    std::string where() const override { return inner_->where(); }
    storage::Database& open(const storage::Options& o) override {
        calls_->push_back("open");
        return inner_->open(o);
    }
    config::Config supervised(const config::Config& c) const override {
        return inner_->supervised(c);
    }
    void attach(bot::Supervisor& s, const config::Config& c) override {
        calls_->push_back("attach");
        inner_->attach(s, c);
    }
    void start(const config::Config& c) override {
        calls_->push_back("start");
        inner_->start(c);
    }
    void reload(bot::Supervisor& s, const config::Config& c) override { inner_->reload(s, c); }
    void add_metrics(service::MetricsSnapshot& m) const override { inner_->add_metrics(m); }
    void stop(Clock::time_point d) override {
        calls_->push_back("stop");
        inner_->stop(d);
    }
    void detach() override {
        calls_->push_back("detach");
        inner_->detach();
    }

private:
    std::unique_ptr<service::StateStore> inner_;
    std::vector<std::string>* calls_;
};

}  // namespace

TEST_CASE("daemon: runs the sim for its duration and stops cleanly, rows committed", "[daemon]") {
    BlockedSignals blocked;
    TempDir dir;
    const config::Config cfg = sim_config(dir);
    std::vector<std::string> calls;
    service::DaemonOptions o = options_for(1.5);
    o.state_store = [&calls](const config::DatabaseConfig& d) {
        return std::make_unique<CountingStore>(service::make_file_store(d), &calls);
    };
    {
        service::Daemon daemon(cfg, std::move(o));
        REQUIRE(daemon.open() == service::Outcome::kContinue);
        REQUIRE(daemon.start() == service::Outcome::kContinue);
        const service::StopRequest why = daemon.run();
        CHECK(why.reason == "--duration elapsed");
        CHECK_FALSE(why.failed);
        CHECK(daemon.stop(why, std::chrono::steady_clock::now() + service::kStopBudget) ==
              service::Outcome::kStopped);
    }
    // The store it was handed, each step in its order (detach again on destruction: idempotent).
    REQUIRE(calls.size() >= 5);
    CHECK(std::vector<std::string>(calls.begin(), calls.begin() + 5) ==
          std::vector<std::string>{"open", "attach", "start", "stop", "detach"});
    for (std::size_t i = 5; i < calls.size(); ++i) CHECK(calls[i] == "detach");
    storage::Reader r(dir.file("state/bot.db"));
    CHECK(r.counts().signals > 0);
    CHECK(r.integrity_check() == "ok");
}

TEST_CASE("daemon: a second daemon on the same file is refused at open, naming the holder",
          "[daemon]") {
    BlockedSignals blocked;
    TempDir dir;
    const config::Config cfg = sim_config(dir);
    service::Daemon first(cfg, options_for(60));
    REQUIRE(first.open() == service::Outcome::kContinue);

    auto store = service::make_state_store(cfg.database);
    CHECK(store->where() == dir.file("state/bot.db"));
    try {
        (void)store->open(storage::Options{});
        FAIL("the second store opened the file");
    } catch (const service::StoreTaken& e) {
        const std::string what = e.what();
        CHECK(what.find("another tradebotd (pid " + std::to_string(::getpid()) + ")") !=
              std::string::npos);
        CHECK(what.find("give this one another database.path") != std::string::npos);
    }
    service::Daemon second(cfg, options_for(60));
    CHECK(second.open() == service::Outcome::kFailed);
}

TEST_CASE("daemon: a stop signal ends run() with its name, and the store follows the config",
          "[daemon]") {
    BlockedSignals blocked;
    TempDir dir;
    service::Daemon daemon(sim_config(dir), options_for(60));
    REQUIRE(daemon.open() == service::Outcome::kContinue);
    REQUIRE(daemon.start() == service::Outcome::kContinue);
    ::kill(::getpid(), SIGTERM);  // blocked: pending until run() takes it
    const service::StopRequest why = daemon.run();
    CHECK(why.reason == "SIGTERM");
    CHECK(daemon.stop(why, std::chrono::steady_clock::now() + service::kStopBudget) ==
          service::Outcome::kStopped);

    // database.url: the shared store, named by its URL, which starts with no symbol of its own.
    config::Config shared = sim_config(dir);
    shared.database.url = "postgresql://tradebot@127.0.0.1:1/tradebot";
    auto store = service::make_state_store(shared.database);
    CHECK(store->where() == *shared.database.url);
    CHECK(store->supervised(shared).symbols.empty());
    CHECK(service::make_state_store(sim_config(dir).database)->supervised(shared).symbols.size() ==
          2);
}
