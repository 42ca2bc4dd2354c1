#include "storage/database.h"

#include <cctype>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include "storage/connection.h"
#include "storage/errors.h"
#include "storage/queries.h"

namespace storage {
namespace {

namespace fs = std::filesystem;

// The process-wide cache: one connection per database file, keyed by its normalised path.
std::mutex& cache_mu() {
    static std::mutex mu;
    return mu;
}
std::map<std::string, std::shared_ptr<Connection>>& cache() {  // guarded by cache_mu()
    static auto* c = new std::map<std::string, std::shared_ptr<Connection>>();  // never destroyed:
    return *c;  // connections may still be used while other statics are torn down at exit
}

// Makes the parent folder exist and returns the absolute path with ".", ".." and symlinks
// resolved, so every spelling of one file gives one cache key.
std::string normalise(const std::string& path) {
    if (path.empty()) throw OpenError("cannot open database: the path is empty");
    std::error_code ec;
    fs::path abs = fs::absolute(fs::path(path), ec).lexically_normal();
    if (ec) throw OpenError("cannot open database " + path + ": " + ec.message());
    if (abs.has_filename() == false) {
        throw OpenError("cannot open database " + path + ": the path names a folder, not a file");
    }
    fs::path parent = abs.parent_path();
    fs::create_directories(parent, ec);
    if (ec) {
        throw OpenError("cannot open database " + abs.string() + ": cannot create the folder " +
                        parent.string() + ": " + ec.message());
    }
    fs::path canon = fs::weakly_canonical(abs, ec);
    return ec ? abs.string() : canon.string();
}

Status closed_status(const std::string& path) {
    return Status(Code::kClosed,
                  "database " + (path.empty() ? std::string("(none)") : path) + " is closed");
}

}  // namespace

Database::Database(const std::string& path, const Options& options) {
    path_ = normalise(path);
    std::lock_guard<std::mutex> lock(cache_mu());
    auto& c = cache();
    auto it = c.find(path_);
    if (it != c.end()) {
        conn_ = it->second;
        return;
    }
    conn_ = Connection::open(path_, options);
    c.emplace(path_, conn_);
}

Database::~Database() = default;
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;

void Database::close() { conn_.reset(); }

bool Database::is_open() const { return conn_ != nullptr; }

const std::string& Database::path() const { return path_; }

Result<std::int64_t> Database::save_signal(const Signal& s) {
    WriteBatch b;
    b.insert_signal(s);
    auto r = write(std::move(b));
    if (!r.is_ok()) return r.status();
    return r.value().ids.at(0);
}

Status Database::save_order(const Order& o) {
    WriteBatch b;
    b.upsert_order(o);
    return write(std::move(b)).status();
}

Result<std::int64_t> Database::save_fill(const Fill& f) {
    WriteBatch b;
    b.insert_fill(f);
    auto r = write(std::move(b));
    if (!r.is_ok()) return r.status();
    return r.value().ids.at(0);
}

Status Database::save_position(const Position& p) {
    WriteBatch b;
    b.upsert_position(p);
    return write(std::move(b)).status();
}

Status Database::put_state(const std::string& symbol, const std::string& key,
                           const std::string& value) {
    WriteBatch b;
    b.put_state(symbol, key, value);
    return write(std::move(b)).status();
}

Result<WriteResult> Database::write(WriteBatch batch) {
    if (!conn_) return closed_status(path_);
    return conn_->write(std::move(batch));
}

namespace {
// A handle that is done from the start (a write refused before it was queued).
class DoneWrite final : public PendingWrite {
public:
    explicit DoneWrite(Status s) : status_(std::move(s)) {}
    bool done() const override { return true; }
    bool wait_for(std::chrono::milliseconds) const override { return true; }
    Result<WriteResult> wait() const override { return status_; }

private:
    Status status_;
};
}  // namespace

WriteHandle Database::submit(WriteBatch batch) {
    if (!conn_) return std::make_shared<DoneWrite>(closed_status(path_));
    return conn_->submit(std::move(batch));
}

namespace {
template <class F>
auto read_on(const std::shared_ptr<Connection>& conn, const std::string& path, F&& f) {
    if (!conn) throw std::logic_error("storage: read on a closed Database (" + path + ")");
    return conn->read(std::forward<F>(f));
}
}  // namespace

std::vector<Signal> Database::signals(const std::string& symbol, int limit) const {
    return read_on(conn_, path_,
                   [&](sqlite3* db) { return detail::select_signals(db, symbol, limit); });
}

std::vector<Order> Database::unresolved_orders(const std::string& symbol) const {
    return read_on(conn_, path_,
                   [&](sqlite3* db) { return detail::select_unresolved_orders(db, symbol); });
}

std::vector<Order> Database::orders(const std::string& symbol, int limit) const {
    return read_on(conn_, path_,
                   [&](sqlite3* db) { return detail::select_orders(db, symbol, limit); });
}

std::optional<Order> Database::order(const std::string& client_order_id) const {
    return read_on(conn_, path_,
                   [&](sqlite3* db) { return detail::select_order(db, client_order_id); });
}

std::vector<Fill> Database::fills(const std::string& symbol, int limit) const {
    return read_on(conn_, path_,
                   [&](sqlite3* db) { return detail::select_fills(db, symbol, limit); });
}

std::vector<Position> Database::positions() const {
    return read_on(conn_, path_, [&](sqlite3* db) { return detail::select_positions(db, ""); });
}

std::optional<Position> Database::position(const std::string& symbol) const {
    auto rows =
        read_on(conn_, path_, [&](sqlite3* db) { return detail::select_positions(db, symbol); });
    if (rows.empty()) return std::nullopt;
    return rows.front();
}

std::optional<std::string> Database::state(const std::string& symbol,
                                           const std::string& key) const {
    return read_on(conn_, path_,
                   [&](sqlite3* db) { return detail::select_state(db, symbol, key); });
}

std::map<std::string, std::string> Database::states(const std::string& symbol) const {
    return read_on(conn_, path_, [&](sqlite3* db) { return detail::select_states(db, symbol); });
}

Counts Database::counts() const {
    return read_on(conn_, path_, [&](sqlite3* db) { return detail::select_counts(db); });
}

std::string Database::integrity_check() const {
    return read_on(conn_, path_, [&](sqlite3* db) { return detail::run_integrity_check(db); });
}

std::string Database::pragma(const std::string& name) const {
    for (char ch : name) {
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '=')) {
            throw std::invalid_argument("not a pragma name: " + name);
        }
    }
    return read_on(conn_, path_,
                   [&](sqlite3* db) { return detail::query_text(db, "PRAGMA " + name); });
}

WriterStats Database::writer_stats() const {
    if (!conn_) return {};
    return conn_->stats();
}

const void* Database::connection_id() const { return conn_.get(); }

void Database::close_all_cached() {
    std::map<std::string, std::shared_ptr<Connection>> taken;
    {
        std::lock_guard<std::mutex> lock(cache_mu());
        taken.swap(cache());
    }
    // Outside the cache lock: flushing may take a while, and opening other files must not wait.
    for (auto& [path, conn] : taken) conn->shutdown();
}

std::size_t Database::close_all_cached(std::chrono::steady_clock::time_point deadline) {
    std::map<std::string, std::shared_ptr<Connection>> taken;
    {
        std::lock_guard<std::mutex> lock(cache_mu());
        taken.swap(cache());
    }
    std::size_t not_committed = 0;
    for (auto& [path, conn] : taken) not_committed += conn->shutdown(deadline);
    return not_committed;
}

std::size_t Database::cached_connection_count() {
    std::lock_guard<std::mutex> lock(cache_mu());
    return cache().size();
}

}  // namespace storage
