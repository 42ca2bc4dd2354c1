// The per-symbol event queue's drop policy (bot/runtime/event_queue.h).
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "bot/runtime/event_queue.h"

using bot::EventQueue;
using exchange::Kline;
using exchange::MarketEvent;
using exchange::Trade;

namespace {

MarketEvent kline(std::int64_t open_time, bool closed) {
    Kline k;
    k.symbol = "BTCUSDT";
    k.interval = "1m";
    k.open_time_ms = open_time;
    k.closed = closed;
    return k;
}

MarketEvent trade(std::int64_t id) {
    Trade t;
    t.symbol = "BTCUSDT";
    t.trade_id = id;
    return t;
}

// What is left in the queue, as "C<open>" (closed kline), "U<open>" (update) and "T<id>".
std::vector<std::string> drain(EventQueue& q) {
    std::vector<std::string> out;
    while (auto e = q.pop(std::chrono::milliseconds(0))) {
        if (const auto* k = std::get_if<Kline>(&*e)) {
            out.push_back((k->closed ? "C" : "U") + std::to_string(k->open_time_ms));
        } else if (const auto* t = std::get_if<Trade>(&*e)) {
            out.push_back("T" + std::to_string(t->trade_id));
        }
    }
    return out;
}

}  // namespace

TEST_CASE("queue: below capacity nothing is dropped and order is kept", "[queue]") {
    EventQueue q(4);
    CHECK_FALSE(q.push(kline(1, false)).dropped);
    CHECK_FALSE(q.push(trade(2)).dropped);
    CHECK_FALSE(q.push(kline(1, true)).dropped);
    CHECK(q.depth() == 3);
    CHECK(drain(q) == std::vector<std::string>{"U1", "T2", "C1"});
    CHECK(q.dropped() == 0);
    CHECK(q.lost_closes() == 0);
}

TEST_CASE("queue: when full the oldest update or trade goes first, never a close", "[queue]") {
    EventQueue q(4);
    q.push(kline(1, true));   // a close at the front: must survive
    q.push(kline(2, false));  // oldest droppable
    q.push(trade(3));
    q.push(kline(2, true));
    auto out = q.push(trade(4));
    CHECK(out.dropped);
    CHECK_FALSE(out.lost_close);
    out = q.push(kline(3, true));  // a close arriving into a full queue evicts the next droppable
    CHECK(out.dropped);
    CHECK(q.dropped() == 2);
    CHECK(q.lost_closes() == 0);
    CHECK(drain(q) == std::vector<std::string>{"C1", "C2", "T4", "C3"});
}

TEST_CASE("queue: all closes and a droppable arrives: the new event is dropped", "[queue]") {
    EventQueue q(3);
    q.push(kline(1, true));
    q.push(kline(2, true));
    q.push(kline(3, true));
    auto out = q.push(kline(4, false));
    CHECK(out.dropped);
    CHECK_FALSE(out.lost_close);
    out = q.push(trade(9));
    CHECK(out.dropped);
    CHECK(q.dropped() == 2);
    CHECK(q.lost_closes() == 0);
    CHECK(drain(q) == std::vector<std::string>{"C1", "C2", "C3"});
}

TEST_CASE("queue: all closes and a close arrives: the oldest close is lost and counted",
          "[queue]") {
    EventQueue q(2);
    q.push(kline(1, true));
    q.push(kline(2, true));
    auto out = q.push(kline(3, true));
    CHECK(out.lost_close);
    CHECK_FALSE(out.dropped);
    CHECK(q.lost_closes() == 1);
    CHECK(q.dropped() == 0);
    CHECK(drain(q) == std::vector<std::string>{"C2", "C3"});
}

TEST_CASE("queue: close() drains what is queued, then reports the end", "[queue]") {
    EventQueue q(8);
    q.push(trade(1));
    q.push(kline(1, true));
    q.close();
    CHECK_FALSE(q.is_finished());
    q.push(trade(2));  // ignored after close
    CHECK(q.pop(std::chrono::milliseconds(10)).has_value());
    CHECK(q.pop(std::chrono::milliseconds(10)).has_value());
    CHECK_FALSE(q.pop(std::chrono::milliseconds(10)).has_value());
    CHECK(q.is_finished());
}

TEST_CASE("queue: a timed pop on an empty open queue returns nothing", "[queue]") {
    EventQueue q(2);
    CHECK_FALSE(q.pop(std::chrono::milliseconds(5)).has_value());
    CHECK_FALSE(q.is_finished());
}

TEST_CASE("queue: producers never block on a slow consumer and every close is accounted for",
          "[queue][threads]") {
    EventQueue q(64);
    constexpr int kProducers = 3;
    constexpr int kPerProducer = 20000;
    std::atomic<int> finished{0};
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; ++p) {
        producers.emplace_back([&, p] {
            for (int i = 0; i < kPerProducer; ++i) {
                // One close in every 50 events, the rest updates and trades.
                if (i % 50 == 0) {
                    q.push(kline(p * kPerProducer + i, true));
                } else if (i % 2 == 0) {
                    q.push(kline(p * kPerProducer + i, false));
                } else {
                    q.push(trade(i));
                }
            }
            finished.fetch_add(1);
        });
    }
    std::uint64_t closes = 0;
    std::uint64_t popped = 0;
    for (;;) {
        auto e = q.pop(std::chrono::milliseconds(20));
        if (e) {
            ++popped;
            if (const auto* k = std::get_if<Kline>(&*e); k && k->closed) ++closes;
            if (popped % 64 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
        } else if (finished.load() == kProducers) {
            if (q.depth() == 0) break;
        }
    }
    for (auto& t : producers) t.join();
    const std::uint64_t total = std::uint64_t(kProducers) * kPerProducer;
    const std::uint64_t total_closes = std::uint64_t(kProducers) * (kPerProducer / 50);
    CHECK(popped + q.dropped() + q.lost_closes() == total);
    CHECK(closes + q.lost_closes() == total_closes);
}

namespace {

MarketEvent priced_update(const char* close, std::int64_t event_time) {
    Kline k;
    k.symbol = "BTCUSDT";
    k.interval = "1m";
    k.close = config::Decimal::from_string(close);
    k.event_time_ms = event_time;
    return k;
}

MarketEvent priced_trade(const char* price, std::int64_t time) {
    Trade t;
    t.symbol = "BTCUSDT";
    t.price = config::Decimal::from_string(price);
    t.trade_time_ms = time;
    return t;
}

}  // namespace

TEST_CASE("queue: the prices of dropped events are handed out with the next pop", "[queue]") {
    EventQueue q(2);
    q.push(kline(1, true));
    q.push(priced_update("100", 10));
    q.push(priced_trade("90", 11));   // drops the update at 100
    q.push(priced_update("95", 12));  // drops the trade at 90
    q.push(priced_update("96", 13));  // drops the update at 95
    CHECK(q.dropped() == 3);
    bot::DroppedPrices dropped;
    auto e = q.pop(std::chrono::milliseconds(0), &dropped);
    REQUIRE(e);
    CHECK(std::get<Kline>(*e).closed);
    CHECK(dropped.count == 3);
    CHECK(dropped.low == config::Decimal::from_int(90));
    CHECK(dropped.low_time_ms == 11);
    CHECK(dropped.high == config::Decimal::from_int(100));
    CHECK(dropped.high_time_ms == 10);
    CHECK_FALSE(dropped.low_first);  // 100 came before 90
    // Handed out once.
    e = q.pop(std::chrono::milliseconds(0), &dropped);
    REQUIRE(e);
    CHECK(dropped.count == 0);
    CHECK(std::get<Kline>(*e).close == config::Decimal::from_int(96));
}

TEST_CASE("queue: a droppable refused by a queue of closes still leaves its price", "[queue]") {
    EventQueue q(1);
    q.push(kline(1, true));
    q.push(priced_trade("50", 7));  // the queue holds only a close: this trade is dropped
    q.push(priced_trade("60", 8));
    CHECK(q.dropped() == 2);
    bot::DroppedPrices dropped;
    REQUIRE(q.pop(std::chrono::milliseconds(0), &dropped));
    CHECK(dropped.count == 2);
    CHECK(dropped.low == config::Decimal::from_int(50));
    CHECK(dropped.high == config::Decimal::from_int(60));
    CHECK(dropped.low_first);
    // Nothing queued and nothing dropped: a timed-out pop reports no prices.
    CHECK_FALSE(q.pop(std::chrono::milliseconds(1), &dropped));
    CHECK(dropped.count == 0);
}
