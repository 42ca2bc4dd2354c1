// A real child process for integration tests: fork/exec with stdout and stderr captured through
// pipes, real signals, and a wait with a deadline. Nothing here is mocked.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace testing_support {

class ChildProcess {
public:
    // Starts argv[0] (a path) with the given arguments; extra_env entries are added to (or
    // override) the parent's environment. cwd, when set, is the child's working directory.
    ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> extra_env = {},
                 std::string cwd = {});
    ~ChildProcess();  // SIGKILLs the child if it still runs
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int sig) const;

    // Waits for the exit. Returns the exit code (128+N for death by signal N), or nullopt when
    // the deadline passed first.
    std::optional<int> wait_for(std::chrono::milliseconds timeout);
    bool running();

    // Everything read so far (the readers run in background threads).
    std::string stdout_text() const;
    std::string stderr_text() const;
    std::vector<std::string> stdout_lines() const;

    // Polls until pred(stdout or stderr text) holds, or the timeout passes.
    template <class Pred>
    bool wait_until_output(Pred pred, std::chrono::milliseconds timeout, bool use_stderr = false) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (pred(use_stderr ? stderr_text() : stdout_text())) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return pred(use_stderr ? stderr_text() : stdout_text());
    }

private:
    void reap_readers();

    pid_t pid_ = -1;
    std::optional<int> exit_code_;
    mutable std::mutex mu_;
    std::string out_;  // guarded by mu_
    std::string err_;  // guarded by mu_
    std::thread out_reader_;
    std::thread err_reader_;
};

// Runs a command to completion, returning {exit code, stdout, stderr}.
struct RunResult {
    int exit_code;
    std::string out;
    std::string err;
};
RunResult run(std::vector<std::string> argv,
              std::chrono::milliseconds timeout = std::chrono::seconds(60),
              std::map<std::string, std::string> extra_env = {}, std::string cwd = {});

}  // namespace testing_support
