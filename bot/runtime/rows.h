// The trading core's values as storage rows and back: what both drivers (TradingBot, ReplayBot)
// write and read. The core (bot/core) knows nothing of storage; this is where the two meet.
// Money stays exact decimal text both ways.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "bot/core/engine_step.h"
#include "bot/core/log_event.h"
#include "bot/core/position.h"
#include "storage/database.h"

namespace spdlog {
class logger;
}

namespace bot {

// A symbol that cannot be traded safely; restarting the bot would not help.
class BotFatalError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

storage::Signal signal_row(const std::string& symbol, const RecordSignal& signal);
storage::Order order_row(const OrderRecord& order);
storage::Fill fill_row(const OrderRecord& order, const exchange::Fill& fill);
storage::Position position_row(const PositionBook& book);

// nullopt when a field is not a decimal or the figures cannot be a position (a damaged row).
std::optional<PositionBook> position_from_row(const storage::Position& row);
// nullopt when the side, quantity or price is not readable (a damaged row).
std::optional<OrderRecord> order_from_row(const storage::Order& row);

// The order rows and fill rows of a step, in its order.
void add_order_rows(storage::WriteBatch& batch, const Step& step);
// The saved state under its bot_state keys.
void add_state_rows(storage::WriteBatch& batch, const std::string& symbol, const SavedState& state);

// What an earlier run left for `symbol` in `db`. Throws BotFatalError for a damaged position row.
StoredState load_stored_state(const storage::Database& db, const std::string& symbol);

// The core's log events, in order, on the symbol's logger.
void write_log(spdlog::logger& log, const LogEvents& events);

}  // namespace bot
