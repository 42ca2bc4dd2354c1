// The exchange factory the daemon starts from (exchange/factory.h): what it builds for "sim" and
// the configs it refuses with a key path (exit 78 in tradebotd).
#include <catch2/catch.hpp>

#include "config/loader.h"
#include "exchange/factory.h"

namespace {

config::Config sim_config() {
    return config::parse_config(R"({
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
