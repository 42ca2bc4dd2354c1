// The SQLite file this daemon holds alone (service/state_store.h).
#include <spdlog/spdlog.h>

#include <filesystem>
#include <optional>
#include <string>

#include "service/log_setup.h"
#include "service/state_store.h"
#include "storage/errors.h"
#include "storage/process_lock.h"

namespace service {
namespace {

std::string absolute(const std::string& path) {
    std::error_code ec;
    auto p = std::filesystem::absolute(path, ec);
    return ec ? path : p.lexically_normal().string();
}

class FileStore final : public StateStore {
public:
    explicit FileStore(const config::DatabaseConfig& database)
        : path_(database.path), absolute_path_(absolute(database.path)) {}

    std::string where() const override { return absolute_path_; }

    storage::Database& open(const storage::Options& options) override {
        // One daemon per database, taken before the database is opened or created.
        try {
            lock_.emplace(absolute_path_);
        } catch (const storage::AlreadyLocked& e) {
            throw StoreTaken(
                "another tradebotd (pid " +
                (e.holder_pid() > 0 ? std::to_string(e.holder_pid()) : std::string("unknown")) +
                ") is already running on the database " + absolute_path_ +
                ": only one daemon may trade from a database. Stop that one first, or give this "
                "one another database.path (" +
                e.what() + ")");
        }
        db_.emplace(path_, options);
        return *db_;
    }

    config::Config supervised(const config::Config& cfg) const override { return cfg; }
    void attach(bot::Supervisor&, const config::Config&) override {}

    void start(const config::Config& cfg) override {
        get_logger("main")->info("running {} bots", cfg.symbols.size());
    }

    void reload(bot::Supervisor& supervisor, const config::Config& next) override {
        supervisor.reload(next);
    }

    void add_metrics(MetricsSnapshot&) const override {}
    void stop(Clock::time_point) override {}
    void detach() override {}

private:
    // Constant after construction
    const std::string path_;           // as the config says it (relative: to the working folder)
    const std::string absolute_path_;  // as the logs and the lock name it

    // Declared before the database: the lock is let go only after the file is closed.
    std::optional<storage::ProcessLock> lock_;
    std::optional<storage::Database> db_;
};

}  // namespace

std::unique_ptr<StateStore> make_file_store(const config::DatabaseConfig& database) {
    return std::make_unique<FileStore>(database);
}

}  // namespace service
