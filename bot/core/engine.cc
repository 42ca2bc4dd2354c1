#include "bot/core/engine.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <utility>

#include "config/strategy.h"

namespace bot {
namespace {

using exchange::OrderStatus;
using exchange::Side;

// The market time of a kline's price: when it was sent, or for a candle without one its end.
std::int64_t kline_time(const exchange::Kline& k) {
    return k.event_time_ms != 0 ? k.event_time_ms : k.close_time_ms;
}

std::optional<std::int64_t> parse_ms(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    std::int64_t v = 0;
    const char* end = text->data() + text->size();
    auto [p, ec] = std::from_chars(text->data(), end, v);
    if (ec != std::errc() || p != end) return std::nullopt;  // unreadable: no clock check
    return v;
}

}  // namespace

const char* status_text(const OrderRecord& order) {
    return order.status ? exchange::to_string(*order.status) : "PENDING";
}

const char* to_string(CommandKind kind) {
    switch (kind) {
        case CommandKind::kPause:
            return "pause";
        case CommandKind::kResume:
            return "resume";
        case CommandKind::kFlatten:
            return "flatten";
    }
    return "?";
}

void Step::clear() {
    orders.clear();
    position_changed = false;
    log.clear();
    counters = StepCounters{};
    candle_taken = false;
    state = StateChanges{};
    resume_after_ms.reset();
    command.reset();
    if (!done()) request = std::monostate{};
}

SymbolEngine::SymbolEngine(EngineSettings settings, std::unique_ptr<Strategy> strategy,
                           StrategyFactory factory)
    : settings_(std::move(settings)),
      factory_(std::move(factory)),
      strategy_(std::move(strategy)),
      risk_(settings_.symbol.risk, settings_.filters),
      book_(settings_.symbol.symbol) {
    if (!strategy_) throw std::invalid_argument("SymbolEngine: no strategy");
    if (!factory_) throw std::invalid_argument("SymbolEngine: no strategy factory");
    candle_.symbol = settings_.symbol.symbol;
    candle_.interval = settings_.symbol.strategy.interval;
}

Step& SymbolEngine::begin() {
    if (busy()) {
        throw std::logic_error("SymbolEngine " + symbol() +
                               ": an input came while an answer was awaited");
    }
    step_.clear();
    return step_;
}

bool SymbolEngine::mine(const exchange::Kline& k) const {
    return k.symbol == settings_.symbol.symbol && k.interval == settings_.symbol.strategy.interval;
}

std::string SymbolEngine::describe_strategy() const {
    const auto& s = settings_.symbol.strategy;
    return strategy_->describe() + " " + s.interval;
}

// ---- start-up -----------------------------------------------------------------------------

const Step& SymbolEngine::resume(const StoredState& stored) {
    Step& step = begin();
    book_ = stored.position ? *stored.position : PositionBook(symbol());
    risk_.restore(stored.risk, step.log);
    control_ = ControlState{};
    if (stored.control) {
        if (auto c = ControlState::from_json(*stored.control)) {
            control_ = *c;
        } else {
            // An operator's pause must not be lost to a damaged row: stay paused until one acts.
            control_.paused = true;
            control_.by = "a damaged stored state";
            step.log.push_back({LogLevel::kWarn, "stored control state is damaged (" +
                                                     *stored.control +
                                                     "); paused until an operator resumes it"});
        }
    }
    control_saved_ = control_;
    if (control_.paused) step.log.push_back({LogLevel::kWarn, "resumed paused by " + control_.by});
    restored_ = false;
    if (stored.strategy) {
        restored_ = strategy_->restore(*stored.strategy);
        if (!restored_) {
            step.log.push_back({LogLevel::kInfo, "stored strategy state does not match " +
                                                     describe_strategy() + "; warming up afresh"});
        }
    }
    stored_last_candle_ = parse_ms(stored.last_candle);
    return step;
}

int SymbolEngine::history_wanted(int floor) const {
    return std::max(floor, strategy_->warmup_candles());
}

const Step& SymbolEngine::warm_up(std::span<const exchange::Kline> history) {
    Step& step = begin();
    if (restored_ && stored_last_candle_) last_candle_open_ms_ = *stored_last_candle_;
    if (restored_ && stored_last_candle_ && !history.empty() &&
        *stored_last_candle_ > history.back().open_time_ms) {
        // The state is ahead of the market's clock: the simulated market restarted its time
        // compression at the wall clock. The old indicators would ignore every candle until
        // the clock caught up, so start them afresh from this market's history.
        step.log.push_back({LogLevel::kInfo, "stored strategy state (candle " +
                                                 std::to_string(*stored_last_candle_) +
                                                 ") is ahead of the market clock (newest candle " +
                                                 std::to_string(history.back().open_time_ms) +
                                                 "); warming up afresh"});
        std::unique_ptr<Strategy> fresh = factory_(settings_.symbol.strategy);
        if (!fresh) throw std::invalid_argument("SymbolEngine: strategy factory returned null");
        strategy_ = std::move(fresh);
        restored_ = false;
        last_candle_open_ms_ = 0;
    }
    int fed = 0;
    std::optional<std::int64_t> newest;
    for (const auto& k : history) {
        if (!k.closed) continue;
        (void)strategy_->on_kline(k);
        last_candle_open_ms_ = std::max(last_candle_open_ms_, k.open_time_ms);
        last_price_ = k.close;
        newest = std::max(newest.value_or(k.open_time_ms), k.open_time_ms);
        ++fed;
    }
    step.resume_after_ms = newest;
    step.log.push_back(
        {LogLevel::kInfo,
         std::string(restored_ ? "caught up" : "warmed up") + " from " + std::to_string(fed) +
             " history candles (ready=" + (strategy_->ready() ? "true" : "false") + ")"});
    return step;
}

const Step& SymbolEngine::resume_order(const OrderRecord& order) {
    Step& step = begin();
    Tracked t;
    t.record = order;
    t.resumed = true;
    orders_.push_back(std::move(t));
    step.request = QueryOrder{order.request.symbol, order.request.client_order_id, 0};
    await_ = Await::kOrderAnswer;
    awaited_ = order.request.client_order_id;
    return step;
}

const Step& SymbolEngine::started() {
    Step& step = begin();
    std::string text = "started: strategy=" + describe_strategy() +
                       " state=" + (restored_ ? "restored" : "fresh") +
                       " position=" + book_.quantity().to_string() +
                       " avg=" + book_.avg_entry_price().to_string() +
                       " realized=" + book_.realized_pnl().to_string();
    if (control_.paused) text += " paused by " + control_.by;
    step.log.push_back({LogLevel::kInfo, std::move(text)});
    return step;
}

// ---- market events ------------------------------------------------------------------------

void SymbolEngine::hold_candle(const exchange::Kline& k) {
    if (&k != &candle_) candle_ = k;
}

const Step& SymbolEngine::on_kline(const exchange::Kline& k) {
    Step& step = begin();
    if (!mine(k)) return step;  // misrouted or another interval: never trade on it
    if (k.close.is_positive()) {
        last_price_ = k.close;
        if (auto exit = risk_.on_price(book_, k.close, kline_time(k), step.log)) {
            if (k.closed) {
                hold_candle(k);
                then_ = Then::kCloseAfterRisk;
            }
            start_exit(*exit, kline_time(k));
            return step;
        }
    }
    if (!k.closed) {  // strategies act on closed candles only
        step.state.risk = risk_.dirty();
        return step;
    }
    close_candle(k);
    return step;
}

const Step& SymbolEngine::on_candle(const exchange::Kline& k) {
    if (!k.closed) return on_kline(k);
    Step& step = begin();
    if (!mine(k)) return step;
    if (k.close.is_positive()) last_price_ = k.close;
    // A replay does not know when inside the candle the exit happened: it is stamped with the
    // candle's open, which is exact when the candle opened beyond the level.
    if (auto exit = risk_.on_candle(book_, k, step.log)) {
        hold_candle(k);
        then_ = Then::kReplayAfterRisk;
        start_exit(*exit, k.open_time_ms);
        return step;
    }
    risk_.mark_candle(book_, k, step.log);
    close_candle(k);
    return step;
}

const Step& SymbolEngine::on_trade(const exchange::Trade& t) {
    Step& step = begin();
    if (t.symbol != symbol() || !t.price.is_positive()) return step;
    last_price_ = t.price;
    const std::int64_t time = t.trade_time_ms != 0 ? t.trade_time_ms : t.event_time_ms;
    if (auto exit = risk_.on_price(book_, t.price, time, step.log)) {
        start_exit(*exit, time);
        return step;
    }
    step.state.risk = risk_.dirty();
    return step;
}

const Step& SymbolEngine::on_dropped(const DroppedPrices& dropped) {
    Step& step = begin();
    if (auto exit = risk_.on_dropped(book_, dropped, step.log)) {
        start_exit(*exit, dropped.low_first ? dropped.low_time_ms : dropped.high_time_ms);
        return step;
    }
    step.state.risk = risk_.dirty();
    return step;
}

void SymbolEngine::close_candle(const exchange::Kline& k) {
    ++step_.counters.closed_klines;
    last_candle_open_ms_ = std::max(last_candle_open_ms_, k.open_time_ms);
    std::optional<Decision> decision = strategy_->on_kline(k);
    step_.candle_taken = true;
    if (decision) {
        then_ = Then::kCloseAfterDecision;
        ask_signal(RecordSignal{decision->side, decision->price, strategy_->name(),
                                std::move(decision->reason), kline_time(k), std::nullopt},
                   SignalFor::kDecision);
        return;
    }
    risk_.on_candle_closed();  // after the decision: it held the close it began in
    step_.state.candle = true;
}

void SymbolEngine::start_exit(const RiskExit& exit, std::int64_t time_ms) {
    risk_.on_exit();
    ++step_.counters.risk_exits[static_cast<std::size_t>(exit.rule)];
    ask_signal(
        RecordSignal{Side::kSell, exit.price, kRiskStrategyName, exit.reason, time_ms, exit.rule},
        SignalFor::kRiskExit);
}

void SymbolEngine::ask_signal(RecordSignal signal, SignalFor purpose) {
    signal_ = std::move(signal);
    signal_for_ = purpose;
    step_.request = signal_;
    await_ = Await::kSignalId;
}

// ---- the answers --------------------------------------------------------------------------

const Step& SymbolEngine::signal_recorded(std::int64_t signal_id) {
    if (await_ != Await::kSignalId) {
        throw std::logic_error("SymbolEngine " + symbol() + ": a signal id nobody asked for");
    }
    await_ = Await::kNothing;
    step_.clear();
    ++step_.counters.signals;
    step_.log.push_back(
        {LogLevel::kInfo, std::string("signal ") + exchange::to_string(signal_.side) +
                              " price=" + signal_.price.to_string() +
                              " id=" + std::to_string(signal_id) + " strategy=" + signal_.strategy +
                              " reason=\"" + signal_.reason + "\""});
    act_on_signal(signal_id);
    return step_;
}

void SymbolEngine::act_on_signal(std::int64_t signal_id) {
    auto no_order = [&](const std::string& why) {
        step_.log.push_back(
            {LogLevel::kInfo, "no order for signal id=" + std::to_string(signal_id) + ": " + why});
        go_on();
    };
    const Decimal price = signal_.price;
    switch (signal_for_) {
        case SignalFor::kRiskExit:
        case SignalFor::kFlatten: {
            const ExitQuantity q = risk_.exit_quantity(book_, price);
            if (!q.quantity.is_positive()) return no_order(q.note);
            if (!q.note.empty()) {
                step_.log.push_back(
                    {LogLevel::kInfo,
                     std::string(signal_for_ == SignalFor::kFlatten ? "flatten " : "risk exit ") +
                         q.note});
            }
            place(Side::kSell, q.quantity, price, signal_id, OrderRole::kExit);
            return;
        }
        case SignalFor::kDecision:
            break;
    }
    // The operator's pause, the daily loss halt and the cooldown hold new entries; exits and
    // SELLs go on.
    if (signal_.side == Side::kBuy) {
        if (control_.paused) return no_order("paused by " + control_.by);
        if (std::optional<std::string> block = risk_.entry_block()) return no_order(*block);
    }
    SizingInput in{signal_.side,
                   price.is_positive() ? price : last_price_,
                   book_.quantity(),
                   settings_.trading.quote_per_trade,
                   settings_.trading.max_position_quote,
                   settings_.filters};
    SizingResult size = size_order(in);
    if (!size.quantity.is_positive()) return no_order(size.reason);
    place(signal_.side, size.quantity, in.price, signal_id,
          signal_.side == Side::kBuy ? OrderRole::kEntry : OrderRole::kExit);
}

void SymbolEngine::place(Side side, const Decimal& quantity, const Decimal& price,
                         std::int64_t signal_id, OrderRole role) {
    Tracked t;
    exchange::OrderRequest& r = t.record.request;
    r.client_order_id = "tb-" + symbol() + "-" + std::to_string(signal_id);
    r.symbol = symbol();
    r.side = side;
    r.type = exchange::OrderType::kMarket;
    r.quantity = quantity;
    r.reference_price = price;
    t.record.signal_id = signal_id;
    t.record.role = role;
    step_.log.push_back(
        {LogLevel::kInfo, std::string("order ") + exchange::to_string(side) + " " +
                              exchange::to_string(r.type) + " qty=" + quantity.to_string() +
                              " ref_price=" + price.to_string() + " id=" + r.client_order_id});
    step_.request = PlaceOrder{t.record};
    await_ = Await::kOrderAnswer;
    awaited_ = r.client_order_id;
    orders_.push_back(std::move(t));
}

SymbolEngine::Tracked* SymbolEngine::find(const std::string& client_order_id) {
    for (auto& t : orders_) {
        if (t.record.request.client_order_id == client_order_id) return &t;
    }
    return nullptr;
}

void SymbolEngine::forget(const std::string& client_order_id) {
    std::erase_if(orders_, [&](const Tracked& t) {
        return t.record.request.client_order_id == client_order_id;
    });
}

const Step& SymbolEngine::on_order(const OrderProgress& progress) {
    if (await_ == Await::kSignalId) {
        throw std::logic_error("SymbolEngine " + symbol() +
                               ": an order's progress came while a signal id was awaited");
    }
    const bool answer = await_ == Await::kOrderAnswer;
    if (answer && progress.client_order_id != awaited_) {
        throw std::logic_error("SymbolEngine " + symbol() + ": the answer for " + awaited_ +
                               " was expected, not for " + progress.client_order_id);
    }
    await_ = Await::kNothing;
    step_.clear();
    Tracked* t = find(progress.client_order_id);
    if (!t) {
        step_.log.push_back({LogLevel::kWarn, "order " + progress.client_order_id +
                                                  ": an update for an order this bot does not "
                                                  "follow; ignored"});
        return step_;
    }
    apply(*t, progress);
    return step_;
}

void SymbolEngine::apply(Tracked& t, const OrderProgress& progress) {
    const std::string id = t.record.request.client_order_id;
    if (!progress.known) {
        if (t.resumed) {
            // Written ahead by an earlier run and unknown to the exchange: never sent.
            t.record.status = OrderStatus::kCanceled;
            t.record.reason = kNotSentReason;
            step_.orders.push_back({t.record, {}});
            step_.log.push_back({LogLevel::kWarn, "order " + id +
                                                      " unknown to the gateway; marked CANCELED (" +
                                                      kNotSentReason + ")"});
            forget(id);
            return go_on();
        }
        if (t.cancel_sent && t.record.status) {
            // An open order the exchange no longer knows: nothing of it is left to cancel.
            exchange::OrderResult gone;
            gone.status = OrderStatus::kCanceled;
            gone.exchange_order_id = t.record.exchange_order_id;
            gone.reason = "unknown to the exchange when cancelled";
            return settle(t, gone);
        }
        // A lookup after an unknown answer that finds nothing yet: still unknown.
        exchange::OrderResult still;
        still.status = OrderStatus::kUnknown;
        still.reason = t.record.reason;
        OrderProgress unknown{id, true, std::move(still)};
        return apply(t, unknown);
    }
    const exchange::OrderResult& result = progress.result;
    if (result.status == OrderStatus::kUnknown) {
        if (t.resumed) {
            step_.log.push_back({LogLevel::kWarn, "order " + id + " still unresolved (" +
                                                      result.reason +
                                                      "); will ask again at the next start"});
            forget(id);
            return go_on();
        }
        if (t.queries < kUnknownQueries) {
            // No answer: the order may or may not exist. Ask (never re-send) before giving up.
            ++t.queries;
            t.record.reason = result.reason;
            step_.log.push_back(
                {LogLevel::kWarn, "order " + id + ": no answer (" + result.reason + "); querying"});
            step_.request = QueryOrder{t.record.request.symbol, id, kUnknownQueryDelayMs};
            await_ = Await::kOrderAnswer;
            awaited_ = id;
            return;
        }
    }
    if (t.resumed) {
        step_.log.push_back({LogLevel::kInfo, "order " + id + " left " + status_text(t.record) +
                                                  " by a previous run: gateway says " +
                                                  exchange::to_string(result.status)});
        t.resumed = false;
    }
    settle(t, result);
}

void SymbolEngine::settle(Tracked& t, const exchange::OrderResult& result) {
    const std::string id = t.record.request.client_order_id;
    const Side side = t.record.request.side;
    t.record.status = result.status;
    t.record.exchange_order_id = result.exchange_order_id;
    t.record.reason = result.reason;

    OrderUpdate update;
    for (const auto& f : result.fills) {
        // A fill reported again (a later update, a lookup) moves nothing twice.
        if (!f.trade_id.empty()) {
            if (std::find(t.trade_ids.begin(), t.trade_ids.end(), f.trade_id) !=
                t.trade_ids.end()) {
                continue;
            }
            t.trade_ids.push_back(f.trade_id);
        }
        FillEffect effect = fill_effect(side, f, settings_.filters);
        if (effect.fee_unvalued) {
            step_.log.push_back({LogLevel::kWarn, "fill of " + id + ": fee " + f.fee.to_string() +
                                                      " " + f.fee_asset + " is in neither " +
                                                      settings_.filters.base_asset + " nor " +
                                                      settings_.filters.quote_asset +
                                                      "; left out of PnL"});
        }
        // A base-asset fee on a sell can ask for a hair more than the book holds (the sizer saw
        // the quantity, not the fee): the exchange took it, so the position simply ends at zero.
        if (side == Side::kSell && effect.quantity > book_.quantity()) {
            effect.quantity = book_.quantity();
        }
        if (effect.quantity.is_positive()) {
            book_.apply_fill(side, f.price, effect.quantity, effect.fee_quote);
        } else {
            step_.log.push_back({LogLevel::kError, "fill of " + id + " moves no quantity (qty " +
                                                       f.quantity.to_string() + " fee " +
                                                       f.fee.to_string() + " " + f.fee_asset +
                                                       "); position unchanged"});
        }
        update.fills.push_back(f);
    }
    // The risk state moves with the position (a new entry starts its trailing high).
    for (const auto& f : update.fills) risk_.on_fill(side, f.price, book_);

    if (result.status == OrderStatus::kRejected) {
        ++step_.counters.rejected;
        step_.log.push_back({LogLevel::kWarn, "order " + id + " REJECTED: " + result.reason});
    } else if (result.status == OrderStatus::kUnknown) {
        step_.log.push_back({LogLevel::kWarn, "order " + id + " UNKNOWN: " + result.reason +
                                                  "; it will be settled at the next start"});
    } else {
        step_.log.push_back({LogLevel::kInfo, "order " + id + " " + status_text(t.record) +
                                                  " exchange_id=" + result.exchange_order_id});
    }
    for (const auto& f : update.fills) {
        step_.log.push_back(
            {LogLevel::kInfo,
             std::string("fill ") + exchange::to_string(side) + " qty=" + f.quantity.to_string() +
                 " price=" + f.price.to_string() + " fee=" + f.fee.to_string() + " " + f.fee_asset +
                 " id=" + id + " position=" + book_.quantity().to_string() +
                 " avg=" + book_.avg_entry_price().to_string() +
                 " realized=" + book_.realized_pnl().to_string()});
    }
    step_.counters.fills += static_cast<std::uint32_t>(update.fills.size());
    if (!update.fills.empty()) step_.position_changed = true;
    update.order = t.record;
    step_.orders.push_back(std::move(update));

    // While a flatten sells, its SELL is the only order in flight.
    if (then_ == Then::kFlattenAfterSell) flatten_sold_ = result.status;
    if (then_ == Then::kFlattenCancel && !exchange::is_final(result.status)) {
        flatten_failure_ = "order " + id + " is still " + status_text(t.record) +
                           " after its cancel" +
                           (result.reason.empty() ? "" : ": " + result.reason);
    }
    // Final, or unknown for good (the next start asks again): nothing more to follow here.
    if (exchange::is_final(result.status) || result.status == OrderStatus::kUnknown) forget(id);
    go_on();
}

void SymbolEngine::go_on() {
    if (busy()) return;
    const Then then = then_;
    then_ = Then::kNothing;
    switch (then) {
        case Then::kNothing:
            return;
        case Then::kReplayAfterRisk:
            risk_.mark_candle(book_, candle_, step_.log);
            return close_candle(candle_);
        case Then::kCloseAfterRisk:
            return close_candle(candle_);
        case Then::kCloseAfterDecision:
            risk_.on_candle_closed();
            return;
        case Then::kFlattenCancel:
            return flatten_next();
        case Then::kFlattenAfterSell:
            return finish_flatten();
    }
}

// ---- operator commands --------------------------------------------------------------------

const Step& SymbolEngine::on_command(const OperatorCommand& command) {
    Step& step = begin();
    switch (command.kind) {
        case CommandKind::kPause: {
            const bool was = control_.paused;
            control_.paused = true;
            control_.by = command.by;
            step.log.push_back({LogLevel::kWarn, "paused by " + command.by});
            step.state.control = true;
            step.command = CommandDone{command.id, command.kind, true,
                                       was ? "paused (it was paused already)" : "paused"};
            return step;
        }
        case CommandKind::kResume: {
            const bool was = control_.paused;
            control_ = ControlState{};
            step.log.push_back({LogLevel::kInfo, "resumed by " + command.by});
            step.state.control = true;
            step.command = CommandDone{command.id, command.kind, true,
                                       was ? "resumed" : "resumed (it was not paused)"};
            return step;
        }
        case CommandKind::kFlatten:
            flatten_ = command;
            flatten_failure_.clear();
            flatten_sold_.reset();
            flatten_quantity_ = Decimal();
            flatten_next();
            return step;
    }
    return step;
}

void SymbolEngine::flatten_next() {
    // Protective and other open orders are cancelled first, one at a time: none of them may
    // sell what the flatten sells.
    for (auto& t : orders_) {
        if (t.cancel_sent || !t.record.status || exchange::is_final(*t.record.status)) continue;
        t.cancel_sent = true;
        then_ = Then::kFlattenCancel;
        step_.request = CancelOrder{t.record.request.symbol, t.record.request.client_order_id};
        await_ = Await::kOrderAnswer;
        awaited_ = t.record.request.client_order_id;
        return;
    }
    flatten_sell();
}

void SymbolEngine::flatten_sell() {
    auto refuse = [&](std::string why, bool ok) {
        flatten_failure_ = std::move(why);
        flatten_ok_ = ok;
        finish_flatten();
    };
    if (!flatten_failure_.empty()) return refuse(flatten_failure_, false);
    if (!book_.quantity().is_positive()) return refuse("nothing to sell: no position", true);
    if (!last_price_.is_positive()) return refuse("no price seen yet to sell at", false);
    const ExitQuantity q = risk_.exit_quantity(book_, last_price_);
    if (!q.quantity.is_positive()) return refuse(q.note, true);
    flatten_quantity_ = q.quantity;
    step_.log.push_back(
        {LogLevel::kWarn, "flatten by " + flatten_.by + ": SELL " + q.quantity.to_string()});
    then_ = Then::kFlattenAfterSell;
    ask_signal(RecordSignal{Side::kSell, last_price_, kOperatorStrategyName,
                            "flatten by " + flatten_.by, flatten_.time_ms, std::nullopt},
               SignalFor::kFlatten);
}

void SymbolEngine::finish_flatten() {
    control_.paused = true;
    control_.by = flatten_.by;
    step_.state.control = true;
    CommandDone done{flatten_.id, CommandKind::kFlatten, true, ""};
    if (!flatten_failure_.empty()) {
        done.ok = flatten_ok_;
        done.result = flatten_failure_;
    } else if (flatten_sold_ == OrderStatus::kFilled) {
        done.result = "sold " + flatten_quantity_.to_string();
    } else if (flatten_sold_) {
        done.ok = false;
        done.result = std::string("the SELL ended ") + exchange::to_string(*flatten_sold_);
    } else {
        done.ok = false;
        done.result = "no SELL was placed";
    }
    done.result += "; paused";
    flatten_failure_.clear();
    flatten_ok_ = true;
    step_.command = std::move(done);
}

// ---- state --------------------------------------------------------------------------------

SavedState SymbolEngine::saved_state() {
    SavedState s;
    s.strategy = strategy_->save_state();
    s.last_candle_open_ms = last_candle_open_ms_;
    if (risk_.dirty()) s.risk = risk_.saved_form();
    if (control_unsaved_ || control_ != control_saved_) {
        s.control = control_.to_json();
        control_saved_ = control_;
        control_unsaved_ = false;
    }
    return s;
}

void SymbolEngine::state_not_saved() {
    risk_.unsaved();
    control_unsaved_ = true;
}

std::vector<OrderRecord> SymbolEngine::open_orders() const {
    std::vector<OrderRecord> out;
    for (const auto& t : orders_) {
        if (t.record.status && !exchange::is_final(*t.record.status)) out.push_back(t.record);
    }
    return out;
}

}  // namespace bot
