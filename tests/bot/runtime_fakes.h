// In-test doubles for the runtime tests: a MarketStream the test plays by hand and a strategy
// whose decisions are scripted per candle. The gateway and the database are the real ones.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bot/core/strategy.h"
#include "exchange/market_stream.h"
#include "exchange/order_gateway.h"

namespace runtime_test {

using config::Decimal;

inline exchange::Kline closed_kline(const std::string& symbol, std::int64_t open_time,
                                    const std::string& close, const std::string& interval = "1m") {
    exchange::Kline k;
    k.symbol = symbol;
    k.interval = interval;
    k.open_time_ms = open_time;
    k.close_time_ms = open_time + 59999;
    k.event_time_ms = open_time + 60000;
    k.open = k.high = k.low = k.close = Decimal::from_string(close);
    k.volume = Decimal::from_int(1);
    k.closed = true;
    return k;
}

// Delivers what the test pushes, from the test's thread.
class ScriptedStream final : public exchange::MarketStream {
public:
    void start(const std::vector<std::string>& symbols, exchange::EventSink sink) override {
        std::lock_guard<std::mutex> lock(mu_);
        symbols_ = symbols;
        sink_ = std::move(sink);
    }
    void set_symbols(const std::vector<std::string>& symbols) override {
        std::lock_guard<std::mutex> lock(mu_);
        symbols_ = symbols;
    }
    void stop() override {
        std::lock_guard<std::mutex> lock(mu_);
        sink_ = nullptr;
    }
    std::vector<exchange::Kline> history(const std::string& symbol, const std::string&,
                                         int) override {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = history_.find(symbol);
        return it == history_.end() ? std::vector<exchange::Kline>{} : it->second;
    }
    exchange::StreamStats stats() const override { return {}; }

    // Delivers an event if the symbol is subscribed; false when stopped.
    bool push(const exchange::MarketEvent& e) {
        std::lock_guard<std::mutex> lock(mu_);
        if (!sink_) return false;
        sink_(e);
        return true;
    }
    std::vector<std::string> symbols() const {
        std::lock_guard<std::mutex> lock(mu_);
        return symbols_;
    }
    void set_history(const std::string& symbol, std::vector<exchange::Kline> h) {
        std::lock_guard<std::mutex> lock(mu_);
        history_[symbol] = std::move(h);
    }

private:
    mutable std::mutex mu_;
    exchange::EventSink sink_;
    std::vector<std::string> symbols_;
    std::map<std::string, std::vector<exchange::Kline>> history_;
};

// Decides what script(open_time, candle number) says; remembers the last candle like the real
// strategies, so a candle fed twice never decides twice. Can be told to throw.
class ScriptStrategy final : public bot::Strategy {
public:
    using Script = std::function<std::optional<exchange::Side>(const exchange::Kline&)>;
    // throw_when: a hook that throws (or not) on each closed candle before deciding.
    explicit ScriptStrategy(Script script, std::function<void(const exchange::Kline&)> hook = {})
        : script_(std::move(script)), hook_(std::move(hook)) {}

    std::string name() const override { return "script"; }
    std::optional<bot::Decision> on_kline(const exchange::Kline& k) override {
        if (!k.closed || k.open_time_ms <= last_) return std::nullopt;
        if (hook_) hook_(k);
        last_ = k.open_time_ms;
        ++seen_;
        auto side = script_(k);
        if (!side) return std::nullopt;
        return bot::Decision{*side, k.close, std::string("scripted ") + exchange::to_string(*side)};
    }
    bool ready() const override { return true; }
    std::string save_state() const override { return "script:" + std::to_string(last_); }
    bool restore(const std::string& state) override {
        if (state.rfind("script:", 0) != 0) return false;
        last_ = std::stoll(state.substr(7));
        restored_ = true;
        return true;
    }
    bool restored() const { return restored_; }

private:
    Script script_;
    std::function<void(const exchange::Kline&)> hook_;
    std::int64_t last_ = -1;
    int seen_ = 0;
    bool restored_ = false;
};

// Test rules: BTC-like filters for any symbol.
inline std::optional<exchange::SymbolRules> test_rules(const std::string& symbol) {
    exchange::SymbolRules r;
    r.symbol = symbol;
    r.base_asset = symbol.substr(0, symbol.size() - 4);
    r.quote_asset = "USDT";
    r.tick_size = Decimal::from_string("0.01");
    r.step_size = Decimal::from_string("0.00001");
    r.min_qty = Decimal::from_string("0.00001");
    r.min_notional = Decimal::from_int(5);
    return r;
}

}  // namespace runtime_test
