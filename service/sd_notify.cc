#include "service/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace service {
namespace {

std::optional<std::uint64_t> parse_uint(const char* text) {
    if (text == nullptr || *text == '\0') return std::nullopt;
    errno = 0;
    char* end = nullptr;
    unsigned long long v = std::strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-') return std::nullopt;
    return static_cast<std::uint64_t>(v);
}

std::uint64_t monotonic_usec_now() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

// Closes the descriptor on every path.
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

void set_error(std::string* error, const char* what, int err) {
    if (error != nullptr) *error = std::string(what) + ": " + std::strerror(err);
}

// STATUS= is one line: a newline would start another assignment.
std::string one_line(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return out;
}

}  // namespace

SdNotifier SdNotifier::from_environment() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    if (socket == nullptr || *socket == '\0') return SdNotifier();
    std::uint64_t watchdog = 0;
    if (auto usec = parse_uint(std::getenv("WATCHDOG_USEC")); usec && *usec > 0) {
        // WATCHDOG_PID, when set, names the process the watchdog is meant for (a child that
        // inherited the environment must not ping on its parent's behalf).
        const char* pid_text = std::getenv("WATCHDOG_PID");
        auto pid = parse_uint(pid_text);
        if (pid_text == nullptr || (pid && *pid == static_cast<std::uint64_t>(::getpid()))) {
            watchdog = *usec;
        }
    }
    return SdNotifier(socket, watchdog);
}

SdNotifier::SdNotifier(std::string socket_path, std::uint64_t watchdog_usec)
    : socket_path_(std::move(socket_path)), watchdog_usec_(watchdog_usec) {}

std::optional<std::chrono::microseconds> SdNotifier::watchdog_period() const {
    if (!enabled() || watchdog_usec_ == 0) return std::nullopt;
    return std::chrono::microseconds(watchdog_usec_);
}

std::optional<std::chrono::microseconds> SdNotifier::watchdog_ping_interval() const {
    auto period = watchdog_period();
    if (!period) return std::nullopt;
    return *period / 2;
}

bool SdNotifier::notify(std::string_view state, std::string* error) const {
    if (!enabled()) {
        if (error != nullptr) *error = "NOTIFY_SOCKET not set";
        return false;
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    // Abstract addresses ('@name') have no terminating NUL: their length is exact.
    if (socket_path_.size() >= sizeof(addr.sun_path) ||
        (socket_path_[0] != '/' && socket_path_[0] != '@')) {
        set_error(error, "NOTIFY_SOCKET", EINVAL);
        return false;
    }
    std::memcpy(addr.sun_path, socket_path_.data(), socket_path_.size());
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path_.size());
    if (socket_path_[0] == '@') {
        addr.sun_path[0] = '\0';
    } else {
        len += 1;  // the terminating NUL of a path name
    }

    Fd sock{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    if (sock.fd < 0) {
        set_error(error, "socket", errno);
        return false;
    }
    for (;;) {
        ssize_t n = ::sendto(sock.fd, state.data(), state.size(), MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(&addr), len);
        if (n >= 0) return static_cast<std::size_t>(n) == state.size();
        if (errno == EINTR) continue;
        set_error(error, "sendto", errno);
        return false;
    }
}

bool SdNotifier::ready(std::string_view status) const {
    if (status.empty()) return notify("READY=1");
    return notify("READY=1\nSTATUS=" + one_line(status));
}

bool SdNotifier::stopping() const { return notify("STOPPING=1"); }

bool SdNotifier::reloading() const { return notify(reloading_message(monotonic_usec_now())); }

bool SdNotifier::watchdog() const { return notify("WATCHDOG=1"); }

bool SdNotifier::status(std::string_view text) const { return notify("STATUS=" + one_line(text)); }

std::string reloading_message(std::uint64_t monotonic_usec) {
    return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec);
}

}  // namespace service
