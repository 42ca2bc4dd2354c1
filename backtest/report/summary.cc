#include "backtest/report/summary.h"

#include <algorithm>

#include "bot/core/risk_rules.h"
#include "config/calendar.h"
#include "config/loader.h"

namespace backtest {
namespace {

using config::Decimal;
using nlohmann::json;

std::string with_commas(std::uint64_t n) {
    std::string digits = std::to_string(n);
    std::string out;
    const std::size_t lead = digits.size() % 3;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (i + 3 - lead) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

json pct_json(const std::optional<Decimal>& d) { return d ? json(d->to_string(4)) : json(nullptr); }

// The quote asset the total's money is in, or "" when the symbols' differ.
std::string common_quote(const BacktestResult& r) {
    std::string q;
    for (const auto& s : r.symbols) {
        if (q.empty()) q = s.quote_asset;
        if (s.quote_asset != q) return "";
    }
    return q;
}

json performance_json(const Performance& p, bool money) {
    json j = {
        {"candles", p.candles},
        {"signals", p.signals},
        {"trades", p.trades},
        {"buys", p.buys},
        {"sells", p.sells},
        {"wins", p.wins},
        {"rejected", p.rejected},
        {"win_rate_pct", pct_json(p.win_rate_pct())},
        {"return_pct", pct_json(p.return_pct())},
        {"max_drawdown_pct", pct_json(p.max_drawdown_pct())},
        {"buy_hold_pct", pct_json(p.buy_hold_pct)},
    };
    if (money) {
        j["capital"] = p.capital.to_string();
        j["realized_pnl"] = p.realized_pnl.to_string();
        j["unrealized_pnl"] = p.unrealized_pnl.to_string();
        j["fees"] = p.fees.to_string();
        j["max_drawdown"] = p.max_drawdown.to_string();
    } else {
        for (const char* k :
             {"capital", "realized_pnl", "unrealized_pnl", "fees", "max_drawdown"}) {
            j[k] = nullptr;  // the symbols' quote assets differ: a sum would mean nothing
        }
    }
    return j;
}

json risk_exits_json(const SymbolResult& s) {
    json j = json::object();
    for (std::size_t i = 0; i < s.risk_exits.size(); ++i) {
        j[bot::to_string(static_cast<bot::ExitRule>(i))] = s.risk_exits[i];
    }
    return j;
}

}  // namespace

std::string risk_rules_text(const config::RiskConfig& r, const std::string& quote) {
    std::vector<std::string> parts;
    auto pct = [&](const char* name, const std::optional<Decimal>& v) {
        if (v) parts.push_back(std::string(name) + " " + v->to_string() + "%");
    };
    pct("stop_loss", r.stop_loss_pct);
    pct("take_profit", r.take_profit_pct);
    pct("trailing_stop", r.trailing_stop_pct);
    if (r.max_daily_loss_quote) {
        parts.push_back("daily loss cap " + r.max_daily_loss_quote->to_string() +
                        (quote.empty() ? "" : " " + quote));
    }
    if (r.cooldown_candles > 0) {
        parts.push_back("cooldown " + std::to_string(r.cooldown_candles) + " candle" +
                        (r.cooldown_candles == 1 ? "" : "s"));
    }
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
    return out;
}

std::string percent_text(const std::optional<Decimal>& pct, bool sign) {
    if (!pct) return "-";
    std::string s = pct->to_string(2);
    if (sign && !pct->is_negative() && s != "0.00") s = "+" + s;
    return s + "%";
}

std::string render_table(const BacktestResult& r) {
    const std::vector<std::string> head = {"symbol",       "candles",      "signals", "trades",
                                           "win rate",     "realized PnL", "fees",    "return",
                                           "max drawdown", "buy & hold"};
    std::vector<std::vector<std::string>> rows;
    auto row = [](const std::string& name, const Performance& p, const std::string& quote) {
        const bool money = !quote.empty();
        return std::vector<std::string>{
            name,
            with_commas(p.candles),
            with_commas(p.signals),
            with_commas(p.trades),
            percent_text(p.win_rate_pct()),
            money ? p.realized_pnl.to_string() + " " + quote : "-",
            money ? p.fees.to_string() + " " + quote : "-",
            percent_text(p.return_pct(), true),
            percent_text(p.max_drawdown_pct()),
            percent_text(p.buy_hold_pct, true),
        };
    };
    for (const auto& s : r.symbols) rows.push_back(row(s.symbol, s.performance, s.quote_asset));
    if (r.symbols.size() > 1) rows.push_back(row("total", r.total, common_quote(r)));

    std::vector<std::size_t> width(head.size());
    for (std::size_t c = 0; c < head.size(); ++c) {
        width[c] = head[c].size();
        for (const auto& row : rows) width[c] = std::max(width[c], row[c].size());
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            const std::string pad(width[c] - cells[c].size(), ' ');
            if (c > 0) out += "  ";
            out += c == 0 ? cells[c] + pad : pad + cells[c];  // names left, figures right
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        return out + "\n";
    };
    std::string out = line(head);
    for (const auto& row : rows) out += line(row);
    // Under the table, each symbol's risk rules (when any is on) and the exits they made.
    for (const auto& s : r.symbols) {
        const std::string rules = risk_rules_text(s.risk, s.quote_asset);
        if (rules.empty()) continue;
        std::string exits;
        for (std::size_t i = 0; i < s.risk_exits.size(); ++i) {
            if (s.risk_exits[i] == 0) continue;
            exits += (exits.empty() ? "" : ", ") + with_commas(s.risk_exits[i]) + " " +
                     bot::to_string(static_cast<bot::ExitRule>(i));
        }
        out += "risk " + s.symbol + ": " + rules + "; exits: " + (exits.empty() ? "none" : exits) +
               "\n";
    }
    return out;
}

json to_json(const BacktestResult& r) {
    json symbols = json::array();
    for (const auto& s : r.symbols) {
        json j = performance_json(s.performance, true);
        j["symbol"] = s.symbol;
        j["interval"] = s.interval;
        j["strategy"] = s.strategy;
        j["quote_asset"] = s.quote_asset;
        j["risk"] = config::to_json(s.risk);
        j["risk_exits"] = risk_exits_json(s);
        j["position"] = s.performance.position.to_string();
        j["first_close"] = s.performance.first_close.to_string();
        j["last_close"] = s.performance.last_close.to_string();
        j["first_candle_ms"] = s.source.first_open_ms;
        j["last_candle_ms"] = s.source.last_open_ms;
        j["files"] = s.source.files;
        j["checksums_verified"] = s.source.checksums_verified;
        j["duplicates"] = s.source.duplicates;
        j["conflicts"] = s.source.conflicts;
        j["gaps"] = s.source.gaps;
        j["missing_candles"] = s.source.missing;
        json gaps = json::array();
        for (const auto& g : s.source.first_gaps) {
            gaps.push_back({{"after_open_ms", g.after_open_ms}, {"missing", g.missing}});
        }
        j["first_gaps"] = std::move(gaps);
        symbols.push_back(std::move(j));
    }
    const std::string quote = common_quote(r);
    json total = performance_json(r.total, !quote.empty());
    total["quote_asset"] = quote.empty() ? json(nullptr) : json(quote);
    return {{"db", r.db_path.string()},
            {"from", config::format_date(r.from_ms)},
            {"to", config::format_date(r.to_ms - 1)},
            {"rows", r.rows},
            {"symbols", std::move(symbols)},
            {"total", std::move(total)}};
}

std::vector<std::string> data_notes(const BacktestResult& r) {
    std::vector<std::string> out;
    for (const auto& s : r.symbols) {
        const SourceStats& src = s.source;
        for (const auto& g : src.first_gaps) {
            out.push_back("gap: " + s.symbol + " " + s.interval + ": " + std::to_string(g.missing) +
                          " candle" + (g.missing == 1 ? "" : "s") + " missing after " +
                          config::format_utc(g.after_open_ms) + " UTC");
        }
        if (src.gaps > src.first_gaps.size()) {
            out.push_back("gap: " + s.symbol + " " + s.interval + ": " +
                          std::to_string(src.gaps - src.first_gaps.size()) + " more gaps (" +
                          with_commas(src.missing) + " candles missing in all)");
        }
        if (src.conflicts > 0) {
            out.push_back(
                "duplicate: " + s.symbol + " " + s.interval + ": " + with_commas(src.conflicts) +
                " candles appear in two files with different values; first: " + src.first_conflict);
        }
    }
    return out;
}

}  // namespace backtest
