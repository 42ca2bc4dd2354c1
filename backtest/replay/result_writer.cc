#include "backtest/replay/result_writer.h"

#include <stdexcept>
#include <type_traits>
#include <variant>

namespace backtest {

ResultWriter::ResultWriter(storage::Database& db, std::size_t ops_per_batch,
                           std::size_t max_in_flight)
    : db_(db),
      ops_per_batch_(ops_per_batch == 0 ? 1 : ops_per_batch),
      max_in_flight_(max_in_flight == 0 ? 1 : max_in_flight) {
    if (db_.counts().signals != 0) {
        throw std::runtime_error("backtest results need a fresh database; " + db_.path() +
                                 " already holds signals");
    }
}

void ResultWriter::throw_if_failed_locked() const {
    if (!error_.empty()) throw std::runtime_error(error_);
}

std::int64_t ResultWriter::add_signal(storage::Signal signal) {
    std::lock_guard<std::mutex> lock(mu_);
    throw_if_failed_locked();
    const std::int64_t id = next_signal_id_++;
    signal_ids_.emplace_back(batch_.size(), id);
    batch_.insert_signal(std::move(signal));
    ++rows_;
    if (batch_.size() >= ops_per_batch_) submit_locked();
    return id;
}

void ResultWriter::add(storage::WriteBatch batch) {
    std::lock_guard<std::mutex> lock(mu_);
    throw_if_failed_locked();
    for (const auto& op : batch.ops()) {
        std::visit(
            [this](const auto& row) {
                using T = std::decay_t<decltype(row)>;
                if constexpr (std::is_same_v<T, storage::Signal>) {
                    // Signals come through add_signal(), which numbers them.
                    throw std::logic_error("ResultWriter::add: a signal row needs add_signal()");
                } else if constexpr (std::is_same_v<T, storage::Order>) {
                    batch_.upsert_order(row);
                } else if constexpr (std::is_same_v<T, storage::Fill>) {
                    batch_.insert_fill(row);
                } else if constexpr (std::is_same_v<T, storage::Position>) {
                    batch_.upsert_position(row);
                } else if constexpr (std::is_same_v<T, storage::WriteBatch::PutState>) {
                    batch_.put_state(row.entry.symbol, row.entry.key, row.entry.value);
                } else {
                    batch_.delete_state(row.symbol, row.key);
                }
            },
            op);
    }
    rows_ += batch.size();
    if (batch_.size() >= ops_per_batch_) submit_locked();
}

void ResultWriter::submit_locked() {
    if (batch_.empty()) return;
    while (in_flight_.size() >= max_in_flight_) {
        check_locked(in_flight_.front());
        in_flight_.pop_front();
        throw_if_failed_locked();
    }
    InFlight f;
    f.handle = db_.submit(std::move(batch_));
    f.signal_ids = std::move(signal_ids_);
    in_flight_.push_back(std::move(f));
    batch_ = storage::WriteBatch();
    signal_ids_.clear();
    ++submitted_;
}

void ResultWriter::check_locked(InFlight& f) {
    storage::Result<storage::WriteResult> r = f.handle->wait();
    if (!error_.empty()) return;
    if (!r.is_ok()) {
        error_ = "storage: backtest rows not saved: " + r.status().to_string();
        return;
    }
    const std::vector<std::int64_t>& ids = r.value().ids;
    for (const auto& [index, given] : f.signal_ids) {
        const std::int64_t got = index < ids.size() ? ids[index] : 0;
        if (got != given) {
            error_ = "storage: signal " + std::to_string(given) + " was stored as id " +
                     std::to_string(got) + "; its orders would name the wrong signal";
            return;
        }
    }
}

void ResultWriter::finish() {
    std::lock_guard<std::mutex> lock(mu_);
    throw_if_failed_locked();
    submit_locked();
    while (!in_flight_.empty()) {
        check_locked(in_flight_.front());
        in_flight_.pop_front();
    }
    throw_if_failed_locked();
}

std::uint64_t ResultWriter::rows() const {
    std::lock_guard<std::mutex> lock(mu_);
    return rows_;
}

std::uint64_t ResultWriter::batches_submitted() const {
    std::lock_guard<std::mutex> lock(mu_);
    return submitted_;
}

}  // namespace backtest
