// Helpers of the storage tests: a real spdlog logger that keeps every line and can hold a writer
// up inside the sink (as a stderr pipe that nobody drains would: journald stalled, a full
// terminal), options that retry fast and log there, and a generous wait for a condition.
#pragma once

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/options.h"

namespace storage_test {

class CaptureSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    // While blocked, a line containing `needle` waits inside the sink until release().
    void block_on(std::string needle) {
        std::lock_guard<std::mutex> lock(mu_);
        block_needle_ = std::move(needle);
    }
    void release() {
        std::lock_guard<std::mutex> lock(mu_);
        block_needle_.clear();
        cv_.notify_all();
    }
    // How many writers are held inside the sink right now.
    int blocked() const {
        std::lock_guard<std::mutex> lock(mu_);
        return blocked_;
    }
    std::vector<std::string> lines() const {
        std::lock_guard<std::mutex> lock(mu_);
        return lines_;
    }
    // Index of the first line containing `needle` (lines().size() if none).
    std::size_t first(const std::string& needle) const {
        const auto all = lines();
        for (std::size_t i = 0; i < all.size(); ++i) {
            if (all[i].find(needle) != std::string::npos) return i;
        }
        return all.size();
    }
    std::size_t count(const std::string& needle) const {
        std::size_t n = 0;
        for (const auto& l : lines()) n += l.find(needle) != std::string::npos;
        return n;
    }
    // Polls until `n` lines contain `needle`, for at most `timeout`.
    bool wait_for_lines(const std::string& needle, std::size_t n,
                        std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
        const auto until = std::chrono::steady_clock::now() + timeout;
        std::unique_lock<std::mutex> lock(mu_);
        return cv_.wait_until(lock, until, [&] {
            std::size_t found = 0;
            for (const auto& l : lines_) found += l.find(needle) != std::string::npos;
            return found >= n;
        });
    }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        std::string text(msg.payload.data(), msg.payload.size());
        std::unique_lock<std::mutex> lock(mu_);
        lines_.push_back(text);
        cv_.notify_all();
        if (!block_needle_.empty() && text.find(block_needle_) != std::string::npos) {
            ++blocked_;
            cv_.wait(lock, [&] { return block_needle_.empty(); });
            --blocked_;
        }
    }
    void flush_() override {}

private:
    mutable std::mutex mu_;
    mutable std::condition_variable cv_;
    std::vector<std::string> lines_;
    std::string block_needle_;
    int blocked_ = 0;
};

inline std::shared_ptr<spdlog::logger> capture_logger(const std::shared_ptr<CaptureSink>& sink) {
    auto logger = std::make_shared<spdlog::logger>("storage-test", sink);
    logger->set_level(spdlog::level::trace);
    return logger;
}

// Retries after a transient failure within milliseconds; logs into `sink`.
inline storage::Options fast_retry(std::shared_ptr<CaptureSink> sink = {}) {
    storage::Options o;
    o.retry_initial = std::chrono::milliseconds(2);
    o.retry_max = std::chrono::milliseconds(20);
    o.logger = capture_logger(sink ? sink : std::make_shared<CaptureSink>());
    return o;
}

// Polls `pred` until it holds, for at most a minute.
template <class Pred>
bool eventually(Pred pred) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

}  // namespace storage_test
