#include "bot/runtime/replay_bot.h"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <utility>
#include <variant>

#include "bot/runtime/rows.h"

namespace bot {

ReplayBot::ReplayBot(ReplaySettings settings, ReplayDeps deps)
    : settings_(std::move(settings)), deps_(std::move(deps)) {
    if (!deps_.gateway || !deps_.sink || !deps_.log) {
        throw std::invalid_argument("ReplayBot: missing dependency");
    }
}

void ReplayBot::start() {
    const std::string& sym = settings_.symbol.symbol;
    auto filters = deps_.gateway->rules(sym);
    if (!filters) throw BotFatalError("no trading rules for " + sym);
    const StrategyFactory& factory = deps_.strategy_factory;
    if (!factory) throw std::invalid_argument("ReplayBot: no strategy factory");
    std::unique_ptr<Strategy> strategy = factory(settings_.symbol.strategy);
    engine_.emplace(EngineSettings{settings_.symbol, settings_.trading, *filters},
                    std::move(strategy), factory);
    const StoredState stored = deps_.db ? load_stored_state(*deps_.db, sym) : StoredState{};
    carry_out(&engine_->resume(stored));
    carry_out(&engine_->warm_up({}));
    carry_out(&engine_->started());
}

void ReplayBot::on_candle(const exchange::Kline& candle) {
    fills_.clear();
    carry_out(&engine_->on_candle(candle));
}

void ReplayBot::carry_out(const Step* step) {
    for (;;) {
        const Step& s = *step;
        if (!s.orders.empty()) {
            storage::WriteBatch batch;
            add_order_rows(batch, s);
            deps_.sink->add(std::move(batch));  // the position and the state follow at finish()
            for (const auto& u : s.orders) {
                for (const auto& f : u.fills) {
                    fills_.push_back({u.order.request.side, f.price, f.fee});
                }
            }
            filled_ |= s.position_changed;
        }
        if (!s.log.empty()) write_log(*deps_.log, s.log);
        const StepCounters& c = s.counters;
        counts_.closed_klines += c.closed_klines;
        counts_.signals += c.signals;
        counts_.fills += c.fills;
        counts_.rejected += c.rejected;
        for (std::size_t i = 0; i < c.risk_exits.size(); ++i)
            counts_.risk_exits[i] += c.risk_exits[i];

        if (const auto* r = std::get_if<RecordSignal>(&s.request)) {
            step = &engine_->signal_recorded(
                deps_.sink->add_signal(signal_row(settings_.symbol.symbol, *r)));
        } else if (const auto* p = std::get_if<PlaceOrder>(&s.request)) {
            const OrderRecord& o = p->order;
            step = &engine_->on_order(
                {o.request.client_order_id, true, deps_.gateway->place(o.request)});
        } else if (const auto* q = std::get_if<QueryOrder>(&s.request)) {
            // Replayed time does not pass while the engine waits: the lookup is made at once.
            std::optional<exchange::OrderResult> found =
                deps_.gateway->query(q->symbol, q->client_order_id);
            step = &engine_->on_order({q->client_order_id, found.has_value(),
                                       found ? std::move(*found) : exchange::OrderResult{}});
        } else if (const auto* x = std::get_if<CancelOrder>(&s.request)) {
            std::optional<exchange::OrderResult> after =
                deps_.gateway->cancel(x->symbol, x->client_order_id);
            step = &engine_->on_order({x->client_order_id, after.has_value(),
                                       after ? std::move(*after) : exchange::OrderResult{}});
        } else {
            return;
        }
    }
}

void ReplayBot::finish() {
    if (!engine_) return;
    storage::WriteBatch batch;
    if (filled_) batch.upsert_position(position_row(engine_->position()));
    add_state_rows(batch, settings_.symbol.symbol, engine_->saved_state());
    deps_.sink->add(std::move(batch));
}

}  // namespace bot
