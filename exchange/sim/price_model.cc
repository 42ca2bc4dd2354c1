#include "exchange/sim/price_model.h"

#include <array>
#include <cmath>
#include <numbers>

namespace exchange::sim {
namespace {

constexpr double kSecondsPerYear = 365.0 * 24 * 3600;

struct KnownSymbol {
    std::string_view symbol;
    SymbolProfile profile;
};

// Rough levels and annualised volatilities of late 2024 for the symbols people try first.
constexpr std::array<KnownSymbol, 6> kKnown = {{
    {"BTCUSDT", {60000.0, 0.55}},
    {"ETHUSDT", {3000.0, 0.70}},
    {"XRPUSDT", {0.5, 0.85}},
    {"BNBUSDT", {550.0, 0.55}},
    {"SOLUSDT", {150.0, 0.90}},
    {"DOGEUSDT", {0.15, 1.00}},
}};

// A value in [0, 1) from 53 bits of a hash.
double unit_from(std::uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }

// splitmix64's finaliser: spreads a hash's bits so nearby inputs give unrelated outputs.
std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

}  // namespace

std::uint64_t fnv1a64(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

SymbolProfile symbol_profile(std::string_view symbol) {
    for (const auto& k : kKnown) {
        if (k.symbol == symbol) return k.profile;
    }
    const std::uint64_t h = fnv1a64(symbol);
    SymbolProfile p;
    // Log-uniform between 0.05 and 500, rounded to 4 significant digits so it reads like a price.
    const double raw = 0.05 * std::pow(10.0, 4.0 * unit_from(mix(h)));
    const double mag = std::pow(10.0, std::floor(std::log10(raw)) - 3);
    p.start_price = std::round(raw / mag) * mag;
    p.annual_volatility = 0.5 + 0.7 * unit_from(mix(h ^ 0x5bd1e995ULL));
    return p;
}

std::uint64_t forward_seed(std::uint64_t seed, std::string_view symbol) {
    return seed ^ fnv1a64(symbol);
}

std::uint64_t backward_seed(std::uint64_t seed, std::string_view symbol) {
    // A fixed odd constant (the golden ratio's bits) keeps it distinct from forward_seed.
    return mix(seed ^ fnv1a64(symbol) ^ 0x9e3779b97f4a7c15ULL);
}

double Rng::uniform() {
    // 53 random bits -> (0, 1]: mt19937_64's output is fully specified, so this is portable.
    return (static_cast<double>(engine_() >> 11) + 1.0) * 0x1.0p-53;
}

double Rng::normal() {
    if (has_spare_) {
        has_spare_ = false;
        return spare_;
    }
    const double u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double theta = 2.0 * std::numbers::pi * u2;
    spare_ = r * std::sin(theta);
    has_spare_ = true;
    return r * std::cos(theta);
}

PriceModel::PriceModel(std::uint64_t rng_seed, double start_price, double annual_volatility)
    : rng_(rng_seed),
      log_price_(std::log(start_price)),
      price_(start_price),
      sigma_per_sqrt_second_(annual_volatility / std::sqrt(kSecondsPerYear)) {}

double PriceModel::advance(double dt_seconds) {
    const double sigma = sigma_per_sqrt_second_ * std::sqrt(dt_seconds);
    log_price_ += sigma * (rng_.normal() + trend_);
    trend_ = trend_ * kTrendPersistence +
             std::sqrt(1.0 - kTrendPersistence * kTrendPersistence) * kTrendScale * rng_.normal();
    price_ = std::exp(log_price_);
    return price_;
}

}  // namespace exchange::sim
