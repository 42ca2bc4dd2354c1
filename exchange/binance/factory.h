// Building the Binance stream and gateway from the daemon's config (exchange.name == "binance").
// These throw std::runtime_error with a message for the operator on start-up errors: a bad
// ws_url / rest_url, an unreadable exchange.ca_file.
#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <optional>

#include "config/config.h"
#include "exchange/binance/gateway.h"
#include "exchange/binance/market_stream.h"
#include "exchange/binance/rest_client.h"
#include "exchange/binance/signing.h"

namespace exchange::binance {

// REST client for exchange.rest_url; credentials only for live trading.
[[nodiscard]] std::shared_ptr<RestClient> make_rest_client(
    const config::ExchangeConfig& exchange, std::optional<ApiCredentials> credentials,
    std::shared_ptr<spdlog::logger> logger, RestOptions options = {});

// Market data for config.symbols, each on its strategy's interval (config.strategy.interval
// for symbols added later by set_symbols). Needs no API key. `rest_options` apply to the REST
// client behind history() and the back-fill (e.g. a cancel check for a stopping daemon).
[[nodiscard]] std::unique_ptr<BinanceMarketStream> make_market_stream(
    const config::Config& config, std::shared_ptr<spdlog::logger> logger,
    StreamOptions options = {}, RestOptions rest_options = {});

// Live order gateway. Get credentials from credentials_from_env() first; when that fails, its
// error says which variable is missing and live mode must not start.
[[nodiscard]] std::unique_ptr<BinanceGateway> make_gateway(const config::Config& config,
                                                           ApiCredentials credentials,
                                                           std::shared_ptr<spdlog::logger> logger,
                                                           RestOptions options = {});

// Trading rules from exchangeInfo without an API key, cached per symbol: for paper trading on
// Binance market data (e.g. as the RulesProvider of a PaperGateway). nullopt: not listed,
// unreachable, or cancelled through rest_options.cancelled (logged with the reason).
[[nodiscard]] std::function<std::optional<SymbolRules>(const std::string&)> make_rules_provider(
    const config::Config& config, std::shared_ptr<spdlog::logger> logger,
    RestOptions rest_options = {});

}  // namespace exchange::binance
