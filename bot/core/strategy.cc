#include "bot/core/strategy.h"

#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>
#include <variant>

#include "bot/core/decimal_json.h"

namespace bot {
namespace {

config::StrategyConfig named(const config::StrategySpec& spec, config::StrategyConfig c) {
    c.name = spec.name;
    return config::with_defaults(spec, std::move(c));
}

}  // namespace

CandleStrategy::CandleStrategy(const config::StrategySpec& spec, config::StrategyConfig config)
    : config_(named(spec, std::move(config))), description_(config::describe(spec, config_)) {}

std::string CandleStrategy::describe() const { return description_; }

std::optional<Decision> CandleStrategy::on_kline(const exchange::Kline& k) {
    if (!k.closed) return std::nullopt;
    if (last_open_time_ms_ && k.open_time_ms <= *last_open_time_ms_) return std::nullopt;
    last_open_time_ms_ = k.open_time_ms;
    return on_close(k);
}

std::string CandleStrategy::save_state() const {
    nlohmann::json j = {
        {"strategy", name()},
        {"interval", config_.interval},
        {"last_open_time_ms", nullptr},
    };
    for (const auto& [key, value] : config_.params) {
        if (const int* i = std::get_if<int>(&value)) {
            j[key] = *i;
        } else {
            j[key] = std::get<Decimal>(value).to_string();
        }
    }
    if (last_open_time_ms_) j["last_open_time_ms"] = *last_open_time_ms_;
    save_fields(j);
    return j.dump();
}

bool CandleStrategy::restore(const std::string& state) {
    const nlohmann::json j = nlohmann::json::parse(state, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return false;  // also the "discarded" value of a parse error
    if (json_string(j, "strategy") != name() || json_string(j, "interval") != config_.interval) {
        return false;
    }
    for (const auto& [key, value] : config_.params) {
        const bool same = std::holds_alternative<int>(value)
                              ? json_int(j, key.c_str()) == std::get<int>(value)
                              : json_decimal(j, key.c_str()) == std::get<Decimal>(value);
        if (!same) return false;
    }
    if (!j.contains("last_open_time_ms")) return false;
    std::optional<std::int64_t> last_open;
    if (!j["last_open_time_ms"].is_null()) {
        last_open = json_int(j, "last_open_time_ms");
        if (!last_open) return false;
    }
    if (!restore_fields(j)) return false;
    last_open_time_ms_ = last_open;
    return true;
}

StrategyCatalog& StrategyCatalog::add(config::StrategySpec spec, StrategyMaker make) {
    if (!make) throw std::logic_error("strategy \"" + spec.name + "\" has no maker");
    const std::string name = spec.name;
    specs_.add(std::move(spec));  // throws for a name already taken
    makers_.emplace(name, std::move(make));
    return *this;
}

std::unique_ptr<Strategy> make_strategy(const StrategyCatalog& strategies,
                                        const config::StrategyConfig& cfg) {
    auto it = strategies.makers_.find(cfg.name);
    if (it == strategies.makers_.end()) {
        throw std::invalid_argument("unknown strategy \"" + cfg.name + "\"");
    }
    return it->second(strategies.specs_.with_defaults(cfg));
}

}  // namespace bot
