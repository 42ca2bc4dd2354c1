// The scripted price path of the simulated exchange (exchange.sim.script, exchange/sim/script.h):
// what a script means tick by tick, every malformed line refused with its place, the sim stream
// playing it, and a script that cannot be read refused as a config error naming the key.
#include <catch2/catch.hpp>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/loader.h"
#include "exchange/factory.h"
#include "exchange/sim/market_stream.h"
#include "exchange/sim/script.h"
#include "support/temp_dir.h"
#include "support/wait.h"

using config::Decimal;
using exchange::sim::parse_price_script;

namespace {

std::string error_of(const std::string& text) {
    try {
        parse_price_script(text, "s.txt");
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("sim script: one price per tick, repeats, then the last price holds", "[sim_script]") {
    auto s = parse_price_script(
        "# a comment\n\nBTCUSDT 100 99.5x3 101  # trailing comment\nETHUSDT\t3000\n", "s.txt");
    CHECK(s.price("BTCUSDT", 0) == Decimal::from_int(100));
    for (int k : {1, 2, 3}) CHECK(s.price("BTCUSDT", k) == Decimal::from_string("99.5"));
    CHECK(s.price("BTCUSDT", 4) == Decimal::from_int(101));
    CHECK(s.price("BTCUSDT", 5000) == Decimal::from_int(101));
    CHECK(s.price("ETHUSDT", 7) == Decimal::from_int(3000));
    CHECK_FALSE(s.price("XRPUSDT", 0));
}

TEST_CASE("sim script: malformed lines name the file and the line", "[sim_script]") {
    CHECK(error_of("BTCUSDT 100\nETHUSDT -5\n") ==
          "s.txt:2: expected a price > 0 or PRICExN, got \"-5\"");
    CHECK(error_of("BTCUSDT 100x0") == "s.txt:1: bad repeat count in \"100x0\"");
    CHECK(error_of("BTCUSDT 100x") == "s.txt:1: bad repeat count in \"100x\"");
    CHECK(error_of("BTCUSDT abc") == "s.txt:1: expected a price > 0 or PRICExN, got \"abc\"");
    CHECK(error_of("BTCUSDT\n") == "s.txt:1: no prices for BTCUSDT");
    CHECK(error_of("BTCUSDT 1\nBTCUSDT 2") == "s.txt:2: BTCUSDT is scripted twice");
}

TEST_CASE("sim script: the stream plays the scripted symbol's prices, the others their walk",
          "[sim_script]") {
    testing_support::TempDir dir;
    const std::string path = dir.file("script.txt");
    std::ofstream(path) << "BTCUSDT 100 101x5 99.994\n";
    config::SimConfig cfg;
    cfg.tick_ms = 1;
    exchange::SimMarketStream stream(cfg, "1m", std::nullopt,
                                     exchange::sim::read_price_script(path));

    std::mutex mu;
    std::vector<Decimal> btc, eth;
    std::vector<exchange::Kline> btc_closes;
    stream.start({"BTCUSDT", "ETHUSDT"}, [&](const exchange::MarketEvent& e) {
        std::lock_guard<std::mutex> lk(mu);
        if (const auto* t = std::get_if<exchange::Trade>(&e)) {
            (t->symbol == "BTCUSDT" ? btc : eth).push_back(t->price);
        } else if (const auto* k = std::get_if<exchange::Kline>(&e)) {
            if (k->symbol == "BTCUSDT" && k->closed) btc_closes.push_back(*k);
        }
    });
    REQUIRE(testing_support::wait_until(
        [&] {
            std::lock_guard<std::mutex> lk(mu);
            return btc_closes.size() >= 2;
        },
        std::chrono::seconds(60), std::chrono::milliseconds(2)));
    stream.stop();

    std::lock_guard<std::mutex> lk(mu);
    const Decimal p101 = Decimal::from_int(101);
    const Decimal last = Decimal::from_string("99.99");  // on the 0.01 tick
    REQUIRE(btc.size() >= 12);
    CHECK(std::vector<Decimal>(btc.begin(), btc.begin() + 8) ==
          std::vector<Decimal>{Decimal::from_int(100), p101, p101, p101, p101, p101, last, last});
    // Whole candles of 6 ticks: the first opens at the first scripted price.
    CHECK(btc_closes[0].open == Decimal::from_int(100));
    CHECK(btc_closes[0].high == p101);
    CHECK(btc_closes[0].close == p101);
    CHECK(btc_closes[1].open == last);
    CHECK(btc_closes[1].low == last);
    // ETHUSDT is not scripted: its walk starts near 3000, nowhere near the script.
    REQUIRE_FALSE(eth.empty());
    CHECK(eth.front() > Decimal::from_int(1000));
}

TEST_CASE("sim script: a script that cannot be read or parsed is a config error naming the key",
          "[sim_script]") {
    CHECK_THROWS_WITH(exchange::sim::read_price_script("/nonexistent/script.txt"),
                      "cannot read /nonexistent/script.txt: No such file or directory");

    testing_support::TempDir dir;
    config::Config cfg;
    cfg.symbols.push_back({"BTCUSDT", {}, {}});
    cfg.strategy.interval = "1m";
    cfg.exchange.sim.script = dir.file("missing.txt");
    try {
        (void)exchange::make_exchange(cfg);
        FAIL("a missing script was accepted");
    } catch (const config::ConfigError& e) {
        CHECK(e.key_path() == "exchange.sim.script");
        CHECK(e.problem() ==
              "cannot read " + dir.file("missing.txt") + ": No such file or directory");
    }
    const std::string bad = dir.file("bad.txt");
    std::ofstream(bad) << "BTCUSDT 100\nETHUSDT -5\n";
    cfg.exchange.sim.script = bad;
    try {
        (void)exchange::make_exchange(cfg);
        FAIL("a malformed script was accepted");
    } catch (const config::ConfigError& e) {
        CHECK(std::string(e.what()) ==
              "exchange.sim.script: " + bad + ":2: expected a price > 0 or PRICExN, got \"-5\"");
    }
    // A readable script builds the exchange.
    const std::string good = dir.file("good.txt");
    std::ofstream(good) << "BTCUSDT 100 101\n";
    cfg.exchange.sim.script = good;
    exchange::Exchange ex = exchange::make_exchange(cfg);
    CHECK(ex.stream);
    CHECK(ex.gateway);
}

TEST_CASE("sim script: the shipped scenario is a valid script its example config names",
          "[sim_script]") {
    const std::string root = TRADEBOT_SOURCE_DIR;
    const auto script =
        exchange::sim::read_price_script(root + "/config/examples/scenario-crash.txt");
    CHECK(script.price("BTCUSDT", 0) == Decimal::from_int(60000));
    CHECK(script.price("BTCUSDT", 1000000) == Decimal::from_int(58000));  // ends on the crash
    CHECK_FALSE(script.price("ETHUSDT", 0));
    std::ifstream in(root + "/config/examples/sim-scenario.json");
    const nlohmann::json cfg = nlohmann::json::parse(in);
    CHECK(cfg["exchange"]["sim"]["script"] == "config/examples/scenario-crash.txt");
}
