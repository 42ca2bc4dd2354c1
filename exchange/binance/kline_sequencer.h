// One symbol's closed klines, put in order for the bot: every closed candle delivered exactly
// once, in open-time order, with nothing skipped that the exchange has. Socket-free: it is told
// what arrived (from the stream, from a back-fill page) and answers what to deliver and what to
// fetch, and the stream does the I/O.
//
//   - Ordering and de-duplication: a closed kline is delivered only when its open time is after
//     the last one delivered.
//   - Gap detection: a closed kline more than one interval after the last one delivered means
//     candles were missed (a reconnect, lost messages): it is held back and a back-fill starts
//     from the candle after the last one delivered.
//   - Back-fill merge: while a back-fill runs, closed klines from the stream are held; pages from
//     REST are added to them; when the last page is in, the held klines are sorted by open time
//     and the contiguous run is delivered. A hole still left (REST behind the stream, messages
//     lost after the request went out) is fetched again after a backoff; after kMaxStuckRounds
//     rounds without progress it is taken as real (the exchange has no such candle) and passed.
//   - Updates of the open candle are delivered when they are newer than the last close and no
//     back-fill runs (during one, older closes are still to come).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "exchange/market_data.h"

namespace exchange::binance {

// What the stream must do after telling the sequencer something.
struct SequencerStep {
    std::vector<Kline> deliver;  // to the sink, in this order
    // Fetch the closed klines from this open time on and hand them to on_backfill_page().
    std::optional<std::int64_t> fetch_from;
    // With fetch_from: 0 fetches at once; N > 0 waits the backoff of N failures first (a hole
    // the exchange has not filled yet).
    int fetch_after_rounds = 0;

    // For the log, all open times in ms:
    std::optional<std::pair<std::int64_t, std::int64_t>> gap;  // last delivered, first after it
    std::vector<std::pair<std::int64_t, std::int64_t>> passed_over;   // holes given up on
    std::optional<std::pair<std::int64_t, std::int64_t>> backfilled;  // done: from, to
};

class KlineSequencer {
public:
    // Rounds without progress before a hole is passed over.
    static constexpr int kMaxStuckRounds = 3;

    // `interval` as Binance names it ("1m"); its length (config/interval.h, the longest a
    // candle lasts) decides what is a gap.
    explicit KlineSequencer(std::string interval);

    // A kline from the stream.
    [[nodiscard]] SequencerStep on_stream(const Kline& k);
    // A connection carrying this symbol opened, at exchange time `now_ms`. Every connection
    // after the first back-fills what closed while there was none; the first one only marks
    // where the live stream began (what closed before is the consumer's warm-up).
    [[nodiscard]] SequencerStep on_connected(std::int64_t now_ms);
    // The consumer has every closed kline up to open time `open_ms` (it warmed up from
    // history): continue right after it, back-filling what closed since when `connected`.
    [[nodiscard]] SequencerStep resume_after(std::int64_t open_ms, bool connected);
    // A back-fill page asked for from `from_ms`: klines whose close time is not before
    // `now_ms` are still open and left to the stream. A page of `page_limit` rows asks for the
    // next page; otherwise the back-fill is merged.
    [[nodiscard]] SequencerStep on_backfill_page(std::vector<Kline> page, std::int64_t from_ms,
                                                 std::size_t page_limit, std::int64_t now_ms);
    // A back-fill request failed: how many failures in a row this back-fill has had so far
    // (for the backoff before asking again from the same place).
    [[nodiscard]] int note_fetch_failure() { return fetch_failures_++; }

    const std::string& interval() const { return interval_; }
    bool backfilling() const { return backfilling_; }
    // Open time of the last closed kline delivered, -1 for none yet.
    std::int64_t last_delivered() const { return last_closed_open_; }

private:
    // Where a back-fill starts: after the last closed kline delivered or, if there is none yet,
    // with the candle that was open when the stream first connected.
    std::int64_t backfill_from() const;
    void start_backfill(SequencerStep& step);
    void deliver_closed(SequencerStep& step, const Kline& k);
    void finish_backfill(SequencerStep& step);

    // Constant after construction
    const std::string interval_;
    const std::int64_t step_ms_;  // 0 for an unknown interval: no gap detection

    std::int64_t last_closed_open_ = -1;
    std::int64_t streamed_since_ms_ = 0;  // exchange time the first connection opened
    bool backfilling_ = false;
    bool backfill_again_ = false;  // reconnected while a back-fill was in flight
    std::vector<Kline> held_;      // closed klines waiting for the back-fill to finish
    int fetch_failures_ = 0;       // of the current back-fill, in a row
    int stuck_rounds_ = 0;         // back-fills in a row that could not close a hole
};

}  // namespace exchange::binance
