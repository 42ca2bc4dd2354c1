#include "service/log_setup.h"

#include <spdlog/sinks/base_sink.h>
#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "config/calendar.h"
#include "config/safe_text.h"

namespace service {
namespace {

// Writes each message as one complete line with a single fwrite, so lines from many threads
// never interleave. The format can change at run time (init_logging in tests), hence the atomic.
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    void set_format(LogFormat f) { format_.store(f, std::memory_order_relaxed); }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        const std::string line =
            format_log_line(format_.load(std::memory_order_relaxed), msg.level,
                            std::string_view(msg.logger_name.data(), msg.logger_name.size()),
                            std::string_view(msg.payload.data(), msg.payload.size()), msg.time);
        std::fwrite(line.data(), 1, line.size(), stderr);
    }
    void flush_() override { std::fflush(stderr); }

private:
    std::atomic<LogFormat> format_{LogFormat::kText};
};

// The last resort when a sink or a format fails: never throw back into the caller.
void on_log_error(const std::string& what) {
    std::fprintf(stderr, "log error: %s\n", what.c_str());
}

struct Registry {
    std::mutex mu;
    std::shared_ptr<LineSink> sink = std::make_shared<LineSink>();
    std::map<std::string, std::shared_ptr<spdlog::logger>> loggers;  // Guarded by mu
    spdlog::level::level_enum level = spdlog::level::info;           // Guarded by mu
};

Registry& registry() {
    static Registry* r = new Registry;  // never destroyed: threads may log during exit
    return *r;
}

int syslog_priority(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
        case spdlog::level::debug:
            return 7;
        case spdlog::level::info:
            return 6;
        case spdlog::level::warn:
            return 4;
        case spdlog::level::err:
            return 3;
        default:
            return 2;
    }
}

}  // namespace

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) {
    if (name == "trace") return spdlog::level::trace;
    if (name == "debug") return spdlog::level::debug;
    if (name == "info") return spdlog::level::info;
    if (name == "warn") return spdlog::level::warn;
    if (name == "error") return spdlog::level::err;
    return std::nullopt;
}

std::string_view level_name(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
            return "trace";
        case spdlog::level::debug:
            return "debug";
        case spdlog::level::info:
            return "info";
        case spdlog::level::warn:
            return "warn";
        case spdlog::level::err:
            return "error";
        case spdlog::level::critical:
            return "critical";
        default:
            return "off";
    }
}

LogFormat log_format_for(std::string_view config_format) {
    if (config_format == "json") return LogFormat::kJson;
    const char* journal = std::getenv("JOURNAL_STREAM");
    return journal != nullptr && *journal != '\0' ? LogFormat::kJournal : LogFormat::kText;
}

std::string format_log_line(LogFormat format, spdlog::level::level_enum level,
                            std::string_view logger, std::string_view raw_msg,
                            std::chrono::system_clock::time_point time) {
    // Messages quote what they were given (server answers, URLs, config values): no URL
    // credentials and no raw bytes reach the log, and a message stays one line (JSON escapes
    // control characters by itself and keeps them).
    const std::string msg =
        config::safe_text(raw_msg, format == LogFormat::kJson ? config::ControlChars::kKeep
                                                              : config::ControlChars::kEscape);
    const auto ms_total =
        std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
    const time_t secs = static_cast<time_t>(ms_total / 1000);
    const int ms = static_cast<int>(ms_total % 1000);
    std::string out;
    switch (format) {
        case LogFormat::kText: {
            struct tm tm {};
            localtime_r(&secs, &tm);
            char stamp[96];
            std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02d %02d:%02d:%02d.%03d ",
                          tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                          tm.tm_sec, ms);
            out = stamp;
            break;
        }
        case LogFormat::kJournal:
            out = "<" + std::to_string(syslog_priority(level)) + ">";
            break;
        case LogFormat::kJson: {
            nlohmann::ordered_json j;
            j["ts"] = config::format_iso_utc(ms_total);
            j["level"] = std::string(level_name(level));
            j["logger"] = std::string(logger);
            j["msg"] = msg;
            // replace: a message with invalid UTF-8 still gives valid JSON instead of throwing.
            out = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
            out += '\n';
            return out;
        }
    }
    out += level_name(level);
    out += " [";
    out += logger;
    out += "] ";
    out += msg;
    out += '\n';
    return out;
}

void init_logging(const LogOptions& options) {
    auto& r = registry();
    r.sink->set_format(options.format);
    set_log_level(options.level);
    spdlog::set_default_logger(get_logger("main"));
}

void set_log_level(spdlog::level::level_enum level) {
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    r.level = level;
    for (auto& [name, logger] : r.loggers) logger->set_level(level);
}

std::shared_ptr<spdlog::logger> get_logger(const std::string& name) {
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    auto it = r.loggers.find(name);
    if (it != r.loggers.end()) return it->second;
    auto logger = std::make_shared<spdlog::logger>(name, r.sink);
    logger->set_level(r.level);
    logger->set_error_handler(on_log_error);
    logger->flush_on(spdlog::level::warn);
    r.loggers.emplace(name, logger);
    return logger;
}

}  // namespace service
