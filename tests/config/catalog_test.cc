// The config library knows no strategy: it validates `strategy` objects against the catalog it is
// handed. This suite links config alone (no strategy plug-in) and parses with catalogs of its own
// making: the default strategy is the catalog's first, names and parameters are the catalog's, and
// the typed parameter handles read, default and refuse the other kind.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>

#include "config/loader.h"
#include "config/strategy.h"

namespace {

using config::Decimal;

constexpr config::IntParam kSteps{"steps", 3, 1, 50};
constexpr config::IntParam kMore{"more", 7, 1};
constexpr config::DecimalParam kGap{"gap", "0.5", "0", "5"};
constexpr config::IntParam kDepth{"depth", 2, 2};

// Two made-up strategies: "ladder" (the default) and "pit".
config::StrategyCatalog test_catalog() {
    config::StrategyCatalog c;
    c.add({"ladder", {kSteps, kMore, kGap}, {{kSteps, kMore}}});
    c.add({"pit", {kDepth}, {}});
    return c;
}

std::string error_of(const std::string& text, const config::StrategyCatalog& catalog) {
    try {
        config::parse_config(text, catalog);
    } catch (const config::ConfigError& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("catalog: the first strategy is the default, with its declared defaults", "[config]") {
    const config::StrategyCatalog catalog = test_catalog();
    CHECK(catalog.default_name() == "ladder");
    CHECK(catalog.names() == std::vector<std::string>{"ladder", "pit"});

    const config::Config c = config::parse_config(R"({"symbols": ["BTCUSDT"]})", catalog);
    CHECK(c.strategy.name == "ladder");
    CHECK(c.strategy.get(kSteps) == 3);
    CHECK(c.strategy.get(kMore) == 7);
    CHECK(c.strategy.get(kGap) == Decimal::from_string("0.5"));
    CHECK(c.symbols.at(0).strategy == c.strategy);
    CHECK(catalog.describe(c.strategy) == "ladder(steps=3 more=7 gap=0.5)");
    // Every parameter is in the parsed config, so --check-config prints them all.
    const nlohmann::json resolved = config::to_json(c);
    CHECK(resolved["strategy"] ==
          nlohmann::json(
              {{"name", "ladder"}, {"interval", "1m"}, {"steps", 3}, {"more", 7}, {"gap", "0.5"}}));
    CHECK(config::parse_config(resolved.dump(), catalog).symbols.at(0).strategy == c.strategy);
}

TEST_CASE("catalog: names, parameters and rules are the catalog's, nothing else", "[config]") {
    const config::StrategyCatalog catalog = test_catalog();
    const config::Config c = config::parse_config(R"({"symbols": ["BTCUSDT",
        {"symbol": "ETHUSDT", "strategy": {"name": "pit", "depth": 4}}],
        "strategy": {"steps": 5, "gap": "1.25"}})",
                                                  catalog);
    CHECK(c.strategy.get(kSteps) == 5);
    CHECK(c.strategy.get(kGap) == Decimal::from_string("1.25"));
    CHECK(c.symbols.at(1).strategy.name == "pit");
    CHECK(c.symbols.at(1).strategy.get(kDepth) == 4);
    CHECK(catalog.describe(c.symbols.at(1).strategy) == "pit(depth=4)");

    // A strategy this catalog does not hold is unknown here, whatever another program offers.
    CHECK(error_of(R"({"symbols": ["BTCUSDT"], "strategy": {"name": "ema_cross"}})", catalog) ==
          "strategy.name: expected one of ladder|pit, got \"ema_cross\"");
    CHECK(error_of(R"({"symbols": ["BTCUSDT"], "strategy": {"depth": 3}})", catalog) ==
          "strategy.depth: not a parameter of ladder");
    CHECK(error_of(R"({"symbols": ["BTCUSDT"], "strategy": {"fast": 3}})", catalog) ==
          "strategy.fast: unknown key");
    CHECK(error_of(R"({"symbols": ["BTCUSDT"], "strategy": {"steps": 51}})", catalog) ==
          "strategy.steps: expected integer 1..50, got number 51");
    CHECK(error_of(R"({"symbols": ["BTCUSDT"], "strategy": {"gap": 5}})", catalog) ==
          "strategy.gap: expected a number > 0 and < 5, got number 5");
    CHECK(error_of(R"({"symbols": ["BTCUSDT"], "strategy": {"steps": 9}})", catalog) ==
          "strategy.steps: must be less than more (7), got 9");
    CHECK(
        error_of(R"({"symbols": [{"symbol": "BTCUSDT", "strategy": {"name": "pit", "depth": 1}}]})",
                 catalog) == "symbols[0].strategy.depth: expected integer >= 2, got number 1");
}

TEST_CASE("catalog: a name is taken once, and an empty catalog parses nothing", "[config]") {
    config::StrategyCatalog catalog = test_catalog();
    CHECK_THROWS_AS(catalog.add({"pit", {kDepth}, {}}), std::logic_error);
    CHECK(catalog.names().size() == 2);
    CHECK_THROWS_AS(config::parse_config(R"({"symbols": ["BTCUSDT"]})", config::StrategyCatalog{}),
                    std::logic_error);
}

TEST_CASE("catalog: typed handles read the value, its default, and refuse the other kind",
          "[config]") {
    config::StrategyConfig s;
    s.name = "ladder";
    CHECK(s.get(kSteps) == 3);  // absent: the handle's default
    CHECK(s.get(kGap) == Decimal::from_string("0.5"));
    s.set(kSteps, 9);
    s.set(kGap, Decimal::from_string("2"));
    CHECK(s.get(kSteps) == 9);
    CHECK(s.integer("steps") == 9);
    CHECK(s.decimal("gap") == Decimal::from_string("2"));
    CHECK_THROWS_WITH(s.integer("more"), "strategy ladder has no parameter \"more\"");

    // The same name declared as the other kind (another plug-in's handle) is refused.
    constexpr config::DecimalParam kStepsAsDecimal{"steps", "1", "0", "9"};
    CHECK_THROWS_WITH(s.get(kStepsAsDecimal),
                      "strategy ladder: parameter \"steps\" is an integer, not a decimal");
    CHECK_THROWS_WITH(s.decimal("steps"),
                      "strategy ladder: parameter \"steps\" is an integer, not a decimal");

    const config::StrategyCatalog catalog = test_catalog();
    const config::StrategyConfig full = catalog.with_defaults(s);
    CHECK(full.params.size() == 3);
    CHECK(full.get(kMore) == 7);
    CHECK(catalog.same(s, full));
    CHECK_FALSE(s == full);
}
