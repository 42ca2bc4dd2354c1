// Every bad config is refused with a message naming the key path and the problem, exactly as an
// operator will read it (tradebotd prints it and exits 78). The expected messages are written by
// hand.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "config/loader.h"
#include "support/config.h"

namespace {

struct BadConfig {
    const char* json;
    const char* message;
};

std::string error_of(const char* text) {
    try {
        testing_support::parse_config(text);
    } catch (const config::ConfigError& e) {
        return e.what();
    }
    return "(accepted)";
}

void check_all(const std::vector<BadConfig>& cases) {
    for (const BadConfig& c : cases) {
        INFO(c.json);
        CHECK(error_of(c.json) == c.message);
    }
}

}  // namespace

TEST_CASE("ConfigError exposes the key path and the problem separately", "[config]") {
    try {
        testing_support::parse_config(R"({"symbols": ["BTCUSDT"], "log": {"level": "loud"}})");
        FAIL("accepted");
    } catch (const config::ConfigError& e) {
        CHECK(e.key_path() == "log.level");
        CHECK(e.problem() == "expected one of trace|debug|info|warn|error, got \"loud\"");
        CHECK(std::string(e.what()) ==
              "log.level: expected one of trace|debug|info|warn|error, got \"loud\"");
    }
}

TEST_CASE("Bad structure: top level, unknown keys, symbols missing", "[config]") {
    check_all({
        {R"([])", "(top level): expected an object, got an empty array"},
        {R"("BTCUSDT")", "(top level): expected an object, got \"BTCUSDT\""},
        {R"({})", R"(symbols: missing; expected a non-empty array of symbols like ["BTCUSDT"])"},
        {R"({"symbols": []})",
         "symbols: expected a non-empty array of symbols, got an empty array"},
        {R"({"symbols": "BTCUSDT"})",
         "symbols: expected a non-empty array of symbols, got \"BTCUSDT\""},
        {R"({"symbols": ["BTCUSDT"], "foo": 1})", "foo: unknown key"},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"foo": 1}})", "exchange.foo: unknown key"},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"sim": {"seed": 1, "speed": 2}}})",
         "exchange.sim.speed: unknown key"},
        {R"({"symbols": ["BTCUSDT"], "log": {"heart beat": 1}})",
         "log.\"heart beat\": unknown key"},
        {R"({"symbols": ["BTCUSDT"], "database": "x.db"})",
         "database: expected an object, got \"x.db\""},
        {R"({"symbols": ["BTCUSDT"], "metrics": null})", "metrics: expected an object, got null"},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"sim": [1]}})",
         "exchange.sim: expected an object, got an array"},
    });
}

TEST_CASE("Bad database and exchange sections", "[config]") {
    check_all({
        {R"({"symbols": ["BTCUSDT"], "database": {"path": ""}})",
         "database.path: expected a non-empty string, got \"\""},
        {R"({"symbols": ["BTCUSDT"], "database": {"path": 7}})",
         "database.path: expected a non-empty string, got number 7"},
        {R"({"symbols": ["BTCUSDT"], "database": {"busy_timeout_ms": 700000}})",
         "database.busy_timeout_ms: expected integer 0..600000, got number 700000"},
        {R"({"symbols": ["BTCUSDT"], "database": {"busy_timeout_ms": -1}})",
         "database.busy_timeout_ms: expected integer 0..600000, got number -1"},
        {R"({"symbols": ["BTCUSDT"], "database": {"busy_timeout_ms": "5000"}})",
         "database.busy_timeout_ms: expected integer 0..600000, got \"5000\""},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"name": "kraken"}})",
         "exchange.name: expected one of sim|binance, got \"kraken\""},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"name": "Binance"}})",
         "exchange.name: expected one of sim|binance, got \"Binance\""},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"ws_url": "https://stream.binance.com"}})",
         "exchange.ws_url: expected a ws:// or wss:// URL with a host, got "
         "\"https://stream.binance.com\""},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"ws_url": "wss://"}})",
         "exchange.ws_url: expected a ws:// or wss:// URL with a host, got \"wss://\""},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"ws_url": "wss://:9443/ws"}})",
         "exchange.ws_url: expected a ws:// or wss:// URL with a host, got \"wss://:9443/ws\""},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"rest_url": "ftp://api.binance.com"}})",
         "exchange.rest_url: expected an http:// or https:// URL with a host, got "
         "\"ftp://api.binance.com\""},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"rest_url": "https://api.binance.com:99999"}})",
         "exchange.rest_url: expected an http:// or https:// URL with a host, got "
         "\"https://api.binance.com:99999\""},
        // Credentials in a URL are refused, and the message does not repeat them.
        {R"({"symbols": ["BTCUSDT"], "exchange": {"rest_url": "https://user:pw@api.binance.com"}})",
         "exchange.rest_url: expected an http:// or https:// URL with a host, got "
         "\"https://***@api.binance.com\""},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"ca_file": ""}})",
         "exchange.ca_file: expected null or a non-empty string, got \"\""},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"ca_file": false}})",
         "exchange.ca_file: expected null or a non-empty string, got boolean false"},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"sim": {"seed": -1}}})",
         "exchange.sim.seed: expected integer >= 0, got number -1"},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"sim": {"seed": "42"}}})",
         "exchange.sim.seed: expected integer >= 0, got \"42\""},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"sim": {"tick_ms": 0}}})",
         "exchange.sim.tick_ms: expected integer 1..60000, got number 0"},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"sim": {"tick_ms": 60001}}})",
         "exchange.sim.tick_ms: expected integer 1..60000, got number 60001"},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"sim": {"script": 5}}})",
         "exchange.sim.script: expected null or a file name, got number 5"},
        {R"({"symbols": ["BTCUSDT"], "exchange": {"sim": {"script": ""}}})",
         "exchange.sim.script: expected null or a file name, got \"\""},
    });
}

TEST_CASE("Bad trading section: money must be an exact decimal string", "[config]") {
    check_all({
        {R"({"symbols": ["BTCUSDT"], "trading": {"mode": "real"}})",
         "trading.mode: expected one of paper|live, got \"real\""},
        {R"({"symbols": ["BTCUSDT"], "trading": {"quote_per_trade": 100}})",
         "trading.quote_per_trade: expected a decimal string like \"100\", got number 100 "
         "(money is written as a string, to stay exact)"},
        {R"({"symbols": ["BTCUSDT"], "trading": {"fee_rate": 0.001}})",
         "trading.fee_rate: expected a decimal string like \"100\", got number 0.001 "
         "(money is written as a string, to stay exact)"},
        {R"({"symbols": ["BTCUSDT"], "trading": {"quote_per_trade": "1e2"}})",
         "trading.quote_per_trade: expected a decimal string like \"100\", got \"1e2\""},
        {R"({"symbols": ["BTCUSDT"], "trading": {"quote_per_trade": null}})",
         "trading.quote_per_trade: expected a decimal string like \"100\", got null"},
        {R"({"symbols": ["BTCUSDT"], "trading": {"quote_per_trade": "0"}})",
         "trading.quote_per_trade: expected a decimal > 0, got \"0\""},
        {R"({"symbols": ["BTCUSDT"], "trading": {"max_position_quote": "-5"}})",
         "trading.max_position_quote: expected a decimal > 0, got \"-5\""},
        {R"({"symbols": ["BTCUSDT"], "trading": {"max_position_quote": "50"}})",
         "trading.max_position_quote: must be >= quote_per_trade (100), got \"50\""},
        {R"({"symbols": ["BTCUSDT"], "trading": {"quote_per_trade": "5000"}})",
         "trading.quote_per_trade: must be <= max_position_quote (1000), got \"5000\""},
        {R"({"symbols": ["BTCUSDT"], "trading": {"quote_per_trade": "20", "max_position_quote": "10"}})",
         "trading.max_position_quote: must be >= quote_per_trade (20), got \"10\""},
        {R"({"symbols": ["BTCUSDT"], "trading": {"fee_rate": "0.1"}})",
         "trading.fee_rate: expected a decimal in [0, 0.1), got \"0.1\""},
        {R"({"symbols": ["BTCUSDT"], "trading": {"fee_rate": "-0.001"}})",
         "trading.fee_rate: expected a decimal in [0, 0.1), got \"-0.001\""},
    });
}

TEST_CASE("Bad default strategy", "[config]") {
    check_all({
        // Every registered strategy, sorted: the list grows with each plug-in.
        {R"({"symbols": ["BTCUSDT"], "strategy": {"name": "macd"}})",
         "strategy.name: expected one of bollinger|ema_cross|rsi, got \"macd\""},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"interval": "2m"}})",
         "strategy.interval: expected one of "
         "1s|1m|3m|5m|15m|30m|1h|2h|4h|6h|8h|12h|1d|3d|1w|1M, got \"2m\""},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"interval": "1H"}})",
         "strategy.interval: expected one of "
         "1s|1m|3m|5m|15m|30m|1h|2h|4h|6h|8h|12h|1d|3d|1w|1M, got \"1H\""},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"fast": 0}})",
         "strategy.fast: expected integer > 0, got number 0"},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"fast": 9.5}})",
         "strategy.fast: expected integer > 0, got number 9.5"},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"fast": "9"}})",
         "strategy.fast: expected integer > 0, got \"9\""},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"slow": 3000000000}})",
         "strategy.slow: expected integer > 0, at most 2147483647, got number 3000000000"},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"fast": 30}})",
         "strategy.fast: must be less than slow (21), got 30"},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"slow": 5}})",
         "strategy.slow: must be greater than fast (9), got 5"},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"fast": 12, "slow": 12}})",
         "strategy.slow: must be greater than fast (12), got 12"},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"period": 14}})",
         "strategy.period: not a parameter of ema_cross"},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"name": "rsi", "fast": 5}})",
         "strategy.fast: not a parameter of rsi"},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"speed": 1}})", "strategy.speed: unknown key"},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"name": "rsi", "period": 1}})",
         "strategy.period: expected integer >= 2, got number 1"},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"name": "rsi", "oversold": 0}})",
         "strategy.oversold: expected a number > 0 and < 100, got number 0"},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"name": "rsi", "overbought": "100"}})",
         "strategy.overbought: expected a number > 0 and < 100, got \"100\""},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"name": "rsi", "overbought": "high"}})",
         "strategy.overbought: expected a number > 0 and < 100, got \"high\""},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"name": "rsi", "oversold": 80}})",
         "strategy.oversold: must be less than overbought (70), got 80"},
        {R"({"symbols": ["BTCUSDT"], "strategy": {"name": "rsi", "oversold": 60, "overbought": 50.5}})",
         "strategy.overbought: must be greater than oversold (60), got 50.5"},
    });
}

TEST_CASE("Bad symbols and per-symbol overrides", "[config]") {
    check_all({
        {R"({"symbols": ["btcusdt"]})",
         "symbols[0]: expected upper case \"BTCUSDT\", got \"btcusdt\""},
        {R"({"symbols": ["BTCUSDT", {"symbol": "ethUSDT"}]})",
         "symbols[1].symbol: expected upper case \"ETHUSDT\", got \"ethUSDT\""},
        {R"({"symbols": ["BTC-USDT"]})",
         "symbols[0]: expected a symbol of 2 to 20 characters A-Z 0-9 like \"BTCUSDT\", got "
         "\"BTC-USDT\""},
        {R"({"symbols": ["B"]})",
         "symbols[0]: expected a symbol of 2 to 20 characters A-Z 0-9 like \"BTCUSDT\", got "
         "\"B\""},
        {R"({"symbols": ["ABCDEFGHIJKLMNOPQRSTU"]})",
         "symbols[0]: expected a symbol of 2 to 20 characters A-Z 0-9 like \"BTCUSDT\", got "
         "\"ABCDEFGHIJKLMNOPQRSTU\""},
        {R"({"symbols": ["BTCUSDT", 5]})",
         "symbols[1]: expected a symbol string or an object {\"symbol\": ..., \"strategy\": "
         "{...}}, got number 5"},
        {R"({"symbols": ["BTCUSDT", "ETHUSDT", "XRPUSDT", "BTCUSDT"]})",
         "symbols[3]: duplicate symbol BTCUSDT"},
        {R"({"symbols": ["BTCUSDT", {"symbol": "BTCUSDT"}]})",
         "symbols[1]: duplicate symbol BTCUSDT"},
        {R"({"symbols": [{"strategy": {}}]})",
         "symbols[0].symbol: missing; expected a symbol like \"BTCUSDT\""},
        {R"({"symbols": [{"symbol": "BTCUSDT", "interval": "5m"}]})",
         "symbols[0].interval: unknown key"},
        {R"({"symbols": [{"symbol": "BTCUSDT", "strategy": "rsi"}]})",
         "symbols[0].strategy: expected an object, got \"rsi\""},
        {R"({"symbols": ["BTCUSDT", "ETHUSDT", {"symbol": "XRPUSDT", "strategy": {"fast": 0}}]})",
         "symbols[2].strategy.fast: expected integer > 0, got number 0"},
        // The override's fast clashes with the slow it inherits from the default strategy.
        {R"({"strategy": {"slow": 30}, "symbols": [{"symbol": "BTCUSDT", "strategy": {"fast": 31}}]})",
         "symbols[0].strategy.fast: must be less than slow (30), got 31"},
        {R"({"symbols": [{"symbol": "BTCUSDT", "strategy": {"name": "rsi", "fast": 5}}]})",
         "symbols[0].strategy.fast: not a parameter of rsi"},
        // With a default rsi strategy, an override without a name is an rsi override.
        {R"({"strategy": {"name": "rsi"}, "symbols": [{"symbol": "BTCUSDT", "strategy": {"slow": 5}}]})",
         "symbols[0].strategy.slow: not a parameter of rsi"},
        // Switching to rsi starts from rsi's defaults (overbought 70), not from anything else.
        {R"({"symbols": [{"symbol": "BTCUSDT", "strategy": {"name": "rsi", "oversold": 75}}]})",
         "symbols[0].strategy.oversold: must be less than overbought (70), got 75"},
    });
}

TEST_CASE("Bad log and metrics sections", "[config]") {
    const char* listen_rule =
        "metrics.listen: expected null or \"host:port\" (host an IPv4 address, localhost or "
        "[IPv6]; port 1..65535), got ";
    check_all({
        {R"({"symbols": ["BTCUSDT"], "log": {"level": "loud"}})",
         "log.level: expected one of trace|debug|info|warn|error, got \"loud\""},
        {R"({"symbols": ["BTCUSDT"], "log": {"level": 3}})",
         "log.level: expected one of trace|debug|info|warn|error, got number 3"},
        {R"({"symbols": ["BTCUSDT"], "log": {"heartbeat_s": 0}})",
         "log.heartbeat_s: expected integer 1..3600, got number 0"},
        {R"({"symbols": ["BTCUSDT"], "log": {"heartbeat_s": 3601}})",
         "log.heartbeat_s: expected integer 1..3600, got number 3601"},
        {R"({"symbols": ["BTCUSDT"], "log": {"format": "xml"}})",
         "log.format: expected one of text|json, got \"xml\""},
    });
    for (const char* bad : {"9464", "127.0.0.1:0", "127.0.0.1:65536", "example.com:9464", ":9464",
                            "::1:9464", "[::1]", "256.1.1.1:80", "localhost:"}) {
        std::string text =
            std::string(R"({"symbols": ["BTCUSDT"], "metrics": {"listen": ")") + bad + "\"}}";
        INFO(text);
        CHECK(error_of(text.c_str()) == std::string(listen_rule) + "\"" + bad + "\"");
    }
    CHECK(error_of(R"({"symbols": ["BTCUSDT"], "metrics": {"listen": true}})") ==
          std::string(listen_rule) + "boolean true");
    CHECK(error_of(R"({"symbols": ["BTCUSDT"], "metrics": {"listen": 9464}})") ==
          std::string(listen_rule) + "number 9464");
}

TEST_CASE("Bad market_data sections", "[config]") {
    check_all({
        {R"({"symbols": ["BTCUSDT"], "market_data": null})",
         "market_data: expected an object, got null"},
        {R"({"symbols": ["BTCUSDT"], "market_data": {"record_dir": ""}})",
         "market_data.record_dir: expected null or a folder name, got \"\""},
        {R"({"symbols": ["BTCUSDT"], "market_data": {"record_dir": 7}})",
         "market_data.record_dir: expected null or a folder name, got number 7"},
        {R"({"symbols": ["BTCUSDT"], "market_data": {"record_dir": ["a"]}})",
         "market_data.record_dir: expected null or a folder name, got an array"},
        {R"({"symbols": ["BTCUSDT"], "market_data": {"dir": "a"}})",
         "market_data.dir: unknown key"},
    });
}

TEST_CASE("A number beyond double range names its key path", "[config]") {
    // nlohmann refuses such a number while parsing (an exception of its own, not a parse
    // error): it must still be a ConfigError naming where it is, never an abort.
    check_all({
        {R"({"symbols": ["BTCUSDT"], "exchange": {"sim": {"seed": 1e400}}})",
         "exchange.sim.seed: number 1e400 is out of range (beyond what a double holds)"},
        {R"({"symbols": ["BTCUSDT"], "database": {"busy_timeout_ms": -1e400}})",
         "database.busy_timeout_ms: number -1e400 is out of range (beyond what a double holds)"},
        {R"({"symbols": ["BTCUSDT", {"symbol": "ETHUSDT", "strategy": {"fast": 2e999}}]})",
         "symbols[1].strategy.fast: number 2e999 is out of range (beyond what a double holds)"},
        {R"({"symbols": [1E+400]})",
         "symbols[0]: number 1E+400 is out of range (beyond what a double holds)"},
        {R"(1e400)", "(top level): number 1e400 is out of range (beyond what a double holds)"},
    });
    // Large but finite numbers are ordinary values, refused (or not) by the key's own rule.
    CHECK(error_of(R"({"symbols": ["BTCUSDT"], "exchange": {"sim": {"seed": 1e300}}})") ==
          std::string("exchange.sim.seed: expected integer >= 0, got number 1e+300"));
}
