// tradebotd's market-data recorder: the archive's format, one file per symbol and month, no
// candle twice (also across a restart), a half-written last line cut, and what it writes reads
// back through the backtest's own reader candle for candle.
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "backtest/archive/candle_recorder.h"
#include "backtest/archive/candle_source.h"
#include "backtest/archive/scan.h"
#include "config/calendar.h"
#include "kline_files.h"
#include "support/temp_dir.h"

using config::Decimal;
using testing_support::TempDir;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<spdlog::logger> quiet_logger() {
    auto log = std::make_shared<spdlog::logger>("test");
    log->set_level(spdlog::level::off);
    return log;
}

exchange::Kline kline(const std::string& symbol, std::int64_t open_ms, const char* close) {
    exchange::Kline k;
    k.symbol = symbol;
    k.interval = "1m";
    k.open_time_ms = open_ms;
    k.close_time_ms = open_ms + 59999;
    k.open = Decimal::from_string("100.5");
    k.high = Decimal::from_string("101.25");
    k.low = Decimal::from_string("99.00000001");
    k.close = Decimal::from_string(close);
    k.volume = Decimal::from_string("3.14159");
    k.closed = true;
    return k;
}

}  // namespace

TEST_CASE("recorded candles: the archive's format, a file per symbol and month", "[recorder]") {
    TempDir tmp;
    const std::int64_t t = config::utc_ms(2024, 1, 31) + 23 * 3600000 + 58 * 60000;
    {
        backtest::CandleRecorder rec(tmp.path() / "rec", quiet_logger());
        rec.record(kline("BTCUSDT", t, "100.75"));
        rec.record(kline("BTCUSDT", t + 60000, "100.8"));
        rec.record(kline("BTCUSDT", t + 60000, "999"));   // the same candle again: skipped
        rec.record(kline("BTCUSDT", t + 120000, "101"));  // February
        rec.record(kline("ETHUSDT", t, "3000"));
        exchange::Kline update = kline("BTCUSDT", t + 180000, "5");
        update.closed = false;
        rec.record(update);  // not closed: not recorded
        CHECK(rec.written() == 4);
        CHECK(rec.failed() == 0);
    }
    CHECK(backtest_test::read_file(tmp.path() / "rec/BTCUSDT-1m-2024-01.csv") ==
          std::to_string(t) + ",100.5,101.25,99.00000001,100.75,3.14159," +
              std::to_string(t + 59999) + ",0,0,0,0,0\n" + std::to_string(t + 60000) +
              ",100.5,101.25,99.00000001,100.8,3.14159," + std::to_string(t + 119999) +
              ",0,0,0,0,0\n");
    CHECK(backtest_test::read_file(tmp.path() / "rec/BTCUSDT-1m-2024-02.csv") ==
          std::to_string(t + 120000) + ",100.5,101.25,99.00000001,101,3.14159," +
              std::to_string(t + 179999) + ",0,0,0,0,0\n");
    CHECK(fs::exists(tmp.path() / "rec/ETHUSDT-1m-2024-01.csv"));
}

TEST_CASE("a restarted recorder appends after what is there and cuts a half line", "[recorder]") {
    TempDir tmp;
    const fs::path dir = tmp.path() / "rec";
    const auto rows = backtest_test::walk(config::utc_ms(2024, 3, 1), 50, 200, 4);
    auto k_of = [](const backtest_test::Row& r) {
        exchange::Kline k;
        k.symbol = "BTCUSDT";
        k.interval = "1m";
        k.open_time_ms = r.open_ms;
        k.close_time_ms = r.open_ms + 59999;
        k.open = Decimal::from_string(r.open);
        k.high = Decimal::from_string(r.high);
        k.low = Decimal::from_string(r.low);
        k.close = Decimal::from_string(r.close);
        k.volume = Decimal::from_string(r.volume);
        k.closed = true;
        return k;
    };
    {
        backtest::CandleRecorder rec(dir, quiet_logger());
        for (int i = 0; i < 30; ++i) rec.record(k_of(rows[static_cast<std::size_t>(i)]));
    }
    // A crash in the middle of a write.
    const fs::path file = dir / "BTCUSDT-1m-2024-03.csv";
    backtest_test::write_file(file, backtest_test::read_file(file) + "1709256");
    {
        // The bot warms up again on history it saw before: rows 20.. are offered again.
        backtest::CandleRecorder rec(dir, quiet_logger());
        for (int i = 20; i < 50; ++i) rec.record(k_of(rows[static_cast<std::size_t>(i)]));
        CHECK(rec.written() == 20);
    }
    backtest::CandleSource source(
        "BTCUSDT", "1m",
        backtest::files_for(backtest::scan_archive(dir), "BTCUSDT", "1m", INT64_MIN, INT64_MAX),
        INT64_MIN, INT64_MAX);
    std::vector<backtest::Candle> got;
    source.run([&](std::span<const backtest::Candle> run) {
        got.insert(got.end(), run.begin(), run.end());
        return true;
    });
    REQUIRE(got.size() == rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CHECK(got[i].open_ms == rows[i].open_ms);
        CHECK(got[i].close == Decimal::from_string(rows[i].close));
        CHECK(got[i].high == Decimal::from_string(rows[i].high));
    }
    CHECK(source.stats().duplicates == 0);
    CHECK(source.stats().gaps == 0);
}

TEST_CASE("a folder that cannot be created is refused at start", "[recorder]") {
    TempDir tmp;
    backtest_test::write_file(tmp.path() / "file", "x");
    CHECK_THROWS_WITH(
        backtest::CandleRecorder(tmp.path() / "file" / "rec", quiet_logger()),
        Catch::StartsWith("market_data.record_dir " + (tmp.path() / "file" / "rec").string() +
                          ": cannot create the folder"));
}
