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

// How often a storage or lookup wait looks at the abandon flag.
constexpr std::chrono::milliseconds kWaitSlice{50};

[[noreturn]] void storage_failure(const std::string& what, const storage::Status& st) {
    // Another process holds this symbol's lease now (several daemons on one database): trading
    // it here again could only be refused the same way, so the symbol stops until this process
    // takes the lease again.
    if (st.code() == storage::Code::kFenced) {
        throw BotFatalError("lease lost, " + what + ": " + st.message());
    }
    throw std::runtime_error("storage: " + what + ": " + st.to_string());
}

}  // namespace

TradingBot::TradingBot(BotSettings settings, BotDeps deps)
    : settings_(std::move(settings)), deps_(std::move(deps)), empty_book_(settings_.symbol.symbol) {
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
            while (!pending_state_->wait_for(kWaitSlice) && !abandoned()) {
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

const PositionBook& TradingBot::position() const {
    return engine_ ? engine_->position() : empty_book_;
}

bool TradingBot::abandoned() const {
    return deps_.abandon != nullptr && deps_.abandon->load(std::memory_order_relaxed);
}

storage::Result<storage::WriteResult> TradingBot::await(const storage::WriteHandle& handle,
                                                        const std::string& what) {
    while (!handle->wait_for(kWaitSlice)) {
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
    const StoredState stored = load_stored_state(*deps_.db, sym);
    engine_.emplace(EngineSettings{settings_.symbol, settings_.trading, *rules},
                    std::move(strategy_), deps_.strategy_factory);
    carry_out(&engine_->resume(stored));

    const std::vector<exchange::Kline> history =
        deps_.stream->history(sym, settings_.symbol.strategy.interval,
                              engine_->history_wanted(settings_.min_warmup_candles));
    const Step& warmed = engine_->warm_up(history);
    // The stream continues right after the history this bot has seen.
    if (warmed.resume_after_ms) {
        deps_.stream->resume_after(sym, settings_.symbol.strategy.interval,
                                   *warmed.resume_after_ms);
    }
    carry_out(&warmed);
    if (deps_.on_candle) {
        for (const auto& k : history) {
            if (k.closed) deps_.on_candle(k);
        }
    }

    // Every order still PENDING or UNKNOWN, however many newer ones followed it (a stop that
    // could not commit an outcome leaves one behind), oldest first so that fills apply to the
    // position in the order they happened.
    for (const storage::Order& row : deps_.db->unresolved_orders(sym)) {
        std::optional<OrderRecord> order = order_from_row(row);
        if (!order) {
            throw BotFatalError("damaged order row " + row.client_order_id + " (side=" + row.side +
                                " quantity=" + row.quantity + " price=" + row.price + " status=" +
                                row.status + "); refusing to trade " + sym + " rather than guess");
        }
        carry_out(&engine_->resume_order(*order));
    }
    carry_out(&engine_->started());
    publish_position();
}

void TradingBot::run(const std::atomic<bool>& abandon) {
    if (!deps_.queue) throw std::invalid_argument("TradingBot::run: no event queue");
    if (!engine_) start();
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
        if (dropped.count > 0) {
            carry_out(&engine_->on_dropped(dropped));
            publish_position();
        }
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
    if (!engine_) throw std::logic_error("TradingBot::handle before start()");
    count_event();
    carry_out(&engine_->on_kline(kline), &kline);
    publish_position();
}

void TradingBot::handle(const exchange::MarketEvent& event) {
    if (const auto* k = std::get_if<exchange::Kline>(&event)) return handle(*k);
    if (!engine_) throw std::logic_error("TradingBot::handle before start()");
    count_event();
    if (const auto* t = std::get_if<exchange::Trade>(&event)) {
        carry_out(&engine_->on_trade(*t));
        publish_position();  // the heartbeat's last price and unrealized PnL
    }
    // Book tickers carry no trade price; the bot has no use for them yet.
}

CommandDone TradingBot::handle(const OperatorCommand& command) {
    if (!engine_) throw std::logic_error("TradingBot::handle before start()");
    command_done_.reset();
    carry_out(&engine_->on_command(command));
    publish_position();
    CommandDone done =
        command_done_.value_or(CommandDone{command.id, command.kind, false, "not carried out"});
    command_done_.reset();
    return done;
}

void TradingBot::carry_out(const Step* step, const exchange::Kline* candle) {
    BotStats& stats = *deps_.stats;
    StateChanges changed;
    for (;;) {
        const Step& s = *step;
        if (!s.orders.empty()) record_outcome(s);
        write_log(*deps_.log, s.log);
        const StepCounters& c = s.counters;
        if (c.closed_klines)
            stats.closed_klines.fetch_add(c.closed_klines, std::memory_order_relaxed);
        if (c.signals) stats.signals.fetch_add(c.signals, std::memory_order_relaxed);
        if (c.fills) stats.fills.fetch_add(c.fills, std::memory_order_relaxed);
        if (c.rejected) stats.rejected.fetch_add(c.rejected, std::memory_order_relaxed);
        for (std::size_t i = 0; i < c.risk_exits.size(); ++i) {
            if (c.risk_exits[i]) stats.risk_exits[i].fetch_add(c.risk_exits[i]);
        }
        if (s.candle_taken && candle && deps_.on_candle) deps_.on_candle(*candle);
        if (s.command) command_done_ = s.command;
        changed.risk |= s.state.risk;
        changed.candle |= s.state.candle;
        changed.control |= s.state.control;

        if (const auto* r = std::get_if<RecordSignal>(&s.request)) {
            step = &engine_->signal_recorded(record_signal(*r));
        } else if (const auto* p = std::get_if<PlaceOrder>(&s.request)) {
            step = &engine_->on_order(place(*p));
        } else if (const auto* q = std::get_if<QueryOrder>(&s.request)) {
            step = &engine_->on_order(query(*q));
        } else if (const auto* x = std::get_if<CancelOrder>(&s.request)) {
            step = &engine_->on_order(cancel(*x));
        } else {
            break;
        }
    }
    if (changed.control) {
        persist_state_now();
    } else if (changed.candle) {
        persist_state_async();
    } else if (changed.risk) {
        persist_risk_async();
    }
}

std::int64_t TradingBot::record_signal(const RecordSignal& signal) {
    // The signal and the state that includes its candle land together: after a crash the
    // restored strategy never decides on the same candle twice.
    storage::WriteBatch batch;
    batch.insert_signal(signal_row(symbol(), signal));
    add_state(batch);
    wait_async();
    storage::Result<storage::WriteResult> written = commit(std::move(batch), "signal");
    if (!written.is_ok()) {
        engine_->state_not_saved();
        storage_failure("signal not saved", written.status());
    }
    return written.value().ids.empty() ? 0 : written.value().ids.front();
}

OrderProgress TradingBot::place(const PlaceOrder& p) {
    const std::string& id = p.order.request.client_order_id;
    // Write-ahead: the row is committed before the gateway hears of the order. A bot abandoned
    // while this waits never sends the order.
    storage::Status st =
        commit(storage::WriteBatch().upsert_order(order_row(p.order)), "order " + id).status();
    if (!st.is_ok()) storage_failure("order " + id + " not written ahead", st);
    deps_.stats->orders.fetch_add(1, std::memory_order_relaxed);
    return OrderProgress{id, true, deps_.gateway->place(p.order.request)};
}

OrderProgress TradingBot::query(const QueryOrder& q) {
    // The engine's wait before a lookup, in slices a stop can cut short: the order stays as it
    // was written (PENDING) and the next start settles it.
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(q.after_ms);
    while (std::chrono::steady_clock::now() < until) {
        if (abandoned()) {
            throw BotAbandoned("order " + q.client_order_id +
                               " still unanswered when the stop came; it is settled at the next "
                               "start");
        }
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            kWaitSlice, until - std::chrono::steady_clock::now()));
    }
    std::optional<exchange::OrderResult> found = deps_.gateway->query(q.symbol, q.client_order_id);
    return OrderProgress{q.client_order_id, found.has_value(),
                         found ? std::move(*found) : exchange::OrderResult{}};
}

OrderProgress TradingBot::cancel(const CancelOrder& c) {
    std::optional<exchange::OrderResult> after = deps_.gateway->cancel(c.symbol, c.client_order_id);
    return OrderProgress{c.client_order_id, after.has_value(),
                         after ? std::move(*after) : exchange::OrderResult{}};
}

void TradingBot::record_outcome(const Step& step) {
    storage::WriteBatch batch;
    add_order_rows(batch, step);
    if (step.position_changed) batch.upsert_position(position_row(engine_->position()));
    add_state(batch);
    wait_async();
    const std::string what =
        "outcome of order " + step.orders.front().order.request.client_order_id;
    // Abandoned while this waits: the order row stays PENDING (or lands with this outcome at
    // the close); the next start asks the gateway and settles it.
    storage::Result<storage::WriteResult> written = commit(std::move(batch), what);
    if (!written.is_ok()) {
        engine_->state_not_saved();
        storage_failure(what + " not saved", written.status());
    }
}

void TradingBot::add_state(storage::WriteBatch& batch) {
    add_state_rows(batch, symbol(), engine_->saved_state());
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
    if (pending_state_ && !pending_state_->done()) return;  // still dirty: the next one writes it
    persist_state_async();
}

void TradingBot::persist_state_now() {
    wait_async();
    storage::WriteBatch batch;
    add_state(batch);
    storage::Result<storage::WriteResult> written = commit(std::move(batch), "control state");
    if (!written.is_ok()) {
        engine_->state_not_saved();
        storage_failure("control state not saved", written.status());
    }
}

void TradingBot::wait_async() {
    if (!pending_state_) return;
    storage::Status st = await(pending_state_, "strategy state").status();
    pending_state_.reset();
    if (!st.is_ok()) {
        deps_.stats->storage_errors.fetch_add(1, std::memory_order_relaxed);
        deps_.log->error("strategy state not saved: {}", st.to_string());
        if (engine_) engine_->state_not_saved();  // written again with the next write
    }
}

void TradingBot::flush() { wait_async(); }

void TradingBot::publish_position() {
    if (!engine_) return;
    const PositionBook& book = engine_->position();
    const Decimal& last = engine_->last_price();
    PositionSnapshot p;
    p.quantity = book.quantity();
    p.avg_entry_price = book.avg_entry_price();
    p.realized_pnl = book.realized_pnl();
    p.last_price = last;
    if (last.is_positive()) p.unrealized_pnl = book.unrealized_pnl(last);
    deps_.stats->set_position(p);
    deps_.stats->set_risk(engine_->risk_snapshot());
    deps_.stats->paused.store(engine_->control().paused, std::memory_order_relaxed);
}

}  // namespace bot
