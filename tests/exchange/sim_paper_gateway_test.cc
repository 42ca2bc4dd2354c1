#include <catch2/catch.hpp>
#include <set>
#include <thread>
#include <vector>

#include "exchange/sim/paper_gateway.h"
#include "exchange/sim/rules.h"

using config::Decimal;
using exchange::OrderRequest;
using exchange::OrderResult;
using exchange::OrderStatus;
using exchange::PaperGateway;
using exchange::Side;
using exchange::SymbolRules;

namespace {

Decimal d(const char* s) { return Decimal::from_string(s); }

constexpr std::int64_t kNow = 1795708557123;

PaperGateway sim_gateway(const char* fee_rate = "0.001") {
    return PaperGateway(d(fee_rate), exchange::sim_rules, [] { return kNow; });
}

OrderRequest order(std::string id, std::string symbol, Side side, const char* qty,
                   const char* price) {
    OrderRequest r;
    r.client_order_id = std::move(id);
    r.symbol = std::move(symbol);
    r.side = side;
    r.quantity = d(qty);
    r.reference_price = d(price);
    return r;
}

void check_rejected(const OrderResult& r, const std::string& reason_part) {
    INFO(r.reason);
    CHECK(r.status == OrderStatus::kRejected);
    CHECK(r.reason.find(reason_part) != std::string::npos);
    CHECK(r.exchange_order_id.empty());
    CHECK(r.fills.empty());
}

}  // namespace

TEST_CASE("paper gateway fills a market order at the reference price with the fee in quote",
          "[sim][paper]") {
    PaperGateway gw = sim_gateway();
    // 0.0015 BTC * 60000 = 90 USDT; fee 0.1% = 0.09 USDT.
    const OrderResult r = gw.place(order("o-1", "BTCUSDT", Side::kBuy, "0.00150", "60000.00"));
    REQUIRE(r.status == OrderStatus::kFilled);
    CHECK(r.exchange_order_id == "paper-1");
    CHECK(r.reason.empty());
    REQUIRE(r.fills.size() == 1);
    CHECK(r.fills[0].trade_id == "1");
    CHECK(r.fills[0].price == d("60000"));
    CHECK(r.fills[0].quantity == d("0.0015"));
    CHECK(r.fills[0].fee == d("0.09"));
    CHECK(r.fills[0].fee_asset == "USDT");
    CHECK(r.fills[0].trade_time_ms == kNow);

    // 200.5 XRP * 0.5123 = 102.71615; fee 0.10271615 (exactly 8 decimals).
    const OrderResult x = gw.place(order("o-2", "XRPUSDT", Side::kSell, "200.5", "0.5123"));
    REQUIRE(x.status == OrderStatus::kFilled);
    CHECK(x.exchange_order_id == "paper-2");
    REQUIRE(x.fills.size() == 1);
    CHECK(x.fills[0].trade_id == "2");
    CHECK(x.fills[0].fee == d("0.10271615"));

    // 0.0037 ETH * 3012.34 = 11.145658; fee 0.011145658 -> 0.01114566 (8 decimals, half-even).
    const OrderResult e = gw.place(order("o-3", "ETHUSDT", Side::kBuy, "0.0037", "3012.34"));
    REQUIRE(e.status == OrderStatus::kFilled);
    CHECK(e.exchange_order_id == "paper-3");
    CHECK(e.fills.at(0).fee == d("0.01114566"));
}

TEST_CASE("paper gateway fee: one exact rounding, half-even to 8 decimals", "[sim][paper]") {
    const Decimal rate = d("0.001");
    CHECK(PaperGateway::fee_for(d("12.345665"), d("1"), rate) == d("0.01234566"));  // tie, even
    CHECK(PaperGateway::fee_for(d("12.345675"), d("1"), rate) == d("0.01234568"));  // tie, up
    CHECK(PaperGateway::fee_for(d("12.3456651"), d("1"), rate) == d("0.01234567"));
    CHECK(PaperGateway::fee_for(d("100"), d("1"), d("0")) == d("0"));
    // 499.99999999 * 0.00000003 = 0.0000149999999997, fee 0.0000000149999999997 -> 0.00000001.
    // Rounding the notional to 12 decimals first would give 0.000015 and then a tie that
    // half-even sends up to 0.00000002.
    CHECK(PaperGateway::fee_for(d("499.99999999"), d("0.00000003"), rate) == d("0.00000001"));
    // Large values stay exact: 9000000 USDT notional at 0.075%.
    CHECK(PaperGateway::fee_for(d("100000.01"), d("90"), d("0.00075")) == d("6750.000675"));
}

TEST_CASE("paper gateway rejects what the exchange would reject", "[sim][paper]") {
    SymbolRules capped;
    capped.symbol = "CAPUSDT";
    capped.base_asset = "CAP";
    capped.quote_asset = "USDT";
    capped.tick_size = d("0.01");
    capped.step_size = d("0.01");
    capped.min_qty = d("0.1");
    capped.max_qty = d("50");
    capped.min_notional = d("5");
    capped.max_notional = d("1000");
    PaperGateway gw(d("0.001"), [&](const std::string& s) -> std::optional<SymbolRules> {
        if (s == "CAPUSDT") return capped;
        return exchange::sim_rules(s);
    });

    check_rejected(gw.place(order("r-1", "BTCUSDT", Side::kBuy, "0", "60000")),
                   "quantity must be positive");
    check_rejected(gw.place(order("r-2", "BTCUSDT", Side::kBuy, "-0.001", "60000")),
                   "quantity must be positive");
    check_rejected(gw.place(order("r-3", "BTCUSDT", Side::kBuy, "0.001", "0")),
                   "price must be positive");
    check_rejected(gw.place(order("r-4", "NOPE", Side::kBuy, "1", "10")), "unknown symbol NOPE");
    check_rejected(gw.place(order("r-5", "BTCUSDT", Side::kBuy, "0.000015", "60000")),
                   "quantity 0.000015 is not a multiple of the step size 0.00001");
    // 0.00008 BTC * 60000 = 4.8 < 5
    check_rejected(gw.place(order("r-6", "BTCUSDT", Side::kBuy, "0.00008", "60000")),
                   "notional 4.8 is below the min notional 5");
    check_rejected(gw.place(order("r-7", "CAPUSDT", Side::kBuy, "0.05", "1000")),
                   "quantity 0.05 is below the min qty 0.1");
    check_rejected(gw.place(order("r-8", "CAPUSDT", Side::kBuy, "60", "1")),
                   "quantity 60 is above the max qty 50");
    // 20 * 50.01 = 1000.2 > 1000
    check_rejected(gw.place(order("r-9", "CAPUSDT", Side::kSell, "20", "50.01")),
                   "notional 1000.2 is above the max notional 1000");
    check_rejected(gw.place(order("", "BTCUSDT", Side::kBuy, "0.001", "60000")), "client_order_id");
    OrderRequest limit = order("r-12", "BTCUSDT", Side::kBuy, "0.001", "60000");
    limit.type = exchange::OrderType::kLimit;
    limit.limit_price = d("59000");
    check_rejected(gw.place(limit), "paper trading fills MARKET orders only, not LIMIT");

    // At the limits it fills; the rejects used no order or trade number.
    const OrderResult ok = gw.place(order("r-10", "CAPUSDT", Side::kBuy, "20", "50"));
    REQUIRE(ok.status == OrderStatus::kFilled);
    CHECK(ok.exchange_order_id == "paper-1");
    CHECK(ok.fills.at(0).trade_id == "1");
    CHECK(ok.fills.at(0).fee == d("1"));
    CHECK(gw.place(order("r-11", "BTCUSDT", Side::kBuy, "0.0001", "50000")).status ==
          OrderStatus::kFilled);  // exactly min_notional 5

    CHECK_THROWS_AS(PaperGateway(d("-0.001"), exchange::sim_rules), std::invalid_argument);
}

TEST_CASE("paper gateway is idempotent by client_order_id and answers queries", "[sim][paper]") {
    PaperGateway gw = sim_gateway();
    const OrderResult first = gw.place(order("dup", "ETHUSDT", Side::kBuy, "0.0100", "3000"));
    REQUIRE(first.status == OrderStatus::kFilled);
    CHECK(first.exchange_order_id == "paper-1");

    // A retry (even a garbled one) returns the first result and fills nothing.
    const OrderResult again = gw.place(order("dup", "ETHUSDT", Side::kBuy, "0.0100", "3000"));
    CHECK(again.exchange_order_id == "paper-1");
    REQUIRE(again.fills.size() == 1);
    CHECK(again.fills[0].trade_id == "1");
    const OrderResult other = gw.place(order("dup", "ETHUSDT", Side::kBuy, "5", "2900"));
    CHECK(other.exchange_order_id == "paper-1");
    CHECK(other.fills.at(0).quantity == d("0.01"));

    // The next order is the second fill: nothing else was filled in between.
    const OrderResult next = gw.place(order("next", "ETHUSDT", Side::kSell, "0.0100", "3100"));
    CHECK(next.exchange_order_id == "paper-2");
    CHECK(next.fills.at(0).trade_id == "2");
    CHECK(next.fills.at(0).fee == d("0.031"));

    auto q = gw.query("ETHUSDT", "dup");
    REQUIRE(q);
    CHECK(q->status == OrderStatus::kFilled);
    CHECK(q->exchange_order_id == "paper-1");
    CHECK(q->fills.at(0).fee == d("0.03"));
    CHECK_FALSE(gw.query("ETHUSDT", "never-placed").has_value());
    CHECK_FALSE(gw.query("BTCUSDT", "dup").has_value());  // another symbol's order book

    // A rejected order is remembered too.
    check_rejected(gw.place(order("bad", "ETHUSDT", Side::kBuy, "0.00001", "3000")),
                   "quantity 0.00001 is below the step size 0.0001");
    auto qb = gw.query("ETHUSDT", "bad");
    REQUIRE(qb);
    CHECK(qb->status == OrderStatus::kRejected);
    CHECK(gw.rules("ETHUSDT").has_value());
    CHECK_FALSE(gw.rules("NOPE").has_value());

    // Every paper order is final at once: a cancel finds it as it ended, and nothing changes.
    auto late = gw.cancel("ETHUSDT", "dup");
    REQUIRE(late);
    CHECK(late->status == OrderStatus::kFilled);
    CHECK(late->fills.at(0).trade_id == "1");
    CHECK_FALSE(gw.cancel("ETHUSDT", "never-placed"));
    CHECK(gw.place(order("after", "ETHUSDT", Side::kBuy, "0.0100", "3000")).exchange_order_id ==
          "paper-3");
}

TEST_CASE("paper gateway is safe to call from many bot threads", "[sim][paper]") {
    PaperGateway gw = sim_gateway();
    const int threads = 4, per_thread = 200;
    std::vector<std::vector<OrderResult>> results(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
                results[t].push_back(gw.place(order(id, "BTCUSDT", Side::kBuy, "0.001", "60000")));
                // Every thread also retries a shared id: exactly one of them fills it.
                results[t].push_back(gw.place(order("shared-" + std::to_string(i), "BTCUSDT",
                                                    Side::kSell, "0.001", "60000")));
            }
        });
    }
    for (auto& w : workers) w.join();

    std::set<std::string> order_ids, trade_ids;
    for (const auto& rs : results) {
        for (const auto& r : rs) {
            REQUIRE(r.status == OrderStatus::kFilled);
            order_ids.insert(r.exchange_order_id);
            trade_ids.insert(r.fills.at(0).trade_id);
        }
    }
    // threads * per_thread own orders plus per_thread shared ones, each filled once.
    CHECK(order_ids.size() == static_cast<size_t>(threads * per_thread + per_thread));
    CHECK(trade_ids.size() == order_ids.size());
    CHECK(order_ids.count("paper-1000") == 1);
    CHECK(order_ids.count("paper-1001") == 0);
}

TEST_CASE("paper gateway memory stays bounded however many orders it fills", "[sim][paper]") {
    PaperGateway gw = sim_gateway();
    constexpr std::size_t kKept = PaperGateway::kRememberedPerSymbol;
    const int total = 3 * static_cast<int>(kKept);
    for (int i = 0; i < total; ++i) {
        const OrderResult r =
            gw.place(order("b-" + std::to_string(i), "BTCUSDT", Side::kBuy, "0.001", "60000"));
        REQUIRE(r.status == OrderStatus::kFilled);
        if (i % 2 == 0) {
            REQUIRE(
                gw.place(order("e-" + std::to_string(i), "ETHUSDT", Side::kBuy, "0.0100", "3000"))
                    .status == OrderStatus::kFilled);
        }
    }
    // Two symbols: at most kKept results each, not one per order ever placed.
    CHECK(gw.remembered() == 2 * kKept);

    // The newest orders are still known and still idempotent: a retry fills nothing new.
    const std::string newest = "b-" + std::to_string(total - 1);
    auto q = gw.query("BTCUSDT", newest);
    REQUIRE(q);
    CHECK(q->exchange_order_id == "paper-" + std::to_string(total + total / 2));
    CHECK(gw.place(order(newest, "BTCUSDT", Side::kBuy, "0.001", "60000")).exchange_order_id ==
          q->exchange_order_id);
    const std::string oldest_kept = "b-" + std::to_string(total - static_cast<int>(kKept));
    CHECK(gw.query("BTCUSDT", oldest_kept).has_value());
    // The oldest ones are forgotten.
    CHECK_FALSE(gw.query("BTCUSDT", "b-0").has_value());
    CHECK_FALSE(gw.query("BTCUSDT", "b-" + std::to_string(total - kKept - 1)).has_value());
    CHECK(gw.remembered() == 2 * kKept);
}
