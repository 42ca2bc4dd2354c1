// What an operator set for one symbol (pause, resume, flatten), and its form in bot_state.
//
// A paused symbol opens no new position: its strategy's BUYs are recorded as signals, not ordered;
// exits, the risk rules and protective orders still run. Paused survives a restart, so it is
// committed under the bot_state key kControlStateKey as a small JSON object:
//   {"paused":true,"by":"alice@desk"}
#pragma once

#include <optional>
#include <string>

namespace bot {

// The bot_state key holding ControlState::to_json().
inline constexpr const char* kControlStateKey = "control";

struct ControlState {
    bool paused = false;
    std::string by;  // who paused it (user@host); empty when not paused

    friend bool operator==(const ControlState&, const ControlState&) = default;

    std::string to_json() const;
    // nullopt when the text is not a control state (damaged or foreign).
    static std::optional<ControlState> from_json(const std::string& text);
};

}  // namespace bot
