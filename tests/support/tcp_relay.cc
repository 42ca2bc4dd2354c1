#include "support/tcp_relay.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace testing_support {
namespace {

bool write_all(int fd, const char* data, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        data += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

}  // namespace

TcpRelay::TcpRelay(int upstream_port) : upstream_port_(upstream_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 ||
        ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        ::pipe2(stop_pipe_, O_CLOEXEC) != 0) {
        throw std::runtime_error("TcpRelay: " + std::string(std::strerror(errno)));
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

TcpRelay::~TcpRelay() {
    ::close(stop_pipe_[1]);  // wakes the acceptor and every pump
    if (acceptor_.joinable()) acceptor_.join();
    std::vector<std::thread> pumps;
    {
        std::lock_guard<std::mutex> lock(mu_);
        pumps.swap(pumps_);
    }
    for (auto& t : pumps) t.join();
    ::close(stop_pipe_[0]);
    ::close(listen_fd_);
}

void TcpRelay::accept_loop() {
    for (;;) {
        pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (p[1].revents) return;
        const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<std::uint16_t>(upstream_port_));
        if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(client);
            if (server >= 0) ::close(server);
            continue;
        }
        std::lock_guard<std::mutex> lock(mu_);
        pumps_.emplace_back([this, client, server] { pump(client, server); });
    }
}

void TcpRelay::hold() {
    std::lock_guard<std::mutex> lock(held_mu_);
    held_from_clients_.clear();
    held_.store(true);
}

void TcpRelay::release() { held_.store(false); }

void TcpRelay::hold_at(const std::string& needle) {
    std::lock_guard<std::mutex> lock(held_mu_);
    held_from_clients_.clear();
    hold_at_ = needle;
}

bool TcpRelay::held_contains(const std::string& needle) const {
    std::lock_guard<std::mutex> lock(held_mu_);
    return held_from_clients_.find(needle) != std::string::npos;
}

void TcpRelay::pump(int client, int server) {
    std::string from_server;  // bytes not yet forwarded: parsed one message at a time
    std::string to_server;    // what a client sent while held
    char buf[16384];
    for (;;) {
        const bool held = held_.load();
        if (!held && !to_server.empty()) {
            if (!write_all(server, to_server.data(), to_server.size())) break;
            to_server.clear();
        }
        pollfd p[3] = {{client, POLLIN, 0}, {server, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
        // While held, look at the flag now and then; what the server sends waits in its socket.
        if (held) p[1].events = 0;
        if (::poll(p, 3, held ? 20 : -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (p[2].revents) break;
        if (p[0].revents) {
            const ssize_t n = ::recv(client, buf, sizeof buf, 0);
            if (n <= 0) break;
            {
                std::lock_guard<std::mutex> lock(held_mu_);
                if (!hold_at_.empty() &&
                    std::string_view(buf, static_cast<std::size_t>(n)).find(hold_at_) !=
                        std::string_view::npos) {
                    hold_at_.clear();
                    held_.store(true);
                }
            }
            if (held_.load()) {
                to_server.append(buf, static_cast<std::size_t>(n));
                std::lock_guard<std::mutex> lock(held_mu_);
                held_from_clients_.append(buf, static_cast<std::size_t>(n));
                continue;
            }
            if (!write_all(server, buf, static_cast<std::size_t>(n))) break;
        }
        if (p[1].revents) {
            const ssize_t n = ::recv(server, buf, sizeof buf, 0);
            if (n <= 0) break;
            from_server.append(buf, static_cast<std::size_t>(n));
            // Server messages: a type byte and a 4-byte big-endian length that counts itself.
            std::size_t complete = 0;
            bool drop = false;
            while (from_server.size() - complete >= 5) {
                const char type = from_server[complete];
                std::uint32_t len = 0;
                std::memcpy(&len, from_server.data() + complete + 1, 4);
                len = ntohl(len);
                if (from_server.size() - complete < 1 + len) break;
                if (type == 'C' && from_server.compare(complete + 5, 6, "COMMIT") == 0 &&
                    drop_commit_.exchange(false)) {
                    drop = true;
                    break;
                }
                complete += 1 + len;
            }
            if (!write_all(client, from_server.data(), complete)) break;
            from_server.erase(0, complete);
            if (drop) {
                dropped_.fetch_add(1);
                break;
            }
        }
    }
    ::close(client);
    ::close(server);
}

}  // namespace testing_support
