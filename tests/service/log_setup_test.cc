// Log line formats (service/log_setup.h): text, journal and JSON.
#include "service/log_setup.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>

using service::format_log_line;
using service::LogFormat;

namespace {
// 2026-11-26 15:55:57.123 UTC
const auto kTime = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795708557123));
}  // namespace

TEST_CASE("log: text lines carry time, level, the logger name and the message", "[log]") {
    std::string line = format_log_line(LogFormat::kText, spdlog::level::info, "BTCUSDT",
                                       "signal BUY price=1 id=2", kTime);
    CHECK(std::regex_match(
        line,
        std::regex(
            R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.123 info \[BTCUSDT\] signal BUY price=1 id=2\n)")));
    line = format_log_line(LogFormat::kText, spdlog::level::warn, "main", "x", kTime);
    CHECK(line.find(" warn [main] x\n") != std::string::npos);
}

TEST_CASE("log: journal lines drop the time and carry the syslog priority", "[log]") {
    CHECK(format_log_line(LogFormat::kJournal, spdlog::level::info, "ETHUSDT", "m", kTime) ==
          "<6>info [ETHUSDT] m\n");
    CHECK(format_log_line(LogFormat::kJournal, spdlog::level::debug, "a", "m", kTime) ==
          "<7>debug [a] m\n");
    CHECK(format_log_line(LogFormat::kJournal, spdlog::level::trace, "a", "m", kTime) ==
          "<7>trace [a] m\n");
    CHECK(format_log_line(LogFormat::kJournal, spdlog::level::warn, "a", "m", kTime) ==
          "<4>warn [a] m\n");
    CHECK(format_log_line(LogFormat::kJournal, spdlog::level::err, "a", "m", kTime) ==
          "<3>error [a] m\n");
}

TEST_CASE("log: json lines are one escaped object each", "[log]") {
    const std::string msg = "reason=\"ema9 > ema21\"\\ tab\t newline\n ctl\x01 end";
    std::string line = format_log_line(LogFormat::kJson, spdlog::level::err, "XRPUSDT", msg, kTime);
    REQUIRE(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);  // one line, whatever the message holds
    auto j = nlohmann::json::parse(line);
    CHECK(j["ts"] == "2026-11-26T15:55:57.123Z");
    CHECK(j["level"] == "error");
    CHECK(j["logger"] == "XRPUSDT");
    CHECK(j["msg"] == msg);
}

TEST_CASE("log: invalid UTF-8 still gives valid JSON", "[log]") {
    std::string line =
        format_log_line(LogFormat::kJson, spdlog::level::info, "main", "bad \xff\xfe byte", kTime);
    CHECK_NOTHROW(nlohmann::json::parse(line));
}

TEST_CASE("log: level names", "[log]") {
    CHECK(service::parse_log_level("warn") == spdlog::level::warn);
    CHECK(service::parse_log_level("error") == spdlog::level::err);
    CHECK(service::parse_log_level("trace") == spdlog::level::trace);
    CHECK_FALSE(service::parse_log_level("warning").has_value());
    CHECK_FALSE(service::parse_log_level("").has_value());
    CHECK(service::level_name(spdlog::level::warn) == "warn");
}

TEST_CASE("log: loggers are created once and shared", "[log]") {
    auto a = service::get_logger("BTCUSDT");
    auto b = service::get_logger("BTCUSDT");
    CHECK(a == b);
    CHECK(a->name() == "BTCUSDT");
}

TEST_CASE("log: no URL credentials and no raw bytes in any format, one line per message", "[log]") {
    const std::string msg =
        "connect wss://trader:hunter2@stream.example:9443/ws failed: \xff\nfake";
    const std::string text =
        format_log_line(LogFormat::kText, spdlog::level::warn, "main", msg, kTime);
    CHECK(text.find(" warn [main] connect wss://***@stream.example:9443/ws failed: "
                    "\\xff\\x0afake\n") != std::string::npos);
    CHECK(format_log_line(LogFormat::kJournal, spdlog::level::warn, "main", msg, kTime) ==
          "<4>warn [main] connect wss://***@stream.example:9443/ws failed: \\xff\\x0afake\n");
    const auto j = nlohmann::json::parse(
        format_log_line(LogFormat::kJson, spdlog::level::warn, "main", msg, kTime));
    CHECK(j["msg"] == "connect wss://***@stream.example:9443/ws failed: \\xff\nfake");
    for (const auto& line : {text, j.dump()}) {
        CHECK(line.find("hunter2") == std::string::npos);
        CHECK(line.find('\xff') == std::string::npos);
    }
}
