// tradebot-bench: throughput and latency figures, each a ratio against a baseline measured in
// the same run on the same machine (docs/reference.md: one `name value unit` line a figure,
// then all of them as one JSON object on the last line).
//
//   tradebot-bench storage [--rows-per-thread N] [--bulk-rows N] [--dir DIR | --db PATH|URL]
//
// --db postgresql://... runs the same figures against a PostgreSQL server: every design in a
// schema of its own (dropped at the end), the baselines over libpq. There a commit always waits
// for the server's WAL flush (synchronous_commit=on), so the *_fsync figures are not repeated.
// --db PATH is a folder for the SQLite files, like --dir.
//
// storage figures (every design and its baseline run in alternating rounds, each on a file of
// its own, so a change in the machine's load during the run touches both alike):
//   bulk_limit_rows_per_s         one thread, every row of a round in one transaction, prepared
//                                 insert: the ceiling for this schema on this disk
//   seed_design_signals_per_s_tN  the Python predecessor's design: one shared connection, a lock
//                                 around each BEGIN + insert + COMMIT, N threads (1, 3, 8)
//   signals_per_s_tN              N threads calling storage::Database::save_signal, each call
//                                 returning only once its own row is committed (group commit)
//   tN_vs_seed_design             the two above, as a ratio
//   save_latency_p50_us_t8, _p99  per-call latency of save_signal with 8 threads
//   async_signals_per_s_t8        8 threads submit() their rows, then wait for every handle;
//                                 async_t8_vs_bulk_limit compares it with the ceiling
//   *_fsync                       the seed design and save_signal (8 threads) again with
//                                 synchronous=FULL, where every commit waits for an fsync: what
//                                 group commit buys when a commit is expensive (a tenth of the
//                                 rows, as each seed commit costs a disk flush)
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "apps/cli/command_line.h"
#include "backtest/bench.h"
#include "bot/strategies/builtin.h"
#include "storage/database.h"
#include "storage/pg_reader.h"

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

// One design under test on a file of its own: run() writes `rows` signals per thread from
// `threads` threads and returns the seconds it took. Kept open between rounds.
class Design {
public:
    virtual ~Design() = default;
    virtual double run(int threads, int rows, std::vector<double>* latencies_us) = 0;
};

std::string fresh_db(const fs::path& dir, const std::string& name) {
    fs::path p = dir / (name + ".db");
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
    // storage creates the schema; the baselines then use raw connections on the same file.
    storage::Database init(p.string());
    init.close();
    storage::Database::close_all_cached();
    return p.string();
}

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "tradebot-bench: %s\n", what.c_str());
    std::exit(1);
}

// A raw connection with the settings the storage module uses, and the seed's prepared insert.
class RawConnection {
public:
    RawConnection(const std::string& path, const std::string& synchronous) {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) die("cannot open " + path);
        const std::string pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + synchronous +
                                    "; PRAGMA foreign_keys=ON";
        sqlite3_exec(db_, pragmas.c_str(), nullptr, nullptr, nullptr);
        sqlite3_busy_timeout(db_, storage::kDefaultBusyTimeoutMs);
        insert_ = prepare(
            "INSERT INTO signals (symbol, side, price, strategy, reason, event_time_ms, "
            "created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    }
    ~RawConnection() {
        for (sqlite3_stmt* st : statements_) sqlite3_finalize(st);
        sqlite3_close(db_);
    }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    sqlite3_stmt* prepare(const char* sql) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) die(sqlite3_errmsg(db_));
        statements_.push_back(st);
        return st;
    }
    void run(sqlite3_stmt* st) {
        if (sqlite3_step(st) != SQLITE_DONE) die(sqlite3_errmsg(db_));
        sqlite3_reset(st);
    }
    void insert(const storage::Signal& s) {
        sqlite3_bind_text(insert_, 1, s.symbol.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert_, 2, s.side.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert_, 3, s.price.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert_, 4, s.strategy.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert_, 5, s.reason.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(insert_, 6, s.event_time_ms);
        sqlite3_bind_int64(insert_, 7, s.event_time_ms);
        run(insert_);
    }

private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* insert_ = nullptr;
    std::vector<sqlite3_stmt*> statements_;
};

// Runs body(t) on `threads` threads and returns the wall time of the whole.
template <class Body>
double timed_threads(int threads, Body body) {
    const auto start = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { body(t); });
    for (auto& th : pool) th.join();
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// The ceiling: one thread, every row of a round in one transaction.
class BulkLimit final : public Design {
public:
    explicit BulkLimit(const std::string& path)
        : conn_(path, "NORMAL"),
          begin_(conn_.prepare("BEGIN IMMEDIATE")),
          commit_(conn_.prepare("COMMIT")) {}
    double run(int threads, int rows, std::vector<double>*) override {
        std::vector<storage::Signal> signals;
        signals.reserve(static_cast<size_t>(threads * rows));
        for (int i = 0; i < threads * rows; ++i) signals.push_back(make_signal(i % 8, i));
        const auto start = Clock::now();
        conn_.run(begin_);
        for (const auto& s : signals) conn_.insert(s);
        conn_.run(commit_);
        return std::chrono::duration<double>(Clock::now() - start).count();
    }

private:
    RawConnection conn_;
    sqlite3_stmt* begin_;
    sqlite3_stmt* commit_;
};

// The predecessor's design: every thread shares one connection; a lock around each insert and
// its commit, one transaction per row. Python's sqlite3 module (the predecessor's) opens that
// transaction with an implicit BEGIN before the INSERT and ends it with conn.commit(), so the
// baseline runs the same three statements, prepared once.
class SeedDesign final : public Design {
public:
    SeedDesign(const std::string& path, const std::string& synchronous)
        : conn_(path, synchronous),
          begin_(conn_.prepare("BEGIN")),
          commit_(conn_.prepare("COMMIT")) {}
    double run(int threads, int rows, std::vector<double>*) override {
        return timed_threads(threads, [&](int t) {
            for (int i = 0; i < rows; ++i) {
                const auto s = make_signal(t, i);
                std::lock_guard<std::mutex> lock(mu_);
                conn_.run(begin_);
                conn_.insert(s);
                conn_.run(commit_);
            }
        });
    }

private:
    RawConnection conn_;
    sqlite3_stmt* begin_;
    sqlite3_stmt* commit_;
    std::mutex mu_;
};

// storage::Database::save_signal: each call returns once its own row is committed.
class SyncPath final : public Design {
public:
    SyncPath(const std::string& path, const std::string& synchronous) : db_(path) {
        // The module always opens with NORMAL; per connection, so set on the shared one.
        if (synchronous != "NORMAL") db_.pragma("synchronous=" + synchronous);
    }
    double run(int threads, int rows, std::vector<double>* latencies_us) override {
        std::vector<std::vector<double>> per_thread(static_cast<size_t>(threads));
        const double secs = timed_threads(threads, [&](int t) {
            auto& lat = per_thread[static_cast<size_t>(t)];
            lat.reserve(static_cast<size_t>(rows));
            for (int i = 0; i < rows; ++i) {
                const auto s = make_signal(t, i);
                const auto t0 = Clock::now();
                auto r = db_.save_signal(s);
                lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
                if (!r.is_ok()) die("save_signal: " + r.status().to_string());
            }
        });
        if (latencies_us != nullptr) {
            for (auto& v : per_thread)
                latencies_us->insert(latencies_us->end(), v.begin(), v.end());
        }
        return secs;
    }
    const storage::Database& db() const { return db_; }

private:
    storage::Database db_;
};

// storage::Database::submit from every thread, then a wait for every handle.
class AsyncPath final : public Design {
public:
    explicit AsyncPath(const std::string& path) : db_(path) {}
    double run(int threads, int rows, std::vector<double>*) override {
        return timed_threads(threads, [&](int t) {
            std::vector<storage::WriteHandle> handles;
            handles.reserve(static_cast<size_t>(rows));
            for (int i = 0; i < rows; ++i) {
                storage::WriteBatch b;
                b.insert_signal(make_signal(t, i));
                handles.push_back(db_.submit(std::move(b)));
            }
            for (auto& h : handles) {
                auto r = h->wait();
                if (!r.is_ok()) die("submit: " + r.status().to_string());
            }
        });
    }
    const storage::Database& db() const { return db_; }

private:
    storage::Database db_;
};

// ---- PostgreSQL: the same designs, each in a schema of its own ----
// The baselines speak plain libpq, as the seed design would: nothing of storage's own client.

// A libpq connection with the seed's insert prepared.
class PgRawConnection {
public:
    explicit PgRawConnection(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
        if (PQstatus(conn_) != CONNECTION_OK) {
            die(std::string("cannot connect to the PostgreSQL server: ") + PQerrorMessage(conn_));
        }
    }
    ~PgRawConnection() { PQfinish(conn_); }
    PgRawConnection(const PgRawConnection&) = delete;
    PgRawConnection& operator=(const PgRawConnection&) = delete;

    void exec(const std::string& sql) { check(PQexec(conn_, sql.c_str()), sql); }
    void prepare_insert() {
        check(PQprepare(conn_, "insert",
                        "INSERT INTO signals (symbol, side, price, strategy, reason, "
                        "event_time_ms, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        7, nullptr),
              "prepare");
    }
    void insert(const storage::Signal& s) {
        Values v(s);
        check(PQexecPrepared(conn_, "insert", 7, v.pointers, nullptr, nullptr, 0), "insert");
    }
    // Every row in one round trip: libpq's pipeline mode, then one sync.
    void insert_pipelined(const std::vector<storage::Signal>& rows) {
        if (PQenterPipelineMode(conn_) != 1) die("pipeline mode refused");
        for (const auto& s : rows) {
            Values v(s);
            if (PQsendQueryPrepared(conn_, "insert", 7, v.pointers, nullptr, nullptr, 0) != 1) {
                die(std::string("bulk insert: ") + PQerrorMessage(conn_));
            }
        }
        if (PQpipelineSync(conn_) != 1) die(std::string("bulk sync: ") + PQerrorMessage(conn_));
        for (;;) {
            PGresult* r = PQgetResult(conn_);
            if (r == nullptr) {  // the end of one query's results
                if (PQstatus(conn_) != CONNECTION_OK) die("bulk insert: connection lost");
                continue;
            }
            const ExecStatusType st = PQresultStatus(r);
            if (st == PGRES_PIPELINE_SYNC) {
                PQclear(r);
                break;
            }
            if (st != PGRES_COMMAND_OK) {
                const std::string why = PQresultErrorMessage(r);
                PQclear(r);
                die("bulk insert: " + why);
            }
            PQclear(r);
        }
        if (PQexitPipelineMode(conn_) != 1) die("pipeline mode not left");
    }

private:
    // One row's parameters as text, kept alive while libpq reads them.
    struct Values {
        explicit Values(const storage::Signal& s)
            : text{s.symbol, s.side, s.price, s.strategy, s.reason,
                   std::to_string(s.event_time_ms), std::to_string(s.event_time_ms)} {
            for (int i = 0; i < 7; ++i) pointers[i] = text[i].c_str();
        }
        std::string text[7];
        const char* pointers[7];
    };
    void check(PGresult* r, const std::string& what) {
        const ExecStatusType st = PQresultStatus(r);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            const std::string why = PQresultErrorMessage(r);
            PQclear(r);
            die("postgresql: " + what + ": " + why);
        }
        PQclear(r);
    }

    PGconn* conn_;
};

// The ceiling: one connection, every row of a round in one transaction through the prepared
// insert, pipelined (no round trip per row).
class PgBulkLimit final : public Design {
public:
    explicit PgBulkLimit(const std::string& url) : conn_(url) { conn_.prepare_insert(); }
    double run(int threads, int rows, std::vector<double>*) override {
        std::vector<storage::Signal> all;
        all.reserve(static_cast<size_t>(threads * rows));
        for (int i = 0; i < threads * rows; ++i) all.push_back(make_signal(i % 8, i));
        const auto start = Clock::now();
        conn_.exec("BEGIN");
        conn_.insert_pipelined(all);
        conn_.exec("COMMIT");
        return std::chrono::duration<double>(Clock::now() - start).count();
    }

private:
    PgRawConnection conn_;
};

// The seed design over libpq: one shared connection, a lock around each insert, which commits
// by itself (autocommit): one transaction and one round trip per signal.
class PgSeedDesign final : public Design {
public:
    explicit PgSeedDesign(const std::string& url) : conn_(url) { conn_.prepare_insert(); }
    double run(int threads, int rows, std::vector<double>*) override {
        return timed_threads(threads, [&](int t) {
            for (int i = 0; i < rows; ++i) {
                const auto s = make_signal(t, i);
                std::lock_guard<std::mutex> lock(mu_);
                conn_.insert(s);
            }
        });
    }

private:
    PgRawConnection conn_;
    std::mutex mu_;
};

// Where the designs' databases are: files in a folder, or schemas on a server (each made
// empty, the tables created by storage itself; the schemas are dropped when this goes).
class Place {
public:
    explicit Place(fs::path dir) : dir_(std::move(dir)) {}
    explicit Place(std::string url)
        : url_(std::move(url)), admin_(std::make_unique<PgRawConnection>(url_)) {}
    ~Place() {
        for (const auto& schema : schemas_) {
            try {
                admin_->exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            } catch (...) {
                // die() exits; a schema left behind is dropped by the next run's name.
            }
        }
    }
    Place(const Place&) = delete;
    Place& operator=(const Place&) = delete;

    bool postgres() const { return admin_ != nullptr; }
    // A fresh, empty database for one design: a file path or a URL.
    std::string fresh(const std::string& name) {
        if (!postgres()) return fresh_db(dir_, name);
        const std::string schema =
            "tradebot_bench_" + std::to_string(static_cast<long>(::getpid())) + "_" + name;
        for (const std::string& sql :
             {"DROP SCHEMA IF EXISTS " + schema + " CASCADE", "CREATE SCHEMA " + schema}) {
            admin_->exec(sql);
        }
        schemas_.push_back(schema);
        const std::string url = url_ + (url_.find('?') == std::string::npos ? "?" : "&") +
                                "options=-csearch_path%3D" + schema;
        storage::Database init(url);  // the tables, in that schema
        init.close();
        storage::Database::close_all_cached();
        return url;
    }
    std::unique_ptr<Design> seed(const std::string& name) {
        if (postgres()) return std::make_unique<PgSeedDesign>(fresh(name));
        return std::make_unique<SeedDesign>(fresh(name), "NORMAL");
    }
    std::unique_ptr<Design> bulk(const std::string& name) {
        if (postgres()) return std::make_unique<PgBulkLimit>(fresh(name));
        return std::make_unique<BulkLimit>(fresh(name));
    }

private:
    fs::path dir_;
    std::string url_;
    std::unique_ptr<PgRawConnection> admin_;
    std::vector<std::string> schemas_;
};

void report_groups(const storage::Database& db, const std::string& what) {
    const auto stats = db.writer_stats();
    std::fprintf(stderr, "  %s: %llu signals in %llu transactions (largest group %llu)\n",
                 what.c_str(), static_cast<unsigned long long>(stats.batches),
                 static_cast<unsigned long long>(stats.transactions),
                 static_cast<unsigned long long>(stats.max_group));
}

class Bench {
public:
    Bench(Place& place, int rows_per_thread, int bulk_rows)
        : place_(place), rows_per_thread_(rows_per_thread), bulk_rows_(bulk_rows) {}

    std::vector<Figure> run() {
        std::vector<Figure> out;
        auto add = [&](std::string name, double value, std::string unit) {
            out.push_back({std::move(name), value, std::move(unit)});
        };
        std::map<int, double> seed, sync;
        std::vector<double> latencies_us;
        for (int threads : {1, 3, 8}) {
            const std::string t = std::to_string(threads);
            auto seed_design = place_.seed("seed_t" + t);
            SyncPath sync_path(place_.fresh("sync_t" + t), "NORMAL");
            auto rates = alternate(threads, rows_per_thread_, *seed_design, sync_path,
                                   threads == 8 ? &latencies_us : nullptr);
            seed[threads] = rates.first;
            sync[threads] = rates.second;
            report_groups(sync_path.db(), "t" + t + " (NORMAL)");
        }
        // The ceiling and the asynchronous path, alternating as well: 8 threads' worth of rows.
        double bulk = 0, async_t8 = 0;
        {
            auto bulk_limit = place_.bulk("bulk");
            AsyncPath async_path(place_.fresh("async_t8"));
            std::tie(bulk, async_t8) =
                alternate(8, std::max(1, bulk_rows_ / 8), *bulk_limit, async_path, nullptr);
            report_groups(async_path.db(), "t8 (NORMAL, async)");
        }
        add("bulk_limit_rows_per_s", bulk, "rows/s");
        for (int threads : {1, 3, 8}) {
            add("seed_design_signals_per_s_t" + std::to_string(threads), seed[threads],
                "signals/s");
        }
        for (int threads : {1, 3, 8}) {
            add("signals_per_s_t" + std::to_string(threads), sync[threads], "signals/s");
        }
        std::sort(latencies_us.begin(), latencies_us.end());
        auto pct = [&](double p) {
            return latencies_us[static_cast<size_t>(p * (latencies_us.size() - 1))];
        };
        add("save_latency_p50_us_t8", pct(0.50), "us");
        add("save_latency_p99_us_t8", pct(0.99), "us");
        for (int threads : {1, 3, 8}) {
            add("t" + std::to_string(threads) + "_vs_seed_design", sync[threads] / seed[threads],
                "x");
        }
        add("t8_vs_bulk_limit", sync[8] / bulk, "x");
        add("async_signals_per_s_t8", async_t8, "signals/s");
        add("async_t8_vs_bulk_limit", async_t8 / bulk, "x");

        // PostgreSQL's commits wait for its WAL flush already (synchronous_commit=on).
        if (place_.postgres()) return out;
        // A commit that waits for the disk: a tenth of the rows.
        SeedDesign seed_fsync(place_.fresh("seed_full"), "FULL");
        SyncPath sync_fsync(place_.fresh("sync_full"), "FULL");
        auto [seed_full, sync_full] =
            alternate(8, std::max(1, rows_per_thread_ / 10), seed_fsync, sync_fsync, nullptr);
        report_groups(sync_fsync.db(), "t8 (FULL)");
        add("seed_design_signals_per_s_t8_fsync", seed_full, "signals/s");
        add("signals_per_s_t8_fsync", sync_full, "signals/s");
        add("t8_vs_seed_design_fsync", sync_full / seed_full, "x");
        return out;
    }

private:
    // Even, so that each side runs first (and second) equally often: the second of a pair shares
    // the disk with the write-back of the first.
    static constexpr int kRounds = 6;

    // Runs `baseline` and `design` in alternating rounds (the baseline first in even rounds, the
    // design first in odd ones) and returns their rates in rows per second.
    static std::pair<double, double> alternate(int threads, int rows, Design& baseline,
                                               Design& design, std::vector<double>* latencies) {
        const int per_round = std::max(1, rows / kRounds);
        double baseline_secs = 0, design_secs = 0;
        for (int round = 0; round < kRounds; ++round) {
            if (round % 2 == 0) {
                baseline_secs += baseline.run(threads, per_round, nullptr);
                design_secs += design.run(threads, per_round, latencies);
            } else {
                design_secs += design.run(threads, per_round, latencies);
                baseline_secs += baseline.run(threads, per_round, nullptr);
            }
        }
        const double total = static_cast<double>(threads) * per_round * kRounds;
        return {total / baseline_secs, total / design_secs};
    }

    Place& place_;
    int rows_per_thread_;
    int bulk_rows_;
};

constexpr const char* kUsage =
    "usage: tradebot-bench storage [--rows-per-thread N] [--bulk-rows N] [--dir DIR | --db "
    "PATH|URL]\n"
    "       tradebot-bench backtest [--days N] [--dir DIR] [--backtest PATH]\n"
    "       tradebot-bench --help | --version\n";

constexpr const char* kAfterOptions =
    "Prints one `name value unit` line per figure, then all of them as one JSON object.\n"
    "Exit status: 0 ok, 64 bad command line, 1 a step failed.\n";

cli::po::options_description option_table() {
    namespace po = cli::po;
    auto o = cli::options("Options");
    o.add_options()                                                                     //
        ("rows-per-thread", po::value<std::string>()->value_name("N"),                  //
         "storage: signals each thread writes per design (default 10000)")              //
        ("bulk-rows", po::value<std::string>()->value_name("N"),                        //
         "storage: rows of the bulk-limit baseline (default 200000)")                   //
        ("db", po::value<std::string>()->value_name("PATH|URL"),                        //
         "storage: a folder for the SQLite files, or a postgresql:// URL")              //
        ("dir", po::value<std::string>()->value_name("DIR"),                            //
         "where the files go (default: a fresh temporary folder, removed afterwards)")  //
        ("days", po::value<std::string>()->value_name("N"),                             //
         "backtest: days of 1m candles per symbol (default 120)")                       //
        ("backtest", po::value<std::string>()->value_name("PATH"),                      //
         "backtest: the tradebot-backtest timed (default: the one beside this)")        //
        ("version", "print the version")                                                //
        ("help,h", "this text");
    return o;
}

struct StorageArgs {
    int rows_per_thread = 10000;
    int bulk_rows = 200000;
    std::string dir;  // a folder or a postgresql:// URL; empty: a fresh temporary folder
};

struct Args {
    bool help = false;
    bool version = false;
    std::string benchmark;  // "storage" | "backtest"
    StorageArgs storage;
    backtest::BacktestBenchOptions backtest;
};

Args parse_args(int argc, char** argv) {
    cli::po::positional_options_description positional;
    positional.add("benchmark", 1).add("operands", -1);
    auto options = option_table();
    options.add_options()("benchmark", cli::po::value<std::string>())(
        "operands", cli::po::value<std::vector<std::string>>());
    const cli::po::variables_map vm = cli::parse(argc, argv, options, &positional);

    Args a;
    a.help = vm.count("help") > 0;
    a.version = vm.count("version") > 0;
    if (a.help || a.version) return a;
    if (!vm.count("benchmark")) throw cli::UsageError("which benchmark? give storage or backtest");
    a.benchmark = vm["benchmark"].as<std::string>();
    if (a.benchmark != "storage" && a.benchmark != "backtest") {
        throw cli::UsageError("unknown benchmark '" + a.benchmark + "'");
    }
    if (vm.count("operands")) {
        throw cli::UsageError("unexpected argument '" +
                              vm["operands"].as<std::vector<std::string>>().front() + "'");
    }
    // Each benchmark takes its own options; one meant for the other is a mistake to say.
    const std::vector<std::string> storage_only = {"rows-per-thread", "bulk-rows", "db"};
    const std::vector<std::string> backtest_only = {"days", "backtest"};
    for (const auto& name : a.benchmark == "storage" ? backtest_only : storage_only) {
        if (vm.count(name)) {
            throw cli::UsageError("--" + name + " is not an option of tradebot-bench " +
                                  a.benchmark);
        }
    }
    if (a.benchmark == "storage") {
        if (vm.count("rows-per-thread")) {
            a.storage.rows_per_thread = cli::whole_number(vm, "rows-per-thread", 1, 100000000);
        }
        if (vm.count("bulk-rows")) {
            a.storage.bulk_rows = cli::whole_number(vm, "bulk-rows", 1, 100000000);
        }
        if (vm.count("dir") && vm.count("db")) {
            throw cli::UsageError("--dir and --db exclude each other: give one");
        }
        if (vm.count("dir")) a.storage.dir = cli::nonempty(vm, "dir");
        if (vm.count("db")) a.storage.dir = cli::nonempty(vm, "db");
    } else {
        if (vm.count("days")) a.backtest.days = cli::whole_number(vm, "days", 1, 3650);
        if (vm.count("dir")) a.backtest.dir = cli::nonempty(vm, "dir");
        if (vm.count("backtest")) a.backtest.backtest_binary = cli::nonempty(vm, "backtest");
    }
    return a;
}

int run_storage_bench(const StorageArgs& args) {
    const int rows_per_thread = args.rows_per_thread;
    const int bulk_rows = args.bulk_rows;
    std::string dir = args.dir;
    const bool postgres = storage::is_postgres_url(dir);
    bool own_dir = dir.empty();
    if (own_dir) {
        char tmpl[] = "/tmp/tradebot-bench-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr) {
            std::perror("mkdtemp");
            return 1;
        }
        dir = tmpl;
    }
    std::fprintf(
        stderr, "tradebot-bench storage: %d rows per thread, %d bulk rows, in %s, %u cores\n",
        rows_per_thread, bulk_rows, postgres ? storage::without_password(dir).c_str() : dir.c_str(),
        std::thread::hardware_concurrency());
    std::vector<Figure> figures;
    {
        std::optional<Place> place;
        if (postgres) {
            place.emplace(dir);
        } else {
            place.emplace(fs::path(dir));
        }
        figures = Bench(*place, rows_per_thread, bulk_rows).run();
    }
    nlohmann::json j = nlohmann::json::object();
    for (const auto& f : figures) {
        std::printf("%s %.2f %s\n", f.name.c_str(), f.value, f.unit.c_str());
        j[f.name] = std::round(f.value * 100) / 100;
    }
    std::printf("%s\n", j.dump().c_str());
    if (own_dir) fs::remove_all(dir);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    try {
        args = parse_args(argc, argv);
    } catch (const cli::UsageError& e) {
        std::fprintf(stderr, "tradebot-bench: %s\n%s", e.what(), kUsage);
        return cli::kExitUsage;
    }
    if (args.help) {
        std::cout << "tradebot-bench: throughput figures, each against a baseline measured in the "
                     "same run.\n\n"
                  << kUsage << "\n"
                  << option_table() << "\n"
                  << kAfterOptions;
        return cli::kExitOk;
    }
    if (args.version) {
        std::printf("tradebot-bench %s\n", TRADEBOT_VERSION);
        return cli::kExitOk;
    }
    if (args.benchmark == "backtest") {
        args.backtest.strategies = bot::builtin_strategies();
        return backtest::run_backtest_bench(args.backtest);
    }
    return run_storage_bench(args.storage);
}
