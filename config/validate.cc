#include "config/validate.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "config/endpoint.h"
#include "config/interval.h"
#include "config/loader.h"
#include "config/text.h"

namespace config::detail {

std::string key_segment(const std::string& key) {
    bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
    return plain ? key : nlohmann::json(key).dump();
}

namespace {

using nlohmann::json;
// Allowed names; a vector so the tables below, braced lists at call sites and the registered
// strategy names all fit.
using Names = std::vector<std::string>;

const Names kRootKeys = {"database", "exchange", "trading", "strategy",   "risk",
                         "symbols",  "log",      "metrics", "market_data"};

[[noreturn]] void fail(const std::string& path, std::string problem) {
    throw ConfigError(path, std::move(problem));
}

std::string child(const std::string& path, const std::string& key) {
    return path.empty() ? key_segment(key) : path + "." + key_segment(key);
}

std::string element(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

bool contains(const Names& names, std::string_view s) {
    return std::find(names.begin(), names.end(), s) != names.end();
}

// What was found, for "expected X, got Y": strings quoted as written, other values with their
// JSON type so that `100` versus `"100"` is visible.
std::string describe(const json& j) {
    switch (j.type()) {
        case json::value_t::string:
            return j.dump();
        case json::value_t::null:
            return "null";
        case json::value_t::boolean:
            return "boolean " + j.dump();
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
        case json::value_t::number_float:
            return "number " + j.dump();
        case json::value_t::object:
            return "an object";
        case json::value_t::array:
            return j.empty() ? "an empty array" : "an array";
        default:
            return j.type_name();
    }
}

[[noreturn]] void fail_expected(const std::string& path, std::string_view expected,
                                const json& got) {
    fail(path, "expected " + std::string(expected) + ", got " + describe(got));
}

const json* find(const json& object, std::string_view key) {
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

// Checks that `j` is an object holding only `allowed` keys.
void expect_object(const json& j, const std::string& path, const Names& allowed) {
    if (!j.is_object()) fail_expected(path, "an object", j);
    for (const auto& [key, value] : j.items()) {
        if (!contains(allowed, key)) fail(child(path, key), "unknown key");
    }
}

// An integer in [lo, hi]; `expected` states the rule as the user should read it.
std::int64_t get_int(const json& j, const std::string& path, std::int64_t lo, std::int64_t hi,
                     std::string expected) {
    if (j.is_number_unsigned()) {
        auto v = j.get<std::uint64_t>();
        if (v <= static_cast<std::uint64_t>(hi) && static_cast<std::int64_t>(v) >= lo) {
            return static_cast<std::int64_t>(v);
        }
        // The rule says "> 0" but the field is an int: say where the real ceiling is.
        if (hi == INT_MAX && v > static_cast<std::uint64_t>(hi)) expected += ", at most 2147483647";
    } else if (j.is_number_integer()) {
        auto v = j.get<std::int64_t>();
        if (v >= lo && v <= hi) return v;
    }
    fail_expected(path, expected, j);
}

int get_int32(const json& j, const std::string& path, int lo, int hi, std::string expected) {
    return static_cast<int>(get_int(j, path, lo, hi, std::move(expected)));
}

std::string get_enum(const json& j, const std::string& path, const Names& allowed) {
    if (j.is_string() && contains(allowed, j.get<std::string>())) return j.get<std::string>();
    fail_expected(path, "one of " + join(allowed, "|"), j);
}

std::string get_nonempty_string(const json& j, const std::string& path) {
    // An embedded NUL would silently cut the string short in every C API it reaches.
    if (j.is_string() && !j.get<std::string>().empty() &&
        j.get<std::string>().find('\0') == std::string::npos) {
        return j.get<std::string>();
    }
    fail_expected(path, "a non-empty string", j);
}

// Money: a JSON string holding a plain decimal. A JSON number is refused even when it looks
// harmless, because parsers read numbers as binary floating point and money must stay exact.
Decimal get_money(const json& j, const std::string& path) {
    constexpr std::string_view kExpected = "a decimal string like \"100\"";
    if (j.is_number()) {
        fail(path, "expected " + std::string(kExpected) + ", got " + describe(j) +
                       " (money is written as a string, to stay exact)");
    }
    if (j.is_string()) {
        if (auto d = Decimal::parse(j.get<std::string>())) return *d;
    }
    fail_expected(path, kExpected, j);
}

std::string get_url(const json& j, const std::string& path, const Names& schemes,
                    std::string_view expected) {
    if (j.is_string() && parse_endpoint(j.get<std::string>(), schemes)) {
        return j.get<std::string>();
    }
    fail_expected(path, expected, j);
}

// A listen address the metrics server can bind: an IP address or localhost, and a real port
// (0, "any free port", is for tests, not for a scrape target).
bool valid_listen(std::string_view s) {
    auto a = parse_listen(s);
    return a && a->port != 0 && (a->kind != ListenAddress::Kind::kName || a->host == "localhost");
}

bool valid_symbol(std::string_view s) {
    return s.size() >= 2 && s.size() <= 20 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
           });
}

std::string get_symbol(const json& j, const std::string& path) {
    if (j.is_string()) {
        std::string s = j.get<std::string>();
        if (valid_symbol(s)) return s;
        std::string upper = s;
        std::transform(upper.begin(), upper.end(), upper.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        if (valid_symbol(upper)) fail_expected(path, "upper case " + json(upper).dump(), j);
    }
    fail_expected(path, "a symbol of 2 to 20 characters A-Z 0-9 like \"BTCUSDT\"", j);
}

// A strategy parameter per its description: an integer in its range, or a decimal strictly
// inside its bounds given as a JSON number or a decimal string. A number is read from its
// shortest text form (what dump() prints), so 30.5 becomes exactly 30.5 rather than its binary
// neighbour: thresholds are not money, so a JSON number is fine here.
ParamValue get_param(const json& j, const std::string& path, const ParamSpec& spec) {
    if (spec.kind == ParamSpec::Kind::kInteger) {
        return get_int32(j, path, spec.min_int, spec.max_int, spec.expected);
    }
    std::optional<Decimal> d;
    if (j.is_number()) d = Decimal::parse(j.dump());
    if (j.is_string()) d = Decimal::parse(j.get<std::string>());
    if (!d || *d <= spec.above || *d >= spec.below) fail_expected(path, spec.expected, j);
    return *d;
}

bool has_param(const StrategySpec& spec, std::string_view key) {
    return std::any_of(spec.params.begin(), spec.params.end(),
                       [&](const ParamSpec& p) { return p.name == key; });
}

// Whether some strategy of the catalog other than `name` has a parameter called `key`.
bool param_of_another(const StrategyCatalog& strategies, std::string_view name,
                      std::string_view key) {
    for (const std::string& other : strategies.names()) {
        if (other == name) continue;
        if (const StrategySpec* spec = strategies.find(other); spec && has_param(*spec, key)) {
            return true;
        }
    }
    return false;
}

const StrategySpec& spec_of(const StrategyCatalog& strategies, const std::string& name,
                            const std::string& path) {
    if (const StrategySpec* spec = strategies.find(name)) return *spec;
    // Only reachable with an empty catalog: the default strategy is then no strategy at all.
    fail_expected(path, "one of " + join(strategies.names(), "|"), json(name));
}

// The strategy object `j` at `path` applied on top of `base` (the catalog's default strategy
// for the top-level one, the top-level strategy for a symbol's override).
StrategyConfig parse_strategy(const json& j, const std::string& path, const StrategyConfig& base,
                              const StrategyCatalog& strategies) {
    if (!j.is_object()) fail_expected(path, "an object", j);
    StrategyConfig s = base;
    if (const json* name = find(j, "name")) {
        std::string n = get_enum(*name, child(path, "name"), strategies.names());
        if (n != base.name) {
            // The base's parameters belong to the other strategy, so this one starts from its
            // own defaults. The interval is not a strategy parameter: it stays the base's.
            s = StrategyConfig{};
            s.name = n;
            s.interval = base.interval;
        }
    }
    const StrategySpec& spec = spec_of(strategies, s.name, child(path, "name"));
    s = with_defaults(spec, std::move(s));
    for (const auto& [key, value] : j.items()) {
        if (key == "name" || key == "interval" || has_param(spec, key)) continue;
        if (param_of_another(strategies, s.name, key)) {
            fail(child(path, key), "not a parameter of " + s.name);
        }
        fail(child(path, key), "unknown key");
    }
    if (const json* v = find(j, "interval")) {
        s.interval = get_enum(*v, child(path, "interval"), kline_intervals());
    }

    for (const ParamSpec& p : spec.params) {
        if (const json* v = find(j, p.name))
            s.params[p.name] = get_param(*v, child(path, p.name), p);
    }
    for (const OrderRule& rule : spec.ordered) {
        const ParamValue& lower = s.params.at(rule.lower);
        const ParamValue& upper = s.params.at(rule.upper);
        if (lower < upper) continue;
        // Blame the value this object set; when it set both, the upper one.
        if (find(j, rule.lower) && !find(j, rule.upper)) {
            fail(child(path, rule.lower), "must be less than " + rule.upper + " (" +
                                              param_text(upper) + "), got " + param_text(lower));
        }
        fail(child(path, rule.upper), "must be greater than " + rule.lower + " (" +
                                          param_text(lower) + "), got " + param_text(upper));
    }
    return s;
}

// A libpq connection URI: postgresql://[user@][host][:port][,host...][/dbname][?param=value&...].
// Returns what is wrong with it ("" when nothing is). A password is refused without repeating it:
// the config file is not the place for one, and the error message must not carry it either.
std::string check_postgres_url(std::string_view url) {
    std::string_view rest;
    for (std::string_view prefix : {"postgresql://", "postgres://"}) {
        if (url.substr(0, prefix.size()) == prefix) rest = url.substr(prefix.size());
    }
    if (rest.data() == nullptr) return "expected a postgresql:// connection URI";
    if (std::any_of(url.begin(), url.end(), [](char c) {
            return std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(c);
        })) {
        return "a postgresql:// URI has no spaces or control characters";
    }
    constexpr const char* kNoPassword =
        "must not contain a password (libpq reads it from PGPASSWORD or ~/.pgpass)";
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        if (authority.substr(0, at).find(':') != std::string_view::npos) return kNoPassword;
    }
    if (auto q = rest.find('?'); q != std::string_view::npos) {
        std::string_view query = rest.substr(q + 1);
        while (!query.empty()) {
            const std::string_view param = query.substr(0, query.find('&'));
            const std::string_view key = param.substr(0, param.find('='));
            if (key == "password") return kNoPassword;
            if (param.find('=') == std::string_view::npos || key.empty()) {
                return "expected param=value pairs after '?'";
            }
            query.remove_prefix(std::min(query.size(), param.size() + 1));
        }
    }
    return {};
}

void parse_database(const json& j, const std::string& path, DatabaseConfig& db) {
    expect_object(j, path,
                  {"path", "busy_timeout_ms", "url", "lease_s", "node", "connect_timeout_s",
                   "statement_timeout_ms", "lock_timeout_ms", "keepalive_s"});
    const json* file = find(j, "path");
    const json* url = find(j, "url");
    if (file && url) {
        fail(child(path, "url"),
             "give either database.path (SQLite) or database.url (PostgreSQL), not both");
    }
    if (file) db.path = get_nonempty_string(*file, child(path, "path"));
    if (const json* v = find(j, "busy_timeout_ms")) {
        db.busy_timeout_ms =
            get_int32(*v, child(path, "busy_timeout_ms"), 0, 600000, "integer 0..600000");
    }
    if (url) {
        if (!url->is_string()) fail_expected(child(path, "url"), "a postgresql:// URI", *url);
        const std::string text = url->get<std::string>();
        if (std::string problem = check_postgres_url(text); !problem.empty()) {
            fail(child(path, "url"), problem);
        }
        db.url = text;
    }
    for (const char* key : {"lease_s", "node", "connect_timeout_s", "statement_timeout_ms",
                            "lock_timeout_ms", "keepalive_s"}) {
        if (find(j, key) && !url) fail(child(path, key), "applies only with database.url");
    }
    if (const json* v = find(j, "connect_timeout_s")) {
        db.connect_timeout_s =
            get_int32(*v, child(path, "connect_timeout_s"), 1, 300, "integer 1..300");
    }
    if (const json* v = find(j, "statement_timeout_ms")) {
        db.statement_timeout_ms =
            get_int32(*v, child(path, "statement_timeout_ms"), 100, 600000, "integer 100..600000");
    }
    if (const json* v = find(j, "lock_timeout_ms")) {
        db.lock_timeout_ms =
            get_int32(*v, child(path, "lock_timeout_ms"), 100, 600000, "integer 100..600000");
    }
    if (db.lock_timeout_ms > db.statement_timeout_ms) {
        // A lock wait longer than the statement may take would never be reached.
        fail(child(path, "lock_timeout_ms"), "expected at most database.statement_timeout_ms (" +
                                                 std::to_string(db.statement_timeout_ms) +
                                                 "), got " + std::to_string(db.lock_timeout_ms));
    }
    if (const json* v = find(j, "keepalive_s")) {
        db.keepalive_s = get_int32(*v, child(path, "keepalive_s"), 1, 600, "integer 1..600");
    }
    if (const json* v = find(j, "lease_s")) {
        db.lease_s = get_int32(*v, child(path, "lease_s"), 2, 3600, "integer 2..3600");
    }
    if (const json* v = find(j, "node")) {
        if (v->is_null()) {
            db.node.reset();
        } else {
            db.node = get_nonempty_string(*v, child(path, "node"));
        }
    }
}

void parse_exchange(const json& j, const std::string& path, ExchangeConfig& ex) {
    expect_object(j, path, {"name", "ws_url", "rest_url", "ca_file", "sim"});
    if (const json* v = find(j, "name"))
        ex.name = get_enum(*v, child(path, "name"), {"sim", "binance"});
    if (const json* v = find(j, "ws_url")) {
        ex.ws_url =
            get_url(*v, child(path, "ws_url"), {"ws", "wss"}, "a ws:// or wss:// URL with a host");
    }
    if (const json* v = find(j, "rest_url")) {
        ex.rest_url = get_url(*v, child(path, "rest_url"), {"http", "https"},
                              "an http:// or https:// URL with a host");
    }
    if (const json* v = find(j, "ca_file")) {
        if (v->is_null()) {
            ex.ca_file.reset();
        } else if (v->is_string() && !v->get<std::string>().empty() &&
                   v->get<std::string>().find('\0') == std::string::npos) {
            ex.ca_file = v->get<std::string>();
        } else {
            fail_expected(child(path, "ca_file"), "null or a non-empty string", *v);
        }
    }
    if (const json* sim = find(j, "sim")) {
        std::string sim_path = child(path, "sim");
        expect_object(*sim, sim_path, {"seed", "tick_ms", "script"});
        if (const json* v = find(*sim, "seed")) {
            if (!v->is_number_unsigned())
                fail_expected(child(sim_path, "seed"), "integer >= 0", *v);
            ex.sim.seed = v->get<std::uint64_t>();
        }
        if (const json* v = find(*sim, "tick_ms")) {
            ex.sim.tick_ms =
                get_int32(*v, child(sim_path, "tick_ms"), 1, 60000, "integer 1..60000");
        }
        if (const json* v = find(*sim, "script")) {
            if (v->is_null()) {
                ex.sim.script.reset();
            } else if (v->is_string() && !v->get<std::string>().empty() &&
                       v->get<std::string>().find('\0') == std::string::npos) {
                ex.sim.script = v->get<std::string>();
            } else {
                fail_expected(child(sim_path, "script"), "null or a file name", *v);
            }
        }
    }
}

void parse_trading(const json& j, const std::string& path, TradingConfig& t) {
    expect_object(j, path, {"mode", "quote_per_trade", "max_position_quote", "fee_rate"});
    if (const json* v = find(j, "mode"))
        t.mode = get_enum(*v, child(path, "mode"), {"paper", "live"});
    const json* quote = find(j, "quote_per_trade");
    const json* max = find(j, "max_position_quote");
    if (quote) {
        t.quote_per_trade = get_money(*quote, child(path, "quote_per_trade"));
        if (!t.quote_per_trade.is_positive()) {
            fail_expected(child(path, "quote_per_trade"), "a decimal > 0", *quote);
        }
    }
    if (max) {
        t.max_position_quote = get_money(*max, child(path, "max_position_quote"));
        if (!t.max_position_quote.is_positive()) {
            fail_expected(child(path, "max_position_quote"), "a decimal > 0", *max);
        }
    }
    if (t.max_position_quote < t.quote_per_trade) {
        // Blame the value this object set; when it set both, the cap.
        if (quote && !max) {
            fail(child(path, "quote_per_trade"), "must be <= max_position_quote (" +
                                                     t.max_position_quote.to_string() + "), got " +
                                                     quote->dump());
        }
        fail(child(path, "max_position_quote"), "must be >= quote_per_trade (" +
                                                    t.quote_per_trade.to_string() + "), got " +
                                                    max->dump());
    }
    if (const json* v = find(j, "fee_rate")) {
        t.fee_rate = get_money(*v, child(path, "fee_rate"));
        if (t.fee_rate.is_negative() || t.fee_rate >= Decimal::from_string("0.1")) {
            fail_expected(child(path, "fee_rate"), "a decimal in [0, 0.1)", *v);
        }
    }
}

// The risk object `j` at `path` applied on top of `base` key by key: a key that is present
// replaces the base's value (null turns the rule off), an absent one keeps it.
RiskConfig parse_risk(const json& j, const std::string& path, const RiskConfig& base) {
    expect_object(j, path,
                  {"stop_loss_pct", "take_profit_pct", "trailing_stop_pct", "max_daily_loss_quote",
                   "cooldown_candles"});
    RiskConfig r = base;
    // A rule's setting: null turns it off, anything else must be a decimal string inside the
    // rule's range (a stop at 100% or more could never trigger).
    auto rule = [&](const char* key, std::optional<Decimal>& out, const char* range,
                    const std::optional<Decimal>& below) {
        const json* v = find(j, key);
        if (!v) return;
        if (v->is_null()) {
            out.reset();
            return;
        }
        const std::string key_path = child(path, key);
        std::string expected = std::string("null or a decimal string ") + range;
        if (v->is_number()) {
            fail(key_path, "expected " + expected + ", got " + describe(*v) +
                               " (written as a string, to stay exact)");
        }
        std::optional<Decimal> d =
            v->is_string() ? Decimal::parse(v->get<std::string>()) : std::nullopt;
        if (!d || !d->is_positive() || (below && *d >= *below))
            fail_expected(key_path, expected, *v);
        out = *d;
    };
    const std::optional<Decimal> hundred = Decimal::from_int(100);
    rule("stop_loss_pct", r.stop_loss_pct, "> 0 and < 100 like \"2\"", hundred);
    rule("take_profit_pct", r.take_profit_pct, "> 0 like \"4\"", std::nullopt);
    rule("trailing_stop_pct", r.trailing_stop_pct, "> 0 and < 100 like \"1.5\"", hundred);
    rule("max_daily_loss_quote", r.max_daily_loss_quote, "> 0 like \"50\"", std::nullopt);
    if (const json* v = find(j, "cooldown_candles")) {
        r.cooldown_candles = v->is_null() ? 0
                                          : get_int32(*v, child(path, "cooldown_candles"), 0,
                                                      1000000, "null or integer 0..1000000");
    }
    return r;
}

std::vector<SymbolConfig> parse_symbols(const json* j, const std::string& path,
                                        const StrategyConfig& default_strategy,
                                        const RiskConfig& default_risk,
                                        const StrategyCatalog& strategies) {
    if (!j) fail(path, "missing; expected a non-empty array of symbols like [\"BTCUSDT\"]");
    if (!j->is_array() || j->empty()) fail_expected(path, "a non-empty array of symbols", *j);
    std::vector<SymbolConfig> out;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < j->size(); ++i) {
        const json& e = (*j)[i];
        std::string e_path = element(path, i);
        SymbolConfig sc;
        sc.strategy = default_strategy;
        sc.risk = default_risk;
        if (e.is_string()) {
            sc.symbol = get_symbol(e, e_path);
        } else if (e.is_object()) {
            expect_object(e, e_path, {"symbol", "strategy", "risk"});
            const json* symbol = find(e, "symbol");
            if (!symbol)
                fail(child(e_path, "symbol"), "missing; expected a symbol like \"BTCUSDT\"");
            sc.symbol = get_symbol(*symbol, child(e_path, "symbol"));
            if (const json* st = find(e, "strategy")) {
                sc.strategy =
                    parse_strategy(*st, child(e_path, "strategy"), default_strategy, strategies);
            }
            if (const json* r = find(e, "risk")) {
                sc.risk = parse_risk(*r, child(e_path, "risk"), default_risk);
            }
        } else {
            fail_expected(e_path,
                          "a symbol string or an object {\"symbol\": ..., \"strategy\": {...}}", e);
        }
        // One bot per symbol: two would trade the same position against each other.
        if (!seen.insert(sc.symbol).second) fail(e_path, "duplicate symbol " + sc.symbol);
        out.push_back(std::move(sc));
    }
    return out;
}

void parse_log(const json& j, const std::string& path, LogConfig& log) {
    expect_object(j, path, {"level", "heartbeat_s", "format"});
    if (const json* v = find(j, "level")) {
        log.level = get_enum(*v, child(path, "level"), {"trace", "debug", "info", "warn", "error"});
    }
    if (const json* v = find(j, "heartbeat_s")) {
        log.heartbeat_s = get_int32(*v, child(path, "heartbeat_s"), 1, 3600, "integer 1..3600");
    }
    if (const json* v = find(j, "format")) {
        log.format = get_enum(*v, child(path, "format"), {"text", "json"});
    }
}

void parse_metrics(const json& j, const std::string& path, MetricsConfig& m) {
    expect_object(j, path, {"listen"});
    if (const json* v = find(j, "listen")) {
        if (v->is_null()) {
            m.listen.reset();
        } else if (v->is_string() && valid_listen(v->get<std::string>())) {
            m.listen = v->get<std::string>();
        } else {
            fail_expected(child(path, "listen"),
                          "null or \"host:port\" (host an IPv4 address, localhost or [IPv6]; "
                          "port 1..65535)",
                          *v);
        }
    }
}

void parse_market_data(const json& j, const std::string& path, MarketDataConfig& m) {
    expect_object(j, path, {"record_dir"});
    if (const json* v = find(j, "record_dir")) {
        if (v->is_null()) {
            m.record_dir.reset();
        } else if (v->is_string() && !v->get<std::string>().empty() &&
                   v->get<std::string>().find('\0') == std::string::npos) {
            m.record_dir = v->get<std::string>();
        } else {
            fail_expected(child(path, "record_dir"), "null or a folder name", *v);
        }
    }
}

}  // namespace

Config config_from_json(const json& root, const StrategyCatalog& strategies) {
    // A program that offers no strategy cannot run any config: a programming error.
    if (strategies.empty()) throw std::logic_error("parse_config: the strategy catalog is empty");
    if (!root.is_object()) fail_expected("(top level)", "an object", root);
    expect_object(root, "", kRootKeys);
    Config c;
    c.strategy.name = strategies.default_name();
    c.strategy = strategies.with_defaults(std::move(c.strategy));
    // Sections in the documented order, so that of several mistakes the first one reported is
    // the first one an operator reading the file top-down would meet (for the usual key order).
    if (const json* v = find(root, "database")) parse_database(*v, "database", c.database);
    if (const json* v = find(root, "exchange")) parse_exchange(*v, "exchange", c.exchange);
    if (const json* v = find(root, "trading")) parse_trading(*v, "trading", c.trading);
    if (const json* v = find(root, "strategy")) {
        c.strategy = parse_strategy(*v, "strategy", c.strategy, strategies);
    }
    if (const json* v = find(root, "risk")) c.risk = parse_risk(*v, "risk", RiskConfig{});
    c.symbols = parse_symbols(find(root, "symbols"), "symbols", c.strategy, c.risk, strategies);
    if (const json* v = find(root, "log")) parse_log(*v, "log", c.log);
    if (const json* v = find(root, "metrics")) parse_metrics(*v, "metrics", c.metrics);
    if (const json* v = find(root, "market_data")) {
        parse_market_data(*v, "market_data", c.market_data);
    }
    return c;
}

}  // namespace config::detail
