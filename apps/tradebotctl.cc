// tradebotctl: the operator's read-only window on a tradebot database (docs/reference.md).
//
// Everything goes through a read-only reader: storage::Reader for a SQLite file (a read-only WAL
// connection that never blocks the daemon's writes), storage::PgReader for a PostgreSQL database
// (--db postgresql://..., or a config with database.url), which also lists the symbol leases.
// Exit status: 0 ok; 1 the database is missing or unreadable, `check` found problems, or `backup`
// failed or refused; 64 bad command line (also: `leases` on a file, `backup` on a server, which
// pg_dump does); 78 invalid config.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "apps/cli/command_line.h"
#include "apps/ctl/format.h"
#include "bot/core/risk_state.h"
#include "bot/strategies/builtin.h"
#include "config/loader.h"
#include "storage/pg_reader.h"
#include "storage/reader.h"

namespace {

using cli::kExitConfig;
using cli::kExitFailure;
using cli::kExitOk;
using cli::kExitUsage;
using cli::UsageError;

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 1000000;

constexpr const char* kUsage =
    R"(usage: tradebotctl (--db PATH|URL | --config FILE) COMMAND [OPTIONS]
       tradebotctl --help | --version
)";

constexpr const char* kCommands = R"(Commands:
  signals   [--symbol S] [--limit N] [--json]   newest signals first
  orders    [--symbol S] [--limit N] [--json]   newest orders first, with status and reason
  positions [--json]                            one row per symbol, realized PnL and fees
  stats     [--json]                            rows per table, file and WAL size, schema version
  check     [--json]                            integrity check and schema version; exit 1 if bad
  backup DEST [--json]                          consistent online copy; never overwrites DEST
                                                (a DEST starting with '-': put -- before it;
                                                PostgreSQL: use pg_dump)
  leases    [--json]                            PostgreSQL: which daemon trades each symbol
)";

constexpr const char* kAfterOptions =
    R"(Safe while tradebotd runs: reads never block it.
Exit status: 0 ok, 1 database unreadable / check failed / backup failed, 64 bad command line,
78 invalid config. Every command and column: docs/reference.md.
)";

struct CommandLine {
    std::optional<std::string> db;
    std::optional<std::string> config;
    std::string command;
    std::vector<std::string> operands;
    std::optional<std::string> symbol;
    std::optional<int> limit;
    bool json = false;
    bool help = false;
    bool version = false;
};

cli::po::options_description option_table() {
    namespace po = cli::po;
    auto o = cli::options("Options");
    o.add_options()                                                                            //
        ("db", po::value<std::string>()->value_name("PATH|URL"),                               //
         "the database file, or a postgresql:// URL (password from PGPASSWORD or ~/.pgpass)")  //
        ("config", po::value<std::string>()->value_name("FILE"),                               //
         "use database.path (relative to the working directory) or database.url from a tradebotd "
         "config")                                                                                //
        ("symbol", po::value<std::string>()->value_name("S"), "only this symbol")                 //
        ("limit", po::value<std::string>()->value_name("N"),                                      //
         "at most N rows (default 100)")                                                          //
        ("json", "one JSON document on stdout: money as strings, times as integer milliseconds")  //
        ("version", "print the version")                                                          //
        ("help,h", "this text");
    return o;
}

// Options may come before or after the command ("--db x signals --json" and
// "signals --db x --json" both work), as `--opt value` or `--opt=value`; "--" ends the options
// so that a DEST starting with '-' can still be named.
CommandLine parse_command_line(int argc, char** argv) {
    cli::po::positional_options_description positional;
    positional.add("command", 1).add("operands", -1);
    auto options = option_table();
    options.add_options()("command", cli::po::value<std::string>())(
        "operands", cli::po::value<std::vector<std::string>>());
    const cli::po::variables_map vm = cli::parse(argc, argv, options, &positional);

    CommandLine cl;
    cl.help = vm.count("help") > 0;
    cl.version = vm.count("version") > 0;
    cl.json = vm.count("json") > 0;
    if (vm.count("db")) cl.db = cli::nonempty(vm, "db");
    if (vm.count("config")) cl.config = cli::nonempty(vm, "config");
    if (vm.count("symbol")) cl.symbol = cli::nonempty(vm, "symbol");
    if (vm.count("limit")) cl.limit = cli::whole_number(vm, "limit", 1, kMaxLimit);
    if (cl.help || cl.version) return cl;

    if (!vm.count("command")) throw UsageError("no command given");
    cl.command = vm["command"].as<std::string>();
    if (vm.count("operands")) cl.operands = vm["operands"].as<std::vector<std::string>>();

    static const std::vector<std::string> kCommandNames = {
        "signals", "orders", "positions", "stats", "check", "backup", "leases"};
    if (std::find(kCommandNames.begin(), kCommandNames.end(), cl.command) == kCommandNames.end()) {
        throw UsageError("unknown command '" + cl.command + "'");
    }
    if (cl.db && cl.config) throw UsageError("--db and --config exclude each other: give one");
    if (!cl.db && !cl.config) throw UsageError("which database? give --db PATH or --config FILE");

    const bool lists = cl.command == "signals" || cl.command == "orders";
    if (!lists && cl.symbol) throw UsageError("--symbol applies to signals and orders only");
    if (!lists && cl.limit) throw UsageError("--limit applies to signals and orders only");
    if (cl.command == "backup") {
        if (cl.operands.empty()) throw UsageError("backup needs a destination: backup DEST");
        if (cl.operands.size() > 1) {
            throw UsageError("unexpected argument '" + cl.operands[1] + "'");
        }
    } else if (!cl.operands.empty()) {
        throw UsageError("unexpected argument '" + cl.operands.front() + "'");
    }
    if (cl.symbol) {
        // Symbols are stored upper case ("BTCUSDT"); "btcusdt" means the same market.
        for (char& c : *cl.symbol)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return cl;
}

// Writes the whole output at once and reports a failed write (a full disk behind a redirect),
// which would otherwise pass silently with exit 0.
bool emit(const std::string& text) {
    std::cout << text << std::flush;
    return static_cast<bool>(std::cout);
}

std::uintmax_t size_or_zero(const std::filesystem::path& p) {
    std::error_code ec;
    auto n = std::filesystem::file_size(p, ec);
    return ec ? 0 : n;
}

// The message names the database path even when the error text from below does not.
std::string with_path(const std::string& path, const std::string& what) {
    if (what.find(path) != std::string::npos) return what;
    return path + ": " + what;
}

// R: storage::Reader (a SQLite file) or storage::PgReader (a PostgreSQL database); they answer
// the same questions.
template <class R>
int run_list(const CommandLine& cl, const R& reader) {
    const int limit = cl.limit.value_or(kDefaultLimit);
    const std::string symbol = cl.symbol.value_or("");
    std::string out;
    std::size_t rows = 0;
    if (cl.command == "signals") {
        auto signals = reader.signals(symbol, limit);
        rows = signals.size();
        out = cl.json ? ctl::dump_json(ctl::signals_json(signals)) : ctl::signals_table(signals);
    } else {
        auto orders = reader.orders(symbol, limit);
        rows = orders.size();
        out = cl.json ? ctl::dump_json(ctl::orders_json(orders)) : ctl::orders_table(orders);
    }
    if (!emit(out)) return kExitFailure;
    // A full page may hide older rows; say so where a person sees it without breaking the table.
    if (!cl.json && rows == static_cast<std::size_t>(limit)) {
        std::cerr << "(newest " << limit << " " << cl.command << " shown; --limit N for more)\n";
    }
    return kExitOk;
}

template <class R>
int run_check(const CommandLine& cl, const R& reader) {
    auto result = ctl::evaluate_check(reader.integrity_check(), reader.schema_version(),
                                      storage::current_schema_version());
    if (!emit(cl.json ? ctl::dump_json(ctl::check_json(result)) : ctl::check_text(result))) {
        return kExitFailure;
    }
    return result.ok ? kExitOk : kExitFailure;
}

template <class R>
int run_stats(const CommandLine& cl, const R& reader, const std::string& path) {
    ctl::Stats stats;
    stats.path = path;
    stats.schema_version = reader.schema_version();
    stats.counts = reader.counts();
    stats.signals_per_symbol = reader.signal_counts();
    // A server's files are not ours to measure: sizes stay 0 there.
    if (!storage::is_postgres_url(path)) {
        stats.file_size_bytes = size_or_zero(path);
        stats.wal_size_bytes = size_or_zero(path + "-wal");
    }
    return emit(cl.json ? ctl::dump_json(ctl::stats_json(stats)) : ctl::stats_text(stats))
               ? kExitOk
               : kExitFailure;
}

// Refuses an existing DEST: an operator's earlier backup (or the live database itself) is never
// overwritten by a slip of the keyboard. Claiming DEST with O_EXCL before the copy closes the
// race with another process creating it meanwhile; SQLite treats the empty file as an empty
// database and the backup fills it.
int run_backup(const CommandLine& cl, const storage::Reader& reader, const std::string& path) {
    const std::string& dest = cl.operands.front();
    int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        int err = errno;
        if (err == EEXIST) {
            std::cerr << "tradebotctl: " << dest << " already exists; not overwriting it\n";
        } else {
            std::cerr << "tradebotctl: cannot create " << dest << ": " << std::strerror(err)
                      << "\n";
        }
        return kExitFailure;
    }
    ::close(fd);
    try {
        reader.backup_to(dest);
    } catch (const std::exception& e) {
        // Leave no half-written copy that could later be mistaken for a good backup.
        std::error_code ec;
        for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
            std::filesystem::remove(dest + suffix, ec);
        }
        std::cerr << "tradebotctl: backup of " << path << " to " << dest << " failed: " << e.what()
                  << "\n";
        return kExitFailure;
    }
    ctl::BackupResult result{path, dest, size_or_zero(dest)};
    return emit(cl.json ? ctl::dump_json(ctl::backup_json(result)) : ctl::backup_text(result))
               ? kExitOk
               : kExitFailure;
}

// Each position's risk state (bot_state "risk"), as the bot left it. A halt counts only until
// 00:00 UTC of the day after it began: a stopped daemon's bot lifts it at its first price.
template <class R>
ctl::RiskViews risk_views(const R& reader, const std::vector<storage::Position>& positions) {
    const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    ctl::RiskViews out;
    for (const auto& p : positions) {
        auto text = reader.state(p.symbol, bot::kRiskStateKey);
        if (!text) continue;
        auto state = bot::RiskState::from_json(*text);
        if (!state) continue;  // damaged: the bot says so in its log and starts afresh
        ctl::RiskView v;
        v.trail_high = state->trail_high.to_string();
        if (auto until = state->halted_until_ms(); until && *until > now) {
            v.halted = true;
            v.halted_until_ms = *until;
        }
        v.cooldown_left = state->cooldown_left;
        out.emplace(p.symbol, std::move(v));
    }
    return out;
}

template <class R>
int run_positions(const CommandLine& cl, const R& reader) {
    auto positions = reader.positions();
    const ctl::RiskViews risk = risk_views(reader, positions);
    return emit(cl.json ? ctl::dump_json(ctl::positions_json(positions, risk))
                        : ctl::positions_table(positions, risk))
               ? kExitOk
               : kExitFailure;
}

// The commands both kinds of database answer.
template <class R>
int run_common(const CommandLine& cl, const R& reader, const std::string& path) {
    if (cl.command == "signals" || cl.command == "orders") return run_list(cl, reader);
    if (cl.command == "positions") return run_positions(cl, reader);
    if (cl.command == "stats") return run_stats(cl, reader, path);
    return run_check(cl, reader);
}

// A PostgreSQL database: the common commands and `leases`; a backup is pg_dump's job.
int run_postgres(const CommandLine& cl, const std::string& url) {
    if (cl.command == "backup") {
        std::cerr << "tradebotctl: backup: a PostgreSQL database is backed up with pg_dump, e.g. "
                     "pg_dump --format=custom --file=DEST '"
                  << storage::without_password(url)
                  << "' (see docs/operations.md, \"Several hosts, one database\")\n";
        return kExitUsage;
    }
    storage::PgReader reader(url);
    if (cl.command == "leases") {
        auto leases = reader.leases();
        return emit(cl.json ? ctl::dump_json(ctl::leases_json(leases)) : ctl::leases_table(leases))
                   ? kExitOk
                   : kExitFailure;
    }
    return run_common(cl, reader, reader.name());
}

int run(const CommandLine& cl) {
    std::string path;
    int busy_timeout_ms = 5000;
    if (cl.config) {
        try {
            // The whole config is validated, strategies included, as tradebotd would.
            auto config = config::load_config_file(*cl.config, bot::builtin_strategies().specs());
            path = config.database.url.value_or(config.database.path);
            busy_timeout_ms = config.database.busy_timeout_ms;
        } catch (const config::ConfigError& e) {
            std::cerr << "tradebotctl: " << e.what() << "\n";
            return kExitConfig;
        }
    } else {
        path = *cl.db;
    }

    const bool postgres = storage::is_postgres_url(path);
    // Never print a password a URL on the command line may carry.
    const std::string shown = postgres ? storage::without_password(path) : path;
    if (cl.command == "leases" && !postgres) {
        std::cerr << "tradebotctl: leases: only a PostgreSQL database shared by several daemons "
                     "has leases; "
                  << shown << " is a SQLite file\n";
        return kExitUsage;
    }
    try {
        if (postgres) return run_postgres(cl, path);
        storage::Reader reader(path, busy_timeout_ms);
        if (cl.command == "backup") return run_backup(cl, reader, path);
        return run_common(cl, reader, path);
    } catch (const std::exception& e) {
        // storage::OpenError (missing, unreadable, not a tradebot database, server unreachable)
        // or a query failing after a good open (corruption met on the way, an I/O error): either
        // way the operator needs the database's name.
        std::cerr << "tradebotctl: " << with_path(shown, e.what()) << "\n";
        return kExitFailure;
    }
}

}  // namespace

int main(int argc, char** argv) {
    CommandLine cl;
    try {
        cl = parse_command_line(argc, argv);
    } catch (const UsageError& e) {
        std::cerr << "tradebotctl: " << e.what() << "\n\n" << kUsage << "\n" << kCommands;
        return kExitUsage;
    }
    if (cl.help) {
        std::cout << kUsage << "\n" << kCommands << "\n" << option_table() << "\n" << kAfterOptions;
        return kExitOk;
    }
    if (cl.version) {
        std::cout << "tradebotctl " << TRADEBOT_VERSION << "\n";
        return kExitOk;
    }
    return run(cl);
}
