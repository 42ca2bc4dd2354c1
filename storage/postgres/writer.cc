#include "storage/postgres/writer.h"

#include <random>
#include <set>
#include <sstream>

#include "storage/errors.h"
#include "storage/postgres/schema.h"

namespace storage::pg {
namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string random_hex(int bytes) {
    std::random_device rd;
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < bytes; ++i) {
        const unsigned v = rd() & 0xff;
        out += digits[v >> 4];
        out += digits[v & 15];
    }
    return out;
}

// Inserts that produce an id also append it to tradebot.ids, a setting local to the transaction,
// so the group's token row can record every id in the same round trip (see kToken).
constexpr const char* kInsertSignal =
    "WITH ins AS (INSERT INTO signals (symbol, side, price, strategy, reason, event_time_ms, "
    "created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id) "
    "SELECT id, set_config('tradebot.ids', current_setting('tradebot.ids') || id || ',', true) "
    "FROM ins";
constexpr const char* kInsertFill =
    "WITH ins AS (INSERT INTO fills (client_order_id, symbol, side, price, quantity, fee, "
    "fee_asset, trade_id, trade_time_ms, created_at_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id) "
    "SELECT id, set_config('tradebot.ids', current_setting('tradebot.ids') || id || ',', true) "
    "FROM ins";
constexpr const char* kUpsertOrder =
    "INSERT INTO orders (client_order_id, symbol, side, type, quantity, price, status, "
    "exchange_order_id, reason, signal_id, created_at_ms, updated_at_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
    "ON CONFLICT (client_order_id) DO UPDATE SET quantity = excluded.quantity, "
    "price = excluded.price, status = excluded.status, "
    "exchange_order_id = coalesce(excluded.exchange_order_id, orders.exchange_order_id), "
    "reason = excluded.reason, signal_id = coalesce(excluded.signal_id, orders.signal_id), "
    "updated_at_ms = excluded.updated_at_ms";
constexpr const char* kUpsertPosition =
    "INSERT INTO positions (symbol, quantity, avg_entry_price, realized_pnl, fees_paid, "
    "updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (symbol) DO UPDATE SET "
    "quantity = excluded.quantity, avg_entry_price = excluded.avg_entry_price, "
    "realized_pnl = excluded.realized_pnl, fees_paid = excluded.fees_paid, "
    "updated_at_ms = excluded.updated_at_ms";
constexpr const char* kPutState =
    "INSERT INTO bot_state (symbol, key, value, updated_at_ms) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (symbol, key) DO UPDATE SET value = excluded.value, "
    "updated_at_ms = excluded.updated_at_ms";
constexpr const char* kDeleteState = "DELETE FROM bot_state WHERE symbol = $1 AND key = $2";
constexpr const char* kFence = "SELECT tradebot_fence($1, $2)";
constexpr const char* kStartIds = "SELECT set_config('tradebot.ids', '', true)";
constexpr const char* kToken =
    "INSERT INTO commit_tokens (token, writer, outcome) "
    "VALUES ($1, $2, $3 || current_setting('tradebot.ids'))";
constexpr const char* kFindToken = "SELECT outcome FROM commit_tokens WHERE token = $1";
// This writer's older tokens: never looked up again once a later group committed.
constexpr const char* kForgetTokens = "DELETE FROM commit_tokens WHERE writer = $1";
constexpr std::uint64_t kCleanupEvery = 256;

const std::pair<const char*, const char*> kPrepared[] = {{"insert_signal", kInsertSignal},
                                                         {"insert_fill", kInsertFill},
                                                         {"upsert_order", kUpsertOrder},
                                                         {"upsert_position", kUpsertPosition},
                                                         {"put_state", kPutState},
                                                         {"delete_state", kDeleteState},
                                                         {"fence", kFence},
                                                         {"start_ids", kStartIds},
                                                         {"token", kToken}};

const std::string& symbol_of(const WriteBatch::Op& op) {
    if (const auto* s = std::get_if<Signal>(&op)) return s->symbol;
    if (const auto* o = std::get_if<Order>(&op)) return o->symbol;
    if (const auto* f = std::get_if<Fill>(&op)) return f->symbol;
    if (const auto* p = std::get_if<Position>(&op)) return p->symbol;
    if (const auto* ps = std::get_if<WriteBatch::PutState>(&op)) return ps->entry.symbol;
    return std::get<WriteBatch::DeleteState>(op).symbol;
}

bool makes_id(const WriteBatch::Op& op) {
    return std::holds_alternative<Signal>(op) || std::holds_alternative<Fill>(op);
}

Connection::Command command_for(const WriteBatch::Op& op, std::int64_t now) {
    Connection::Command c;
    if (const auto* s = std::get_if<Signal>(&op)) {
        c.statement = "insert_signal";
        c.params.add(s->symbol).add(s->side).add(s->price).add(s->strategy);
        c.params.add_text_or_null(s->reason).add(s->event_time_ms).add(now);
    } else if (const auto* o = std::get_if<Order>(&op)) {
        c.statement = "upsert_order";
        c.params.add(o->client_order_id).add(o->symbol).add(o->side);
        c.params.add(o->type.empty() ? std::string("MARKET") : o->type).add(o->quantity);
        c.params.add_text_or_null(o->price).add(o->status);
        c.params.add_text_or_null(o->exchange_order_id).add_text_or_null(o->reason);
        c.params.add(o->signal_id).add(o->created_at_ms != 0 ? o->created_at_ms : now).add(now);
    } else if (const auto* f = std::get_if<Fill>(&op)) {
        c.statement = "insert_fill";
        c.params.add(f->client_order_id).add(f->symbol).add(f->side).add(f->price);
        c.params.add(f->quantity).add(f->fee).add_text_or_null(f->fee_asset);
        c.params.add_text_or_null(f->trade_id).add(f->trade_time_ms).add(now);
    } else if (const auto* p = std::get_if<Position>(&op)) {
        c.statement = "upsert_position";
        c.params.add(p->symbol).add(p->quantity).add(p->avg_entry_price).add(p->realized_pnl);
        c.params.add(p->fees_paid).add(now);
    } else if (const auto* ps = std::get_if<WriteBatch::PutState>(&op)) {
        c.statement = "put_state";
        c.params.add(ps->entry.symbol).add(ps->entry.key).add(ps->entry.value).add(now);
    } else if (const auto* ds = std::get_if<WriteBatch::DeleteState>(&op)) {
        c.statement = "delete_state";
        c.params.add(ds->symbol).add(ds->key);
    }
    return c;
}

// The refusal of a batch because this process's lease on a symbol is not (or no longer) current.
Status fenced(const std::string& message) { return Status(Code::kFenced, message); }

// One line, without tabs: a refusal's text inside the token's outcome.
std::string flat(const std::string& s) {
    std::string out = s;
    for (char& ch : out) {
        if (ch == '\n' || ch == '\t') ch = ' ';
    }
    return out;
}

GroupOutcome transient(std::string why) { return GroupOutcome::transient(std::move(why)); }
GroupOutcome sticky(std::string why) { return GroupOutcome::sticky(std::move(why)); }

}  // namespace

struct Writer::Pending {
    std::string token;
    std::vector<const WriteBatch*> batches;  // the part of the group the transaction covered
};

Writer::Writer(std::string url, ConnectOptions options)
    : url_(std::move(url)),
      name_(redact(url_)),
      options_(std::move(options)),
      writer_id_(random_hex(12)) {
    auto fail = [this](const std::string& cause) {
        return OpenError("cannot open database " + name_ + ": " + cause);
    };
    conn_ = Connection::open(url_, options_, std::nullopt, interrupt());
    if (!conn_.ok()) throw fail(conn_.error());
    if (std::string error = migrate(conn_); !error.empty()) throw fail(error);
    if (std::string error = connect(); !error.empty()) throw fail(error);
}

Writer::~Writer() = default;

std::string Writer::connect() {
    if (conn_.ok() && prepared_) return {};
    if (!conn_.ok()) {
        prepared_ = false;
        conn_ = Connection::open(url_, options_, deadline(), interrupt());
        if (!conn_.ok()) return conn_.error();
    }
    Result check = conn_.exec("SELECT to_regprocedure('tradebot_fence(text,bigint)') IS NOT NULL");
    if (!check.ok()) return check.error();
    if (!check.boolean(0, 0)) return "the tradebot schema is missing (was the database replaced?)";
    for (const auto& [name, sql] : kPrepared) {
        Result r = conn_.prepare(name, sql);
        if (!r.ok()) return "preparing " + std::string(name) + ": " + r.error();
    }
    prepared_ = true;
    return {};
}

void Writer::give_up_at(Clock::time_point deadline) {
    const std::int64_t ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
    give_up_at_ns_.store(ns == 0 ? 1 : ns);  // 0 means "none"
}

std::function<bool()> Writer::interrupt() const {
    // A call already waiting when a close sets its deadline gives up at that deadline too.
    return [this] {
        const auto d = deadline();
        return d && Clock::now() >= *d;
    };
}

std::optional<Clock::time_point> Writer::deadline() const {
    const std::int64_t ns = give_up_at_ns_.load();
    if (ns == 0) return std::nullopt;
    return Clock::time_point(
        std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
}

void Writer::set_fence(const std::string& symbol, std::int64_t epoch) {
    std::lock_guard<std::mutex> lock(fence_mu_);
    fences_[symbol] = epoch;
}

void Writer::clear_fence(const std::string& symbol) {
    std::lock_guard<std::mutex> lock(fence_mu_);
    fences_.erase(symbol);
}

void Writer::require_fences(bool on) {
    std::lock_guard<std::mutex> lock(fence_mu_);
    fences_required_ = on;
}

std::optional<std::size_t> Writer::resolve_pending(Group group, GroupOutcome& out,
                                                   std::string& error) {
    Result r = conn_.exec(kFindToken, Params().add(pending_->token), deadline());
    if (!r.ok()) {
        error = "connection lost before a COMMIT was answered, and the check failed: " + r.error();
        return std::nullopt;
    }
    const std::vector<const WriteBatch*> batches = std::move(pending_->batches);
    pending_.reset();
    if (r.rows() == 0) return 0;  // it did not commit: apply the group afresh
    // It committed. The pipeline hands the same writers back at the front of the group; any it
    // no longer holds (a close gave up on them) are not in `group` and are simply not reported.
    std::vector<std::string> lines;
    std::istringstream in(r.text(0, 0));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::vector<std::int64_t> ids;
    if (!lines.empty() && lines.back().rfind("ids\t", 0) == 0) {
        std::istringstream list(lines.back().substr(4));
        for (std::string id; std::getline(list, id, ',');) {
            if (!id.empty()) ids.push_back(std::stoll(id));
        }
        lines.pop_back();
    }
    std::size_t next_id = 0;
    std::size_t covered = 0;
    for (std::size_t i = 0; i < batches.size() && i < lines.size(); ++i) {
        const bool in_group = covered < group.size() && group[covered] == batches[i];
        const std::string& line = lines[i];
        const bool ok = line == "ok";
        WriteResult result;
        if (ok) {
            for (const auto& op : batches[i]->ops()) {
                result.ids.push_back(makes_id(op) && next_id < ids.size() ? ids[next_id++] : 0);
            }
        }
        if (!in_group) continue;
        if (ok) {
            out.results[covered] = std::move(result);
        } else {
            const auto tab = line.find('\t');
            const std::string message = tab == std::string::npos ? line : line.substr(tab + 1);
            out.statuses[covered] =
                line.rfind("fenced", 0) == 0 ? fenced(message) : Status(Code::kInvalid, message);
        }
        ++covered;
    }
    return covered;
}

GroupOutcome Writer::commit(Group group) {
    GroupOutcome out;
    out.statuses.assign(group.size(), Status::ok());
    out.results.assign(group.size(), WriteResult{});
    if (const auto d = deadline(); d && Clock::now() >= *d) {
        return transient("the close's deadline has passed");
    }
    if (std::string cause = connect(); !cause.empty()) {
        return transient("cannot reach the server: " + cause);
    }
    std::size_t first = 0;
    if (pending_) {
        std::string error;
        std::optional<std::size_t> covered = resolve_pending(group, out, error);
        if (!covered) return transient(error);
        first = *covered;
        if (first == group.size()) return out;
    }

    std::map<std::string, std::int64_t> fences;
    bool required = false;
    {
        std::lock_guard<std::mutex> lock(fence_mu_);
        fences = fences_;
        required = fences_required_;
    }
#ifdef TRADEBOT_MUTANT_NO_FENCING
    // The mutant build without fencing (storage/CMakeLists.txt): the fencing tests must fail in it.
    fences.clear();
    required = false;
#endif
    // Batches that will not be applied: refused by the server or fenced out.
    std::vector<bool> dropped(group.size(), false);
    for (std::size_t b = first; b < group.size(); ++b) {
        for (const auto& op : group[b]->ops()) {
            const std::string& sym = symbol_of(op);
            if (required && !fences.count(sym)) {
                dropped[b] = true;
                out.statuses[b] =
                    fenced("lease lost: this process holds no lease on " + sym + "; not written");
                break;
            }
        }
    }

    enum class Kind { kBegin, kStartIds, kFence, kOp, kToken, kForget, kCommit };
    struct Tag {
        Tag(Kind k, std::size_t b = 0, std::string s = {})
            : kind(k), batch(b), symbol(std::move(s)) {}
        Kind kind;
        std::size_t batch;
        std::string symbol;
    };
    const std::int64_t now = now_ms();
    for (;;) {
        std::vector<Connection::Command> commands;
        std::vector<Tag> tags;
        auto add = [&](Connection::Command c, Tag t) {
            commands.push_back(std::move(c));
            tags.push_back(std::move(t));
        };
        add({"BEGIN", false, {}}, {Kind::kBegin});
        add({"start_ids", true, {}}, {Kind::kStartIds});
        std::set<std::string> checked;
        std::string outcome;  // the token's record, one line a batch
        std::vector<const WriteBatch*> covered;
        for (std::size_t b = first; b < group.size(); ++b) {
            covered.push_back(group[b]);
            if (dropped[b]) {
                const Status& st = out.statuses[b];
                const bool was_fenced = st.code() == Code::kFenced;
                outcome += (was_fenced ? "fenced\t" : "invalid\t") + flat(st.message()) + "\n";
                continue;
            }
            outcome += "ok\n";
            for (const auto& op : group[b]->ops()) {
                const std::string& sym = symbol_of(op);
                if (auto it = fences.find(sym); it != fences.end() && checked.insert(sym).second) {
                    add({"fence", true, Params().add(sym).add(it->second)}, {Kind::kFence, b, sym});
                }
                add(command_for(op, now), {Kind::kOp, b});
            }
        }
        const std::string token = writer_id_ + "-" + std::to_string(++next_token_);
        const bool forget = ++groups_since_cleanup_ >= kCleanupEvery;
        if (forget) {
            add({kForgetTokens, false, Params().add(writer_id_)}, {Kind::kForget});
            groups_since_cleanup_ = 0;
        }
        add({"token", true, Params().add(token).add(writer_id_).add(outcome + "ids\t")},
            {Kind::kToken});
        add({"COMMIT", false, {}}, {Kind::kCommit});

        Connection::PipelineOutcome po = conn_.pipeline(commands, deadline());
        if (po.failed_at < 0) {
            for (std::size_t i = 0; i < commands.size(); ++i) {
                if (tags[i].kind != Kind::kOp) continue;
                const Result& r = po.results[i];
                out.results[tags[i].batch].ids.push_back(r.rows() > 0 ? r.int64(0, 0) : 0);
            }
            return out;
        }
        const std::size_t at = static_cast<std::size_t>(po.failed_at);
        const Result& failed = po.results[at];
        const Tag& tag = tags[at];
        if (!failed.answered()) {
            // The answers were lost: the server may have committed all of it. The next attempt
            // looks the token up before applying anything again.
            pending_ = std::make_unique<Pending>(Pending{token, std::move(covered)});
            return transient(failed.error());
        }
        // The server refused a statement: the transaction is aborted, nothing of it committed.
        if (conn_.ok()) {
            Result rb = conn_.exec("ROLLBACK", deadline());
            if (!rb.ok()) conn_.reset();
        }
        if (tag.kind == Kind::kFence && failed.sqlstate() == kFencedSqlState) {
            for (std::size_t b = first; b < group.size(); ++b) {
                if (dropped[b]) continue;
                for (const auto& op : group[b]->ops()) {
                    if (symbol_of(op) == tag.symbol) {
                        dropped[b] = true;
                        out.statuses[b] = fenced(failed.error());
                        break;
                    }
                }
            }
            continue;
        }
        if (tag.kind == Kind::kOp && failed.failure() == Failure::kRow) {
            dropped[tag.batch] = true;
            out.statuses[tag.batch] = Status(Code::kInvalid, failed.error());
            continue;
        }
        if (failed.failure() == Failure::kTransient) return transient(failed.error());
        return sticky(failed.error());
    }
}

}  // namespace storage::pg
