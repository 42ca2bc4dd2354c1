#include "backtest/archive/candle_recorder.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "backtest/archive/kline_csv.h"
#include "backtest/archive/name.h"
#include "config/calendar.h"

namespace backtest {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kWarnIntervalMs = 60000;

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The open time of the last complete line of the file (-1 if none); cuts off an incomplete last
// line. Returns false (errno set) when the file cannot be read or cut.
bool read_tail(int fd, std::int64_t& last_open) {
    last_open = -1;
    struct stat st {};
    if (::fstat(fd, &st) != 0) return false;
    off_t size = st.st_size;
    if (size == 0) return true;
    const off_t chunk = std::min<off_t>(size, 8192);
    std::string tail(static_cast<std::size_t>(chunk), '\0');
    if (::pread(fd, tail.data(), tail.size(), size - chunk) != static_cast<ssize_t>(chunk)) {
        return false;
    }
    if (tail.back() != '\n') {
        // A crash mid-write left half a row: drop it rather than leave a malformed line.
        const std::size_t nl = tail.rfind('\n');
        const off_t keep = nl == std::string::npos ? size - chunk : size - chunk + nl + 1;
        if (nl == std::string::npos && chunk < size) return false;  // a line longer than 8 KiB
        if (::ftruncate(fd, keep) != 0) return false;
        tail.resize(nl == std::string::npos ? 0 : nl + 1);
    }
    // The last non-empty line's first field.
    std::size_t end = tail.size();
    while (end > 0 && (tail[end - 1] == '\n' || tail[end - 1] == '\r')) --end;
    const std::size_t begin = tail.rfind('\n', end == 0 ? 0 : end - 1);
    std::string_view line(tail.data() + (begin == std::string::npos ? 0 : begin + 1),
                          end - (begin == std::string::npos ? 0 : begin + 1));
    std::int64_t v = 0;
    bool digits = false;
    for (char c : line) {
        if (c < '0' || c > '9') break;
        v = v * 10 + (c - '0');
        digits = true;
    }
    if (digits) last_open = v >= kMicrosecondThreshold ? v / 1000 : v;
    return true;
}

}  // namespace

CandleRecorder::CandleRecorder(fs::path dir, std::shared_ptr<spdlog::logger> log)
    : dir_(std::move(dir)), log_(std::move(log)) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec || !fs::is_directory(dir_)) {
        throw std::runtime_error(
            "market_data.record_dir " + dir_.string() +
            ": cannot create the folder: " + (ec ? ec.message() : std::string("not a folder")));
    }
}

CandleRecorder::~CandleRecorder() {
    for (auto& [key, f] : files_) {
        if (f.fd >= 0) ::close(f.fd);
    }
}

std::string CandleRecorder::format_line(const exchange::Kline& k) {
    std::string line = std::to_string(k.open_time_ms);
    for (const config::Decimal* d : {&k.open, &k.high, &k.low, &k.close, &k.volume}) {
        line += ',';
        line += d->to_string();
    }
    line += ',';
    line += std::to_string(k.close_time_ms);
    line += ",0,0,0,0,0\n";
    return line;
}

void CandleRecorder::open_locked(File& f, const exchange::Kline& k, int year_month) {
    if (f.fd >= 0) ::close(f.fd);
    f.fd = -1;
    f.year_month = year_month;
    f.last_open_ms = -1;
    const fs::path path =
        dir_ / monthly_csv_name(k.symbol, k.interval, year_month / 12, year_month % 12 + 1);
    const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
    }
    if (!read_tail(fd, f.last_open_ms)) {
        const int err = errno;
        ::close(fd);
        throw std::runtime_error("cannot read the end of " + path.string() + ": " +
                                 std::strerror(err));
    }
    f.fd = fd;
}

void CandleRecorder::record(const exchange::Kline& k) noexcept {
    if (!k.closed) return;
    std::lock_guard<std::mutex> lock(mu_);
    File* file = nullptr;
    try {
        file = &files_[{k.symbol, k.interval}];
        const config::CivilTime t = config::civil_from_ms(k.open_time_ms);
        const int year_month = t.year * 12 + t.month - 1;
        if (file->fd < 0 || file->year_month != year_month) open_locked(*file, k, year_month);
        if (k.open_time_ms <= file->last_open_ms) return;  // recorded already
        const std::string line = format_line(k);
        const ssize_t n = ::write(file->fd, line.data(), line.size());
        if (n != static_cast<ssize_t>(line.size())) {
            const int err = n < 0 ? errno : ENOSPC;
            if (n > 0) (void)::ftruncate(file->fd, ::lseek(file->fd, 0, SEEK_END) - n);
            throw std::runtime_error(std::string("write failed: ") + std::strerror(err));
        }
        file->last_open_ms = k.open_time_ms;
        ++written_;
    } catch (const std::exception& e) {
        ++failed_;
        const std::int64_t now = wall_ms();
        if (file && now - file->last_warn_ms >= kWarnIntervalMs) {
            file->last_warn_ms = now;
            try {
                log_->warn("market data of {} not recorded ({} candles lost so far): {}", k.symbol,
                           failed_, e.what());
            } catch (...) {
                // A log call never throws into trading.
            }
        }
    } catch (...) {
        ++failed_;
    }
}

std::uint64_t CandleRecorder::written() const {
    std::lock_guard<std::mutex> lock(mu_);
    return written_;
}

std::uint64_t CandleRecorder::failed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_;
}

}  // namespace backtest
