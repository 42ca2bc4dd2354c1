// service/log_setup — the daemon's logging: named spdlog loggers sharing one stderr sink.
//
// Formats (docs/reference.md "Logs"):
//   text     2026-11-26 15:55:57.123 info [BTCUSDT] signal BUY price=... id=...
//   journal  <6>info [BTCUSDT] signal BUY ...   (JOURNAL_STREAM set: journald stamps the time and
//            reads the <N> syslog priority: 7 trace/debug, 6 info, 4 warn, 3 error, 2 critical)
//   json     {"ts":"2026-11-26T15:55:57.123Z","level":"info","logger":"BTCUSDT","msg":"..."}
// Loggers are created once (start-up, or when SIGHUP adds a symbol) and held by the components
// that use them. A log call never throws into business code: write errors go to a last-resort
// handler that prints to stderr and returns. Nothing here ever reads a secret.
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace service {

enum class LogFormat { kText, kJournal, kJson };

struct LogOptions {
    LogFormat format = LogFormat::kText;
    spdlog::level::level_enum level = spdlog::level::info;
};

// "trace" | "debug" | "info" | "warn" | "error" (the config and --log-level names).
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name);
// The name this module prints for a level ("warn", not spdlog's "warning").
std::string_view level_name(spdlog::level::level_enum level);

// The format for a config "log.format" value ("text" | "json") in the current environment:
// text becomes journal when JOURNAL_STREAM is set.
LogFormat log_format_for(std::string_view config_format);

// Sets the format and level of every logger (existing and future) and makes "main" the spdlog
// default logger (storage logs through it when given none). Call once at start-up, before
// threads start; later calls (tests) just change format and level.
void init_logging(const LogOptions& options);
// Changes the level of every logger (SIGHUP with a new log.level).
void set_log_level(spdlog::level::level_enum level);

// The named logger, created on first use with the shared sink. Thread-safe; hold the result
// rather than looking it up per message.
std::shared_ptr<spdlog::logger> get_logger(const std::string& name);

// One formatted line, newline included (what the sink writes; exposed for tests).
std::string format_log_line(LogFormat format, spdlog::level::level_enum level,
                            std::string_view logger, std::string_view msg,
                            std::chrono::system_clock::time_point time);

}  // namespace service
