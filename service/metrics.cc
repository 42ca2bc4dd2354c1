#include "service/metrics.h"

#include <charconv>
#include <cmath>
#include <functional>

#include "bot/runtime/bot_stats.h"
#include "bot/core/risk_rules.h"
#include "bot/runtime/supervisor.h"
#include "exchange/market_stream.h"

namespace service {
namespace {

// Writes one metric family: HELP and TYPE once, then its samples.
class Writer {
public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_ += "# HELP ";
        out_ += name;
        out_ += ' ';
        out_ += escape_help(help);
        out_ += "\n# TYPE ";
        out_ += name;
        out_ += ' ';
        out_ += type;
        out_ += '\n';
    }

    // name{label="value"} text
    void sample(std::string_view name, std::string_view label, std::string_view label_value,
                std::string_view text) {
        out_ += name;
        if (!label.empty()) {
            out_ += '{';
            out_ += label;
            out_ += "=\"";
            out_ += escape_label_value(label_value);
            out_ += "\"}";
        }
        out_ += ' ';
        out_ += text;
        out_ += '\n';
    }
    void sample(std::string_view name, std::string_view text) { sample(name, {}, {}, text); }
    // name{label="value",label2="value2"} text
    void sample(std::string_view name, std::string_view label, std::string_view label_value,
                std::string_view label2, std::string_view label2_value, std::string_view text) {
        out_ += name;
        out_ += '{';
        add_label(label, label_value);
        out_ += ',';
        add_label(label2, label2_value);
        out_ += "} ";
        out_ += text;
        out_ += '\n';
    }

    std::string take() { return std::move(out_); }

private:
    void add_label(std::string_view label, std::string_view value) {
        out_ += label;
        out_ += "=\"";
        out_ += escape_label_value(value);
        out_ += '"';
    }

    std::string out_;
};

std::string uint_text(std::uint64_t v) { return std::to_string(v); }
std::string bool_text(bool v) { return v ? "1" : "0"; }

// One family with a sample per bot.
template <class Get>
void per_bot(Writer& w, const MetricsSnapshot& s, std::string_view name, std::string_view type,
             std::string_view help, Get get) {
    w.family(name, type, help);
    for (const auto& b : s.bots) w.sample(name, "symbol", b.symbol, get(b));
}

// The per-bot families, in the order they are rendered: counts and sizes, then flags, then
// exact amounts (progress and last-event age come between the flags and the amounts).
struct BotCount {
    const char* name;
    const char* type;
    const char* help;
    std::uint64_t BotMetrics::*field;
};
constexpr BotCount kBotCounts[] = {
    {"tradebot_events_total", "counter", "Market events the bot took from its queue.",
     &BotMetrics::events},
    {"tradebot_closed_klines_total", "counter", "Closed candles fed to the strategy.",
     &BotMetrics::closed_klines},
    {"tradebot_signals_total", "counter", "Strategy signals committed.", &BotMetrics::signals},
    {"tradebot_orders_total", "counter", "Orders sent to the gateway.", &BotMetrics::orders},
    {"tradebot_fills_total", "counter", "Fills committed.", &BotMetrics::fills},
    {"tradebot_orders_rejected_total", "counter", "Orders the gateway rejected.",
     &BotMetrics::rejected},
    {"tradebot_storage_errors_total", "counter", "Writes of this bot that failed for good.",
     &BotMetrics::storage_errors},
    {"tradebot_bot_restarts_total", "counter", "Bot restarts after an exception.",
     &BotMetrics::restarts},
    {"tradebot_dropped_events_total", "counter",
     "Kline updates, trades and tickers dropped because the bot's queue was full.",
     &BotMetrics::dropped_events},
    {"tradebot_lost_closes_total", "counter",
     "Closed candles dropped because the bot's queue held nothing else.", &BotMetrics::lost_closes},
    {"tradebot_queue_depth", "gauge", "Events waiting in the bot's queue.",
     &BotMetrics::queue_depth},
    {"tradebot_queue_capacity", "gauge", "Capacity of the bot's queue.",
     &BotMetrics::queue_capacity},
};

struct BotFlag {
    const char* name;
    const char* help;
    bool BotMetrics::*field;
};
constexpr BotFlag kBotFlags[] = {
    {"tradebot_bot_running", "1 while the bot loop runs (0: starting, restart backoff, stopped).",
     &BotMetrics::running},
    {"tradebot_bot_failed", "1 when the symbol was stopped for good.", &BotMetrics::failed},
};

struct BotAmount {
    const char* name;
    const char* help;
    config::Decimal BotMetrics::*field;
};
const BotAmount kBotAmounts[] = {
    {"tradebot_position_quantity", "Position in the base asset.", &BotMetrics::position_quantity},
    {"tradebot_position_avg_entry_price", "Average entry price of the position.",
     &BotMetrics::avg_entry_price},
    {"tradebot_last_price", "Last price seen (0 before the first).", &BotMetrics::last_price},
    {"tradebot_realized_pnl", "Realized PnL in the quote asset, fees included.",
     &BotMetrics::realized_pnl},
    {"tradebot_unrealized_pnl",
     "Unrealized PnL of the position at the last price, in the quote asset.",
     &BotMetrics::unrealized_pnl},
};

double seconds_between(std::int64_t later_ms, std::int64_t earlier_ms) {
    return later_ms > earlier_ms ? static_cast<double>(later_ms - earlier_ms) / 1000.0 : 0.0;
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string escape_help(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string format_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    if (ec != std::errc()) return "NaN";  // cannot happen with 64 characters
    return std::string(buf, end);
}

std::string micros_as_seconds(std::uint64_t micros) {
    std::string whole = std::to_string(micros / 1000000);
    std::uint64_t frac = micros % 1000000;
    if (frac == 0) return whole;
    std::string digits = std::to_string(frac);
    digits.insert(0, 6 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    return whole + "." + digits;
}

MetricsSnapshot collect_metrics(const bot::Supervisor& supervisor, const storage::Database& db,
                                const exchange::MarketStream& stream) {
    MetricsSnapshot s;
    s.version = TRADEBOT_VERSION;
    const std::int64_t wall_now = bot::BotStats::wall_now_ms();
    const std::int64_t steady_now = bot::BotStats::steady_now_ms();
    for (const bot::BotView& view : supervisor.bots()) {
        BotMetrics b;
        b.symbol = view.symbol;
        if (const bot::BotStats* st = view.stats.get()) {
            b.events = st->events.load(std::memory_order_relaxed);
            b.closed_klines = st->closed_klines.load(std::memory_order_relaxed);
            b.signals = st->signals.load(std::memory_order_relaxed);
            b.orders = st->orders.load(std::memory_order_relaxed);
            b.fills = st->fills.load(std::memory_order_relaxed);
            b.rejected = st->rejected.load(std::memory_order_relaxed);
            b.storage_errors = st->storage_errors.load(std::memory_order_relaxed);
            b.restarts = st->restarts.load(std::memory_order_relaxed);
            b.running = st->running.load(std::memory_order_relaxed);
            b.failed = st->failed.load(std::memory_order_relaxed);
            b.progress_age_s =
                seconds_between(steady_now, st->last_progress_ms.load(std::memory_order_relaxed));
            if (std::int64_t last = st->last_event_ms.load(std::memory_order_relaxed); last > 0) {
                b.last_event_age_s = seconds_between(wall_now, last);
            }
            bot::PositionSnapshot p = st->position();
            b.position_quantity = p.quantity;
            b.avg_entry_price = p.avg_entry_price;
            b.last_price = p.last_price;
            b.realized_pnl = p.realized_pnl;
            b.unrealized_pnl = p.unrealized_pnl;
            const bot::RiskSnapshot r = st->risk();
            b.risk_levels[static_cast<std::size_t>(bot::ExitRule::kStopLoss)] = r.stop_loss;
            b.risk_levels[static_cast<std::size_t>(bot::ExitRule::kTrailingStop)] = r.trailing_stop;
            b.risk_levels[static_cast<std::size_t>(bot::ExitRule::kTakeProfit)] = r.take_profit;
            b.risk_halted = r.halted;
            for (std::size_t i = 0; i < b.risk_exits.size(); ++i) {
                b.risk_exits[i] = st->risk_exits[i].load(std::memory_order_relaxed);
            }
        }
        if (const bot::EventQueue* q = view.queue.get()) {
            b.dropped_events = q->dropped();
            b.lost_closes = q->lost_closes();
            b.queue_depth = q->depth();
            b.queue_capacity = q->capacity();
        }
        s.bots.push_back(std::move(b));
    }
    exchange::StreamStats ss = stream.stats();
    s.stream.messages = ss.messages;
    s.stream.malformed = ss.malformed;
    s.stream.reconnects = ss.reconnects;
    if (ss.last_message_ms > 0)
        s.stream.last_message_age_s = seconds_between(wall_now, ss.last_message_ms);
    s.unrouted_events = supervisor.unrouted();
    s.storage = db.writer_stats();
    return s;
}

namespace {

// Several daemons on one database: what this one holds and how its renewals go.
void render_leases(Writer& w, const bot::LeaseStats& l) {
    w.family("tradebot_leases_held", "gauge", "Symbol leases this process holds now.");
    w.sample("tradebot_leases_held", uint_text(l.held.size()));
    w.family("tradebot_lease_epoch", "gauge",
             "Epoch of each lease this process holds (raised by every takeover).");
    for (const auto& [symbol, epoch] : l.held) {
        w.sample("tradebot_lease_epoch", "symbol", symbol,
                 uint_text(static_cast<std::uint64_t>(epoch)));
    }
    w.family("tradebot_live_nodes", "gauge",
             "Processes sharing the database, by the last renewal (this one included).");
    w.sample("tradebot_live_nodes", uint_text(static_cast<std::uint64_t>(l.live_nodes)));
    const char* hist = "tradebot_lease_renew_latency_seconds";
    w.family(hist, "histogram", "Duration of a lease renewal round trip (all leases at once).");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < l.kLatencyBoundsMs.size(); ++i) {
        cumulative += l.renew_latency_counts[i];
        w.sample("tradebot_lease_renew_latency_seconds_bucket", "le",
                 micros_as_seconds(static_cast<std::uint64_t>(l.kLatencyBoundsMs[i] * 1000)),
                 uint_text(cumulative));
    }
    cumulative += l.renew_latency_counts[l.kLatencyBoundsMs.size()];
    w.sample("tradebot_lease_renew_latency_seconds_bucket", "le", "+Inf", uint_text(cumulative));
    w.sample("tradebot_lease_renew_latency_seconds_sum", format_value(l.renew_ms_sum / 1e3));
    w.sample("tradebot_lease_renew_latency_seconds_count", uint_text(cumulative));
    const struct {
        const char* name;
        const char* help;
        std::uint64_t value;
    } counters[] = {
        {"tradebot_lease_renewals_total", "Lease renewal rounds that succeeded.", l.renewals},
        {"tradebot_lease_renew_failures_total",
         "Lease renewal rounds that failed (database unreachable).", l.renew_failures},
        {"tradebot_leases_acquired_total", "Leases taken (free, released or expired symbols).",
         l.acquired},
        {"tradebot_leases_released_total", "Leases given up after their symbol was drained.",
         l.released},
        {"tradebot_leases_lost_total",
         "Leases lost: taken over by another process, or unrenewed too long.", l.lost},
    };
    for (const auto& c : counters) {
        w.family(c.name, "counter", c.help);
        w.sample(c.name, uint_text(c.value));
    }
}

}  // namespace

std::string render_metrics(const MetricsSnapshot& s) {
    Writer w;
    w.family("tradebot_build_info", "gauge", "tradebotd version; always 1.");
    w.sample("tradebot_build_info", "version", s.version, "1");
    w.family("tradebot_healthy", "gauge",
             "1 when every bot is making progress and storage is not stalled (/healthz 200).");
    w.sample("tradebot_healthy", bool_text(s.healthy));

    for (const auto& f : kBotCounts) {
        per_bot(w, s, f.name, f.type, f.help,
                [&](const BotMetrics& b) { return uint_text(b.*f.field); });
    }
    for (const auto& f : kBotFlags) {
        per_bot(w, s, f.name, "gauge", f.help,
                [&](const BotMetrics& b) { return bool_text(b.*f.field); });
    }
    per_bot(w, s, "tradebot_bot_progress_age_seconds", "gauge",
            "Seconds since the bot loop last turned (a stuck bot grows this).",
            [](const BotMetrics& b) { return format_value(b.progress_age_s); });
    w.family("tradebot_last_event_age_seconds", "gauge",
             "Seconds since the bot took its last market event (absent before the first).");
    for (const auto& b : s.bots) {
        if (b.last_event_age_s) {
            w.sample("tradebot_last_event_age_seconds", "symbol", b.symbol,
                     format_value(*b.last_event_age_s));
        }
    }
    for (const auto& f : kBotAmounts) {
        per_bot(w, s, f.name, "gauge", f.help,
                [&](const BotMetrics& b) { return (b.*f.field).to_string(); });
    }

    w.family("tradebot_risk_level", "gauge",
             "Exit level in force for the position held, by rule (absent: rule off or no "
             "position).");
    for (const auto& b : s.bots) {
        for (std::size_t i = 0; i < b.risk_levels.size(); ++i) {
            if (b.risk_levels[i]) {
                w.sample("tradebot_risk_level", "symbol", b.symbol, "rule",
                         bot::to_string(static_cast<bot::ExitRule>(i)),
                         b.risk_levels[i]->to_string());
            }
        }
    }
    per_bot(w, s, "tradebot_risk_halted", "gauge",
            "1 while the daily loss halt holds new entries until 00:00 UTC.",
            [](const BotMetrics& b) { return bool_text(b.risk_halted); });
    w.family("tradebot_risk_exits_total", "counter", "Risk exits decided, by rule.");
    for (const auto& b : s.bots) {
        for (std::size_t i = 0; i < b.risk_exits.size(); ++i) {
            w.sample("tradebot_risk_exits_total", "symbol", b.symbol, "rule",
                     bot::to_string(static_cast<bot::ExitRule>(i)), uint_text(b.risk_exits[i]));
        }
    }

    w.family("tradebot_stream_messages_total", "counter",
             "Market stream messages received (frames, or simulated ticks).");
    w.sample("tradebot_stream_messages_total", uint_text(s.stream.messages));
    w.family("tradebot_stream_malformed_total", "counter",
             "Market stream messages that could not be parsed.");
    w.sample("tradebot_stream_malformed_total", uint_text(s.stream.malformed));
    w.family("tradebot_stream_reconnects_total", "counter",
             "Market stream connections re-established after a drop or silence.");
    w.sample("tradebot_stream_reconnects_total", uint_text(s.stream.reconnects));
    w.family("tradebot_stream_last_message_age_seconds", "gauge",
             "Seconds since the last market stream message (absent before the first).");
    if (s.stream.last_message_age_s) {
        w.sample("tradebot_stream_last_message_age_seconds",
                 format_value(*s.stream.last_message_age_s));
    }
    w.family("tradebot_unrouted_events_total", "counter",
             "Market events for a symbol with no running bot.");
    w.sample("tradebot_unrouted_events_total", uint_text(s.unrouted_events));

    const storage::WriterStats& st = s.storage;
    const char* hist = "tradebot_storage_commit_latency_seconds";
    w.family(hist, "histogram", "Duration of storage COMMITs (one per group of batches).");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < st.kLatencyBoundsUs.size(); ++i) {
        cumulative += st.commit_latency_counts[i];
        w.sample("tradebot_storage_commit_latency_seconds_bucket", "le",
                 micros_as_seconds(static_cast<std::uint64_t>(st.kLatencyBoundsUs[i])),
                 uint_text(cumulative));
    }
    cumulative += st.commit_latency_counts[st.kLatencyBoundsUs.size()];
    w.sample("tradebot_storage_commit_latency_seconds_bucket", "le", "+Inf", uint_text(cumulative));
    w.sample("tradebot_storage_commit_latency_seconds_sum", format_value(st.commit_us_sum / 1e6));
    w.sample("tradebot_storage_commit_latency_seconds_count", uint_text(cumulative));

    w.family("tradebot_storage_batches_total", "counter", "Write batches committed.");
    w.sample("tradebot_storage_batches_total", uint_text(st.batches));
    w.family("tradebot_storage_transactions_total", "counter",
             "Transactions committed; batches_total / transactions_total is the mean group size.");
    w.sample("tradebot_storage_transactions_total", uint_text(st.transactions));
    w.family("tradebot_storage_max_group_batches", "gauge",
             "Largest group committed in one transaction, in batches.");
    w.sample("tradebot_storage_max_group_batches", uint_text(st.max_group));
    w.family("tradebot_storage_queued_batches", "gauge", "Batches waiting to be committed.");
    w.sample("tradebot_storage_queued_batches", uint_text(st.queued));
    w.family("tradebot_storage_stalled", "gauge",
             "1 while commits are being retried (database locked, disk full, I/O error).");
    w.sample("tradebot_storage_stalled", bool_text(st.stalled));
    w.family("tradebot_storage_retries_total", "counter",
             "Rolled-back commit attempts that were retried.");
    w.sample("tradebot_storage_retries_total", uint_text(st.retries));
    w.family("tradebot_storage_failed_batches_total", "counter", "Batches that failed for good.");
    w.sample("tradebot_storage_failed_batches_total", uint_text(st.failed));
    w.family("tradebot_storage_forced_checkpoints_total", "counter",
             "TRUNCATE checkpoints the WAL size bound needed.");
    w.sample("tradebot_storage_forced_checkpoints_total", uint_text(st.forced_checkpoints));
    if (s.leases) render_leases(w, *s.leases);
    return w.take();
}

}  // namespace service
