// The kline archive reader: file names, the CSV parser (every trap the archive and hand-made
// files set), overlapping files, gaps, zips and their checksums. Real files in temporary folders,
// real zips (libzip) and checksums made by sha256sum.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "backtest/archive/candle_source.h"
#include "backtest/archive/data_error.h"
#include "backtest/archive/kline_csv.h"
#include "backtest/archive/name.h"
#include "backtest/archive/scan.h"
#include "config/calendar.h"
#include "kline_files.h"
#include "support/temp_dir.h"

using backtest::ArchiveFile;
using backtest::Candle;
using backtest::CandleSource;
using backtest::DataError;
using backtest_test::csv;
using backtest_test::Row;
using config::Decimal;
using testing_support::TempDir;
namespace fs = std::filesystem;

namespace {

const std::int64_t kJan2024 = config::utc_ms(2024, 1, 1);
const std::int64_t kFeb2024 = config::utc_ms(2024, 2, 1);
constexpr std::int64_t kMin = INT64_MIN;
constexpr std::int64_t kMax = INT64_MAX;

// The header row of the archive's files that have one.
constexpr const char* kHeader =
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
    "taker_buy_volume,taker_buy_quote_volume,ignore\n";

Decimal dec(const char* s) { return Decimal::from_string(s); }

// Parses `text` as a January 2024 file.
std::vector<Candle> parse(const std::string& text) {
    std::vector<Candle> out;
    backtest::parse_klines(text, "BTCUSDT-1m-2024-01.csv", kJan2024, kFeb2024, out);
    return out;
}

std::string parse_error(const std::string& text) {
    try {
        parse(text);
    } catch (const DataError& e) {
        return e.what();
    }
    return "(accepted)";
}

// One well-formed January row at minute `i`.
std::string row(int i, const char* close = "42000.5") {
    Row r;
    r.open_ms = kJan2024 + i * 60000;
    r.open = r.high = r.low = r.close = close;
    r.volume = "1.5";
    return backtest_test::csv_row(r);
}

// Every candle `source` delivers.
std::vector<Candle> drain(CandleSource& source) {
    std::vector<Candle> out;
    source.run([&](std::span<const Candle> run) {
        out.insert(out.end(), run.begin(), run.end());
        return true;
    });
    return out;
}

CandleSource source_for(const fs::path& dir, std::int64_t from = kMin, std::int64_t to = kMax) {
    return CandleSource("BTCUSDT", "1m",
                        backtest::files_for(backtest::scan_archive(dir), "BTCUSDT", "1m", from, to),
                        from, to);
}

std::string run_error(CandleSource source) {
    try {
        drain(source);
    } catch (const DataError& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("archive names: monthly and daily, csv and zip", "[reader]") {
    auto m = backtest::parse_archive_name("BTCUSDT-1m-2024-02.csv");
    REQUIRE(m);
    CHECK(m->symbol == "BTCUSDT");
    CHECK(m->interval == "1m");
    CHECK(m->year == 2024);
    CHECK(m->month == 2);
    CHECK(m->day == 0);
    CHECK_FALSE(m->zip);
    CHECK(m->begin_ms() == config::utc_ms(2024, 2, 1));
    CHECK(m->end_ms() == config::utc_ms(2024, 3, 1));  // 29 days: a leap year
    CHECK(m->period() == "2024-02");

    auto d = backtest::parse_archive_name("ETHUSDT-15m-2025-12-31.zip");
    REQUIRE(d);
    CHECK(d->zip);
    CHECK(d->day == 31);
    CHECK(d->end_ms() - d->begin_ms() == config::kMsPerDay);
    CHECK(d->period() == "2025-12-31");

    CHECK(backtest::parse_archive_name("XRPUSDT-1M-2024-01.csv"));  // monthly candles
    for (const char* bad :
         {"BTCUSDT-1m-2024-01.zip.CHECKSUM", "BTCUSDT-2m-2024-01.csv", "btcusdt-1m-2024-01.csv",
          "BTCUSDT-1m-2024-13.csv", "BTCUSDT-1m-2023-02-29.csv", "BTCUSDT-1m-2024-1.csv",
          "BTCUSDT-1m-2024-01-01-01.csv", "BTCUSDT-1m-2024-01.txt", "BTCUSDT-2024-01.csv",
          "BTC-USDT-1m-2024-01.csv", "BTCUSDT-1m-24-01.csv"}) {
        INFO(bad);
        CHECK_FALSE(backtest::parse_archive_name(bad));
    }
    CHECK(backtest::archive_pattern("BTCUSDT", "1m") == "BTCUSDT-1m-<YYYY-MM>[-<DD>].csv|.zip");
    CHECK(backtest::monthly_csv_name("BTCUSDT", "1h", 2024, 3) == "BTCUSDT-1h-2024-03.csv");
}

TEST_CASE("a row: every field read exactly", "[reader]") {
    auto c = parse(
        "1704067200000,42283.58000000,42554.57000000,42261.02000000,42475.23000000,"
        "1271.68108000,1704070799999,53957248.97378900,47134,682.57581000,28957416.81963450,0\n");
    REQUIRE(c.size() == 1);
    CHECK(c[0].open_ms == 1704067200000);
    CHECK(c[0].close_ms == 1704070799999);
    CHECK(c[0].open == dec("42283.58"));
    CHECK(c[0].high == dec("42554.57"));
    CHECK(c[0].low == dec("42261.02"));
    CHECK(c[0].close == dec("42475.23"));
    CHECK(c[0].volume == dec("1271.68108"));
    // Up to 12 decimals are exact; zeros beyond them are fine.
    auto fine = parse(
        "1704067200000,0.000000000001,0.00000000000100,0.000000000001,"
        "0.000000000001,0,1704067259999,0,0,0,0,0\n");
    REQUIRE(fine.size() == 1);
    CHECK(fine[0].close.raw() == 1);
    CHECK(fine[0].volume.is_zero());
}

TEST_CASE("tolerated: header, no final newline, CRLF, blank lines", "[reader]") {
    const std::string header = kHeader;
    CHECK(parse(header + row(0) + row(1)).size() == 2);
    std::string last = row(0) + row(1);
    last.pop_back();  // no newline after the last row
    auto c = parse(last);
    REQUIRE(c.size() == 2);
    CHECK(c[1].open_ms == kJan2024 + 60000);
    std::string crlf = row(0);
    crlf.insert(crlf.size() - 1, "\r");
    CHECK(parse(crlf + crlf.substr(0, crlf.size() - 2)).size() == 2);
    CHECK(parse("\n" + row(0) + "\n\r\n" + row(1) + "\n").size() == 2);
    CHECK(parse("").empty());
    CHECK(parse(header).empty());
}

TEST_CASE("open and close times in microseconds, detected row by row", "[reader]") {
    // The archive's spot files from 2025 on give microseconds; a file may mix both.
    const std::int64_t t = config::utc_ms(2024, 1, 31) + 23 * 3600000 + 59 * 60000;
    std::vector<Candle> out;
    backtest::parse_klines(std::to_string(t) + ",1,1,1,1,1," + std::to_string(t + 59999) +
                               ",0,0,0,0,0\n" + std::to_string((t - 60000) * 1000) + ",2,2,2,2,2," +
                               std::to_string((t - 60000) * 1000 + 59999999) + ",0,0,0,0,0\n",
                           "x.csv", kJan2024, kFeb2024, out);
    REQUIRE(out.size() == 2);
    CHECK(out[0].open_ms == t);
    CHECK(out[1].open_ms == t - 60000);
    CHECK(out[1].close_ms == t - 1);
}

TEST_CASE("a malformed row names file:line, the field and the problem", "[reader]") {
    const std::string ok = row(0);
    const std::string p = "BTCUSDT-1m-2024-01.csv:";
    // The line number counts the header and blank lines.
    CHECK(parse_error(std::string(kHeader) + ok +
                      "\n1704067260000,42000.x,1,1,1,1,1704067319999,0,0,"
                      "0,0,0\n") == p + "4: open: expected a decimal number, got \"42000.x\"");
    CHECK(parse_error(ok + "1704067260000,1,1,1,1,1,1704067319999\n") ==
          p + "2: row: expected 12 fields, got 7");
    CHECK(parse_error(ok + "1704067260000,1,1,1,1,1,1704067319999,0,0,0,0,0,7\n") ==
          p + "2: row: more than 12 fields (ignore is the last)");
    CHECK(parse_error("1704067200000,1,,1,1,1,1704067259999,0,0,0,0,0\n") ==
          p + "1: high: expected a decimal number, got \"\"");
    CHECK(parse_error("1704067200000,-1,1,1,1,1,1704067259999,0,0,0,0,0\n") ==
          p + "1: open: expected a decimal number, got \"-1\"");
    CHECK(parse_error("1704067200000,1,1,1,1,1e3,1704067259999,0,0,0,0,0\n") ==
          p + "1: volume: expected a decimal number, got \"1e3\"");
    CHECK(parse_error("1704067200000,1,1,1,0.0000000000011,1,1704067259999,0,0,0,0,0\n") ==
          p + "1: close: more than 12 decimals, got \"0.0000000000011\"");
    CHECK(parse_error("1704067200000,1,1,1,1,1,1704067259999,0,4.5,0,0,0\n") ==
          p + "1: trades: expected a whole number, got \"4.5\"");
    CHECK(parse_error("17040672OO000,1,1,1,1,1,1704067259999,0,0,0,0,0\n") ==
          p + "1: open_time: expected a whole number, got \"17040672OO000\"");
    CHECK(parse_error(ok + "1704067260000,1,1,1,1,1,x,0,0,0,0,0\n") ==
          p + "2: close_time: expected a whole number, got \"x\"");
    CHECK(parse_error("1704067200000,0,1,0,1,1,1704067259999,0,0,0,0,0\n") ==
          p + "1: open: a price must be > 0");
    CHECK(parse_error("1704067200000,10,11,9,12,1,1704067259999,0,0,0,0,0\n") ==
          p + "1: high: high 11 is below the open, close or low");
    CHECK(parse_error("1704067200000,10,12,11,12,1,1704067259999,0,0,0,0,0\n") ==
          p + "1: low: low 11 is above the open or close");
    CHECK(parse_error("1704067200000,1,1,1,1,1,1704067199999,0,0,0,0,0\n") ==
          p + "1: close_time: before the open time");
    CHECK(parse_error("1706745600000,1,1,1,1,1,1706745659999,0,0,0,0,0\n") ==
          p + "1: open_time: 2024-02-01 00:00 is outside 2024-01-01 .. 2024-01-31, the period "
              "the file name says");
    CHECK(parse_error("1704067200000,1,1,1,1,1,1704067259999,0,0,0,0,0\nnot,a,row\n") ==
          p + "2: open_time: expected a whole number, got \"not\"");
}

TEST_CASE("only a real header row is skipped: a damaged first row is an error", "[reader]") {
    const std::string p = "BTCUSDT-1m-2024-01.csv:";
    // A first row whose open time lost its first digit to a stray byte is no header: it is a
    // malformed row, named, never dropped without a word.
    CHECK(parse_error("O704067200000,1,1,1,1,1,1704067259999,0,0,0,0,0\n" + row(1)) ==
          p + "1: open_time: expected a whole number, got \"O704067200000\"");
    CHECK(parse_error(" 1704067200000,1,1,1,1,1,1704067259999,0,0,0,0,0\n" + row(1)) ==
          p + "1: open_time: expected a whole number, got \" 1704067200000\"");
    CHECK(parse_error(std::string(3, '\0') + row(0).substr(3) + row(1)) ==
          p + "1: open_time: expected a whole number, got \"\\x00\\x00\\x00" +
              row(0).substr(3, 10) + "\"");
    // Words in the first line, but not the archive's twelve column names.
    CHECK(parse_error("open_time,x\n" + row(0)) ==
          p + "1: header: expected the 12 column names, got 2 fields");
    CHECK(parse_error("garbage\n" + row(0)) ==
          p + "1: header: expected the 12 column names, got 1 field");
    // A header is tolerated once, on the first line only.
    CHECK(parse_error(row(0) + kHeader) ==
          p + "2: open_time: expected a whole number, got \"open_time\"");
    // Other spellings of the twelve names are headers too (case, spaces in a name).
    CHECK(parse("Open Time,Open,High,Low,Close,Volume,Close Time,Quote Volume,Trades,"
                "Taker Base,Taker Quote,Ignore\r\n" +
                row(0))
              .size() == 1);
    // A UTF-8 byte order mark before the header (a spreadsheet's export) is no damage.
    CHECK(parse("\xEF\xBB\xBF" + std::string(kHeader) + row(0)).size() == 1);
}

TEST_CASE("CR-only line ends are bad data, with or without a header", "[reader]") {
    const std::string p = "BTCUSDT-1m-2024-01.csv:";
    auto cr_only = [](std::string text) {
        for (char& c : text) {
            if (c == '\n') c = '\r';
        }
        return text;
    };
    const std::string rows = row(0) + row(1) + row(2);
    CHECK(parse_error(cr_only(kHeader + rows)) ==
          p + "1: row: a line ends with a lone carriage return (CR line ends); expected LF or "
              "CRLF");
    CHECK(parse_error(cr_only(rows)) ==
          p + "1: row: a line ends with a lone carriage return (CR line ends); expected LF or "
              "CRLF");
    // A CR at the very end (a CRLF file cut before its last LF) is no damage.
    std::string crlf = row(0);
    crlf.insert(crlf.size() - 1, "\r");
    CHECK(parse(crlf + crlf.substr(0, crlf.size() - 1)).size() == 2);
}

TEST_CASE("scan: any depth, archive names only, a missing folder is no data", "[reader]") {
    TempDir tmp;
    const fs::path data = tmp.path() / "data";
    backtest_test::write_file(data / "spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.csv",
                              row(0));
    backtest_test::write_file(data / "BTCUSDT-1m-2024-01-02.csv", "");
    backtest_test::write_file(data / "notes.txt", "x");
    backtest_test::write_file(data / "a/b/c/ETHUSDT-5m-2024-01.zip", "");
    auto all = backtest::scan_archive(data);
    REQUIRE(all.size() == 3);
    auto btc = backtest::files_for(all, "BTCUSDT", "1m", kMin, kMax);
    REQUIRE(btc.size() == 2);
    CHECK(btc[0].name.day == 0);  // the month first, then the day inside it
    CHECK(btc[1].name.day == 2);
    CHECK(backtest::files_for(all, "BTCUSDT", "1m", kFeb2024, kMax).empty());
    CHECK(backtest::files_for(all, "ETHUSDT", "1m", kMin, kMax).empty());
    CHECK(backtest::files_for(all, "ETHUSDT", "5m", kMin, kMax).size() == 1);
    CHECK_THROWS_AS(backtest::scan_archive(tmp.path() / "nowhere"), backtest::NoDataError);
}

TEST_CASE("overlapping files are merged by open time, the first file winning", "[reader]") {
    TempDir tmp;
    const fs::path data = tmp.path();
    // The month lacks minute 2; the day file (inside the month) has minutes 1..3, minute 3 with
    // another close than the month's.
    backtest_test::write_file(data / "m/BTCUSDT-1m-2024-01.csv", row(0) + row(1) + row(3) + row(4));
    backtest_test::write_file(data / "d/BTCUSDT-1m-2024-01-01.csv",
                              row(1) + row(2) + row(3, "41000"));
    // The same month again as a zip, elsewhere.
    backtest_test::write_zip(data / "z/BTCUSDT-1m-2024-01.zip", "BTCUSDT-1m-2024-01.csv",
                             row(0) + row(1) + row(3) + row(4));
    auto source = source_for(data);
    auto c = drain(source);
    REQUIRE(c.size() == 5);
    for (int i = 0; i < 5; ++i)
        CHECK(c[static_cast<std::size_t>(i)].open_ms == kJan2024 + i * 60000);
    CHECK(c[3].close == dec("42000.5"));  // the month's value, not the day's
    const auto& st = source.stats();
    CHECK(st.files == 3);
    CHECK(st.rows == 11);
    CHECK(st.candles == 5);
    CHECK(st.duplicates == 6);
    CHECK(st.conflicts == 1);
    CHECK(st.first_conflict.find("2024-01-01 00:03 in ") == 0);
    CHECK(st.first_conflict.find("BTCUSDT-1m-2024-01-01.csv differs from ") != std::string::npos);
    CHECK(st.gaps == 0);
}

TEST_CASE("gaps are counted and listed, never filled", "[reader]") {
    TempDir tmp;
    std::string text;
    for (int i : {0, 1, 2, 5, 6, 20}) text += row(i);
    backtest_test::write_file(tmp.path() / "BTCUSDT-1m-2024-01.csv", text);
    auto source = source_for(tmp.path());
    CHECK(drain(source).size() == 6);
    const auto& st = source.stats();
    CHECK(st.gaps == 2);
    CHECK(st.missing == 2 + 13);
    REQUIRE(st.first_gaps.size() == 2);
    CHECK(st.first_gaps[0].after_open_ms == kJan2024 + 2 * 60000);
    CHECK(st.first_gaps[0].missing == 2);
    CHECK(st.first_gaps[1].after_open_ms == kJan2024 + 6 * 60000);
    CHECK(st.first_gaps[1].missing == 13);
}

TEST_CASE("months follow each other without a gap, also from milliseconds to microseconds",
          "[reader]") {
    TempDir tmp;
    // December 2024 in milliseconds, January 2025 in microseconds (as the archive has them).
    const auto rows = backtest_test::walk(config::utc_ms(2024, 12, 31) + 23 * 3600000, 120, 100, 1);
    std::string dec_text, jan_text;
    for (const auto& r : rows) {
        if (r.open_ms < config::utc_ms(2025, 1, 1)) {
            dec_text += backtest_test::csv_row(r);
        } else {
            Row us = r;
            us.open_ms = r.open_ms * 1000;
            us.close_ms = (r.open_ms + 59999) * 1000 + 999;
            jan_text += backtest_test::csv_row(us);
        }
    }
    backtest_test::write_file(tmp.path() / "BTCUSDT-1m-2024-12.csv", dec_text);
    backtest_test::write_file(tmp.path() / "BTCUSDT-1m-2025-01.csv", jan_text);
    auto source = source_for(tmp.path());
    auto c = drain(source);
    REQUIRE(c.size() == 120);
    for (std::size_t i = 0; i < c.size(); ++i) CHECK(c[i].open_ms == rows[i].open_ms);
    CHECK(c.back().close_ms == rows.back().open_ms + 59999);
    CHECK(source.stats().gaps == 0);
}

TEST_CASE("a date range: candles outside it are skipped", "[reader]") {
    TempDir tmp;
    std::string text;
    for (int i = 0; i < 10; ++i) text += row(i);
    backtest_test::write_file(tmp.path() / "BTCUSDT-1m-2024-01.csv", text);
    auto source = source_for(tmp.path(), kJan2024 + 3 * 60000, kJan2024 + 7 * 60000);
    auto c = drain(source);
    REQUIRE(c.size() == 4);
    CHECK(c.front().open_ms == kJan2024 + 3 * 60000);
    CHECK(c.back().open_ms == kJan2024 + 6 * 60000);
    CHECK(source.stats().gaps == 0);
}

TEST_CASE("a file out of order is sorted", "[reader]") {
    TempDir tmp;
    backtest_test::write_file(tmp.path() / "BTCUSDT-1m-2024-01.csv", row(2) + row(0) + row(1));
    auto source = source_for(tmp.path());
    auto c = drain(source);
    REQUIRE(c.size() == 3);
    CHECK(c[0].open_ms == kJan2024);
    CHECK(c[2].open_ms == kJan2024 + 120000);
}

TEST_CASE("zips: read, checksum verified, refused when damaged or failing it", "[reader]") {
    TempDir tmp;
    const std::string text = row(0) + row(1) + row(2);
    const fs::path zip = tmp.path() / "ok/BTCUSDT-1m-2024-01.zip";
    backtest_test::write_zip(zip, "BTCUSDT-1m-2024-01.csv", text);
    backtest_test::write_checksum(zip);
    {
        auto source = source_for(tmp.path() / "ok");
        CHECK(drain(source).size() == 3);
        CHECK(source.stats().checksums_verified == 1);
    }
    SECTION("a zip without a .CHECKSUM is read unverified") {
        fs::remove(zip.string() + ".CHECKSUM");
        auto source = source_for(tmp.path() / "ok");
        CHECK(drain(source).size() == 3);
        CHECK(source.stats().checksums_verified == 0);
    }
    SECTION("a zip whose bytes changed fails its checksum, named") {
        const std::string sum = backtest_test::read_file(zip.string() + ".CHECKSUM");
        backtest_test::write_zip(zip, "BTCUSDT-1m-2024-01.csv", row(0) + row(1) + row(3));
        const std::string e = run_error(source_for(tmp.path() / "ok"));
        CHECK(e.find(zip.string() + ": checksum mismatch: SHA-256 is ") == 0);
        CHECK(e.find(sum.substr(0, 64)) != std::string::npos);
    }
    SECTION("a cut-off zip is refused, named") {
        std::string bytes = backtest_test::read_file(zip);
        backtest_test::write_file(zip, bytes.substr(0, bytes.size() / 2));
        fs::remove(zip.string() + ".CHECKSUM");
        CHECK(run_error(source_for(tmp.path() / "ok")).find(zip.string() + ": ") == 0);
    }
    SECTION("a .CHECKSUM not in the archive's format is refused, named") {
        backtest_test::write_file(zip.string() + ".CHECKSUM", "hello\n");
        CHECK(run_error(source_for(tmp.path() / "ok")) ==
              zip.string() +
                  ".CHECKSUM: not a checksum file (expected \"<sha256 hex>  <file name>\")");
    }
    SECTION("a malformed row inside a zip names the zip and the line") {
        backtest_test::write_zip(zip, "BTCUSDT-1m-2024-01.csv", row(0) + "1,2\n");
        fs::remove(zip.string() + ".CHECKSUM");
        CHECK(run_error(source_for(tmp.path() / "ok")) ==
              zip.string() + ":2: row: expected 12 fields, got 2");
    }
    SECTION("a zip whose header claims more than its period's candles can fill is refused") {
        // A month of 1m candles is 44640 rows of at most 512 bytes each (and a header): a claim
        // of 100 MB is a lie, refused before anything is allocated for it.
        backtest_test::declare_zip_size(zip, 100'000'000);
        fs::remove(zip.string() + ".CHECKSUM");
        CHECK(run_error(source_for(tmp.path() / "ok")) ==
              zip.string() +
                  ": its header declares 100000000 bytes for BTCUSDT-1m-2024-01.csv, more than "
                  "a month of 1m candles can fill (22859776 bytes at most); refused");
    }
    SECTION("a zip whose header claims less than it holds is refused") {
        backtest_test::declare_zip_size(zip, 10);
        fs::remove(zip.string() + ".CHECKSUM");
        CHECK(run_error(source_for(tmp.path() / "ok")) ==
              zip.string() +
                  ": BTCUSDT-1m-2024-01.csv inflates to more than the 10 bytes its "
                  "header declares; refused");
    }
    SECTION("a zip whose header claims more than it holds, within the bound, is damaged") {
        backtest_test::declare_zip_size(zip, static_cast<std::uint32_t>(text.size() + 1000));
        fs::remove(zip.string() + ".CHECKSUM");
        CHECK(run_error(source_for(tmp.path() / "ok")) ==
              zip.string() + ": damaged (the entry ends early)");
    }
    SECTION("a zip without a csv inside is refused") {
        backtest_test::write_zip(zip, "readme.txt", "x");
        fs::remove(zip.string() + ".CHECKSUM");
        CHECK(run_error(source_for(tmp.path() / "ok")) == zip.string() + ": holds no .csv file");
    }
}
