#include "support/pg_server.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#ifndef TRADEBOT_PG_TEMPLATE_DIR
#define TRADEBOT_PG_TEMPLATE_DIR "/tmp/tradebot-pg-template"
#endif

namespace testing_support {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string find_bin() {
    if (const char* env = std::getenv("TRADEBOT_PG_BIN"); env && *env) return env;
    std::vector<fs::path> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        if (fs::exists(e.path() / "bin" / "postgres")) found.push_back(e.path() / "bin");
    }
    if (found.empty()) {
        throw std::runtime_error(
            "PgServer: no PostgreSQL server binaries under /usr/lib/postgresql (install "
            "postgresql-15: `make deps`) and TRADEBOT_PG_BIN is not set");
    }
    std::sort(found.begin(), found.end(), [](const fs::path& a, const fs::path& b) {
        return std::stoi(a.parent_path().filename()) < std::stoi(b.parent_path().filename());
    });
    return found.back().string();
}

// The user the server runs as: `postgres` when we are root (the server refuses root).
void server_user(uid_t& uid, gid_t& gid) {
    if (::geteuid() != 0) {
        uid = ::geteuid();
        gid = ::getegid();
        return;
    }
    struct passwd* pw = ::getpwnam("postgres");
    if (!pw) {
        throw std::runtime_error(
            "PgServer: running as root and there is no `postgres` user to run the server as "
            "(the postgresql-15 package creates it)");
    }
    uid = pw->pw_uid;
    gid = pw->pw_gid;
}

void chown_tree(const fs::path& root, uid_t uid, gid_t gid) {
    if (::geteuid() != 0) return;
    if (::lchown(root.c_str(), uid, gid) != 0) {
        throw std::runtime_error("chown " + root.string() + ": " + std::strerror(errno));
    }
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (::lchown(e.path().c_str(), uid, gid) != 0) {
            throw std::runtime_error("chown " + e.path().string() + ": " + std::strerror(errno));
        }
    }
}

// Where servers live: memory (tmpfs) when there is room, as copying a data folder to a busy
// disk costs seconds; /tmp otherwise.
std::string server_base() {
    struct statvfs st {};
    if (::statvfs("/dev/shm", &st) == 0 &&
        static_cast<unsigned long long>(st.f_bavail) * st.f_frsize > (1ULL << 30)) {
        return "/dev/shm";
    }
    return "/tmp";
}

fs::path make_private_dir(uid_t uid, gid_t gid) {
    // Short: a Unix socket path has 107 bytes.
    std::string tmpl = server_base() + "/tradebot-pg-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
        throw std::runtime_error("PgServer: mkdtemp: " + std::string(std::strerror(errno)));
    }
    fs::path dir = buf.data();
    chown_tree(dir, uid, gid);
    return dir;
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs argv as uid/gid with stdout and stderr appended to `log`; returns the exit status.
// The child dies with this thread (PR_SET_PDEATHSIG, set after the uid change, which clears it).
pid_t spawn_as(const std::vector<std::string>& argv, uid_t uid, gid_t gid, const fs::path& log,
               int death_signal) {
    std::vector<char*> args;
    std::vector<std::string> copy = argv;
    for (auto& a : copy) args.push_back(a.data());
    args.push_back(nullptr);
    const pid_t parent = ::getpid();
    const bool switch_user = ::geteuid() == 0;
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
    if (pid == 0) {
        if (switch_user) {
            if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
                _exit(126);
            }
        }
        ::prctl(PR_SET_PDEATHSIG, death_signal);
        if (::getppid() != parent) _exit(125);  // the parent died before prctl took effect
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd >= 0) {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
        }
        // The caller's working folder may be closed to the server's user (a clone under
        // /root): nothing here needs it, and initdb would warn about it.
        if (::chdir("/") != 0) _exit(124);
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
        // Locale-independent messages and no inherited connection settings.
        ::setenv("LC_ALL", "C.UTF-8", 1);
        for (const char* var : {"PGHOST", "PGPORT", "PGDATA", "PGUSER", "PGDATABASE"}) {
            ::unsetenv(var);
        }
        ::execv(args[0], args.data());
        _exit(127);
    }
    return pid;
}

int wait_exit(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        if (fd >= 0) ::close(fd);
        throw std::runtime_error("PgServer: no free port on 127.0.0.1");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

// Makes (once per build folder) a freshly initdb'd data folder to copy for each server.
fs::path template_dir(const std::string& bin, uid_t uid, gid_t gid) {
    const fs::path dir = TRADEBOT_PG_TEMPLATE_DIR;
    const fs::path ready = dir / "data" / ".tradebot-template-ready";
    fs::create_directories(dir.parent_path());
    // Parallel test processes: one makes the template, the others wait for it.
    const std::string lock_path = dir.string() + ".lock";
    int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock < 0) throw std::runtime_error("PgServer: cannot open " + lock_path);
    struct Unlock {
        int fd;
        ~Unlock() {
            ::flock(fd, LOCK_UN);
            ::close(fd);
        }
    } unlock{lock};
    while (::flock(lock, LOCK_EX) != 0 && errno == EINTR) {
    }
    if (fs::exists(ready)) return dir / "data";

    std::error_code ec;
    fs::remove_all(dir, ec);  // a half-made template from a killed run
    const fs::path work = make_private_dir(uid, gid);
    const fs::path log = work / "initdb.log";
    pid_t pid = spawn_as(
        {bin + "/initdb", "-D", (work / "data").string(), "-A", "trust", "-U", "tradebot", "-E",
         "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions", "--wal-segsize=1"},
        uid, gid, log, SIGKILL);
    const int code = wait_exit(pid);
    if (code != 0) {
        std::string text = read_file(log);
        fs::remove_all(work, ec);
        throw std::runtime_error("PgServer: initdb failed (exit " + std::to_string(code) + "):\n" +
                                 text);
    }
    // The database the tests use is made once here: CREATE DATABASE per test costs more than
    // copying its files.
    {
        const std::string port = std::to_string(free_port());
        pid = spawn_as({bin + "/postgres", "-D", (work / "data").string(), "-p", port, "-c",
                        "listen_addresses=", "-c", "unix_socket_directories=" + work.string(), "-c",
                        "fsync=off"},
                       uid, gid, log, SIGQUIT);
        const std::string conninfo =
            "host=" + work.string() + " port=" + port + " user=tradebot dbname=postgres";
        const auto deadline = Clock::now() + std::chrono::seconds(60);
        while (PQping(conninfo.c_str()) != PQPING_OK && Clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        PGconn* c = PQconnectdb(conninfo.c_str());
        // The `postgres` database only costs copying time: the tests never use it.
        PGresult* r = PQexec(c, "CREATE DATABASE tradebot");
        bool made = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        PQfinish(c);
        c = PQconnectdb((conninfo.substr(0, conninfo.size() - 8) + "tradebot").c_str());
        r = PQexec(c, "DROP DATABASE postgres");
        made = made && PQresultStatus(r) == PGRES_COMMAND_OK;
        std::string error = PQerrorMessage(c);
        PQclear(r);
        PQfinish(c);
        ::kill(pid, SIGINT);
        wait_exit(pid);
        if (!made) {
            fs::remove_all(work, ec);
            throw std::runtime_error("PgServer: making the template database failed: " + error +
                                     read_file(log));
        }
    }
    fs::create_directories(dir);
    fs::copy(work / "data", dir / "data", fs::copy_options::recursive);
    fs::remove_all(work, ec);
    std::ofstream(ready) << "made by the tradebot tests\n";
    return dir / "data";
}

struct ConnCloser {
    void operator()(PGconn* c) const { PQfinish(c); }
};

}  // namespace

PgServer::PgServer(std::string database) : database_(std::move(database)) {
    bin_ = find_bin();
    server_user(uid_, gid_);
    const fs::path tmpl = template_dir(bin_, uid_, gid_);
    dir_ = make_private_dir(uid_, gid_);
    try {
        fs::copy(tmpl, dir_ / "data", fs::copy_options::recursive);
        fs::remove(dir_ / "data" / ".tradebot-template-ready");
        fs::permissions(dir_ / "data", fs::perms::owner_all, fs::perm_options::replace);
        chown_tree(dir_, uid_, gid_);
        // A port that was free a moment ago may be taken by the time the server binds it.
        for (int attempt = 0;; ++attempt) {
            port_ = free_port();
            try {
                start();
                break;
            } catch (const std::exception&) {
                if (attempt >= 4 || log().find("could not bind") == std::string::npos) throw;
            }
        }
        if (database_ != "tradebot") create_database(database_);
    } catch (...) {
        stop();
        std::error_code ec;
        fs::remove_all(dir_, ec);
        throw;
    }
}

PgServer::~PgServer() {
    try {
        stop();
    } catch (...) {
        // never throw from a destructor
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

std::string PgServer::url(const std::string& database) const {
    return "postgresql://tradebot@127.0.0.1:" + std::to_string(port_) + "/" +
           (database.empty() ? database_ : database);
}

std::string PgServer::log() const { return read_file(dir_ / "server.log"); }

void PgServer::launch() {
    const std::string port = std::to_string(port_);
    pid_ = spawn_as(
        {bin_ + "/postgres", "-D", (dir_ / "data").string(), "-p", port, "-c",
         "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + dir_.string(),
         // Durability against a machine crash is not what these tests are about;
         // a killed process still loses nothing the OS has.
         "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=60", "-c",
         "shared_buffers=16MB", "-c", "log_min_messages=warning", "-c", "logging_collector=off"},
        uid_, gid_, dir_ / "server.log", SIGQUIT);
}

void PgServer::start() {
    if (pid_ > 0) return;
    launch();
    wait_ready(std::chrono::seconds(60));
}

void PgServer::wait_ready(std::chrono::seconds timeout) {
    const std::string conninfo = "host=" + dir_.string() + " port=" + std::to_string(port_) +
                                 " user=tradebot dbname=tradebot connect_timeout=5";
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (PQping(conninfo.c_str()) == PQPING_OK) return;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("PgServer: postgres exited at start:\n" + log());
        }
        if (Clock::now() >= deadline) {
            stop();
            throw std::runtime_error("PgServer: postgres not ready after " +
                                     std::to_string(timeout.count()) + " s:\n" + log());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::vector<pid_t> PgServer::processes() const {
    std::vector<pid_t> out;
    if (pid_ <= 0) return out;
    out.push_back(pid_);
    std::error_code ec;
    for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so after the ')'.
        const std::string stat = read_file(it->path() / "stat");
        const auto close = stat.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(stat.substr(close + 1));
        std::string state;
        long ppid = 0;
        rest >> state >> ppid;
        if (ppid == pid_) out.push_back(static_cast<pid_t>(std::stol(name)));
    }
    return out;
}

void PgServer::freeze() {
    if (pid_ <= 0 || frozen_) return;
    // The postmaster first, so that it starts no process that would escape.
    ::kill(pid_, SIGSTOP);
    for (pid_t p : processes()) ::kill(p, SIGSTOP);
    frozen_ = true;
}

void PgServer::thaw() {
    if (!frozen_) return;
    for (pid_t p : processes()) ::kill(p, SIGCONT);
    frozen_ = false;
}

void PgServer::kill() {
    if (pid_ <= 0) return;
    const std::vector<pid_t> all = processes();
    for (pid_t p : all) ::kill(p, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    // The backends were the postmaster's children; once they are gone nothing holds the data
    // folder's shared memory, and a start recovers from the WAL.
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    for (pid_t p : all) {
        while (p != pid_ && ::kill(p, 0) == 0 && Clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    pid_ = -1;
    frozen_ = false;
}

void PgServer::stop() {
    if (pid_ <= 0) return;
    thaw();
    ::kill(pid_, SIGINT);  // fast shutdown: clients disconnected, data kept
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    int status = 0;
    for (;;) {
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_ || (r < 0 && errno == ECHILD)) break;
        if (Clock::now() >= deadline) {
            ::kill(pid_, SIGQUIT);  // immediate shutdown, then give up on it politely
            ::waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
}

std::string PgServer::query(const std::string& sql, const std::string& database) const {
    const std::string conninfo =
        "host=" + dir_.string() + " port=" + std::to_string(port_) +
        " user=tradebot connect_timeout=10 dbname=" + (database.empty() ? database_ : database);
    std::unique_ptr<PGconn, ConnCloser> conn(PQconnectdb(conninfo.c_str()));
    if (PQstatus(conn.get()) != CONNECTION_OK) {
        throw std::runtime_error("PgServer: cannot connect: " +
                                 std::string(PQerrorMessage(conn.get())));
    }
    PGresult* r = PQexec(conn.get(), sql.c_str());
    const ExecStatusType st = PQresultStatus(r);
    std::string out;
    if (st == PGRES_TUPLES_OK && PQntuples(r) > 0 && PQnfields(r) > 0) out = PQgetvalue(r, 0, 0);
    std::string error = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK
                            ? std::string()
                            : std::string(PQresultErrorMessage(r));
    PQclear(r);
    if (!error.empty()) throw std::runtime_error("PgServer: " + sql + ": " + error);
    return out;
}

void PgServer::create_database(const std::string& name) const {
    query("CREATE DATABASE \"" + name + "\" TEMPLATE template0", "template1");
}

}  // namespace testing_support
