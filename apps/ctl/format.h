// tradebotctl's presentation: aligned text tables for people and JSON documents for scripts.
// Formatting only (no I/O, no storage access), so every byte of the output can be unit-tested.
//
// Conventions shared by both forms: money stays the exact decimal text storage holds (never a
// float), times are UTC "YYYY-MM-DD HH:MM:SS.mmm" in tables and integer milliseconds in JSON.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/calendar.h"
#include "storage/leases.h"
#include "storage/records.h"

namespace ctl {

// "123456 bytes (120.6 KiB)"; below 1 KiB just "512 bytes".
std::string format_bytes(std::uintmax_t bytes);

enum class Align { kLeft, kRight };

struct Column {
    std::string header;
    Align align = Align::kLeft;
};

// A text table: a header row, then one line per row; every column as wide as its widest cell
// (counted in UTF-8 code points), two spaces between columns, no trailing blanks. Control
// characters in cells become spaces so that one row always stays one line.
class Table {
public:
    explicit Table(std::vector<Column> columns);
    // Throws std::invalid_argument when the cell count differs from the column count.
    void add_row(std::vector<std::string> cells);
    std::size_t rows() const { return rows_.size(); }
    std::string render() const;

private:
    std::vector<Column> columns_;
    std::vector<std::vector<std::string>> rows_;
};

// What `positions` shows of a symbol's risk rules (the bot_state "risk" entry).
struct RiskView {
    std::string trail_high;  // highest price since the position was opened; "0" when flat
    bool halted = false;     // the daily loss halt, in force until halted_until_ms
    std::int64_t halted_until_ms = 0;
    int cooldown_left = 0;  // closed candles before a new entry after a risk exit
};
using RiskViews = std::map<std::string, RiskView>;  // by symbol

// ---- Human output (tables) ----
std::string signals_table(const std::vector<storage::Signal>& signals);
std::string orders_table(const std::vector<storage::Order>& orders);
std::string positions_table(const std::vector<storage::Position>& positions);
// The same with TRAIL HIGH and RISK columns when any symbol has a risk state.
std::string positions_table(const std::vector<storage::Position>& positions, const RiskViews& risk);
// Symbol leases (a PostgreSQL database shared by several daemons): who trades what, the epoch,
// when the lease runs out (the server's clock) and whether it is live.
std::string leases_table(const std::vector<storage::LeaseInfo>& leases);

// ---- JSON output: arrays of objects for lists ----
nlohmann::json to_json(const storage::Signal& s);
nlohmann::json to_json(const storage::Order& o);
nlohmann::json to_json(const storage::Position& p);
nlohmann::json signals_json(const std::vector<storage::Signal>& signals);
nlohmann::json orders_json(const std::vector<storage::Order>& orders);
nlohmann::json positions_json(const std::vector<storage::Position>& positions);
// The same with a "risk" object per position ({"trail_high", "halted", "halted_until_ms",
// "cooldown_left"}), null when the symbol has no risk state.
nlohmann::json positions_json(const std::vector<storage::Position>& positions,
                              const RiskViews& risk);
// An array of {"symbol", "node", "epoch", "expires_at_ms"} objects, by symbol.
nlohmann::json leases_json(const std::vector<storage::LeaseInfo>& leases);

// What `stats` reports: gathered by tradebotctl, rendered here.
struct Stats {
    std::string path;  // the database file as the operator named it
    int schema_version = 0;
    storage::Counts counts;
    std::uintmax_t file_size_bytes = 0;
    std::uintmax_t wal_size_bytes = 0;  // 0 when there is no -wal file
    std::map<std::string, std::int64_t> signals_per_symbol;
};
std::string stats_text(const Stats& stats);
nlohmann::json stats_json(const Stats& stats);

// What `check` found.
struct CheckResult {
    bool ok = false;
    int schema_version = 0;
    int current_schema_version = 0;     // the version this build writes
    std::vector<std::string> problems;  // empty when ok
    std::vector<std::string> notes;     // worth knowing but not a failure
};
// Judges PRAGMA integrity_check's text ("ok" or one problem a line) and the schema version:
// corruption, a version of 0 (not a tradebot database) and a version newer than this build
// understands are failures; an older version is a note (tradebotd migrates it on its next start).
CheckResult evaluate_check(const std::string& integrity, int schema_version,
                           int current_schema_version);
std::string check_text(const CheckResult& check);
nlohmann::json check_json(const CheckResult& check);

// What `backup` made.
struct BackupResult {
    std::string source;
    std::string destination;
    std::uintmax_t size_bytes = 0;
};
std::string backup_text(const BackupResult& backup);
nlohmann::json backup_json(const BackupResult& backup);

// One JSON document and a newline. Invalid UTF-8 in stored text (a free-form reason) is replaced
// rather than thrown on: the operator still gets the rest of the output.
std::string dump_json(const nlohmann::json& doc);

}  // namespace ctl
