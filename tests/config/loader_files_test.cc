// What load_config_file agrees to read: regular files up to 1 MiB. A device that never ends
// (/dev/zero once took the daemon down with std::bad_alloc), a FIFO that never answers (it once
// blocked start-up and SIGHUP for good) and an oversized file are refused at once, naming the
// path and what it is.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <future>
#include <string>

#include "config/loader.h"
#include "support/config.h"
#include "support/temp_dir.h"

namespace {

const char* kValid = R"({"symbols": ["BTCUSDT"]})";

std::string error_of(const std::string& path) {
    try {
        testing_support::load_config_file(path);
    } catch (const config::ConfigError& e) {
        return e.what();
    }
    return "(accepted)";
}

// A valid config padded with spaces to exactly `size` bytes.
void write_padded(const std::string& path, std::size_t size) {
    std::string text = kValid;
    text.resize(size, ' ');
    std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("a character device is refused, not read until memory runs out", "[config][files]") {
    CHECK(error_of("/dev/zero") ==
          "/dev/zero: cannot read: a character device, not a regular file");
    CHECK(error_of("/dev/null") ==
          "/dev/null: cannot read: a character device, not a regular file");
}

TEST_CASE("a FIFO is refused without waiting for a writer", "[config][files]") {
    testing_support::TempDir dir;
    const std::string fifo = dir.file("tb.json");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto result = std::async(std::launch::async, [&] { return error_of(fifo); });
    // A generous bound on a hang, not a speed check. If the read blocks, a writer unblocks it so
    // the test ends with a failure instead of hanging.
    if (result.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
        int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
        if (fd >= 0) ::close(fd);
        FAIL("load_config_file blocked on a FIFO");
    }
    CHECK(result.get() == fifo + ": cannot read: a FIFO, not a regular file");
}

TEST_CASE("a config file may hold 1 MiB, not a byte more", "[config][files]") {
    testing_support::TempDir dir;
    const std::string at_limit = dir.file("at_limit.json");
    write_padded(at_limit, config::kMaxConfigBytes);
    CHECK(testing_support::load_config_file(at_limit).symbols.at(0).symbol == "BTCUSDT");

    const std::string over = dir.file("over.json");
    write_padded(over, config::kMaxConfigBytes + 1);
    CHECK(error_of(over) == over +
                                ": cannot read: 1048577 bytes; a config file may hold at most "
                                "1048576 bytes (1 MiB)");
}

TEST_CASE("a symlink to a regular file is read like the file", "[config][files]") {
    testing_support::TempDir dir;
    const std::string real = dir.file("real.json");
    std::ofstream(real) << kValid;
    const std::string link = dir.file("link.json");
    REQUIRE(::symlink(real.c_str(), link.c_str()) == 0);
    CHECK(testing_support::load_config_file(link).symbols.at(0).symbol == "BTCUSDT");
    // ... and a symlink to a device is the device.
    const std::string dev = dir.file("dev.json");
    REQUIRE(::symlink("/dev/zero", dev.c_str()) == 0);
    CHECK(error_of(dev) == dev + ": cannot read: a character device, not a regular file");
}

TEST_CASE("config errors never echo a URL's credentials or raw bytes", "[config][files]") {
    testing_support::TempDir dir;
    SECTION("credentials in a URL are replaced by ***") {
        const std::string path = dir.file("creds.json");
        std::ofstream(path) << R"({"symbols": ["BTCUSDT"], "exchange": {"name": "binance",
            "ws_url": "wss://trader:hunter2@stream.example:9443/ws"}})";
        const std::string e = error_of(path);
        CHECK(e ==
              "exchange.ws_url: expected a ws:// or wss:// URL with a host, got "
              "\"wss://***@stream.example:9443/ws\"");
        CHECK(e.find("hunter2") == std::string::npos);
        CHECK(e.find("trader") == std::string::npos);
    }
    SECTION("an invalid byte is printed as \\xff") {
        const std::string path = dir.file("bytes.json");
        std::ofstream(path, std::ios::binary) << "{\"symbols\": [\"BTC\xff\"]}";
        const std::string e = error_of(path);
        CHECK(e == path +
                       ": invalid JSON at line 1 column 18: syntax error while parsing value - "
                       "invalid string: ill-formed UTF-8 byte; last read: '\"BTC\\xff'");
        CHECK(e.find('\xff') == std::string::npos);
    }
}
