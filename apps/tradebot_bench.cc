// tradebot-bench: throughput and latency figures, each a ratio against a baseline measured in
// the same run on the same machine (SPEC "tradebot-bench": one `name value unit` line a figure,
// then all of them as one JSON object on the last line).
//
//   tradebot-bench storage [--rows-per-thread N] [--bulk-rows N] [--dir DIR]
//
// storage figures:
//   bulk_limit_rows_per_s         one thread, every row in one transaction, prepared insert: the
//                                 ceiling for this schema on this disk
//   seed_design_signals_per_s_t8  the Python predecessor's design: one shared connection, a lock
//                                 around each insert + commit, 8 threads
//   signals_per_s_tN              N threads calling storage::Database::save_signal, each call
//                                 returning only once its own row is committed (group commit)
//   save_latency_p50_us_t8, _p99  per-call latency of save_signal with 8 threads
//   *_fsync                       the seed design and save_signal (8 threads) again with
//                                 synchronous=FULL, where every commit waits for an fsync: what
//                                 group commit buys when a commit is expensive (a tenth of the
//                                 rows, as each seed commit costs a disk flush)
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "backtest/bench.h"
#include "storage/database.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Figure {
    std::string name;
    double value;
    std::string unit;
};

storage::Signal make_signal(int thread, int i) {
    storage::Signal s;
    s.symbol = "SYM" + std::to_string(thread);
    s.side = i % 2 ? "SELL" : "BUY";
    s.price = "97123.45";
    s.strategy = "bench";
    s.reason = "ema9 crossed above ema21";
    s.event_time_ms = 1700000000000LL + i;
    return s;
}

class Bench {
public:
    Bench(fs::path dir, int rows_per_thread, int bulk_rows)
        : dir_(std::move(dir)), rows_per_thread_(rows_per_thread), bulk_rows_(bulk_rows) {}

    std::vector<Figure> run() {
        std::vector<Figure> out;
        double bulk = bulk_limit();
        out.push_back({"bulk_limit_rows_per_s", bulk, "rows/s"});
        double seed = seed_design(8);
        out.push_back({"seed_design_signals_per_s_t8", seed, "signals/s"});
        double t8 = 0;
        for (int threads : {1, 3, 8}) {
            std::vector<double> latencies_us;
            double rate = group_commit(threads, latencies_us);
            out.push_back({"signals_per_s_t" + std::to_string(threads), rate, "signals/s"});
            if (threads == 8) {
                t8 = rate;
                std::sort(latencies_us.begin(), latencies_us.end());
                auto pct = [&](double p) {
                    return latencies_us[static_cast<size_t>(p * (latencies_us.size() - 1))];
                };
                out.push_back({"save_latency_p50_us_t8", pct(0.50), "us"});
                out.push_back({"save_latency_p99_us_t8", pct(0.99), "us"});
            }
        }
        out.push_back({"t8_vs_seed_design", t8 / seed, "x"});
        out.push_back({"t8_vs_bulk_limit", t8 / bulk, "x"});

        const int normal_rows = rows_per_thread_;
        rows_per_thread_ = std::max(1, rows_per_thread_ / 10);
        double seed_fsync = seed_design(8, "FULL");
        std::vector<double> ignored;
        double t8_fsync = group_commit(8, ignored, "FULL");
        rows_per_thread_ = normal_rows;
        out.push_back({"seed_design_signals_per_s_t8_fsync", seed_fsync, "signals/s"});
        out.push_back({"signals_per_s_t8_fsync", t8_fsync, "signals/s"});
        out.push_back({"t8_vs_seed_design_fsync", t8_fsync / seed_fsync, "x"});
        return out;
    }

private:
    std::string fresh_db(const std::string& name) {
        fs::path p = dir_ / (name + ".db");
        for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
        // storage creates the schema; the baselines then use raw connections on the same file.
        storage::Database init(p.string());
        init.close();
        storage::Database::close_all_cached();
        return p.string();
    }

    static sqlite3* raw_open(const std::string& path, const std::string& synchronous) {
        sqlite3* db = nullptr;
        if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
            std::fprintf(stderr, "cannot open %s\n", path.c_str());
            std::exit(1);
        }
        // The same settings the storage module uses.
        std::string pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + synchronous +
                              "; PRAGMA foreign_keys=ON";
        sqlite3_exec(db, pragmas.c_str(), nullptr, nullptr, nullptr);
        sqlite3_busy_timeout(db, 5000);
        return db;
    }

    static sqlite3_stmt* prepare_insert(sqlite3* db) {
        sqlite3_stmt* st = nullptr;
        sqlite3_prepare_v2(db,
                           "INSERT INTO signals (symbol, side, price, strategy, reason, "
                           "event_time_ms, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &st, nullptr);
        return st;
    }

    static void insert(sqlite3_stmt* st, const storage::Signal& s) {
        sqlite3_bind_text(st, 1, s.symbol.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, s.side.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, s.price.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, s.strategy.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, s.reason.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 6, s.event_time_ms);
        sqlite3_bind_int64(st, 7, s.event_time_ms);
        if (sqlite3_step(st) != SQLITE_DONE) {
            std::fprintf(stderr, "insert failed: %s\n", sqlite3_errmsg(sqlite3_db_handle(st)));
            std::exit(1);
        }
        sqlite3_reset(st);
    }

    double bulk_limit() {
        std::string path = fresh_db("bulk");
        sqlite3* db = raw_open(path, "NORMAL");
        sqlite3_stmt* st = prepare_insert(db);
        std::vector<storage::Signal> rows;
        rows.reserve(static_cast<size_t>(bulk_rows_));
        for (int i = 0; i < bulk_rows_; ++i) rows.push_back(make_signal(i % 8, i));
        auto start = Clock::now();
        sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
        for (const auto& s : rows) insert(st, s);
        sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
        double secs = std::chrono::duration<double>(Clock::now() - start).count();
        sqlite3_finalize(st);
        sqlite3_close(db);
        return bulk_rows_ / secs;
    }

    // The reference's design: every thread shares one connection; a lock around each insert and
    // its commit, one transaction per row. Python's sqlite3 module (the reference) opens that
    // transaction with an implicit BEGIN before the INSERT and ends it with conn.commit(), so
    // the baseline runs the same three statements, prepared once.
    double seed_design(int threads, const std::string& synchronous = "NORMAL") {
        std::string path = fresh_db("seed_" + synchronous);
        sqlite3* db = raw_open(path, synchronous);
        sqlite3_stmt* st = prepare_insert(db);
        sqlite3_stmt* begin = nullptr;
        sqlite3_stmt* commit = nullptr;
        sqlite3_prepare_v2(db, "BEGIN", -1, &begin, nullptr);
        sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr);
        auto run = [db](sqlite3_stmt* stmt) {
            if (sqlite3_step(stmt) != SQLITE_DONE) {
                std::fprintf(stderr, "seed design: %s\n", sqlite3_errmsg(db));
                std::exit(1);
            }
            sqlite3_reset(stmt);
        };
        std::mutex mu;
        auto start = Clock::now();
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                for (int i = 0; i < rows_per_thread_; ++i) {
                    auto s = make_signal(t, i);
                    std::lock_guard<std::mutex> lock(mu);
                    run(begin);
                    insert(st, s);
                    run(commit);
                }
            });
        }
        for (auto& th : pool) th.join();
        double secs = std::chrono::duration<double>(Clock::now() - start).count();
        sqlite3_finalize(st);
        sqlite3_finalize(begin);
        sqlite3_finalize(commit);
        sqlite3_close(db);
        return threads * rows_per_thread_ / secs;
    }

    double group_commit(int threads, std::vector<double>& latencies_us,
                        const std::string& synchronous = "NORMAL") {
        std::string path = fresh_db("group_t" + std::to_string(threads) + "_" + synchronous);
        storage::Database db(path);
        // The module always opens with NORMAL (SPEC); per-connection, so set on the shared one.
        if (synchronous != "NORMAL") db.pragma("synchronous=" + synchronous);
        std::vector<std::vector<double>> per_thread(static_cast<size_t>(threads));
        auto start = Clock::now();
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                auto& lat = per_thread[static_cast<size_t>(t)];
                lat.reserve(static_cast<size_t>(rows_per_thread_));
                for (int i = 0; i < rows_per_thread_; ++i) {
                    auto s = make_signal(t, i);
                    auto t0 = Clock::now();
                    auto r = db.save_signal(s);
                    lat.push_back(
                        std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
                    if (!r.is_ok()) {
                        std::fprintf(stderr, "save_signal: %s\n", r.status().to_string().c_str());
                        std::exit(1);
                    }
                }
            });
        }
        for (auto& th : pool) th.join();
        double secs = std::chrono::duration<double>(Clock::now() - start).count();
        auto stats = db.writer_stats();
        std::fprintf(
            stderr,
            "  t%d (synchronous=%s): %llu signals in %llu transactions (largest group %llu)\n",
            threads, synchronous.c_str(), static_cast<unsigned long long>(stats.batches),
            static_cast<unsigned long long>(stats.transactions),
            static_cast<unsigned long long>(stats.max_group));
        db.close();
        storage::Database::close_all_cached();
        for (auto& v : per_thread) latencies_us.insert(latencies_us.end(), v.begin(), v.end());
        return threads * rows_per_thread_ / secs;
    }

    fs::path dir_;
    int rows_per_thread_;
    int bulk_rows_;
};

int usage(const char* argv0, int code) {
    std::fprintf(code == 0 ? stdout : stderr,
                 "usage: %s storage [--rows-per-thread N] [--bulk-rows N] [--dir DIR]\n"
                 "       %s backtest [--days N] [--dir DIR] [--backtest PATH]\n",
                 argv0, argv0);
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage(argv[0], 64);
    std::string what = argv[1];
    if (what == "--help" || what == "-h") return usage(argv[0], 0);
    if (what == "backtest") return backtest::run_backtest_bench(argc - 1, argv + 1);
    if (what != "storage") {
        std::fprintf(stderr, "unknown benchmark \"%s\"\n", what.c_str());
        return usage(argv[0], 64);
    }
    int rows_per_thread = 10000;
    int bulk_rows = 200000;
    std::string dir;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", a.c_str());
                std::exit(64);
            }
            return argv[++i];
        };
        auto positive = [&](const std::string& v) {
            char* end = nullptr;
            long n = std::strtol(v.c_str(), &end, 10);
            if (end == v.c_str() || *end != '\0' || n <= 0 || n > 100000000) {
                std::fprintf(stderr, "%s: expected a positive integer, got \"%s\"\n", a.c_str(),
                             v.c_str());
                std::exit(64);
            }
            return static_cast<int>(n);
        };
        if (a == "--rows-per-thread") {
            rows_per_thread = positive(value());
        } else if (a == "--bulk-rows") {
            bulk_rows = positive(value());
        } else if (a == "--dir") {
            dir = value();
        } else {
            std::fprintf(stderr, "unknown option \"%s\"\n", a.c_str());
            return usage(argv[0], 64);
        }
    }
    bool own_dir = dir.empty();
    if (own_dir) {
        char tmpl[] = "/tmp/tradebot-bench-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr) {
            std::perror("mkdtemp");
            return 1;
        }
        dir = tmpl;
    }
    std::fprintf(stderr,
                 "tradebot-bench storage: %d rows per thread, %d bulk rows, in %s, %u cores\n",
                 rows_per_thread, bulk_rows, dir.c_str(), std::thread::hardware_concurrency());
    auto figures = Bench(dir, rows_per_thread, bulk_rows).run();
    nlohmann::json j = nlohmann::json::object();
    for (const auto& f : figures) {
        std::printf("%s %.2f %s\n", f.name.c_str(), f.value, f.unit.c_str());
        j[f.name] = std::round(f.value * 100) / 100;
    }
    std::printf("%s\n", j.dump().c_str());
    if (own_dir) fs::remove_all(dir);
    return 0;
}
