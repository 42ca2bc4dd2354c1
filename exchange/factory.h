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

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>

#include "config/config.h"
#include "exchange/market_stream.h"
#include "exchange/order_gateway.h"

namespace exchange {

struct Exchange {
    std::unique_ptr<MarketStream> stream;
    std::unique_ptr<OrderGateway> gateway;
};

// What the daemon knows at start that the config does not say.
struct StartOptions {
    // The sim's market clock starts after this candle (its open time, ms) when that is later
    // than the wall clock: the newest candle the database has committed, so a restart never
    // plays a candle twice (the sim runs its clock faster than the wall clock).
    std::optional<std::int64_t> sim_resume_after_ms;
    // Asked about every 100 ms while start-up waits on the network (the Binance probe); true
    // abandons the start with StartCancelled (SIGTERM during start-up). The exchange keeps it
    // for its market-data and trading-rules requests, which then give up too (a stop while the
    // bots are still fetching history); order requests never do. Empty: never. Whatever it
    // reads must outlive the Exchange.
    std::function<bool()> cancelled;
};

// The start was abandoned because StartOptions::cancelled turned true. Nothing was started.
class StartCancelled : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Checks what the chosen exchange cannot do with a config the loader accepted (e.g. the sim plays
// one kline interval). Throws config::ConfigError naming the key path. Also used on SIGHUP before
// a new config is applied.
void check_exchange_config(const config::Config& cfg);

// Live mode needs BINANCE_API_KEY and BINANCE_API_SECRET in the environment (never in the
// file). Throws config::ConfigError ("trading.mode: ...", naming the missing variable, never a
// value): the daemon checks it before it creates any file, as it does for the config itself.
void check_credentials(const config::Config& cfg);

// Builds both sides. Throws config::ConfigError (see above), StartCancelled, or
// std::runtime_error for anything else that stops start-up (a bad URL or CA file, an exchange
// that cannot be reached: the message names which). `log` receives the exchange's own lines
// (reconnects, back-fills); null: spdlog's default.
Exchange make_exchange(const config::Config& cfg, std::shared_ptr<spdlog::logger> log = nullptr,
                       const StartOptions& options = {});

}  // namespace exchange
