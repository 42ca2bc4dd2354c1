#include "storage/pipeline/row_checks.h"

namespace storage::detail {
namespace {

// Decimal text as tradebot writes money: optional '-', digits, optional '.' and digits.
bool is_decimal_text(const std::string& s) {
    size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
    size_t digits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++digits;
    if (digits == 0) return false;
    if (i == s.size()) return true;
    if (s[i] != '.' || i + 1 == s.size()) return false;
    for (++i; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
    }
    return true;
}

bool is_side(const std::string& s) { return s == "BUY" || s == "SELL"; }

}  // namespace

std::string check_rows(const WriteBatch& batch) {
    if (batch.empty()) return "empty batch";
    for (const auto& op : batch.ops()) {
        if (const auto* s = std::get_if<Signal>(&op)) {
            if (s->symbol.empty()) return "signal: symbol is empty";
            if (!is_side(s->side))
                return "signal: side must be BUY or SELL, got \"" + s->side + "\"";
            if (!is_decimal_text(s->price))
                return "signal: price is not a decimal: \"" + s->price + "\"";
            if (s->strategy.empty()) return "signal: strategy is empty";
        } else if (const auto* o = std::get_if<Order>(&op)) {
            if (o->client_order_id.empty()) return "order: client_order_id is empty";
            if (!is_side(o->side))
                return "order: side must be BUY or SELL, got \"" + o->side + "\"";
            if (!is_decimal_text(o->quantity))
                return "order: quantity is not a decimal: \"" + o->quantity + "\"";
            if (!o->price.empty() && !is_decimal_text(o->price))
                return "order: price is not a decimal: \"" + o->price + "\"";
            if (o->status.empty()) return "order: status is empty";
        } else if (const auto* f = std::get_if<Fill>(&op)) {
            if (!is_side(f->side)) return "fill: side must be BUY or SELL, got \"" + f->side + "\"";
            for (const auto* field : {&f->price, &f->quantity, &f->fee}) {
                if (!is_decimal_text(*field)) return "fill: not a decimal: \"" + *field + "\"";
            }
        } else if (const auto* p = std::get_if<Position>(&op)) {
            if (p->symbol.empty()) return "position: symbol is empty";
            for (const auto* field :
                 {&p->quantity, &p->avg_entry_price, &p->realized_pnl, &p->fees_paid}) {
                if (!is_decimal_text(*field)) return "position: not a decimal: \"" + *field + "\"";
            }
        }
    }
    return {};
}

}  // namespace storage::detail
