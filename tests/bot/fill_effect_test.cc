// Fees in whichever asset Binance charged them: the position moves by what the account really
// gained or gave up. Expected values worked by hand.
#include <catch2/catch.hpp>

#include "bot/core/position.h"

using bot::fill_effect;
using bot::PositionBook;
using config::Decimal;
using exchange::Side;

namespace {
Decimal d(const char* s) { return Decimal::from_string(s); }

exchange::SymbolRules btc_rules() {
    exchange::SymbolRules r;
    r.symbol = "BTCUSDT";
    r.base_asset = "BTC";
    r.quote_asset = "USDT";
    return r;
}

exchange::Fill fill(const char* price, const char* qty, const char* fee, const char* asset) {
    exchange::Fill f;
    f.price = d(price);
    f.quantity = d(qty);
    f.fee = d(fee);
    f.fee_asset = asset;
    return f;
}
}  // namespace

TEST_CASE("a fee in the quote asset passes through", "[fill_effect]") {
    auto e = fill_effect(Side::kBuy, fill("50000", "0.002", "0.1", "USDT"), btc_rules());
    CHECK(e.quantity == d("0.002"));
    CHECK(e.fee_quote == d("0.1"));
    CHECK_FALSE(e.fee_unvalued);
    auto none = fill_effect(Side::kSell, fill("50000", "0.002", "0", ""), btc_rules());
    CHECK(none.quantity == d("0.002"));
    CHECK(none.fee_quote == d("0"));
}

TEST_CASE("a fee in the base asset changes the quantity and is valued at the fill price",
          "[fill_effect]") {
    // BUY 0.002 BTC at 50000, commission 0.000002 BTC: the account gains 0.001998 BTC; the fee
    // is worth 0.000002 * 50000 = 0.1 USDT.
    auto buy = fill_effect(Side::kBuy, fill("50000", "0.002", "0.000002", "BTC"), btc_rules());
    CHECK(buy.quantity == d("0.001998"));
    CHECK(buy.fee_quote == d("0.1"));
    PositionBook book("BTCUSDT");
    book.apply_fill(Side::kBuy, d("50000"), buy.quantity, buy.fee_quote);
    CHECK(book.quantity() == d("0.001998"));
    CHECK(book.realized_pnl() == d("-0.1"));

    // SELL 0.001 BTC at 51000 with 0.000001 BTC commission: 0.001001 BTC leaves the account,
    // the fee is worth 0.051 USDT. Realized: (51000 - 50000) * 0.001001 - 0.051 = 0.95.
    auto sell = fill_effect(Side::kSell, fill("51000", "0.001", "0.000001", "BTC"), btc_rules());
    CHECK(sell.quantity == d("0.001001"));
    CHECK(sell.fee_quote == d("0.051"));
    auto pnl = book.apply_fill(Side::kSell, d("51000"), sell.quantity, sell.fee_quote);
    CHECK(pnl == d("0.95"));
    CHECK(book.quantity() == d("0.000997"));
    CHECK(book.fees_paid() == d("0.151"));
}

TEST_CASE("a fee in a third asset is flagged and left out", "[fill_effect]") {
    auto e = fill_effect(Side::kBuy, fill("50000", "0.002", "0.00021", "BNB"), btc_rules());
    CHECK(e.quantity == d("0.002"));
    CHECK(e.fee_quote == d("0"));
    CHECK(e.fee_unvalued);
}
