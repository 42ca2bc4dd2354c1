#include "config/strategy.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace config {
namespace {

// Constructed on first use, so a strategy registering itself from a static object in another
// translation unit never finds it unbuilt.
std::vector<StrategySpec>& catalog() {
    static std::vector<StrategySpec> specs;
    return specs;
}

const ParamSpec* find_param(const StrategySpec& spec, std::string_view name) {
    for (const ParamSpec& p : spec.params) {
        if (p.name == name) return &p;
    }
    return nullptr;
}

// The value of `key` in `c`, or its default; throws naming the key when there is neither.
const ParamValue& param_or_default(const StrategyConfig& c, const std::string& key) {
    if (auto it = c.params.find(key); it != c.params.end()) return it->second;
    if (const StrategySpec* spec = find_strategy_spec(c.name)) {
        if (const ParamSpec* p = find_param(*spec, key)) return p->default_value;
    }
    throw std::invalid_argument("strategy " + c.name + " has no parameter \"" + key + "\"");
}

}  // namespace

ParamSpec integer_param(std::string name, int default_value, int min, int max) {
    ParamSpec p;
    p.name = std::move(name);
    p.kind = ParamSpec::Kind::kInteger;
    p.default_value = default_value;
    p.min_int = min;
    p.max_int = max;
    if (max != INT_MAX) {
        p.expected = "integer " + std::to_string(min) + ".." + std::to_string(max);
    } else if (min == 1) {
        p.expected = "integer > 0";
    } else {
        p.expected = "integer >= " + std::to_string(min);
    }
    return p;
}

ParamSpec decimal_param(std::string name, std::string_view default_value, std::string_view above,
                        std::string_view below) {
    ParamSpec p;
    p.name = std::move(name);
    p.kind = ParamSpec::Kind::kDecimal;
    p.default_value = Decimal::from_string(default_value);
    p.above = Decimal::from_string(above);
    p.below = Decimal::from_string(below);
    p.expected = "a number > " + p.above.to_string() + " and < " + p.below.to_string();
    return p;
}

int StrategyConfig::integer(const std::string& key) const {
    const ParamValue& v = param_or_default(*this, key);
    if (const int* i = std::get_if<int>(&v)) return *i;
    throw std::invalid_argument("strategy " + name + ": parameter \"" + key +
                                "\" is a decimal, not an integer");
}

Decimal StrategyConfig::decimal(const std::string& key) const {
    const ParamValue& v = param_or_default(*this, key);
    if (const Decimal* d = std::get_if<Decimal>(&v)) return *d;
    throw std::invalid_argument("strategy " + name + ": parameter \"" + key +
                                "\" is an integer, not a decimal");
}

void register_strategy_spec(StrategySpec spec) {
    if (find_strategy_spec(spec.name)) {
        throw std::logic_error("two strategies are registered as \"" + spec.name + "\"");
    }
    catalog().push_back(std::move(spec));
}

const StrategySpec* find_strategy_spec(std::string_view name) {
    for (const StrategySpec& s : catalog()) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

std::vector<std::string> strategy_names() {
    std::vector<std::string> names;
    for (const StrategySpec& s : catalog()) names.push_back(s.name);
    std::sort(names.begin(), names.end());
    return names;
}

StrategyConfig with_defaults(StrategyConfig c) {
    if (const StrategySpec* spec = find_strategy_spec(c.name)) {
        for (const ParamSpec& p : spec->params) c.params.emplace(p.name, p.default_value);
    }
    return c;
}

bool same_strategy(const StrategyConfig& a, const StrategyConfig& b) {
    return with_defaults(a) == with_defaults(b);
}

std::string param_text(const ParamValue& v) {
    if (const int* i = std::get_if<int>(&v)) return std::to_string(*i);
    return std::get<Decimal>(v).to_string();
}

std::string describe(const StrategyConfig& c) {
    const StrategySpec* spec = find_strategy_spec(c.name);
    if (!spec) return c.name;
    const StrategyConfig full = with_defaults(c);
    std::string out = c.name + "(";
    for (std::size_t i = 0; i < spec->params.size(); ++i) {
        const std::string& key = spec->params[i].name;
        out += (i ? " " : "") + key + "=" + param_text(full.params.at(key));
    }
    return out + ")";
}

}  // namespace config
