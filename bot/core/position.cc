#include "bot/core/position.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "exchange/filters.h"

namespace bot {
namespace {

using config::Rounding;
using exchange::Side;

}  // namespace

Decimal PositionBook::apply_fill(Side side, const Decimal& price, const Decimal& quantity,
                                 const Decimal& fee) {
    if (!quantity.is_positive() || !price.is_positive() || fee.is_negative()) {
        throw std::invalid_argument("PositionBook " + symbol_ + ": fill with quantity " +
                                    quantity.to_string() + ", price " + price.to_string() +
                                    ", fee " + fee.to_string());
    }
    if (side == Side::kBuy) {
        const Decimal new_quantity = quantity_ + quantity;
        avg_entry_ = (quantity_ * avg_entry_ + quantity * price) / new_quantity;
        quantity_ = new_quantity;
        fees_paid_ += fee;
        realized_pnl_ -= fee;
        return -fee;
    }
    if (quantity > quantity_) {
        throw std::logic_error("PositionBook " + symbol_ + ": sell of " + quantity.to_string() +
                               " exceeds the " + quantity_.to_string() + " held");
    }
    const Decimal pnl = (price - avg_entry_) * quantity - fee;
    quantity_ -= quantity;
    if (quantity_.is_zero()) avg_entry_ = Decimal();
    fees_paid_ += fee;
    realized_pnl_ += pnl;
    return pnl;
}

FillEffect fill_effect(Side side, const exchange::Fill& fill, const exchange::SymbolRules& rules) {
    FillEffect e{fill.quantity, fill.fee, false};
    if (fill.fee.is_zero() || fill.fee_asset.empty() || fill.fee_asset == rules.quote_asset) {
        return e;
    }
    if (fill.fee_asset == rules.base_asset) {
        e.quantity = side == Side::kBuy ? fill.quantity - fill.fee : fill.quantity + fill.fee;
        e.fee_quote = fill.fee * fill.price;
        return e;
    }
    e.fee_quote = Decimal();
    e.fee_unvalued = true;
    return e;
}

Decimal PositionBook::unrealized_pnl(const Decimal& last_price) const {
    return (last_price - avg_entry_) * quantity_;
}

std::optional<PositionBook> PositionBook::restore(std::string symbol, const PositionFigures& f) {
    if (f.quantity.is_negative() || f.avg_entry_price.is_negative() || f.fees_paid.is_negative()) {
        return std::nullopt;
    }
    PositionBook book(std::move(symbol));
    book.quantity_ = f.quantity;
    book.avg_entry_ = f.avg_entry_price;
    book.realized_pnl_ = f.realized_pnl;
    book.fees_paid_ = f.fees_paid;
    return book;
}

SizingResult size_order(const SizingInput& in) {
    const exchange::SymbolRules& rules = in.rules;
    if (!in.price.is_positive())
        return {Decimal(), "no valid price (" + in.price.to_string() + ")"};
    const Decimal& step = exchange::step_of(rules);

    Decimal wanted;
    if (in.side == Side::kBuy) {
        const Decimal room = in.max_position_quote - in.position_quantity * in.price;
        const Decimal notional = std::min(in.quote_per_trade, room);
        if (!notional.is_positive()) return {Decimal(), "position cap reached"};
        // Quantities round down: an order never exceeds the quote amount it was sized from.
        wanted = Decimal::div(notional, in.price, Rounding::kDown);
    } else {
        const Decimal held = in.position_quantity;
        if (!held.is_positive()) return {Decimal(), "no position to sell"};
        const Decimal all = exchange::round_quantity(rules, held);
        wanted = std::min(exchange::round_quantity(
                              rules, Decimal::div(in.quote_per_trade, in.price, Rounding::kDown)),
                          all);
        // A remainder that could never be sold on its own (under a step or under the minimum
        // notional) goes with this order instead of being stranded as dust.
        const Decimal rest = held - wanted;
        if (rest.is_positive() && (rest < step || (rules.min_notional.is_positive() &&
                                                   rest * in.price < rules.min_notional))) {
            wanted = all;
        }
    }
    exchange::FittedQuantity fit = exchange::fit_quantity(rules, wanted, in.price);
    if (fit.breach) return {Decimal(), fit.breach->message()};
    return {fit.quantity, ""};
}

}  // namespace bot
