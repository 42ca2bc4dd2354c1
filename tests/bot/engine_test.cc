// SymbolEngine (bot/core/engine.h) on its own: no storage, gateway, logger, clock or thread. The
// test is the driver: it hands the engine candles, prices and commands, answers its requests with
// plain values (signal ids from a counter, fills it writes down), and reads the Steps back.
#include "bot/core/engine.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <functional>
#include <map>
#include <new>
#include <string>
#include <vector>

#include "bot/strategies/ema_cross_strategy.h"

// Every allocation of this test binary is counted: the quiet candle path must make none.
namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using bot::CommandKind;
using bot::LogLevel;
using bot::OrderProgress;
using bot::PlaceOrder;
using bot::RecordSignal;
using bot::Step;
using bot::SymbolEngine;
using config::Decimal;
using exchange::OrderStatus;
using exchange::Side;

namespace {

constexpr std::int64_t kMinute = 60000;

Decimal d(const char* s) { return Decimal::from_string(s); }
Decimal d(const std::string& s) { return Decimal::from_string(s); }

exchange::SymbolRules btc_filters() {
    exchange::SymbolRules r;
    r.symbol = "BTCUSDT";
    r.base_asset = "BTC";
    r.quote_asset = "USDT";
    r.tick_size = d("0.01");
    r.step_size = d("0.00001");
    r.min_qty = d("0.00001");
    r.min_notional = d("5");
    return r;
}

bot::EngineSettings settings(config::RiskConfig risk = {}, const char* max_position = "1000") {
    bot::EngineSettings s;
    s.symbol.symbol = "BTCUSDT";
    s.symbol.strategy.name = "script";
    s.symbol.strategy.interval = "1m";
    s.symbol.risk = risk;
    s.trading.quote_per_trade = d("100");
    s.trading.max_position_quote = d(max_position);
    s.trading.fee_rate = d("0.001");
    s.filters = btc_filters();
    return s;
}

// Candle n: open time n minutes, every price `close` unless given.
exchange::Kline candle(int n, const std::string& close, const char* open = nullptr,
                       const char* high = nullptr, const char* low = nullptr) {
    exchange::Kline k;
    k.symbol = "BTCUSDT";
    k.interval = "1m";
    k.open_time_ms = n * kMinute;
    k.close_time_ms = n * kMinute + kMinute - 1;
    k.event_time_ms = n * kMinute + kMinute;
    k.close = d(close);
    k.open = open ? d(open) : k.close;
    k.high = high ? d(high) : k.close;
    k.low = low ? d(low) : k.close;
    k.volume = d("1");
    k.closed = true;
    return k;
}

exchange::Trade trade(const char* price, std::int64_t time) {
    exchange::Trade t;
    t.symbol = "BTCUSDT";
    t.price = d(price);
    t.quantity = d("0.001");
    t.trade_time_ms = time;
    return t;
}

// Decides what the script says for a candle number; remembers the last candle like the real
// strategies, so a candle fed twice never decides twice.
class Script final : public bot::Strategy {
public:
    explicit Script(std::map<int, Side> script) : script_(std::move(script)) {}
    std::string name() const override { return "script"; }
    std::optional<bot::Decision> on_kline(const exchange::Kline& k) override {
        if (!k.closed || k.open_time_ms <= last_) return std::nullopt;
        last_ = k.open_time_ms;
        auto it = script_.find(static_cast<int>(k.open_time_ms / kMinute));
        if (it == script_.end()) return std::nullopt;
        return bot::Decision{it->second, k.close,
                             std::string("scripted ") + exchange::to_string(it->second)};
    }
    bool ready() const override { return true; }
    std::string save_state() const override { return "script:" + std::to_string(last_); }
    bool restore(const std::string& s) override {
        if (s.rfind("script:", 0) != 0) return false;
        last_ = std::stoll(s.substr(7));
        return true;
    }

private:
    std::map<int, Side> script_;
    std::int64_t last_ = -1;
};

SymbolEngine engine(std::map<int, Side> script, bot::EngineSettings s = settings()) {
    // A fresh strategy (a stored state ahead of the market clock) is a script with no decisions.
    return SymbolEngine(std::move(s), std::make_unique<Script>(std::move(script)),
                        [](const config::StrategyConfig&) -> std::unique_ptr<bot::Strategy> {
                            return std::make_unique<Script>(std::map<int, Side>{});
                        });
}

// A fresh start: nothing stored, no history.
void start(SymbolEngine& e, bot::StoredState stored = {}) {
    CHECK(e.resume(stored).done());
    CHECK(e.warm_up({}).done());
    CHECK(e.started().done());
}

std::optional<bot::PositionBook> holding(const char* quantity, const char* price) {
    return bot::PositionBook::restore("BTCUSDT", {d(quantity), d(price), Decimal(), Decimal()});
}

// The answer of an exchange that fills a market order at once, entirely, at its reference
// price, fee 0.1% in USDT.
OrderProgress filled(const PlaceOrder& p, OrderStatus status = OrderStatus::kFilled) {
    const exchange::OrderRequest& r = p.order.request;
    OrderProgress out{r.client_order_id, true, {}};
    out.result.status = status;
    out.result.exchange_order_id = "x-" + r.client_order_id;
    if (status == OrderStatus::kFilled) {
        exchange::Fill f;
        f.trade_id = "t-" + r.client_order_id;
        f.price = r.reference_price;
        f.quantity = r.quantity;
        f.fee = r.reference_price * r.quantity * d("0.001");
        f.fee_asset = "USDT";
        f.trade_time_ms = 1000;
        out.result.fills.push_back(f);
    }
    return out;
}

OrderProgress answer(const std::string& id, OrderStatus status, std::string reason = {}) {
    OrderProgress p{id, true, {}};
    p.result.status = status;
    p.result.reason = std::move(reason);
    return p;
}

OrderProgress not_found(const std::string& id) { return OrderProgress{id, false, {}}; }

const RecordSignal& signal_of(const Step& s) {
    REQUIRE(std::holds_alternative<RecordSignal>(s.request));
    return std::get<RecordSignal>(s.request);
}
const PlaceOrder& order_of(const Step& s) {
    REQUIRE(std::holds_alternative<PlaceOrder>(s.request));
    return std::get<PlaceOrder>(s.request);
}

bool logged(const Step& s, LogLevel level, const std::string& text) {
    for (const auto& e : s.log) {
        if (e.level == level && e.text == text) return true;
    }
    return false;
}

// Carries a conversation to its end with values only: signal ids from a counter, orders filled
// at once, cancels answered CANCELED, lookups finding nothing. Keeps every Step.
struct Transcript {
    SymbolEngine& e;
    std::int64_t next_id = 1;
    std::vector<Step> steps;

    void run(const Step& first) {
        const Step* s = &first;
        for (;;) {
            steps.push_back(*s);
            if (std::holds_alternative<RecordSignal>(s->request)) {
                s = &e.signal_recorded(next_id++);
            } else if (const auto* p = std::get_if<PlaceOrder>(&s->request)) {
                s = &e.on_order(filled(*p));
            } else if (const auto* c = std::get_if<bot::CancelOrder>(&s->request)) {
                s = &e.on_order(answer(c->client_order_id, OrderStatus::kCanceled));
            } else if (const auto* q = std::get_if<bot::QueryOrder>(&s->request)) {
                s = &e.on_order(not_found(q->client_order_id));
            } else {
                return;
            }
        }
    }
};

}  // namespace

TEST_CASE("engine: a decision is a signal, then an order named after its id, then its fill",
          "[engine]") {
    SymbolEngine e = engine({{1, Side::kBuy}});
    start(e);
    const Step& first = e.on_kline(candle(1, "20000"));
    CHECK(first.counters.closed_klines == 1);
    CHECK(first.candle_taken);
    CHECK(first.log.empty());
    const RecordSignal& sig = signal_of(first);
    CHECK(sig.side == Side::kBuy);
    CHECK(sig.price == d("20000"));
    CHECK(sig.strategy == "script");
    CHECK(sig.reason == "scripted BUY");
    CHECK(sig.event_time_ms == 2 * kMinute);  // the candle's event time
    CHECK(e.busy());
    // While the id is awaited nothing else may come.
    CHECK_THROWS_AS(e.on_kline(candle(2, "20000")), std::logic_error);

    const Step& second = e.signal_recorded(42);
    CHECK(second.counters.signals == 1);
    CHECK(logged(second, LogLevel::kInfo,
                 "signal BUY price=20000 id=42 strategy=script reason=\"scripted BUY\""));
    CHECK(logged(second, LogLevel::kInfo,
                 "order BUY MARKET qty=0.005 ref_price=20000 id=tb-BTCUSDT-42"));
    const PlaceOrder& p = order_of(second);
    CHECK(p.order.request.client_order_id == "tb-BTCUSDT-42");
    CHECK(p.order.request.type == exchange::OrderType::kMarket);
    CHECK(p.order.request.quantity == d("0.005"));  // 100 USDT at 20000
    CHECK(p.order.request.reference_price == d("20000"));
    CHECK_FALSE(p.order.status);  // written ahead: PENDING
    CHECK(bot::status_text(p.order) == std::string("PENDING"));
    CHECK(p.order.signal_id == 42);
    CHECK(p.order.role == bot::OrderRole::kEntry);
    CHECK_THROWS_AS(e.on_order(answer("tb-BTCUSDT-7", OrderStatus::kFilled)), std::logic_error);

    const Step& third = e.on_order(filled(p));
    CHECK(third.done());
    CHECK_FALSE(e.busy());
    REQUIRE(third.orders.size() == 1);
    CHECK(third.orders[0].order.status == OrderStatus::kFilled);
    CHECK(third.orders[0].order.exchange_order_id == "x-tb-BTCUSDT-42");
    REQUIRE(third.orders[0].fills.size() == 1);
    CHECK(third.position_changed);
    CHECK(third.counters.fills == 1);
    CHECK(logged(third, LogLevel::kInfo, "order tb-BTCUSDT-42 FILLED exchange_id=x-tb-BTCUSDT-42"));
    CHECK(logged(third, LogLevel::kInfo,
                 "fill BUY qty=0.005 price=20000 fee=0.1 USDT id=tb-BTCUSDT-42 position=0.005 "
                 "avg=20000 realized=-0.1"));
    CHECK(e.position().quantity() == d("0.005"));
    CHECK(e.open_orders().empty());

    // A candle that decides nothing: the strategy's state changed, nothing else.
    const Step& quiet = e.on_kline(candle(2, "20100"));
    CHECK(quiet.done());
    CHECK(quiet.state.candle);
    CHECK(quiet.orders.empty());
    CHECK(quiet.log.empty());
}

TEST_CASE("engine: another symbol's or interval's kline, and a kline update, decide nothing",
          "[engine]") {
    SymbolEngine e = engine({{1, Side::kBuy}, {2, Side::kBuy}});
    start(e);
    exchange::Kline other = candle(1, "20000");
    other.symbol = "ETHUSDT";
    CHECK(e.on_kline(other) == Step{});
    exchange::Kline five = candle(1, "20000");
    five.interval = "5m";
    CHECK(e.on_kline(five) == Step{});
    exchange::Kline update = candle(1, "20000");
    update.closed = false;
    const Step& u = e.on_kline(update);
    CHECK(u.done());
    CHECK(u.counters.closed_klines == 0);
    CHECK(e.last_price() == d("20000"));
    // The close of candle 1 still decides.
    CHECK_FALSE(e.on_kline(candle(1, "20000")).done());
}

TEST_CASE(
    "engine: in a replayed candle the risk exit comes first and the close's BUY is sized "
    "on the position after it",
    "[engine][risk]") {
    config::RiskConfig risk;
    risk.stop_loss_pct = d("2");
    // A cap of 150: before the exit 0.005 BTC (99.5 at the close) leaves room for 50.5 only.
    SymbolEngine e = engine({{2, Side::kBuy}}, settings(risk, "150"));
    bot::StoredState stored;
    stored.position = holding("0.005", "20000");
    start(e, stored);

    const Step& exit = e.on_candle(candle(2, "19900", "20000", "20100", "19000"));
    CHECK(exit.counters.risk_exits[static_cast<std::size_t>(bot::ExitRule::kStopLoss)] == 1);
    CHECK(exit.counters.closed_klines == 0);  // the strategy has not seen the close yet
    const RecordSignal& sell = signal_of(exit);
    CHECK(sell.side == Side::kSell);
    CHECK(sell.strategy == bot::kRiskStrategyName);
    CHECK(sell.price == d("19600"));  // at the level, inside the candle
    CHECK(sell.reason == "stop_loss 2% at 19600.00 (entry 20000.00)");
    CHECK(sell.event_time_ms == 2 * kMinute);  // the candle's open
    CHECK(sell.exit_rule == bot::ExitRule::kStopLoss);

    const PlaceOrder& out = order_of(e.signal_recorded(1));
    CHECK(out.order.request.side == Side::kSell);
    CHECK(out.order.request.quantity == d("0.005"));
    CHECK(out.order.role == bot::OrderRole::kExit);

    // The exit's fill, then in the same step the strategy's BUY at the close.
    const Step& after = e.on_order(filled(out));
    REQUIRE(after.orders.size() == 1);
    CHECK(after.orders[0].order.request.side == Side::kSell);
    CHECK(after.counters.closed_klines == 1);
    CHECK(signal_of(after).side == Side::kBuy);
    CHECK(e.position().quantity().is_zero());

    const PlaceOrder& buy = order_of(e.signal_recorded(2));
    CHECK(buy.order.request.quantity == d("0.00502"));  // 100 / 19900, flat: the full trade
    CHECK(e.on_order(filled(buy)).done());
    CHECK(e.position().quantity() == d("0.00502"));
}

TEST_CASE("engine: an unknown answer is looked up after waits, never placed twice", "[engine]") {
    SymbolEngine e = engine({{1, Side::kBuy}, {2, Side::kBuy}});
    start(e);
    (void)e.on_kline(candle(1, "20000"));
    const std::string id = order_of(e.signal_recorded(5)).order.request.client_order_id;

    const Step* s = &e.on_order(answer(id, OrderStatus::kUnknown, "timeout"));
    for (int i = 0; i < SymbolEngine::kUnknownQueries; ++i) {
        INFO(i);
        CHECK(logged(*s, LogLevel::kWarn, "order " + id + ": no answer (timeout); querying"));
        REQUIRE(std::holds_alternative<bot::QueryOrder>(s->request));
        const auto& q = std::get<bot::QueryOrder>(s->request);
        CHECK(q.client_order_id == id);
        CHECK(q.after_ms == SymbolEngine::kUnknownQueryDelayMs);
        CHECK(s->orders.empty());  // nothing is recorded while it is unknown
        s = &e.on_order(not_found(id));
    }
    // Still unknown after the last lookup: recorded UNKNOWN, left for the next start.
    CHECK(s->done());
    REQUIRE(s->orders.size() == 1);
    CHECK(s->orders[0].order.status == OrderStatus::kUnknown);
    CHECK(logged(*s, LogLevel::kWarn,
                 "order " + id + " UNKNOWN: timeout; it will be settled at the next start"));
    CHECK(e.position().quantity().is_zero());
    // An update of it later is not this engine's to apply.
    const Step& late = e.on_order(answer(id, OrderStatus::kFilled));
    CHECK(late.orders.empty());
    CHECK(late.log.at(0).level == LogLevel::kWarn);

    // The second order: a lookup finds it filled and settles it.
    (void)e.on_kline(candle(2, "20000"));
    const PlaceOrder p = order_of(e.signal_recorded(6));
    const Step& q =
        e.on_order(answer(p.order.request.client_order_id, OrderStatus::kUnknown, "5xx"));
    REQUIRE(std::holds_alternative<bot::QueryOrder>(q.request));
    const Step& found = e.on_order(filled(p));
    CHECK(found.done());
    CHECK(found.orders.at(0).order.status == OrderStatus::kFilled);
    CHECK(e.position().quantity() == d("0.005"));
}

TEST_CASE("engine: orders an earlier run left unresolved are looked up and settled", "[engine]") {
    SymbolEngine e = engine({});
    start(e);
    auto pending = [](const char* id, std::optional<OrderStatus> status = std::nullopt) {
        bot::OrderRecord o;
        o.request.client_order_id = id;
        o.request.symbol = "BTCUSDT";
        o.request.side = Side::kBuy;
        o.request.quantity = d("0.005");
        o.request.reference_price = d("20000");
        o.status = status;
        return o;
    };
    // Unknown to the exchange: never sent.
    const Step& ask = e.resume_order(pending("tb-BTCUSDT-1"));
    REQUIRE(std::holds_alternative<bot::QueryOrder>(ask.request));
    CHECK(std::get<bot::QueryOrder>(ask.request).after_ms == 0);
    const Step& gone = e.on_order(not_found("tb-BTCUSDT-1"));
    REQUIRE(gone.orders.size() == 1);
    CHECK(gone.orders[0].order.status == OrderStatus::kCanceled);
    CHECK(gone.orders[0].order.reason == bot::kNotSentReason);
    CHECK(logged(gone, LogLevel::kWarn,
                 std::string("order tb-BTCUSDT-1 unknown to the gateway; marked CANCELED (") +
                     bot::kNotSentReason + ")"));

    // Filled before the crash: settled with its fill.
    (void)e.resume_order(pending("tb-BTCUSDT-2"));
    const Step& done = e.on_order(filled(PlaceOrder{pending("tb-BTCUSDT-2")}));
    CHECK(logged(done, LogLevel::kInfo,
                 "order tb-BTCUSDT-2 left PENDING by a previous run: gateway says FILLED"));
    CHECK(done.orders.at(0).fills.size() == 1);
    CHECK(e.position().quantity() == d("0.005"));

    // Still unknown: left for the next start, nothing recorded.
    (void)e.resume_order(pending("tb-BTCUSDT-3", OrderStatus::kUnknown));
    const Step& still = e.on_order(answer("tb-BTCUSDT-3", OrderStatus::kUnknown, "no route"));
    CHECK(still.done());
    CHECK(still.orders.empty());
    CHECK(
        logged(still, LogLevel::kWarn,
               "order tb-BTCUSDT-3 still unresolved (no route); will ask again at the next start"));
}

TEST_CASE("engine: a fill reported again is applied once, an open order is followed until final",
          "[engine]") {
    SymbolEngine e = engine({{1, Side::kBuy}});
    start(e);
    (void)e.on_kline(candle(1, "20000"));
    const PlaceOrder p = order_of(e.signal_recorded(9));
    const std::string id = p.order.request.client_order_id;
    exchange::Fill first;
    first.trade_id = "t1";
    first.price = d("20000");
    first.quantity = d("0.002");
    first.fee = d("0.04");
    first.fee_asset = "USDT";
    OrderProgress partly = answer(id, OrderStatus::kPartiallyFilled);
    partly.result.fills = {first};
    const Step& a = e.on_order(partly);
    CHECK(a.orders.at(0).fills.size() == 1);
    REQUIRE(e.open_orders().size() == 1);
    CHECK(e.open_orders()[0].status == OrderStatus::kPartiallyFilled);
    CHECK(e.position().quantity() == d("0.002"));

    // Later, unasked: the rest fills; the first fill comes again and moves nothing twice.
    exchange::Fill second = first;
    second.trade_id = "t2";
    second.quantity = d("0.003");
    second.fee = d("0.06");
    OrderProgress full = answer(id, OrderStatus::kFilled);
    full.result.fills = {first, second};
    const Step& b = e.on_order(full);
    REQUIRE(b.orders.size() == 1);
    REQUIRE(b.orders[0].fills.size() == 1);
    CHECK(b.orders[0].fills[0].trade_id == "t2");
    CHECK(b.counters.fills == 1);
    CHECK(e.position().quantity() == d("0.005"));
    CHECK(e.position().fees_paid() == d("0.1"));
    CHECK(e.open_orders().empty());
}

TEST_CASE("engine: paused, BUYs are signals without orders, SELLs and exits still run",
          "[engine][operator]") {
    config::RiskConfig risk;
    risk.stop_loss_pct = d("2");
    SymbolEngine e = engine({{1, Side::kBuy}, {2, Side::kSell}, {4, Side::kBuy}}, settings(risk));
    bot::StoredState stored;
    stored.position = holding("0.01", "20000");
    start(e, stored);

    const Step& paused = e.on_command({CommandKind::kPause, "alice@desk", 11, 0});
    CHECK(paused.done());
    CHECK(paused.state.control);
    CHECK(logged(paused, LogLevel::kWarn, "paused by alice@desk"));
    REQUIRE(paused.command);
    CHECK(*paused.command == bot::CommandDone{11, CommandKind::kPause, true, "paused"});
    CHECK(e.control().paused);

    (void)e.on_kline(candle(1, "20000"));
    const Step& no_buy = e.signal_recorded(1);
    CHECK(no_buy.done());
    CHECK(logged(no_buy, LogLevel::kInfo, "no order for signal id=1: paused by alice@desk"));
    (void)e.on_kline(candle(2, "20000"));
    const PlaceOrder sell = order_of(e.signal_recorded(2));
    CHECK(sell.order.request.side == Side::kSell);
    CHECK(e.on_order(filled(sell)).done());
    CHECK(e.position().quantity() == d("0.005"));
    // The stop still protects what is left.
    const Step& exit = e.on_trade(trade("19500", 3 * kMinute));
    CHECK(signal_of(exit).strategy == bot::kRiskStrategyName);
    const PlaceOrder out = order_of(e.signal_recorded(3));
    CHECK(e.on_order(filled(out)).done());
    CHECK(e.position().quantity().is_zero());

    // Paused is part of the saved state, and a restarted engine stays paused.
    bot::SavedState saved = e.saved_state();
    REQUIRE(saved.control);
    CHECK(bot::ControlState::from_json(*saved.control) == bot::ControlState{true, "alice@desk"});
    CHECK_FALSE(e.saved_state().control);  // taken: unchanged since
    SymbolEngine again = engine({{4, Side::kBuy}}, settings(risk));
    bot::StoredState restart;
    restart.control = saved.control;
    const Step& resumed = again.resume(restart);
    CHECK(logged(resumed, LogLevel::kWarn, "resumed paused by alice@desk"));
    CHECK(again.control().paused);
    (void)again.warm_up({});
    (void)again.started();

    // Resumed by an operator, the next BUY is ordered.
    const Step& r = again.on_command({CommandKind::kResume, "bob@desk", 12, 0});
    CHECK(logged(r, LogLevel::kInfo, "resumed by bob@desk"));
    CHECK(r.command == bot::CommandDone{12, CommandKind::kResume, true, "resumed"});
    CHECK(r.state.control);
    CHECK(again.saved_state().control == bot::ControlState{}.to_json());
    (void)again.on_kline(candle(4, "20000"));
    CHECK(order_of(again.signal_recorded(4)).order.request.side == Side::kBuy);
}

TEST_CASE("engine: a damaged stored control state keeps the symbol paused", "[engine][operator]") {
    SymbolEngine e = engine({});
    bot::StoredState stored;
    stored.control = "{oops";
    const Step& s = e.resume(stored);
    CHECK(e.control().paused);
    CHECK(logged(s, LogLevel::kWarn,
                 "stored control state is damaged ({oops); paused until an operator resumes it"));
}

TEST_CASE("engine: flatten cancels open orders first, sells everything at market, then pauses",
          "[engine][operator]") {
    SymbolEngine e = engine({{1, Side::kSell}, {2, Side::kBuy}});
    bot::StoredState stored;
    stored.position = holding("0.01", "20000");
    start(e, stored);
    // A SELL the exchange accepts and leaves open (as a limit or a protective stop would be).
    (void)e.on_kline(candle(1, "20000"));
    const PlaceOrder resting = order_of(e.signal_recorded(1));
    const std::string resting_id = resting.order.request.client_order_id;
    CHECK(e.on_order(answer(resting_id, OrderStatus::kNew)).done());
    REQUIRE(e.open_orders().size() == 1);

    const Step& cancel = e.on_command({CommandKind::kFlatten, "alice@desk", 21, 777});
    REQUIRE(std::holds_alternative<bot::CancelOrder>(cancel.request));
    CHECK(std::get<bot::CancelOrder>(cancel.request) == bot::CancelOrder{"BTCUSDT", resting_id});
    CHECK_FALSE(cancel.command);

    const Step& sell = e.on_order(answer(resting_id, OrderStatus::kCanceled));
    REQUIRE(sell.orders.size() == 1);
    CHECK(sell.orders[0].order.status == OrderStatus::kCanceled);
    CHECK(logged(sell, LogLevel::kWarn, "flatten by alice@desk: SELL 0.01"));
    const RecordSignal& sig = signal_of(sell);
    CHECK(sig.side == Side::kSell);
    CHECK(sig.strategy == bot::kOperatorStrategyName);
    CHECK(sig.reason == "flatten by alice@desk");
    CHECK(sig.price == d("20000"));  // the last price seen
    CHECK(sig.event_time_ms == 777);

    const PlaceOrder out = order_of(e.signal_recorded(2));
    CHECK(out.order.request.type == exchange::OrderType::kMarket);
    CHECK(out.order.request.quantity == d("0.01"));
    const Step& done = e.on_order(filled(out));
    CHECK(done.done());
    REQUIRE(done.command);
    CHECK(*done.command == bot::CommandDone{21, CommandKind::kFlatten, true, "sold 0.01; paused"});
    CHECK(done.state.control);
    CHECK(e.position().quantity().is_zero());
    CHECK(e.control() == bot::ControlState{true, "alice@desk"});
    // Paused afterwards: the next BUY is a signal only.
    (void)e.on_kline(candle(2, "20000"));
    CHECK(e.signal_recorded(3).done());

    // Nothing held: nothing to sell, paused all the same.
    const Step& flat = e.on_command({CommandKind::kFlatten, "alice@desk", 22, 0});
    REQUIRE(flat.command);
    CHECK(*flat.command == bot::CommandDone{22, CommandKind::kFlatten, true,
                                            "nothing to sell: no position; paused"});
}

TEST_CASE("engine: a flatten whose cancel stays unanswered sells nothing", "[engine][operator]") {
    SymbolEngine e = engine({{1, Side::kSell}});
    bot::StoredState stored;
    stored.position = holding("0.01", "20000");
    start(e, stored);
    (void)e.on_kline(candle(1, "20000"));
    const std::string id = order_of(e.signal_recorded(1)).order.request.client_order_id;
    (void)e.on_order(answer(id, OrderStatus::kNew));

    const Step* s = &e.on_command({CommandKind::kFlatten, "alice@desk", 31, 0});
    s = &e.on_order(answer(id, OrderStatus::kUnknown, "timeout"));
    // Every lookup fails too (a lookup that found nothing would mean the order is gone).
    for (int i = 0; i < SymbolEngine::kUnknownQueries; ++i) {
        REQUIRE(std::holds_alternative<bot::QueryOrder>(s->request));
        s = &e.on_order(answer(id, OrderStatus::kUnknown, "timeout"));
    }
    CHECK(s->done());
    REQUIRE(s->command);
    CHECK_FALSE(s->command->ok);
    CHECK_THAT(s->command->result, Catch::Contains("order " + id + " is still UNKNOWN"));
    CHECK(e.position().quantity() == d("0.01"));  // nothing sold
    CHECK(e.control().paused);
}

TEST_CASE("engine: warm-up decides nothing, a stored state ahead of the market is dropped",
          "[engine]") {
    SymbolEngine e(settings(), std::make_unique<Script>(std::map<int, Side>{{2, Side::kBuy}}),
                   [](const config::StrategyConfig&) {
                       return std::make_unique<Script>(std::map<int, Side>{{3, Side::kBuy}});
                   });
    bot::StoredState stored;
    stored.strategy = "script:" + std::to_string(100 * kMinute);  // far in the "future"
    stored.last_candle = std::to_string(100 * kMinute);
    (void)e.resume(stored);
    CHECK(e.restored());
    const std::vector<exchange::Kline> history = {candle(1, "20000"), candle(2, "20000")};
    const Step& w = e.warm_up(history);
    CHECK_FALSE(e.restored());
    CHECK(w.resume_after_ms == 2 * kMinute);
    CHECK(w.done());
    CHECK(logged(w, LogLevel::kInfo,
                 "stored strategy state (candle 6000000) is ahead of the market clock (newest "
                 "candle 120000); warming up afresh"));
    CHECK(logged(w, LogLevel::kInfo, "warmed up from 2 history candles (ready=true)"));
    CHECK(e.saved_state().last_candle_open_ms == 2 * kMinute);
    // The fresh strategy decides on candle 3, after the history.
    CHECK_FALSE(e.on_kline(candle(3, "20000")).done());
}

TEST_CASE("engine: the same inputs give the same steps", "[engine][determinism]") {
    config::RiskConfig risk;
    risk.stop_loss_pct = d("1.5");
    risk.take_profit_pct = d("3");
    risk.trailing_stop_pct = d("1");
    risk.max_daily_loss_quote = d("4");
    risk.cooldown_candles = 5;
    auto run = [&] {
        bot::EngineSettings s = settings(risk);
        s.symbol.strategy.name = "ema_cross";
        SymbolEngine e(s, std::make_unique<bot::EmaCrossStrategy>(3, 8, "1m"),
                       [](const config::StrategyConfig&) -> std::unique_ptr<bot::Strategy> {
                           return std::make_unique<bot::EmaCrossStrategy>(3, 8, "1m");
                       });
        Transcript t{e};
        t.run(e.resume({}));
        t.run(e.warm_up({}));
        t.run(e.started());
        // A deterministic walk: 3 days of minutes, a trade between closes, a dropped burst now
        // and then, and the operator's commands on the way.
        std::uint64_t x = 12345;
        auto next = [&] {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            return static_cast<int>((x >> 33) % 2001) - 1000;  // -1000 .. 1000
        };
        Decimal price = d("20000");
        for (int n = 1; n <= 3 * 1440; ++n) {
            const Decimal open = price;
            price = price + Decimal::from_int(next()) / Decimal::from_int(10);
            const Decimal low = std::min(open, price) - d("5");
            const Decimal high = std::max(open, price) + d("5");
            exchange::Kline k = candle(n, price.to_string(), nullptr, nullptr, nullptr);
            k.open = open;
            k.low = low;
            k.high = high;
            if (n % 3 == 0) {
                exchange::Trade tr = trade("1", n * kMinute + 30000);
                tr.price = (open + price) / Decimal::from_int(2);
                t.run(e.on_trade(tr));
            }
            if (n % 97 == 0) {
                bot::DroppedPrices dropped;
                dropped.add(low, n * kMinute + 1000);
                dropped.add(high, n * kMinute + 2000);
                t.run(e.on_dropped(dropped));
            }
            if (n == 1000) t.run(e.on_command({CommandKind::kPause, "alice@desk", 1, n * kMinute}));
            if (n == 1500)
                t.run(e.on_command({CommandKind::kResume, "alice@desk", 2, n * kMinute}));
            if (n == 2500) {
                t.run(e.on_command({CommandKind::kFlatten, "alice@desk", 3, n * kMinute}));
                t.run(e.on_command({CommandKind::kResume, "alice@desk", 4, n * kMinute}));
            }
            t.run(n % 2 == 0 ? e.on_candle(k) : e.on_kline(k));
        }
        return std::make_pair(std::move(t.steps), e.saved_state().strategy);
    };
    const auto [first, first_state] = run();
    const auto [second, second_state] = run();
    REQUIRE(first.size() == second.size());
    for (std::size_t i = 0; i < first.size(); ++i) {
        INFO("step " << i);
        REQUIRE(first[i] == second[i]);
    }
    CHECK(first_state == second_state);

    // ... and the run did something worth comparing: orders, risk exits, a flatten, a halt.
    int orders = 0, exits = 0, halts = 0;
    bool flattened = false;
    for (const auto& s : first) {
        orders += std::holds_alternative<PlaceOrder>(s.request);
        for (auto n : s.counters.risk_exits) exits += static_cast<int>(n);
        for (const auto& l : s.log) halts += l.text.rfind("halted: daily loss", 0) == 0;
        flattened |= s.command && s.command->kind == CommandKind::kFlatten;
    }
    CHECK(orders > 20);
    CHECK(exits > 3);
    CHECK(halts > 0);
    CHECK(flattened);
}

TEST_CASE("engine: a candle that decides nothing allocates nothing", "[engine][alloc]") {
    config::RiskConfig risk;
    risk.stop_loss_pct = d("2");
    risk.take_profit_pct = d("50");
    risk.trailing_stop_pct = d("10");
    risk.max_daily_loss_quote = d("1000");
    risk.cooldown_candles = 3;
    bot::EngineSettings s = settings(risk);
    s.symbol.strategy.name = "ema_cross";
    SymbolEngine e(s, std::make_unique<bot::EmaCrossStrategy>(9, 21, "1m"),
                       [](const config::StrategyConfig&) -> std::unique_ptr<bot::Strategy> {
                           return std::make_unique<bot::EmaCrossStrategy>(9, 21, "1m");
                       });
    bot::StoredState stored;
    stored.position = holding("0.005", "20000");  // held: every price goes through the rules
    (void)e.resume(stored);
    // Warmed up on a steady rise: the fast average stays above the slow, no cross comes.
    std::vector<exchange::Kline> history;
    for (int n = 0; n < 100; ++n) history.push_back(candle(n, std::to_string(20000 + n)));
    (void)e.warm_up(history);
    (void)e.started();
    std::vector<exchange::Kline> live;
    std::vector<exchange::Trade> trades;
    for (int n = 100; n < 3100; ++n) {  // over two UTC days
        const std::string close = std::to_string(20000 + n) + ".5";
        live.push_back(candle(n, close, nullptr, nullptr, nullptr));
        trades.push_back(trade("1", n * kMinute + 30000));
        trades.back().price = d(close);
    }
    // Replayed candles, a live feed's trades and closes: none decides, none allocates.
    const std::uint64_t before = g_allocations.load();
    std::size_t quiet = 0;
    for (std::size_t i = 0; i < live.size(); ++i) {
        const Step& t = e.on_trade(trades[i]);
        const Step& k = i % 2 == 0 ? e.on_candle(live[i]) : e.on_kline(live[i]);
        quiet += t.done() && t.log.empty() && k.done() && k.log.empty() && k.state.candle;
    }
    const std::uint64_t allocations = g_allocations.load() - before;
    CHECK(quiet == live.size());
    CHECK(allocations == 0);
    CHECK(e.position().quantity() == d("0.005"));
    CHECK(e.risk_snapshot().trailing_stop.has_value());  // the trailing high moved with the rise
}
