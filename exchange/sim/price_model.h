// The simulated exchange's random walk: a geometric Brownian motion per symbol, deterministic
// from (seed, symbol), so two runs with the same seed see the same market.
//
// Everything here is double: it is the math of the walk, not money. The sim stream turns each
// price into an exact Decimal on the symbol's tick size before it leaves the module.
#pragma once

#include <cstdint>
#include <random>
#include <string_view>

namespace exchange::sim {

// 64-bit FNV-1a: a hash that is the same on every platform and run (std::hash is neither).
std::uint64_t fnv1a64(std::string_view s);

// Where a symbol's walk starts and how much it moves.
struct SymbolProfile {
    double start_price = 1.0;        // quote units per base unit at the stream's start
    double annual_volatility = 0.8;  // sigma of log returns over a 365-day year
};

// Plausible values for the majors (BTCUSDT ~ 60000, ETHUSDT ~ 3000, XRPUSDT ~ 0.5, BNBUSDT ~ 550,
// SOLUSDT ~ 150, DOGEUSDT ~ 0.15); any other symbol gets a start price between 0.05 and 500 and a
// volatility between 50% and 120% derived from fnv1a64(symbol), so it is stable across runs.
SymbolProfile symbol_profile(std::string_view symbol);

// The seeds of a symbol's two walks: forward (live, from the stream's start) and backward
// (history, from the start into the past). Different streams, so the two are independent.
std::uint64_t forward_seed(std::uint64_t seed, std::string_view symbol);
std::uint64_t backward_seed(std::uint64_t seed, std::string_view symbol);

// A PRNG whose every output is defined by the C++ standard (mt19937_64 is; the standard
// distributions are not), so sequences are identical on every standard library.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : engine_(seed) {}
    // Uniform in (0, 1]: never 0, so log() in Box-Muller is finite.
    double uniform();
    // Standard normal by Box-Muller; the second value of each pair is kept for the next call.
    double normal();

private:
    std::mt19937_64 engine_;
    double spare_ = 0.0;
    bool has_spare_ = false;
};

// GBM with zero log drift in the long run plus a small persistent trend term (an AR(1) process
// with mean 0 in units of the step's sigma). The trend gives the walk runs of a few candles, as
// real markets have, so RSI and EMA crossings happen at a realistic rate rather than only on
// noise; over many steps it averages out, so the walk has no direction.
//
// Because the log walk has no drift and the trend is a stationary symmetric process, running the
// model "backward" from a price gives a path with the same statistics as running it forward:
// the sim uses that to generate history that ends exactly where the live stream begins.
class PriceModel {
public:
    // Trend persistence per step and its scale relative to the step's sigma.
    static constexpr double kTrendPersistence = 0.9;
    static constexpr double kTrendScale = 0.4;

    PriceModel(std::uint64_t rng_seed, double start_price, double annual_volatility);

    double price() const { return price_; }
    // Moves the price by one step of dt_seconds of market time and returns it (always > 0).
    double advance(double dt_seconds);
    // The model's own PRNG, for what goes with each step (trade sizes, taker side), so one seed
    // defines the whole tape.
    Rng& rng() { return rng_; }

private:
    Rng rng_;
    double log_price_;
    double price_;
    double sigma_per_sqrt_second_;
    double trend_ = 0.0;
};

}  // namespace exchange::sim
