// One open database: its backend and the commit pipeline in front of it. This is what every
// Database on the same file shares (the cached connection). Private to storage/.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "storage/pipeline/backend.h"
#include "storage/pipeline/commit_pipeline.h"
#include "storage/options.h"

namespace storage {

class DbImpl {
public:
    // Opens the SQLite backend on `path` (normalised). Throws OpenError.
    DbImpl(const std::string& path, const Options& options);
    // Any backend (tests, another engine).
    DbImpl(const std::string& name, const Options& options, std::unique_ptr<Backend> backend);
    ~DbImpl();  // close()
    DbImpl(const DbImpl&) = delete;
    DbImpl& operator=(const DbImpl&) = delete;

    CommitPipeline& pipeline() { return pipeline_; }
    const Backend& backend() const { return *backend_; }
    // The fencing hooks (thread-safe in every backend).
    Backend& fencing() { return *backend_; }

    // Never waits on I/O: the pipeline's figures and the backend's counters.
    WriterStats stats() const;

    // Commits what is queued until `deadline` (default now + close_timeout): a commit waiting
    // for a lock gives up at the deadline too. Then fails the rest with kClosed and closes the
    // backend. Returns how many writes were failed that way; a second call returns 0.
    std::size_t close(std::optional<std::chrono::steady_clock::time_point> deadline = {});

private:
    // Constant after construction.
    const Options options_;
    const std::unique_ptr<Backend> backend_;
    CommitPipeline pipeline_;
};

}  // namespace storage
