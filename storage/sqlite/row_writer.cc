#include "storage/sqlite/row_writer.h"

namespace storage::detail {

RowWriter::RowWriter(sqlite3* db)
    : db_(db),
      insert_signal_(db,
                     "INSERT INTO signals (symbol, side, price, strategy, reason, event_time_ms, "
                     "created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
      upsert_order_(
          db,
          "INSERT INTO orders (client_order_id, symbol, side, type, quantity, price, status, "
          "exchange_order_id, reason, signal_id, created_at_ms, updated_at_ms) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
          "ON CONFLICT (client_order_id) DO UPDATE SET quantity = excluded.quantity, "
          "price = excluded.price, status = excluded.status, "
          "exchange_order_id = coalesce(excluded.exchange_order_id, orders.exchange_order_id), "
          "reason = excluded.reason, signal_id = coalesce(excluded.signal_id, orders.signal_id), "
          "updated_at_ms = excluded.updated_at_ms"),
      insert_fill_(db,
                   "INSERT INTO fills (client_order_id, symbol, side, price, quantity, fee, "
                   "fee_asset, trade_id, trade_time_ms, created_at_ms) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
      upsert_position_(
          db,
          "INSERT INTO positions (symbol, quantity, avg_entry_price, realized_pnl, fees_paid, "
          "updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (symbol) DO UPDATE SET "
          "quantity = excluded.quantity, avg_entry_price = excluded.avg_entry_price, "
          "realized_pnl = excluded.realized_pnl, fees_paid = excluded.fees_paid, "
          "updated_at_ms = excluded.updated_at_ms"),
      put_state_(db,
                 "INSERT INTO bot_state (symbol, key, value, updated_at_ms) "
                 "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (symbol, key) DO UPDATE SET "
                 "value = excluded.value, updated_at_ms = excluded.updated_at_ms"),
      delete_state_(db, "DELETE FROM bot_state WHERE symbol = ?1 AND key = ?2") {}

int RowWriter::apply(const WriteBatch::Op& op, std::int64_t now, std::int64_t& id) {
    Statement* st = nullptr;
    bool inserts_row = false;
    if (const auto* s = std::get_if<Signal>(&op)) {
        st = &insert_signal_;
        inserts_row = true;
        st->bind(1, s->symbol);
        st->bind(2, s->side);
        st->bind(3, s->price);  // decimal text; the REAL column converts it (the schema's choice)
        st->bind(4, s->strategy);
        st->bind_text_or_null(5, s->reason);
        st->bind(6, s->event_time_ms);
        st->bind(7, now);
    } else if (const auto* o = std::get_if<Order>(&op)) {
        st = &upsert_order_;
        st->bind(1, o->client_order_id);
        st->bind(2, o->symbol);
        st->bind(3, o->side);
        st->bind(4, o->type.empty() ? std::string("MARKET") : o->type);
        st->bind(5, o->quantity);
        st->bind_text_or_null(6, o->price);
        st->bind(7, o->status);
        st->bind_text_or_null(8, o->exchange_order_id);
        st->bind_text_or_null(9, o->reason);
        st->bind(10, o->signal_id);
        st->bind(11, o->created_at_ms != 0 ? o->created_at_ms : now);
        st->bind(12, now);
    } else if (const auto* f = std::get_if<Fill>(&op)) {
        st = &insert_fill_;
        inserts_row = true;
        st->bind(1, f->client_order_id);
        st->bind(2, f->symbol);
        st->bind(3, f->side);
        st->bind(4, f->price);
        st->bind(5, f->quantity);
        st->bind(6, f->fee);
        st->bind_text_or_null(7, f->fee_asset);
        st->bind_text_or_null(8, f->trade_id);
        st->bind(9, f->trade_time_ms);
        st->bind(10, now);
    } else if (const auto* p = std::get_if<Position>(&op)) {
        st = &upsert_position_;
        st->bind(1, p->symbol);
        st->bind(2, p->quantity);
        st->bind(3, p->avg_entry_price);
        st->bind(4, p->realized_pnl);
        st->bind(5, p->fees_paid);
        st->bind(6, now);
    } else if (const auto* ps = std::get_if<WriteBatch::PutState>(&op)) {
        st = &put_state_;
        st->bind(1, ps->entry.symbol);
        st->bind(2, ps->entry.key);
        st->bind(3, ps->entry.value);
        st->bind(4, now);
    } else if (const auto* ds = std::get_if<WriteBatch::DeleteState>(&op)) {
        st = &delete_state_;
        st->bind(1, ds->symbol);
        st->bind(2, ds->key);
    }
    const int rc = st->run();
    st->rewind();  // every parameter is bound again next time: no need to clear them
    id = rc == SQLITE_OK && inserts_row ? sqlite3_last_insert_rowid(db_) : 0;
    return rc;
}

}  // namespace storage::detail
