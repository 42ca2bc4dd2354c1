// The WebSocket market stream against the local exchange: delivery, reconnects, back-fill,
// silence, garbage, serverShutdown, TLS. Every wait is bounded and waits for a condition.
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>

#include "exchange/binance/market_stream.h"
#include "exchange/net/tls.h"
#include "support/fake_binance/fake_binance.h"
#include "support/temp_dir.h"

using namespace exchange;
using namespace exchange::binance;
using namespace exchange::net;
using config::Decimal;
using fake_binance::FakeBinance;

namespace {

constexpr std::int64_t kBase = 1'700'000'040'000 - (1'700'000'040'000 % 60'000);
constexpr auto kDeadline = std::chrono::seconds(30);

std::shared_ptr<spdlog::logger> quiet_logger() {
    return std::make_shared<spdlog::logger>("binance-test",
                                            std::make_shared<spdlog::sinks::null_sink_mt>());
}

Kline kline(const std::string& symbol, int i, bool closed) {
    Kline k;
    k.symbol = symbol;
    k.interval = "1m";
    k.open_time_ms = kBase + i * 60'000LL;
    k.close_time_ms = k.open_time_ms + 59'999;
    k.open = Decimal::from_int(100 + i);
    k.high = Decimal::from_int(110 + i);
    k.low = Decimal::from_int(90 + i);
    k.close = Decimal::from_string("100.5") + Decimal::from_int(i);
    k.volume = Decimal::from_string("0.001");
    k.closed = closed;
    k.event_time_ms = k.close_time_ms;
    return k;
}

// Collects what the sink receives.
struct Collector {
    mutable std::mutex mu;
    std::map<std::string, std::vector<std::int64_t>> closed;  // open times of closed klines
    std::map<std::string, int> updates;
    std::atomic<bool> stopped{false};
    std::atomic<int> after_stop{0};

    EventSink sink() {
        return [this](const MarketEvent& e) {
            if (stopped) ++after_stop;
            const auto* k = std::get_if<Kline>(&e);
            if (!k) return;
            std::lock_guard lock(mu);
            if (k->closed) {
                closed[k->symbol].push_back(k->open_time_ms);
            } else {
                ++updates[k->symbol];
            }
        };
    }
    std::size_t closed_count(const std::string& s) const {
        std::lock_guard lock(mu);
        auto it = closed.find(s);
        return it == closed.end() ? 0 : it->second.size();
    }
    std::vector<std::int64_t> closed_of(const std::string& s) const {
        std::lock_guard lock(mu);
        auto it = closed.find(s);
        return it == closed.end() ? std::vector<std::int64_t>{} : it->second;
    }
};

std::vector<std::int64_t> expected_opens(int from, int to) {  // [from, to)
    std::vector<std::int64_t> v;
    for (int i = from; i < to; ++i) v.push_back(kBase + i * 60'000LL);
    return v;
}

// "0 1 2 5" for a list of open times: what a failed expectation prints.
std::string indexes(const std::vector<std::int64_t>& opens) {
    std::string out;
    for (auto t : opens) out += std::to_string((t - kBase) / 60'000) + " ";
    return out;
}

StreamOptions test_options() {
    StreamOptions o;
    o.silence_timeout = std::chrono::seconds(60);  // only the silence test shortens it
    o.initial_backoff = std::chrono::milliseconds(50);
    o.max_backoff = std::chrono::milliseconds(500);
    o.handshake_timeout = std::chrono::seconds(10);
    return o;
}

std::unique_ptr<BinanceMarketStream> make_stream(
    const FakeBinance& fake, StreamOptions o, std::optional<std::string> ca_file = std::nullopt) {
    std::string err;
    auto ws = parse_url(fake.ws_url(), true, &err);
    auto rest_url = parse_url(fake.rest_url(), false, &err);
    REQUIRE(ws);
    REQUIRE(rest_url);
    auto tls = ws->tls ? make_client_tls_context(ca_file) : nullptr;
    RestOptions ro;
    ro.initial_backoff = std::chrono::milliseconds(20);
    auto rest = std::make_shared<RestClient>(HttpClient(*rest_url, tls, ro.timeout), ro,
                                             std::nullopt, quiet_logger());
    return std::make_unique<BinanceMarketStream>(*ws, tls, rest, o, quiet_logger());
}

bool wait(const std::function<bool()>& cond) { return FakeBinance::wait_for(cond, kDeadline); }

// Both sides agree that n connections are up: the stream finished its handshakes and the fake
// serves them (only then does a published kline reach the stream).
bool connected(const BinanceMarketStream& stream, const FakeBinance& fake, int n = 1) {
    return wait([&] { return stream.open_connections() == n && fake.live_sessions() == n; });
}

// A stream to a local exchange, started on `symbols` and connected.
struct LiveStream {
    explicit LiveStream(const std::vector<std::string>& symbols, StreamOptions o = test_options())
        : stream(make_stream(fake, std::move(o))) {
        stream->start(symbols, got.sink());
        REQUIRE(connected(*stream, fake));
    }

    FakeBinance fake;
    Collector got;
    std::unique_ptr<BinanceMarketStream> stream;
};

}  // namespace

TEST_CASE("klines for three symbols arrive on one combined stream", "[stream]") {
    FakeBinance fake;
    Collector got;
    auto stream = make_stream(fake, test_options());
    const std::vector<std::string> symbols{"BTCUSDT", "ETHUSDT", "XRPUSDT"};
    stream->start(symbols, got.sink());
    REQUIRE(connected(*stream, fake));
    CHECK(fake.last_ws_target() ==
          "/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m/xrpusdt@kline_1m");
    for (int i = 0; i < 5; ++i) {
        for (const auto& s : symbols) {
            fake.publish(kline(s, i, false));
            fake.publish(kline(s, i, true));
        }
    }
    for (const auto& s : symbols) {
        INFO(s);
        REQUIRE(wait([&] { return got.closed_count(s) >= 5; }));
        CHECK(got.closed_of(s) == expected_opens(0, 5));
    }
    stream->stop();
    got.stopped = true;
    CHECK(stream->stats().messages == 30);
    CHECK(stream->stats().malformed == 0);
    CHECK(stream->stats().reconnects == 0);
    CHECK(stream->stats().last_message_ms > 0);
    fake.publish(kline("BTCUSDT", 5, true));
    CHECK(got.after_stop == 0);
}

TEST_CASE("a dropped connection reconnects and back-fills: no candle missing or twice",
          "[stream]") {
    LiveStream live({"BTCUSDT"});
    auto& [fake, got, stream] = live;
    for (int i = 0; i < 5; ++i) fake.publish(kline("BTCUSDT", i, true));
    REQUIRE(wait([&] { return got.closed_count("BTCUSDT") == 5; }));

    fake.drop_connections();
    for (int i = 5; i < 8; ++i) fake.publish(kline("BTCUSDT", i, true));  // during the gap
    REQUIRE(wait([&] { return stream->stats().reconnects >= 1; }));
    REQUIRE(connected(*stream, fake));
    for (int i = 8; i < 10; ++i) fake.publish(kline("BTCUSDT", i, true));
    REQUIRE(wait([&] { return got.closed_count("BTCUSDT") >= 10; }));
    stream->stop();
    CHECK(got.closed_of("BTCUSDT") == expected_opens(0, 10));
    CHECK(fake.requests("/api/v3/klines") >= 1);
}

TEST_CASE("repeated drops while klines keep closing lose nothing", "[stream]") {
    LiveStream live({"BTCUSDT", "ETHUSDT"});
    auto& [fake, got, stream] = live;
    int n = 0;
    for (int round = 0; round < 5; ++round) {
        for (int j = 0; j < 4; ++j, ++n) {
            fake.publish(kline("BTCUSDT", n, true));
            fake.publish(kline("ETHUSDT", n, true));
        }
        // Until its first closed kline the stream has nothing to continue from (warm-up
        // comes from history()), so let both symbols get one before the first drop.
        if (round == 0) {
            REQUIRE(wait([&] {
                return got.closed_count("BTCUSDT") >= 1 && got.closed_count("ETHUSDT") >= 1;
            }));
        }
        fake.drop_connections();
    }
    REQUIRE(connected(*stream, fake));
    fake.publish(kline("BTCUSDT", n, true));
    fake.publish(kline("ETHUSDT", n, true));
    ++n;
    bool all = wait([&] {
        return got.closed_count("BTCUSDT") >= static_cast<size_t>(n) &&
               got.closed_count("ETHUSDT") >= static_cast<size_t>(n);
    });
    INFO("BTCUSDT " << indexes(got.closed_of("BTCUSDT")) << "; ETHUSDT "
                    << indexes(got.closed_of("ETHUSDT")));
    REQUIRE(all);
    stream->stop();
    CHECK(got.closed_of("BTCUSDT") == expected_opens(0, n));
    CHECK(got.closed_of("ETHUSDT") == expected_opens(0, n));
}

TEST_CASE("a silent stream is dropped and reopened, the gap back-filled", "[stream]") {
    FakeBinance fake;
    Collector got;
    auto o = test_options();
    o.silence_timeout = std::chrono::milliseconds(1500);
    auto stream = make_stream(fake, o);
    stream->start({"BTCUSDT"}, got.sink());
    REQUIRE(connected(*stream, fake));
    for (int i = 0; i < 3; ++i) fake.publish(kline("BTCUSDT", i, true));
    REQUIRE(wait([&] { return got.closed_count("BTCUSDT") == 3; }));

    fake.silence_connections();
    for (int i = 3; i < 6; ++i) fake.publish(kline("BTCUSDT", i, true));  // never sent
    REQUIRE(wait([&] { return stream->stats().reconnects >= 1; }));
    REQUIRE(connected(*stream, fake));
    CHECK(fake.ws_handshakes() >= 2);
    for (int i = 6; i < 8; ++i) fake.publish(kline("BTCUSDT", i, true));
    REQUIRE(wait([&] { return got.closed_count("BTCUSDT") >= 8; }));
    stream->stop();
    CHECK(got.closed_of("BTCUSDT") == expected_opens(0, 8));
}

TEST_CASE("garbage frames are counted and the stream carries on", "[stream]") {
    LiveStream live({"BTCUSDT"});
    auto& [fake, got, stream] = live;
    fake.publish(kline("BTCUSDT", 0, true));
    fake.send_raw("this is not json");
    fake.send_raw(std::string("\x00\x01\xff\xfe", 4), /*binary=*/true);
    fake.send_raw(R"({"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1}})");
    fake.send_raw(R"({"stream":"btcusdt@kline_1m","data":{"e":"mystery","E":1}})");
    fake.send_raw(R"({"result":null,"id":1})");  // a reply: fine, not malformed
    fake.publish(kline("BTCUSDT", 1, false));
    fake.publish(kline("BTCUSDT", 1, true));
    REQUIRE(wait([&] { return got.closed_count("BTCUSDT") >= 2; }));
    stream->stop();
    CHECK(got.closed_of("BTCUSDT") == expected_opens(0, 2));
    CHECK(stream->stats().malformed == 4);
    CHECK(stream->stats().messages == 8);
    CHECK(stream->stats().reconnects == 0);
    CHECK(fake.ws_handshakes() == 1);
}

TEST_CASE("serverShutdown makes the stream reconnect at once", "[stream]") {
    LiveStream live({"BTCUSDT"});
    auto& [fake, got, stream] = live;
    fake.publish(kline("BTCUSDT", 0, true));
    REQUIRE(wait([&] { return got.closed_count("BTCUSDT") == 1; }));
    fake.send_server_shutdown();
    // The fake still holds the old session (it never reads, so it has not seen the close):
    // the second handshake is the sign that the new one is served.
    REQUIRE(wait([&] { return fake.ws_handshakes() >= 2 && stream->stats().reconnects >= 1; }));
    REQUIRE(wait([&] { return stream->open_connections() == 1; }));
    fake.publish(kline("BTCUSDT", 1, true));
    REQUIRE(wait([&] { return got.closed_count("BTCUSDT") >= 2; }));
    stream->stop();
    CHECK(got.closed_of("BTCUSDT") == expected_opens(0, 2));
    CHECK(stream->stats().malformed == 0);
}

TEST_CASE("symbols are split over connections of at most N streams", "[stream]") {
    FakeBinance fake;
    Collector got;
    auto o = test_options();
    o.max_streams_per_connection = 2;
    auto stream = make_stream(fake, o);
    const std::vector<std::string> symbols{"BTCUSDT", "ETHUSDT", "XRPUSDT"};
    stream->start(symbols, got.sink());
    REQUIRE(connected(*stream, fake, 2));
    CHECK(fake.ws_handshakes() == 2);
    for (const auto& s : symbols) fake.publish(kline(s, 0, true));
    for (const auto& s : symbols) {
        INFO(s);
        REQUIRE(wait([&] { return got.closed_count(s) == 1; }));
    }
    stream->stop();
}

TEST_CASE("set_symbols adds and removes symbols while running", "[stream]") {
    LiveStream live({"BTCUSDT"});
    auto& [fake, got, stream] = live;
    fake.publish(kline("BTCUSDT", 0, true));
    REQUIRE(wait([&] { return got.closed_count("BTCUSDT") == 1; }));

    stream->set_symbols({"BTCUSDT", "ETHUSDT"});
    REQUIRE(wait([&] {
        return fake.last_ws_target() == "/stream?streams=btcusdt@kline_1m/ethusdt@kline_1m" &&
               stream->open_connections() == 1;
    }));
    fake.publish(kline("ETHUSDT", 0, true));
    fake.publish(kline("BTCUSDT", 1, true));
    REQUIRE(
        wait([&] { return got.closed_count("ETHUSDT") == 1 && got.closed_count("BTCUSDT") == 2; }));

    stream->set_symbols({"ETHUSDT"});
    // The target is recorded when the fake registers the session; the old one lingers there.
    REQUIRE(wait([&] { return fake.last_ws_target() == "/stream?streams=ethusdt@kline_1m"; }));
    REQUIRE(wait([&] { return stream->open_connections() == 1; }));
    fake.publish(kline("ETHUSDT", 1, true));
    REQUIRE(wait([&] { return got.closed_count("ETHUSDT") == 2; }));
    stream->stop();
    CHECK(got.closed_of("BTCUSDT") == expected_opens(0, 2));
    CHECK(got.closed_of("ETHUSDT") == expected_opens(0, 2));
}

TEST_CASE("history serves the most recent closed klines from REST", "[stream]") {
    FakeBinance fake;
    for (int i = 0; i < 10; ++i) fake.add_history(kline("BTCUSDT", i, true));
    auto open = kline("BTCUSDT", 0, false);  // the current candle: closes in the future
    open.open_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    open.close_time_ms = open.open_time_ms + 3'600'000;
    fake.add_history(open);
    auto stream = make_stream(fake, test_options());
    auto h = stream->history("BTCUSDT", "1m", 5);
    REQUIRE(h.size() == 5);
    for (size_t i = 0; i < 5; ++i) {
        CHECK(h[i].open_time_ms == kBase + static_cast<std::int64_t>(5 + i) * 60'000);
        CHECK(h[i].closed);
        CHECK(h[i].symbol == "BTCUSDT");
    }
    CHECK(h[4].close == Decimal::from_string("109.5"));
    CHECK(stream->history("NOPE", "1m", 5).empty());
}

TEST_CASE("warm-up from history, then the stream continues right after it", "[stream]") {
    FakeBinance fake;
    for (int i = 0; i < 5; ++i) fake.add_history(kline("BTCUSDT", i, true));
    Collector got;
    auto stream = make_stream(fake, test_options());
    auto h = stream->history("BTCUSDT", "1m", 3);
    REQUIRE(h.size() == 3);
    stream->resume_after("BTCUSDT", "1m", h.back().open_time_ms);  // what the bot does
    fake.add_history(kline("BTCUSDT", 5, true));  // closes between warm-up and start
    stream->start({"BTCUSDT"}, got.sink());
    REQUIRE(connected(*stream, fake));
    fake.publish(kline("BTCUSDT", 6, true));
    REQUIRE(wait([&] { return got.closed_count("BTCUSDT") >= 2; }));
    stream->stop();
    CHECK(got.closed_of("BTCUSDT") == expected_opens(5, 7));
}

TEST_CASE("TLS stream: the right CA works, a wrong CA is refused with a clear error",
          "[stream][tls]") {
    testing_support::TempDir dir;
    auto server = fake_binance::make_self_signed_certificate(dir.path().string(), "server");
    auto other = fake_binance::make_self_signed_certificate(dir.path().string(), "other");
    fake_binance::Options fo;
    fo.tls = true;
    fo.cert_file = server.cert_file;
    fo.key_file = server.key_file;
    FakeBinance fake(fo);
    REQUIRE(fake.ws_url().rfind("wss://", 0) == 0);

    {
        Collector got;
        auto stream = make_stream(fake, test_options(), server.cert_file);
        stream->start({"BTCUSDT"}, got.sink());
        REQUIRE(connected(*stream, fake));
        fake.publish(kline("BTCUSDT", 0, true));
        REQUIRE(wait([&] { return got.closed_count("BTCUSDT") == 1; }));
        stream->stop();
    }
    {
        Collector got;
        auto stream = make_stream(fake, test_options(), other.cert_file);
        stream->start({"BTCUSDT"}, got.sink());
        REQUIRE(wait([&] { return !stream->last_error().empty(); }));
        CHECK(stream->last_error().find("certificate verify failed") != std::string::npos);
        CHECK(stream->last_error().find("TLS handshake") != std::string::npos);
        CHECK(stream->open_connections() == 0);
        stream->stop();
        CHECK(got.closed_count("BTCUSDT") == 0);
    }
}

TEST_CASE("the sink is never called after stop() returns", "[stream]") {
    LiveStream live({"BTCUSDT"});
    auto& [fake, got, stream] = live;
    std::atomic<bool> run{true};
    std::thread publisher([&] {
        for (int i = 0; run && i < 100'000; ++i) fake.publish(kline("BTCUSDT", i, false));
    });
    REQUIRE(wait([&] { return stream->stats().messages >= 100; }));
    stream->stop();
    got.stopped = true;
    auto seen = stream->stats().messages;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    run = false;
    publisher.join();
    CHECK(got.after_stop == 0);
    CHECK(stream->stats().messages == seen);
    stream->stop();  // idempotent
}

TEST_CASE("connections are renewed ahead of their maximum age without losing a candle",
          "[stream]") {
    FakeBinance fake;
    Collector got;
    auto o = test_options();
    o.max_connection_age = std::chrono::milliseconds(300);
    auto stream = make_stream(fake, o);
    stream->start({"BTCUSDT"}, got.sink());
    REQUIRE(connected(*stream, fake));
    int n = 0;
    while (n < 1500 && fake.ws_handshakes() < 3) {
        fake.publish(kline("BTCUSDT", n++, true));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(fake.ws_handshakes() >= 3);
    // Renewals go on: a kline missed by one connection is back-filled on the next.
    REQUIRE(wait([&] { return stream->open_connections() == 1; }));
    fake.publish(kline("BTCUSDT", n++, true));
    REQUIRE(wait([&] { return got.closed_count("BTCUSDT") >= static_cast<size_t>(n); }));
    stream->stop();
    CHECK(got.closed_of("BTCUSDT") == expected_opens(0, n));
    CHECK(stream->stats().reconnects >= 2);
}

TEST_CASE("a played price series arrives whole and in order", "[stream]") {
    LiveStream live({"BTCUSDT"});
    auto& [fake, got, stream] = live;
    std::vector<std::string> closes;
    for (int i = 0; i < 30; ++i) closes.push_back(std::to_string(100 + (i % 7)) + ".25");
    auto script = FakeBinance::series("BTCUSDT", "1m", kBase, closes);
    REQUIRE(script.size() == 30);
    CHECK(script[1].open == Decimal::from_string("100.25"));
    CHECK(script[1].close == Decimal::from_string("101.25"));
    CHECK(script[1].open_time_ms == kBase + 60'000);
    fake.play(script, std::chrono::milliseconds(2));
    REQUIRE(wait([&] { return got.closed_count("BTCUSDT") >= 30; }));
    CHECK(wait([&] { return !fake.playing(); }));
    stream->stop();
    CHECK(got.closed_of("BTCUSDT") == expected_opens(0, 30));
}

namespace {

// Kline `i` of `symbol` with its prices replaced: (open, high, low, close).
Kline priced(const std::string& symbol, int i, bool closed, const char* open, const char* high,
             const char* low, const char* close) {
    Kline k = kline(symbol, i, closed);
    k.open = Decimal::from_string(open);
    k.high = Decimal::from_string(high);
    k.low = Decimal::from_string(low);
    k.close = Decimal::from_string(close);
    return k;
}

// Candles no exchange can send: each must be refused wherever it comes from.
std::vector<Kline> impossible_candles(const std::string& symbol, int i, bool closed) {
    return {
        priced(symbol, i, closed, "100", "110", "90", "-5"),   // a close below zero
        priced(symbol, i, closed, "100", "110", "90", "0"),    // a close of zero
        priced(symbol, i, closed, "0", "110", "90", "100"),    // an open of zero
        priced(symbol, i, closed, "100", "110", "-6", "100"),  // a low below zero
        priced(symbol, i, closed, "100", "90", "110", "100"),  // the high below the low
        priced(symbol, i, closed, "100", "110", "90", "111"),  // a close above the high
        priced(symbol, i, closed, "100", "110", "90", "89"),   // a close below the low
        priced(symbol, i, closed, "120", "110", "90", "100"),  // an open above the high
    };
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

TEST_CASE("candles with impossible prices on the stream are refused and counted, never delivered",
          "[stream][candle]") {
    LiveStream live({"BTCUSDT"});
    auto& [fake, got, stream] = live;
    fake.publish(kline("BTCUSDT", 0, true));
    // Before the real candle 1, impossible ones of the same open time: none may take its place.
    const auto bad = impossible_candles("BTCUSDT", 1, true);
    for (const auto& k : bad) fake.publish(k);
    const auto bad_updates = impossible_candles("BTCUSDT", 2, false);
    for (const auto& k : bad_updates) fake.publish(k);
    fake.publish(kline("BTCUSDT", 1, true));
    fake.publish(kline("BTCUSDT", 2, false));
    fake.publish(kline("BTCUSDT", 2, true));
    REQUIRE(wait([&] { return got.closed_count("BTCUSDT") >= 3; }));
    stream->stop();
    CHECK(got.closed_of("BTCUSDT") == expected_opens(0, 3));
    CHECK(got.updates["BTCUSDT"] == 1);  // only the real update of candle 2
    CHECK(stream->stats().malformed == bad.size() + bad_updates.size());
}

TEST_CASE("candles with impossible prices from REST are refused: history and back-fill",
          "[stream][candle]") {
    SECTION("the warm-up history skips them and counts them") {
        FakeBinance fake;
        for (int i = 0; i < 6; ++i) {
            fake.add_history(i == 3 ? priced("BTCUSDT", i, true, "100", "110", "90", "-5")
                                    : kline("BTCUSDT", i, true));
        }
        auto stream = make_stream(fake, test_options());
        auto h = stream->history("BTCUSDT", "1m", 10);
        std::vector<std::int64_t> opens;
        for (const auto& k : h) opens.push_back(k.open_time_ms);
        CHECK(opens == std::vector<std::int64_t>{kBase, kBase + 60'000, kBase + 120'000,
                                                 kBase + 240'000, kBase + 300'000});
        for (const auto& k : h) CHECK(k.close.is_positive());
        CHECK(stream->stats().malformed == 1);
    }
    SECTION("a back-fill page skips them: the hole is passed over like a missing candle") {
        LiveStream live({"BTCUSDT"});
        auto& [fake, got, stream] = live;
        for (int i = 0; i < 2; ++i) fake.publish(kline("BTCUSDT", i, true));
        REQUIRE(wait([&] { return got.closed_count("BTCUSDT") == 2; }));
        // Candles 2 and 3 closed while nobody listened; candle 2 as REST serves it is impossible.
        fake.add_history(priced("BTCUSDT", 2, true, "0", "110", "90", "100"));
        fake.add_history(kline("BTCUSDT", 3, true));
        fake.publish(kline("BTCUSDT", 4, true));  // a gap: back-fill from candle 2
        REQUIRE(wait([&] { return got.closed_count("BTCUSDT") >= 4; }));
        stream->stop();
        CHECK(got.closed_of("BTCUSDT") ==
              std::vector<std::int64_t>{kBase, kBase + 60'000, kBase + 180'000, kBase + 240'000});
        CHECK(stream->stats().malformed >= 1);
    }
}

TEST_CASE("a kline from the far future is refused: it neither blocks later candles nor polls REST",
          "[stream][candle]") {
    LiveStream live({"BTCUSDT", "ETHUSDT"});
    auto& [fake, got, stream] = live;
    fake.publish(kline("BTCUSDT", 0, true));
    fake.publish(kline("ETHUSDT", 0, true));
    REQUIRE(
        wait([&] { return got.closed_count("BTCUSDT") == 1 && got.closed_count("ETHUSDT") == 1; }));
    const int rest_before = fake.requests("/api/v3/klines");
    // Ten years ahead of the exchange's clock: no such candle can have opened, let alone closed.
    Kline future = kline("BTCUSDT", 0, true);
    future.open_time_ms = now_ms() + 10LL * 365 * 24 * 3600 * 1000;
    future.open_time_ms -= future.open_time_ms % 60'000;
    future.close_time_ms = future.open_time_ms + 59'999;
    fake.publish(future);
    Kline future_update = future;
    future_update.closed = false;
    fake.publish(future_update);
    // The candles after it are delivered at once: no back-fill holds them.
    for (int i = 1; i < 4; ++i) {
        fake.publish(kline("BTCUSDT", i, true));
        fake.publish(kline("ETHUSDT", i, true));
    }
    REQUIRE(
        wait([&] { return got.closed_count("BTCUSDT") >= 4 && got.closed_count("ETHUSDT") >= 4; }));
    stream->stop();
    CHECK(got.closed_of("BTCUSDT") == expected_opens(0, 4));
    CHECK(got.closed_of("ETHUSDT") == expected_opens(0, 4));
    CHECK(stream->stats().malformed == 2);
    CHECK(fake.requests("/api/v3/klines") == rest_before);
}
