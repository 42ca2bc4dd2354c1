// The REST client and gateway against the local exchange: signatures, filters, Binance's error
// and retry rules, TLS verification. Every wait is bounded; nothing depends on timing.
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <sstream>

#include "exchange/binance/factory.h"
#include "exchange/binance/gateway.h"
#include "exchange/binance/rest_client.h"
#include "exchange/net/tls.h"
#include "support/fake_binance/fake_binance.h"
#include "support/silent_server.h"
#include "support/temp_dir.h"

using namespace exchange;
using namespace exchange::binance;
using namespace exchange::net;
using config::Decimal;

namespace {

Decimal D(const char* s) { return Decimal::from_string(s); }

std::shared_ptr<spdlog::logger> quiet_logger() {
    return std::make_shared<spdlog::logger>("binance-test",
                                            std::make_shared<spdlog::sinks::null_sink_mt>());
}

std::shared_ptr<RestClient> client_for(const fake_binance::FakeBinance& fake,
                                       std::optional<ApiCredentials> creds,
                                       std::optional<std::string> ca_file = std::nullopt) {
    std::string err;
    auto url = parse_url(fake.rest_url(), false, &err);
    REQUIRE(url);
    auto tls = url->tls ? make_client_tls_context(ca_file) : nullptr;
    RestOptions o;
    o.timeout = std::chrono::seconds(10);
    o.initial_backoff = std::chrono::milliseconds(20);
    return std::make_shared<RestClient>(HttpClient(*url, tls, o.timeout), o, std::move(creds),
                                        quiet_logger());
}

Kline closed_kline(int i) {
    Kline k;
    k.symbol = "BTCUSDT";
    k.interval = "1m";
    k.open_time_ms = 1'700'000'000'000 + i * 60'000;
    k.close_time_ms = k.open_time_ms + 59'999;
    k.open = k.high = k.low = k.close = D("100.12345678") + Decimal::from_int(i);
    k.volume = D("1.5");
    k.closed = true;
    return k;
}

ApiCredentials good_creds() { return ApiCredentials("fake-api-key", "fake-api-secret"); }

struct Exchange {
    fake_binance::FakeBinance fake;
    Exchange() {
        fake.set_rules("BTCUSDT", fake_binance::Rules{});
        fake.set_fill_price("BTCUSDT", "30000");
    }
};

OrderRequest buy(const std::string& id, const char* qty) {
    OrderRequest r;
    r.client_order_id = id;
    r.symbol = "BTCUSDT";
    r.side = Side::kBuy;
    r.quantity = D(qty);
    r.reference_price = D("30000");
    return r;
}

}  // namespace

TEST_CASE("server time and exchangeInfo rules", "[rest]") {
    Exchange ex;
    auto rest = client_for(ex.fake, std::nullopt);
    ex.fake.set_clock_offset_ms(5000);
    auto offset = rest->sync_time();
    REQUIRE(offset);
    CHECK(*offset.value > 4000);  // 5 s ahead, measured over loopback
    CHECK(*offset.value < 6000);

    BinanceGateway gw(rest, quiet_logger());
    auto r = gw.rules("BTCUSDT");
    REQUIRE(r);
    CHECK(r->base_asset == "BTC");
    CHECK(r->step_size == D("0.00001"));
    CHECK(r->tick_size == D("0.01"));
    CHECK(r->min_notional == D("5"));
    CHECK(gw.rules("BTCUSDT"));  // cached
    CHECK(ex.fake.requests("/api/v3/exchangeInfo") == 1);

    auto unknown = rest->exchange_info("NOPEUSDT");
    CHECK(unknown.unknown_symbol);
    CHECK(unknown.error.find("-1121") != std::string::npos);
    CHECK_FALSE(gw.rules("NOPEUSDT"));
}

TEST_CASE("signed market order is accepted, rounded to the step, fills mapped", "[rest]") {
    Exchange ex;
    BinanceGateway gw(client_for(ex.fake, good_creds()), quiet_logger());
    auto res = gw.place(buy("ord-1", "0.001234567"));
    INFO(res.reason);
    REQUIRE(res.status == OrderStatus::kFilled);
    REQUIRE(res.fills.size() == 1);
    CHECK(res.fills[0].quantity == D("0.00123"));
    CHECK(res.fills[0].price == D("30000"));
    CHECK(res.fills[0].fee == D("0.0369"));
    CHECK(res.fills[0].fee_asset == "USDT");
    CHECK_FALSE(res.exchange_order_id.empty());
    CHECK(ex.fake.orders_placed("ord-1") == 1);
    CHECK(ex.fake.auth_failures() == 0);
    REQUIRE(ex.fake.orders().size() == 1);
    CHECK(ex.fake.orders()[0].quantity == "0.00123");

    auto q = gw.query("BTCUSDT", "ord-1");
    REQUIRE(q);
    CHECK(q->status == OrderStatus::kFilled);
    REQUIRE(q->fills.size() == 1);
    CHECK(q->fills[0].fee == D("0.0369"));
    CHECK_FALSE(gw.query("BTCUSDT", "never-sent"));
}

TEST_CASE("a cancel that comes too late finds the order's final state, an unknown one none",
          "[rest]") {
    Exchange ex;
    BinanceGateway gw(client_for(ex.fake, good_creds()), quiet_logger());
    REQUIRE(gw.place(buy("ord-c", "0.001")).status == OrderStatus::kFilled);
    // A market order is filled at once: Binance refuses the cancel (-2011) and the lookup says
    // what became of it, fills and all.
    auto late = gw.cancel("BTCUSDT", "ord-c");
    REQUIRE(late);
    CHECK(late->status == OrderStatus::kFilled);
    REQUIRE(late->fills.size() == 1);
    CHECK(late->fills[0].quantity == D("0.001"));
    CHECK(ex.fake.requests("/api/v3/order") >= 3);  // the POST, the DELETE and the GET
    CHECK_FALSE(gw.cancel("BTCUSDT", "never-sent"));
    CHECK(ex.fake.orders().size() == 1);
}

TEST_CASE("a wrong secret is refused by the exchange with a clear reason", "[rest]") {
    Exchange ex;
    BinanceGateway gw(client_for(ex.fake, ApiCredentials("fake-api-key", "wrong")), quiet_logger());
    auto res = gw.place(buy("ord-bad", "0.001"));
    CHECK(res.status == OrderStatus::kRejected);
    CHECK(res.reason.find("-1022") != std::string::npos);
    CHECK(res.reason.find("Signature for this request is not valid") != std::string::npos);
    CHECK(ex.fake.total_orders() == 0);
    CHECK(ex.fake.auth_failures() >= 1);
}

TEST_CASE("orders breaking the filters are rejected locally, never sent", "[rest]") {
    Exchange ex;
    BinanceGateway gw(client_for(ex.fake, good_creds()), quiet_logger());
    auto small = gw.place(buy("ord-small", "0.0001"));  // 3 USDT < minNotional 5
    CHECK(small.status == OrderStatus::kRejected);
    CHECK(small.reason == "rejected locally: BTCUSDT: notional 3 is below the min notional 5");
    auto dust = gw.place(buy("ord-dust", "0.000001"));  // below one step
    CHECK(dust.status == OrderStatus::kRejected);
    CHECK(dust.reason ==
          "rejected locally: BTCUSDT: quantity 0.000001 is below the step size 0.00001");
    auto limit = buy("ord-limit", "0.001");
    limit.type = exchange::OrderType::kLimit;
    limit.limit_price = D("29000");
    CHECK(gw.place(limit).reason == "rejected locally: only MARKET orders are placed, not LIMIT");
    auto unknown = buy("ord-x", "1");
    unknown.symbol = "NOPEUSDT";
    CHECK(gw.place(unknown).status == OrderStatus::kRejected);
    CHECK(ex.fake.requests("/api/v3/order") == 0);
}

TEST_CASE("429 waits for Retry-After, then succeeds", "[rest]") {
    Exchange ex;
    BinanceGateway gw(client_for(ex.fake, good_creds()), quiet_logger());
    REQUIRE(gw.rules("BTCUSDT"));
    ex.fake.fail_next("/api/v3/order", 429, 1, 1);
    auto t0 = std::chrono::steady_clock::now();
    auto res = gw.place(buy("ord-429", "0.001"));
    auto waited = std::chrono::steady_clock::now() - t0;
    INFO(res.reason);
    CHECK(res.status == OrderStatus::kFilled);
    CHECK(waited >= std::chrono::milliseconds(1000));  // a lower bound: it slept Retry-After
    CHECK(ex.fake.requests("/api/v3/order") == 2);
    CHECK(ex.fake.orders_placed("ord-429") == 1);
}

TEST_CASE("a Retry-After beyond the limit is not waited for", "[rest]") {
    Exchange ex;
    auto rest = client_for(ex.fake, good_creds());
    BinanceGateway gw(rest, quiet_logger());
    REQUIRE(gw.rules("BTCUSDT"));
    ex.fake.fail_next("/api/v3/order", 418, 1, 3600);
    auto res = gw.place(buy("ord-418", "0.001"));
    CHECK(res.status == OrderStatus::kRejected);
    CHECK(res.reason.find("418") != std::string::npos);
    CHECK(res.reason.find("Retry-After 3600") != std::string::npos);
    CHECK(ex.fake.total_orders() == 0);
}

TEST_CASE("5xx after the order was accepted: the query finds it, no second order", "[rest]") {
    Exchange ex;
    BinanceGateway gw(client_for(ex.fake, good_creds()), quiet_logger());
    REQUIRE(gw.rules("BTCUSDT"));
    ex.fake.fail_next("/api/v3/order", 503, 1, std::nullopt, /*execute_first=*/true);
    auto res = gw.place(buy("ord-503", "0.001"));
    INFO(res.reason);
    CHECK(res.status == OrderStatus::kFilled);
    REQUIRE(res.fills.size() == 1);
    CHECK(res.fills[0].quantity == D("0.001"));
    CHECK(res.fills[0].fee == D("0.03"));
    CHECK(ex.fake.orders_placed("ord-503") == 1);
    CHECK(ex.fake.order_posts("ord-503") == 1);
    CHECK(ex.fake.total_orders() == 1);
}

TEST_CASE("5xx before the order was accepted: the query finds nothing, placed once", "[rest]") {
    Exchange ex;
    BinanceGateway gw(client_for(ex.fake, good_creds()), quiet_logger());
    REQUIRE(gw.rules("BTCUSDT"));
    ex.fake.fail_next("/api/v3/order", 502, 1);
    auto res = gw.place(buy("ord-502", "0.001"));
    INFO(res.reason);
    CHECK(res.status == OrderStatus::kFilled);
    CHECK(ex.fake.orders_placed("ord-502") == 1);
    CHECK(ex.fake.requests("/api/v3/order") == 3);  // POST (502), GET (no such order), POST
}

TEST_CASE("error -1021 resyncs the clock and retries once", "[rest]") {
    Exchange ex;
    auto rest = client_for(ex.fake, good_creds());
    BinanceGateway gw(rest, quiet_logger());
    REQUIRE(gw.place(buy("ord-a", "0.001")).status == OrderStatus::kFilled);
    int syncs = ex.fake.requests("/api/v3/time");
    ex.fake.set_clock_offset_ms(-30'000);  // the exchange's clock jumps: our timestamps are early
    auto res = gw.place(buy("ord-b", "0.001"));
    INFO(res.reason);
    CHECK(res.status == OrderStatus::kFilled);
    CHECK(ex.fake.requests("/api/v3/time") == syncs + 1);
    CHECK(ex.fake.orders_placed("ord-b") == 1);
}

TEST_CASE("signed calls without credentials fail clearly", "[rest]") {
    Exchange ex;
    BinanceGateway gw(client_for(ex.fake, std::nullopt), quiet_logger());
    auto res = gw.place(buy("ord-nokey", "0.001"));
    CHECK(res.status != OrderStatus::kFilled);
    CHECK(res.reason.find("BINANCE_API_KEY") != std::string::npos);
    CHECK(ex.fake.total_orders() == 0);
}

TEST_CASE("klines come back in order with exact prices", "[rest]") {
    Exchange ex;
    for (int i = 0; i < 5; ++i) ex.fake.add_history(closed_kline(i));
    auto rest = client_for(ex.fake, std::nullopt);
    auto all = rest->klines("BTCUSDT", "1m", std::nullopt, std::nullopt, 100);
    REQUIRE(all);
    REQUIRE(all.value->size() == 5);
    CHECK(all.value->at(4).close == D("104.12345678"));
    auto tail = rest->klines("BTCUSDT", "1m", 1'700'000'000'000 + 120'000, std::nullopt, 2);
    REQUIRE(tail);
    REQUIRE(tail.value->size() == 2);
    CHECK(tail.value->at(0).open_time_ms == 1'700'000'000'000 + 120'000);
}

TEST_CASE("TLS: the right CA works, a wrong CA is refused with a clear error", "[rest][tls]") {
    testing_support::TempDir dir;
    auto server = fake_binance::make_self_signed_certificate(dir.path().string(), "server");
    auto other = fake_binance::make_self_signed_certificate(dir.path().string(), "other");
    fake_binance::Options o;
    o.tls = true;
    o.cert_file = server.cert_file;
    o.key_file = server.key_file;
    fake_binance::FakeBinance fake(o);
    REQUIRE(fake.rest_url().rfind("https://", 0) == 0);

    auto good = client_for(fake, std::nullopt, server.cert_file);
    auto t = good->sync_time();
    INFO(t.error);
    CHECK(t);

    auto bad = client_for(fake, std::nullopt, other.cert_file);
    auto refused = bad->sync_time();
    REQUIRE_FALSE(refused);
    CHECK(refused.error.find("certificate verify failed") != std::string::npos);
    CHECK(refused.error.find("TLS handshake") != std::string::npos);

    CHECK_THROWS_WITH(make_client_tls_context(dir.file("missing.pem")),
                      Catch::Contains("missing.pem"));
}

TEST_CASE("an answer lost in transit: the query finds the order, no second order", "[rest]") {
    Exchange ex;
    BinanceGateway gw(client_for(ex.fake, good_creds()), quiet_logger());
    REQUIRE(gw.rules("BTCUSDT"));
    ex.fake.fail_next("/api/v3/order", 0, 1, std::nullopt, /*execute_first=*/true);
    auto res = gw.place(buy("ord-lost", "0.001"));
    INFO(res.reason);
    CHECK(res.status == OrderStatus::kFilled);
    CHECK(res.fills.size() == 1);
    CHECK(ex.fake.orders_placed("ord-lost") == 1);
    CHECK(ex.fake.order_posts("ord-lost") == 1);
}

TEST_CASE("order/test validates without executing", "[rest]") {
    Exchange ex;
    RestOptions o;
    std::string err;
    auto url = parse_url(ex.fake.rest_url(), false, &err);
    REQUIRE(url);
    o.test_orders = true;
    auto rest = std::make_shared<RestClient>(HttpClient(*url, nullptr, o.timeout), o, good_creds(),
                                             quiet_logger());
    BinanceGateway gw(rest, quiet_logger());
    auto res = gw.place(buy("ord-test", "0.001"));
    CHECK(res.status == OrderStatus::kNew);
    CHECK(res.reason.find("order/test") != std::string::npos);
    CHECK(ex.fake.requests("/api/v3/order/test") == 1);
    CHECK(ex.fake.total_orders() == 0);
    CHECK(ex.fake.auth_failures() == 0);
}

TEST_CASE("the daemon's factory builds the stream and the gateway from a config", "[rest]") {
    Exchange ex;
    config::Config cfg;
    cfg.exchange.name = "binance";
    cfg.exchange.ws_url = ex.fake.ws_url();
    cfg.exchange.rest_url = ex.fake.rest_url();
    config::SymbolConfig btc{"BTCUSDT", cfg.strategy, cfg.risk};
    config::SymbolConfig eth{"ETHUSDT", cfg.strategy, cfg.risk};
    eth.strategy.interval = "5m";
    cfg.symbols = {btc, eth};

    auto gw = make_gateway(cfg, good_creds(), quiet_logger());
    CHECK(gw->rules("BTCUSDT"));

    auto stream = make_market_stream(cfg, quiet_logger());
    stream->start({"BTCUSDT", "ETHUSDT"}, [](const MarketEvent&) {});
    CHECK(fake_binance::FakeBinance::wait_for(
        [&] {
            return ex.fake.last_ws_target() == "/stream?streams=btcusdt@kline_1m/ethusdt@kline_5m";
        },
        std::chrono::seconds(30)));
    stream->stop();

    cfg.exchange.ws_url = "https://not-a-websocket";
    CHECK_THROWS_WITH(make_market_stream(cfg, quiet_logger()), Catch::Contains("exchange.ws_url"));
    cfg.exchange.ws_url = ex.fake.ws_url();
    cfg.exchange.rest_url = "https://127.0.0.1:1";
    cfg.exchange.ca_file = "/nonexistent/ca.pem";
    CHECK_THROWS_WITH(make_gateway(cfg, good_creds(), quiet_logger()),
                      Catch::Contains("exchange.ca_file"));
}

TEST_CASE("a request that times out leaves the order unknown until the query settles it",
          "[rest]") {
    Exchange ex;
    std::string err;
    auto url = parse_url(ex.fake.rest_url(), false, &err);
    REQUIRE(url);
    RestOptions o;
    o.timeout = std::chrono::milliseconds(300);
    o.initial_backoff = std::chrono::milliseconds(20);
    auto rest = std::make_shared<RestClient>(HttpClient(*url, nullptr, o.timeout), o, good_creds(),
                                             quiet_logger());

    // The transport itself: no answer within the deadline is a timeout, after sending.
    ex.fake.fail_next("/api/v3/time", -3000, 1);
    auto out = rest->http().request(HttpRequest{"GET", "/api/v3/time", {}});
    CHECK_FALSE(out.response);
    CHECK(out.timed_out);
    CHECK(out.request_sent);
    CHECK(out.error.find("timed out") != std::string::npos);

    BinanceGateway gw(rest, quiet_logger());
    REQUIRE(gw.rules("BTCUSDT"));
    ex.fake.fail_next("/api/v3/order", -3000, 1, std::nullopt, /*execute_first=*/true);
    auto res = gw.place(buy("ord-slow", "0.001"));
    INFO(res.reason);
    CHECK(res.status == OrderStatus::kFilled);
    CHECK(ex.fake.orders_placed("ord-slow") == 1);
    CHECK(ex.fake.order_posts("ord-slow") == 1);
}

TEST_CASE("rules for paper trading need no key", "[rest]") {
    Exchange ex;
    config::Config cfg;
    cfg.exchange.rest_url = ex.fake.rest_url();
    auto rules = make_rules_provider(cfg, quiet_logger());
    auto r = rules("BTCUSDT");
    REQUIRE(r);
    CHECK(r->step_size == D("0.00001"));
    CHECK_FALSE(rules("NOPEUSDT"));
    CHECK(ex.fake.auth_failures() == 0);
}

TEST_CASE("no secret, key or signature reaches a log line, whatever goes wrong", "[rest]") {
    Exchange ex;
    std::ostringstream logged;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(logged);
    auto log = std::make_shared<spdlog::logger>("binance-log-test", sink);
    log->set_level(spdlog::level::trace);
    std::string err;
    auto url = parse_url(ex.fake.rest_url(), false, &err);
    REQUIRE(url);
    RestOptions o;
    o.initial_backoff = std::chrono::milliseconds(20);
    auto rest =
        std::make_shared<RestClient>(HttpClient(*url, nullptr, o.timeout), o, good_creds(), log);
    BinanceGateway gw(rest, log);
    ex.fake.fail_next("/api/v3/order", 0, 1, std::nullopt, true);
    CHECK(gw.place(buy("ord-log-1", "0.001")).status == OrderStatus::kFilled);
    ex.fake.fail_next("/api/v3/order", 429, 1, 0);
    CHECK(gw.place(buy("ord-log-2", "0.001")).status == OrderStatus::kFilled);
    ex.fake.set_clock_offset_ms(-30'000);
    CHECK(gw.place(buy("ord-log-3", "0.001")).status == OrderStatus::kFilled);
    BinanceGateway bad(
        std::make_shared<RestClient>(HttpClient(*url, nullptr, o.timeout), o,
                                     ApiCredentials("fake-api-key", "wrong-secret"), log),
        log);
    CHECK(bad.place(buy("ord-log-4", "0.001")).status == OrderStatus::kRejected);

    const std::string text = logged.str();
    CHECK(text.find("ord-log-1") != std::string::npos);  // the log did capture the flow
    CHECK(text.find("fake-api-secret") == std::string::npos);
    CHECK(text.find("wrong-secret") == std::string::npos);
    CHECK(text.find("fake-api-key") == std::string::npos);
    CHECK(text.find("signature=") == std::string::npos);
    CHECK(text.find("timestamp=") == std::string::npos);
}

TEST_CASE("a cancel check cuts a call to a server that never answers short", "[rest][cancel]") {
    testing_support::SilentServer silent;
    std::string err;
    auto url = parse_url(silent.http_url(), false, &err);
    REQUIRE(url);
    // Without the cancel check this call would wait 60 s per attempt, 5 attempts.
    RestOptions o;
    o.timeout = std::chrono::seconds(60);
    std::atomic<bool> stop{false};
    o.cancelled = [&stop] { return stop.load(); };
    RestClient client(HttpClient(*url, nullptr, o.timeout), o, std::nullopt, quiet_logger());

    auto result = std::async(std::launch::async, [&] { return client.sync_time(); });
    // Let the request go out and sit unanswered, then cancel. The wait below bounds a hang.
    CHECK(result.wait_for(std::chrono::milliseconds(500)) == std::future_status::timeout);
    stop = true;
    REQUIRE(result.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    auto t = result.get();
    CHECK_FALSE(t);
    CHECK_THAT(t.error, Catch::Contains("cancelled"));
}

TEST_CASE("trading rules for paper trading give up when the daemon stops", "[rest][cancel]") {
    testing_support::SilentServer silent;
    config::Config cfg;
    cfg.exchange.name = "binance";
    cfg.exchange.rest_url = silent.http_url();
    RestOptions o;
    o.timeout = std::chrono::seconds(60);
    std::atomic<bool> stop{false};
    o.cancelled = [&stop] { return stop.load(); };
    auto rules = make_rules_provider(cfg, quiet_logger(), o);
    auto asked = std::async(std::launch::async, [&] { return rules("BTCUSDT"); });
    CHECK(asked.wait_for(std::chrono::milliseconds(500)) == std::future_status::timeout);
    stop = true;
    REQUIRE(asked.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    CHECK_FALSE(asked.get().has_value());
}
