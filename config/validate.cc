#include "config/validate.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdint>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "config/loader.h"

namespace config::detail {

std::string key_segment(const std::string& key) {
    bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
    return plain ? key : nlohmann::json(key).dump();
}

namespace {

using nlohmann::json;
// Allowed names; a vector so both the tables below and braced lists at call sites fit.
using Names = std::vector<std::string_view>;

const Names kRootKeys = {"database", "exchange", "trading", "strategy",
                         "symbols",  "log",      "metrics"};
const Names kStrategies = {"ema_cross", "rsi"};
// Binance's kline intervals; the sim aggregates into the same ones.
const Names kIntervals = {"1s", "1m", "3m", "5m",  "15m", "30m", "1h", "2h",
                          "4h", "6h", "8h", "12h", "1d",  "3d",  "1w", "1M"};
const Names kEmaCrossParams = {"fast", "slow"};
const Names kRsiParams = {"period", "oversold", "overbought"};

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

std::string join(const Names& names) {
    std::string out;
    for (std::string_view n : names) {
        if (!out.empty()) out += '|';
        out += n;
    }
    return out;
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

const json* find(const json& object, const char* key) {
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
    fail_expected(path, "one of " + join(allowed), j);
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

// RSI thresholds are not money, so a JSON number is fine too. Its shortest text form (what
// dump() prints) is parsed, so 30.5 becomes exactly 30.5 rather than its binary neighbour.
Decimal get_threshold(const json& j, const std::string& path) {
    std::optional<Decimal> d;
    if (j.is_number()) d = Decimal::parse(j.dump());
    if (j.is_string()) d = Decimal::parse(j.get<std::string>());
    if (!d || *d <= Decimal() || *d >= Decimal::from_int(100)) {
        fail_expected(path, "a number > 0 and < 100", j);
    }
    return *d;
}

bool valid_port(std::string_view p) {
    if (p.empty() || p.size() > 5) return false;
    int v = 0;
    for (char c : p) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    return v >= 1 && v <= 65535;
}

bool valid_ipv4(std::string_view h) {
    in_addr a{};
    return inet_pton(AF_INET, std::string(h).c_str(), &a) == 1;
}

bool valid_bracketed_ipv6(std::string_view h) {
    if (h.size() < 3 || h.front() != '[' || h.back() != ']') return false;
    in6_addr a{};
    return inet_pton(AF_INET6, std::string(h.substr(1, h.size() - 2)).c_str(), &a) == 1;
}

bool valid_host_name(std::string_view h) {
    return !h.empty() && std::all_of(h.begin(), h.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
    });
}

// scheme://host[:port][/path]: a host is required, user info (credentials) is not allowed.
bool valid_url(std::string_view url, const Names& schemes) {
    std::string_view rest;
    for (std::string_view scheme : schemes) {
        std::string prefix = std::string(scheme) + "://";
        if (url.substr(0, prefix.size()) == prefix) rest = url.substr(prefix.size());
    }
    if (rest.empty()) return false;
    if (std::any_of(url.begin(), url.end(),
                    [](char c) { return std::isspace(static_cast<unsigned char>(c)) || c == 0; })) {
        return false;
    }
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return false;
        std::string_view after = authority.substr(close + 1);
        return valid_bracketed_ipv6(authority.substr(0, close + 1)) &&
               (after.empty() || (after.front() == ':' && valid_port(after.substr(1))));
    }
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos && !valid_port(authority.substr(colon + 1))) return false;
    return valid_host_name(authority.substr(0, colon));
}

std::string get_url(const json& j, const std::string& path, const Names& schemes,
                    std::string_view expected) {
    if (j.is_string() && valid_url(j.get<std::string>(), schemes)) return j.get<std::string>();
    fail_expected(path, expected, j);
}

bool valid_listen(std::string_view s) {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos || !valid_port(s.substr(colon + 1))) return false;
    std::string_view host = s.substr(0, colon);
    return host == "localhost" || valid_ipv4(host) || valid_bracketed_ipv6(host);
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

const Names& params_of(std::string_view strategy) {
    return strategy == "rsi" ? kRsiParams : kEmaCrossParams;
}

// The strategy object `j` at `path` applied on top of `base` (config.h's defaults for the
// top-level strategy, the top-level strategy for a symbol's override).
StrategyConfig parse_strategy(const json& j, const std::string& path, const StrategyConfig& base) {
    if (!j.is_object()) fail_expected(path, "an object", j);
    StrategyConfig s = base;
    if (const json* name = find(j, "name")) {
        std::string n = get_enum(*name, child(path, "name"), kStrategies);
        if (n != base.name) {
            // The base's parameters belong to the other strategy, so this one starts from its
            // own defaults. The interval is not a strategy parameter: it stays the base's.
            s = StrategyConfig{};
            s.name = n;
            s.interval = base.interval;
        }
    }
    for (const auto& [key, value] : j.items()) {
        if (key == "name" || key == "interval" || contains(params_of(s.name), key)) continue;
        std::string_view other = s.name == "rsi" ? "ema_cross" : "rsi";
        if (contains(params_of(other), key)) fail(child(path, key), "not a parameter of " + s.name);
        fail(child(path, key), "unknown key");
    }
    if (const json* v = find(j, "interval")) {
        s.interval = get_enum(*v, child(path, "interval"), kIntervals);
    }

    if (s.name == "ema_cross") {
        const json* fast = find(j, "fast");
        const json* slow = find(j, "slow");
        if (fast) s.fast = get_int32(*fast, child(path, "fast"), 1, INT_MAX, "integer > 0");
        if (slow) s.slow = get_int32(*slow, child(path, "slow"), 1, INT_MAX, "integer > 0");
        if (s.fast >= s.slow) {
            // Blame the value this object set; when it set both, the slow one.
            if (fast && !slow) {
                fail(child(path, "fast"), "must be less than slow (" + std::to_string(s.slow) +
                                              "), got " + std::to_string(s.fast));
            }
            fail(child(path, "slow"), "must be greater than fast (" + std::to_string(s.fast) +
                                          "), got " + std::to_string(s.slow));
        }
    } else {
        const json* oversold = find(j, "oversold");
        const json* overbought = find(j, "overbought");
        if (const json* p = find(j, "period")) {
            s.period = get_int32(*p, child(path, "period"), 2, INT_MAX, "integer >= 2");
        }
        if (oversold) s.oversold = get_threshold(*oversold, child(path, "oversold"));
        if (overbought) s.overbought = get_threshold(*overbought, child(path, "overbought"));
        if (s.oversold >= s.overbought) {
            if (oversold && !overbought) {
                fail(child(path, "oversold"), "must be less than overbought (" +
                                                  s.overbought.to_string() + "), got " +
                                                  s.oversold.to_string());
            }
            fail(child(path, "overbought"), "must be greater than oversold (" +
                                                s.oversold.to_string() + "), got " +
                                                s.overbought.to_string());
        }
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
    expect_object(j, path, {"path", "busy_timeout_ms", "url", "lease_s", "node"});
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
    for (const char* key : {"lease_s", "node"}) {
        if (find(j, key) && !url) fail(child(path, key), "applies only with database.url");
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
        expect_object(*sim, sim_path, {"seed", "tick_ms"});
        if (const json* v = find(*sim, "seed")) {
            if (!v->is_number_unsigned())
                fail_expected(child(sim_path, "seed"), "integer >= 0", *v);
            ex.sim.seed = v->get<std::uint64_t>();
        }
        if (const json* v = find(*sim, "tick_ms")) {
            ex.sim.tick_ms =
                get_int32(*v, child(sim_path, "tick_ms"), 1, 60000, "integer 1..60000");
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

std::vector<SymbolConfig> parse_symbols(const json* j, const std::string& path,
                                        const StrategyConfig& default_strategy) {
    if (!j) fail(path, "missing; expected a non-empty array of symbols like [\"BTCUSDT\"]");
    if (!j->is_array() || j->empty()) fail_expected(path, "a non-empty array of symbols", *j);
    std::vector<SymbolConfig> out;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < j->size(); ++i) {
        const json& e = (*j)[i];
        std::string e_path = element(path, i);
        SymbolConfig sc;
        sc.strategy = default_strategy;
        if (e.is_string()) {
            sc.symbol = get_symbol(e, e_path);
        } else if (e.is_object()) {
            expect_object(e, e_path, {"symbol", "strategy"});
            const json* symbol = find(e, "symbol");
            if (!symbol)
                fail(child(e_path, "symbol"), "missing; expected a symbol like \"BTCUSDT\"");
            sc.symbol = get_symbol(*symbol, child(e_path, "symbol"));
            if (const json* st = find(e, "strategy")) {
                sc.strategy = parse_strategy(*st, child(e_path, "strategy"), default_strategy);
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

}  // namespace

Config config_from_json(const json& root) {
    if (!root.is_object()) fail_expected("(top level)", "an object", root);
    expect_object(root, "", kRootKeys);
    Config c;
    // Sections in SPEC order, so that of several mistakes the first one reported is the first
    // one an operator reading the file top-down would meet (for the usual key order).
    if (const json* v = find(root, "database")) parse_database(*v, "database", c.database);
    if (const json* v = find(root, "exchange")) parse_exchange(*v, "exchange", c.exchange);
    if (const json* v = find(root, "trading")) parse_trading(*v, "trading", c.trading);
    if (const json* v = find(root, "strategy")) {
        c.strategy = parse_strategy(*v, "strategy", StrategyConfig{});
    }
    c.symbols = parse_symbols(find(root, "symbols"), "symbols", c.strategy);
    if (const json* v = find(root, "log")) parse_log(*v, "log", c.log);
    if (const json* v = find(root, "metrics")) parse_metrics(*v, "metrics", c.metrics);
    return c;
}

}  // namespace config::detail
