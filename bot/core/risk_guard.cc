#include "bot/core/risk_guard.h"

#include <utility>

#include "config/calendar.h"
#include "exchange/filters.h"

namespace bot {
namespace {

// The market time of a candle's prices for the day's figures: its close time (a candle belongs
// to the day it ends in; with intervals up to a day that is also the day it began in).
std::int64_t candle_time(const exchange::Kline& k) {
    return k.close_time_ms != 0 ? k.close_time_ms : k.open_time_ms;
}

}  // namespace

RiskGuard::RiskGuard(config::RiskConfig config, exchange::SymbolRules symbol_rules)
    : rules_(std::move(config), std::move(symbol_rules)) {}

void RiskGuard::restore(const std::optional<std::string>& stored, LogEvents& log) {
    state_ = RiskState{};
    if (stored) {
        if (auto s = RiskState::from_json(*stored)) {
            state_ = *s;
        } else {
            log.push_back({LogLevel::kWarn,
                           "stored risk state is damaged (" + *stored +
                               "); starting afresh: the trailing high restarts at the entry price "
                               "and the day's loss at the next price"});
        }
    }
    saved_ = state_;
    unsaved_ = false;
    if (auto block = entry_block()) log.push_back({LogLevel::kWarn, "resumed " + *block});
}

void RiskGuard::mark(const PositionBook& position, const Decimal& price, std::int64_t time_ms,
                     LogEvents& log) {
    const DayCheck day = rules_.mark(state_, position, price, time_ms);
    if (day.lifted) {
        log.push_back({LogLevel::kInfo, "halt lifted: a new UTC day (" +
                                            config::format_date(time_ms) +
                                            "); new entries allowed again"});
    }
    if (day.halted) log.push_back({LogLevel::kWarn, "halted: " + day.halted->text()});
}

std::optional<RiskExit> RiskGuard::on_price(const PositionBook& position, const Decimal& price,
                                            std::int64_t time_ms, LogEvents& log) {
    if (!price.is_positive()) return std::nullopt;
    mark(position, price, time_ms, log);
    return rules_.on_price(position, state_, price);
}

std::optional<RiskExit> RiskGuard::on_dropped(const PositionBook& position,
                                              const DroppedPrices& dropped, LogEvents& log) {
    if (dropped.count == 0) return std::nullopt;
    const bool low_first = dropped.low_first;
    const Decimal& first = low_first ? dropped.low : dropped.high;
    const Decimal& second = low_first ? dropped.high : dropped.low;
    if (auto e = on_price(position, first, low_first ? dropped.low_time_ms : dropped.high_time_ms,
                          log)) {
        return e;
    }
    return on_price(position, second, low_first ? dropped.high_time_ms : dropped.low_time_ms, log);
}

std::optional<RiskExit> RiskGuard::on_candle(const PositionBook& position,
                                             const exchange::Kline& candle, LogEvents& log) {
    // The day turns before the candle's range counts: its open is the new day's first price.
    mark(position, candle.open, candle_time(candle), log);
    return rules_.on_candle(position, state_, candle.open, candle.high, candle.low);
}

void RiskGuard::mark_candle(const PositionBook& position, const exchange::Kline& candle,
                            LogEvents& log) {
    if (position.quantity().is_positive()) mark(position, candle.low, candle_time(candle), log);
    mark(position, candle.close, candle_time(candle), log);
}

void RiskGuard::on_fill(exchange::Side side, const Decimal& price, const PositionBook& after) {
    rules_.on_fill(state_, side, price, after);
}

void RiskGuard::on_exit() { rules_.on_exit(state_); }

void RiskGuard::on_candle_closed() { rules_.on_candle_closed(state_); }

RiskSnapshot RiskGuard::snapshot(const PositionBook& position) const {
    const RiskLevels l = rules_.levels(position, state_);
    const exchange::SymbolRules& filters = rules_.symbol_rules();
    // Shown on the tick a trade would cross them at: stops rounded down, take-profit up.
    auto shown = [&](const std::optional<Decimal>& level, config::Rounding r) {
        std::optional<Decimal> out = level;
        if (out) out = exchange::round_price(filters, *out, r);
        return out;
    };
    RiskSnapshot s;
    s.stop_loss = shown(l.stop_loss, config::Rounding::kDown);
    s.take_profit = shown(l.take_profit, config::Rounding::kUp);
    s.trailing_stop = shown(l.trailing_stop, config::Rounding::kDown);
    const std::optional<std::int64_t> until = state_.halted_until_ms();
    s.halted = until.has_value() && rules_.config().max_daily_loss_quote.has_value();
    if (s.halted) s.halted_until_ms = *until;
    s.cooldown_left = state_.cooldown_left;
    return s;
}

std::string risk_heartbeat_text(const RiskSnapshot& s) {
    auto level = [](const std::optional<Decimal>& l) { return l ? l->to_string() : "-"; };
    std::string out = "stop=" + level(s.stop_loss) + " take=" + level(s.take_profit) +
                      " trail=" + level(s.trailing_stop) + " halted=";
    out += s.halted ? "until " + config::format_date(s.halted_until_ms) : "no";
    if (s.cooldown_left > 0) out += " cooldown=" + std::to_string(s.cooldown_left);
    return out;
}

std::string RiskGuard::saved_form() {
    saved_ = state_;
    unsaved_ = false;
    return state_.to_json();
}

}  // namespace bot
