// What a caller hands to storage and what it gets back: the batch of rows that commit together,
// the result of a committed batch, and the handle of a write in flight.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "storage/records.h"
#include "storage/status.h"

namespace storage {

// Several writes committed atomically, in order: all of them or none.
class WriteBatch {
public:
    struct PutState {
        StateEntry entry;
    };
    struct DeleteState {
        std::string symbol, key;
    };
    using Op = std::variant<Signal, Order, Fill, Position, PutState, DeleteState>;

    WriteBatch& insert_signal(Signal s) { return add(std::move(s)); }
    WriteBatch& upsert_order(Order o) { return add(std::move(o)); }
    WriteBatch& insert_fill(Fill f) { return add(std::move(f)); }
    WriteBatch& upsert_position(Position p) { return add(std::move(p)); }
    WriteBatch& put_state(std::string symbol, std::string key, std::string value) {
        return add(PutState{{std::move(symbol), std::move(key), std::move(value)}});
    }
    WriteBatch& delete_state(std::string symbol, std::string key) {
        return add(DeleteState{std::move(symbol), std::move(key)});
    }

    bool empty() const { return ops_.empty(); }
    std::size_t size() const { return ops_.size(); }
    const std::vector<Op>& ops() const { return ops_; }

private:
    WriteBatch& add(Op op) {
        ops_.push_back(std::move(op));
        return *this;
    }
    std::vector<Op> ops_;
};

// What a committed batch produced: the rowid of each op that inserts one (signals, fills), 0 for
// the others, in op order.
struct WriteResult {
    std::vector<std::int64_t> ids;
};

// A write in flight. Obtained from Database::submit(); shared by the caller and the pipeline.
// A handle stays usable after its Database (and every cached connection) is closed.
class PendingWrite {
public:
    virtual ~PendingWrite() = default;
    // True once the batch is committed or has failed for good.
    virtual bool done() const = 0;
    // Waits up to `timeout`; true if done by then. A write not done is still queued: it will land
    // (or be reported kClosed by a close that gave up). Returns as soon as the write is done.
    virtual bool wait_for(std::chrono::milliseconds timeout) const = 0;
    // Waits until done and returns the outcome.
    virtual Result<WriteResult> wait() const = 0;
};
using WriteHandle = std::shared_ptr<PendingWrite>;

}  // namespace storage
