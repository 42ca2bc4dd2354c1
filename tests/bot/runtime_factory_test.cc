// The exchange factory the daemon starts from (exchange/factory.h): what it builds for "sim" and
// the configs it refuses with a key path (exit 78 in tradebotd).
#include <stdlib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <string>

#include "config/loader.h"
#include "exchange/factory.h"
#include "support/config.h"
#include "support/silent_server.h"

namespace {

config::Config sim_config() {
    return testing_support::parse_config(R"({
        "exchange": { "name": "sim", "sim": { "seed": 1, "tick_ms": 10 } },
        "strategy": { "name": "ema_cross", "interval": "1m", "fast": 2, "slow": 5 },
        "symbols": [ "BTCUSDT", "ETHUSDT" ]
    })");
}

std::string key_path_of(const config::Config& cfg) {
    try {
        exchange::make_exchange(cfg);
    } catch (const config::ConfigError& e) {
        return e.key_path();
    }
    return "";
}

}  // namespace

TEST_CASE("factory: sim builds a stream with history and a paper gateway with rules", "[factory]") {
    auto ex = exchange::make_exchange(sim_config());
    REQUIRE(ex.stream);
    REQUIRE(ex.gateway);
    CHECK(ex.gateway->rules("BTCUSDT").has_value());
    auto history = ex.stream->history("BTCUSDT", "1m", 10);
    CHECK(history.size() == 10);
    // The gateway fills paper orders at the reference price.
    exchange::OrderRequest req;
    req.client_order_id = "t-1";
    req.symbol = "BTCUSDT";
    req.side = exchange::Side::kBuy;
    req.quantity = config::Decimal::from_string("0.001");
    req.reference_price = config::Decimal::from_int(60000);
    CHECK(ex.gateway->place(req).status == exchange::OrderStatus::kFilled);
}

TEST_CASE("factory: the sim refuses live mode and per-symbol intervals, naming the key",
          "[factory]") {
    auto live = sim_config();
    live.trading.mode = "live";
    CHECK(key_path_of(live) == "trading.mode");

    auto mixed = sim_config();
    mixed.symbols[1].strategy.interval = "5m";
    CHECK(key_path_of(mixed) == "symbols[1].strategy.interval");
    CHECK_THROWS_AS(exchange::check_exchange_config(mixed), config::ConfigError);
    CHECK_NOTHROW(exchange::check_exchange_config(sim_config()));
}

TEST_CASE("factory: live mode without keys is a config error naming the missing variable",
          "[factory]") {
    auto cfg = sim_config();
    cfg.exchange.name = "binance";
    cfg.trading.mode = "live";
    ::setenv("BINANCE_API_KEY", "", 1);
    ::setenv("BINANCE_API_SECRET", "", 1);
    try {
        exchange::check_credentials(cfg);
        FAIL("accepted");
    } catch (const config::ConfigError& e) {
        CHECK(e.key_path() == "trading.mode");
        CHECK_THAT(e.what(), Catch::Contains("BINANCE_API_KEY and BINANCE_API_SECRET"));
    }
    ::setenv("BINANCE_API_KEY", "tb-key-only-6d1f", 1);
    try {
        exchange::check_credentials(cfg);
        FAIL("accepted");
    } catch (const config::ConfigError& e) {
        CHECK_THAT(e.what(), Catch::Contains("BINANCE_API_SECRET"));
        CHECK_THAT(e.what(), !Catch::Contains("tb-key-only-6d1f"));
    }
    ::setenv("BINANCE_API_SECRET", "tb-secret-9a2c", 1);
    CHECK_NOTHROW(exchange::check_credentials(cfg));
    // Paper mode needs no key.
    ::unsetenv("BINANCE_API_KEY");
    ::unsetenv("BINANCE_API_SECRET");
    cfg.trading.mode = "paper";
    CHECK_NOTHROW(exchange::check_credentials(cfg));
}

TEST_CASE("factory: the start-up probe stops when the start is cancelled", "[factory]") {
    testing_support::SilentServer silent;
    config::Config cfg;
    cfg.exchange.name = "binance";
    cfg.exchange.ws_url = silent.ws_url();
    cfg.exchange.rest_url = silent.http_url();
    cfg.symbols = {config::SymbolConfig{"BTCUSDT", cfg.strategy, cfg.risk}};
    std::atomic<bool> stop{false};
    exchange::StartOptions options;
    options.cancelled = [&stop] { return stop.load(); };
    auto started = std::async(std::launch::async, [&] {
        try {
            exchange::make_exchange(cfg, nullptr, options);
        } catch (const exchange::StartCancelled& e) {
            return std::string("cancelled: ") + e.what();
        } catch (const std::exception& e) {
            return std::string("failed: ") + e.what();
        }
        return std::string("started");
    });
    CHECK(started.wait_for(std::chrono::milliseconds(500)) == std::future_status::timeout);
    stop = true;
    REQUIRE(started.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    CHECK_THAT(started.get(),
               Catch::StartsWith("cancelled: ") && Catch::Contains(silent.http_url()));
}
