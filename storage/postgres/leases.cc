#include "storage/leases.h"

#include <unistd.h>

#include <cstdio>
#include <set>
#include <stdexcept>

#include "storage/postgres/backend.h"
#include "storage/postgres/client.h"
#include "storage/postgres/queries.h"

namespace storage {
namespace {

using Clock = std::chrono::steady_clock;

// A PostgreSQL array literal of text values.
std::string text_array(const std::vector<std::string>& values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ',';
        out += '"';
        for (char ch : values[i]) {
            if (ch == '"' || ch == '\\') out += '\\';
            out += ch;
        }
        out += '"';
    }
    return out + "}";
}

std::string int_array(const std::vector<std::int64_t>& values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(values[i]);
    }
    return out + "}";
}

#define TB_MS(col) "(extract(epoch from " col ") * 1000)::bigint"

constexpr const char* kHeartbeat =
    "INSERT INTO nodes (node, expires_at, started_at) "
    "VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond', clock_timestamp()) "
    "ON CONFLICT (node) DO UPDATE SET expires_at = excluded.expires_at";

constexpr const char* kRenew =
    "UPDATE leases AS l SET expires_at = clock_timestamp() + $3 * interval '1 millisecond' "
    "FROM unnest($1::text[], $2::bigint[]) AS h(symbol, epoch) "
    "WHERE l.symbol = h.symbol AND l.epoch = h.epoch AND l.node = $4 "
    "AND l.expires_at > clock_timestamp() "
    "RETURNING l.symbol, l.epoch, " TB_MS("l.expires_at");

constexpr const char* kHolders =
    "SELECT symbol, node, epoch, expires_at > clock_timestamp() FROM leases "
    "WHERE symbol = ANY ($1::text[])";

constexpr const char* kLiveNodes =
    "SELECT count(*) FROM nodes WHERE expires_at > clock_timestamp()";

// Rows of nodes that stopped long ago (killed, never left) only cost space.
constexpr const char* kForgetDeadNodes =
    "DELETE FROM nodes WHERE expires_at < clock_timestamp() - interval '1 day'";

// A symbol never leased gets epoch 1. One whose lease was released or has expired is taken
// over: the row is locked FOR UPDATE (which waits for a writer's transaction holding the fence
// lock to commit) and the expiry checked again on the locked row, so of two nodes trying at
// once only one wins and a lease renewed meanwhile is left alone.
constexpr const char* kAcquire =
    "WITH fresh AS ("
    "  INSERT INTO leases (symbol, node, epoch, expires_at, acquired_at) "
    "  VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond', clock_timestamp()) "
    "  ON CONFLICT (symbol) DO NOTHING "
    "  RETURNING epoch, expires_at), "
    "free AS ("
    "  SELECT symbol FROM leases WHERE symbol = $1 AND expires_at <= clock_timestamp() "
    "  FOR UPDATE), "
    "taken AS ("
    "  UPDATE leases AS l SET node = $2, epoch = l.epoch + 1, "
    "    expires_at = clock_timestamp() + $3 * interval '1 millisecond', "
    "    acquired_at = clock_timestamp() "
    "  FROM free WHERE l.symbol = free.symbol "
    "  RETURNING l.epoch, l.expires_at) "
    "SELECT epoch, " TB_MS("expires_at") " FROM fresh "
    "UNION ALL SELECT epoch, " TB_MS("expires_at") " FROM taken";

constexpr const char* kRelease =
    "UPDATE leases SET expires_at = clock_timestamp() "
    "WHERE symbol = $1 AND epoch = $2 AND node = $3 AND expires_at > clock_timestamp()";

constexpr const char* kLeave = "DELETE FROM nodes WHERE node = $1";

#undef TB_MS

Status failed(const std::string& what, const std::string& cause) {
    return Status(Code::kError, "leases: " + what + ": " + cause);
}

}  // namespace

std::string default_node_name() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
        std::snprintf(host, sizeof host, "localhost");
    }
    return std::string(host) + ":" + std::to_string(static_cast<long>(::getpid()));
}

LeaseStore::LeaseStore(std::string url, std::string node, std::chrono::milliseconds lease,
                       const Options& options)
    : url_(std::move(url)), node_(std::move(node)), lease_(lease), options_(options) {
    if (node_.empty()) throw std::invalid_argument("LeaseStore: the node name is empty");
    if (lease_ < std::chrono::seconds(1)) {
        throw std::invalid_argument("LeaseStore: a lease must last at least one second");
    }
}

LeaseStore::~LeaseStore() = default;

void LeaseStore::give_up_at(Clock::time_point deadline) {
    give_up_at_ns_.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count());
}

Clock::time_point LeaseStore::deadline_in(std::chrono::milliseconds timeout) const {
    const auto own = Clock::now() + timeout;
    const std::int64_t ns = give_up_at_ns_.load();
    if (ns == std::numeric_limits<std::int64_t>::max()) return own;
    const auto stop = Clock::time_point(
        std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
    return std::min(own, stop);
}

std::string LeaseStore::connect(Clock::time_point deadline) {
    if (conn_ && conn_->ok()) return {};
    pg::ConnectOptions options = pg_connect_options(options_, "tradebot leases " + node_);
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - Clock::now());
    options.connect_timeout_s =
        std::max<int>(1, std::min<int>(options.connect_timeout_s, static_cast<int>(left.count())));
    // A stop's deadline set while this waits ends the wait too.
    auto stopped = [this] {
        const std::int64_t ns = give_up_at_ns_.load();
        return ns != std::numeric_limits<std::int64_t>::max() &&
               std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
                       .count() >= ns;
    };
    conn_ = std::make_unique<pg::Connection>(
        pg::Connection::open(url_, options, deadline, std::move(stopped)));
    if (!conn_->ok()) {
        std::string cause = conn_->error();
        conn_.reset();
        return cause.empty() ? "cannot connect" : cause;
    }
    return {};
}

Result<Renewal> LeaseStore::renew(const std::vector<HeldLease>& held,
                                  std::chrono::milliseconds timeout) {
    const auto deadline = deadline_in(timeout);
    if (std::string cause = connect(deadline); !cause.empty()) return failed("renew", cause);
    std::vector<std::string> symbols;
    std::vector<std::int64_t> epochs;
    for (const auto& h : held) {
        symbols.push_back(h.symbol);
        epochs.push_back(h.epoch);
    }
    using Command = pg::Connection::Command;
    std::vector<Command> commands;
    commands.push_back({kHeartbeat, false, pg::Params().add(node_).add(lease_.count())});
    commands.push_back({kRenew, false,
                        pg::Params()
                            .add(text_array(symbols))
                            .add(int_array(epochs))
                            .add(lease_.count())
                            .add(node_)});
    commands.push_back({kHolders, false, pg::Params().add(text_array(symbols))});
    commands.push_back({kLiveNodes, false, pg::Params()});
    commands.push_back({kForgetDeadNodes, false, pg::Params()});
    auto out = conn_->pipeline(commands, deadline);
    if (out.failed_at >= 0) {
        return failed("renew", out.results[static_cast<std::size_t>(out.failed_at)].error());
    }
    Renewal r;
    const pg::Result& renewed = out.results[1];
    std::set<std::string> kept;
    for (int i = 0; i < renewed.rows(); ++i) {
        r.renewed.push_back({renewed.text(i, 0), renewed.int64(i, 1), renewed.int64(i, 2)});
        kept.insert(renewed.text(i, 0));
    }
    const pg::Result& holders = out.results[2];
    for (const auto& h : held) {
        if (kept.count(h.symbol)) continue;
        std::string why = "no lease row for it any more";
        for (int i = 0; i < holders.rows(); ++i) {
            if (holders.text(i, 0) != h.symbol) continue;
            const std::string node = holders.text(i, 1);
            const std::int64_t epoch = holders.int64(i, 2);
            const bool live = holders.boolean(i, 3);
            if (epoch != h.epoch) {
                why = "taken over by " + node + " at epoch " + std::to_string(epoch);
            } else if (!live) {
                why = "it expired before it was renewed";
            } else {
                why = "held by " + node;
            }
        }
        r.lost.push_back({h.symbol, h.epoch, why});
    }
    r.live_nodes = std::max<int>(1, static_cast<int>(out.results[3].int64(0, 0)));
    return r;
}

Result<std::optional<HeldLease>> LeaseStore::try_acquire(const std::string& symbol,
                                                         std::chrono::milliseconds timeout) {
    const auto deadline = deadline_in(timeout);
    if (std::string cause = connect(deadline); !cause.empty()) return failed("acquire", cause);
    pg::Result r =
        conn_->exec(kAcquire, pg::Params().add(symbol).add(node_).add(lease_.count()), deadline);
    if (!r.ok()) return failed("acquire " + symbol, r.error());
    if (r.rows() == 0) return std::optional<HeldLease>();
    return std::optional<HeldLease>(HeldLease{symbol, r.int64(0, 0), r.int64(0, 1)});
}

Status LeaseStore::release(const HeldLease& lease, std::chrono::milliseconds timeout) {
    const auto deadline = deadline_in(timeout);
    if (std::string cause = connect(deadline); !cause.empty()) return failed("release", cause);
    pg::Result r =
        conn_->exec(kRelease, pg::Params().add(lease.symbol).add(lease.epoch).add(node_), deadline);
    if (!r.ok()) return failed("release " + lease.symbol, r.error());
    return Status::ok();
}

Status LeaseStore::leave(std::chrono::milliseconds timeout) {
    const auto deadline = deadline_in(timeout);
    if (std::string cause = connect(deadline); !cause.empty()) return failed("leave", cause);
    pg::Result r = conn_->exec(kLeave, pg::Params().add(node_), deadline);
    if (!r.ok()) return failed("leave", r.error());
    return Status::ok();
}

Result<std::vector<LeaseInfo>> LeaseStore::list(std::chrono::milliseconds timeout) {
    const auto deadline = deadline_in(timeout);
    if (std::string cause = connect(deadline); !cause.empty()) return failed("list", cause);
    try {
        return pg::select_leases(*conn_);
    } catch (const std::exception& e) {
        return failed("list", e.what());
    }
}

}  // namespace storage
