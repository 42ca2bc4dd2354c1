// RAII over libpq (in the style of storage/sqlite/util.h): an owning connection, an owning
// result, parameters kept alive for the call, and error text that names the cause and never
// carries a password. Private to storage/.
//
// Every call waits on the socket with poll() rather than inside libpq, so a call can be given a
// deadline (a daemon's stop has a budget) and a dead server costs a bounded wait: on a deadline
// the connection is dropped, which makes the server roll back whatever was open.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace storage::pg {

using Clock = std::chrono::steady_clock;

// How a failed call should be handled.
enum class Failure {
    kNone,       // it worked
    kRow,        // the row was refused (constraint, bad value): permanent for that row only
    kTransient,  // the server is unreachable, restarting, out of space, or the call timed out:
                 // nothing is known to have changed; try again later
    kFatal,      // anything else (corruption, a schema someone else changed, no permission)
};

struct ResultDeleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};

// The outcome of one statement: rows, or what went wrong.
class Result {
public:
    Result() = default;
    // Takes ownership of r (may be null: the connection failed before an answer).
    Result(PGresult* r, Failure failure, std::string error);

    bool ok() const { return failure_ == Failure::kNone; }
    // Whether the server answered at all (false: the connection failed before an answer).
    bool answered() const { return r_ != nullptr; }
    Failure failure() const { return failure_; }
    // The cause, one line (libpq's message, trimmed). Empty when ok().
    const std::string& error() const { return error_; }
    // The five-character SQLSTATE, or "" when the server never answered.
    std::string sqlstate() const;

    int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
    bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
    std::string text(int row, int col) const;
    std::int64_t int64(int row, int col) const;
    bool boolean(int row, int col) const;  // 't' / 'f'

private:
    std::unique_ptr<PGresult, ResultDeleter> r_;
    Failure failure_ = Failure::kTransient;
    std::string error_;
};

// Statement parameters, all sent as text (the server casts them to the column types), so money
// crosses the wire exactly as written. The strings live as long as the Params.
class Params {
public:
    Params& add(std::string v);
    Params& add(std::string_view v) { return add(std::string(v)); }
    Params& add(const char* v) { return add(std::string(v)); }
    Params& add(std::int64_t v) { return add(std::to_string(v)); }
    Params& add(int v) { return add(std::to_string(v)); }
    Params& add_null();
    // Empty text becomes NULL (optional columns).
    Params& add_text_or_null(const std::string& v) { return v.empty() ? add_null() : add(v); }
    Params& add(const std::optional<std::int64_t>& v) { return v ? add(*v) : add_null(); }

    int size() const { return static_cast<int>(values_.size()); }
    // Pointers into this object; valid until it changes.
    std::vector<const char*> pointers() const;

private:
    std::vector<std::string> values_;
    std::vector<bool> null_;
};

// Settings a connection is opened with, beneath whatever the URL itself says (the URL wins).
struct ConnectOptions {
    int connect_timeout_s = 5;
    // A connection whose peer stops answering is declared dead after this long (TCP keepalive
    // and TCP_USER_TIMEOUT), instead of the kernel's many minutes.
    int dead_peer_timeout_s = 10;
    // Server-side limits on every statement of the connection, 0 for the server's own setting:
    // statement_timeout cancels a statement that runs longer, lock_timeout one that waits longer
    // for a lock; a transaction left idle that long (its client frozen mid-way) is ended too, so
    // it cannot hold a lease row's lock forever. Sent as the connection's "options"; a URL with
    // its own options= replaces them.
    int statement_timeout_ms = 0;
    int lock_timeout_ms = 0;
    // The longest any call waits for the server's answer when its caller gives no earlier
    // deadline (0: no limit). A hung server (its processes stopped, a frozen VM) never cancels
    // a statement, and its kernel keeps the TCP connection alive: only this ends the wait.
    std::chrono::milliseconds answer_timeout{0};
    std::string application_name = "tradebot";
};

struct ConnDeleter {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};

class Connection {
public:
    // Connects to `url` (a libpq connection URI). On failure ok() is false and error() says why.
    // The connect timeout (the URL's, else options') bounds the whole attempt, and so does
    // `deadline` when it comes first; `interrupt`, if set, is asked every 100 ms whether to give
    // up, and becomes the connection's (set_interrupt).
    static Connection open(const std::string& url, const ConnectOptions& options,
                           std::optional<Clock::time_point> deadline = {},
                           std::function<bool()> interrupt = {});

    Connection() = default;
    bool ok() const;
    const std::string& error() const { return error_; }
    PGconn* get() const { return conn_.get(); }
    // Drops the connection (the server rolls back anything open).
    void reset();

    // Runs one statement (no parameters: may hold several statements separated by ';', whose
    // last result is returned). Waits until `deadline` (or the answer timeout, whichever comes
    // first); past it the connection is dropped and the call fails as kTransient. `interrupt`, if
    // set, is asked every 100 ms whether to give up early the same way.
    Result exec(const std::string& sql, std::optional<Clock::time_point> deadline = {});
    Result exec(const std::string& sql, const Params& params,
                std::optional<Clock::time_point> deadline = {});
    // Prepared statements: prepare once per connection (after each reconnect), run by name.
    Result prepare(const std::string& name, const std::string& sql);
    Result exec_prepared(const std::string& name, const Params& params,
                         std::optional<Clock::time_point> deadline = {});

    // One statement of a pipeline: a prepared statement's name, or SQL text.
    struct Command {
        std::string statement;
        bool prepared = true;
        Params params;
    };
    // What a pipeline did: one Result per command, in order. After the first command that
    // failed the server ran none of the rest (their Results are failures too, "not run").
    struct PipelineOutcome {
        std::vector<Result> results;
        int failed_at = -1;  // index of the first failed command, -1: none
    };
    // Sends every command at once and waits for their answers: one round trip for all of them
    // (libpq pipeline mode). On a lost connection or a deadline, every command not answered
    // fails as kTransient and failed_at is the first of them.
    PipelineOutcome pipeline(const std::vector<Command>& commands,
                             std::optional<Clock::time_point> deadline = {});

    // Checked every 100 ms while a call waits; returning true abandons the call (see exec).
    void set_interrupt(std::function<bool()> interrupt) { interrupt_ = std::move(interrupt); }

private:
    // Sends with `send` (a PQsend* call), then waits for every result; returns the last one, or
    // the first error.
    Result run(const std::function<int(PGconn*)>& send, std::optional<Clock::time_point> deadline);
    Result broken(const std::string& what);
    // `deadline`, or now + the answer timeout when that comes first.
    std::optional<Clock::time_point> bounded(std::optional<Clock::time_point> deadline) const;

    std::unique_ptr<PGconn, ConnDeleter> conn_;
    std::string error_;
    std::function<bool()> interrupt_;
    std::chrono::milliseconds answer_timeout_{0};
};

// The SQLSTATE classes and codes worth retrying (server shutting down or starting, connection
// lost, out of disk or memory, too many connections, a lock or serialization conflict, a
// statement timeout), the ones that refuse a row (integrity constraints, data exceptions), and
// the rest (fatal).
Failure classify(const std::string& sqlstate);

// `url` with any password removed (userinfo "user:secret@" and a "password=" parameter), for
// log lines and error messages.
std::string redact(const std::string& url);

// libpq's text for a failed connection or statement, on one line, trimmed.
std::string one_line(const char* message);

// The server's "now" in milliseconds since the Unix epoch, as the SQL text that computes it.
inline constexpr const char* kServerNowMs =
    "(extract(epoch from clock_timestamp()) * 1000)::bigint";

}  // namespace storage::pg
