#include "kline_files.h"

#include <zip.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>

#include "backtest/archive/name.h"
#include "config/calendar.h"
#include "support/child_process.h"

namespace backtest_test {

namespace fs = std::filesystem;

std::string csv_row(const Row& r) {
    const std::int64_t close_ms = r.close_ms != 0 ? r.close_ms : r.open_ms + 59999;
    return std::to_string(r.open_ms) + "," + r.open + "," + r.high + "," + r.low + "," + r.close +
           "," + r.volume + "," + std::to_string(close_ms) + ",1000.5,42," + r.volume +
           ",500.25,0\n";
}

std::string csv(const std::vector<Row>& rows) {
    std::string out;
    for (const auto& r : rows) out += csv_row(r);
    return out;
}

std::vector<Row> walk(std::int64_t start_ms, int n, double start_price, std::uint64_t seed,
                      int decimals) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> step(0.0, 0.002);
    auto text = [decimals](double v) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
        return std::string(buf);
    };
    std::vector<Row> rows;
    double close = start_price;
    double trend = 0;
    for (int i = 0; i < n; ++i) {
        const double open = close;
        trend = 0.9 * trend + 0.4 * step(rng);  // runs of a few candles, as markets have
        close = open * std::exp(step(rng) + trend);
        const double high = std::max(open, close) * (1 + std::abs(step(rng)) / 4);
        const double low = std::min(open, close) * (1 - std::abs(step(rng)) / 4);
        Row r;
        r.open_ms = start_ms + static_cast<std::int64_t>(i) * 60000;
        r.open = text(open);
        r.close = text(close);
        // Rounding may not move the high below the open or close, nor the low above.
        r.high = text(high);
        r.low = text(low);
        if (std::stod(r.high) < std::max(std::stod(r.open), std::stod(r.close))) {
            r.high = std::stod(r.open) > std::stod(r.close) ? r.open : r.close;
        }
        if (std::stod(r.low) > std::min(std::stod(r.open), std::stod(r.close))) {
            r.low = std::stod(r.open) < std::stod(r.close) ? r.open : r.close;
        }
        r.volume = "12.5";
        close = std::stod(r.close);
        rows.push_back(std::move(r));
    }
    return rows;
}

void write_file(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_zip(const fs::path& zip, const std::string& entry, const std::string& content) {
    fs::create_directories(zip.parent_path());
    fs::remove(zip);
    int err = 0;
    zip_t* z = zip_open(zip.c_str(), ZIP_CREATE | ZIP_EXCL, &err);
    if (!z) throw std::runtime_error("zip_open failed for " + zip.string());
    // libzip reads the buffer at zip_close, so it must live until then.
    std::string copy = content;
    zip_source_t* src = zip_source_buffer(z, copy.data(), copy.size(), 0);
    if (!src || zip_file_add(z, entry.c_str(), src, ZIP_FL_OVERWRITE) < 0) {
        zip_discard(z);
        throw std::runtime_error("zip_file_add failed for " + zip.string());
    }
    if (zip_close(z) != 0) throw std::runtime_error("zip_close failed for " + zip.string());
}

void declare_zip_size(const fs::path& zip, std::uint32_t uncompressed) {
    std::string bytes = read_file(zip);
    auto put32 = [&](std::size_t at, std::uint32_t v) {
        for (int i = 0; i < 4; ++i)
            bytes[at + static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
    };
    // Every local file header (PK\3\4, size at +22) and central directory entry (PK\1\2, size
    // at +24): the two must agree, or libzip refuses the archive as inconsistent.
    int patched = 0;
    for (std::size_t at = 0; at + 46 <= bytes.size(); ++at) {
        if (bytes.compare(at, 4, "PK\x03\x04") == 0) {
            put32(at + 22, uncompressed);
            ++patched;
        } else if (bytes.compare(at, 4, "PK\x01\x02") == 0) {
            put32(at + 24, uncompressed);
            ++patched;
        }
    }
    if (patched != 2) throw std::runtime_error("not a one-entry zip: " + zip.string());
    write_file(zip, bytes);
}

void write_checksum(const fs::path& zip) {
    auto r = testing_support::run({"/usr/bin/sha256sum", zip.filename().string()},
                                  std::chrono::seconds(30), {}, zip.parent_path().string());
    if (r.exit_code != 0) throw std::runtime_error("sha256sum failed: " + r.err);
    write_file(fs::path(zip.string() + ".CHECKSUM"), r.out);
}

std::vector<fs::path> write_monthly(const fs::path& dir, const std::string& symbol,
                                    const std::string& interval, const std::vector<Row>& rows) {
    std::map<std::pair<int, int>, std::string> months;
    for (const auto& r : rows) {
        const config::CivilTime t = config::civil_from_ms(r.open_ms);
        months[{t.year, t.month}] += csv_row(r);
    }
    std::vector<fs::path> out;
    for (const auto& [ym, text] : months) {
        const fs::path p = dir / backtest::monthly_csv_name(symbol, interval, ym.first, ym.second);
        write_file(p, text);
        out.push_back(p);
    }
    return out;
}

}  // namespace backtest_test
