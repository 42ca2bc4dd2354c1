#include "exchange/sim/script.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace exchange::sim {

std::optional<config::Decimal> PriceScript::price(const std::string& symbol, std::int64_t k) const {
    auto it = ticks.find(symbol);
    if (it == ticks.end() || it->second.empty()) return std::nullopt;
    const auto& p = it->second;
    if (k < 0) k = 0;
    return static_cast<std::size_t>(k) < p.size() ? p[static_cast<std::size_t>(k)] : p.back();
}

PriceScript parse_price_script(std::string_view text, std::string_view source) {
    PriceScript script;
    std::istringstream lines{std::string(text)};
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
        ++number;
        auto where = [&](const std::string& what) {
            return std::invalid_argument(std::string(source) + ":" + std::to_string(number) + ": " +
                                         what);
        };
        if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        std::istringstream words(line);
        std::string symbol;
        if (!(words >> symbol)) continue;  // blank or comment
        std::vector<config::Decimal> prices;
        for (std::string entry; words >> entry;) {
            std::string price_text = entry;
            long long repeat = 1;
            if (auto x = entry.find('x'); x != std::string::npos) {
                price_text = entry.substr(0, x);
                const std::string count = entry.substr(x + 1);
                char* end = nullptr;
                repeat = std::strtoll(count.c_str(), &end, 10);
                if (count.empty() || *end != '\0' || repeat <= 0 || repeat > 1000000) {
                    throw where("bad repeat count in \"" + entry + "\"");
                }
            }
            auto price = config::Decimal::parse(price_text);
            if (!price || !price->is_positive()) {
                throw where("expected a price > 0 or PRICExN, got \"" + entry + "\"");
            }
            prices.insert(prices.end(), static_cast<std::size_t>(repeat), *price);
        }
        if (prices.empty()) throw where("no prices for " + symbol);
        if (!script.ticks.emplace(symbol, std::move(prices)).second) {
            throw where(symbol + " is scripted twice");
        }
    }
    return script;
}

PriceScript read_price_script(const std::string& path) {
    errno = 0;
    std::ifstream in(path);
    if (!in) {
        const int err = errno;
        throw std::invalid_argument("cannot read " + path +
                                    (err != 0 ? std::string(": ") + std::strerror(err) : ""));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw std::invalid_argument("cannot read " + path);
    return parse_price_script(text.str(), path);
}

}  // namespace exchange::sim
