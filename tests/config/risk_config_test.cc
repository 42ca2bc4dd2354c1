// The `risk` section: the top-level rules, per-symbol overrides key by key (null turns a rule off
// for one symbol), every bad value refused with its key path, and the resolved form that
// --check-config prints for each symbol. Expected values and messages are written by hand.
#include <catch2/catch.hpp>
#include <string>

#include "config/loader.h"
#include "support/config.h"

using config::Config;
using config::Decimal;
using config::RiskConfig;
using nlohmann::json;

namespace {

Decimal d(const char* s) { return Decimal::from_string(s); }

std::string error_of(const std::string& text) {
    try {
        testing_support::parse_config(text);
    } catch (const config::ConfigError& e) {
        return e.what();
    }
    return "(accepted)";
}

// A config with `risk` at the top level and one symbol object carrying `symbol_risk`.
std::string with_risk(const std::string& risk, const std::string& symbol_risk = "") {
    std::string symbols = symbol_risk.empty()
                              ? R"(["BTCUSDT"])"
                              : R"([{"symbol": "BTCUSDT", "risk": )" + symbol_risk + "}]";
    std::string out = R"({"symbols": )" + symbols;
    if (!risk.empty()) out += R"(, "risk": )" + risk;
    return out + "}";
}

}  // namespace

TEST_CASE("risk: absent means every rule is off", "[config][risk]") {
    Config c = testing_support::parse_config(R"({"symbols": ["BTCUSDT"]})");
    for (const RiskConfig* r : {&c.risk, &c.symbols.at(0).risk}) {
        CHECK_FALSE(r->stop_loss_pct.has_value());
        CHECK_FALSE(r->take_profit_pct.has_value());
        CHECK_FALSE(r->trailing_stop_pct.has_value());
        CHECK_FALSE(r->max_daily_loss_quote.has_value());
        CHECK(r->cooldown_candles == 0);
    }
}

TEST_CASE("risk: the top-level rules apply to every symbol", "[config][risk]") {
    Config c = testing_support::parse_config(R"({
      "risk": { "stop_loss_pct": "2", "take_profit_pct": "4", "trailing_stop_pct": null,
                "max_daily_loss_quote": "50", "cooldown_candles": 0 },
      "symbols": [ "BTCUSDT", "ETHUSDT" ]
    })");
    CHECK(c.risk.stop_loss_pct == d("2"));
    for (const auto& s : c.symbols) {
        INFO(s.symbol);
        CHECK(s.risk.stop_loss_pct == d("2"));
        CHECK(s.risk.take_profit_pct == d("4"));
        CHECK_FALSE(s.risk.trailing_stop_pct.has_value());
        CHECK(s.risk.max_daily_loss_quote == d("50"));
        CHECK(s.risk.cooldown_candles == 0);
    }
}

TEST_CASE("risk: a symbol's keys override the top-level ones one by one", "[config][risk]") {
    Config c = testing_support::parse_config(R"({
      "risk": { "stop_loss_pct": "2", "take_profit_pct": "4", "max_daily_loss_quote": "50",
                "cooldown_candles": 5 },
      "symbols": [
        "BTCUSDT",
        { "symbol": "ETHUSDT", "risk": { "stop_loss_pct": "3.25", "trailing_stop_pct": "1.5" } },
        { "symbol": "XRPUSDT", "risk": { "take_profit_pct": null, "cooldown_candles": null } },
        { "symbol": "SOLUSDT", "risk": {} }
      ]
    })");
    const RiskConfig& btc = c.symbols.at(0).risk;
    CHECK(btc.stop_loss_pct == d("2"));
    CHECK(btc.take_profit_pct == d("4"));
    CHECK_FALSE(btc.trailing_stop_pct.has_value());
    CHECK(btc.cooldown_candles == 5);

    const RiskConfig& eth = c.symbols.at(1).risk;
    CHECK(eth.stop_loss_pct == d("3.25"));     // its own
    CHECK(eth.trailing_stop_pct == d("1.5"));  // its own, off at the top level
    CHECK(eth.take_profit_pct == d("4"));      // inherited
    CHECK(eth.max_daily_loss_quote == d("50"));
    CHECK(eth.cooldown_candles == 5);

    const RiskConfig& xrp = c.symbols.at(2).risk;
    CHECK(xrp.stop_loss_pct == d("2"));
    CHECK_FALSE(xrp.take_profit_pct.has_value());  // null: off for this symbol only
    CHECK(xrp.cooldown_candles == 0);
    CHECK(xrp.max_daily_loss_quote == d("50"));

    const RiskConfig& sol = c.symbols.at(3).risk;
    CHECK(sol.stop_loss_pct == d("2"));
    CHECK(sol.take_profit_pct == d("4"));
    CHECK(sol.cooldown_candles == 5);

    // The defaults themselves are untouched by the overrides.
    CHECK(c.risk.take_profit_pct == d("4"));
    CHECK_FALSE(c.risk.trailing_stop_pct.has_value());
}

TEST_CASE("risk: a symbol may turn a rule on with no top-level risk at all", "[config][risk]") {
    Config c = testing_support::parse_config(with_risk("", R"({"max_daily_loss_quote": "12.5"})"));
    CHECK(c.symbols.at(0).risk.max_daily_loss_quote == d("12.5"));
    CHECK_FALSE(c.symbols.at(0).risk.stop_loss_pct.has_value());
    CHECK_FALSE(c.risk.max_daily_loss_quote.has_value());
}

TEST_CASE("risk: the edges of each range", "[config][risk]") {
    Config c = testing_support::parse_config(with_risk(
        R"({"stop_loss_pct": "99.999999", "take_profit_pct": "1000", "trailing_stop_pct": "0.000001",
            "max_daily_loss_quote": "0.00000001", "cooldown_candles": 1000000})"));
    CHECK(c.risk.stop_loss_pct == d("99.999999"));
    CHECK(c.risk.take_profit_pct == d("1000"));
    CHECK(c.risk.trailing_stop_pct == d("0.000001"));
    CHECK(c.risk.max_daily_loss_quote == d("0.00000001"));
    CHECK(c.risk.cooldown_candles == 1000000);
}

TEST_CASE("risk: bad values name their key path", "[config][risk]") {
    struct Bad {
        std::string json;
        std::string message;
    };
    const std::string pct = R"(null or a decimal string > 0 and < 100 like "2")";
    const std::vector<Bad> cases = {
        {with_risk("[]"), "risk: expected an object, got an empty array"},
        {with_risk(R"({"stoploss": "2"})"), "risk.stoploss: unknown key"},
        {with_risk(R"({"stop_loss_pct": 2})"),
         "risk.stop_loss_pct: expected " + pct +
             ", got number 2 (written as a string, to stay exact)"},
        {with_risk(R"({"stop_loss_pct": "0"})"),
         "risk.stop_loss_pct: expected " + pct + R"(, got "0")"},
        {with_risk(R"({"stop_loss_pct": "-1"})"),
         "risk.stop_loss_pct: expected " + pct + R"(, got "-1")"},
        {with_risk(R"({"stop_loss_pct": "100"})"),
         "risk.stop_loss_pct: expected " + pct + R"(, got "100")"},
        {with_risk(R"({"stop_loss_pct": "2%"})"),
         "risk.stop_loss_pct: expected " + pct + R"(, got "2%")"},
        {with_risk(R"({"stop_loss_pct": true})"),
         "risk.stop_loss_pct: expected " + pct + ", got boolean true"},
        {with_risk(R"({"take_profit_pct": "0"})"),
         R"(risk.take_profit_pct: expected null or a decimal string > 0 like "4", got "0")"},
        {with_risk(R"({"trailing_stop_pct": "150"})"),
         R"(risk.trailing_stop_pct: expected null or a decimal string > 0 and < 100 like "1.5", got "150")"},
        {with_risk(R"({"max_daily_loss_quote": 50})"),
         R"(risk.max_daily_loss_quote: expected null or a decimal string > 0 like "50", got number 50 (written as a string, to stay exact))"},
        {with_risk(R"({"max_daily_loss_quote": "-50"})"),
         R"(risk.max_daily_loss_quote: expected null or a decimal string > 0 like "50", got "-50")"},
        {with_risk(R"({"cooldown_candles": -1})"),
         "risk.cooldown_candles: expected null or integer 0..1000000, got number -1"},
        {with_risk(R"({"cooldown_candles": "3"})"),
         R"(risk.cooldown_candles: expected null or integer 0..1000000, got "3")"},
        {with_risk(R"({"cooldown_candles": 1.5})"),
         "risk.cooldown_candles: expected null or integer 0..1000000, got number 1.5"},
        {with_risk(R"({"stop_loss_pct": "2"})", R"({"stop_loss_pct": "200"})"),
         "symbols[0].risk.stop_loss_pct: expected " + pct + R"(, got "200")"},
        {with_risk("", R"({"cooldown": 3})"), "symbols[0].risk.cooldown: unknown key"},
        {with_risk("", R"("2")"), R"(symbols[0].risk: expected an object, got "2")"},
    };
    for (const Bad& b : cases) {
        INFO(b.json);
        CHECK(error_of(b.json) == b.message);
    }
}

TEST_CASE("risk: the resolved form shows each symbol's effective rules", "[config][risk]") {
    Config c = testing_support::parse_config(R"({
      "risk": { "stop_loss_pct": "2.50", "max_daily_loss_quote": "50" },
      "symbols": [ "BTCUSDT", { "symbol": "XRPUSDT", "risk": { "stop_loss_pct": null,
                                                              "take_profit_pct": "4" } } ]
    })");
    json out = config::to_json(c);
    CHECK(out["risk"] == json::parse(R"({"stop_loss_pct": "2.5", "take_profit_pct": null,
        "trailing_stop_pct": null, "max_daily_loss_quote": "50", "cooldown_candles": 0})"));
    CHECK(out["symbols"][0]["risk"] == out["risk"]);
    CHECK(out["symbols"][1]["risk"] == json::parse(R"({"stop_loss_pct": null,
        "take_profit_pct": "4", "trailing_stop_pct": null, "max_daily_loss_quote": "50",
        "cooldown_candles": 0})"));
}

TEST_CASE("risk: the shipped example with risk rules loads as documented", "[config][risk]") {
    Config c = testing_support::load_config_file(std::string(TRADEBOT_SOURCE_DIR) +
                                                 "/config/examples/sim-risk.json");
    REQUIRE(c.symbols.size() == 3);
    const RiskConfig& btc = c.symbols[0].risk;
    CHECK(btc.stop_loss_pct == d("2"));
    CHECK(btc.take_profit_pct == d("4"));
    CHECK_FALSE(btc.trailing_stop_pct);
    CHECK(btc.max_daily_loss_quote == d("50"));
    CHECK(btc.cooldown_candles == 3);
    const RiskConfig& xrp = c.symbols[2].risk;
    CHECK(xrp.stop_loss_pct == d("3"));
    CHECK_FALSE(xrp.take_profit_pct);
    CHECK(xrp.trailing_stop_pct == d("1.5"));
    CHECK(xrp.max_daily_loss_quote == d("50"));
}
