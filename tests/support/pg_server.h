// A real PostgreSQL server for one test process: its own data folder (initdb), a Unix socket in
// that folder and a free port on 127.0.0.1. Nothing here is mocked and nothing relies on a server
// already running on the machine.
//
// - Binaries: /usr/lib/postgresql/<newest>/bin (Debian's postgresql-15), or $TRADEBOT_PG_BIN.
// - initdb and postgres refuse to run as root: as root the server runs as the `postgres` user
//   the Debian package creates (fork + setuid); otherwise as the current user.
// - initdb costs about a second, so its output is made once per build folder (a template,
//   guarded by a file lock against parallel test processes) and copied for each server.
// - The server is stopped (fast shutdown) when the PgServer goes, whether the test passed or
//   not, and it dies with the test process if that is killed (PR_SET_PDEATHSIG: SIGQUIT, the
//   server's immediate shutdown).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace testing_support {

class PgServer {
public:
    // Starts a server with an empty database named `database` owned by the superuser
    // "tradebot" (trust authentication). Throws std::runtime_error with the server's log.
    explicit PgServer(std::string database = "tradebot");
    ~PgServer();  // stops the server and removes its folder
    PgServer(const PgServer&) = delete;
    PgServer& operator=(const PgServer&) = delete;

    // postgresql://tradebot@127.0.0.1:PORT/<database>
    std::string url(const std::string& database = {}) const;
    int port() const { return port_; }
    pid_t pid() const { return pid_; }
    bool running() const { return pid_ > 0; }
    const std::filesystem::path& folder() const { return dir_; }

    // A fast shutdown (clients are disconnected, everything committed is kept) and a start on
    // the same data and port: what an operator's restart does.
    void stop();
    void start();
    void restart() {
        stop();
        start();
    }

    // A hung server: every one of its processes stopped (SIGSTOP), connections left open. Its
    // kernel still accepts connections and acknowledges what clients send; nothing answers.
    // thaw() lets them run on (SIGCONT). stop() and the destructor thaw first.
    void freeze();
    void thaw();
    bool frozen() const { return frozen_; }
    // A crash: every server process killed at once (SIGKILL), nothing shut down. start() then
    // runs crash recovery on the same data.
    void kill();

    // Runs SQL as the superuser on `database` (default: the server's own); throws naming the
    // statement on failure. Returns the first column of the first row ("" if none).
    std::string query(const std::string& sql, const std::string& database = {}) const;
    // Creates another empty database.
    void create_database(const std::string& name) const;

    std::string log() const;

private:
    void launch();
    void wait_ready(std::chrono::seconds timeout);
    // The postmaster and every process it started (backends, background workers).
    std::vector<pid_t> processes() const;

    std::filesystem::path dir_;  // owned by the server's user: data/, the socket, server.log
    std::string database_;
    std::string bin_;
    uid_t uid_ = 0;
    gid_t gid_ = 0;
    int port_ = 0;
    pid_t pid_ = -1;
    bool frozen_ = false;
};

}  // namespace testing_support
