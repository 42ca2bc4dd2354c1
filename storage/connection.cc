#include "storage/connection.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "storage/errors.h"
#include "storage/queries.h"
#include "storage/schema.h"

namespace storage {
namespace {

using Clock = std::chrono::steady_clock;

// Decimal text as tradebot writes money: optional '-', digits, optional '.' and digits.
bool is_decimal_text(const std::string& s) {
    size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
    size_t digits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++digits;
    if (digits == 0) return false;
    if (i == s.size()) return true;
    if (s[i] != '.' || i + 1 == s.size()) return false;
    for (++i; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
    }
    return true;
}

bool is_side(const std::string& s) { return s == "BUY" || s == "SELL"; }

// Refusals that need no database: the row can never be written, so it fails at once with a
// message naming the field instead of reaching SQLite.
std::string validate(const WriteBatch& batch) {
    if (batch.empty()) return "empty batch";
    for (const auto& op : batch.ops()) {
        if (const auto* s = std::get_if<Signal>(&op)) {
            if (s->symbol.empty()) return "signal: symbol is empty";
            if (!is_side(s->side))
                return "signal: side must be BUY or SELL, got \"" + s->side + "\"";
            if (!is_decimal_text(s->price))
                return "signal: price is not a decimal: \"" + s->price + "\"";
            if (s->strategy.empty()) return "signal: strategy is empty";
        } else if (const auto* o = std::get_if<Order>(&op)) {
            if (o->client_order_id.empty()) return "order: client_order_id is empty";
            if (!is_side(o->side))
                return "order: side must be BUY or SELL, got \"" + o->side + "\"";
            if (!is_decimal_text(o->quantity))
                return "order: quantity is not a decimal: \"" + o->quantity + "\"";
            if (!o->price.empty() && !is_decimal_text(o->price))
                return "order: price is not a decimal: \"" + o->price + "\"";
            if (o->status.empty()) return "order: status is empty";
        } else if (const auto* f = std::get_if<Fill>(&op)) {
            if (!is_side(f->side)) return "fill: side must be BUY or SELL, got \"" + f->side + "\"";
            for (const auto* field : {&f->price, &f->quantity, &f->fee}) {
                if (!is_decimal_text(*field)) return "fill: not a decimal: \"" + *field + "\"";
            }
        } else if (const auto* p = std::get_if<Position>(&op)) {
            if (p->symbol.empty()) return "position: symbol is empty";
            for (const auto* field :
                 {&p->quantity, &p->avg_entry_price, &p->realized_pnl, &p->fees_paid}) {
                if (!is_decimal_text(*field)) return "position: not a decimal: \"" + *field + "\"";
            }
        }
    }
    return {};
}

}  // namespace

// One queued batch and its outcome. Shared by the queue and the caller's handle.
class Connection::Writer final : public PendingWrite {
public:
    Writer(std::shared_ptr<Connection> conn, WriteBatch batch, bool sync_waiter)
        : conn_(std::move(conn)), batch_(std::move(batch)), sync_waiter_(sync_waiter) {}

    bool done() const override {
        std::lock_guard<std::mutex> lock(conn_->mu_);
        return done_;
    }
    bool wait_for(std::chrono::milliseconds timeout) const override {
        std::unique_lock<std::mutex> lock(conn_->mu_);
        return cv_.wait_for(lock, timeout, [this] { return done_; });
    }
    Result<WriteResult> wait() const override {
        std::unique_lock<std::mutex> lock(conn_->mu_);
        cv_.wait(lock, [this] { return done_; });
        return outcome();
    }

private:
    friend class Connection;

    // REQUIRES: conn_->mu_ held and done_.
    Result<WriteResult> outcome() const {
        if (!status_.is_ok()) return status_;
        return result_;
    }

    // Constant after construction. conn_ keeps the mutex alive while a handle exists.
    const std::shared_ptr<Connection> conn_;
    const WriteBatch batch_;
    const bool sync_waiter_;  // a thread in write() waits for it and will lead its turn

    // Guarded by conn_->mu_.
    mutable std::condition_variable cv_;
    bool done_ = false;
    Status status_;
    WriteResult result_;
};

struct Connection::GroupOutcome {
    bool transient = false;        // rolled back, retry the whole group later
    std::string error;             // transient or fatal cause
    bool fatal = false;            // sticky: fail the group and everything after it
    std::vector<Status> statuses;  // per writer, when neither transient nor fatal
    std::vector<WriteResult> results;
    double commit_us = 0;
};

Connection::Connection(std::string path, const Options& options)
    : path_(std::move(path)), options_(options) {}

std::shared_ptr<Connection> Connection::open(const std::string& path, const Options& options) {
    std::shared_ptr<Connection> conn(new Connection(path, options));
    conn->open_handle();
    conn->flusher_ = std::thread([c = conn.get()] { c->flusher_loop(); });
    return conn;
}

void Connection::open_handle() {
    auto fail = [this](const std::string& cause) -> OpenError {
        return OpenError("cannot open database " + path_ + ": " + cause);
    };
    // Create the file ourselves so it is 0600 from the first byte: SQLite gives its -wal and
    // -shm files the database file's mode.
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);
    } else if (errno != EEXIST) {
        throw fail(std::string("cannot create the file: ") + std::strerror(errno));
    }

    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path_.c_str(), &raw,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                             nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK) throw fail(detail::describe(raw, rc));
    sqlite3* db = db_.get();
    sqlite3_busy_timeout(db, options_.busy_timeout_ms);

    // The first read of the file: a file that is not SQLite fails here (SQLITE_NOTADB).
    std::string mode;
    try {
        mode = detail::query_text(db, "PRAGMA journal_mode=WAL");
    } catch (const std::exception& e) {
        throw fail(e.what());
    }
    if (mode != "wal") {
        throw fail("WAL mode did not take effect (journal_mode is \"" + mode +
                   "\"); the file system may not support shared memory");
    }
    for (const std::string& pragma :
         {std::string("PRAGMA synchronous=NORMAL"), std::string("PRAGMA foreign_keys=ON"),
          "PRAGMA journal_size_limit=" + std::to_string(options_.journal_size_limit_bytes)}) {
        rc = detail::exec(db, pragma);
        if (rc != SQLITE_OK) throw fail(pragma + ": " + detail::describe(db, rc));
    }
    force_checkpoint_at_ = 2 * options_.wal_autocheckpoint_pages;
    // Replaces SQLite's own autocheckpoint hook with one that also escalates (on_wal_commit).
    sqlite3_wal_hook(db, &Connection::on_wal_commit, this);

    // A damaged file is refused, not written to: PRAGMA quick_check reads every page (it skips
    // only the index-content cross-check of integrity_check), so damage anywhere is found now
    // rather than mid-run, after new rows went into a file that cannot be trusted.
    std::string check;
    try {
        check = detail::run_quick_check(db);
    } catch (const std::exception& e) {
        check = e.what();
    }
    if (check != "ok") {
        throw fail("the database is damaged (quick_check: " + check +
                   "); it was not modified. Recover it with sqlite3 .recover or restore a backup");
    }

    std::string error = detail::migrate(db);
    if (!error.empty()) throw fail(error);

    begin_ = detail::Statement(db, "BEGIN IMMEDIATE");
    commit_ = detail::Statement(db, "COMMIT");
    rollback_ = detail::Statement(db, "ROLLBACK");
    insert_signal_ = detail::Statement(
        db,
        "INSERT INTO signals (symbol, side, price, strategy, reason, event_time_ms, created_at_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    upsert_order_ = detail::Statement(
        db,
        "INSERT INTO orders (client_order_id, symbol, side, type, quantity, price, status, "
        "exchange_order_id, reason, signal_id, created_at_ms, updated_at_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
        "ON CONFLICT (client_order_id) DO UPDATE SET quantity = excluded.quantity, "
        "price = excluded.price, status = excluded.status, "
        "exchange_order_id = coalesce(excluded.exchange_order_id, orders.exchange_order_id), "
        "reason = excluded.reason, signal_id = coalesce(excluded.signal_id, orders.signal_id), "
        "updated_at_ms = excluded.updated_at_ms");
    insert_fill_ = detail::Statement(
        db,
        "INSERT INTO fills (client_order_id, symbol, side, price, quantity, fee, fee_asset, "
        "trade_id, trade_time_ms, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    upsert_position_ = detail::Statement(
        db,
        "INSERT INTO positions (symbol, quantity, avg_entry_price, realized_pnl, fees_paid, "
        "updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (symbol) DO UPDATE SET "
        "quantity = excluded.quantity, avg_entry_price = excluded.avg_entry_price, "
        "realized_pnl = excluded.realized_pnl, fees_paid = excluded.fees_paid, "
        "updated_at_ms = excluded.updated_at_ms");
    put_state_ = detail::Statement(
        db,
        "INSERT INTO bot_state (symbol, key, value, updated_at_ms) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (symbol, key) DO UPDATE SET value = excluded.value, "
        "updated_at_ms = excluded.updated_at_ms");
    delete_state_ = detail::Statement(db, "DELETE FROM bot_state WHERE symbol = ?1 AND key = ?2");
}

Connection::~Connection() { shutdown(); }

spdlog::logger& Connection::log() const {
    return options_.logger ? *options_.logger : *spdlog::default_logger_raw();
}

void Connection::complete(Writer& w, Status status) {
    w.done_ = true;
    w.status_ = std::move(status);
    w.cv_.notify_all();
}

WriteHandle Connection::submit(WriteBatch batch) {
    auto w = std::make_shared<Writer>(shared_from_this(), std::move(batch), false);
    std::string invalid = validate(w->batch_);
    std::lock_guard<std::mutex> lock(mu_);
    if (!invalid.empty()) {
        complete(*w, Status(Code::kInvalid, invalid));
    } else if (closed_ || shutdown_requested_) {
        complete(*w, Status(Code::kClosed, "database " + path_ + " is closed"));
    } else if (!sticky_error_.empty()) {
        complete(*w, Status(Code::kError, sticky_error_));
    } else {
        queue_.push_back(w);
        if (!leader_active_ && queue_.size() == 1) flusher_cv_.notify_one();
    }
    return w;
}

Result<WriteResult> Connection::write(WriteBatch batch) {
    auto w = std::make_shared<Writer>(shared_from_this(), std::move(batch), true);
    std::string invalid = validate(w->batch_);
    std::unique_lock<std::mutex> lock(mu_);
    if (!invalid.empty()) return Status(Code::kInvalid, invalid);
    if (closed_ || shutdown_requested_)
        return Status(Code::kClosed, "database " + path_ + " is closed");
    if (!sticky_error_.empty()) return Status(Code::kError, sticky_error_);
    queue_.push_back(w);
    while (!w->done_) {
        if (!leader_active_ && !stalled_ && queue_.front() == w) {
            lead_one_group(lock);
            continue;
        }
        w->cv_.wait(lock);
    }
    return w->outcome();
}

void Connection::wake_front() {
    if (queue_.empty()) return;
    if (queue_.front()->sync_waiter_ && !stalled_) {
        queue_.front()->cv_.notify_all();
    } else {
        flusher_cv_.notify_one();
    }
}

void Connection::lead_one_group(std::unique_lock<std::mutex>& lock) {
    leader_active_ = true;
    const size_t cap = std::max<size_t>(1, options_.max_group_size);
    // No linger here. Yielding until the writers of the previous group were queued again made
    // groups 4x larger with 8 threads on 2 cores, yet cut throughput by a third and raised p50
    // latency from 14 us to 117 us: with synchronous=NORMAL a WAL commit costs about as much as
    // a context switch, so a running thread committing its own write at once beats waiting for
    // company. Groups still form by themselves whenever commits are slow (see tradebot-bench's
    // *_fsync figures).
    std::vector<Writer*> group;
    for (const auto& w : queue_) {
        group.push_back(w.get());
        if (group.size() >= cap) break;
    }
    lock.unlock();
    GroupOutcome out = commit_group(group);
    lock.lock();
    leader_active_ = false;

    if (out.transient) {
        // Everything stays queued, in order. Only the flusher retries while stalled, so callers
        // are not stuck in the busy handler one after another.
        ++stats_.retries;
        ++stall_attempts_;
        if (!stalled_) {
            stalled_ = true;
            stall_started_ = Clock::now();
            backoff_ = options_.retry_initial;
            log().warn(
                "storage: {}: commit failed ({}); {} write(s) kept queued, retrying with "
                "backoff",
                path_, out.error, queue_.size());
        } else {
            backoff_ = std::min(backoff_ * 2, options_.retry_max);
        }
        retry_at_ = Clock::now() + backoff_;
        flusher_cv_.notify_one();
        return;
    }

    if (stalled_) {
        auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stall_started_);
        log().info("storage: {}: commits resumed after {} failed attempt(s) in {} ms", path_,
                   stall_attempts_, ms.count());
        stalled_ = false;
        stall_attempts_ = 0;
    }
    if (out.fatal) {
        sticky_error_ = out.error;
        log().error("storage: {}: {}; every further write will fail", path_, out.error);
    }
    // The group is the queue's prefix: only a leader pops, and there is one leader at a time.
    for (size_t i = 0; i < group.size(); ++i) {
        std::shared_ptr<Writer> w = std::move(queue_.front());
        queue_.pop_front();
        if (out.fatal) {
            complete(*w, Status(Code::kError, out.error));
            ++stats_.failed;
            continue;
        }
        w->result_ = std::move(out.results[i]);
        if (out.statuses[i].is_ok()) {
            ++stats_.batches;
        } else {
            ++stats_.failed;
        }
        complete(*w, std::move(out.statuses[i]));
    }
    if (!out.fatal) {
        ++stats_.transactions;
        stats_.max_group = std::max<std::uint64_t>(stats_.max_group, group.size());
        stats_.last_commit_us = out.commit_us;
        stats_.commit_us_sum += out.commit_us;
        size_t bucket = 0;
        while (bucket < WriterStats::kLatencyBoundsUs.size() &&
               out.commit_us > WriterStats::kLatencyBoundsUs[bucket]) {
            ++bucket;
        }
        ++stats_.commit_latency_counts[bucket];
    }
    wake_front();
}

Connection::GroupOutcome Connection::commit_group(const std::vector<Writer*>& group) {
    GroupOutcome out;
    out.statuses.resize(group.size());
    out.results.resize(group.size());
    std::vector<bool> refused(group.size(), false);

    std::lock_guard<std::mutex> lock(db_mu_);
    sqlite3* db = db_.get();
    const auto started = Clock::now();
    // Each pass either commits, or refuses one more batch and starts over without it, so there
    // are at most group.size() + 1 passes.
    for (;;) {
        const std::int64_t now = detail::now_ms();
        int rc = begin_.run();
        begin_.reset();
        if (rc != SQLITE_OK) {
            out.error = "BEGIN IMMEDIATE: " + detail::describe(db, rc);
            (detail::is_transient(rc) ? out.transient : out.fatal) = true;
            return out;
        }
        bool restart = false;
        for (size_t i = 0; i < group.size() && !restart; ++i) {
            if (refused[i]) continue;
            out.results[i].ids.clear();
            for (const auto& op : group[i]->batch_.ops()) {
                std::int64_t id = 0;
                rc = apply(op, now, id);
                if (rc == SQLITE_OK) {
                    out.results[i].ids.push_back(id);
                    continue;
                }
                std::string cause = detail::describe(db, rc);
                rollback();
                if (detail::is_row_error(rc)) {
                    refused[i] = true;
                    out.statuses[i] = Status(Code::kInvalid, cause);
                    restart = true;
                    break;
                }
                out.error = cause;
                (detail::is_transient(rc) ? out.transient : out.fatal) = true;
                return out;
            }
        }
        if (restart) continue;
        rc = commit_.run();
        commit_.reset();
        if (rc != SQLITE_OK) {
            out.error = "COMMIT: " + detail::describe(db, rc);
            rollback();
            (detail::is_transient(rc) ? out.transient : out.fatal) = true;
            return out;
        }
        out.commit_us = std::chrono::duration<double, std::micro>(Clock::now() - started).count();
        return out;
    }
}

int Connection::apply(const WriteBatch::Op& op, std::int64_t now, std::int64_t& id) {
    detail::Statement* st = nullptr;
    if (const auto* s = std::get_if<Signal>(&op)) {
        st = &insert_signal_;
        st->bind(1, s->symbol);
        st->bind(2, s->side);
        st->bind(3, s->price);  // decimal text; the REAL column converts it (the schema)
        st->bind(4, s->strategy);
        st->bind_text_or_null(5, s->reason);
        st->bind(6, s->event_time_ms);
        st->bind(7, now);
    } else if (const auto* o = std::get_if<Order>(&op)) {
        st = &upsert_order_;
        st->bind(1, o->client_order_id);
        st->bind(2, o->symbol);
        st->bind(3, o->side);
        st->bind(4, o->type.empty() ? std::string("MARKET") : o->type);
        st->bind(5, o->quantity);
        st->bind_text_or_null(6, o->price);
        st->bind(7, o->status);
        st->bind_text_or_null(8, o->exchange_order_id);
        st->bind_text_or_null(9, o->reason);
        st->bind(10, o->signal_id);
        st->bind(11, o->created_at_ms != 0 ? o->created_at_ms : now);
        st->bind(12, now);
    } else if (const auto* f = std::get_if<Fill>(&op)) {
        st = &insert_fill_;
        st->bind(1, f->client_order_id);
        st->bind(2, f->symbol);
        st->bind(3, f->side);
        st->bind(4, f->price);
        st->bind(5, f->quantity);
        st->bind(6, f->fee);
        st->bind_text_or_null(7, f->fee_asset);
        st->bind_text_or_null(8, f->trade_id);
        st->bind(9, f->trade_time_ms);
        st->bind(10, now);
    } else if (const auto* p = std::get_if<Position>(&op)) {
        st = &upsert_position_;
        st->bind(1, p->symbol);
        st->bind(2, p->quantity);
        st->bind(3, p->avg_entry_price);
        st->bind(4, p->realized_pnl);
        st->bind(5, p->fees_paid);
        st->bind(6, now);
    } else if (const auto* ps = std::get_if<WriteBatch::PutState>(&op)) {
        st = &put_state_;
        st->bind(1, ps->entry.symbol);
        st->bind(2, ps->entry.key);
        st->bind(3, ps->entry.value);
        st->bind(4, now);
    } else if (const auto* ds = std::get_if<WriteBatch::DeleteState>(&op)) {
        st = &delete_state_;
        st->bind(1, ds->symbol);
        st->bind(2, ds->key);
    }
    int rc = st->run();
    st->reset();
    if (rc == SQLITE_OK &&
        (std::holds_alternative<Signal>(op) || std::holds_alternative<Fill>(op))) {
        id = sqlite3_last_insert_rowid(db_.get());
    }
    return rc;
}

int Connection::on_wal_commit(void* ctx, sqlite3* db, const char* schema, int wal_pages) {
    // Runs in the committing thread right after a COMMIT, with db_mu_ held.
    auto* self = static_cast<Connection*>(ctx);
    const int every = self->options_.wal_autocheckpoint_pages;
    if (every <= 0) return SQLITE_OK;
    if (wal_pages < every) {
        self->force_checkpoint_at_ = 2 * every;  // the WAL restarted: back to the normal bound
        return SQLITE_OK;
    }
    if (wal_pages < self->force_checkpoint_at_) {
        // SQLite's own policy: copy what no reader still needs, never wait.
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        return SQLITE_OK;
    }
    // The WAL has not restarted for two intervals: readers kept arriving while it was being
    // copied, so it only grows. TRUNCATE waits (busy_timeout at most) for the readers of the
    // moment to finish, then empties the file. If it cannot, try again one interval later
    // rather than after every commit.
    int rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    self->force_checkpoint_at_ = rc == SQLITE_OK ? 2 * every : wal_pages + every;
    self->forced_checkpoints_.fetch_add(1, std::memory_order_relaxed);
    return SQLITE_OK;
}

void Connection::rollback() {
    // After SQLITE_FULL or an I/O error SQLite may already have rolled the transaction back.
    if (sqlite3_get_autocommit(db_.get())) return;
    rollback_.run();
    rollback_.reset();
}

void Connection::flusher_loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
        const auto now = Clock::now();
        if (shutdown_requested_ && !leader_active_ &&
            (queue_.empty() || now >= shutdown_deadline_)) {
            break;
        }
        if (!leader_active_ && !queue_.empty()) {
            if (stalled_) {
                if (now >= retry_at_) {
                    lead_one_group(lock);
                    continue;
                }
                auto until = retry_at_;
                if (shutdown_requested_) until = std::min(until, shutdown_deadline_);
                flusher_cv_.wait_until(lock, until);
                continue;
            }
            // A thread waiting in write() leads its own turn; queued-only batches are ours.
            if (!queue_.front()->sync_waiter_ || shutdown_requested_) {
                lead_one_group(lock);
                continue;
            }
        }
        if (shutdown_requested_) {
            flusher_cv_.wait_until(lock, shutdown_deadline_);
        } else {
            flusher_cv_.wait(lock);
        }
    }
    // Shutting down: what could not be committed in time is reported, never dropped silently.
    if (!queue_.empty()) {
        log().error("storage: {}: closing with {} write(s) not committed ({})", path_,
                    queue_.size(), stalled_ ? "the database stayed unavailable" : "timed out");
    }
    closed_ = true;
    not_committed_at_close_ = queue_.size();
    while (!queue_.empty()) {
        complete(*queue_.front(),
                 Status(Code::kClosed, "database " + path_ + " closed before the write committed"));
        ++stats_.failed;
        queue_.pop_front();
    }
}

std::size_t Connection::shutdown(std::optional<std::chrono::steady_clock::time_point> deadline) {
    bool first = false;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!shutdown_requested_) {
            first = true;
            shutdown_requested_ = true;
            shutdown_deadline_ = deadline ? *deadline : Clock::now() + options_.close_timeout;
        }
        flusher_cv_.notify_one();
    }
    if (flusher_.joinable()) {
        if (flusher_.get_id() == std::this_thread::get_id()) {
            flusher_.detach();  // the last handle died on the flusher itself; it is exiting
        } else {
            flusher_.join();
        }
    }
    std::size_t not_committed = 0;
    if (first) {
        std::lock_guard<std::mutex> lock(mu_);
        not_committed = not_committed_at_close_;
    }
    std::lock_guard<std::mutex> lock(db_mu_);
    if (!db_) return not_committed;
    // Finalize before closing so sqlite3_close_v2 releases the file now, not lazily.
    begin_ = {};
    commit_ = {};
    rollback_ = {};
    insert_signal_ = {};
    upsert_order_ = {};
    insert_fill_ = {};
    upsert_position_ = {};
    put_state_ = {};
    delete_state_ = {};
    db_.reset();
    return not_committed;
}

WriterStats Connection::stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    WriterStats s = stats_;
    s.queued = queue_.size();
    s.stalled = stalled_;
    if (stalled_) {
        s.stalled_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stall_started_)
                .count();
    }
    s.sticky_error = sticky_error_;
    s.forced_checkpoints = forced_checkpoints_.load(std::memory_order_relaxed);
    return s;
}

}  // namespace storage
