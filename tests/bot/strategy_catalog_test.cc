// bot::StrategyCatalog: a strategy of the test's own (a CandleStrategy that buys every n-th close)
// goes into a catalog with one line, is parsed from a config and built by make_strategy from that
// catalog, and describes itself from its spec. The shipped catalog lists the three plug-ins with
// ema_cross as the default.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "bot/core/strategy.h"
#include "bot/strategies/builtin.h"
#include "bot/strategies/ema_cross_strategy.h"
#include "config/loader.h"
#include "strategy_test_support.h"

namespace {

using config::Decimal;

// BUY on every `every`-th closed candle, nothing else.
class EveryNth final : public bot::CandleStrategy {
public:
    static constexpr std::string_view kName = "every_nth";
    static constexpr config::IntParam kEvery{"every", 3, 1, 100};
    static config::StrategySpec spec() { return {std::string(kName), {kEvery}, {}}; }

    explicit EveryNth(const config::StrategyConfig& c)
        : CandleStrategy(spec(), c), every_(strategy_config().get(kEvery)) {}

    bool ready() const override { return true; }

protected:
    std::optional<bot::Decision> on_close(const exchange::Kline& k) override {
        if (++seen_ % every_ != 0) return std::nullopt;
        return bot::Decision{exchange::Side::kBuy, k.close, "close " + std::to_string(seen_)};
    }
    void save_fields(nlohmann::json& j) const override { j["seen"] = seen_; }
    bool restore_fields(const nlohmann::json& j) override {
        if (!j.contains("seen") || !j["seen"].is_number_integer()) return false;
        seen_ = j["seen"].get<int>();
        return true;
    }

private:
    const int every_;
    int seen_ = 0;
};

}  // namespace

TEST_CASE("catalog: a test strategy is parsed and built from its own catalog", "[strategy]") {
    bot::StrategyCatalog catalog;
    catalog.add<EveryNth>();
    const config::Config cfg = config::parse_config(
        R"({"symbols": ["BTCUSDT"], "strategy": {"every": 2}})", catalog.specs());
    CHECK(cfg.strategy.name == "every_nth");

    auto s = bot::make_strategy(catalog, cfg.strategy);
    CHECK(s->name() == "every_nth");
    CHECK(s->describe() == "every_nth(every=2)");
    CHECK_FALSE(s->on_kline(bot_test::kline(1, Decimal::from_int(10))));
    auto d = s->on_kline(bot_test::kline(2, Decimal::from_int(11)));
    REQUIRE(d);
    CHECK(d->reason == "close 2");

    // A parameter left out of a config built in code takes its spec's default.
    config::StrategyConfig bare;
    bare.name = "every_nth";
    CHECK(bot::make_strategy(catalog, bare)->describe() == "every_nth(every=3)");

    bare.name = "ema_cross";  // not in this catalog
    CHECK_THROWS_AS(bot::make_strategy(catalog, bare), std::invalid_argument);
    CHECK_THROWS_AS(catalog.add<EveryNth>(), std::logic_error);
    CHECK_THROWS_AS(catalog.add(EveryNth::spec(), nullptr), std::logic_error);
}

TEST_CASE("catalog: the shipped strategies, ema_cross the default", "[strategy]") {
    const bot::StrategyCatalog catalog = bot::builtin_strategies();
    CHECK(catalog.specs().default_name() == "ema_cross");
    CHECK(catalog.specs().names() == std::vector<std::string>{"bollinger", "ema_cross", "rsi"});
    const config::Config cfg = config::parse_config(R"({"symbols": ["BTCUSDT"]})", catalog.specs());
    CHECK(cfg.strategy.get(bot::EmaCrossStrategy::kFast) == 9);
    CHECK(cfg.strategy.get(bot::EmaCrossStrategy::kSlow) == 21);
    auto s = bot::make_strategy(catalog, cfg.strategy);
    CHECK(s->describe() == "ema_cross(fast=9 slow=21)");
    CHECK(s->describe() == catalog.specs().describe(cfg.strategy));
}
