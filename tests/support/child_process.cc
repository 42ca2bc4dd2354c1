#include "support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace testing_support {
namespace {

void read_all(int fd, std::mutex& mu, std::string& sink) {
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        std::lock_guard<std::mutex> lock(mu);
        sink.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv,
                           std::map<std::string, std::string> extra_env, std::string cwd) {
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    }
    // Build argv and envp before fork: only async-signal-safe calls in the child.
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    std::map<std::string, std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (auto& [k, v] : extra_env) env[k] = v;
    std::vector<std::string> env_strings;
    for (auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);

    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
        ::setpgid(0, 0);
        ::dup2(out_pipe[1], STDOUT_FILENO);
        ::dup2(err_pipe[1], STDERR_FILENO);
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) _exit(126);
        ::execve(args[0], args.data(), envp.data());
        _exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    out_reader_ = std::thread(read_all, out_pipe[0], std::ref(mu_), std::ref(out_));
    err_reader_ = std::thread(read_all, err_pipe[0], std::ref(mu_), std::ref(err_));
}

ChildProcess::~ChildProcess() {
    if (!exit_code_) {
        ::kill(pid_, SIGKILL);
        wait_for(std::chrono::seconds(10));
    }
    reap_readers();
}

void ChildProcess::reap_readers() {
    if (out_reader_.joinable()) out_reader_.join();
    if (err_reader_.joinable()) err_reader_.join();
}

void ChildProcess::signal(int sig) const {
    if (!exit_code_) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
    if (exit_code_) return exit_code_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            reap_readers();  // the pipes close with the child (unless it left grandchildren)
            return exit_code_;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

bool ChildProcess::running() { return !wait_for(std::chrono::milliseconds(0)).has_value(); }

std::string ChildProcess::stdout_text() const {
    std::lock_guard<std::mutex> lock(mu_);
    return out_;
}

std::string ChildProcess::stderr_text() const {
    std::lock_guard<std::mutex> lock(mu_);
    return err_;
}

std::vector<std::string> ChildProcess::stdout_lines() const {
    std::vector<std::string> lines;
    std::istringstream in(stdout_text());
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

RunResult run(std::vector<std::string> argv, std::chrono::milliseconds timeout,
              std::map<std::string, std::string> extra_env, std::string cwd) {
    ChildProcess p(std::move(argv), std::move(extra_env), std::move(cwd));
    auto code = p.wait_for(timeout);
    if (!code) {
        p.signal(SIGKILL);
        code = p.wait_for(std::chrono::seconds(10));
        return {-1, p.stdout_text(), p.stderr_text()};
    }
    return {*code, p.stdout_text(), p.stderr_text()};
}

}  // namespace testing_support
