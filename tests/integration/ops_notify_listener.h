// The systemd side of the notify protocol, for tests: an AF_UNIX datagram socket bound in a
// folder (or at an abstract address), read with deadlines. Header-only; used by the bot unit tests
// and the tradebotd integration tests.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace testing_support {

class NotifyListener {
public:
    // `address`: a path, or "@name" for an abstract address.
    explicit NotifyListener(std::string address) : address_(std::move(address)) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        if (address_.size() >= sizeof(addr.sun_path)) {
            throw std::runtime_error("notify socket path too long: " + address_);
        }
        std::memcpy(addr.sun_path, address_.data(), address_.size());
        socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
        if (address_[0] == '@') {
            addr.sun_path[0] = '\0';
        } else {
            len += 1;
        }
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
            int err = errno;
            ::close(fd_);
            throw std::runtime_error("bind " + address_ + ": " + std::strerror(err));
        }
    }
    ~NotifyListener() {
        ::close(fd_);
        if (!address_.empty() && address_[0] != '@') ::unlink(address_.c_str());
    }
    NotifyListener(const NotifyListener&) = delete;
    NotifyListener& operator=(const NotifyListener&) = delete;

    const std::string& address() const { return address_; }

    // The next datagram, or nullopt when none arrives within `timeout`.
    std::optional<std::string> receive(std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() < 0) left = std::chrono::milliseconds(0);
            pollfd p{fd_, POLLIN, 0};
            int r = ::poll(&p, 1, static_cast<int>(left.count()));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return std::nullopt;
            char buf[4096];
            ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return std::nullopt;
            std::string msg(buf, static_cast<std::size_t>(n));
            received_.push_back(msg);
            return msg;
        }
    }

    // Reads until a datagram containing the line `line` arrives (true) or the deadline passes.
    bool wait_for_line(const std::string& line, std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            auto msg = receive(left);
            if (!msg) return false;
            if (has_line(*msg, line)) return true;
        }
    }

    // Every datagram received so far, in order.
    const std::vector<std::string>& received() const { return received_; }

    static bool has_line(const std::string& msg, const std::string& line) {
        std::size_t start = 0;
        while (start <= msg.size()) {
            std::size_t end = msg.find('\n', start);
            if (end == std::string::npos) end = msg.size();
            if (msg.compare(start, end - start, line) == 0) return true;
            start = end + 1;
        }
        return false;
    }

private:
    std::string address_;
    int fd_ = -1;
    std::vector<std::string> received_;
};

}  // namespace testing_support
