// backtest::ResultWriter — the bot::RowSink of a replay: every symbol's rows, gathered into large
// batches and handed to storage::Database::submit(), so a backtest costs one transaction per few
// thousand rows instead of a synchronous commit per signal and order.
//
// Signal ids. A bot names each order after its signal's id ("tb-BTCUSDT-42"), and the order row
// refers to it, so the id must be known when the signal is taken, long before it is committed.
// The writer owns a fresh database: it refuses one that already holds signals, and every row
// goes through it in one order (under one lock), so the n-th signal it takes is the n-th row
// SQLite inserts into the empty table and gets rowid n (an INTEGER PRIMARY KEY is one more than
// the largest in use). The writer checks every id storage reports against the one it gave out;
// a difference (a refused row, another writer) fails the backtest instead of linking orders to
// the wrong signals.
//
// Thread-safe: the symbols' replay threads share one writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "bot/runtime/row_sink.h"
#include "storage/database.h"

namespace backtest {

class ResultWriter final : public bot::RowSink {
public:
    // Throws std::runtime_error when `db` already holds signals. `ops_per_batch`: rows gathered
    // before a submit; `max_in_flight`: submitted batches not yet committed before a caller waits
    // for the oldest (bounds memory when storage is slower than the replay).
    explicit ResultWriter(storage::Database& db, std::size_t ops_per_batch = 4096,
                          std::size_t max_in_flight = 8);

    std::int64_t add_signal(storage::Signal signal) override;
    void add(storage::WriteBatch batch) override;

    // Submits what is gathered and waits until every row is committed. Throws std::runtime_error
    // naming the first write that failed or got another id than it was given.
    void finish();

    std::uint64_t rows() const;
    std::uint64_t batches_submitted() const;

private:
    struct InFlight {
        storage::WriteHandle handle;
        std::vector<std::pair<std::size_t, std::int64_t>> signal_ids;  // op index -> id given
    };

    void submit_locked();                 // REQUIRES: mu_ held
    void check_locked(InFlight& batch);   // REQUIRES: mu_ held; waits for it
    void throw_if_failed_locked() const;  // REQUIRES: mu_ held

    // Constant after construction
    storage::Database& db_;
    const std::size_t ops_per_batch_;
    const std::size_t max_in_flight_;

    mutable std::mutex mu_;
    // Guarded by mu_
    storage::WriteBatch batch_;
    std::vector<std::pair<std::size_t, std::int64_t>> signal_ids_;
    std::deque<InFlight> in_flight_;
    std::int64_t next_signal_id_ = 1;
    std::uint64_t rows_ = 0;
    std::uint64_t submitted_ = 0;
    std::string error_;  // sticky: the first failure
};

}  // namespace backtest
