// Valid configs, defaults, per-symbol overrides, the shipped examples, JSON syntax errors with
// their position, unreadable files and the resolved form. Expected values are written by hand.
#include "config/loader.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/config.h"
#include "support/temp_dir.h"

using config::Config;
using config::Decimal;
using config::StrategyConfig;
using nlohmann::json;

namespace {

Decimal d(const char* s) { return Decimal::from_string(s); }

// The documented example config, verbatim.
const char* kSpecExample = R"({
  "database": { "path": "storage/bot_state.db", "busy_timeout_ms": 5000 },
  "exchange": {
    "name": "sim",
    "ws_url": "wss://stream.binance.com:9443",
    "rest_url": "https://api.binance.com",
    "ca_file": null,
    "sim": { "seed": 42, "tick_ms": 50 }
  },
  "trading": { "mode": "paper", "quote_per_trade": "100", "max_position_quote": "1000", "fee_rate": "0.001" },
  "strategy": { "name": "ema_cross", "interval": "1m", "fast": 9, "slow": 21 },
  "symbols": [ "BTCUSDT", "ETHUSDT",
               { "symbol": "XRPUSDT", "strategy": { "name": "rsi", "period": 14, "oversold": 30, "overbought": 70 } } ],
  "log": { "level": "info", "heartbeat_s": 10, "format": "text" },
  "metrics": { "listen": null }
})";

// Config has no operator== (config.h is shared); compare field by field so a failure names the
// field.
void check_strategy_equal(const StrategyConfig& a, const StrategyConfig& b) {
    CHECK(a.name == b.name);
    CHECK(a.interval == b.interval);
    if (a.name == "rsi") {
        CHECK(a.integer("period") == b.integer("period"));
        CHECK(a.decimal("oversold") == b.decimal("oversold"));
        CHECK(a.decimal("overbought") == b.decimal("overbought"));
    } else {
        CHECK(a.integer("fast") == b.integer("fast"));
        CHECK(a.integer("slow") == b.integer("slow"));
    }
}

void check_risk_equal(const config::RiskConfig& a, const config::RiskConfig& b) {
    CHECK(a.stop_loss_pct == b.stop_loss_pct);
    CHECK(a.take_profit_pct == b.take_profit_pct);
    CHECK(a.trailing_stop_pct == b.trailing_stop_pct);
    CHECK(a.max_daily_loss_quote == b.max_daily_loss_quote);
    CHECK(a.cooldown_candles == b.cooldown_candles);
}

void check_config_equal(const Config& a, const Config& b) {
    CHECK(a.database.path == b.database.path);
    CHECK(a.database.busy_timeout_ms == b.database.busy_timeout_ms);
    CHECK(a.exchange.name == b.exchange.name);
    CHECK(a.exchange.ws_url == b.exchange.ws_url);
    CHECK(a.exchange.rest_url == b.exchange.rest_url);
    CHECK(a.exchange.ca_file == b.exchange.ca_file);
    CHECK(a.exchange.sim.seed == b.exchange.sim.seed);
    CHECK(a.exchange.sim.tick_ms == b.exchange.sim.tick_ms);
    CHECK(a.exchange.sim.script == b.exchange.sim.script);
    CHECK(a.trading.mode == b.trading.mode);
    CHECK(a.trading.quote_per_trade == b.trading.quote_per_trade);
    CHECK(a.trading.max_position_quote == b.trading.max_position_quote);
    CHECK(a.trading.fee_rate == b.trading.fee_rate);
    check_strategy_equal(a.strategy, b.strategy);
    check_risk_equal(a.risk, b.risk);
    REQUIRE(a.symbols.size() == b.symbols.size());
    for (std::size_t i = 0; i < a.symbols.size(); ++i) {
        CHECK(a.symbols[i].symbol == b.symbols[i].symbol);
        check_strategy_equal(a.symbols[i].strategy, b.symbols[i].strategy);
        check_risk_equal(a.symbols[i].risk, b.symbols[i].risk);
    }
    CHECK(a.log.level == b.log.level);
    CHECK(a.log.heartbeat_s == b.log.heartbeat_s);
    CHECK(a.log.format == b.log.format);
    CHECK(a.metrics.listen == b.metrics.listen);
    CHECK(a.market_data.record_dir == b.market_data.record_dir);
}

std::string error_of(const std::string& text) { return testing_support::config_error_of(text); }

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("A minimal config gets every default", "[config]") {
    Config c = testing_support::parse_config(R"({"symbols": ["BTCUSDT"]})");
    CHECK(c.database.path == "storage/bot_state.db");
    CHECK(c.database.busy_timeout_ms == 5000);
    CHECK(c.exchange.name == "sim");
    CHECK(c.exchange.ws_url == "wss://stream.binance.com:9443");
    CHECK(c.exchange.rest_url == "https://api.binance.com");
    CHECK_FALSE(c.exchange.ca_file.has_value());
    CHECK(c.exchange.sim.seed == 42);
    CHECK(c.exchange.sim.tick_ms == 50);
    CHECK_FALSE(c.exchange.sim.script);
    CHECK(c.trading.mode == "paper");
    CHECK(c.trading.quote_per_trade == d("100"));
    CHECK(c.trading.max_position_quote == d("1000"));
    CHECK(c.trading.fee_rate == d("0.001"));
    CHECK(c.strategy.name == "ema_cross");
    CHECK(c.strategy.interval == "1m");
    CHECK(c.strategy.integer("fast") == 9);
    CHECK(c.strategy.integer("slow") == 21);
    REQUIRE(c.symbols.size() == 1);
    CHECK(c.symbols[0].symbol == "BTCUSDT");
    CHECK(c.symbols[0].strategy.name == "ema_cross");
    CHECK(c.symbols[0].strategy.integer("fast") == 9);
    CHECK(c.symbols[0].strategy.integer("slow") == 21);
    CHECK(c.log.level == "info");
    CHECK(c.log.heartbeat_s == 10);
    CHECK(c.log.format == "text");
    CHECK_FALSE(c.metrics.listen.has_value());
}

TEST_CASE("The documented example parses with XRPUSDT on rsi", "[config]") {
    Config c = testing_support::parse_config(kSpecExample);
    REQUIRE(c.symbols.size() == 3);
    CHECK(c.symbols[0].symbol == "BTCUSDT");
    CHECK(c.symbols[1].symbol == "ETHUSDT");
    CHECK(c.symbols[2].symbol == "XRPUSDT");
    CHECK(c.symbols[0].strategy.name == "ema_cross");
    CHECK(c.symbols[1].strategy.integer("fast") == 9);
    CHECK(c.symbols[1].strategy.integer("slow") == 21);
    const StrategyConfig& xrp = c.symbols[2].strategy;
    CHECK(xrp.name == "rsi");
    CHECK(xrp.interval == "1m");
    CHECK(xrp.integer("period") == 14);
    CHECK(xrp.decimal("oversold") == d("30"));
    CHECK(xrp.decimal("overbought") == d("70"));
    CHECK(c.exchange.sim.seed == 42);
    CHECK(c.trading.fee_rate == d("0.001"));
}

TEST_CASE("Every value is taken as given", "[config]") {
    Config c = testing_support::parse_config(R"({
      "database": { "path": "/var/lib/tradebot/state.db", "busy_timeout_ms": 0 },
      "exchange": { "name": "binance", "ws_url": "ws://127.0.0.1:18443",
                    "rest_url": "http://[::1]:18080/prefix", "ca_file": "/etc/ssl/ca.pem",
                    "sim": { "seed": 18446744073709551615, "tick_ms": 60000,
                             "script": "scenarios/crash.txt" } },
      "trading": { "mode": "live", "quote_per_trade": "25.5", "max_position_quote": "25.50",
                   "fee_rate": "0" },
      "strategy": { "interval": "1M", "fast": 1, "slow": 2 },
      "symbols": [ "1INCHUSDT", "AB", "ABCDEFGHIJ0123456789" ],
      "log": { "level": "trace", "heartbeat_s": 3600, "format": "json" },
      "metrics": { "listen": "127.0.0.1:9464" }
    })");
    CHECK(c.database.path == "/var/lib/tradebot/state.db");
    CHECK(c.database.busy_timeout_ms == 0);
    CHECK(c.exchange.name == "binance");
    CHECK(c.exchange.ws_url == "ws://127.0.0.1:18443");
    CHECK(c.exchange.rest_url == "http://[::1]:18080/prefix");
    CHECK(c.exchange.ca_file == std::optional<std::string>("/etc/ssl/ca.pem"));
    CHECK(c.exchange.sim.seed == 18446744073709551615ULL);
    CHECK(c.exchange.sim.tick_ms == 60000);
    CHECK(c.exchange.sim.script == std::optional<std::string>("scenarios/crash.txt"));
    CHECK(c.trading.mode == "live");
    CHECK(c.trading.quote_per_trade == d("25.5"));
    CHECK(c.trading.max_position_quote == d("25.5"));  // equal to the trade size is allowed
    CHECK(c.trading.fee_rate.is_zero());
    CHECK(c.strategy.interval == "1M");
    CHECK(c.strategy.integer("fast") == 1);
    CHECK(c.strategy.integer("slow") == 2);
    CHECK(c.symbols[2].symbol == "ABCDEFGHIJ0123456789");
    CHECK(c.log.level == "trace");
    CHECK(c.log.heartbeat_s == 3600);
    CHECK(c.log.format == "json");
    CHECK(c.metrics.listen == std::optional<std::string>("127.0.0.1:9464"));

    for (const char* listen : {"localhost:1", "[::1]:9464", "0.0.0.0:65535"}) {
        INFO(listen);
        Config m = testing_support::parse_config(
            std::string(R"({"symbols": ["BTCUSDT"], "metrics": {"listen": ")") + listen + "\"}}");
        CHECK(m.metrics.listen == std::optional<std::string>(listen));
    }
}

TEST_CASE("Per-symbol overrides merge over the default strategy", "[config]") {
    Config c = testing_support::parse_config(R"({
      "strategy": { "interval": "5m", "fast": 5, "slow": 30 },
      "symbols": [
        "BTCUSDT",
        { "symbol": "ETHUSDT" },
        { "symbol": "SOLUSDT", "strategy": { "fast": 10 } },
        { "symbol": "XRPUSDT", "strategy": { "name": "rsi", "oversold": 25.5 } },
        { "symbol": "ADAUSDT", "strategy": { "name": "ema_cross", "interval": "1h", "slow": 50 } }
      ]
    })");
    REQUIRE(c.symbols.size() == 5);
    for (int i : {0, 1}) {
        INFO(c.symbols[i].symbol);
        CHECK(c.symbols[i].strategy.name == "ema_cross");
        CHECK(c.symbols[i].strategy.interval == "5m");
        CHECK(c.symbols[i].strategy.integer("fast") == 5);
        CHECK(c.symbols[i].strategy.integer("slow") == 30);
    }
    const StrategyConfig& sol = c.symbols[2].strategy;
    CHECK(sol.name == "ema_cross");
    CHECK(sol.interval == "5m");
    CHECK(sol.integer("fast") == 10);
    CHECK(sol.integer("slow") == 30);  // from the default strategy
    // A different strategy starts from its own defaults; the interval is still the default's.
    const StrategyConfig& xrp = c.symbols[3].strategy;
    CHECK(xrp.name == "rsi");
    CHECK(xrp.interval == "5m");
    CHECK(xrp.integer("period") == 14);
    CHECK(xrp.decimal("oversold") == d("25.5"));
    CHECK(xrp.decimal("overbought") == d("70"));
    const StrategyConfig& ada = c.symbols[4].strategy;
    CHECK(ada.name == "ema_cross");
    CHECK(ada.interval == "1h");
    CHECK(ada.integer("fast") == 5);
    CHECK(ada.integer("slow") == 50);
}

TEST_CASE("Overrides of a default rsi strategy", "[config]") {
    Config c = testing_support::parse_config(R"({
      "strategy": { "name": "rsi", "period": 7, "oversold": "20.5", "overbought": 80 },
      "symbols": [
        { "symbol": "BTCUSDT", "strategy": { "overbought": "90" } },
        { "symbol": "ETHUSDT", "strategy": { "name": "ema_cross" } }
      ]
    })");
    CHECK(c.strategy.name == "rsi");
    CHECK(c.strategy.integer("period") == 7);
    CHECK(c.strategy.decimal("oversold") == d("20.5"));
    CHECK(c.strategy.decimal("overbought") == d("80"));
    const StrategyConfig& btc = c.symbols[0].strategy;
    CHECK(btc.name == "rsi");
    CHECK(btc.integer("period") == 7);
    CHECK(btc.decimal("oversold") == d("20.5"));
    CHECK(btc.decimal("overbought") == d("90"));
    // ema_cross from its own defaults, not from anything of the rsi default.
    const StrategyConfig& eth = c.symbols[1].strategy;
    CHECK(eth.name == "ema_cross");
    CHECK(eth.integer("fast") == 9);
    CHECK(eth.integer("slow") == 21);
}

TEST_CASE("Every file in config/examples loads", "[config]") {
    std::filesystem::path dir = std::filesystem::path(TRADEBOT_SOURCE_DIR) / "config" / "examples";
    std::vector<std::string> loaded;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".json") continue;
        INFO(entry.path().string());
        CHECK_NOTHROW(testing_support::load_config_file(entry.path().string()));
        loaded.push_back(entry.path().filename().string());
    }
    CHECK(loaded.size() >= 2);

    Config sim = testing_support::load_config_file((dir / "sim.json").string());
    CHECK(sim.exchange.name == "sim");
    CHECK(sim.database.path == "storage/bot_state.db");
    CHECK(sim.log.heartbeat_s == 10);
    REQUIRE(sim.symbols.size() == 3);
    CHECK(sim.symbols[0].symbol == "BTCUSDT");
    CHECK(sim.symbols[1].symbol == "ETHUSDT");
    CHECK(sim.symbols[2].symbol == "XRPUSDT");
    CHECK(sim.symbols[2].strategy.name == "rsi");
    // sim.json is the documented example.
    check_config_equal(sim, testing_support::parse_config(kSpecExample));

    Config binance = testing_support::load_config_file((dir / "binance-paper.json").string());
    CHECK(binance.exchange.name == "binance");
    CHECK(binance.trading.mode == "paper");
    REQUIRE(binance.symbols.size() == 3);
    CHECK(binance.symbols[2].symbol == "XRPUSDT");
    CHECK(binance.symbols[2].strategy.name == "rsi");
}

TEST_CASE("JSON syntax errors give the line and column", "[config]") {
    // Trailing comma: the '}' on line 3 is where the parser gives up.
    CHECK(error_of("{\n  \"symbols\": [\"BTCUSDT\"],\n}") ==
          "config: invalid JSON at line 3 column 1: syntax error while parsing object key - "
          "unexpected '}'; expected string literal");
    // Truncated file: the error is at the end, just after the last newline.
    CHECK(error_of("{\"symbols\": [\"BTCUSDT\"]\n") ==
          "config: invalid JSON at line 2 column 1: syntax error while parsing object - "
          "unexpected end of input; expected '}'");
    CHECK(error_of("") ==
          "config: invalid JSON at line 1 column 1: syntax error while parsing value - "
          "unexpected end of input; expected '[', '{', or a literal");
    // Columns count characters: the euro sign is three bytes but one column.
    CHECK(error_of("{\"symbols\": [\"\xE2\x82\xAC\", x]}") ==
          "config: invalid JSON at line 1 column 19: syntax error while parsing value - "
          "invalid literal; last read: '\"\xE2\x82\xAC\", x'");
}

TEST_CASE("A repeated key is refused rather than silently overridden", "[config]") {
    CHECK(error_of(R"({"symbols": ["BTCUSDT"], "log": {"level": "info", "level": "debug"}})") ==
          "log.level: duplicate key");
    CHECK(error_of(R"({"symbols": ["BTCUSDT", {"symbol": "ETHUSDT", "symbol": "XRPUSDT"}]})") ==
          "symbols[1].symbol: duplicate key");
    CHECK(error_of(R"({"symbols": ["BTCUSDT"], "symbols": ["ETHUSDT"]})") ==
          "symbols: duplicate key");
    // The same key in sibling objects is fine.
    CHECK_NOTHROW(testing_support::parse_config(
        R"({"symbols": [{"symbol": "BTCUSDT"}, {"symbol": "ETHUSDT", "strategy": {"fast": 3}}],
            "strategy": {"fast": 4}})"));
}

TEST_CASE("load_config_file names the file when it cannot be read or parsed", "[config]") {
    testing_support::TempDir tmp;
    std::string missing = tmp.file("missing.json");
    try {
        testing_support::load_config_file(missing);
        FAIL("accepted");
    } catch (const config::ConfigError& e) {
        CHECK(std::string(e.what()) == missing + ": cannot read: No such file or directory");
        CHECK(e.key_path() == missing);
    }
    try {
        testing_support::load_config_file(tmp.path().string());
        FAIL("accepted");
    } catch (const config::ConfigError& e) {
        CHECK(std::string(e.what()) == tmp.path().string() + ": cannot read: Is a directory");
    }

    std::string bad = tmp.file("bad.json");
    // A missing comma: the parser stops at the end of the unexpected "ETHUSDT" (its closing
    // quote is column 33).
    write_file(bad, "{\n  \"symbols\": [\"BTCUSDT\" \"ETHUSDT\"]\n}\n");
    try {
        testing_support::load_config_file(bad);
        FAIL("accepted");
    } catch (const config::ConfigError& e) {
        CHECK(std::string(e.what()) ==
              bad +
                  ": invalid JSON at line 2 column 33: syntax error while parsing array - "
                  "unexpected string literal; expected ']'");
    }

    std::string good = tmp.file("good.json");
    write_file(good, R"({"symbols": ["ETHUSDT"], "log": {"level": "warn"}})");
    Config c = testing_support::load_config_file(good);
    CHECK(c.symbols.at(0).symbol == "ETHUSDT");
    CHECK(c.log.level == "warn");
}

TEST_CASE("to_json writes the resolved config in the input layout", "[config]") {
    json expected = json::parse(R"({
      "database": { "path": "storage/bot_state.db", "busy_timeout_ms": 5000 },
      "exchange": { "name": "sim", "ws_url": "wss://stream.binance.com:9443",
                    "rest_url": "https://api.binance.com", "ca_file": null,
                    "sim": { "seed": 42, "tick_ms": 50, "script": null } },
      "trading": { "mode": "paper", "quote_per_trade": "100", "max_position_quote": "1000",
                   "fee_rate": "0.001" },
      "strategy": { "name": "ema_cross", "interval": "1m", "fast": 9, "slow": 21 },
      "risk": { "stop_loss_pct": null, "take_profit_pct": null, "trailing_stop_pct": null,
                "max_daily_loss_quote": null, "cooldown_candles": 0 },
      "symbols": [
        { "symbol": "BTCUSDT", "strategy": { "name": "ema_cross", "interval": "1m", "fast": 9, "slow": 21 },
          "risk": { "stop_loss_pct": null, "take_profit_pct": null, "trailing_stop_pct": null,
                    "max_daily_loss_quote": null, "cooldown_candles": 0 } },
        { "symbol": "ETHUSDT", "strategy": { "name": "ema_cross", "interval": "1m", "fast": 9, "slow": 21 },
          "risk": { "stop_loss_pct": null, "take_profit_pct": null, "trailing_stop_pct": null,
                    "max_daily_loss_quote": null, "cooldown_candles": 0 } },
        { "symbol": "XRPUSDT", "strategy": { "name": "rsi", "interval": "1m", "period": 14,
                                             "oversold": "30", "overbought": "70" },
          "risk": { "stop_loss_pct": null, "take_profit_pct": null, "trailing_stop_pct": null,
                    "max_daily_loss_quote": null, "cooldown_candles": 0 } }
      ],
      "log": { "level": "info", "heartbeat_s": 10, "format": "text" },
      "metrics": { "listen": null },
      "market_data": { "record_dir": null }
    })");
    CHECK(config::to_json(testing_support::parse_config(kSpecExample)) == expected);
}

TEST_CASE("to_json round-trips through parse_config", "[config]") {
    for (const char* text : {
             kSpecExample,
             R"({"symbols": ["BTCUSDT"]})",
             R"({
               "database": { "path": "x.db", "busy_timeout_ms": 1 },
               "exchange": { "name": "binance", "ws_url": "ws://127.0.0.1:1", "rest_url": "http://localhost:2",
                             "ca_file": "/ca.pem", "sim": { "seed": 0, "tick_ms": 1, "script": "s.txt" } },
               "trading": { "mode": "live", "quote_per_trade": "0.00000001", "max_position_quote": "12345678.123456789012",
                            "fee_rate": "0.099999999999" },
               "strategy": { "name": "rsi", "interval": "1w", "period": 2, "oversold": "0.000000000001",
                             "overbought": 99.5 },
               "symbols": [ "BTCUSDT", { "symbol": "ETHUSDT", "strategy": { "name": "ema_cross", "fast": 3, "slow": 4 } },
                            { "symbol": "XRPUSDT", "strategy": { "oversold": 10 } } ],
               "log": { "level": "error", "heartbeat_s": 1, "format": "json" },
               "metrics": { "listen": "[::1]:9464" },
               "market_data": { "record_dir": "recorded/klines" }
             })",
             R"({
               "risk": { "stop_loss_pct": "2", "take_profit_pct": "4", "trailing_stop_pct": null,
                         "max_daily_loss_quote": "50", "cooldown_candles": 3 },
               "symbols": [ "BTCUSDT",
                            { "symbol": "XRPUSDT", "risk": { "stop_loss_pct": null, "trailing_stop_pct": "0.5",
                                                             "cooldown_candles": null } } ]
             })",
         }) {
        Config original = testing_support::parse_config(text);
        json resolved = config::to_json(original);
        INFO(resolved.dump(2));
        check_config_equal(testing_support::parse_config(resolved.dump()), original);
        // And the resolved form is a fixed point.
        CHECK(config::to_json(testing_support::parse_config(resolved.dump())) == resolved);
    }
}

TEST_CASE("market_data.record_dir names the folder candles are recorded in", "[config]") {
    CHECK_FALSE(
        testing_support::parse_config(R"({"symbols": ["BTCUSDT"]})").market_data.record_dir);
    CHECK_FALSE(testing_support::parse_config(R"({"symbols": ["BTCUSDT"], "market_data": {}})")
                    .market_data.record_dir);
    CHECK_FALSE(testing_support::parse_config(
                    R"({"symbols": ["BTCUSDT"], "market_data": {"record_dir": null}})")
                    .market_data.record_dir);
    Config c = testing_support::parse_config(
        R"({"symbols": ["BTCUSDT"], "market_data": {"record_dir": "data/recorded"}})");
    CHECK(c.market_data.record_dir == std::optional<std::string>("data/recorded"));
    CHECK(config::to_json(c)["market_data"]["record_dir"] == "data/recorded");
}
