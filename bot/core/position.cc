#include "bot/core/position.h"

#include <algorithm>
#include <stdexcept>

namespace bot {
namespace {

using config::Rounding;
using exchange::Side;

// Binance quantities have at most 8 decimals; with no LOT_SIZE filter known, round to that.
const Decimal kDefaultStep = Decimal::from_string("0.00000001");

bool limit_set(const Decimal& limit) { return limit.is_positive(); }  // zero: no limit

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

storage::Position PositionBook::to_record() const {
    storage::Position row;
    row.symbol = symbol_;
    row.quantity = quantity_.to_string();
    row.avg_entry_price = avg_entry_.to_string();
    row.realized_pnl = realized_pnl_.to_string();
    row.fees_paid = fees_paid_.to_string();
    return row;
}

std::optional<PositionBook> PositionBook::from_record(const storage::Position& row) {
    auto quantity = Decimal::parse(row.quantity);
    auto avg = Decimal::parse(row.avg_entry_price);
    auto realized = Decimal::parse(row.realized_pnl);
    auto fees = Decimal::parse(row.fees_paid);
    if (!quantity || !avg || !realized || !fees) return std::nullopt;
    // Spot is long only and fees are never refunded: negative values are a damaged row too.
    if (quantity->is_negative() || avg->is_negative() || fees->is_negative()) return std::nullopt;
    PositionBook book(row.symbol);
    book.quantity_ = *quantity;
    book.avg_entry_ = *avg;
    book.realized_pnl_ = *realized;
    book.fees_paid_ = *fees;
    return book;
}

SizingResult size_order(const SizingInput& in) {
    const exchange::SymbolRules& rules = in.rules;
    if (!in.price.is_positive())
        return {Decimal(), "no valid price (" + in.price.to_string() + ")"};
    const Decimal step = rules.step_size.is_positive() ? rules.step_size : kDefaultStep;
    // Quantities round down: an order never exceeds the quote amount or the position it was
    // sized from.
    auto quantity_for = [&](const Decimal& quote) {
        return Decimal::div(quote, in.price, Rounding::kDown).round_to_step(step);
    };

    Decimal quantity;
    if (in.side == Side::kBuy) {
        const Decimal room = in.max_position_quote - in.position_quantity * in.price;
        const Decimal notional = std::min(in.quote_per_trade, room);
        if (!notional.is_positive()) return {Decimal(), "position cap reached"};
        quantity = quantity_for(notional);
    } else {
        const Decimal held = in.position_quantity;
        if (!held.is_positive()) return {Decimal(), "no position to sell"};
        const Decimal all = held.round_to_step(step);
        quantity = std::min(quantity_for(in.quote_per_trade), all);
        // A remainder that could never be sold on its own (under a step or under the minimum
        // notional) goes with this order instead of being stranded as dust.
        const Decimal rest = held - quantity;
        if (rest.is_positive() && (rest < step || (limit_set(rules.min_notional) &&
                                                   rest * in.price < rules.min_notional))) {
            quantity = all;
        }
    }

    if (limit_set(rules.max_qty) && quantity > rules.max_qty) {
        quantity = rules.max_qty.round_to_step(step);
    }
    if (limit_set(rules.max_notional) && quantity * in.price > rules.max_notional) {
        quantity = quantity_for(rules.max_notional);
    }
    if (!quantity.is_positive()) {
        return {Decimal(), "quantity rounds to zero at step " + step.to_string()};
    }
    if (limit_set(rules.min_qty) && quantity < rules.min_qty) {
        return {Decimal(),
                "below min qty " + rules.min_qty.to_string() + " (" + quantity.to_string() + ")"};
    }
    const Decimal notional = quantity * in.price;
    if (limit_set(rules.min_notional) && notional < rules.min_notional) {
        return {Decimal(), "below min notional " + rules.min_notional.to_string() + " (" +
                               notional.to_string() + ")"};
    }
    return {quantity, ""};
}

}  // namespace bot
