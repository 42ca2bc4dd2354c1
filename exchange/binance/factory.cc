#include "exchange/binance/factory.h"

#include <stdexcept>

#include "exchange/net/tls.h"

namespace exchange::binance {
namespace {

net::Url must_parse(const std::string& text, bool websocket, const char* key) {
    std::string error;
    auto url = net::parse_url(text, websocket, &error);
    if (!url) throw std::runtime_error(std::string(key) + ": " + error);
    return *url;
}

}  // namespace

std::shared_ptr<RestClient> make_rest_client(const config::ExchangeConfig& exchange,
                                             std::optional<ApiCredentials> credentials,
                                             std::shared_ptr<spdlog::logger> logger,
                                             RestOptions options) {
    net::Url url = must_parse(exchange.rest_url, false, "exchange.rest_url");
    auto tls = url.tls ? net::make_client_tls_context(exchange.ca_file) : nullptr;
    return std::make_shared<RestClient>(net::HttpClient(url, tls, options.timeout), options,
                                        std::move(credentials), std::move(logger));
}

std::unique_ptr<BinanceMarketStream> make_market_stream(const config::Config& config,
                                                        std::shared_ptr<spdlog::logger> logger,
                                                        StreamOptions options,
                                                        RestOptions rest_options) {
    net::Url url = must_parse(config.exchange.ws_url, true, "exchange.ws_url");
    auto tls = url.tls ? net::make_client_tls_context(config.exchange.ca_file) : nullptr;
    options.default_interval = config.strategy.interval;
    for (const auto& s : config.symbols) options.intervals[s.symbol] = s.strategy.interval;
    auto rest = make_rest_client(config.exchange, std::nullopt, logger, rest_options);
    return std::make_unique<BinanceMarketStream>(url, tls, std::move(rest), std::move(options),
                                                 std::move(logger));
}

std::unique_ptr<BinanceGateway> make_gateway(const config::Config& config,
                                             ApiCredentials credentials,
                                             std::shared_ptr<spdlog::logger> logger,
                                             RestOptions options) {
    auto rest = make_rest_client(config.exchange, std::move(credentials), logger, options);
    return std::make_unique<BinanceGateway>(std::move(rest), std::move(logger));
}

std::function<std::optional<SymbolRules>(const std::string&)> make_rules_provider(
    const config::Config& config, std::shared_ptr<spdlog::logger> logger,
    RestOptions rest_options) {
    auto rest = make_rest_client(config.exchange, std::nullopt, logger, rest_options);
    auto gateway = std::make_shared<BinanceGateway>(std::move(rest), std::move(logger));
    return [gateway](const std::string& symbol) { return gateway->rules(symbol); };
}

}  // namespace exchange::binance
