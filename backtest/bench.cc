#include "backtest/bench.h"

#include <fcntl.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "backtest/archive/candle_source.h"
#include "backtest/archive/name.h"
#include "backtest/archive/scan.h"
#include "backtest/replay/replay.h"
#include "backtest/replay/result_writer.h"
#include "bot/runtime/row_sink.h"
#include "config/calendar.h"
#include "config/loader.h"
#include "exchange/sim/price_model.h"
#include "exchange/sim/rules.h"
#include "storage/database.h"
#include "storage/reader.h"

extern char** environ;

namespace backtest {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Figure {
    std::string name;
    double value;
    std::string unit;
};

struct BenchSymbol {
    const char* symbol;
    double start_price;
    int price_decimals;  // the tick's
};

constexpr BenchSymbol kSymbols[] = {
    {"BTCUSDT", 60000, 2},
    {"ETHUSDT", 3000, 2},
    {"XRPUSDT", 0.5, 4},
};

// "60000.01000000": the archive writes 8 decimals whatever the tick.
void append_price(std::string& out, double price, int decimals) {
    long long scale = 1;
    for (int i = 0; i < decimals; ++i) scale *= 10;
    const long long units = std::llround(price * static_cast<double>(scale));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%lld.%0*lld%0*d", units / scale, decimals, units % scale,
                  8 - decimals, 0);
    out += buf;
}

// Monthly CSV files of 1m candles from 2024-01-01 for `days` days, in the archive's layout.
std::uint64_t generate(const fs::path& root, int days) {
    const std::int64_t start = config::utc_ms(2024, 1, 1);
    const std::int64_t end = start + static_cast<std::int64_t>(days) * config::kMsPerDay;
    std::uint64_t candles = 0;
    for (const auto& s : kSymbols) {
        exchange::sim::PriceModel model(exchange::sim::forward_seed(7, s.symbol), s.start_price,
                                        0.8);
        const fs::path dir = root / "spot" / "monthly" / "klines" / s.symbol / "1m";
        fs::create_directories(dir);
        std::string text;
        std::int64_t month_start = start;
        double close = s.start_price;
        while (month_start < end) {
            const std::int64_t month_end = std::min(config::add_months(month_start, 1), end);
            const config::CivilTime t = config::civil_from_ms(month_start);
            text.clear();
            for (std::int64_t open = month_start; open < month_end; open += 60000) {
                const double o = close;
                double hi = o, lo = o;
                for (int k = 0; k < 4; ++k) {
                    close = model.advance(15);
                    hi = std::max(hi, close);
                    lo = std::min(lo, close);
                }
                const double volume = 1 + 50 * model.rng().uniform();
                text += std::to_string(open);
                for (double p : {o, hi, lo, close}) {
                    text += ',';
                    append_price(text, p, s.price_decimals);
                }
                text += ',';
                append_price(text, volume, 5);
                text += ',' + std::to_string(open + 59999) + ',';
                append_price(text, volume * close, 4);
                text +=
                    ',' + std::to_string(100 + static_cast<int>(900 * model.rng().uniform())) + ',';
                append_price(text, volume / 2, 5);
                text += ',';
                append_price(text, volume * close / 2, 4);
                text += ",0\n";
                ++candles;
            }
            std::ofstream(dir / monthly_csv_name(s.symbol, "1m", t.year, t.month), std::ios::binary)
                << text;
            month_start = month_end;
        }
    }
    return candles;
}

// The parse-only loop: every symbol's CandleSource in parallel, as a backtest runs them.
double parse_only(const fs::path& data, std::uint64_t expected) {
    const std::vector<ArchiveFile> all = scan_archive(data);
    std::atomic<std::uint64_t> candles{0};
    std::atomic<std::int64_t> checksum{0};
    const auto started = Clock::now();
    std::vector<std::thread> pool;
    for (const auto& s : kSymbols) {
        pool.emplace_back([&, symbol = std::string(s.symbol)] {
            CandleSource source(symbol, "1m", files_for(all, symbol, "1m", INT64_MIN, INT64_MAX),
                                INT64_MIN, INT64_MAX);
            std::int64_t sum = 0;
            source.run([&](std::span<const Candle> run) {
                for (const Candle& c : run) sum += static_cast<std::int64_t>(c.close.raw());
                candles.fetch_add(run.size());
                return true;
            });
            checksum.fetch_add(sum);
        });
    }
    for (auto& t : pool) t.join();
    const double secs = std::chrono::duration<double>(Clock::now() - started).count();
    if (candles.load() != expected) {
        std::fprintf(stderr, "parse-only loop read %llu candles, expected %llu\n",
                     static_cast<unsigned long long>(candles.load()),
                     static_cast<unsigned long long>(expected));
        std::exit(1);
    }
    return static_cast<double>(candles.load()) / secs;
}

// A RowSink that keeps nothing: the replay alone, without storage.
class NullSink final : public bot::RowSink {
public:
    std::int64_t add_signal(storage::Signal) override { return next_.fetch_add(1) + 1; }
    void add(storage::WriteBatch) override {}

private:
    std::atomic<std::int64_t> next_{0};
};

// The replay (files, bots, figures) without storage, symbols in parallel as a backtest runs them.
double replay_only(const fs::path& data, const fs::path& scratch, const std::string& config_text,
                   const bot::StrategyCatalog& strategies, std::uint64_t expected) {
    const config::Config cfg = config::parse_config(config_text, strategies.specs());
    const std::vector<ArchiveFile> all = scan_archive(data);
    storage::Database db((scratch / "replay-only.db").string());  // empty: nothing to resume
    NullSink sink;
    Progress progress;
    const std::function<bool()> never = [] { return false; };
    auto log = std::make_shared<spdlog::logger>("bench");
    log->set_level(spdlog::level::warn);
    std::atomic<std::uint64_t> candles{0};
    const auto started = Clock::now();
    std::vector<std::thread> pool;
    for (const auto& sc : cfg.symbols) {
        pool.emplace_back([&, sc] {
            SymbolJob job;
            job.strategies = &strategies;
            job.symbol = sc;
            job.trading = cfg.trading;
            job.from_ms = INT64_MIN;
            job.to_ms = INT64_MAX;
            job.files = files_for(all, sc.symbol, sc.strategy.interval, INT64_MIN, INT64_MAX);
            candles.fetch_add(
                replay_symbol(job, db, sink, progress, never, log).performance.candles);
        });
    }
    for (auto& t : pool) t.join();
    const double secs = std::chrono::duration<double>(Clock::now() - started).count();
    db.close();
    storage::Database::close_all_cached();
    if (candles.load() != expected) {
        std::fprintf(stderr, "replay-only loop replayed %llu candles, expected %llu\n",
                     static_cast<unsigned long long>(candles.load()),
                     static_cast<unsigned long long>(expected));
        std::exit(1);
    }
    return static_cast<double>(expected) / secs;
}

// The backtest's own rows (signals, orders, fills, positions) written again into a fresh
// database the way the backtest writes them (large batches through submit()): what storage alone
// costs. Returns {rows, seconds}.
std::pair<std::uint64_t, double> storage_only(const fs::path& backtest_db,
                                              const fs::path& scratch) {
    std::vector<storage::Signal> signals;
    std::vector<storage::Order> orders;
    std::vector<storage::Fill> fills;
    std::vector<storage::Position> positions;
    {
        storage::Reader r(backtest_db.string());
        signals = r.signals("", 100000000);
        orders = r.orders("", 100000000);
        fills = r.fills("", 100000000);
        positions = r.positions();
    }
    const std::uint64_t n = signals.size() + orders.size() + fills.size() + positions.size();
    // Oldest first, as they were written.
    std::reverse(signals.begin(), signals.end());
    std::reverse(orders.begin(), orders.end());
    std::reverse(fills.begin(), fills.end());
    const fs::path path = scratch / "storage-only.db";
    const auto started = Clock::now();
    {
        storage::Database db(path.string());
        ResultWriter writer(db);  // the backtest's own write path
        // In id order into an empty table, every signal gets its old id back (the writer checks).
        for (auto& s : signals) (void)writer.add_signal(std::move(s));
        for (auto& o : orders) {
            storage::WriteBatch b;
            b.upsert_order(std::move(o));
            writer.add(std::move(b));
        }
        for (auto& f : fills) {
            storage::WriteBatch b;
            b.insert_fill(std::move(f));
            writer.add(std::move(b));
        }
        storage::WriteBatch last;
        for (auto& p : positions) last.upsert_position(std::move(p));
        writer.add(std::move(last));
        writer.finish();
        db.close();
    }
    storage::Database::close_all_cached();
    const double secs = std::chrono::duration<double>(Clock::now() - started).count();
    return {n, secs};
}

// Runs the binary, returns {seconds from spawn to exit, its stdout}. Exits on failure.
std::pair<double, std::string> run_child(const std::vector<std::string>& argv) {
    int out[2];
    if (::pipe(out) != 0) {
        std::perror("pipe");
        std::exit(1);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addclose(&actions, out[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid;
    const auto started = Clock::now();
    if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) {
        std::fprintf(stderr, "cannot start %s\n", args[0]);
        std::exit(1);
    }
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    std::string text;
    char buf[65536];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) != 0;) {
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const double secs = std::chrono::duration<double>(Clock::now() - started).count();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "%s failed (status %d)\n", args[0], status);
        std::exit(1);
    }
    return {secs, text};
}

}  // namespace

int run_backtest_bench(const BacktestBenchOptions& options) {
    const int days = options.days;
    if (days < 1 || days > 3650) {
        throw std::invalid_argument("backtest bench: days must be 1..3650");
    }
    std::string dir = options.dir.string();
    std::string binary = options.backtest_binary.string();
    if (binary.empty()) {
        std::error_code ec;
        const fs::path self = fs::read_symlink("/proc/self/exe", ec);
        binary = (self.parent_path() / "tradebot-backtest").string();
    }
    const bool own_dir = dir.empty();
    if (own_dir) {
        char tmpl[] = "/tmp/tradebot-bench-backtest-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr) {
            std::perror("mkdtemp");
            return 1;
        }
        dir = tmpl;
    }
    const fs::path root(dir);
    const fs::path data = root / "data";
    std::fprintf(stderr,
                 "tradebot-bench backtest: %d days x %zu symbols of 1m candles in %s, %u cores\n",
                 days, std::size(kSymbols), data.c_str(), std::thread::hardware_concurrency());
    const std::uint64_t candles = generate(data, days);

    const fs::path config = root / "bench.json";
    const std::string config_text = R"({
  "trading": { "mode": "paper", "quote_per_trade": "100", "max_position_quote": "1000", "fee_rate": "0.001" },
  "strategy": { "name": "ema_cross", "interval": "1m", "fast": 9, "slow": 21 },
  "symbols": ["BTCUSDT", "ETHUSDT", "XRPUSDT"]
})";
    std::ofstream(config) << config_text;

    std::vector<Figure> figures;
    (void)parse_only(data, candles);  // warms the page cache and the allocator
    const double parse_rate = parse_only(data, candles);

    const fs::path db = root / "bench.db";
    const fs::path report = root / "bench.html";
    std::error_code ec;
    fs::remove(db, ec);
    auto [secs, out] = run_child({binary, "--config", config.string(), "--data", data.string(),
                                  "--db", db.string(), "--report", report.string(), "--json"});
    const nlohmann::json summary = nlohmann::json::parse(out, nullptr, false);
    if (summary.is_discarded() || summary["total"]["candles"] != candles) {
        std::fprintf(stderr, "the backtest did not replay the %llu candles:\n%s\n",
                     static_cast<unsigned long long>(candles), out.c_str());
        return 1;
    }
    const double replay_rate = replay_only(data, root, config_text, options.strategies, candles);
    const auto [rows, storage_secs] = storage_only(db, root);

    const double backtest_rate = static_cast<double>(candles) / secs;
    figures.push_back({"backtest_candles_per_s", backtest_rate, "candles/s"});
    figures.push_back({"parse_only_candles_per_s", parse_rate, "candles/s"});
    figures.push_back({"backtest_vs_parse_only", backtest_rate / parse_rate, "x"});
    figures.push_back({"backtest_seconds", secs, "s"});
    figures.push_back({"replay_only_candles_per_s", replay_rate, "candles/s"});
    figures.push_back(
        {"storage_only_rows_per_s", static_cast<double>(rows) / storage_secs, "rows/s"});
    figures.push_back({"storage_only_seconds", storage_secs, "s"});
    figures.push_back({"storage_ceiling_candles_per_s", static_cast<double>(candles) / storage_secs,
                       "candles/s"});
    figures.push_back({"candles", static_cast<double>(candles), "candles"});
    figures.push_back({"signals", summary["total"]["signals"].get<double>(), "signals"});
    figures.push_back({"trades", summary["total"]["trades"].get<double>(), "trades"});
    figures.push_back({"rows_written", summary["rows"].get<double>(), "rows"});

    nlohmann::json j = nlohmann::json::object();
    for (const auto& f : figures) {
        std::printf("%s %.2f %s\n", f.name.c_str(), f.value, f.unit.c_str());
        j[f.name] = std::round(f.value * 100) / 100;
    }
    std::printf("%s\n", j.dump().c_str());
    if (own_dir) fs::remove_all(root, ec);
    return 0;
}

}  // namespace backtest
