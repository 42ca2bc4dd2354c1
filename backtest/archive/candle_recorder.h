// backtest::CandleRecorder — tradebotd's market-data recorder ("market_data.record_dir"): every
// closed candle a bot hands its strategy, warm-up history included, appended to
// <dir>/<SYMBOL>-<interval>-<YYYY-MM>.csv (the month of the candle's open time, UTC) in the kline
// archive's 12-column format, one write(2) per candle, so tradebot-backtest can replay exactly
// what the daemon traded on. The columns tradebot does not receive (quote volume, trades, taker
// volumes, ignore) are written as 0.
//
// A candle not after the last one in its file is skipped (a restarted bot warms up on history it
// recorded before). Opening a file finds its last candle from its tail, and cuts off a last line a
// crash left without its newline. Recording never stops trading: a failed write is counted and
// logged (at most once a minute per symbol), and the candle is lost from the recording only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "exchange/market_data.h"

namespace spdlog {
class logger;
}

namespace backtest {

class CandleRecorder {
public:
    // Creates `dir` if missing; throws std::runtime_error naming it when that fails.
    CandleRecorder(std::filesystem::path dir, std::shared_ptr<spdlog::logger> log);
    ~CandleRecorder();
    CandleRecorder(const CandleRecorder&) = delete;
    CandleRecorder& operator=(const CandleRecorder&) = delete;

    // Thread-safe; never throws. Ignores klines that are not closed.
    void record(const exchange::Kline& k) noexcept;

    std::uint64_t written() const;
    std::uint64_t failed() const;
    const std::filesystem::path& dir() const { return dir_; }

    // One line of the archive's format for `k`, with its newline.
    static std::string format_line(const exchange::Kline& k);

private:
    struct File {
        int fd = -1;
        int year_month = 0;  // year * 12 + month - 1
        std::int64_t last_open_ms = -1;
        std::int64_t last_warn_ms = 0;
    };

    // REQUIRES: mu_ held. Opens the month's file of `f`'s symbol, reading its last open time.
    void open_locked(File& f, const exchange::Kline& k, int year_month);

    // Constant after construction
    const std::filesystem::path dir_;
    const std::shared_ptr<spdlog::logger> log_;

    mutable std::mutex mu_;
    // Guarded by mu_
    std::map<std::pair<std::string, std::string>, File> files_;  // by (symbol, interval)
    std::uint64_t written_ = 0;
    std::uint64_t failed_ = 0;
};

}  // namespace backtest
