// OrderGateway for live trading on Binance: rules from exchangeInfo (cached per symbol), market
// orders rounded to stepSize and checked against the symbol's filters (exchange/filters.h)
// locally before anything is sent, cancels by client id, results (status, fills, fees) mapped
// from Binance's answers.
#pragma once

#include <spdlog/logger.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "exchange/binance/rest_client.h"
#include "exchange/order_gateway.h"

namespace exchange::binance {

class BinanceGateway : public OrderGateway {
public:
    BinanceGateway(std::shared_ptr<RestClient> rest, std::shared_ptr<spdlog::logger> logger);

    std::optional<SymbolRules> rules(const std::string& symbol) override;
    OrderResult place(const OrderRequest& request) override;
    std::optional<OrderResult> query(const std::string& symbol,
                                     const std::string& client_order_id) override;
    std::optional<OrderResult> cancel(const std::string& symbol,
                                      const std::string& client_order_id) override;

private:
    // Constant after construction.
    std::shared_ptr<RestClient> rest_;
    std::shared_ptr<spdlog::logger> log_;

    std::mutex mu_;
    std::map<std::string, SymbolRules> rules_;  // Guarded by mu_
};

}  // namespace exchange::binance
