#include "storage/postgres/client.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace storage::pg {
namespace {

constexpr auto kPollSlice = std::chrono::milliseconds(100);

// Waits until the socket is ready for `events`, the deadline passes, or interrupt() says stop.
// Returns false on deadline or interrupt.
bool wait_socket(PGconn* c, short events, std::optional<Clock::time_point> deadline,
                 const std::function<bool()>& interrupt) {
    const int fd = PQsocket(c);
    if (fd < 0) return true;  // the caller's next libpq call reports the broken connection
    for (;;) {
        auto slice = kPollSlice;
        if (deadline) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
            if (left.count() <= 0) return false;
            slice = std::min(slice, left);
        }
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, static_cast<int>(slice.count()));
        if (n > 0) return true;
        if (n < 0 && errno != EINTR) return true;  // let libpq report it
        if (interrupt && interrupt()) return false;
    }
}

// The server's own sentence for an error ("relation \"x\" does not exist"), without the
// CONTEXT and LOCATION lines libpq's full text adds; the full text when there is none.
std::string server_message(const PGresult* r) {
    const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    if (primary != nullptr && *primary != '\0') return one_line(primary);
    return one_line(PQresultErrorMessage(r));
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

std::string one_line(const char* message) {
    std::string s = message ? message : "";
    for (char& ch : s) {
        if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
    }
    // libpq prefixes ("ERROR:  ") and doubled spaces carry nothing.
    std::string out;
    for (char ch : s) {
        if (ch == ' ' && (out.empty() || out.back() == ' ')) continue;
        out += ch;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (starts_with(out, "ERROR: ")) out.erase(0, 7);
    if (starts_with(out, "FATAL: ")) out.erase(0, 7);
    return out;
}

Failure classify(const std::string& sqlstate) {
    if (sqlstate.empty()) return Failure::kTransient;  // no answer: the connection failed
    const std::string cls = sqlstate.substr(0, 2);
    if (cls == "08") return Failure::kTransient;  // connection exception
    if (cls == "53") return Failure::kTransient;  // insufficient resources: disk full, memory
    if (cls == "57") return Failure::kTransient;  // shutdown, crash recovery, query canceled
    if (cls == "58") return Failure::kTransient;  // system error (I/O)
    if (sqlstate == "40001" || sqlstate == "40P01") return Failure::kTransient;  // conflicts
    if (sqlstate == "55P03") return Failure::kTransient;   // lock not available
    if (sqlstate == "25006") return Failure::kTransient;   // read-only (a standby, for now)
    if (cls == "23" || cls == "22") return Failure::kRow;  // constraint, bad value
    return Failure::kFatal;
}

std::string redact(const std::string& url) {
    std::string out = url;
    // userinfo: scheme://user:secret@host -> scheme://user:***@host
    if (auto scheme_end = out.find("://"); scheme_end != std::string::npos) {
        const auto auth_start = scheme_end + 3;
        const auto auth_end = out.find_first_of("/?", auth_start);
        const auto at = out.rfind('@', auth_end == std::string::npos ? out.size() : auth_end);
        if (at != std::string::npos && at >= auth_start) {
            const auto colon = out.find(':', auth_start);
            if (colon != std::string::npos && colon < at) {
                out.replace(colon + 1, at - colon - 1, "***");
            }
        }
    }
    // password=... in the query string (or a key=value conninfo)
    for (std::size_t pos = 0; (pos = out.find("password=", pos)) != std::string::npos;) {
        const bool at_key_start =
            pos == 0 || out[pos - 1] == '?' || out[pos - 1] == '&' || out[pos - 1] == ' ';
        const auto value_start = pos + 9;
        if (!at_key_start) {
            pos = value_start;
            continue;
        }
        const auto value_end = out.find_first_of("& ", value_start);
        out.replace(value_start,
                    (value_end == std::string::npos ? out.size() : value_end) - value_start, "***");
        pos = value_start + 3;
    }
    return out;
}

Result::Result(PGresult* r, Failure failure, std::string error)
    : r_(r), failure_(failure), error_(std::move(error)) {}

std::string Result::sqlstate() const {
    if (!r_) return {};
    const char* s = PQresultErrorField(r_.get(), PG_DIAG_SQLSTATE);
    return s ? s : "";
}

std::string Result::text(int row, int col) const {
    const char* v = PQgetvalue(r_.get(), row, col);
    return v ? std::string(v, static_cast<std::size_t>(PQgetlength(r_.get(), row, col)))
             : std::string();
}

std::int64_t Result::int64(int row, int col) const {
    if (is_null(row, col)) return 0;
    return std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10);
}

bool Result::boolean(int row, int col) const {
    const char* v = PQgetvalue(r_.get(), row, col);
    return v && v[0] == 't';
}

Params& Params::add(std::string v) {
    values_.push_back(std::move(v));
    null_.push_back(false);
    return *this;
}

Params& Params::add_null() {
    values_.emplace_back();
    null_.push_back(true);
    return *this;
}

std::vector<const char*> Params::pointers() const {
    std::vector<const char*> out;
    out.reserve(values_.size());
    for (std::size_t i = 0; i < values_.size(); ++i) {
        out.push_back(null_[i] ? nullptr : values_[i].c_str());
    }
    return out;
}

Connection Connection::open(const std::string& url, const ConnectOptions& options,
                            std::optional<Clock::time_point> give_up,
                            std::function<bool()> interrupt) {
    Connection c;
    c.answer_timeout_ = options.answer_timeout;
    c.interrupt_ = std::move(interrupt);
    // Our settings first, the URL after: with expand_dbname the URL's own values override ours.
    const std::string timeout = std::to_string(options.connect_timeout_s);
    const std::string user_timeout = std::to_string(options.dead_peer_timeout_s * 1000);
    const std::string idle = std::to_string(std::max(1, options.dead_peer_timeout_s / 2));
    std::string server_options;
    if (options.statement_timeout_ms > 0) {
        server_options += "-c statement_timeout=" + std::to_string(options.statement_timeout_ms) +
                          " -c idle_in_transaction_session_timeout=" +
                          std::to_string(options.statement_timeout_ms);
    }
    if (options.lock_timeout_ms > 0) {
        if (!server_options.empty()) server_options += ' ';
        server_options += "-c lock_timeout=" + std::to_string(options.lock_timeout_ms);
    }
    std::vector<const char*> keys = {"connect_timeout",     "keepalives",       "keepalives_idle",
                                     "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                                     "application_name"};
    std::vector<const char*> values = {timeout.c_str(),
                                       "1",
                                       idle.c_str(),
                                       "1",
                                       "3",
                                       user_timeout.c_str(),
                                       options.application_name.c_str()};
    if (!server_options.empty()) {
        keys.push_back("options");
        values.push_back(server_options.c_str());
    }
    keys.push_back("dbname");
    values.push_back(url.c_str());
    keys.push_back(nullptr);
    values.push_back(nullptr);
    c.conn_.reset(PQconnectStartParams(keys.data(), values.data(), 1));
    if (!c.conn_) {
        c.error_ = "out of memory";
        return c;
    }
    if (PQstatus(c.conn_.get()) == CONNECTION_BAD) {
        c.error_ = one_line(PQerrorMessage(c.conn_.get()));
        return c;
    }
    // libpq does not apply connect_timeout to an asynchronous connect; we do, for the whole
    // attempt (every host the URL lists), with the URL's own value when it sets one.
    int timeout_s = options.connect_timeout_s;
    if (PQconninfoOption* info = PQconninfo(c.conn_.get())) {
        for (PQconninfoOption* o = info; o->keyword; ++o) {
            if (std::strcmp(o->keyword, "connect_timeout") == 0 && o->val) {
                timeout_s = std::atoi(o->val);
            }
        }
        PQconninfoFree(info);
    }
    timeout_s = std::max(1, timeout_s);
    auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    if (give_up && *give_up < deadline) deadline = *give_up;
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
        const short events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
        if (!wait_socket(c.conn_.get(), events, deadline, c.interrupt_)) {
            c.error_ = (give_up && deadline == *give_up) || Clock::now() < deadline
                           ? "gave up connecting to the server (deadline)"
                           : "timed out after " + std::to_string(timeout_s) +
                                 " s connecting to the server";
            c.conn_.reset();
            return c;
        }
        st = PQconnectPoll(c.conn_.get());
    }
    if (st == PGRES_POLLING_FAILED) {
        c.error_ = one_line(PQerrorMessage(c.conn_.get()));
        return c;
    }
    // Blocking sends (they are small); every wait for an answer goes through poll().
    PQsetnonblocking(c.conn_.get(), 0);
    // The server's NOTICEs (e.g. "drop cascades to ...") would go to stderr past the log set-up;
    // nothing we do needs them.
    PQsetNoticeProcessor(
        c.conn_.get(), [](void*, const char*) {}, nullptr);
    return c;
}

bool Connection::ok() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }

std::optional<Clock::time_point> Connection::bounded(
    std::optional<Clock::time_point> deadline) const {
    if (answer_timeout_.count() <= 0) return deadline;
    const auto limit = Clock::now() + answer_timeout_;
    return deadline && *deadline < limit ? *deadline : limit;
}

void Connection::reset() { conn_.reset(); }

Result Connection::broken(const std::string& what) {
    std::string cause = conn_ ? one_line(PQerrorMessage(conn_.get())) : std::string();
    if (cause.empty()) cause = error_.empty() ? "no connection" : error_;
    return Result(nullptr, Failure::kTransient, what + ": " + cause);
}

Result Connection::run(const std::function<int(PGconn*)>& send,
                       std::optional<Clock::time_point> deadline) {
    if (!ok()) return broken("not connected");
    deadline = bounded(deadline);
    PGconn* c = conn_.get();
    if (!send(c)) {
        Result r = broken("sending the statement failed");
        conn_.reset();
        return r;
    }
    while (PQisBusy(c)) {
        if (!wait_socket(c, POLLIN, deadline, interrupt_)) {
            conn_.reset();  // the server rolls back whatever was open
            return Result(nullptr, Failure::kTransient, "gave up waiting for the server");
        }
        if (!PQconsumeInput(c)) {
            Result r = broken("connection lost");
            conn_.reset();
            return r;
        }
    }
    // Keep the first error, or else the last result (a multi-statement exec returns several).
    PGresult* keep = nullptr;
    bool keep_is_error = false;
    while (PGresult* r = PQgetResult(c)) {
        if (keep_is_error) {
            PQclear(r);
        } else {
            if (keep) PQclear(keep);
            keep = r;
            const ExecStatusType s = PQresultStatus(r);
            keep_is_error = s == PGRES_FATAL_ERROR || s == PGRES_BAD_RESPONSE;
        }
        while (PQisBusy(c)) {
            if (!wait_socket(c, POLLIN, deadline, interrupt_) || !PQconsumeInput(c)) {
                PQclear(keep);
                Result lost = broken("connection lost");
                conn_.reset();
                return lost;
            }
        }
    }
    if (!keep) return broken("no answer from the server");
    const ExecStatusType s = PQresultStatus(keep);
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY) {
        return Result(keep, Failure::kNone, {});
    }
    const char* state = PQresultErrorField(keep, PG_DIAG_SQLSTATE);
    std::string error = server_message(keep);
    if (error.empty()) error = one_line(PQerrorMessage(c));
    Failure f = classify(state ? state : "");
    if (PQstatus(c) == CONNECTION_BAD) {
        f = Failure::kTransient;
        conn_.reset();
    }
    return Result(keep, f, error);
}

Result Connection::exec(const std::string& sql, std::optional<Clock::time_point> deadline) {
    return run([&](PGconn* c) { return PQsendQuery(c, sql.c_str()); }, deadline);
}

Result Connection::exec(const std::string& sql, const Params& params,
                        std::optional<Clock::time_point> deadline) {
    const std::vector<const char*> values = params.pointers();
    return run(
        [&](PGconn* c) {
            return PQsendQueryParams(c, sql.c_str(), params.size(), nullptr, values.data(), nullptr,
                                     nullptr, 0);
        },
        deadline);
}

Result Connection::prepare(const std::string& name, const std::string& sql) {
    return run([&](PGconn* c) { return PQsendPrepare(c, name.c_str(), sql.c_str(), 0, nullptr); },
               std::nullopt);
}

Result Connection::exec_prepared(const std::string& name, const Params& params,
                                 std::optional<Clock::time_point> deadline) {
    const std::vector<const char*> values = params.pointers();
    return run(
        [&](PGconn* c) {
            return PQsendQueryPrepared(c, name.c_str(), params.size(), values.data(), nullptr,
                                       nullptr, 0);
        },
        deadline);
}

Connection::PipelineOutcome Connection::pipeline(const std::vector<Command>& commands,
                                                 std::optional<Clock::time_point> deadline) {
    PipelineOutcome out;
    out.results.reserve(commands.size());
    auto fail_rest = [&](const std::string& why) {
        if (out.failed_at < 0) out.failed_at = static_cast<int>(out.results.size());
        while (out.results.size() < commands.size()) {
            out.results.emplace_back(nullptr, Failure::kTransient, why);
        }
        conn_.reset();  // the server rolls back whatever the pipeline left open
        return std::move(out);
    };
    if (commands.empty()) return out;
    if (!ok()) return fail_rest(broken("not connected").error());
    deadline = bounded(deadline);
    PGconn* c = conn_.get();
    // Non-blocking while the pipeline is sent: a long pipeline must not block on a full socket
    // while the server is blocked sending us answers we are not reading.
    if (PQsetnonblocking(c, 1) != 0 || PQenterPipelineMode(c) != 1) {
        return fail_rest(broken("cannot enter pipeline mode").error());
    }
    for (const auto& cmd : commands) {
        const std::vector<const char*> values = cmd.params.pointers();
        const int sent = cmd.prepared
                             ? PQsendQueryPrepared(c, cmd.statement.c_str(), cmd.params.size(),
                                                   values.data(), nullptr, nullptr, 0)
                             : PQsendQueryParams(c, cmd.statement.c_str(), cmd.params.size(),
                                                 nullptr, values.data(), nullptr, nullptr, 0);
        if (!sent) return fail_rest(broken("sending the statements failed").error());
    }
    if (!PQpipelineSync(c)) return fail_rest(broken("sending the statements failed").error());
    for (;;) {
        const int f = PQflush(c);
        if (f == 0) break;
        if (f < 0) return fail_rest(broken("sending the statements failed").error());
        if (!wait_socket(c, POLLIN | POLLOUT, deadline, interrupt_)) {
            return fail_rest("gave up waiting for the server");
        }
        if (!PQconsumeInput(c)) return fail_rest(broken("connection lost").error());
    }
    // Answers, in order: each command's result(s) then a null, and the sync at the end.
    auto next_result = [&]() -> std::optional<PGresult*> {
        while (PQisBusy(c)) {
            if (!wait_socket(c, POLLIN, deadline, interrupt_)) return std::nullopt;
            if (!PQconsumeInput(c)) return std::nullopt;
        }
        return PQgetResult(c);
    };
    while (out.results.size() < commands.size()) {
        auto r = next_result();
        if (!r) return fail_rest(broken("connection lost").error());
        if (*r == nullptr) return fail_rest(broken("no answer from the server").error());
        PGresult* res = *r;
        const ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
            out.results.emplace_back(res, Failure::kNone, std::string());
        } else if (st == PGRES_PIPELINE_ABORTED) {
            PQclear(res);
            out.results.emplace_back(nullptr, Failure::kFatal,
                                     "not run: an earlier statement failed");
        } else {
            const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
            std::string error = server_message(res);
            if (out.failed_at < 0) out.failed_at = static_cast<int>(out.results.size());
            out.results.emplace_back(res, classify(state ? state : ""), std::move(error));
        }
        auto end = next_result();  // the null that ends this command's results
        if (!end) return fail_rest(broken("connection lost").error());
        if (*end != nullptr) {
            PQclear(*end);
            return fail_rest("unexpected extra result in a pipeline");
        }
    }
    auto sync = next_result();
    if (!sync || *sync == nullptr) return fail_rest(broken("connection lost").error());
    const bool synced = PQresultStatus(*sync) == PGRES_PIPELINE_SYNC;
    PQclear(*sync);
    if (!synced || PQexitPipelineMode(c) != 1 || PQsetnonblocking(c, 0) != 0) {
        conn_.reset();
    }
    return out;
}

}  // namespace storage::pg
