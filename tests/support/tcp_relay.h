// A TCP relay on 127.0.0.1 between a PostgreSQL client and a real server, that can lose the
// server's answer to a COMMIT on purpose: the one moment where a client cannot know whether its
// transaction committed. Everything else passes through untouched. (The client must connect
// with sslmode=disable and gssencmode=disable, so that every server message is framed.)
#pragma once

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace testing_support {

class TcpRelay {
public:
    explicit TcpRelay(int upstream_port);
    ~TcpRelay();
    TcpRelay(const TcpRelay&) = delete;
    TcpRelay& operator=(const TcpRelay&) = delete;

    int port() const { return port_; }
    // The next time the server answers COMMIT on any connection, the relay closes that
    // connection instead of passing the answer on (the server has committed by then).
    void drop_next_commit_answer() { drop_commit_.store(true); }
    // How many COMMIT answers were dropped so far.
    int dropped() const { return dropped_.load(); }

private:
    void accept_loop();
    void pump(int client, int server);

    int upstream_port_;
    int listen_fd_ = -1;
    int stop_pipe_[2] = {-1, -1};
    int port_ = 0;
    std::atomic<bool> drop_commit_{false};
    std::atomic<int> dropped_{0};
    std::thread acceptor_;
    std::mutex mu_;
    std::vector<std::thread> pumps_;  // Guarded by mu_
};

}  // namespace testing_support
