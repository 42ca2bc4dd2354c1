// A strategy's configuration, and the description each strategy gives of its parameters.
//
// The config library knows no strategy by name. Every strategy (bot/strategies/) describes its
// parameters in a StrategySpec and registers it here when the program starts; parsing and
// validating `strategy` objects, the resolved form printed by `--check-config`, the one-line
// description in the logs ("rsi(period=14 oversold=30 overbought=70)") and the comparison a
// reload makes all come from that description. docs/strategies.md walks through writing one.
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

// One parameter as a strategy declares it. Build it with integer_param() or decimal_param().
struct ParamSpec {
    enum class Kind { kInteger, kDecimal };

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

// An integer parameter in [min, max]. Its rule reads "integer > 0" (min 1, no maximum),
// "integer >= 2" (no maximum) or "integer 2..500".
ParamSpec integer_param(std::string name, int default_value, int min, int max = INT_MAX);
// A decimal parameter strictly between `above` and `below` ("a number > 0 and < 100").
ParamSpec decimal_param(std::string name, std::string_view default_value, std::string_view above,
                        std::string_view below);

// Two parameters whose values must be strictly increasing: lower < upper (ema_cross: fast <
// slow). A config that breaks it is blamed on the one it set: on `lower` when it set only that
// one ("must be less than slow (21), got 30"), otherwise on `upper` ("must be greater than ...").
struct OrderRule {
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
    std::string name = "ema_cross";  // the default strategy
    // Kline interval: 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M (config/interval.h).
    // Not a parameter: switching strategies keeps it.
    std::string interval = "1m";
    // Parameters by name. A parameter left out takes its default from the strategy's
    // description; the loader fills them all in.
    std::map<std::string, ParamValue> params;

    // The parameter's value (or its default). Throws std::invalid_argument naming the key when
    // the strategy has no such parameter or it is of the other kind.
    int integer(const std::string& key) const;
    Decimal decimal(const std::string& key) const;

    friend bool operator==(const StrategyConfig&, const StrategyConfig&) = default;
};

// ---- The catalog of registered strategies (filled at start-up, read-only afterwards) ----

// Adds a strategy's description. Throws std::logic_error for a second one with the same name
// (two plug-ins claiming one name is a build mistake). Not thread-safe: registration happens
// while static objects are constructed, before main().
void register_strategy_spec(StrategySpec spec);
// The registered description of `name`, or nullptr.
const StrategySpec* find_strategy_spec(std::string_view name);
// Every registered name, sorted.
std::vector<std::string> strategy_names();

// `c` with every parameter of its strategy present (defaults filled in). An unknown strategy
// is returned as it is.
StrategyConfig with_defaults(StrategyConfig c);
// The same strategy, interval and parameter values once defaults are filled in.
bool same_strategy(const StrategyConfig& a, const StrategyConfig& b);
// "rsi(period=14 oversold=30 overbought=70)": the name and every parameter in its declared
// order (defaults filled in), as the logs show the strategy a bot runs.
std::string describe(const StrategyConfig& c);
// A value as text: 21, 30, 25.5.
std::string param_text(const ParamValue& v);

}  // namespace config
