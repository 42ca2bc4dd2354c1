#include "exchange/factory.h"

#include <stdexcept>
#include <string>

#include "config/loader.h"
#include "exchange/paper_gateway.h"
#include "exchange/sim_market_stream.h"
#include "exchange/sim_rules.h"

namespace exchange {

void check_exchange_config(const config::Config& cfg) {
    if (cfg.exchange.name == "sim") {
        if (cfg.trading.mode != "paper") {
            throw config::ConfigError("trading.mode",
                                      "\"" + cfg.trading.mode +
                                          "\" needs exchange.name \"binance\"; the sim exchange "
                                          "trades on paper only");
        }
        // The simulated stream aggregates trades into one interval for every symbol.
        for (std::size_t i = 0; i < cfg.symbols.size(); ++i) {
            const auto& s = cfg.symbols[i];
            if (s.strategy.interval != cfg.strategy.interval) {
                throw config::ConfigError(
                    "symbols[" + std::to_string(i) + "].strategy.interval",
                    "the sim exchange plays one kline interval, strategy.interval (\"" +
                        cfg.strategy.interval + "\"), not \"" + s.strategy.interval + "\"");
            }
        }
    }
}

Exchange make_exchange(const config::Config& cfg) {
    check_exchange_config(cfg);
    Exchange ex;
    if (cfg.exchange.name == "sim") {
        ex.stream = std::make_unique<SimMarketStream>(cfg.exchange.sim, cfg.strategy.interval);
        ex.gateway = std::make_unique<PaperGateway>(cfg.trading.fee_rate, &sim_rules);
        return ex;
    }
    if (cfg.exchange.name == "binance") {
        // ---- Binance goes here (helper-4): the WebSocket MarketStream on exchange.ws_url, and
        // ---- in paper mode a PaperGateway on exchangeInfo rules from exchange.rest_url, in live
        // ---- mode the signed REST gateway with BINANCE_API_KEY / BINANCE_API_SECRET.
        throw std::runtime_error(
            "exchange.name \"binance\": the Binance exchange is not available in this build yet; "
            "use \"sim\"");
    }
    throw config::ConfigError("exchange.name", "unknown exchange \"" + cfg.exchange.name + "\"");
}

}  // namespace exchange
