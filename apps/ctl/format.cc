#include "apps/ctl/format.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <stdexcept>
#include <string_view>

namespace ctl {
namespace {

// Display width of a cell: UTF-8 continuation bytes take no column of their own. (East Asian wide
// characters would need a width table; symbols, sides and decimals are ASCII anyway.)
std::size_t display_width(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) {
        if ((c & 0xC0) != 0x80) ++n;
    }
    return n;
}

// A newline or tab in a stored reason would break the row apart and misalign every column.
std::string sanitize_cell(std::string s) {
    for (char& c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) c = ' ';
    }
    return s;
}

// Absent values read better as "-" than as a gap that looks like a misaligned column.
std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

// Money columns must stay parseable as decimals for scripts: none is null, never "".
nlohmann::json money_or_null(const std::string& s) {
    return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

void append_padded(std::string& out, const std::string& cell, std::size_t width, Align align,
                   bool last) {
    std::size_t pad = width - display_width(cell);
    if (align == Align::kRight) out.append(pad, ' ');
    out += cell;
    if (align == Align::kLeft && !last) out.append(pad, ' ');
}

}  // namespace

std::string format_bytes(std::uintmax_t bytes) {
    std::string out = std::to_string(bytes) + " bytes";
    static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) return out;
    double v = static_cast<double>(bytes);
    std::size_t unit = 0;
    v /= 1024;
    while (v >= 1024 && unit + 1 < std::size(kUnits)) {
        v /= 1024;
        ++unit;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, " (%.1f %s)", v, kUnits[unit]);
    return out + buf;
}

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::add_row(std::vector<std::string> cells) {
    if (cells.size() != columns_.size()) {
        throw std::invalid_argument("table row has " + std::to_string(cells.size()) +
                                    " cells, expected " + std::to_string(columns_.size()));
    }
    for (auto& c : cells) c = sanitize_cell(std::move(c));
    rows_.push_back(std::move(cells));
}

std::string Table::render() const {
    std::vector<std::size_t> widths;
    for (const auto& col : columns_) widths.push_back(display_width(col.header));
    for (const auto& row : rows_) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], display_width(row[i]));
        }
    }
    std::string out;
    auto line = [&](auto cell_at) {
        for (std::size_t i = 0; i < columns_.size(); ++i) {
            if (i > 0) out += "  ";
            append_padded(out, cell_at(i), widths[i], columns_[i].align, i + 1 == columns_.size());
        }
        // An empty last cell would otherwise leave the separator dangling at the end.
        while (!out.empty() && out.back() == ' ') out.pop_back();
        out += '\n';
    };
    line([&](std::size_t i) -> const std::string& { return columns_[i].header; });
    for (const auto& row : rows_) {
        line([&](std::size_t i) -> const std::string& { return row[i]; });
    }
    return out;
}

std::string signals_table(const std::vector<storage::Signal>& signals) {
    Table t({{"ID", Align::kRight},
             {"CREATED (UTC)"},
             {"EVENT TIME (UTC)"},
             {"SYMBOL"},
             {"SIDE"},
             {"PRICE", Align::kRight},
             {"STRATEGY"},
             {"REASON"}});
    for (const auto& s : signals) {
        t.add_row({std::to_string(s.id), config::format_utc_ms(s.created_at_ms),
                   config::format_utc_ms(s.event_time_ms), s.symbol, s.side, or_dash(s.price),
                   or_dash(s.strategy), or_dash(s.reason)});
    }
    return t.render();
}

std::string orders_table(const std::vector<storage::Order>& orders) {
    Table t({{"CREATED (UTC)"},
             {"UPDATED (UTC)"},
             {"CLIENT ORDER ID"},
             {"SYMBOL"},
             {"SIDE"},
             {"TYPE"},
             {"QUANTITY", Align::kRight},
             {"PRICE", Align::kRight},
             {"STATUS"},
             {"EXCHANGE ID"},
             {"SIGNAL", Align::kRight},
             {"REASON"}});
    for (const auto& o : orders) {
        t.add_row({config::format_utc_ms(o.created_at_ms), config::format_utc_ms(o.updated_at_ms),
                   o.client_order_id, o.symbol, o.side, or_dash(o.type), or_dash(o.quantity),
                   or_dash(o.price), or_dash(o.status), or_dash(o.exchange_order_id),
                   o.signal_id ? std::to_string(*o.signal_id) : "-", or_dash(o.reason)});
    }
    return t.render();
}

std::string positions_table(const std::vector<storage::Position>& positions) {
    Table t({{"SYMBOL"},
             {"QUANTITY", Align::kRight},
             {"AVG ENTRY PRICE", Align::kRight},
             {"REALIZED PNL", Align::kRight},
             {"FEES PAID", Align::kRight},
             {"UPDATED (UTC)"}});
    for (const auto& p : positions) {
        t.add_row({p.symbol, or_dash(p.quantity), or_dash(p.avg_entry_price),
                   or_dash(p.realized_pnl), or_dash(p.fees_paid),
                   config::format_utc_ms(p.updated_at_ms)});
    }
    return t.render();
}

std::string positions_table(const std::vector<storage::Position>& positions,
                            const RiskViews& risk) {
    if (risk.empty()) return positions_table(positions);
    Table t({{"SYMBOL"},
             {"QUANTITY", Align::kRight},
             {"AVG ENTRY PRICE", Align::kRight},
             {"REALIZED PNL", Align::kRight},
             {"FEES PAID", Align::kRight},
             {"UPDATED (UTC)"},
             {"TRAIL HIGH", Align::kRight},
             {"RISK"}});
    for (const auto& p : positions) {
        std::string trail = "-", state = "-";
        if (auto it = risk.find(p.symbol); it != risk.end()) {
            const RiskView& r = it->second;
            trail = r.trail_high == "0" ? "-" : or_dash(r.trail_high);
            if (r.halted) {
                // "2026-11-27 00:00:00.000" -> "halted until 2026-11-27 00:00 UTC"
                state = "halted until " + config::format_utc_ms(r.halted_until_ms).substr(0, 16) +
                        " UTC";
            } else if (r.cooldown_left > 0) {
                state = "cooldown " + std::to_string(r.cooldown_left) + " candles";
            } else {
                state = "ok";
            }
        }
        t.add_row({p.symbol, or_dash(p.quantity), or_dash(p.avg_entry_price),
                   or_dash(p.realized_pnl), or_dash(p.fees_paid),
                   config::format_utc_ms(p.updated_at_ms), trail, state});
    }
    return t.render();
}

std::string leases_table(const std::vector<storage::LeaseInfo>& leases) {
    Table t({{"SYMBOL"}, {"NODE"}, {"EPOCH", Align::kRight}, {"EXPIRES (UTC)"}, {"STATE"}});
    for (const auto& l : leases) {
        t.add_row({l.symbol, l.node, std::to_string(l.epoch),
                   config::format_utc_ms(l.expires_at_ms), l.live ? "live" : "expired"});
    }
    return t.render();
}

nlohmann::json to_json(const storage::Signal& s) {
    return {{"id", s.id},
            {"symbol", s.symbol},
            {"side", s.side},
            {"price", money_or_null(s.price)},
            {"strategy", s.strategy},
            {"reason", s.reason},
            {"event_time_ms", s.event_time_ms},
            {"created_at_ms", s.created_at_ms}};
}

nlohmann::json to_json(const storage::Order& o) {
    return {{"client_order_id", o.client_order_id},
            {"symbol", o.symbol},
            {"side", o.side},
            {"type", o.type},
            {"quantity", money_or_null(o.quantity)},
            {"price", money_or_null(o.price)},
            {"status", o.status},
            {"exchange_order_id", o.exchange_order_id},
            {"reason", o.reason},
            {"signal_id", o.signal_id ? nlohmann::json(*o.signal_id) : nlohmann::json(nullptr)},
            {"created_at_ms", o.created_at_ms},
            {"updated_at_ms", o.updated_at_ms}};
}

nlohmann::json to_json(const storage::Position& p) {
    return {{"symbol", p.symbol},
            {"quantity", money_or_null(p.quantity)},
            {"avg_entry_price", money_or_null(p.avg_entry_price)},
            {"realized_pnl", money_or_null(p.realized_pnl)},
            {"fees_paid", money_or_null(p.fees_paid)},
            {"updated_at_ms", p.updated_at_ms}};
}

namespace {
template <class T>
nlohmann::json array_of(const std::vector<T>& rows) {
    auto out = nlohmann::json::array();
    for (const auto& r : rows) out.push_back(to_json(r));
    return out;
}
}  // namespace

nlohmann::json signals_json(const std::vector<storage::Signal>& signals) {
    return array_of(signals);
}
nlohmann::json orders_json(const std::vector<storage::Order>& orders) { return array_of(orders); }
nlohmann::json positions_json(const std::vector<storage::Position>& positions) {
    return array_of(positions);
}

nlohmann::json positions_json(const std::vector<storage::Position>& positions,
                              const RiskViews& risk) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : positions) {
        nlohmann::json j = to_json(p);
        j["risk"] = nullptr;
        if (auto it = risk.find(p.symbol); it != risk.end()) {
            const RiskView& r = it->second;
            j["risk"] = {{"trail_high", money_or_null(r.trail_high)},
                         {"halted", r.halted},
                         {"halted_until_ms",
                          r.halted ? nlohmann::json(r.halted_until_ms) : nlohmann::json(nullptr)},
                         {"cooldown_left", r.cooldown_left}};
        }
        out.push_back(std::move(j));
    }
    return out;
}

nlohmann::json leases_json(const std::vector<storage::LeaseInfo>& leases) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& l : leases) {
        out.push_back({{"symbol", l.symbol},
                       {"node", l.node},
                       {"epoch", l.epoch},
                       {"expires_at_ms", l.expires_at_ms}});
    }
    return out;
}

std::string stats_text(const Stats& stats) {
    std::string out;
    out += "database        " + stats.path + "\n";
    out += "schema version  " + std::to_string(stats.schema_version) + "\n";
    out += "file size       " + format_bytes(stats.file_size_bytes) + "\n";
    out += "wal size        " + format_bytes(stats.wal_size_bytes) + "\n";
    out += "\n";
    Table t({{"TABLE"}, {"ROWS", Align::kRight}});
    t.add_row({"signals", std::to_string(stats.counts.signals)});
    t.add_row({"orders", std::to_string(stats.counts.orders)});
    t.add_row({"fills", std::to_string(stats.counts.fills)});
    t.add_row({"positions", std::to_string(stats.counts.positions)});
    t.add_row({"bot_state", std::to_string(stats.counts.state)});
    out += t.render();
    if (!stats.signals_per_symbol.empty()) {
        Table per({{"SYMBOL"}, {"SIGNALS", Align::kRight}});
        for (const auto& [symbol, n] : stats.signals_per_symbol) {
            per.add_row({symbol, std::to_string(n)});
        }
        out += "\n" + per.render();
    }
    return out;
}

nlohmann::json stats_json(const Stats& stats) {
    return {{"path", stats.path},
            {"schema_version", stats.schema_version},
            {"file_size_bytes", stats.file_size_bytes},
            {"wal_size_bytes", stats.wal_size_bytes},
            {"rows",
             {{"signals", stats.counts.signals},
              {"orders", stats.counts.orders},
              {"fills", stats.counts.fills},
              {"positions", stats.counts.positions},
              {"bot_state", stats.counts.state}}},
            {"signals_per_symbol", stats.signals_per_symbol}};
}

CheckResult evaluate_check(const std::string& integrity, int schema_version,
                           int current_schema_version) {
    CheckResult r;
    r.schema_version = schema_version;
    r.current_schema_version = current_schema_version;
    // integrity_check answers the single line "ok", or one problem per line.
    std::string_view rest = integrity;
    while (!rest.empty()) {
        auto nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
        if (!line.empty() && line != "ok") r.problems.emplace_back(line);
    }
    if (integrity.empty()) r.problems.emplace_back("integrity_check returned nothing");
    if (schema_version <= 0) {
        r.problems.push_back("schema version " + std::to_string(schema_version) +
                             ": not a tradebot database");
    } else if (schema_version > current_schema_version) {
        r.problems.push_back("schema version " + std::to_string(schema_version) +
                             " is newer than this tradebotctl understands (" +
                             std::to_string(current_schema_version) + ")");
    } else if (schema_version < current_schema_version) {
        r.notes.push_back("schema version " + std::to_string(schema_version) +
                          " is older than this build's " + std::to_string(current_schema_version) +
                          "; tradebotd migrates it on its next start");
    }
    r.ok = r.problems.empty();
    return r;
}

std::string check_text(const CheckResult& check) {
    std::string out;
    if (check.ok) {
        out += "ok\n";
    } else {
        out += "problems found:\n";
        for (const auto& p : check.problems) out += "  " + sanitize_cell(p) + "\n";
    }
    out += "schema version " + std::to_string(check.schema_version) + "\n";
    for (const auto& n : check.notes) out += "note: " + n + "\n";
    return out;
}

nlohmann::json check_json(const CheckResult& check) {
    return {{"ok", check.ok},
            {"schema_version", check.schema_version},
            {"current_schema_version", check.current_schema_version},
            {"problems", check.problems},
            {"notes", check.notes}};
}

std::string backup_text(const BackupResult& backup) {
    return "backed up " + backup.source + " to " + backup.destination + ": " +
           format_bytes(backup.size_bytes) + "\n";
}

nlohmann::json backup_json(const BackupResult& backup) {
    return {{"source", backup.source},
            {"destination", backup.destination},
            {"size_bytes", backup.size_bytes}};
}

std::string dump_json(const nlohmann::json& doc) {
    return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace ctl
