// A strategy's configuration, and the catalog of strategies a config may name.
//
// The config library knows no strategy by name. Each strategy (bot/strategies/) describes its
// parameters in a StrategySpec; the program collects the ones it offers in a StrategyCatalog
// (bot::builtin_strategies()) and hands that to the loader (config/loader.h). Parsing and
// validating `strategy` objects, the resolved form printed by `--check-config`, the one-line
// description in the logs ("rsi(period=14 oversold=30 overbought=70)") and the default strategy
// all come from the catalog it is handed. docs/strategies.md walks through writing one.
#pragma once

#include <climits>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/decimal.h"

namespace config {

// A parameter's value: a whole number (a period) or an exact decimal (a threshold, a width).
using ParamValue = std::variant<int, Decimal>;

// Typed handles on a parameter. A plug-in declares each of its parameters once, as a constant
// its spec lists and its constructor reads the value through (StrategyConfig::get):
//
//     static constexpr config::IntParam kFast{"fast", 9, 1};
//     ... fast_(strategy_config().get(kFast)) ...
//
// so the name is written in one place, and a misspelt handle or a decimal read as an integer
// does not compile.
//
// An integer in [min, max]. Its rule reads "integer > 0" (min 1, no maximum), "integer >= 2"
// (no maximum) or "integer 2..500".
struct IntParam {
    std::string_view name;
    int default_value = 0;
    int min = 1;
    int max = INT_MAX;
};
// An exact decimal strictly between `above` and `below` ("a number > 0 and < 100"); the three
// numbers as decimal text.
struct DecimalParam {
    std::string_view name;
    std::string_view default_value;
    std::string_view above;
    std::string_view below;
};

// One parameter as the validator reads it, made from a handle.
struct ParamSpec {
    enum class Kind { kInteger, kDecimal };

    // Implicit on purpose: a spec lists its handles, {kFast, kSlow}.
    ParamSpec(const IntParam& p);      // NOLINT
    ParamSpec(const DecimalParam& p);  // NOLINT

    std::string name;
    Kind kind = Kind::kInteger;
    ParamValue default_value;
    // kInteger: the value lies in [min_int, max_int]; written as a JSON integer.
    int min_int = 1;
    int max_int = INT_MAX;
    // kDecimal: the value lies strictly between `above` and `below`; written as a JSON number
    // or a decimal string, and printed back as a string so that it stays exact.
    Decimal above;
    Decimal below;
    // The rule as an error message states it: "integer > 0", "a number > 0 and < 100".
    std::string expected;
};

// Two parameters of one kind whose values must be strictly increasing: lower < upper
// (ema_cross: fast < slow). A config that breaks it is blamed on the one it set: on `lower` when
// it set only that one ("must be less than slow (21), got 30"), otherwise on `upper` ("must be
// greater than ...").
struct OrderRule {
    OrderRule(const IntParam& lower, const IntParam& upper);
    OrderRule(const DecimalParam& lower, const DecimalParam& upper);

    std::string lower;
    std::string upper;
};

struct StrategySpec {
    std::string name;               // the `strategy.name` that selects it, e.g. "ema_cross"
    std::vector<ParamSpec> params;  // read, checked, described and printed in this order
    std::vector<OrderRule> ordered;
};

// The strategy of a symbol, or the default for every symbol.
struct StrategyConfig {
    std::string name;  // the loader puts its catalog's default here when the config names none
    // Kline interval: 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M (config/interval.h).
    // Not a parameter: switching strategies keeps it.
    std::string interval = "1m";
    // Parameters by name. The loader fills in every parameter of the strategy, defaults
    // included; a config built by hand may leave some out (get() then answers the default).
    std::map<std::string, ParamValue> params;

    // The parameter's value, or the handle's default when it is absent. Throws
    // std::invalid_argument naming the key when the value present is of the other kind.
    int get(const IntParam& p) const;
    Decimal get(const DecimalParam& p) const;
    // Sets the parameter (a config built in code).
    void set(const IntParam& p, int value);
    void set(const DecimalParam& p, const Decimal& value);
    // By name, for code that holds no handle (tools, tests): the value present. Throws
    // std::invalid_argument naming the key when it is absent or of the other kind.
    int integer(const std::string& key) const;
    Decimal decimal(const std::string& key) const;

    friend bool operator==(const StrategyConfig&, const StrategyConfig&) = default;
};

// The strategies a program offers, by name. A plain value: built once at start-up (by the
// program, or by a test with a strategy of its own) and read-only afterwards; reading it from
// several threads is safe.
class StrategyCatalog {
public:
    // Adds a strategy. The first one added is the default (the strategy of a config that names
    // none). Throws std::logic_error for a second one of the same name (a build mistake).
    void add(StrategySpec spec);

    // The description of `name`, or nullptr.
    const StrategySpec* find(std::string_view name) const;
    // Every name, sorted.
    std::vector<std::string> names() const;
    // The default strategy's name; empty while the catalog is empty.
    const std::string& default_name() const;
    bool empty() const { return specs_.empty(); }

    // `c` with every parameter of its strategy present (defaults filled in). An unknown
    // strategy is returned as it is.
    StrategyConfig with_defaults(StrategyConfig c) const;
    // The same strategy, interval and parameter values once defaults are filled in.
    bool same(const StrategyConfig& a, const StrategyConfig& b) const;
    // "rsi(period=14 oversold=30 overbought=70)": the name and every parameter in its declared
    // order (defaults filled in), as the logs show the strategy a bot runs. An unknown strategy:
    // its name.
    std::string describe(const StrategyConfig& c) const;

private:
    std::vector<StrategySpec> specs_;  // in the order added
};

// `c` with every parameter of `spec` present (defaults filled in).
StrategyConfig with_defaults(const StrategySpec& spec, StrategyConfig c);
// See StrategyCatalog::describe.
std::string describe(const StrategySpec& spec, const StrategyConfig& c);
// A value as text: 21, 30, 25.5.
std::string param_text(const ParamValue& v);

}  // namespace config
