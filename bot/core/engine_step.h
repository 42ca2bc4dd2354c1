// The values a SymbolEngine (bot/core/engine.h) takes and gives: what it is told about orders
// and operators, and the Step it answers every input with. Plain data, no behaviour: a driver
// reads a Step and carries it out (storage, gateway, logger), and a test compares Steps.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bot/core/log_event.h"
#include "bot/core/position.h"
#include "bot/core/risk_rules.h"
#include "config/decimal.h"
#include "exchange/order_gateway.h"

namespace bot {

using config::Decimal;

// ---- Orders -------------------------------------------------------------------------------

// Why the engine placed an order: what the order may and must not do later. A protective order
// (an exchange-held stop) is cancelled before any other sell.
enum class OrderRole : std::uint8_t { kEntry, kExit, kProtective };

// An order as the engine keeps it: what the orders row holds.
struct OrderRecord {
    exchange::OrderRequest request;  // client id, symbol, side, type, quantity, prices
    std::optional<std::int64_t> signal_id;
    // None: written ahead, no answer yet (the row's "PENDING").
    std::optional<exchange::OrderStatus> status;
    std::string exchange_order_id;
    std::string reason;  // what the exchange (or the engine) said about it
    OrderRole role = OrderRole::kEntry;

    friend bool operator==(const OrderRecord&, const OrderRecord&) = default;
};
// The orders row's status: "PENDING" before any answer, else exchange::to_string(status).
const char* status_text(const OrderRecord& order);

// What the exchange says about one order: the answer to a place, a query or a cancel, or (once a
// user data stream reports them) an update of its own.
struct OrderProgress {
    std::string client_order_id;
    bool known = true;             // false: the exchange has no such order (a lookup found none)
    exchange::OrderResult result;  // its state now; fills may repeat ones given before
};

// An order's new state and the fills it brought (each fill once, keyed by trade id): the rows
// to record.
struct OrderUpdate {
    OrderRecord order;
    std::vector<exchange::Fill> fills;

    friend bool operator==(const OrderUpdate&, const OrderUpdate&) = default;
};

// ---- Operator commands --------------------------------------------------------------------

enum class CommandKind : std::uint8_t { kPause, kResume, kFlatten };
// "pause", "resume", "flatten".
const char* to_string(CommandKind kind);

struct OperatorCommand {
    CommandKind kind = CommandKind::kPause;
    std::string by;            // who asked (user@host), for the log and the state
    std::int64_t id = 0;       // the command's id where it is stored (0: none)
    std::int64_t time_ms = 0;  // when it was asked for (a flatten's signal carries it)
};

// A command carried out, or refused; `result` says what was done ("sold 0.005", "nothing to
// sell: ...", "a cancel of tb-X-7 was not answered").
struct CommandDone {
    std::int64_t id = 0;
    CommandKind kind = CommandKind::kPause;
    bool ok = true;
    std::string result;

    friend bool operator==(const CommandDone&, const CommandDone&) = default;
};

// ---- What the engine asks for -------------------------------------------------------------

// Record a signal; answer with SymbolEngine::signal_recorded(its id).
struct RecordSignal {
    exchange::Side side = exchange::Side::kBuy;
    Decimal price;
    std::string strategy;  // the strategy's name, kRiskStrategyName or kOperatorStrategyName
    std::string reason;
    std::int64_t event_time_ms = 0;     // market time of what produced it
    std::optional<ExitRule> exit_rule;  // a risk exit's rule

    friend bool operator==(const RecordSignal&, const RecordSignal&) = default;
};
// Place an order; answer with SymbolEngine::on_order(the gateway's answer). A live driver
// commits `order` (PENDING) before the gateway sees it.
struct PlaceOrder {
    OrderRecord order;

    friend bool operator==(const PlaceOrder&, const PlaceOrder&) = default;
};
// Cancel an order; answer with on_order(the cancel's answer: the order's state after it).
struct CancelOrder {
    std::string symbol;
    std::string client_order_id;

    friend bool operator==(const CancelOrder&, const CancelOrder&) = default;
};
// Look an order up after `after_ms` of waiting (0: at once); answer with on_order(what the
// lookup found, known = false when nothing). The wait is the driver's: a stop may abandon it.
struct QueryOrder {
    std::string symbol;
    std::string client_order_id;
    std::int64_t after_ms = 0;

    friend bool operator==(const QueryOrder&, const QueryOrder&) = default;
};
using Request = std::variant<std::monostate, RecordSignal, PlaceOrder, CancelOrder, QueryOrder>;

// ---- The answer to every input ------------------------------------------------------------

// Counts of what a step did, for the bot's figures.
struct StepCounters {
    std::uint32_t closed_klines = 0;  // closed candles handed to the strategy
    std::uint32_t signals = 0;        // signals recorded (counted once the id came back)
    std::uint32_t fills = 0;          // fills applied
    std::uint32_t rejected = 0;       // orders the exchange rejected
    std::array<std::uint32_t, kExitRuleCount> risk_exits{};  // index: ExitRule

    friend bool operator==(const StepCounters&, const StepCounters&) = default;
};

// State that changed and that no record of the step carried (a signal and an order's outcome
// carry the state with them): the driver writes SymbolEngine::saved_state() when it wants to.
struct StateChanges {
    bool risk = false;     // only the risk rules' (a trailing high, the day's baseline)
    bool candle = false;   // the strategy took a closed candle that decided nothing
    bool control = false;  // paused or resumed: write it before the command counts as done

    bool any() const { return risk || candle || control; }
    friend bool operator==(const StateChanges&, const StateChanges&) = default;
};

// What the driver does, in this order: record `orders` (with the position when
// position_changed), log `log`, add `counters`, then carry out `request` and give the engine
// its answer, which returns the next Step. The conversation an input started is over when a
// Step's request is empty. A Step stays valid until the next call on its engine.
struct Step {
    std::vector<OrderUpdate> orders;
    bool position_changed = false;  // fills moved the position: write the position row
    LogEvents log;
    StepCounters counters;
    bool candle_taken = false;  // the strategy took a closed candle (tradebotd's recorder)
    StateChanges state;
    std::optional<std::int64_t> resume_after_ms;  // warm_up(): the stream continues after it
    std::optional<CommandDone> command;           // an operator command finished
    Request request;

    bool done() const { return std::holds_alternative<std::monostate>(request); }
    // Empties the step for the next input, keeping its storage (no allocation on a quiet path).
    void clear();
    friend bool operator==(const Step&, const Step&) = default;
};

// The state a driver persists (bot_state), taken when it wants to write it.
struct SavedState {
    std::string strategy;                  // kStrategyStateKey: Strategy::save_state()
    std::int64_t last_candle_open_ms = 0;  // kLastCandleKey
    std::optional<std::string> risk;       // kRiskStateKey, when changed since last taken
    std::optional<std::string> control;    // kControlStateKey, when changed since last taken
};

// What an earlier run left, as its driver read it (none of it: a first start).
struct StoredState {
    std::optional<PositionBook> position;
    std::optional<std::string> strategy;     // kStrategyStateKey
    std::optional<std::string> last_candle;  // kLastCandleKey
    std::optional<std::string> risk;         // kRiskStateKey
    std::optional<std::string> control;      // kControlStateKey
};

// The bot_state keys of the saved state.
inline constexpr const char* kStrategyStateKey = "strategy";
inline constexpr const char* kLastCandleKey = "last_candle_open_ms";
// The `strategy` of a flatten's signal row.
inline constexpr const char* kOperatorStrategyName = "operator";
// Why an order written ahead that the exchange never saw is closed at start-up.
inline constexpr const char* kNotSentReason =
    "not sent: daemon stopped before the order reached the gateway";

}  // namespace bot
