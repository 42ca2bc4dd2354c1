// bot::ReplayBot — the replay's driver of one symbol's trading core (bot/core/engine.h): whole
// candles from history in, on the calling thread, with no queue, no clock and no waits. Orders
// go to a gateway that answers at once (the PaperGateway, clocked by the market), and rows go to
// a RowSink (bot/runtime/row_sink.h) in the order they are made: no write-ahead order row (no
// exchange can see the order before the database does), no state per candle, the position and
// the state once at finish(). Every decision, size, filter, fill and fee is the engine's, as in
// the daemon.
//
// A candle that decides nothing costs the engine's work and nothing more: no allocation, string,
// JSON or row.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "bot/core/engine.h"
#include "bot/runtime/row_sink.h"
#include "config/config.h"
#include "exchange/order_gateway.h"
#include "storage/database.h"

namespace spdlog {
class logger;
}

namespace bot {

struct ReplaySettings {
    config::SymbolConfig symbol;  // symbol, its effective strategy and its risk rules
    config::TradingConfig trading;
};

struct ReplayDeps {
    // Where a position and state to resume from are looked up; null: a fresh start.
    const storage::Database* db = nullptr;
    exchange::OrderGateway* gateway = nullptr;  // answers at once (paper fills)
    RowSink* sink = nullptr;  // where the rows go
    std::shared_ptr<spdlog::logger> log;  // the engine's log events (a replay's is quiet)
    StrategyFactory strategy_factory;     // required: builds the symbol's strategy
};

// What a replay did, summed over its candles.
struct ReplayCounts {
    std::uint64_t closed_klines = 0;
    std::uint64_t signals = 0;
    std::uint64_t fills = 0;
    std::uint64_t rejected = 0;
    std::array<std::uint64_t, kExitRuleCount> risk_exits{};  // index: ExitRule
};

// A fill of the last candle, for charts and win counts.
struct ReplayFill {
    exchange::Side side = exchange::Side::kBuy;
    config::Decimal price;
    config::Decimal fee;  // in the fee's asset (the paper gateway's: the quote asset)
};

class ReplayBot {
public:
    // Throws std::invalid_argument without a gateway, a sink or a logger.
    ReplayBot(ReplaySettings settings, ReplayDeps deps);

    // Takes the symbol's filters from the gateway (BotFatalError when it has none) and resumes
    // from `db`; the strategy warms up on the first candles of the data (no history before).
    void start();
    // One closed candle (after start()).
    void on_candle(const exchange::Kline& candle);
    // Hands the sink the position (when a fill moved it) and the state.
    void finish();

    const PositionBook& position() const { return engine_->position(); }
    const ReplayCounts& counts() const { return counts_; }
    // The fills the last on_candle() brought, in order (a risk exit inside the candle, then the
    // strategy's order at its close).
    const std::vector<ReplayFill>& candle_fills() const { return fills_; }

private:
    void carry_out(const Step* step);

    // Constant after construction
    const ReplaySettings settings_;
    const ReplayDeps deps_;

    std::optional<SymbolEngine> engine_;
    ReplayCounts counts_;
    std::vector<ReplayFill> fills_;
    bool filled_ = false;  // a fill moved the position since start()
};

}  // namespace bot
