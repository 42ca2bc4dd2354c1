#include "exchange/sim/rules.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "config/calendar.h"
#include "exchange/sim/price_model.h"

namespace exchange {
namespace {

struct KnownFilters {
    std::string_view symbol;
    const char* tick;
    const char* step;
};

constexpr std::array<KnownFilters, 6> kKnownFilters = {{
    {"BTCUSDT", "0.01", "0.00001"},
    {"ETHUSDT", "0.01", "0.0001"},
    {"XRPUSDT", "0.0001", "0.1"},
    {"BNBUSDT", "0.01", "0.001"},
    {"SOLUSDT", "0.01", "0.001"},
    {"DOGEUSDT", "0.00001", "1"},
}};

// Longest first, so "FDUSD" wins over "USD"-like shorter matches and "BUSD" over nothing.
constexpr std::array<std::string_view, 14> kQuoteAssets = {
    "FDUSD", "USDT", "USDC", "BUSD", "TUSD", "DAI", "BTC",
    "ETH",   "BNB",  "EUR",  "TRY",  "BRL",  "JPY", "GBP",
};

// 10^exponent as an exact Decimal, exponent in [-12, 12].
Decimal pow10(int exponent) {
    Decimal::Raw r = 1;
    for (int i = 0; i < Decimal::kScale + exponent; ++i) r *= 10;
    return Decimal::from_raw(r);
}

}  // namespace

std::int64_t align_to_interval(std::int64_t t_ms, std::int64_t interval_ms) {
    // 1970-01-01 was a Thursday; Binance's weeks start on Monday, 4 days later.
    const std::int64_t offset = interval_ms == 7 * config::kMsPerDay ? 4 * config::kMsPerDay : 0;
    const std::int64_t shifted = t_ms - offset;
    std::int64_t q = shifted / interval_ms;
    if (shifted % interval_ms < 0) --q;  // floor, also before 1970
    return q * interval_ms + offset;
}

bool sim_lists_filters(std::string_view symbol) {
    return std::any_of(kKnownFilters.begin(), kKnownFilters.end(),
                       [symbol](const KnownFilters& k) { return k.symbol == symbol; });
}

SimFilters sim_filters(std::string_view symbol) {
    for (const auto& k : kKnownFilters) {
        if (k.symbol == symbol) {
            return {Decimal::from_string(k.tick), Decimal::from_string(k.step)};
        }
    }
    return sim_filters_at_price(sim::symbol_profile(symbol).start_price);
}

SimFilters sim_filters_at_price(double price) {
    const int magnitude = static_cast<int>(std::floor(std::log10(price)));
    const int tick_exp = std::clamp(magnitude - 4, -8, -2);
    const int step_exp = std::clamp(-magnitude - 1, -8, 3);
    return {pow10(tick_exp), pow10(step_exp)};
}

std::optional<SymbolRules> sim_rules(const std::string& symbol) {
    if (symbol.empty() || !std::all_of(symbol.begin(), symbol.end(), [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        })) {
        return std::nullopt;
    }
    for (std::string_view quote : kQuoteAssets) {
        if (symbol.size() <= quote.size() || !symbol.ends_with(quote)) continue;
        const SimFilters f = sim_filters(symbol);
        SymbolRules r;
        r.symbol = symbol;
        r.base_asset = symbol.substr(0, symbol.size() - quote.size());
        r.quote_asset = std::string(quote);
        r.tick_size = f.tick_size;
        r.step_size = f.step_size;
        r.min_qty = f.step_size;
        r.min_notional = Decimal::from_int(5);
        r.max_notional = Decimal::from_int(9000000);
        return r;
    }
    return std::nullopt;
}

}  // namespace exchange
