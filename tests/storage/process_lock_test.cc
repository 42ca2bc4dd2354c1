// storage::ProcessLock with real processes: a second holder is refused naming the first one's
// pid, a kill -9 leaves no stale lock, and every spelling of a database path names one lock file.
#include "storage/process_lock.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "storage/errors.h"
#include "support/temp_dir.h"

using storage::AlreadyLocked;
using storage::ProcessLock;
using testing_support::TempDir;

namespace {

// A child process that takes the lock, says so on a pipe, and waits to be killed. The test
// process has no other thread at this point, so the child may allocate after fork().
class LockingChild {
public:
    explicit LockingChild(const std::string& database) {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::close(fds[0]);
            char ok = 'n';
            try {
                ProcessLock lock(database);
                ok = 'y';
                [[maybe_unused]] auto n = ::write(fds[1], &ok, 1);
                for (;;) ::pause();
            } catch (...) {
                [[maybe_unused]] auto n = ::write(fds[1], &ok, 1);
            }
            ::_exit(1);
        }
        ::close(fds[1]);
        char got = 0;
        REQUIRE(::read(fds[0], &got, 1) == 1);
        ::close(fds[0]);
        REQUIRE(got == 'y');
    }
    ~LockingChild() { kill9(); }
    pid_t pid() const { return pid_; }
    void kill9() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

private:
    pid_t pid_ = -1;
};

std::string refusal(const std::string& database, pid_t* holder = nullptr) {
    try {
        ProcessLock lock(database);
    } catch (const AlreadyLocked& e) {
        if (holder) *holder = e.holder_pid();
        return e.what();
    }
    return "(not refused)";
}

}  // namespace

TEST_CASE("process lock: a second process is refused, naming the database and the holder's pid",
          "[process_lock]") {
    TempDir dir;
    const std::string db = dir.file("state/bot_state.db");
    LockingChild child(db);

    pid_t holder = 0;
    const std::string message = refusal(db, &holder);
    CHECK(holder == child.pid());
    CHECK_THAT(message, Catch::Contains(std::filesystem::canonical(dir.path()).string() +
                                        "/state/bot_state.db"));
    CHECK_THAT(message, Catch::Contains("pid " + std::to_string(child.pid())));
    CHECK_THAT(message, Catch::Contains("bot_state.db.lock"));
    // The database itself was not created by anyone: the lock comes first.
    CHECK_FALSE(std::filesystem::exists(db));
}

TEST_CASE("process lock: kill -9 of the holder leaves no stale lock", "[process_lock]") {
    TempDir dir;
    const std::string db = dir.file("bot_state.db");
    LockingChild child(db);
    REQUIRE(refusal(db) != "(not refused)");
    child.kill9();
    // The kernel released the flock with the process: the file is still there, the lock is not.
    CHECK(std::filesystem::exists(db + ".lock"));
    ProcessLock mine(db);
    CHECK(mine.path() == std::filesystem::canonical(dir.path()).string() + "/bot_state.db.lock");
    // And it now names this process.
    std::ifstream in(mine.path());
    std::string pid;
    in >> pid;
    CHECK(pid == std::to_string(::getpid()));
}

TEST_CASE("process lock: released on destruction, and held against this process too",
          "[process_lock]") {
    TempDir dir;
    const std::string db = dir.file("bot_state.db");
    {
        ProcessLock first(db);
        pid_t holder = 0;
        CHECK(refusal(db, &holder) != "(not refused)");
        CHECK(holder == ::getpid());
        ProcessLock moved(std::move(first));  // a move keeps the lock
        CHECK(refusal(db) != "(not refused)");
    }
    CHECK_NOTHROW(ProcessLock(db));
}

TEST_CASE("process lock: every spelling of one database names one lock file", "[process_lock]") {
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "real");
    std::filesystem::create_directory_symlink(dir.path() / "real", dir.path() / "alias");
    const std::string plain = dir.file("real/bot_state.db");
    ProcessLock lock(plain);
    CHECK(refusal(dir.file("real/../real/./bot_state.db")) != "(not refused)");
    CHECK(refusal(dir.file("alias/bot_state.db")) != "(not refused)");
    CHECK(ProcessLock::lock_path_for(dir.file("alias/bot_state.db")) == lock.path());
    // Another file in the same folder is another database.
    CHECK_NOTHROW(ProcessLock(dir.file("real/other.db")));
}

TEST_CASE("process lock: missing folders are created private, an impossible path is an OpenError",
          "[process_lock]") {
    TempDir dir;
    {
        ProcessLock lock(dir.file("a/b/bot_state.db"));
        struct stat st {};
        REQUIRE(::stat(dir.file("a/b").c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0700);
        REQUIRE(::stat(lock.path().c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
    }
    std::ofstream(dir.file("not-a-folder")) << "x";
    try {
        ProcessLock lock(dir.file("not-a-folder/bot_state.db"));
        FAIL("accepted");
    } catch (const storage::OpenError& e) {
        CHECK_THAT(e.what(), Catch::Contains("not-a-folder"));
        CHECK_THAT(e.what(), Catch::Contains("Not a directory"));
    }
}
