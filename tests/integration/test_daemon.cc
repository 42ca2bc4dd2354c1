// test_tradebotd: tradebotd's daemon object (service/daemon.h) with what the integration tests
// inject handed to it as its own dependencies, never read from the environment:
//
//   - its strategy catalog holds, besides the built-in strategies, `hang`: a strategy that decides
//     nothing and, on the first closed candle it is given once the file named by --hang-when
//     exists, stops returning, as a strategy stuck in a loop would. Its bot's loop stops turning,
//     so the systemd watchdog must withhold WATCHDOG=1 and /healthz must fail. It lets go when the
//     stop begins (a truly endless loop would hold the process for good), so the stop still runs
//     its course.
//   - --max-new-pages N: its state store is the file store with the database capped at its size
//     when opened plus N pages (PRAGMA max_page_count, which only the daemon's own connection can
//     set), so that writes soon fail with SQLITE_FULL exactly as on a full disk.
//
// Otherwise it is tradebotd: `test_tradebotd --config FILE [--hang-when FILE] [--max-new-pages N]`,
// the same signals, log lines and exit statuses (0 clean stop, 1 failure, 64 bad command line, 78
// invalid config).
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "apps/cli/command_line.h"
#include "bot/core/strategy.h"
#include "bot/strategies/builtin.h"
#include "config/loader.h"
#include "exchange/factory.h"
#include "service/daemon.h"
#include "service/log_setup.h"
#include "service/state_store.h"

namespace {

// Holds the hanging strategy until the stop begins.
class Gate {
public:
    void wait() {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [this] { return open_; });
    }
    void open() {
        {
            std::lock_guard<std::mutex> lk(mu_);
            open_ = true;
        }
        cv_.notify_all();
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool open_ = false;  // Guarded by mu_
};

class HangStrategy final : public bot::Strategy {
public:
    static config::StrategySpec spec() { return {"hang", {}, {}}; }

    HangStrategy(std::filesystem::path trigger, std::shared_ptr<Gate> gate)
        : trigger_(std::move(trigger)), gate_(std::move(gate)) {}

    std::string name() const override { return "hang"; }
    std::optional<bot::Decision> on_kline(const exchange::Kline& k) override {
        std::error_code ec;
        if (k.closed && !trigger_.empty() && std::filesystem::exists(trigger_, ec)) {
            service::get_logger("test")->warn("hang strategy: hanging this bot's thread");
            gate_->wait();
        }
        return std::nullopt;
    }
    bool ready() const override { return true; }
    std::string save_state() const override { return "{}"; }
    bool restore(const std::string&) override { return false; }

private:
    const std::filesystem::path trigger_;
    const std::shared_ptr<Gate> gate_;
};

// The file store, with the database capped at its size when opened plus `extra_pages`.
class CappedStore final : public service::StateStore {
public:
    CappedStore(std::unique_ptr<service::StateStore> inner, int extra_pages)
        : inner_(std::move(inner)), extra_pages_(extra_pages) {}

    std::string where() const override { return inner_->where(); }
    storage::Database& open(const storage::Options& options) override {
        storage::Database& db = inner_->open(options);
        const long pages = std::stol(db.pragma("page_count")) + extra_pages_;
        db.pragma("max_page_count=" + std::to_string(pages));
        service::get_logger("test")->warn("the database may grow to {} pages", pages);
        return db;
    }
    config::Config supervised(const config::Config& cfg) const override {
        return inner_->supervised(cfg);
    }
    void attach(bot::Supervisor& s, const config::Config& cfg) override { inner_->attach(s, cfg); }
    void start(const config::Config& cfg) override { inner_->start(cfg); }
    void reload(bot::Supervisor& s, const config::Config& next) override {
        inner_->reload(s, next);
    }
    void add_metrics(service::MetricsSnapshot& m) const override { inner_->add_metrics(m); }
    void stop(Clock::time_point deadline) override { inner_->stop(deadline); }
    void detach() override { inner_->detach(); }

private:
    const std::unique_ptr<service::StateStore> inner_;
    const int extra_pages_;
};

struct Args {
    std::string config;
    std::string hang_when;
    std::optional<int> max_new_pages;
};

Args parse_args(int argc, char** argv) {
    namespace po = cli::po;
    auto o = cli::options("Options");
    o.add_options()                                          //
        ("config", po::value<std::string>(), "JSON config")  //
        ("hang-when", po::value<std::string>(),
         "the `hang` strategy hangs once this file exists")  //
        ("max-new-pages", po::value<std::string>(), "cap the database file's growth (pages)");
    const po::variables_map vm = cli::parse(argc, argv, o);
    Args a;
    if (!vm.count("config")) throw cli::UsageError("--config FILE is required");
    a.config = cli::nonempty(vm, "config");
    if (vm.count("hang-when")) a.hang_when = cli::nonempty(vm, "hang-when");
    if (vm.count("max-new-pages")) {
        a.max_new_pages = cli::whole_number(vm, "max-new-pages", 0, 1000000);
    }
    return a;
}

}  // namespace

int main(int argc, char** argv) {
    service::block_daemon_signals();  // as tradebotd: before any thread exists

    Args args;
    try {
        args = parse_args(argc, argv);
    } catch (const cli::UsageError& e) {
        std::fprintf(stderr, "test_tradebotd: %s\n", e.what());
        return cli::kExitUsage;
    }

    auto gate = std::make_shared<Gate>();
    bot::StrategyCatalog strategies = bot::builtin_strategies();
    strategies.add(HangStrategy::spec(),
                   [trigger = args.hang_when, gate](const config::StrategyConfig&) {
                       return std::make_unique<HangStrategy>(trigger, gate);
                   });

    config::Config cfg;
    try {
        cfg = config::load_config_file(args.config, strategies.specs());
        exchange::check_exchange_config(cfg);
    } catch (const config::ConfigError& e) {
        std::fprintf(stderr, "test_tradebotd: invalid config: %s\n", e.what());
        return cli::kExitConfig;
    }
    service::init_logging(service::log_options_for(cfg.log));

    service::DaemonOptions options;
    options.strategies = std::move(strategies);
    options.config_path = args.config;
    if (args.max_new_pages) {
        options.state_store = [pages = *args.max_new_pages](const config::DatabaseConfig& d) {
            return std::make_unique<CappedStore>(service::make_file_store(d), pages);
        };
    }
    try {
        service::Daemon daemon(std::move(cfg), std::move(options));
        // Whatever ends this block, the stuck strategy lets go before the daemon joins its bot.
        struct OpenAtExit {
            Gate& gate;
            ~OpenAtExit() { gate.open(); }
        } release{*gate};
        if (auto o = daemon.open(); o != service::Outcome::kContinue) {
            return o == service::Outcome::kStopped ? cli::kExitOk : cli::kExitFailure;
        }
        if (auto o = daemon.start(); o != service::Outcome::kContinue) {
            return o == service::Outcome::kStopped ? cli::kExitOk : cli::kExitFailure;
        }
        const service::StopRequest why = daemon.run();
        gate->open();  // the stuck strategy lets go: the stop drains its bot like the others
        const service::Outcome o =
            daemon.stop(why, std::chrono::steady_clock::now() + service::kStopBudget);
        return o == service::Outcome::kStopped ? cli::kExitOk : cli::kExitFailure;
    } catch (const std::exception& e) {
        service::get_logger("main")->critical("fatal: {}", e.what());
        return cli::kExitFailure;
    }
}
