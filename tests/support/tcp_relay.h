// A TCP relay on 127.0.0.1 between a PostgreSQL client and a real server, that can lose the
// server's answer to a COMMIT on purpose: the one moment where a client cannot know whether its
// transaction committed. Everything else passes through untouched. (The client must connect
// with sslmode=disable and gssencmode=disable, so that every server message is framed.)
#pragma once

#include <atomic>
#include <mutex>
#include <string>
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

    // A network that stops delivering (a partition, a frozen switch): while held, nothing is
    // passed on in either direction, every connection stays open, and what arrives is kept in
    // order; release() delivers it and carries on. New connections are accepted meanwhile but
    // nothing passes on them either.
    void hold();
    void release();
    // hold() from the moment a client sends bytes containing `needle`, those bytes included
    // (a write caught on its way: "insert_signal" is the name of the signal insert).
    void hold_at(const std::string& needle);
    // Whether the bytes clients sent since hold() contain `needle` (a prepared statement's name
    // such as "insert_signal" shows a write on its way).
    bool held_contains(const std::string& needle) const;

private:
    void accept_loop();
    void pump(int client, int server);

    int upstream_port_;
    int listen_fd_ = -1;
    int stop_pipe_[2] = {-1, -1};
    int port_ = 0;
    std::atomic<bool> drop_commit_{false};
    std::atomic<int> dropped_{0};
    std::atomic<bool> held_{false};
    mutable std::mutex held_mu_;
    std::string held_from_clients_;  // Guarded by held_mu_
    std::string hold_at_;            // Guarded by held_mu_; empty: none
    std::thread acceptor_;
    std::mutex mu_;
    std::vector<std::thread> pumps_;  // Guarded by mu_
};

}  // namespace testing_support
