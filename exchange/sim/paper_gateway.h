// Paper trading: an OrderGateway that fills market orders in memory, at once and entirely, at the
// price the bot last saw. Used with the sim stream (rules from sim_rules()) and in Binance paper
// mode (rules from exchangeInfo). Nothing reaches an exchange.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "exchange/order_gateway.h"

namespace exchange {

// Rules for a symbol, or nullopt when the exchange does not list it.
using RulesProvider = std::function<std::optional<SymbolRules>(const std::string&)>;

class PaperGateway final : public OrderGateway {
public:
    using Clock = std::function<std::int64_t()>;  // milliseconds since the Unix epoch

    // fee_rate: fraction of the notional charged in the quote asset (0.001 = 0.1%); throws
    // std::invalid_argument when negative. clock stamps the fills; empty: the system clock.
    PaperGateway(Decimal fee_rate, RulesProvider rules, Clock clock = {});

    std::optional<SymbolRules> rules(const std::string& symbol) override;

    // A valid order fills entirely at request.reference_price with one fill:
    //   fee = price * quantity * fee_rate in the quote asset, rounded half-even to 8 decimals
    //   (computed exactly, not from a rounded notional), exchange_order_id "paper-<n>", trade ids
    //   "1", "2", ... in fill order.
    // Rejected (status kRejected, reason says why; no order id): empty client_order_id, a type
    // other than MARKET, quantity or price <= 0, unknown symbol, or an order the symbol's
    // filters refuse (exchange/filters.h: off the step, outside the quantity or notional bounds).
    // Idempotent: a client_order_id seen before returns its first result and fills nothing.
    // Thread-safe.
    //
    // Memory stays bounded however long it trades: a paper order fills (or is rejected) at once,
    // so none stays open, and only the results of each symbol's last kRememberedPerSymbol
    // orders are kept. That covers what idempotency needs: a bot places one order at a time and
    // asks again only about the order it was settling when it failed (query() at its restart).
    OrderResult place(const OrderRequest& request) override;

    // The stored result of an order placed here (filled or rejected), nullopt if none with this
    // symbol and client id, or if it is older than the last kRememberedPerSymbol of its symbol.
    std::optional<OrderResult> query(const std::string& symbol,
                                     const std::string& client_order_id) override;
    // Every paper order is final at once, so a cancel finds it filled or rejected (query()).
    std::optional<OrderResult> cancel(const std::string& symbol,
                                      const std::string& client_order_id) override;

    // fee = price * quantity * fee_rate rounded half-even to 8 decimals, exactly (one rounding).
    // All three must be >= 0. Throws std::overflow_error beyond about 1e14 quote units.
    static Decimal fee_for(const Decimal& price, const Decimal& quantity, const Decimal& fee_rate);

    // Results kept per symbol (see above): far more than any retry window needs (a bot places
    // one order at a time), about 1 MiB per symbol at most.
    static constexpr std::size_t kRememberedPerSymbol = 4096;
    // How many order results are kept now, over all symbols (tests, diagnostics).
    std::size_t remembered() const;

private:
    struct Placed {
        std::string symbol;
        OrderResult result;
    };

    // The reason a request must be rejected, or empty when it is valid.
    std::string check(const OrderRequest& request, const std::optional<SymbolRules>& rules) const;

    // Constant after construction
    const Decimal fee_rate_;
    const RulesProvider rules_;
    const Clock clock_;

    mutable std::mutex mu_;
    // Guarded by mu_
    std::map<std::string, Placed> orders_;  // by client_order_id
    // Per symbol, the client ids in orders_, oldest first: what to forget first.
    std::map<std::string, std::deque<std::string>> order_ids_;
    std::int64_t next_order_id_ = 1;
    std::int64_t next_trade_id_ = 1;
};

}  // namespace exchange
