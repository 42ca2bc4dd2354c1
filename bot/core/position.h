// Spot position accounting for one symbol, in exact decimals: quantity held, average entry
// price, realized PnL and fees. Long only (spot): a sell never takes the quantity below zero.
//
// Conventions (tested with hand-computed values in tests/bot/):
// - Fees are paid in the quote asset (USDT) and counted in fees_paid; realized_pnl is net of
//   every fee paid, buys included.
// - A buy moves the average entry: avg' = (qty*avg + q*price) / (qty + q), rounded half-even.
// - A sell realizes (price - avg) * q and leaves avg unchanged; selling everything resets avg to 0.
#pragma once

#include <optional>
#include <string>

#include "config/decimal.h"
#include "exchange/order_gateway.h"

namespace bot {

using config::Decimal;

// The four figures a position is kept as (the positions row holds them as decimal text).
struct PositionFigures {
    Decimal quantity;
    Decimal avg_entry_price;
    Decimal realized_pnl;
    Decimal fees_paid;
};

class PositionBook {
public:
    PositionBook() = default;
    explicit PositionBook(std::string symbol) : symbol_(std::move(symbol)) {}

    // Applies one fill. Returns the PnL it realized (0 for buys apart from the fee; net of fee
    // for sells). A sell larger than the position is a programming error: throws
    // std::logic_error (the sizer never sends one).
    Decimal apply_fill(exchange::Side side, const Decimal& price, const Decimal& quantity,
                       const Decimal& fee);

    const std::string& symbol() const { return symbol_; }
    const Decimal& quantity() const { return quantity_; }
    const Decimal& avg_entry_price() const { return avg_entry_; }
    const Decimal& realized_pnl() const { return realized_pnl_; }
    const Decimal& fees_paid() const { return fees_paid_; }
    // (last - avg) * quantity.
    Decimal unrealized_pnl(const Decimal& last_price) const;

    PositionFigures figures() const { return {quantity_, avg_entry_, realized_pnl_, fees_paid_}; }
    // A position as it was kept; nullopt when the figures cannot be one (a negative quantity,
    // price or fee total: spot is long only and fees are never refunded), so the caller refuses
    // to trade the symbol rather than guess.
    static std::optional<PositionBook> restore(std::string symbol, const PositionFigures& f);

private:
    std::string symbol_;
    Decimal quantity_;
    Decimal avg_entry_;
    Decimal realized_pnl_;
    Decimal fees_paid_;
};

// How one exchange fill moves the position, whatever asset its fee was paid in. Binance takes
// the commission from the asset received (base on a BUY, quote on a SELL) unless the account
// pays fees in BNB.
struct FillEffect {
    Decimal quantity;   // base asset the position gains (BUY) or gives up (SELL), fee included
    Decimal fee_quote;  // the fee valued in the quote asset, at the fill price
    bool fee_unvalued = false;  // paid in a third asset (e.g. BNB): left out of PnL and fees
};
// Fee in the quote asset (or none): {quantity, fee}. Fee in the base asset: a BUY gains
// quantity - fee, a SELL gives up quantity + fee, and the fee counts as fee * price in quote.
// Any other asset: {quantity, 0} with fee_unvalued set.
FillEffect fill_effect(exchange::Side side, const exchange::Fill& fill,
                       const exchange::SymbolRules& rules);

// How much to order for a decision (the paper broker and live mode alike).
struct SizingInput {
    exchange::Side side;
    Decimal price;                // last price
    Decimal position_quantity;    // held now
    Decimal quote_per_trade;      // trading.quote_per_trade
    Decimal max_position_quote;   // trading.max_position_quote
    exchange::SymbolRules rules;  // step, min/max qty, min/max notional
};

struct SizingResult {
    Decimal quantity;  // > 0 when an order should be sent
    std::string
        reason;  // when quantity is 0: why not ("position cap reached", "below min notional")
};

// BUY: quote_per_trade worth, reduced so position value (at price) stays <= max_position_quote.
// SELL: quote_per_trade worth, at most the quantity held, and all of it when what would stay
// could not be sold on its own. The quantity is then fitted to the exchange's filters
// (exchange/filters.h); reason is the breach's message when nothing fits.
SizingResult size_order(const SizingInput& in);

}  // namespace bot
