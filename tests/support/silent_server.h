// A TCP port on 127.0.0.1 whose connections complete (the kernel's listen backlog accepts them)
// and are never answered: what a hung or overloaded server looks like to a client. Nothing is
// ever read or written, so a client waits until its own timeout or until it gives up.
#pragma once

#include <cstdint>
#include <string>

namespace testing_support {

class SilentServer {
public:
    SilentServer();  // throws std::runtime_error if no socket can be bound
    ~SilentServer();
    SilentServer(const SilentServer&) = delete;
    SilentServer& operator=(const SilentServer&) = delete;

    std::uint16_t port() const { return port_; }
    std::string http_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::string ws_url() const { return "ws://127.0.0.1:" + std::to_string(port_); }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace testing_support
