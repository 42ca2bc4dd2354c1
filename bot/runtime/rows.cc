#include "bot/runtime/rows.h"

#include <spdlog/spdlog.h>

#include "bot/core/control_state.h"
#include "bot/core/risk_state.h"

namespace bot {

storage::Signal signal_row(const std::string& symbol, const RecordSignal& s) {
    storage::Signal row;
    row.symbol = symbol;
    row.side = exchange::to_string(s.side);
    row.price = s.price.to_string();
    row.strategy = s.strategy;
    row.reason = s.reason;
    row.event_time_ms = s.event_time_ms;
    return row;
}

storage::Order order_row(const OrderRecord& o) {
    const exchange::OrderRequest& r = o.request;
    storage::Order row;
    row.client_order_id = r.client_order_id;
    row.symbol = r.symbol;
    row.side = exchange::to_string(r.side);
    row.type = exchange::to_string(r.type);
    row.quantity = r.quantity.to_string();
    // The limit price of an order that has one, else the price the bot saw when it decided.
    row.price = (r.limit_price ? *r.limit_price : r.reference_price).to_string();
    row.status = status_text(o);
    row.exchange_order_id = o.exchange_order_id;
    row.reason = o.reason;
    row.signal_id = o.signal_id;
    return row;
}

storage::Fill fill_row(const OrderRecord& o, const exchange::Fill& f) {
    storage::Fill row;
    row.client_order_id = o.request.client_order_id;
    row.symbol = o.request.symbol;
    row.side = exchange::to_string(o.request.side);
    row.price = f.price.to_string();
    row.quantity = f.quantity.to_string();
    row.fee = f.fee.to_string();
    row.fee_asset = f.fee_asset;
    row.trade_id = f.trade_id;
    row.trade_time_ms = f.trade_time_ms;
    return row;
}

storage::Position position_row(const PositionBook& book) {
    storage::Position row;
    row.symbol = book.symbol();
    row.quantity = book.quantity().to_string();
    row.avg_entry_price = book.avg_entry_price().to_string();
    row.realized_pnl = book.realized_pnl().to_string();
    row.fees_paid = book.fees_paid().to_string();
    return row;
}

std::optional<PositionBook> position_from_row(const storage::Position& row) {
    auto quantity = Decimal::parse(row.quantity);
    auto avg = Decimal::parse(row.avg_entry_price);
    auto realized = Decimal::parse(row.realized_pnl);
    auto fees = Decimal::parse(row.fees_paid);
    if (!quantity || !avg || !realized || !fees) return std::nullopt;
    return PositionBook::restore(row.symbol, {*quantity, *avg, *realized, *fees});
}

std::optional<OrderRecord> order_from_row(const storage::Order& row) {
    auto quantity = Decimal::parse(row.quantity);
    auto price = row.price.empty() ? std::optional<Decimal>(Decimal()) : Decimal::parse(row.price);
    if (!quantity || !price || (row.side != "BUY" && row.side != "SELL")) return std::nullopt;
    OrderRecord o;
    exchange::OrderRequest& r = o.request;
    r.client_order_id = row.client_order_id;
    r.symbol = row.symbol;
    r.side = row.side == "SELL" ? exchange::Side::kSell : exchange::Side::kBuy;
    r.quantity = *quantity;
    if (row.type == "MARKET") {
        r.reference_price = *price;
    } else {
        r.type = row.type == "LIMIT_MAKER"       ? exchange::OrderType::kLimitMaker
                 : row.type == "STOP_LOSS_LIMIT" ? exchange::OrderType::kStopLossLimit
                                                 : exchange::OrderType::kLimit;
        r.limit_price = *price;
    }
    o.signal_id = row.signal_id;
    if (row.status != "PENDING") {
        for (auto s : {exchange::OrderStatus::kFilled, exchange::OrderStatus::kPartiallyFilled,
                       exchange::OrderStatus::kNew, exchange::OrderStatus::kRejected,
                       exchange::OrderStatus::kCanceled, exchange::OrderStatus::kExpired,
                       exchange::OrderStatus::kUnknown}) {
            if (row.status == exchange::to_string(s)) o.status = s;
        }
        if (!o.status) return std::nullopt;
    }
    o.exchange_order_id = row.exchange_order_id;
    o.reason = row.reason;
    o.role = r.side == exchange::Side::kBuy ? OrderRole::kEntry : OrderRole::kExit;
    return o;
}

void add_order_rows(storage::WriteBatch& batch, const Step& step) {
    for (const auto& u : step.orders) {
        batch.upsert_order(order_row(u.order));
        for (const auto& f : u.fills) batch.insert_fill(fill_row(u.order, f));
    }
}

void add_state_rows(storage::WriteBatch& batch, const std::string& symbol,
                    const SavedState& state) {
    batch.put_state(symbol, kStrategyStateKey, state.strategy);
    batch.put_state(symbol, kLastCandleKey, std::to_string(state.last_candle_open_ms));
    if (state.risk) batch.put_state(symbol, kRiskStateKey, *state.risk);
    if (state.control) batch.put_state(symbol, kControlStateKey, *state.control);
}

StoredState load_stored_state(const storage::Database& db, const std::string& symbol) {
    StoredState s;
    if (auto row = db.position(symbol)) {
        s.position = position_from_row(*row);
        if (!s.position) {
            throw BotFatalError("damaged position row (quantity=" + row->quantity +
                                " avg_entry_price=" + row->avg_entry_price +
                                "); refusing to trade " + symbol + " rather than guess");
        }
    }
    s.strategy = db.state(symbol, kStrategyStateKey);
    s.last_candle = db.state(symbol, kLastCandleKey);
    s.risk = db.state(symbol, kRiskStateKey);
    s.control = db.state(symbol, kControlStateKey);
    return s;
}

void write_log(spdlog::logger& log, const LogEvents& events) {
    for (const auto& e : events) {
        spdlog::level::level_enum level = spdlog::level::info;
        switch (e.level) {
            case LogLevel::kDebug:
                level = spdlog::level::debug;
                break;
            case LogLevel::kInfo:
                level = spdlog::level::info;
                break;
            case LogLevel::kWarn:
                level = spdlog::level::warn;
                break;
            case LogLevel::kError:
                level = spdlog::level::err;
                break;
        }
        log.log(level, "{}", e.text);
    }
}

}  // namespace bot
