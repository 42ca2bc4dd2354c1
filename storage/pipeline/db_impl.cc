#include "storage/pipeline/db_impl.h"

#include "storage/sqlite/backend.h"

namespace storage {

DbImpl::DbImpl(const std::string& path, const Options& options)
    : DbImpl(path, options, std::make_unique<SqliteBackend>(path, options)) {}

DbImpl::DbImpl(const std::string& name, const Options& options, std::unique_ptr<Backend> backend)
    : options_(options),
      backend_(std::move(backend)),
      pipeline_(name, options, [b = backend_.get()](Group group) { return b->commit(group); }) {}

DbImpl::~DbImpl() { close(); }

WriterStats DbImpl::stats() const {
    WriterStats s = pipeline_.stats();
    backend_->add_stats(s);
    return s;
}

std::size_t DbImpl::close(std::optional<std::chrono::steady_clock::time_point> deadline) {
    const auto at = deadline.value_or(std::chrono::steady_clock::now() + options_.close_timeout);
    backend_->give_up_at(at);
    const std::size_t not_committed = pipeline_.close(at);
    backend_->close();  // idempotent
    return not_committed;
}

}  // namespace storage
