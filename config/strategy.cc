#include "config/strategy.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace config {
namespace {

std::string integer_rule(int min, int max) {
    if (max != INT_MAX) return "integer " + std::to_string(min) + ".." + std::to_string(max);
    if (min == 1) return "integer > 0";
    return "integer >= " + std::to_string(min);
}

// The value of `key` in `c`, or nullptr.
const ParamValue* find_value(const StrategyConfig& c, std::string_view key) {
    auto it = c.params.find(std::string(key));
    return it == c.params.end() ? nullptr : &it->second;
}

[[noreturn]] void wrong_kind(const StrategyConfig& c, std::string_view key, bool want_integer) {
    throw std::invalid_argument(
        "strategy " + c.name + ": parameter \"" + std::string(key) +
        (want_integer ? "\" is a decimal, not an integer" : "\" is an integer, not a decimal"));
}

[[noreturn]] void no_such(const StrategyConfig& c, std::string_view key) {
    throw std::invalid_argument("strategy " + c.name + " has no parameter \"" + std::string(key) +
                                "\"");
}

int as_integer(const StrategyConfig& c, std::string_view key, const ParamValue& v) {
    if (const int* i = std::get_if<int>(&v)) return *i;
    wrong_kind(c, key, true);
}

Decimal as_decimal(const StrategyConfig& c, std::string_view key, const ParamValue& v) {
    if (const Decimal* d = std::get_if<Decimal>(&v)) return *d;
    wrong_kind(c, key, false);
}

}  // namespace

ParamSpec::ParamSpec(const IntParam& p)
    : name(p.name),
      kind(Kind::kInteger),
      default_value(p.default_value),
      min_int(p.min),
      max_int(p.max),
      expected(integer_rule(p.min, p.max)) {}

ParamSpec::ParamSpec(const DecimalParam& p)
    : name(p.name),
      kind(Kind::kDecimal),
      default_value(Decimal::from_string(p.default_value)),
      above(Decimal::from_string(p.above)),
      below(Decimal::from_string(p.below)),
      expected("a number > " + above.to_string() + " and < " + below.to_string()) {}

OrderRule::OrderRule(const IntParam& lower, const IntParam& upper)
    : lower(lower.name), upper(upper.name) {}

OrderRule::OrderRule(const DecimalParam& lower, const DecimalParam& upper)
    : lower(lower.name), upper(upper.name) {}

int StrategyConfig::get(const IntParam& p) const {
    const ParamValue* v = find_value(*this, p.name);
    return v ? as_integer(*this, p.name, *v) : p.default_value;
}

Decimal StrategyConfig::get(const DecimalParam& p) const {
    const ParamValue* v = find_value(*this, p.name);
    return v ? as_decimal(*this, p.name, *v) : Decimal::from_string(p.default_value);
}

void StrategyConfig::set(const IntParam& p, int value) { params[std::string(p.name)] = value; }

void StrategyConfig::set(const DecimalParam& p, const Decimal& value) {
    params[std::string(p.name)] = value;
}

int StrategyConfig::integer(const std::string& key) const {
    const ParamValue* v = find_value(*this, key);
    if (!v) no_such(*this, key);
    return as_integer(*this, key, *v);
}

Decimal StrategyConfig::decimal(const std::string& key) const {
    const ParamValue* v = find_value(*this, key);
    if (!v) no_such(*this, key);
    return as_decimal(*this, key, *v);
}

void StrategyCatalog::add(StrategySpec spec) {
    if (find(spec.name)) {
        throw std::logic_error("two strategies are named \"" + spec.name + "\"");
    }
    specs_.push_back(std::move(spec));
}

const StrategySpec* StrategyCatalog::find(std::string_view name) const {
    for (const StrategySpec& s : specs_) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

std::vector<std::string> StrategyCatalog::names() const {
    std::vector<std::string> names;
    for (const StrategySpec& s : specs_) names.push_back(s.name);
    std::sort(names.begin(), names.end());
    return names;
}

const std::string& StrategyCatalog::default_name() const {
    static const std::string kNone;
    return specs_.empty() ? kNone : specs_.front().name;
}

StrategyConfig StrategyCatalog::with_defaults(StrategyConfig c) const {
    if (const StrategySpec* spec = find(c.name)) return config::with_defaults(*spec, std::move(c));
    return c;
}

bool StrategyCatalog::same(const StrategyConfig& a, const StrategyConfig& b) const {
    return with_defaults(a) == with_defaults(b);
}

std::string StrategyCatalog::describe(const StrategyConfig& c) const {
    if (const StrategySpec* spec = find(c.name)) return config::describe(*spec, c);
    return c.name;
}

StrategyConfig with_defaults(const StrategySpec& spec, StrategyConfig c) {
    for (const ParamSpec& p : spec.params) c.params.emplace(p.name, p.default_value);
    return c;
}

std::string param_text(const ParamValue& v) {
    if (const int* i = std::get_if<int>(&v)) return std::to_string(*i);
    return std::get<Decimal>(v).to_string();
}

std::string describe(const StrategySpec& spec, const StrategyConfig& c) {
    const StrategyConfig full = with_defaults(spec, c);
    std::string out = c.name + "(";
    for (std::size_t i = 0; i < spec.params.size(); ++i) {
        const std::string& key = spec.params[i].name;
        out += (i ? " " : "") + key + "=" + param_text(full.params.at(key));
    }
    return out + ")";
}

}  // namespace config
