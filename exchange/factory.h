// exchange::make_exchange — the market stream and order gateway named by the config, so the daemon
// never knows which exchange it talks to.
//
//   exchange.name "sim"      SimMarketStream (one kline interval: strategy.interval) and a
//                            PaperGateway with the sim's rules; trading.mode must be "paper".
//   exchange.name "binance"  the Binance stream; PaperGateway on exchangeInfo rules in paper
//                            mode, the signed REST gateway in live mode (keys from the
//                            environment, never from the config).
#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "config/config.h"
#include "exchange/market_stream.h"
#include "exchange/order_gateway.h"

namespace exchange {

struct Exchange {
    std::unique_ptr<MarketStream> stream;
    std::unique_ptr<OrderGateway> gateway;
};

// Checks what the chosen exchange cannot do with a config the loader accepted (e.g. the sim plays
// one kline interval). Throws config::ConfigError naming the key path. Also used on SIGHUP before
// a new config is applied.
void check_exchange_config(const config::Config& cfg);

// Builds both sides. Throws config::ConfigError (see above) or std::runtime_error for anything
// else that stops start-up (a bad URL or CA file, missing API keys: the message names which).
// `log` receives the exchange's own lines (reconnects, back-fills); null: spdlog's default.
Exchange make_exchange(const config::Config& cfg, std::shared_ptr<spdlog::logger> log = nullptr);

}  // namespace exchange
