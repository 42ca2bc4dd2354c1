#include "bot/core/risk_rules.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "bot/core/reason_text.h"

namespace bot {
namespace {

using config::Rounding;

constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

// Binance quantities have at most 8 decimals; with no LOT_SIZE filter known, round to that.
const Decimal kDefaultStep = Decimal::from_string("0.00000001");
const Decimal kHundred = Decimal::from_int(100);

Decimal below(const Decimal& price, const Decimal& pct) {
    return price * (kHundred - pct) / kHundred;
}

Decimal above(const Decimal& price, const Decimal& pct) {
    return price * (kHundred + pct) / kHundred;
}

// The highest price the trailing stop trails: the state's, or the entry when the state has none
// (a position from before the rule was turned on, or a lost state).
Decimal trail_base(const PositionBook& position, const RiskState& state) {
    return std::max(state.trail_high, position.avg_entry_price());
}

bool limit_set(const Decimal& limit) { return limit.is_positive(); }  // zero: no limit

// Fractional digits of a tick size: 2 for 0.01, 0 for 1.
int decimals_of(const Decimal& tick) {
    const std::string s = tick.to_string();
    const auto dot = s.find('.');
    return dot == std::string::npos ? 0 : static_cast<int>(s.size() - dot - 1);
}

}  // namespace

const char* to_string(ExitRule rule) {
    switch (rule) {
        case ExitRule::kStopLoss:
            return "stop_loss";
        case ExitRule::kTrailingStop:
            return "trailing_stop";
        case ExitRule::kTakeProfit:
            return "take_profit";
    }
    return "?";
}

std::int64_t utc_day_start_ms(std::int64_t time_ms) {
    std::int64_t day = time_ms / kDayMs;
    if (time_ms % kDayMs < 0) --day;  // floor, for times before 1970
    return day * kDayMs;
}

std::string utc_date_text(std::int64_t time_ms) {
    using namespace std::chrono;
    const year_month_day ymd{sys_days{days{utc_day_start_ms(time_ms) / kDayMs}}};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

std::string DailyLoss::text() const {
    return "daily loss " + loss.to_string(2) + " >= " + limit.to_string() + " (realized " +
           realized.to_string(2) + ", unrealized " + unrealized.to_string(2) + ") on " +
           utc_date_text(day_ms) + " UTC; no new entry until " + utc_date_text(day_ms + kDayMs) +
           " 00:00 UTC, exits still run";
}

RiskRules::RiskRules(config::RiskConfig config, exchange::SymbolRules symbol_rules)
    : config_(std::move(config)), symbol_rules_(std::move(symbol_rules)) {}

bool RiskRules::has_exit_rules() const {
    return config_.stop_loss_pct || config_.take_profit_pct || config_.trailing_stop_pct;
}

RiskLevels RiskRules::levels(const PositionBook& position, const RiskState& state) const {
    RiskLevels out;
    if (!position.quantity().is_positive()) return out;
    const Decimal& entry = position.avg_entry_price();
    if (config_.stop_loss_pct) out.stop_loss = below(entry, *config_.stop_loss_pct);
    if (config_.take_profit_pct) out.take_profit = above(entry, *config_.take_profit_pct);
    if (config_.trailing_stop_pct) {
        out.trailing_stop = below(trail_base(position, state), *config_.trailing_stop_pct);
    }
    return out;
}

ExitQuantity RiskRules::exit_quantity(const PositionBook& position, const Decimal& price) const {
    const exchange::SymbolRules& r = symbol_rules_;
    const Decimal& held = position.quantity();
    const Decimal step = r.step_size.is_positive() ? r.step_size : kDefaultStep;
    ExitQuantity out;
    out.left = held;
    if (!held.is_positive()) return out;
    Decimal q = held.round_to_step(step);
    if (limit_set(r.max_qty) && q > r.max_qty) q = r.max_qty.round_to_step(step);
    if (limit_set(r.max_notional) && price.is_positive() && q * price > r.max_notional) {
        q = Decimal::div(r.max_notional, price, Rounding::kDown).round_to_step(step);
    }
    const std::string position_text = "position " + held.to_string();
    if (!q.is_positive()) {
        out.note =
            position_text + " is below the step size " + step.to_string() + ": nothing to sell";
        return out;
    }
    if (limit_set(r.min_qty) && q < r.min_qty) {
        out.note =
            position_text + " is below the min qty " + r.min_qty.to_string() + ": nothing to sell";
        return out;
    }
    if (limit_set(r.min_notional) && q * price < r.min_notional) {
        out.note = position_text + " is worth " + (q * price).to_string() +
                   ", below the min notional " + r.min_notional.to_string() + ": nothing to sell";
        return out;
    }
    out.quantity = q;
    out.left = held - q;
    if (out.left.is_positive()) {
        out.note = out.left < step ? "leaves " + out.left.to_string() + " below the step size " +
                                         step.to_string()
                                   : "leaves " + out.left.to_string() +
                                         " above the exchange's maximum order; sold at the next "
                                         "price";
    }
    return out;
}

std::string RiskRules::price_text(const Decimal& price) const {
    const Decimal& tick = symbol_rules_.tick_size;
    return tick.is_positive() ? price.to_string(decimals_of(tick)) : indicator_text(price);
}

bool RiskRules::holding(const PositionBook& position, const Decimal& price) const {
    return price.is_positive() && exit_quantity(position, price).quantity.is_positive();
}

RiskExit RiskRules::make_exit(ExitRule rule, const Decimal& level, const Decimal& fill,
                              const PositionBook& position, const RiskState& state) const {
    RiskExit e;
    e.rule = rule;
    e.level = level;
    e.price = fill;
    const Decimal& pct = rule == ExitRule::kStopLoss       ? *config_.stop_loss_pct
                         : rule == ExitRule::kTrailingStop ? *config_.trailing_stop_pct
                                                           : *config_.take_profit_pct;
    const std::string at = price_text(fill);
    const std::string level_text = price_text(level);
    e.reason = std::string(to_string(rule)) + " " + percent_text(pct) + "% at " + at + " (";
    e.reason += rule == ExitRule::kTrailingStop ? "high " + price_text(trail_base(position, state))
                                                : "entry " + price_text(position.avg_entry_price());
    if (at != level_text) e.reason += ", level " + level_text;
    e.reason += ")";
    return e;
}

std::optional<RiskExit> RiskRules::check(const PositionBook& position, const RiskState& state,
                                         const Decimal& price) const {
    const RiskLevels l = levels(position, state);
    // Of two downside levels the higher is the one a falling price crossed first; on a tie the
    // stop-loss is named.
    if (l.trailing_stop && price <= *l.trailing_stop &&
        (!l.stop_loss || *l.trailing_stop > *l.stop_loss)) {
        return make_exit(ExitRule::kTrailingStop, *l.trailing_stop, price, position, state);
    }
    if (l.stop_loss && price <= *l.stop_loss) {
        return make_exit(ExitRule::kStopLoss, *l.stop_loss, price, position, state);
    }
    if (l.take_profit && price >= *l.take_profit) {
        return make_exit(ExitRule::kTakeProfit, *l.take_profit, price, position, state);
    }
    return std::nullopt;
}

std::optional<RiskExit> RiskRules::on_price(const PositionBook& position, RiskState& state,
                                            const Decimal& price) const {
    if (!holding(position, price)) return std::nullopt;
    if (config_.trailing_stop_pct) {
        state.trail_high = std::max({state.trail_high, position.avg_entry_price(), price});
    }
    if (!has_exit_rules()) return std::nullopt;
    return check(position, state, price);
}

std::optional<RiskExit> RiskRules::on_candle(const PositionBook& position, RiskState& state,
                                             const Decimal& open, const Decimal& high,
                                             const Decimal& low) const {
    // The open is the candle's first price: beyond a level, the exit is made there.
    if (auto e = on_price(position, state, open)) return e;
    if (!holding(position, open)) return std::nullopt;
    const RiskLevels l = levels(position, state);
    const Decimal& tick = symbol_rules_.tick_size;
    // The first trade across a level is at the level rounded to the tick away from the trader
    // (a stop fills at or below it, a take-profit at or above), and inside the candle's range.
    auto on_tick = [&](const Decimal& level, Rounding r) {
        return tick.is_positive() ? level.round_to_step(tick, r) : level;
    };
    std::optional<std::pair<ExitRule, Decimal>> down;
    if (l.stop_loss) down = {ExitRule::kStopLoss, *l.stop_loss};
    if (l.trailing_stop && (!down || *l.trailing_stop > down->second)) {
        down = {ExitRule::kTrailingStop, *l.trailing_stop};
    }
    if (down && low <= down->second) {
        const Decimal fill = std::clamp(on_tick(down->second, Rounding::kDown), low, open);
        return make_exit(down->first, down->second, fill, position, state);
    }
    if (l.take_profit && high >= *l.take_profit) {
        const Decimal fill = std::clamp(on_tick(*l.take_profit, Rounding::kUp), open, high);
        return make_exit(ExitRule::kTakeProfit, *l.take_profit, fill, position, state);
    }
    if (config_.trailing_stop_pct) state.trail_high = std::max(state.trail_high, high);
    return std::nullopt;
}

void RiskRules::on_fill(RiskState& state, exchange::Side side, const Decimal& price,
                        const PositionBook& after) const {
    if (side == exchange::Side::kBuy) {
        if (config_.trailing_stop_pct) state.trail_high = std::max(state.trail_high, price);
    } else if (!holding(after, price)) {
        state.trail_high = Decimal();
    }
}

void RiskRules::on_exit(RiskState& state) const { state.cooldown_left = config_.cooldown_candles; }

void RiskRules::on_candle_closed(RiskState& state) const {
    if (state.cooldown_left > 0) --state.cooldown_left;
}

DayCheck RiskRules::mark(RiskState& state, const PositionBook& position, const Decimal& price,
                         std::int64_t time_ms) const {
    DayCheck out;
    // Without a cap there is nothing to measure the day against: nothing is kept (or written).
    if (!config_.max_daily_loss_quote) return out;
    const std::int64_t day = utc_day_start_ms(time_ms);
    const Decimal realized = position.realized_pnl();
    const Decimal unrealized = position.quantity().is_positive() && price.is_positive()
                                   ? position.unrealized_pnl(price)
                                   : Decimal();
    if (!state.day_ms || day > *state.day_ms) {
        // The day's first price is its baseline: its loss so far is zero.
        out.new_day = true;
        out.lifted = state.halted;
        state.day_ms = day;
        state.day_start_realized = realized;
        state.day_start_unrealized = unrealized;
        state.halted = false;
        return out;
    }
    if (state.halted) return out;
    DailyLoss d;
    d.realized = realized - state.day_start_realized;
    d.unrealized = unrealized - state.day_start_unrealized;
    d.loss = -(d.realized + d.unrealized);
    d.limit = *config_.max_daily_loss_quote;
    d.day_ms = *state.day_ms;
    if (d.loss >= d.limit) {
        state.halted = true;
        out.halted = d;
    }
    return out;
}

std::optional<std::string> RiskRules::entry_block(const RiskState& state) const {
    if (state.halted && config_.max_daily_loss_quote && state.day_ms) {
        return "halted: the daily loss reached " + config_.max_daily_loss_quote->to_string() +
               " on " + utc_date_text(*state.day_ms) + " UTC; no new entry until " +
               utc_date_text(*state.day_ms + kDayMs) + " 00:00 UTC";
    }
    if (state.cooldown_left > 0) {
        return "cooldown after a risk exit: " + std::to_string(state.cooldown_left) +
               " more closed candle" + (state.cooldown_left == 1 ? "" : "s");
    }
    return std::nullopt;
}

}  // namespace bot
