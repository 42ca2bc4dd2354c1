#include "backtest/report/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "backtest/report/summary.h"
#include "config/calendar.h"

namespace backtest {
namespace {

using config::Decimal;

constexpr double kWidth = 1000;
constexpr double kLeft = 80;  // room for the y labels
constexpr double kRight = 16;
constexpr double kTop = 12;
constexpr double kBottom = 28;  // room for the x labels

std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string label(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

// Maps times and values onto one chart's drawing area.
struct Frame {
    double height;
    std::int64_t t0, t1;
    double v0, v1;

    double x(std::int64_t t) const {
        const double span = static_cast<double>(std::max<std::int64_t>(t1 - t0, 1));
        return kLeft + (kWidth - kLeft - kRight) * static_cast<double>(t - t0) / span;
    }
    double y(double v) const {
        const double span = v1 > v0 ? v1 - v0 : 1;
        return kTop + (height - kTop - kBottom) * (v1 - v) / span;
    }
};

Frame frame_for(double height, std::int64_t t0, std::int64_t t1,
                const std::vector<const std::vector<PlotPoint>*>& series, double include) {
    double lo = include, hi = include;
    for (const auto* s : series) {
        for (const auto& p : *s) {
            lo = std::min(lo, p.v);
            hi = std::max(hi, p.v);
        }
    }
    if (!std::isfinite(lo) || !std::isfinite(hi)) lo = hi = 0;
    const double pad = hi > lo ? (hi - lo) * 0.05 : std::max(std::abs(hi) * 0.05, 1.0);
    return {height, t0, t1, lo - pad, hi + pad};
}

std::string axes(const Frame& f) {
    std::string out = "<g class=\"axes\">";
    const double bottom = f.height - kBottom;
    out += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(bottom) + "\" x2=\"" +
           num(kWidth - kRight) + "\" y2=\"" + num(bottom) + "\"/>";
    for (int i = 0; i <= 4; ++i) {
        const double v = f.v0 + (f.v1 - f.v0) * i / 4.0;
        const double y = f.y(v);
        out += "<line class=\"grid\" x1=\"" + num(kLeft) + "\" y1=\"" + num(y) + "\" x2=\"" +
               num(kWidth - kRight) + "\" y2=\"" + num(y) + "\"/>";
        out += "<text x=\"" + num(kLeft - 6) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" +
               label(v) + "</text>";
    }
    // Dates for a long run; times within a few days.
    const bool short_span = f.t1 - f.t0 < 4 * config::kMsPerDay;
    for (int i = 0; i <= 4; ++i) {
        const std::int64_t t = f.t0 + (f.t1 - f.t0) * i / 4;
        const char* anchor = i == 0 ? "start" : (i == 4 ? "end" : "middle");
        out += "<text x=\"" + num(f.x(t)) + "\" y=\"" + num(f.height - 8) + "\" text-anchor=\"" +
               anchor + "\">" + (short_span ? config::format_utc(t) : config::format_date(t)) +
               "</text>";
    }
    return out + "</g>";
}

std::string polyline(const std::vector<PlotPoint>& points, const Frame& f, const std::string& cls,
                     const std::string& id, const std::string& colour = {}) {
    std::string out = "<polyline class=\"" + cls + "\" id=\"" + id + "\" data-points=\"" +
                      std::to_string(points.size()) + "\"";
    if (!colour.empty()) out += " style=\"stroke:" + colour + "\"";
    out += " points=\"";
    for (std::size_t i = 0; i < points.size(); ++i) {
        if (i) out += ' ';
        out += num(f.x(points[i].t)) + "," + num(f.y(points[i].v));
    }
    return out + "\"/>";
}

std::string hline(const Frame& f, double v, const char* cls) {
    return std::string("<line class=\"") + cls + "\" x1=\"" + num(kLeft) + "\" y1=\"" +
           num(f.y(v)) + "\" x2=\"" + num(kWidth - kRight) + "\" y2=\"" + num(f.y(v)) + "\"/>";
}

std::string svg_open(const std::string& id, double height, const std::string& title) {
    return "<svg class=\"chart\" id=\"" + id + "\" viewBox=\"0 0 " + num(kWidth) + " " +
           num(height) + "\" role=\"img\" aria-label=\"" + escape(title) + "\">";
}

std::string summary_table(const BacktestResult& r) {
    std::string out =
        "<table><thead><tr><th>symbol</th><th>strategy</th><th>candles</th><th>signals</th>"
        "<th>trades</th><th>win rate</th><th>realized PnL</th><th>fees</th><th>return</th>"
        "<th>max drawdown</th><th>buy &amp; hold</th></tr></thead><tbody>";
    auto row = [&](const std::string& name, const std::string& strategy, const Performance& p,
                   const std::string& quote) {
        const bool money = !quote.empty();
        out += "<tr><td>" + escape(name) + "</td><td>" + escape(strategy) + "</td><td>" +
               std::to_string(p.candles) + "</td><td>" + std::to_string(p.signals) + "</td><td>" +
               std::to_string(p.trades) + "</td><td>" + percent_text(p.win_rate_pct()) +
               "</td><td>" + (money ? p.realized_pnl.to_string() + " " + quote : "-") +
               "</td><td>" + (money ? p.fees.to_string() + " " + quote : "-") + "</td><td>" +
               percent_text(p.return_pct(), true) + "</td><td>" +
               percent_text(p.max_drawdown_pct()) + "</td><td>" +
               percent_text(p.buy_hold_pct, true) + "</td></tr>";
    };
    std::string quote = r.symbols.empty() ? "" : r.symbols.front().quote_asset;
    for (const auto& s : r.symbols) {
        row(s.symbol, s.strategy + " " + s.interval, s.performance, s.quote_asset);
        if (s.quote_asset != quote) quote.clear();
    }
    if (r.symbols.size() > 1) row("total", "", r.total, quote);
    return out + "</tbody></table>";
}

constexpr const char* kStyle = R"(
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2330; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 6px; }
p.meta { color: #5b6475; margin: 0 0 16px; }
table { border-collapse: collapse; } th, td { padding: 4px 10px; border-bottom: 1px solid #e3e6ec; }
th { text-align: left; color: #5b6475; font-weight: 600; } td { text-align: right; }
td:first-child, td:nth-child(2) { text-align: left; }
svg.chart { width: 100%; max-width: 1000px; height: auto; display: block; }
.axes line { stroke: #9aa3b2; stroke-width: 1; } .axes line.grid { stroke: #eef0f4; }
.axes text { font-size: 11px; fill: #5b6475; }
.equity { fill: none; stroke: #2456d6; stroke-width: 1.6; }
.symbol-pnl { fill: none; stroke-width: 1.2; }
.price { fill: none; stroke: #39404d; stroke-width: 1.1; }
.capital { stroke: #9aa3b2; stroke-dasharray: 4 4; }
.buy { fill: #12a150; } .sell { fill: #d93b3b; }
.legend span { margin-right: 16px; } .legend i { display: inline-block; width: 18px; height: 3px;
  vertical-align: middle; margin-right: 6px; }
.legend i.dash { height: 0; border-top: 2px dashed #9aa3b2; }
)";

const char* kPalette[] = {"#d97706", "#7c3aed", "#0891b2", "#be185d", "#4d7c0f", "#b45309"};

// Notes the drawn size of every curve on its chart (data-drawn-width), so a reader of the DOM
// (the test suite's headless browser) can tell the page was laid out and drawn.
constexpr const char* kScript = R"(
for (const svg of document.querySelectorAll('svg.chart')) {
  let width = 0;
  for (const line of svg.querySelectorAll('polyline')) width = Math.max(width, line.getBBox().width);
  svg.dataset.drawnWidth = Math.round(width);
}
)";

}  // namespace

std::string render_report(const BacktestResult& r) {
    std::string html;
    html.reserve(1 << 20);
    html += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
    html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
    html += "<title>tradebot backtest " + config::format_date(r.from_ms) + " .. " +
            config::format_date(r.to_ms - 1) + "</title><style>" + std::string(kStyle) +
            "</style></head><body>\n";
    html += "<h1>tradebot backtest</h1><p class=\"meta\">" + config::format_date(r.from_ms) +
            " .. " + config::format_date(r.to_ms - 1) + " (UTC), " +
            std::to_string(r.symbols.size()) + " symbol" + (r.symbols.size() == 1 ? "" : "s") +
            ", results in " + escape(r.db_path.string()) + "</p>\n";
    html += summary_table(r) + "\n";

    // Equity of the whole run: capital + PnL, marked on every candle.
    const double capital = r.total.capital.to_double();
    std::vector<PlotPoint> equity = r.total_pnl;
    for (auto& p : equity) p.v += capital;
    const double eq_height = 300;
    html +=
        "<h2>Equity</h2><p class=\"legend\"><span><i style=\"background:#2456d6\"></i>"
        "capital + PnL, all symbols</span><span><i class=\"dash\"></i>capital " +
        r.total.capital.to_string() + "</span></p>";
    const Frame ef = frame_for(eq_height, r.from_ms, r.to_ms, {&equity}, capital);
    html += svg_open("equity-chart", eq_height, "equity curve");
    html += axes(ef);
    html += hline(ef, capital, "capital");
    html += polyline(equity, ef, "equity", "equity-total");
    html += "</svg>\n";

    // Each symbol's PnL on one axis around zero.
    html += "<h2>PnL per symbol</h2><p class=\"legend\">";
    std::vector<const std::vector<PlotPoint>*> pnl_series;
    for (std::size_t i = 0; i < r.symbols.size(); ++i) {
        html += std::string("<span><i style=\"background:") + kPalette[i % 6] + "\"></i>" +
                r.symbols[i].symbol + "</span>";
        pnl_series.push_back(&r.symbols[i].pnl);
    }
    html += "</p>";
    const Frame pf = frame_for(240, r.from_ms, r.to_ms, pnl_series, 0);
    html += svg_open("pnl-chart", 240, "PnL per symbol");
    html += axes(pf);
    html += hline(pf, 0, "capital");
    for (std::size_t i = 0; i < r.symbols.size(); ++i) {
        html += polyline(r.symbols[i].pnl, pf, "symbol-pnl", "pnl-" + r.symbols[i].symbol,
                         kPalette[i % 6]);
    }
    html += "</svg>\n";

    // Each symbol's price with its fills.
    for (const auto& s : r.symbols) {
        const std::string risk = risk_rules_text(s.risk, s.quote_asset);
        html += "<h2>" + s.symbol + " " + s.interval + " &middot; " + escape(s.strategy) +
                (risk.empty() ? "" : " &middot; " + escape(risk)) +
                "</h2><p class=\"legend\"><span><i style=\"background:#39404d\"></i>close</span>"
                "<span><i style=\"background:#12a150\"></i>buy (" +
                std::to_string(s.performance.buys) +
                ")</span><span><i style=\"background:#d93b3b\"></i>sell (" +
                std::to_string(s.performance.sells) + ")</span></p>";
        const double height = 320;
        const Frame f = frame_for(height, r.from_ms, r.to_ms, {&s.price},
                                  s.price.empty() ? 0 : s.price.front().v);
        html += svg_open("price-" + s.symbol, height, s.symbol + " price with buys and sells");
        html += axes(f);
        html += polyline(s.price, f, "price", "price-line-" + s.symbol);
        html += "<g class=\"trades\">";
        for (const TradeMark& m : s.trades) {
            const double x = f.x(m.t);
            const double y = f.y(m.price.to_double());
            const bool buy = m.side == exchange::Side::kBuy;
            // A triangle pointing up under the price for a buy, down above it for a sell.
            html += std::string("<path class=\"") + (buy ? "buy" : "sell") + "\" d=\"M" + num(x) +
                    " " + num(buy ? y + 2 : y - 2) + (buy ? "l4 7h-8z" : "l4 -7h-8z") +
                    "\"><title>" + (buy ? "BUY " : "SELL ") + config::format_utc(m.t) + " at " +
                    m.price.to_string() + "</title></path>";
        }
        html += "</g></svg>\n";
    }
    html += "<script>" + std::string(kScript) + "</script>\n</body></html>\n";
    return html;
}

}  // namespace backtest
