#include "backtest/runner.h"

#include <fcntl.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <thread>

#include "backtest/archive/data_error.h"
#include "backtest/archive/scan.h"
#include "backtest/partial_files.h"
#include "backtest/replay/result_writer.h"
#include "config/calendar.h"
#include "config/loader.h"
#include "exchange/sim/rules.h"
#include "storage/database.h"

namespace backtest {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

std::shared_ptr<spdlog::logger> stderr_logger() {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto log = std::make_shared<spdlog::logger>("backtest", sink);
    log->set_pattern("%l [%n] %v");
    log->set_level(spdlog::level::warn);
    return log;
}

// Removes the temporary database (and SQLite's side files) unless the run got to the rename.
// Holds its lock meanwhile, and first removes what killed runs left (backtest/partial_files.h).
class TempDatabase {
public:
    TempDatabase(const fs::path& target, spdlog::logger& log) : path_(partial_path(target)) {
        for (const std::string& name : remove_stale_partials(target)) {
            log.warn("removed {}, left by a run that no longer runs", name);
        }
        remove_all();
        lock_.emplace(path_);
    }
    ~TempDatabase() {
        if (!kept_) remove_all();
    }
    const fs::path& path() const { return path_; }
    // Renames the closed file to `target`, refusing to replace an existing one.
    void commit_to(const fs::path& target) {
        int rc = ::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE);
        if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
            // A file system without RENAME_NOREPLACE: link() refuses an existing target too.
            rc = ::link(path_.c_str(), target.c_str());
            if (rc == 0) ::unlink(path_.c_str());
        }
        if (rc != 0) {
            const int err = errno;
            throw std::runtime_error("cannot move the results to " + target.string() + ": " +
                                     std::strerror(err) +
                                     (err == EEXIST ? " (refusing to overwrite it)" : ""));
        }
        kept_ = true;
        for (const char* side : {"-wal", "-shm"}) {
            std::error_code ec;
            fs::remove(fs::path(path_.string() + side), ec);
        }
    }

private:
    void remove_all() {
        for (const char* side : {"", "-wal", "-shm", "-journal"}) {
            std::error_code ec;
            fs::remove(fs::path(path_.string() + side), ec);
        }
    }
    fs::path path_;
    std::optional<PartialFileLock> lock_;  // after path_: released once the file is gone
    bool kept_ = false;
};

std::string describe_range(std::int64_t from, std::int64_t to) {
    if (from == kMin && to == kMax) return "";
    std::string out = " between ";
    out += from == kMin ? "the start" : config::format_date(from);
    out += " and ";
    out += to == kMax ? "the end" : config::format_date(to - 1);
    return out;
}

// A progress line on stderr while the replay runs (a terminal only; the caller decides).
class ProgressLine {
public:
    ProgressLine(const Progress& p, std::uint64_t files, std::uint64_t bytes)
        : progress_(p), files_(files), bytes_(bytes), started_(Clock::now()) {
        thread_ = std::thread([this] { loop(); });
    }
    ~ProgressLine() {
        {
            std::lock_guard<std::mutex> lock(mu_);
            done_ = true;
        }
        cv_.notify_all();
        thread_.join();
        std::fputs("\r\033[K", stderr);
        std::fflush(stderr);
    }

private:
    void loop() {
        std::unique_lock<std::mutex> lock(mu_);
        do {
            const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
            const std::uint64_t bytes = progress_.bytes.load();
            char eta[32] = "?";
            if (bytes > 0 && bytes_ > 0) {
                const double left = elapsed * (static_cast<double>(bytes_) / bytes - 1.0);
                std::snprintf(eta, sizeof eta, "%.0f s", std::max(0.0, left));
            }
            std::fprintf(stderr, "\r\033[Kreplaying: files %llu/%llu, %llu candles, ETA %s",
                         static_cast<unsigned long long>(progress_.files.load()),
                         static_cast<unsigned long long>(files_),
                         static_cast<unsigned long long>(progress_.candles.load()), eta);
            std::fflush(stderr);
        } while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return done_; }));
    }

    const Progress& progress_;
    const std::uint64_t files_;
    const std::uint64_t bytes_;
    const Clock::time_point started_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool done_ = false;  // Guarded by mu_
    std::thread thread_;
};

Performance sum(const std::vector<SymbolResult>& symbols) {
    Performance t;
    Decimal weighted_buy_hold;
    Decimal weights;
    for (const auto& s : symbols) {
        const Performance& p = s.performance;
        t.capital += p.capital;
        t.candles += p.candles;
        t.signals += p.signals;
        t.trades += p.trades;
        t.buys += p.buys;
        t.sells += p.sells;
        t.wins += p.wins;
        t.rejected += p.rejected;
        t.realized_pnl += p.realized_pnl;
        t.fees += p.fees;
        t.unrealized_pnl += p.unrealized_pnl;
        if (p.buy_hold_pct) {
            weighted_buy_hold += *p.buy_hold_pct * p.capital;
            weights += p.capital;
        }
    }
    if (weights.is_positive()) t.buy_hold_pct = weighted_buy_hold / weights;
    return t;
}

}  // namespace

BacktestResult run_backtest(const BacktestOptions& options) {
    const auto log = options.log ? options.log : stderr_logger();
    const config::Config& cfg = options.config;
    const std::int64_t from = options.from_ms.value_or(kMin);
    const std::int64_t to = options.to_ms.value_or(kMax);

    // Everything that can be refused without reading a candle is refused first.
    const std::vector<ArchiveFile> all = scan_archive(options.data_dir);
    std::vector<SymbolJob> jobs;
    std::uint64_t total_bytes = 0;
    std::uint64_t total_files = 0;
    for (std::size_t i = 0; i < cfg.symbols.size(); ++i) {
        const config::SymbolConfig& sc = cfg.symbols[i];
        if (!exchange::sim_rules(sc.symbol)) {
            throw config::ConfigError("symbols[" + std::to_string(i) + "]",
                                      "no trading rules for " + sc.symbol +
                                          ": its quote asset is not one tradebot knows");
        }
        SymbolJob job;
        job.strategies = &options.strategies;
        job.symbol = sc;
        job.trading = cfg.trading;
        job.from_ms = from;
        job.to_ms = to;
        job.files = files_for(all, sc.symbol, sc.strategy.interval, from, to);
        if (job.files.empty()) {
            throw NoDataError("no data for " + sc.symbol + ": no file named " +
                              archive_pattern(sc.symbol, sc.strategy.interval) + " under " +
                              options.data_dir.string() + describe_range(from, to));
        }
        for (const auto& f : job.files) {
            total_bytes += f.size;
            ++total_files;
        }
        jobs.push_back(std::move(job));
    }

    std::error_code ec;
    if (fs::exists(options.db_path, ec) || fs::is_symlink(options.db_path, ec)) {
        throw std::runtime_error(options.db_path.string() +
                                 " already exists; refusing to overwrite it");
    }
    TempDatabase temp(options.db_path, *log);
    // Whatever fails below, storage's cached connection to the temporary file goes before the
    // file does.
    struct CloseStorage {
        ~CloseStorage() { storage::Database::close_all_cached(); }
    } close_storage;

    BacktestResult result;
    result.db_path = options.db_path;
    result.symbols.resize(jobs.size());
    {
        storage::Options so;
        so.logger = log;
        storage::Database db(temp.path().string(), so);
        ResultWriter writer(db);

        // Biggest first, so the last symbol to finish is a short one.
        std::vector<std::size_t> order(jobs.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            std::uint64_t sa = 0, sb = 0;
            for (const auto& f : jobs[a].files) sa += f.size;
            for (const auto& f : jobs[b].files) sb += f.size;
            return sa > sb;
        });
        unsigned threads = options.threads;
        if (threads == 0) {
            // A thread per symbol up to twice the cores: fewer leave a core idle while the last
            // symbols finish; many more only switch.
            const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
            threads = static_cast<unsigned>(std::min<std::size_t>(jobs.size(), 2 * cores));
        }
        threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(jobs.size())));

        Progress progress;
        std::atomic<std::size_t> next{0};
        std::atomic<bool> failed{false};
        // A stop from outside and a failure inside both end every replay at its next file.
        const std::function<bool()> should_stop = [&] {
            return failed.load() || (options.stop_requested && options.stop_requested());
        };
        std::mutex error_mu;
        std::exception_ptr error;  // Guarded by error_mu: the first failure
        auto worker = [&] {
            for (;;) {
                const std::size_t n = next.fetch_add(1);
                if (n >= order.size() || should_stop()) return;
                const std::size_t i = order[n];
                try {
                    result.symbols[i] =
                        replay_symbol(jobs[i], db, writer, progress, should_stop, log);
                } catch (...) {
                    std::lock_guard<std::mutex> lock(error_mu);
                    if (!error) error = std::current_exception();
                    failed.store(true);
                    return;
                }
            }
        };
        {
            std::optional<ProgressLine> line;
            if (options.progress) line.emplace(progress, total_files, total_bytes);
            std::vector<std::thread> pool;
            for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
            for (auto& t : pool) t.join();
        }
        if (error) std::rethrow_exception(error);
        if (should_stop()) throw Interrupted("interrupted");
        writer.finish();
        result.rows = writer.rows();
        db.close();
    }
    storage::Database::close_all_cached();  // commits, checkpoints and closes the file
    temp.commit_to(options.db_path);

    result.from_ms = kMax;
    result.to_ms = kMin;
    for (const auto& s : result.symbols) {
        result.from_ms = std::min(result.from_ms, s.source.first_open_ms);
        result.to_ms = std::max(result.to_ms, s.source.last_close_ms + 1);
    }
    result.total = sum(result.symbols);
    std::vector<const std::vector<EquityPoint>*> curves;
    for (const auto& s : result.symbols) curves.push_back(&s.equity);
    PlotSeries total_pnl;
    total_drawdown(curves, result.total.capital, result.total,
                   [&](std::int64_t t, const Decimal& pnl) { total_pnl.add(t, pnl.to_double()); });
    result.total_pnl = total_pnl.points();
    for (auto& s : result.symbols) std::vector<EquityPoint>().swap(s.equity);
    return result;
}

}  // namespace backtest
