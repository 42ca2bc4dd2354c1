// service::SdNotifier — the systemd notify protocol (sd_notify(3)) without libsystemd.
//
// systemd passes the path of an AF_UNIX datagram socket in $NOTIFY_SOCKET (a leading '@' names an
// abstract address) and, with WatchdogSec= set, the watchdog period in $WATCHDOG_USEC (for the
// process in $WATCHDOG_PID, when that is set). Each notify() sends one datagram of
// newline-separated "KEY=VALUE" assignments. With NOTIFY_SOCKET unset every call is a no-op, so the
// daemon behaves the same in a terminal, a container or a test.
//
// Failures to send are reported as a bool and never throw: a lost notification must not stop the
// trading (systemd then times the start or the watchdog out and acts, which is the right outcome).
// Thread-safe: each call sends one whole datagram with sendto(2) on its own socket.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace service {

class SdNotifier {
public:
    // From $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID of this process.
    static SdNotifier from_environment();
    // Disabled: every call is a no-op.
    SdNotifier() = default;
    // Explicit socket path (tests); watchdog_usec 0: no watchdog.
    SdNotifier(std::string socket_path, std::uint64_t watchdog_usec);

    bool enabled() const { return !socket_path_.empty(); }
    const std::string& socket_path() const { return socket_path_; }

    // The watchdog period systemd expects pings within (WatchdogSec=), if one is set for this
    // process. Ping at half of it (watchdog_ping_interval()).
    std::optional<std::chrono::microseconds> watchdog_period() const;
    std::optional<std::chrono::microseconds> watchdog_ping_interval() const;

    // Sends `state` ("READY=1", or several assignments separated by '\n'). True when the
    // datagram was sent; false when disabled or sending failed (errno-style reason in *error).
    bool notify(std::string_view state, std::string* error = nullptr) const;

    bool ready(std::string_view status = {}) const;
    bool stopping() const;
    // RELOADING=1 with MONOTONIC_USEC= (CLOCK_MONOTONIC now), as Type=notify-reload requires
    // and plain Type=notify accepts; follow it with ready() when the reload is done.
    bool reloading() const;
    bool watchdog() const;
    bool status(std::string_view text) const;

private:
    std::string socket_path_;          // empty: disabled
    std::uint64_t watchdog_usec_ = 0;  // 0: no watchdog for this process
};

// "RELOADING=1\nMONOTONIC_USEC=<n>" for a CLOCK_MONOTONIC reading in microseconds.
std::string reloading_message(std::uint64_t monotonic_usec);

}  // namespace service
