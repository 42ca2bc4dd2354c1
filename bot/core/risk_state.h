// What the risk rules (bot/core/risk_rules.h) remember between prices, and its form in bot_state.
//
// A restarted bot must still exit at a trailing stop set by a high it saw before the restart, and
// must stay halted for the rest of a UTC day whose loss already reached the cap: so the whole
// state is committed under the bot_state key kRiskStateKey, as a small JSON object with money as
// exact decimal strings:
//   {"trail_high":"61950.1","day_ms":1764115200000,"day_start_realized":"-3.2",
//    "day_start_unrealized":"0","halted":false,"cooldown_left":0}
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/calendar.h"
#include "config/decimal.h"

namespace bot {

// The bot_state key holding RiskState::to_json().
inline constexpr const char* kRiskStateKey = "risk";

struct RiskState {
    // Highest price seen since the position was opened (its first fill included); zero while
    // flat. The trailing stop trails it.
    config::Decimal trail_high;
    // The UTC day the day's figures belong to, as the epoch milliseconds of its 00:00; none
    // before the first price.
    std::optional<std::int64_t> day_ms;
    // Realized and unrealized PnL at the day's first price: the day's loss is measured from them.
    config::Decimal day_start_realized;
    config::Decimal day_start_unrealized;
    // The day's loss reached max_daily_loss_quote: no new entry until the next UTC day.
    bool halted = false;
    // Closed candles still to pass before a new entry is allowed after a risk exit.
    int cooldown_left = 0;

    friend bool operator==(const RiskState&, const RiskState&) = default;

    // When a halt ends: 00:00 UTC of the day after the one it began in; none when not halted.
    std::optional<std::int64_t> halted_until_ms() const {
        if (!halted || !day_ms) return std::nullopt;
        return *day_ms + config::kMsPerDay;
    }

    std::string to_json() const;
    // nullopt when the text is not a risk state (damaged or foreign): the caller logs it and
    // starts from a fresh state, which loses only the trailing high (it restarts at the entry)
    // and the day's baseline (it restarts at the next price).
    static std::optional<RiskState> from_json(const std::string& text);
};

}  // namespace bot
