#include "exchange/sim/market_stream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <stdexcept>

#include "exchange/clock.h"
#include "exchange/sim/price_model.h"
#include "exchange/sim/rules.h"
#include "exchange/sim/script.h"

namespace exchange {
namespace {

// Median quote value of one simulated trade and the spread of its log: most trades are small,
// a few are large, as on a real tape.
constexpr double kMedianTradeQuote = 150.0;
constexpr double kTradeQuoteLogSigma = 1.0;
constexpr double kMaxTradeQuote = 250000.0;

// The stream whose thread is running on this thread, so stop() from inside the sink does not
// try to join itself.
thread_local const SimMarketStream* tl_running_stream = nullptr;

std::int64_t interval_ms_or_throw(const std::string& interval) {
    auto ms = kline_interval_ms(interval);
    if (!ms) throw std::invalid_argument("sim stream: unknown kline interval \"" + interval + "\"");
    return *ms;
}

// The nearest multiple of the tick size, at least one tick, so every price is positive and on
// tick. The double is only the walk's state; the result is exact.
Decimal to_tick(double price, const Decimal& tick, double tick_d) {
    const long long n = std::max(1LL, std::llround(price / tick_d));
    return tick * Decimal::from_int(n);
}

// A trade size: lognormal quote value, rounded down to the step, at least one step.
Decimal trade_quantity(sim::Rng& rng, double price, const Decimal& step, double step_d) {
    const double quote =
        std::min(kMaxTradeQuote, kMedianTradeQuote * std::exp(kTradeQuoteLogSigma * rng.normal()));
    const long long n = std::max(1LL, static_cast<long long>(quote / price / step_d));
    return step * Decimal::from_int(n);
}

// Adds one trade to a candle (creating it when absent).
void add_to_candle(std::optional<Kline>& k, const std::string& symbol, const std::string& interval,
                   std::int64_t open_ms, std::int64_t interval_ms, const Decimal& price,
                   const Decimal& qty) {
    if (!k) {
        k = Kline{};
        k->symbol = symbol;
        k->interval = interval;
        k->open_time_ms = open_ms;
        k->close_time_ms = open_ms + interval_ms - 1;
        k->open = k->high = k->low = price;
        k->volume = Decimal();
    }
    k->high = std::max(k->high, price);
    k->low = std::min(k->low, price);
    k->close = price;
    k->volume += qty;
}

// The symbol's profile; a scripted symbol (exchange.sim.script) starts at its script's first
// price, so its history walks back from there.
sim::SymbolProfile scripted_profile(const std::string& symbol, const sim::PriceScript* script) {
    sim::SymbolProfile p = sim::symbol_profile(symbol);
    if (script) p.start_price = script->price(symbol, 0)->to_double();
    return p;
}

}  // namespace

// One symbol's market: its forward walk from the start and the candles played so far. Ticks are
// played in order from 0 whether or not the symbol is subscribed, so its tape is a function of
// (seed, symbol, start time) only.
struct SimMarketStream::Tape {
    Tape(std::uint64_t seed, const std::string& sym, const std::string& iv, std::int64_t iv_ms,
         const std::optional<sim::PriceScript>& price_script)
        : symbol(sym),
          interval(iv),
          interval_ms(iv_ms),
          script(price_script && price_script->price(sym, 0) ? &*price_script : nullptr),
          profile(scripted_profile(sym, script)),
          filters(sim_filters(sym)),
          tick_d(filters.tick_size.to_double()),
          step_d(filters.step_size.to_double()),
          dt_seconds(static_cast<double>(iv_ms) / kTicksPerCandle / 1000.0),
          history_seed(sim::backward_seed(seed, sym)),
          model(sim::forward_seed(seed, sym), profile.start_price, profile.annual_volatility) {}

    // Plays ticks up to and including `through`; only the events of `through` go to out (when
    // not null): earlier ones are a catch-up nobody was subscribed to.
    void play_through(std::int64_t through, std::int64_t epoch, std::vector<MarketEvent>* out) {
        while (next_tick <= through) {
            play(next_tick, epoch, next_tick == through ? out : nullptr);
            ++next_tick;
        }
    }

    void play(std::int64_t k, std::int64_t epoch, std::vector<MarketEvent>* out) {
        const std::int64_t candle = k / kTicksPerCandle;
        const std::int64_t sub = k % kTicksPerCandle;
        const std::int64_t open_ms = epoch + candle * interval_ms;
        const std::int64_t t = open_ms + sub * interval_ms / kTicksPerCandle;

        if (current && current->open_time_ms != open_ms) {
            current->closed = true;
            current->event_time_ms = open_ms;  // the boundary: when the candle became final
            if (out) out->push_back(*current);
            closed.push_back(std::move(*current));
            if (closed.size() > static_cast<size_t>(kMaxHistory)) closed.pop_front();
            current.reset();
        }

        // Tick 0 trades at the start price itself: the anchor the history walks back from.
        double p = k == 0 ? model.price() : model.advance(dt_seconds);
        Decimal price = to_tick(p, filters.tick_size, tick_d);
        if (script) {  // the scripted path replaces the walk's price
            price = script->price(symbol, k)->round_to_step(filters.tick_size,
                                                            config::Rounding::kHalfEven);
            p = price.to_double();
        }
        const Decimal qty = trade_quantity(model.rng(), p, filters.step_size, step_d);
        // A falling price means sellers hit the bids: the buyer was the maker.
        bool buyer_is_maker = model.rng().uniform() < 0.5;
        if (last_price && price != *last_price) buyer_is_maker = price < *last_price;
        last_price = price;

        add_to_candle(current, symbol, interval, open_ms, interval_ms, price, qty);
        current->event_time_ms = t;
        if (out) {
            Trade tr;
            tr.symbol = symbol;
            tr.trade_id = k + 1;
            tr.price = price;
            tr.quantity = qty;
            tr.buyer_is_maker = buyer_is_maker;
            tr.trade_time_ms = t;
            tr.event_time_ms = t;
            out->push_back(std::move(tr));
            out->push_back(*current);
        }
    }

    // The `count` closed candles before the start, oldest first, by walking back from the start
    // price with the symbol's history seed. Candle j (1 = the last before the start) depends only
    // on the first j candles walked, so a longer history extends a shorter one into the past.
    // Reads only members that are constant after construction: safe without the stream's lock.
    std::vector<Kline> before_start(int count, std::int64_t epoch) const {
        std::vector<Kline> out;
        out.reserve(static_cast<size_t>(count));
        sim::PriceModel back(history_seed, profile.start_price, profile.annual_volatility);
        for (int j = 1; j <= count; ++j) {
            const std::int64_t open_ms = epoch - j * interval_ms;
            std::optional<Kline> k;
            Decimal close;
            // Walking back in time: the first price is the candle's last trade (its close), the
            // last one its first trade (its open).
            for (int sub = kTicksPerCandle - 1; sub >= 0; --sub) {
                const double p = back.advance(dt_seconds);
                const Decimal price = to_tick(p, filters.tick_size, tick_d);
                const Decimal qty = trade_quantity(back.rng(), p, filters.step_size, step_d);
                add_to_candle(k, symbol, interval, open_ms, interval_ms, price, qty);
                if (sub == kTicksPerCandle - 1) close = price;
                k->open = price;
            }
            k->close = close;
            k->closed = true;
            k->event_time_ms = open_ms + interval_ms;
            out.push_back(std::move(*k));
        }
        std::reverse(out.begin(), out.end());
        return out;
    }

    // Constant after construction
    const std::string symbol;
    const std::string interval;
    const std::int64_t interval_ms;
    const sim::PriceScript* const script;  // this symbol's scripted path, or null
    const sim::SymbolProfile profile;
    const SimFilters filters;
    const double tick_d;
    const double step_d;
    const double dt_seconds;
    const std::uint64_t history_seed;

    // Guarded by the stream's mu_
    sim::PriceModel model;
    std::int64_t next_tick = 0;
    std::optional<Decimal> last_price;
    std::optional<Kline> current;  // the open candle
    std::deque<Kline> closed;      // closed live candles, oldest first, at most kMaxHistory
};

SimMarketStream::SimMarketStream(const config::SimConfig& config, std::string interval,
                                 std::optional<std::int64_t> resume_after_open_ms,
                                 std::optional<sim::PriceScript> script)
    : config_(config),
      interval_(std::move(interval)),
      interval_ms_(interval_ms_or_throw(interval_)),
      resume_after_open_ms_(resume_after_open_ms),
      script_(std::move(script)) {
    if (config_.tick_ms <= 0) throw std::invalid_argument("sim stream: tick_ms must be > 0");
}

SimMarketStream::~SimMarketStream() { stop(); }

void SimMarketStream::start(const std::vector<std::string>& symbols, EventSink sink) {
    {
        std::lock_guard<std::mutex> lk(mu_);
        if (started_) throw std::logic_error("sim stream: start() called twice");
        started_ = true;
        epoch_locked();
        subscribed_ = std::set<std::string>(symbols.begin(), symbols.end());
        for (const auto& s : subscribed_) tape_locked(s);
        sink_ = std::move(sink);
    }
    std::lock_guard<std::mutex> jl(join_mu_);
    if (stopping_) return;  // stopped before it started: stay silent
    thread_ = std::thread(&SimMarketStream::run, this);
}

void SimMarketStream::set_symbols(const std::vector<std::string>& symbols) {
    std::lock_guard<std::mutex> lk(mu_);
    subscribed_ = std::set<std::string>(symbols.begin(), symbols.end());
    // Catch new symbols up now rather than on the stream thread's next tick.
    if (started_) {
        for (const auto& s : subscribed_) tape_locked(s);
    }
}

void SimMarketStream::stop() {
    {
        std::lock_guard<std::mutex> lk(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (tl_running_stream == this) return;  // inside the sink: the thread cannot join itself
    std::lock_guard<std::mutex> jl(join_mu_);
    if (thread_.joinable()) thread_.join();
}

std::vector<Kline> SimMarketStream::history(const std::string& symbol, const std::string& interval,
                                            int limit) {
    if (limit <= 0) return {};
    const auto ms = kline_interval_ms(interval);
    if (!ms || *ms != interval_ms_) return {};
    limit = std::min(limit, kMaxHistory);

    std::vector<Kline> live;
    std::int64_t epoch;
    const Tape* tape;
    {
        std::lock_guard<std::mutex> lk(mu_);
        epoch = epoch_locked();
        Tape& t = tape_locked(symbol);
        tape = &t;  // tapes are never erased: the pointer stays valid
        const size_t n = std::min(t.closed.size(), static_cast<size_t>(limit));
        live.assign(t.closed.end() - static_cast<std::ptrdiff_t>(n), t.closed.end());
    }
    // The closed live candles start at the start time unless the deque was trimmed, and then it
    // holds kMaxHistory >= limit candles: so the walk back is needed only in the first case.
    const int before = limit - static_cast<int>(live.size());
    std::vector<Kline> out = before > 0 ? tape->before_start(before, epoch) : std::vector<Kline>{};
    out.insert(out.end(), std::make_move_iterator(live.begin()),
               std::make_move_iterator(live.end()));
    return out;
}

StreamStats SimMarketStream::stats() const {
    StreamStats s;
    s.messages = messages_.load();
    s.last_message_ms = last_message_ms_.load();
    return s;
}

std::int64_t SimMarketStream::start_time_ms() {
    std::lock_guard<std::mutex> lk(mu_);
    return epoch_locked();
}

std::int64_t SimMarketStream::epoch_locked() {
    if (!epoch_ms_) {
        std::int64_t epoch = align_to_interval(wall_clock_ms(), interval_ms_);
        if (resume_after_open_ms_) {
            // The first candle after the last one played before: never one of those again.
            epoch = std::max(
                epoch, align_to_interval(*resume_after_open_ms_, interval_ms_) + interval_ms_);
        }
        epoch_ms_ = epoch;
    }
    return *epoch_ms_;
}

SimMarketStream::Tape& SimMarketStream::tape_locked(const std::string& symbol) {
    auto it = tapes_.find(symbol);
    if (it == tapes_.end()) {
        it = tapes_
                 .emplace(symbol, std::make_unique<Tape>(config_.seed, symbol, interval_,
                                                         interval_ms_, script_))
                 .first;
    }
    if (tick_ > 0) it->second->play_through(tick_ - 1, epoch_locked(), nullptr);
    return *it->second;
}

void SimMarketStream::run() {
    tl_running_stream = this;
    const auto period = std::chrono::milliseconds(config_.tick_ms);
    auto next = std::chrono::steady_clock::now();
    std::vector<MarketEvent> events;
    for (;;) {
        events.clear();
        {
            std::unique_lock<std::mutex> lk(mu_);
            cv_.wait_until(lk, next, [this] { return stopping_.load(); });
            if (stopping_) return;
            const std::int64_t k = tick_;
            const std::int64_t epoch = epoch_locked();
            for (const auto& s : subscribed_) tape_locked(s).play_through(k, epoch, &events);
            tick_ = k + 1;
        }
        // The sink runs without the lock, so it may call set_symbols() or stats().
        for (const auto& e : events) {
            if (stopping_) return;
            sink_(e);
        }
        messages_.fetch_add(1);
        last_message_ms_.store(wall_clock_ms());

        // A late tick is not made up with a burst: market time just runs slower for a moment.
        next += period;
        const auto now = std::chrono::steady_clock::now();
        if (next < now) next = now;
    }
}

}  // namespace exchange
