#include "storage/database.h"

#include <map>
#include <mutex>
#include <stdexcept>

#include "storage/pipeline/db_impl.h"
#include "storage/pipeline/files.h"
#include "storage/postgres/backend.h"
#include "storage/postgres/client.h"
#include "storage/pg_reader.h"
#include "storage/pipeline/row_checks.h"

namespace storage {
namespace {

// The process-wide cache: one DbImpl per database file, keyed by its normalised path.
std::mutex& cache_mu() {
    static std::mutex mu;
    return mu;
}
std::map<std::string, std::shared_ptr<DbImpl>>& cache() {                   // guarded by cache_mu()
    static auto* c = new std::map<std::string, std::shared_ptr<DbImpl>>();  // never destroyed:
    return *c;  // databases may still be used while other statics are torn down at exit
}

std::map<std::string, std::shared_ptr<DbImpl>> take_cache() {
    std::map<std::string, std::shared_ptr<DbImpl>> taken;
    std::lock_guard<std::mutex> lock(cache_mu());
    taken.swap(cache());
    return taken;
}

Status closed_status(const std::string& path) {
    return Status(Code::kClosed,
                  "database " + (path.empty() ? std::string("(none)") : path) + " is closed");
}

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

Database::Database(const std::string& path, const Options& options) {
    // A server is named by its URL without a password: in the cache key and in every message.
    postgres_ = is_postgres_url(path);
    path_ = postgres_ ? pg::redact(path) : detail::prepare_path(path);
    std::lock_guard<std::mutex> lock(cache_mu());
    auto& c = cache();
    auto it = c.find(path_);
    if (it != c.end()) {
        impl_ = it->second;
        return;
    }
    impl_ = postgres_ ? std::make_shared<DbImpl>(path_, options,
                                                 std::make_unique<PgBackend>(path, options))
                      : std::make_shared<DbImpl>(path_, options);
    c.emplace(path_, impl_);
}

Database::~Database() = default;
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;

void Database::close() { impl_.reset(); }

bool Database::is_open() const { return impl_ != nullptr; }

const std::string& Database::path() const { return path_; }

bool Database::is_postgres() const { return postgres_; }

void Database::set_fence(const std::string& symbol, std::int64_t epoch) {
    if (impl_) impl_->fencing().set_fence(symbol, epoch);
}

void Database::clear_fence(const std::string& symbol) {
    if (impl_) impl_->fencing().clear_fence(symbol);
}

void Database::require_fences(bool on) {
    if (impl_) impl_->fencing().require_fences(on);
}

void Database::give_up_at(std::chrono::steady_clock::time_point deadline) {
    if (impl_) impl_->fencing().give_up_at(deadline);  // the backend's hook, thread-safe
}

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
    if (!impl_) return closed_status(path_);
    std::string invalid = detail::check_rows(batch);
    if (!invalid.empty()) return Status(Code::kInvalid, std::move(invalid));
    return impl_->pipeline().write(std::move(batch));
}

WriteHandle Database::submit(WriteBatch batch) {
    if (!impl_) return std::make_shared<DoneWrite>(closed_status(path_));
    std::string invalid = detail::check_rows(batch);
    if (!invalid.empty()) return std::make_shared<DoneWrite>(Status(Code::kInvalid, invalid));
    return impl_->pipeline().submit(std::move(batch));
}

namespace {
const Backend& reads(const std::shared_ptr<DbImpl>& impl, const std::string& path) {
    if (!impl) throw std::logic_error("storage: read on a closed Database (" + path + ")");
    return impl->backend();
}
}  // namespace

std::vector<Signal> Database::signals(const std::string& symbol, int limit) const {
    return reads(impl_, path_).signals(symbol, limit);
}

std::vector<Order> Database::orders(const std::string& symbol, int limit) const {
    return reads(impl_, path_).orders(symbol, limit);
}

std::optional<Order> Database::order(const std::string& client_order_id) const {
    return reads(impl_, path_).order(client_order_id);
}

std::vector<Order> Database::unresolved_orders(const std::string& symbol) const {
    return reads(impl_, path_).unresolved_orders(symbol);
}

std::vector<Fill> Database::fills(const std::string& symbol, int limit) const {
    return reads(impl_, path_).fills(symbol, limit);
}

std::vector<Position> Database::positions() const { return reads(impl_, path_).positions(""); }

std::optional<Position> Database::position(const std::string& symbol) const {
    auto rows = reads(impl_, path_).positions(symbol);
    if (rows.empty()) return std::nullopt;
    return rows.front();
}

std::optional<std::string> Database::state(const std::string& symbol,
                                           const std::string& key) const {
    return reads(impl_, path_).state(symbol, key);
}

std::map<std::string, std::string> Database::states(const std::string& symbol) const {
    return reads(impl_, path_).states(symbol);
}

Counts Database::counts() const { return reads(impl_, path_).counts(); }

std::string Database::integrity_check() const { return reads(impl_, path_).integrity_check(); }

std::string Database::pragma(const std::string& name) const {
    return reads(impl_, path_).setting(name);
}

WriterStats Database::writer_stats() const {
    if (!impl_) return {};
    return impl_->stats();
}

const void* Database::connection_id() const { return impl_.get(); }

void Database::close_all_cached() {
    // Outside the cache lock: flushing may take a while, and opening other files must not wait.
    for (auto& [path, impl] : take_cache()) impl->close();
}

std::size_t Database::close_all_cached(std::chrono::steady_clock::time_point deadline) {
    std::size_t not_committed = 0;
    for (auto& [path, impl] : take_cache()) not_committed += impl->close(deadline);
    return not_committed;
}

std::size_t Database::cached_connection_count() {
    std::lock_guard<std::mutex> lock(cache_mu());
    return cache().size();
}

}  // namespace storage
