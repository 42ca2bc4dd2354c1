// A trading strategy: turns closed klines into BUY/SELL decisions. One instance per symbol, used
// only from that symbol's bot thread (not thread-safe, no locking needed).
//
// Strategies are plug-ins (bot/strategies/, docs/strategies.md): a class deriving from
// CandleStrategy with a static spec() describing its parameters, a constructor taking its
// config::StrategyConfig, and one line in the catalog that lists the program's strategies
// (bot::builtin_strategies(), bot/strategies/builtin.cc):
//
//     catalog.add<BollingerStrategy>();
//
// A config parsed with that catalog (catalog.specs()) accepts `"name": "bollinger"` with the
// parameters spec() declares, make_strategy() builds it from the same catalog, and nothing else
// in the program names it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "config/config.h"
#include "config/decimal.h"
#include "exchange/market_data.h"
#include "exchange/order_gateway.h"

namespace bot {

using config::Decimal;

struct Decision {
    exchange::Side side = exchange::Side::kBuy;
    Decimal price;       // the close that triggered it
    std::string reason;  // human-readable, e.g. "ema9 crossed above ema21 (101.2 > 100.9)"
};

class Strategy {
public:
    virtual ~Strategy() = default;

    // The catalog name: "ema_cross", "rsi", ... (the signals' `strategy` column).
    virtual std::string name() const = 0;
    // What the logs show of it: "rsi(period=14 oversold=30 overbought=70)"; by default the name.
    virtual std::string describe() const { return name(); }
    // Feeds one kline. Updates (closed == false) are ignored; a closed kline whose open time is
    // not after the last one seen is ignored too (replays, back-fill overlaps), so feeding the
    // same candle twice never produces a second decision. Returns a decision when the closed
    // candle triggers one.
    virtual std::optional<Decision> on_kline(const exchange::Kline& k) = 0;
    // True once enough candles were seen for decisions to be possible.
    virtual bool ready() const = 0;
    // How many closed candles of history the strategy wants before it trades (the bot asks for
    // at least its own floor); 0: no particular need.
    virtual int warmup_candles() const { return 0; }

    // The indicator state as a compact JSON string, persisted in bot_state so that a restarted
    // bot resumes where it stopped; restore() returns false (and leaves the state as it was:
    // fresh when called right after construction) when the text is not a state of this strategy
    // with the same parameters (name, parameters and kline interval) or is damaged.
    virtual std::string save_state() const = 0;
    virtual bool restore(const std::string& state) = 0;
};

// What every candle-driven strategy shares, so a plug-in writes only its decision and its own
// indicator state:
//   - on_kline() passes closed candles with a new open time to on_close(), each exactly once;
//   - the saved state is one JSON object holding the strategy's name, every parameter (integers
//     as numbers, decimals as strings), the interval and the last open time taken, plus what
//     save_fields() adds; restore() refuses a state whose name, parameters or interval differ.
class CandleStrategy : public Strategy {
public:
    // `config` is completed with the defaults of `spec` (the plug-in's own spec()), whose name
    // it takes.
    CandleStrategy(const config::StrategySpec& spec, config::StrategyConfig config);

    std::string name() const final { return config_.name; }
    std::string describe() const final;
    std::optional<Decision> on_kline(const exchange::Kline& k) final;
    std::string save_state() const final;
    // On failure the state is unchanged.
    bool restore(const std::string& state) final;

    const config::StrategyConfig& strategy_config() const { return config_; }

protected:
    // A closed candle not seen before.
    virtual std::optional<Decision> on_close(const exchange::Kline& k) = 0;
    // Adds the strategy's own fields to the saved state (the envelope's keys are taken).
    virtual void save_fields(nlohmann::json& state) const = 0;
    // Reads those fields back. On false (missing, damaged or inconsistent) the state must be
    // left exactly as it was.
    virtual bool restore_fields(const nlohmann::json& state) = 0;

private:
    // Constant after construction
    const config::StrategyConfig config_;
    const std::string description_;

    std::optional<std::int64_t> last_open_time_ms_;  // of the last closed candle taken
};

// Builds a strategy of the catalog from its configuration.
using StrategyMaker = std::function<std::unique_ptr<Strategy>(const config::StrategyConfig&)>;

// The strategies a program offers: each one's description (what the config loader validates
// against) and its maker. A plain value, built once at start-up by the program
// (bot::builtin_strategies()) or by a test with strategies of its own, and handed to whatever
// needs it; read-only afterwards, so several threads may use it at once.
class StrategyCatalog {
public:
    // Adds a strategy. The first one added is the default (the strategy of a config that names
    // none). Throws std::logic_error when the name is taken or `make` is empty.
    StrategyCatalog& add(config::StrategySpec spec, StrategyMaker make);
    // Adds plug-in T: T::spec() and T(const config::StrategyConfig&).
    template <class T>
    StrategyCatalog& add() {
        return add(T::spec(), [](const config::StrategyConfig& c) -> std::unique_ptr<Strategy> {
            return std::make_unique<T>(c);
        });
    }

    // What the config loader takes (config::parse_config, config::load_config_file).
    const config::StrategyCatalog& specs() const { return specs_; }

private:
    friend std::unique_ptr<Strategy> make_strategy(const StrategyCatalog&,
                                                   const config::StrategyConfig&);

    config::StrategyCatalog specs_;
    std::map<std::string, StrategyMaker, std::less<>> makers_;
};

// Builds the strategy of `strategies` named by cfg.name, its parameters completed with their
// defaults. Throws std::invalid_argument for an unknown name (a config parsed with the same
// catalog has none).
std::unique_ptr<Strategy> make_strategy(const StrategyCatalog& strategies,
                                        const config::StrategyConfig& cfg);

}  // namespace bot
