#include "bot/core/risk_rules.h"

#include <algorithm>
#include <utility>

#include "bot/core/reason_text.h"
#include "config/calendar.h"
#include "exchange/filters.h"

namespace bot {
namespace {

using config::Rounding;

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

std::string DailyLoss::text() const {
    return "daily loss " + loss.to_string(2) + " >= " + limit.to_string() + " (realized " +
           realized.to_string(2) + ", unrealized " + unrealized.to_string(2) + ") on " +
           config::format_date(day_ms) + " UTC; no new entry until " +
           config::format_date(day_ms + config::kMsPerDay) + " 00:00 UTC, exits still run";
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
    const Decimal& held = position.quantity();
    ExitQuantity out;
    out.left = held;
    if (!held.is_positive()) return out;
    const exchange::FittedQuantity fit = exchange::fit_quantity(symbol_rules_, held, price);
    if (fit.breach) {
        out.note = "nothing to sell: " + fit.breach->message();
        return out;
    }
    out.quantity = fit.quantity;
    out.left = held - fit.quantity;
    if (out.left.is_positive()) {
        const Decimal& step = exchange::step_of(symbol_rules_);
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
    // Asked at every price while a position is held: the filters' check allocates nothing.
    return price.is_positive() && position.quantity().is_positive() &&
           !exchange::fit_quantity(symbol_rules_, position.quantity(), price).breach;
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
    // With no exit rule on there is no trailing high to keep either.
    if (!has_exit_rules() || !holding(position, price)) return std::nullopt;
    if (config_.trailing_stop_pct) {
        state.trail_high = std::max({state.trail_high, position.avg_entry_price(), price});
    }
    return check(position, state, price);
}

std::optional<RiskExit> RiskRules::on_candle(const PositionBook& position, RiskState& state,
                                             const Decimal& open, const Decimal& high,
                                             const Decimal& low) const {
    if (!has_exit_rules()) return std::nullopt;
    // The open is the candle's first price: beyond a level, the exit is made there.
    if (auto e = on_price(position, state, open)) return e;
    if (!holding(position, open)) return std::nullopt;
    const RiskLevels l = levels(position, state);
    // The first trade across a level is at the level rounded to the tick away from the trader
    // (a stop fills at or below it, a take-profit at or above), and inside the candle's range.
    auto on_tick = [&](const Decimal& level, Rounding r) {
        return exchange::round_price(symbol_rules_, level, r);
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
    const std::int64_t day = config::utc_day_start_ms(time_ms);
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
               " on " + config::format_date(*state.day_ms) + " UTC; no new entry until " +
               config::format_date(*state.day_ms + config::kMsPerDay) + " 00:00 UTC";
    }
    if (state.cooldown_left > 0) {
        return "cooldown after a risk exit: " + std::to_string(state.cooldown_left) +
               " more closed candle" + (state.cooldown_left == 1 ? "" : "s");
    }
    return std::nullopt;
}

}  // namespace bot
