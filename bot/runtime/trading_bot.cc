#include "bot/runtime/trading_bot.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

namespace bot {
namespace {

using exchange::OrderStatus;

// How long a place() answer of kUnknown is followed up with query() before the order is left
// UNKNOWN for the next start-up to settle.
constexpr int kUnknownQueries = 3;
constexpr std::chrono::milliseconds kUnknownQueryDelay{500};

// How often a storage wait looks at the abandon flag.
constexpr std::chrono::milliseconds kStorageWaitSlice{50};

[[noreturn]] void storage_failure(const std::string& what, const storage::Status& st) {
    // Another process holds this symbol's lease now (several daemons on one database): trading
    // it here again could only be refused the same way, so the symbol stops until this process
    // takes the lease again.
    if (st.code() == storage::Code::kFenced) {
        throw BotFatalError("lease lost, " + what + ": " + st.message());
    }
    throw std::runtime_error("storage: " + what + ": " + st.to_string());
}

// The market time of a kline's price: when it was sent, or for a candle without one its end.
std::int64_t kline_time(const exchange::Kline& k) {
    return k.event_time_ms != 0 ? k.event_time_ms : k.close_time_ms;
}

}  // namespace

TradingBot::TradingBot(BotSettings settings, BotDeps deps)
    : settings_(std::move(settings)), deps_(std::move(deps)), book_(settings_.symbol.symbol) {
    if (!deps_.db || !deps_.stream || !deps_.gateway || !deps_.stats || !deps_.log ||
        !deps_.strategy_factory) {
        throw std::invalid_argument("TradingBot: missing dependency");
    }
    strategy_ = deps_.strategy_factory(settings_.symbol.strategy);
    if (!strategy_) throw std::invalid_argument("TradingBot: strategy factory returned null");
}

TradingBot::~TradingBot() {
    try {
        // The next bot of this symbol reads the state back: let the write land first, unless the
        // bot is being abandoned (then it stays queued and lands at the close, or never).
        if (pending_state_) {
            while (!pending_state_->wait_for(kStorageWaitSlice) && !abandoned()) {
            }
        }
    } catch (...) {
        // A destructor never throws; the write is still queued and lands anyway.
    }
}

std::optional<std::int64_t> last_committed_candle(const storage::Database& db,
                                                  const std::vector<std::string>& symbols) {
    std::optional<std::int64_t> newest;
    for (const auto& symbol : symbols) {
        auto text = db.state(symbol, kLastCandleKey);
        if (!text) continue;
        try {
            const std::int64_t open_ms = std::stoll(*text);
            if (!newest || open_ms > *newest) newest = open_ms;
        } catch (const std::exception&) {
            // An unreadable marker: that symbol simply does not constrain the resume point.
        }
    }
    return newest;
}

bool TradingBot::abandoned() const {
    return deps_.abandon != nullptr && deps_.abandon->load(std::memory_order_relaxed);
}

storage::Result<storage::WriteResult> TradingBot::await(const storage::WriteHandle& handle,
                                                        const std::string& what) {
    while (!handle->wait_for(kStorageWaitSlice)) {
        if (abandoned()) {
            const storage::WriterStats ws = deps_.db->writer_stats();
            throw BotAbandoned(
                what + " still queued when the stop gave up waiting (" +
                (ws.stalled ? "storage stalled for " + std::to_string(ws.stalled_ms / 1000) + " s"
                            : std::string("storage busy")) +
                "); it stays queued for the close");
        }
    }
    return handle->wait();
}

storage::Result<storage::WriteResult> TradingBot::commit(storage::WriteBatch batch,
                                                         const std::string& what) {
    return await(deps_.db->submit(std::move(batch)), what);
}

std::string TradingBot::describe_strategy() const {
    const auto& s = settings_.symbol.strategy;
    return strategy_->describe() + " " + s.interval;
}

void TradingBot::start() {
    const std::string& sym = symbol();
    auto rules = deps_.gateway->rules(sym);
    // A gateway also answers nullopt when it could not reach the exchange (BinanceGateway:
    // TLS refused, no route), so the message must not claim the symbol is unlisted; the
    // gateway's own log line just before says which it was.
    if (!rules) {
        throw BotFatalError("no trading rules for " + sym +
                            ": the exchange does not list it or could not be reached");
    }
    rules_ = *rules;

    if (auto row = deps_.db->position(sym)) {
        auto book = PositionBook::from_record(*row);
        if (!book) {
            throw BotFatalError("damaged position row (quantity=" + row->quantity +
                                " avg_entry_price=" + row->avg_entry_price +
                                "); refusing to trade " + sym + " rather than guess");
        }
        book_ = std::move(*book);
    }
    // The risk rules need the exchange's filters (exit sizing, ticks) and resume their state.
    risk_.emplace(settings_.symbol.risk, rules_, deps_.log);
    risk_->restore(deps_.db->state(sym, kRiskStateKey));

    bool restored = false;
    if (auto state = deps_.db->state(sym, kStrategyStateKey)) {
        restored = strategy_->restore(*state);
        if (!restored) {
            deps_.log->info("stored strategy state does not match {}; warming up afresh",
                            describe_strategy());
        }
    }
    std::optional<std::int64_t> stored_last;
    if (auto text = deps_.db->state(sym, kLastCandleKey)) {
        try {
            stored_last = std::stoll(*text);
        } catch (const std::exception&) {
            // An unreadable marker only costs the "clock went backwards" check below.
        }
    }
    warm_up(restored, stored_last);
    settle_unresolved_orders();
    publish_position();
    deps_.log->info("started: strategy={} state={} position={} avg={} realized={}",
                    describe_strategy(), restored ? "restored" : "fresh",
                    book_.quantity().to_string(), book_.avg_entry_price().to_string(),
                    book_.realized_pnl().to_string());
    started_ = true;
}

void TradingBot::warm_up(bool& restored, std::optional<std::int64_t> stored_last) {
    const auto& s = settings_.symbol.strategy;
    // What the strategy asks for, on top of the floor.
    const int limit = std::max(settings_.min_warmup_candles, strategy_->warmup_candles());
    std::vector<exchange::Kline> history = deps_.stream->history(symbol(), s.interval, limit);
    if (restored && stored_last) last_candle_open_ms_ = *stored_last;
    if (restored && stored_last && !history.empty() && *stored_last > history.back().open_time_ms) {
        // The state is ahead of the market's clock: the simulated market restarted its time
        // compression at the wall clock. The old indicators would ignore every candle until
        // the clock caught up, so start them afresh from this market's history.
        deps_.log->info(
            "stored strategy state (candle {}) is ahead of the market clock (newest "
            "candle {}); warming up afresh",
            *stored_last, history.back().open_time_ms);
        strategy_ = deps_.strategy_factory(s);
        restored = false;
        last_candle_open_ms_ = 0;
    }
    // After a restore this fills the gap since the last run (the strategy ignores candles it
    // has seen); otherwise it is the whole warm-up. Decisions on past candles are not acted on:
    // their prices are gone.
    int fed = 0;
    std::optional<std::int64_t> newest;
    for (const auto& k : history) {
        if (!k.closed) continue;
        (void)strategy_->on_kline(k);
        if (deps_.on_candle) deps_.on_candle(k);
        last_candle_open_ms_ = std::max(last_candle_open_ms_, k.open_time_ms);
        last_price_ = k.close;
        newest = std::max(newest.value_or(k.open_time_ms), k.open_time_ms);
        ++fed;
    }
    // The stream continues right after the history this bot has seen.
    if (newest) deps_.stream->resume_after(symbol(), s.interval, *newest);
    deps_.log->info("{} from {} history candles (ready={})", restored ? "caught up" : "warmed up",
                    fed, strategy_->ready());
}

void TradingBot::add_state(storage::WriteBatch& batch) {
    batch.put_state(symbol(), kStrategyStateKey, strategy_->save_state());
    batch.put_state(symbol(), kLastCandleKey, std::to_string(last_candle_open_ms_));
    if (risk_ && risk_->dirty()) batch.put_state(symbol(), kRiskStateKey, risk_->saved_form());
}

void TradingBot::settle_unresolved_orders() {
    const std::string& sym = symbol();
    // Every order still PENDING or UNKNOWN, however many newer ones followed it (a stop that
    // could not commit an outcome leaves one behind), oldest first so that fills apply to the
    // position in the order they happened.
    std::vector<storage::Order> unresolved = deps_.db->unresolved_orders(sym);
    for (auto& row : unresolved) {
        std::optional<exchange::OrderResult> found = deps_.gateway->query(sym, row.client_order_id);
        if (!found) {
            row.status = "CANCELED";
            row.reason = kNotSentReason;
            storage::Status st =
                commit(storage::WriteBatch().upsert_order(row), "order " + row.client_order_id)
                    .status();
            if (!st.is_ok()) storage_failure("order " + row.client_order_id + " not updated", st);
            deps_.log->warn("order {} unknown to the gateway; marked CANCELED ({})",
                            row.client_order_id, kNotSentReason);
            continue;
        }
        if (found->status == OrderStatus::kUnknown) {
            deps_.log->warn("order {} still unresolved ({}); will ask again at the next start",
                            row.client_order_id, found->reason);
            continue;
        }
        deps_.log->info("order {} left {} by a previous run: gateway says {}", row.client_order_id,
                        row.status, exchange::to_string(found->status));
        settle(std::move(row), *found);
    }
}

void TradingBot::run(const std::atomic<bool>& abandon) {
    if (!deps_.queue) throw std::invalid_argument("TradingBot::run: no event queue");
    if (!started_) start();
    BotStats& stats = *deps_.stats;
    stats.running.store(true);
    struct RunningFlag {
        BotStats& s;
        ~RunningFlag() { s.running.store(false); }
    } running_flag{stats};

    while (!abandon.load(std::memory_order_relaxed)) {
        stats.touch();
        // The idle wait bounds how late the loop notices `abandon`; the watchdog counts each
        // turn as progress.
        // Prices the full queue dropped were queued before this event: they count first.
        DroppedPrices dropped;
        std::optional<exchange::MarketEvent> event =
            deps_.queue->pop(std::chrono::milliseconds(200), &dropped);
        if (dropped.count > 0) on_dropped(dropped);
        if (event) {
            handle(*event);
        } else if (deps_.queue->is_finished()) {
            break;
        }
    }
    flush();
    stats.touch();
}

void TradingBot::count_event() {
    BotStats& stats = *deps_.stats;
    stats.events.fetch_add(1, std::memory_order_relaxed);
    stats.last_event_ms.store(BotStats::wall_now_ms(), std::memory_order_relaxed);
}

void TradingBot::handle(const exchange::Kline& kline) {
    count_event();
    if (kline.symbol != symbol()) return;  // misrouted: never trade on it
    on_kline(kline);
}

void TradingBot::handle(const exchange::MarketEvent& event) {
    count_event();
    if (exchange::symbol_of(event) != symbol()) return;  // misrouted: never trade on it
    if (const auto* k = std::get_if<exchange::Kline>(&event)) {
        on_kline(*k);
    } else if (const auto* t = std::get_if<exchange::Trade>(&event)) {
        if (t->price.is_positive()) {
            last_price_ = t->price;
            on_price(t->price, t->trade_time_ms != 0 ? t->trade_time_ms : t->event_time_ms);
            publish_position();  // the heartbeat's last price and unrealized PnL
        }
    }
    // Book tickers carry no trade price; the bot has no use for them yet.
}

void TradingBot::on_kline(const exchange::Kline& k) {
    if (k.interval != settings_.symbol.strategy.interval) return;
    if (k.close.is_positive()) last_price_ = k.close;
    // The risk rules see the price before the strategy sees the close.
    if (k.closed && settings_.prices == PriceFeed::kCandles) {
        on_replayed_candle(k);
    } else if (k.close.is_positive()) {
        on_price(k.close, kline_time(k), /*persist=*/!k.closed);  // a close writes its state
    }
    if (!k.closed) {  // strategies act on closed candles only
        publish_position();
        return;
    }
    deps_.stats->closed_klines.fetch_add(1, std::memory_order_relaxed);
    last_candle_open_ms_ = std::max(last_candle_open_ms_, k.open_time_ms);
    std::optional<Decision> decision = strategy_->on_kline(k);
    if (deps_.on_candle) deps_.on_candle(k);
    if (decision) on_decision(*decision, k);
    if (risk_) risk_->on_candle_closed();  // after the decision: it held the close it began in
    // A RowSink takes the state once, at flush().
    if (!decision && !deps_.rows) persist_state_async();
    publish_position();
}

void TradingBot::on_price(const Decimal& price, std::int64_t time_ms, bool persist) {
    if (!risk_) return;
    if (std::optional<RiskExit> exit = risk_->on_price(book_, price, time_ms)) {
        exit_position(*exit, time_ms);
    } else if (persist && risk_->dirty()) {
        persist_risk_async();
    }
}

void TradingBot::on_dropped(const DroppedPrices& dropped) {
    if (!risk_) return;
    if (std::optional<RiskExit> exit = risk_->on_dropped(book_, dropped)) {
        exit_position(*exit, dropped.low_first ? dropped.low_time_ms : dropped.high_time_ms);
    } else if (risk_->dirty()) {
        persist_risk_async();
    }
    publish_position();
}

void TradingBot::on_replayed_candle(const exchange::Kline& k) {
    if (!risk_) return;
    // A replay does not know when inside the candle the exit happened: it is stamped with the
    // candle's open, which is exact when the candle opened beyond the level.
    if (std::optional<RiskExit> exit = risk_->on_candle(book_, k)) {
        exit_position(*exit, k.open_time_ms);
    }
    risk_->mark_candle(book_, k);
}

void TradingBot::exit_position(const RiskExit& exit, std::int64_t time_ms) {
    risk_->on_exit();  // REQUIRES: risk_ (an exit comes from it)
    deps_.stats->risk_exits[static_cast<std::size_t>(exit.rule)].fetch_add(
        1, std::memory_order_relaxed);
    storage::Signal signal;
    signal.symbol = symbol();
    signal.side = exchange::to_string(exchange::Side::kSell);
    signal.price = exit.price.to_string();
    signal.strategy = kRiskStrategyName;
    signal.reason = exit.reason;
    signal.event_time_ms = time_ms;
    const std::int64_t signal_id = write_signal(signal);

    const ExitQuantity q = risk_->exit_quantity(book_, exit.price);
    if (!q.quantity.is_positive()) {
        deps_.log->info("no order for signal id={}: {}", signal_id, q.note);
        return;
    }
    if (!q.note.empty()) deps_.log->info("risk exit {}", q.note);
    place_order(exchange::Side::kSell, q.quantity, exit.price, signal_id);
}

std::int64_t TradingBot::write_signal(const storage::Signal& signal) {
    std::int64_t signal_id = 0;
    if (deps_.rows) {
        signal_id = deps_.rows->add_signal(signal);
    } else {
        // The signal and the state that includes its candle land together: after a crash the
        // restored strategy never decides on the same candle twice.
        storage::WriteBatch batch;
        batch.insert_signal(signal);
        add_state(batch);
        wait_async();
        storage::Result<storage::WriteResult> written = commit(std::move(batch), "signal");
        if (!written.is_ok()) storage_failure("signal not saved", written.status());
        signal_id = written.value().ids.empty() ? 0 : written.value().ids.front();
    }
    deps_.stats->signals.fetch_add(1, std::memory_order_relaxed);
    deps_.log->info("signal {} price={} id={} strategy={} reason=\"{}\"", signal.side, signal.price,
                    signal_id, signal.strategy, signal.reason);
    return signal_id;
}

void TradingBot::on_decision(const Decision& d, const exchange::Kline& k) {
    const std::string& sym = symbol();
    const char* side = exchange::to_string(d.side);

    storage::Signal signal;
    signal.symbol = sym;
    signal.side = side;
    signal.price = d.price.to_string();
    signal.strategy = strategy_->name();
    signal.reason = d.reason;
    signal.event_time_ms = kline_time(k);
    const std::int64_t signal_id = write_signal(signal);

    // The daily loss halt and the cooldown hold new entries; exits and SELLs go on.
    if (d.side == exchange::Side::kBuy && risk_) {
        if (std::optional<std::string> block = risk_->entry_block()) {
            deps_.log->info("no order for signal id={}: {}", signal_id, *block);
            return;
        }
    }

    SizingInput in{d.side,
                   d.price.is_positive() ? d.price : last_price_,
                   book_.quantity(),
                   settings_.trading.quote_per_trade,
                   settings_.trading.max_position_quote,
                   rules_};
    SizingResult size = size_order(in);
    if (!size.quantity.is_positive()) {
        deps_.log->info("no order for signal id={}: {}", signal_id, size.reason);
        return;
    }
    place_order(d.side, size.quantity, in.price, signal_id);
}

void TradingBot::place_order(exchange::Side side, const Decimal& quantity, const Decimal& price,
                             std::int64_t signal_id) {
    const std::string& sym = symbol();
    storage::Order row;
    row.client_order_id = "tb-" + sym + "-" + std::to_string(signal_id);
    row.symbol = sym;
    row.side = exchange::to_string(side);
    row.type = "MARKET";
    row.quantity = quantity.to_string();
    row.price = price.to_string();
    row.status = "PENDING";
    row.signal_id = signal_id;

    // Write-ahead: the row is committed before the gateway hears of the order. A bot abandoned
    // while this waits never sends the order. A RowSink gets the row once, with its outcome.
    if (!deps_.rows) {
        storage::Status st =
            commit(storage::WriteBatch().upsert_order(row), "order " + row.client_order_id)
                .status();
        if (!st.is_ok()) storage_failure("order " + row.client_order_id + " not written ahead", st);
    }
    deps_.log->info("order {} {} qty={} ref_price={} id={}", row.side, row.type, row.quantity,
                    row.price, row.client_order_id);

    exchange::OrderRequest request;
    request.client_order_id = row.client_order_id;
    request.symbol = sym;
    request.side = side;
    request.quantity = quantity;
    request.reference_price = price;
    deps_.stats->orders.fetch_add(1, std::memory_order_relaxed);
    exchange::OrderResult result = deps_.gateway->place(request);

    // No answer: the order may or may not exist. Ask (never re-send) before giving up.
    for (int i = 0; i < kUnknownQueries && result.status == OrderStatus::kUnknown; ++i) {
        deps_.log->warn("order {}: no answer ({}); querying", row.client_order_id, result.reason);
        std::this_thread::sleep_for(kUnknownQueryDelay);
        if (auto found = deps_.gateway->query(sym, row.client_order_id)) result = *found;
    }
    settle(std::move(row), result);
}

void TradingBot::settle(storage::Order row, const exchange::OrderResult& result) {
    const std::string& sym = symbol();
    const exchange::Side side = row.side == "SELL" ? exchange::Side::kSell : exchange::Side::kBuy;
    row.status = exchange::to_string(result.status);
    row.exchange_order_id = result.exchange_order_id;
    row.reason = result.reason;
    row.updated_at_ms = 0;

    storage::WriteBatch batch;
    batch.upsert_order(row);
    // Apply to a copy: the book changes only once the batch is committed.
    PositionBook book = book_;
    for (const auto& f : result.fills) {
        FillEffect effect = fill_effect(side, f, rules_);
        if (effect.fee_unvalued) {
            deps_.log->warn("fill of {}: fee {} {} is in neither {} nor {}; left out of PnL",
                            row.client_order_id, f.fee.to_string(), f.fee_asset, rules_.base_asset,
                            rules_.quote_asset);
        }
        // A base-asset fee on a sell can ask for a hair more than the book holds (the sizer saw
        // the quantity, not the fee): the exchange took it, so the position simply ends at zero.
        if (side == exchange::Side::kSell && effect.quantity > book.quantity()) {
            effect.quantity = book.quantity();
        }
        if (effect.quantity.is_positive()) {
            book.apply_fill(side, f.price, effect.quantity, effect.fee_quote);
        } else {
            deps_.log->error("fill of {} moves no quantity (qty {} fee {} {}); position unchanged",
                             row.client_order_id, f.quantity.to_string(), f.fee.to_string(),
                             f.fee_asset);
        }
        storage::Fill fill;
        fill.client_order_id = row.client_order_id;
        fill.symbol = sym;
        fill.side = row.side;
        fill.price = f.price.to_string();
        fill.quantity = f.quantity.to_string();
        fill.fee = f.fee.to_string();
        fill.fee_asset = f.fee_asset;
        fill.trade_id = f.trade_id;
        fill.trade_time_ms = f.trade_time_ms;
        batch.insert_fill(std::move(fill));
    }
    // The risk state moves with the position (a new entry starts its trailing high) and is
    // written with it.
    if (risk_) {
        for (const auto& f : result.fills) risk_->on_fill(side, f.price, book);
    }
    if (deps_.rows) {
        deps_.rows->add(std::move(batch));  // the position and state follow at flush()
    } else {
        if (!result.fills.empty()) batch.upsert_position(book.to_record());
        add_state(batch);
        wait_async();
        // Abandoned while this waits: the order row stays PENDING (or lands with this outcome at
        // the close); the next start asks the gateway and settles it.
        storage::Result<storage::WriteResult> written =
            commit(std::move(batch), "outcome of order " + row.client_order_id);
        if (!written.is_ok()) {
            storage_failure("outcome of order " + row.client_order_id + " not saved",
                            written.status());
        }
    }
    book_ = std::move(book);
    if (!result.fills.empty()) {
        filled_ = true;
        publish_position();
    }

    if (result.status == OrderStatus::kRejected) {
        deps_.stats->rejected.fetch_add(1, std::memory_order_relaxed);
        deps_.log->warn("order {} REJECTED: {}", row.client_order_id, result.reason);
    } else if (result.status == OrderStatus::kUnknown) {
        deps_.log->warn("order {} UNKNOWN: {}; it will be settled at the next start",
                        row.client_order_id, result.reason);
    } else {
        deps_.log->info("order {} {} exchange_id={}", row.client_order_id, row.status,
                        row.exchange_order_id);
    }
    for (const auto& f : result.fills) {
        deps_.stats->fills.fetch_add(1, std::memory_order_relaxed);
        deps_.log->info("fill {} qty={} price={} fee={} {} id={} position={} avg={} realized={}",
                        row.side, f.quantity.to_string(), f.price.to_string(), f.fee.to_string(),
                        f.fee_asset, row.client_order_id, book_.quantity().to_string(),
                        book_.avg_entry_price().to_string(), book_.realized_pnl().to_string());
    }
}

void TradingBot::persist_state_async() {
    // One write in flight is enough: if the previous one is still queued, wait for it first so
    // writes land in order and the queue of pending handles stays bounded.
    wait_async();
    storage::WriteBatch batch;
    add_state(batch);
    pending_state_ = deps_.db->submit(std::move(batch));
}

void TradingBot::persist_risk_async() {
    if (deps_.rows) return;  // a RowSink takes the state once, at flush()
    if (pending_state_ && !pending_state_->done()) return;  // still dirty: the next one writes it
    persist_state_async();
}

void TradingBot::wait_async() {
    if (!pending_state_) return;
    storage::Status st = await(pending_state_, "strategy state").status();
    pending_state_.reset();
    if (!st.is_ok()) {
        deps_.stats->storage_errors.fetch_add(1, std::memory_order_relaxed);
        deps_.log->error("strategy state not saved: {}", st.to_string());
        if (risk_) risk_->unsaved();  // written again with the next write
    }
}

void TradingBot::flush() {
    wait_async();
    if (deps_.rows && started_) {
        storage::WriteBatch batch;
        if (filled_) batch.upsert_position(book_.to_record());
        add_state(batch);
        deps_.rows->add(std::move(batch));
    }
}

void TradingBot::publish_position() {
    PositionSnapshot p;
    p.quantity = book_.quantity();
    p.avg_entry_price = book_.avg_entry_price();
    p.realized_pnl = book_.realized_pnl();
    p.last_price = last_price_;
    if (last_price_.is_positive()) p.unrealized_pnl = book_.unrealized_pnl(last_price_);
    deps_.stats->set_position(p);
    if (risk_) deps_.stats->set_risk(risk_->snapshot(book_));
}

}  // namespace bot
