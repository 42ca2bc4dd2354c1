// The daemon's configuration as plain data (docs/reference.md "Config"). Filled and validated by
// config::load_config_file / config::parse_config (config/loader.h); nothing here reaches anything
// else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/decimal.h"
#include "config/strategy.h"

namespace config {

// Exactly one of the two backends: a SQLite file (`path`, the default) or a PostgreSQL database
// shared by several processes (`url`).
struct DatabaseConfig {
    std::string path = "storage/bot_state.db";  // relative: to the working directory
    int busy_timeout_ms = 5000;                 // SQLite only
    // A libpq connection URI ("postgresql://user@host:5432/tradebot"). Never holds a password:
    // libpq takes it from PGPASSWORD or ~/.pgpass.
    std::optional<std::string> url;
    int lease_s = 15;                 // url only: how long a symbol lease lasts unrenewed
    std::optional<std::string> node;  // url only: this process's name; none: "<hostname>:<pid>"
    // url only: the deadlines of every PostgreSQL call (docs/reference.md, "database").
    int connect_timeout_s = 5;        // a connection attempt
    int statement_timeout_ms = 5000;  // a statement on the server; a call waits 2 s more for it
    int lock_timeout_ms = 2000;       // a statement waiting for a lock (at most the above)
    int keepalive_s = 10;             // a peer that stops answering TCP is given up on
};

struct SimConfig {
    std::uint64_t seed = 42;
    int tick_ms = 50;  // wall-clock milliseconds between simulated trades
    // A price script (exchange/sim/script.h) replacing the random walk of the symbols it names,
    // to try the risk rules on a scenario; none: every symbol walks. Relative: to the working
    // directory.
    std::optional<std::string> script;

    friend bool operator==(const SimConfig&, const SimConfig&) = default;
};

struct ExchangeConfig {
    std::string name = "sim";  // "sim" | "binance"
    std::string ws_url = "wss://stream.binance.com:9443";
    std::string rest_url = "https://api.binance.com";
    std::optional<std::string> ca_file;  // PEM bundle; none: the system CAs
    SimConfig sim;
};

struct TradingConfig {
    std::string mode = "paper";  // "paper" | "live"
    Decimal quote_per_trade = Decimal::from_int(100);
    Decimal max_position_quote = Decimal::from_int(1000);
    Decimal fee_rate = Decimal::from_string("0.001");
};

// Risk controls (bot/core/risk_rules.h). A rule that is absent or null is off. Percentages are of a
// price: 2 means 2%.
struct RiskConfig {
    std::optional<Decimal> stop_loss_pct;    // sell when price <= entry * (1 - pct/100)
    std::optional<Decimal> take_profit_pct;  // sell when price >= entry * (1 + pct/100)
    std::optional<Decimal>
        trailing_stop_pct;  // sell when price <= high since entry * (1 - pct/100)
    std::optional<Decimal> max_daily_loss_quote;  // no new entry for the rest of the UTC day
    int cooldown_candles = 0;  // closed candles without a new entry after a risk exit

    friend bool operator==(const RiskConfig&, const RiskConfig&) = default;
};

struct SymbolConfig {
    std::string symbol;       // upper case, e.g. "BTCUSDT"
    StrategyConfig strategy;  // the default strategy with this symbol's overrides applied
    RiskConfig risk;          // the top-level rules with this symbol's overrides applied
};

struct LogConfig {
    std::string level = "info";  // trace | debug | info | warn | error
    int heartbeat_s = 10;
    std::string format = "text";  // text | json
};

struct MetricsConfig {
    std::optional<std::string> listen;  // "127.0.0.1:9464"; none: no metrics endpoint
};

struct MarketDataConfig {
    // Every closed candle the bots act on is appended here in the kline archive's format, for
    // tradebot-backtest; none: nothing is recorded. Relative: to the working directory.
    std::optional<std::string> record_dir;
};

struct Config {
    DatabaseConfig database;
    ExchangeConfig exchange;
    TradingConfig trading;
    StrategyConfig strategy;  // the default for every symbol
    RiskConfig risk;          // the default for every symbol
    std::vector<SymbolConfig> symbols;
    LogConfig log;
    MetricsConfig metrics;
    MarketDataConfig market_data;
};

}  // namespace config
