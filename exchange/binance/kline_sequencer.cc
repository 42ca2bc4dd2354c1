#include "exchange/binance/kline_sequencer.h"

#include <algorithm>
#include <iterator>

#include "config/interval.h"

namespace exchange::binance {

KlineSequencer::KlineSequencer(std::string interval)
    : interval_(std::move(interval)), step_ms_(config::longest_kline_ms(interval_).value_or(0)) {}

std::int64_t KlineSequencer::backfill_from() const {
    if (last_closed_open_ >= 0) return last_closed_open_ + 1;
    return std::max<std::int64_t>(0, streamed_since_ms_ - step_ms_);
}

void KlineSequencer::start_backfill(SequencerStep& step) {
    if (backfilling_) {
        // The request in flight may predate this reconnect: ask again once it is back.
        backfill_again_ = true;
        return;
    }
    backfilling_ = true;
    fetch_failures_ = 0;
    step.fetch_from = backfill_from();
    step.fetch_after_rounds = 0;
}

void KlineSequencer::deliver_closed(SequencerStep& step, const Kline& k) {
    if (k.open_time_ms <= last_closed_open_) return;  // already delivered
    last_closed_open_ = k.open_time_ms;
    step.deliver.push_back(k);
}

SequencerStep KlineSequencer::on_stream(const Kline& k) {
    SequencerStep step;
    if (k.interval != interval_) return step;
    if (!k.closed) {
        // An update of the open candle; while back-filling, older closes are still to come.
        if (!backfilling_ && k.open_time_ms > last_closed_open_) step.deliver.push_back(k);
        return step;
    }
    if (backfilling_) {
        held_.push_back(k);
        return step;
    }
    if (last_closed_open_ >= 0 && step_ms_ > 0 && k.open_time_ms > last_closed_open_ + step_ms_) {
        step.gap = std::make_pair(last_closed_open_, k.open_time_ms);
        held_.push_back(k);
        start_backfill(step);
        return step;
    }
    deliver_closed(step, k);
    return step;
}

SequencerStep KlineSequencer::on_connected(std::int64_t now_ms) {
    SequencerStep step;
    if (last_closed_open_ >= 0 || streamed_since_ms_ > 0) start_backfill(step);
    if (streamed_since_ms_ == 0) streamed_since_ms_ = now_ms;
    return step;
}

SequencerStep KlineSequencer::resume_after(std::int64_t open_ms, bool connected) {
    SequencerStep step;
    if (last_closed_open_ >= open_ms) return step;
    last_closed_open_ = open_ms;
    if (connected) start_backfill(step);
    return step;
}

SequencerStep KlineSequencer::on_backfill_page(std::vector<Kline> page, std::int64_t from_ms,
                                               std::size_t page_limit, std::int64_t now_ms) {
    SequencerStep step;
    if (!backfilling_) return step;
    const std::size_t rows = page.size();
    std::int64_t next_from = -1;
    for (auto& k : page) {
        if (k.close_time_ms >= now_ms) continue;  // still open: the stream will close it
        k.closed = true;
        next_from = k.open_time_ms + 1;
        held_.push_back(std::move(k));
    }
    if (rows == page_limit && next_from > from_ms) {
        step.fetch_from = next_from;  // more than a page missed
        return step;
    }
    finish_backfill(step);
    return step;
}

void KlineSequencer::finish_backfill(SequencerStep& step) {
    std::vector<Kline> held = std::move(held_);
    held_.clear();
    std::stable_sort(held.begin(), held.end(), [](const Kline& a, const Kline& b) {
        return a.open_time_ms < b.open_time_ms;
    });
    // Deliver the contiguous run; a hole left is fetched again rather than skipped, until it
    // has resisted kMaxStuckRounds rounds.
    const std::int64_t first = last_closed_open_;
    std::size_t i = 0;
    for (; i < held.size(); ++i) {
        const Kline& k = held[i];
        if (k.open_time_ms <= last_closed_open_) continue;  // already delivered
        const bool hole =
            step_ms_ > 0 && last_closed_open_ >= 0 && k.open_time_ms > last_closed_open_ + step_ms_;
        if (hole && stuck_rounds_ < kMaxStuckRounds) break;
        if (hole) step.passed_over.emplace_back(last_closed_open_, k.open_time_ms);
        deliver_closed(step, k);
    }
    held_.assign(std::make_move_iterator(held.begin() + static_cast<std::ptrdiff_t>(i)),
                 std::make_move_iterator(held.end()));
    if (last_closed_open_ > first) stuck_rounds_ = 0;
    if (!held_.empty() || backfill_again_) {
        if (!held_.empty()) ++stuck_rounds_;
        backfill_again_ = false;
        step.fetch_from = backfill_from();
        step.fetch_after_rounds = held_.empty() ? 0 : stuck_rounds_;
        return;
    }
    stuck_rounds_ = 0;
    backfilling_ = false;
    step.backfilled = std::make_pair(first, last_closed_open_);
}

}  // namespace exchange::binance
