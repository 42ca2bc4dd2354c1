// service/metrics — the daemon's figures in the Prometheus text exposition format (version 0.0.4).
//
// collect_metrics() copies everything into a plain MetricsSnapshot (no lock is held while
// rendering); render_metrics() turns a snapshot into the text served on /metrics, byte for byte
// the same for the same snapshot. Families, in this order (symbol label on the per-bot ones):
//
//   tradebot_build_info{version}                       gauge, always 1
//   tradebot_healthy                                   gauge 1/0, what /healthz answers
//   tradebot_events_total{symbol}                      market events the bot took from its queue
//   tradebot_closed_klines_total{symbol}               closed candles fed to the strategy
//   tradebot_signals_total{symbol}                     signal rows committed
//   tradebot_orders_total{symbol}                      orders sent to the gateway
//   tradebot_fills_total{symbol}                       fill rows committed
//   tradebot_orders_rejected_total{symbol}
//   tradebot_storage_errors_total{symbol}              writes that failed for good
//   tradebot_bot_restarts_total{symbol}
//   tradebot_dropped_events_total{symbol}              queue full: updates/trades dropped
//   tradebot_lost_closes_total{symbol}                 queue full: closed candles dropped
//   tradebot_queue_depth{symbol}, tradebot_queue_capacity{symbol}
//   tradebot_bot_running{symbol}, tradebot_bot_failed{symbol}     gauges 1/0
//   tradebot_bot_progress_age_seconds{symbol}          since the bot loop last turned
//   tradebot_last_event_age_seconds{symbol}            since the last market event (absent: none)
//   tradebot_position_quantity{symbol}, tradebot_position_avg_entry_price{symbol},
//   tradebot_last_price{symbol}, tradebot_realized_pnl{symbol}, tradebot_unrealized_pnl{symbol}
//                                                      exact decimals (PnL in the quote asset)
//   tradebot_risk_level{symbol,rule}                   the exit levels in force (rule stop_loss,
//                                                      take_profit, trailing_stop; absent: none)
//   tradebot_risk_halted{symbol}                       gauge 1/0: the daily loss halt
//   tradebot_risk_exits_total{symbol,rule}             risk exits decided
//   tradebot_stream_messages_total, tradebot_stream_malformed_total,
//   tradebot_stream_reconnects_total, tradebot_stream_last_message_age_seconds
//                                                      the one market stream all symbols share
//   tradebot_unrouted_events_total                     events for a symbol without a bot
//   tradebot_storage_commit_latency_seconds            histogram of COMMIT durations
//   tradebot_storage_batches_total, tradebot_storage_transactions_total
//                                                      batches / transactions = mean group size
//   tradebot_storage_max_group_batches, tradebot_storage_queued_batches, tradebot_storage_stalled
//   tradebot_storage_retries_total, tradebot_storage_failed_batches_total,
//   tradebot_storage_forced_checkpoints_total
// and, only for a daemon sharing a PostgreSQL database by leases (bot/leases/lease_keeper.h):
//   tradebot_leases_held, tradebot_lease_epoch{symbol}, tradebot_live_nodes
//   tradebot_lease_renew_latency_seconds                histogram of renewal round trips
//   tradebot_lease_renewals_total, tradebot_lease_renew_failures_total,
//   tradebot_leases_acquired_total, tradebot_leases_released_total, tradebot_leases_lost_total
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/risk_rules.h"
#include "bot/leases/lease_keeper.h"
#include "config/decimal.h"
#include "storage/database.h"

namespace exchange {
class MarketStream;
}
namespace bot {
class Supervisor;
}

namespace service {

struct BotMetrics {
    std::string symbol;
    std::uint64_t events = 0;
    std::uint64_t closed_klines = 0;
    std::uint64_t signals = 0;
    std::uint64_t orders = 0;
    std::uint64_t fills = 0;
    std::uint64_t rejected = 0;
    std::uint64_t storage_errors = 0;
    std::uint64_t restarts = 0;
    std::uint64_t dropped_events = 0;
    std::uint64_t lost_closes = 0;
    std::uint64_t queue_depth = 0;
    std::uint64_t queue_capacity = 0;
    bool running = false;
    bool failed = false;
    double progress_age_s = 0;
    std::optional<double> last_event_age_s;  // none: no event yet
    config::Decimal position_quantity;
    config::Decimal avg_entry_price;
    config::Decimal last_price;
    config::Decimal realized_pnl;
    config::Decimal unrealized_pnl;
    // The risk rules (bot::RiskSnapshot); index: bot::ExitRule (stop_loss, trailing_stop,
    // take_profit).
    std::array<std::optional<config::Decimal>, bot::kExitRuleCount> risk_levels;
    bool risk_halted = false;
    std::array<std::uint64_t, bot::kExitRuleCount> risk_exits{};
};

struct StreamMetrics {
    std::uint64_t messages = 0;
    std::uint64_t malformed = 0;
    std::uint64_t reconnects = 0;
    std::optional<double> last_message_age_s;  // none: no message yet
};

struct MetricsSnapshot {
    std::string version;
    bool healthy = true;
    std::vector<BotMetrics> bots;  // rendered in this order
    StreamMetrics stream;
    std::uint64_t unrouted_events = 0;
    storage::WriterStats storage;
    std::optional<bot::LeaseStats> leases;  // none: this daemon owns its database alone
};

// Reads every figure once. `healthy` is left for the caller (it knows the stall limit).
MetricsSnapshot collect_metrics(const bot::Supervisor& supervisor, const storage::Database& db,
                                const exchange::MarketStream& stream);

std::string render_metrics(const MetricsSnapshot& snapshot);

// The Content-Type of render_metrics()'s output.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Exposition-format helpers (exposed for tests).
// A label value: backslash, double quote and line feed escaped.
std::string escape_label_value(std::string_view value);
// HELP text: backslash and line feed escaped.
std::string escape_help(std::string_view text);
// A sample value: shortest text that reads back as the same double; NaN, +Inf, -Inf.
std::string format_value(double value);
// Microseconds as exact decimal seconds: 250 -> "0.00025", 1000000 -> "1".
std::string micros_as_seconds(std::uint64_t micros);

}  // namespace service
