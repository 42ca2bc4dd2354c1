#include "exchange/factory.h"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string>

#include "config/loader.h"
#include "exchange/binance/factory.h"
#include "exchange/sim/paper_gateway.h"
#include "exchange/sim/market_stream.h"
#include "exchange/sim/rules.h"
#include "exchange/sim/script.h"

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

void check_credentials(const config::Config& cfg) {
    if (cfg.trading.mode != "live") return;
    auto creds = binance::credentials_from_env();
    if (!creds.credentials) throw config::ConfigError("trading.mode", creds.error);
}

Exchange make_exchange(const config::Config& cfg, std::shared_ptr<spdlog::logger> log,
                       const StartOptions& options) {
    if (!log) log = spdlog::default_logger();
    check_exchange_config(cfg);
    Exchange ex;
    if (cfg.exchange.name == "sim") {
        std::optional<sim::PriceScript> script;
        if (cfg.exchange.sim.script) {
            try {
                script = sim::read_price_script(*cfg.exchange.sim.script);
            } catch (const std::invalid_argument& e) {
                throw config::ConfigError("exchange.sim.script", e.what());
            }
        }
        ex.stream = std::make_unique<SimMarketStream>(cfg.exchange.sim, cfg.strategy.interval,
                                                      options.sim_resume_after_ms,
                                                      std::move(script));
        ex.gateway = std::make_unique<PaperGateway>(cfg.trading.fee_rate, &sim_rules);
        return ex;
    }
    if (cfg.exchange.name == "binance") {
        // Keys are checked before anything connects: live mode without both must not start.
        check_credentials(cfg);
        std::optional<binance::ApiCredentials> live_credentials;
        if (cfg.trading.mode == "live")
            live_credentials = binance::credentials_from_env().credentials;
        // An exchange that cannot be reached at start (network not up yet, wrong CA, wrong URL)
        // stops the start with the cause, exit 1, and systemd's Restart=on-failure tries again.
        // Left to the bots, every symbol would give up on its trading rules one by one. The
        // probe retries for a while; a stop asked meanwhile cuts it short.
        binance::RestOptions probe_options;
        probe_options.cancelled = options.cancelled;
        auto probe = binance::make_rest_client(cfg.exchange, std::nullopt, log, probe_options);
        auto offset = probe->sync_time();
        if (options.cancelled && options.cancelled()) {
            throw StartCancelled("start-up stopped while probing the exchange at " +
                                 cfg.exchange.rest_url);
        }
        if (!offset) {
            throw std::runtime_error("cannot reach the exchange at " + cfg.exchange.rest_url +
                                     ": " + offset.error);
        }
        // Reads (history, rules) may be cut short by a stop; an order request never is: an order
        // in flight always gets its answer.
        binance::RestOptions read_options;
        read_options.cancelled = options.cancelled;
        if (live_credentials) {
            ex.gateway = binance::make_gateway(cfg, std::move(*live_credentials), log);
        } else {
            // Paper trading on real market data: fills are simulated, the rules are Binance's
            // (exchangeInfo needs no key).
            ex.gateway = std::make_unique<PaperGateway>(
                cfg.trading.fee_rate, binance::make_rules_provider(cfg, log, read_options));
        }
        ex.stream = binance::make_market_stream(cfg, log, {}, read_options);
        return ex;
    }
    throw config::ConfigError("exchange.name", "unknown exchange \"" + cfg.exchange.name + "\"");
}

}  // namespace exchange
