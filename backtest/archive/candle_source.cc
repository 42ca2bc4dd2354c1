#include "backtest/archive/candle_source.h"

#include <algorithm>
#include <numeric>

#include "backtest/archive/checksum.h"
#include "backtest/archive/kline_csv.h"
#include "backtest/archive/mapped_file.h"
#include "backtest/archive/zip_reader.h"
#include "config/calendar.h"
#include "exchange/sim/rules.h"

namespace backtest {
namespace {

bool same_values(const Candle& a, const Candle& b) {
    return a.close_ms == b.close_ms && a.open == b.open && a.high == b.high && a.low == b.low &&
           a.close == b.close && a.volume == b.volume;
}

bool strictly_increasing(const std::vector<Candle>& v) {
    for (std::size_t i = 1; i < v.size(); ++i) {
        if (v[i].open_ms <= v[i - 1].open_ms) return false;
    }
    return true;
}

std::int64_t interval_length(const std::string& interval) {
    if (interval == "1M") return 0;  // calendar months differ in length
    return exchange::kline_interval_ms(interval).value_or(0);
}

}  // namespace

CandleSource::CandleSource(std::string symbol, std::string interval, std::vector<ArchiveFile> files,
                           std::int64_t from_ms, std::int64_t to_ms)
    : symbol_(std::move(symbol)),
      interval_(std::move(interval)),
      files_(std::move(files)),
      from_ms_(from_ms),
      to_ms_(to_ms),
      interval_ms_(interval_length(interval_)) {}

void CandleSource::load(const ArchiveFile& f) {
    MappedFile file(f.path);
    std::string_view text = file.bytes();
    if (f.name.zip) {
        if (verify_checksum(f.path, text)) ++stats_.checksums_verified;
        read_zip_csv(f.path, text, entry_bound(f.name), inflated_);
        text = inflated_;
    }
    stats_.rows += parse_klines(text, f.path.string(), f.name.begin_ms(), f.name.end_ms(), buffer_);
    ++stats_.files;
    stats_.bytes += f.size;
}

void CandleSource::merge(const std::vector<std::size_t>& starts,
                         const std::vector<std::size_t>& file_index) {
    std::vector<std::uint32_t> order(buffer_.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [this](std::uint32_t a, std::uint32_t b) {
        return buffer_[a].open_ms < buffer_[b].open_ms;
    });
    auto file_of = [&](std::uint32_t row) -> const ArchiveFile& {
        const auto it = std::upper_bound(starts.begin(), starts.end(), row);
        return files_[file_index[static_cast<std::size_t>(it - starts.begin()) - 1]];
    };
    std::vector<Candle> merged;
    merged.reserve(buffer_.size());
    std::uint32_t kept = 0;
    for (std::uint32_t row : order) {
        const Candle& c = buffer_[row];
        if (!merged.empty() && merged.back().open_ms == c.open_ms) {
            ++stats_.duplicates;
            if (!same_values(merged.back(), c)) {
                if (stats_.conflicts++ == 0) {
                    stats_.first_conflict = config::format_utc(c.open_ms) + " in " +
                                            file_of(row).path.string() + " differs from " +
                                            file_of(kept).path.string() + " (kept)";
                }
            }
            continue;
        }
        merged.push_back(c);
        kept = row;
    }
    buffer_.swap(merged);
}

void CandleSource::note_gap(std::int64_t prev_open, std::int64_t open) {
    std::int64_t missing = 0;
    if (interval_ms_ > 0) {
        if (open - prev_open <= interval_ms_) return;
        missing = (open - prev_open) / interval_ms_ - 1;
    } else {
        std::int64_t expected = config::add_months(prev_open, 1);
        while (expected < open) {
            ++missing;
            expected = config::add_months(expected, 1);
        }
    }
    if (missing <= 0) return;
    ++stats_.gaps;
    stats_.missing += static_cast<std::uint64_t>(missing);
    if (stats_.first_gaps.size() < SourceStats::kListedGaps) {
        stats_.first_gaps.push_back({prev_open, missing});
    }
}

void CandleSource::run(const std::function<bool(std::span<const Candle>)>& sink,
                       const std::function<void(const ArchiveFile&)>& on_file) {
    bool have_prev = false;
    std::int64_t prev_open = 0;
    std::vector<std::size_t> starts;
    std::vector<std::size_t> file_index;
    for (std::size_t i = 0; i < files_.size();) {
        // The overlap group: every later file that starts before the group's end.
        std::size_t j = i;
        std::int64_t group_end = files_[i].name.end_ms();
        while (j + 1 < files_.size() && files_[j + 1].name.begin_ms() < group_end) {
            ++j;
            group_end = std::max(group_end, files_[j].name.end_ms());
        }
        buffer_.clear();
        starts.clear();
        file_index.clear();
        for (std::size_t k = i; k <= j; ++k) {
            starts.push_back(buffer_.size());
            file_index.push_back(k);
            load(files_[k]);
            if (on_file) on_file(files_[k]);
        }
        if (!strictly_increasing(buffer_)) merge(starts, file_index);
        i = j + 1;

        const auto by_open = [](const Candle& c, std::int64_t t) { return c.open_ms < t; };
        const auto first = std::lower_bound(buffer_.begin(), buffer_.end(), from_ms_, by_open);
        const auto last = std::lower_bound(first, buffer_.end(), to_ms_, by_open);
        if (first == last) continue;
        for (auto it = first; it != last; ++it) {
            if (have_prev) note_gap(prev_open, it->open_ms);
            prev_open = it->open_ms;
            have_prev = true;
        }
        if (stats_.candles == 0) stats_.first_open_ms = first->open_ms;
        stats_.last_open_ms = prev_open;
        stats_.last_close_ms = (last - 1)->close_ms;
        stats_.candles += static_cast<std::uint64_t>(last - first);
        if (!sink(std::span<const Candle>(&*first, static_cast<std::size_t>(last - first)))) {
            return;
        }
    }
}

}  // namespace backtest
