// Stream and REST messages written from Binance's documented formats (WebSocket Streams and
// REST API pages), including the quirks: prices as strings, "cummulativeQuoteQty".
#include <catch2/catch.hpp>

#include "exchange/binance/gateway.h"
#include "exchange/binance/rest_messages.h"
#include "exchange/binance/stream_messages.h"

using namespace exchange;
using namespace exchange::binance;
using config::Decimal;

namespace {

Decimal D(const char* s) { return Decimal::from_string(s); }

// Binance's documented example, but for its low: the documentation's "l": "0.0015" lies above
// the open of 0.0010, a candle no exchange can send (and which the stream refuses).
const char* kKlineCombined = R"({"stream":"bnbbtc@kline_1m","data":{
  "e": "kline", "E": 1672515782136, "s": "BNBBTC",
  "k": {"t": 1672515780000, "T": 1672515839999, "s": "BNBBTC", "i": "1m", "f": 100, "L": 200,
        "o": "0.0010", "c": "0.0020", "h": "0.0025", "l": "0.0009", "v": "1000", "n": 100,
        "x": false, "q": "1.0000", "V": "500", "Q": "0.500", "B": "123456"}}})";

}  // namespace

TEST_CASE("combined-stream kline", "[messages]") {
    auto m = parse_stream_message(kKlineCombined);
    REQUIRE(std::holds_alternative<MarketEvent>(m));
    const auto& k = std::get<Kline>(std::get<MarketEvent>(m));
    CHECK(k.symbol == "BNBBTC");
    CHECK(k.interval == "1m");
    CHECK(k.open_time_ms == 1672515780000);
    CHECK(k.close_time_ms == 1672515839999);
    CHECK(k.event_time_ms == 1672515782136);
    CHECK(k.open == D("0.0010"));
    CHECK(k.close == D("0.0020"));
    CHECK(k.high == D("0.0025"));
    CHECK(k.low == D("0.0009"));
    CHECK(k.volume == D("1000"));
    CHECK_FALSE(k.closed);
}

TEST_CASE("closed raw kline keeps exact decimals", "[messages]") {
    auto m = parse_stream_message(R"({"e":"kline","E":1700000060001,"s":"BTCUSDT","k":{
        "t":1700000000000,"T":1700000059999,"s":"BTCUSDT","i":"1m","f":1,"L":2,
        "o":"37000.01000000","c":"37010.12345678","h":"37020.00000000","l":"36990.00000000",
        "v":"12.34567890","n":2,"x":true,"q":"0","V":"0","Q":"0","B":"0"}})");
    REQUIRE(std::holds_alternative<MarketEvent>(m));
    const auto& k = std::get<Kline>(std::get<MarketEvent>(m));
    CHECK(k.closed);
    CHECK(k.close.to_string() == "37010.12345678");
    CHECK(k.volume.to_string() == "12.3456789");
}

TEST_CASE("trade and bookTicker", "[messages]") {
    auto t = parse_stream_message(R"({"stream":"bnbbtc@trade","data":{"e":"trade","E":1672515782136,
        "s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true}})");
    REQUIRE(std::holds_alternative<MarketEvent>(t));
    const auto& tr = std::get<Trade>(std::get<MarketEvent>(t));
    CHECK(tr.symbol == "BNBBTC");
    CHECK(tr.trade_id == 12345);
    CHECK(tr.price == D("0.001"));
    CHECK(tr.quantity == D("100"));
    CHECK(tr.buyer_is_maker);

    auto b = parse_stream_message(R"({"stream":"bnbusdt@bookTicker","data":{"u":400900217,
        "s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}})");
    REQUIRE(std::holds_alternative<MarketEvent>(b));
    const auto& bt = std::get<BookTicker>(std::get<MarketEvent>(b));
    CHECK(bt.update_id == 400900217);
    CHECK(bt.bid_price == D("25.3519"));
    CHECK(bt.ask_qty == D("40.66"));
}

TEST_CASE("replies and serverShutdown", "[messages]") {
    auto r = parse_stream_message(R"({"result":null,"id":1})");
    REQUIRE(std::holds_alternative<StreamReply>(r));
    CHECK(std::get<StreamReply>(r).id == 1);
    CHECK(std::get<StreamReply>(r).error.empty());

    auto e = parse_stream_message(R"({"code":2,"msg":"Invalid request: unknown variable","id":7})");
    REQUIRE(std::holds_alternative<StreamReply>(e));
    CHECK(std::get<StreamReply>(e).id == 7);
    CHECK(std::get<StreamReply>(e).error.find("Invalid request") != std::string::npos);

    for (const char* s : {R"({"e":"serverShutdown","E":1770123456789})",
                          R"({"event":{"e":"serverShutdown","E":1770123456789}})",
                          R"({"stream":"x","data":{"e":"serverShutdown","E":1770123456789}})"}) {
        auto m = parse_stream_message(s);
        REQUIRE(std::holds_alternative<ServerShutdown>(m));
        CHECK(std::get<ServerShutdown>(m).event_time_ms == 1770123456789);
    }
}

TEST_CASE("malformed and unknown messages are errors, never exceptions", "[messages]") {
    const char* bad[] = {
        "",
        "garbage \x01\x02",
        "[1,2,3]",
        "{\"stream\":\"a\",\"data\":",
        R"({"stream":"a","data":{"e":"depthUpdate","E":1}})",
        R"({"stream":"a","data":{"e":"kline","E":1,"k":{"t":1}}})",
        R"({"stream":"a","data":{"e":"kline","E":1,"k":{"t":"x","T":2,"s":"A","i":"1m","o":"1",
            "c":"1","h":"1","l":"1","v":"1","x":true}}})",
        R"({"e":"kline","E":1,"k":{"t":1,"T":2,"s":"A","i":"1m","o":"1e5","c":"1","h":"1",
            "l":"1","v":"1","x":true}})",
        R"({"e":"kline","E":1,"k":{"t":1,"T":2,"s":"A","i":"1m","o":1.5,"c":"1","h":"1",
            "l":"1","v":"1","x":true}})",
        R"({"e":42})",
        R"({"id":"x"})",
        R"({"hello":"world"})",
        "null",
    };
    for (const char* s : bad) {
        INFO(s);
        auto m = parse_stream_message(s);
        REQUIRE(std::holds_alternative<StreamParseError>(m));
        CHECK_FALSE(std::get<StreamParseError>(m).what.empty());
    }
}

TEST_CASE("REST errors, time and klines", "[messages]") {
    auto e = parse_api_error(R"({"code":-1121,"msg":"Invalid symbol."})");
    REQUIRE(e);
    CHECK(e.value->code == -1121);
    CHECK(e.value->msg == "Invalid symbol.");
    CHECK_FALSE(parse_api_error("<html>502</html>"));

    auto t = parse_server_time(R"({"serverTime":1499827319559})");
    REQUIRE(t);
    CHECK(*t.value == 1499827319559);
    CHECK_FALSE(parse_server_time(R"({"serverTime":"soon"})"));

    auto k = parse_klines(R"([[1499040000000,"0.01634790","0.80000000","0.01575800","0.01577100",
        "148976.11427815",1499644799999,"2434.19055334",308,"1756.87402397","28.46694368","0"]])",
                          "LTCBTC", "1d");
    REQUIRE(k);
    REQUIRE(k.value->size() == 1);
    const auto& kl = k.value->front();
    CHECK(kl.symbol == "LTCBTC");
    CHECK(kl.open_time_ms == 1499040000000);
    CHECK(kl.close_time_ms == 1499644799999);
    CHECK(kl.open == D("0.0163479"));
    CHECK(kl.high == D("0.8"));
    CHECK(kl.low == D("0.015758"));
    CHECK(kl.close == D("0.015771"));
    CHECK(kl.volume == D("148976.11427815"));
    CHECK_FALSE(parse_klines(R"([[1,"a"]])", "X", "1m"));
    CHECK_FALSE(parse_klines(R"({"code":-1})", "X", "1m"));
}

namespace {
const char* kExchangeInfo = R"({"timezone":"UTC","serverTime":1565246363776,"rateLimits":[],
 "exchangeFilters":[],"symbols":[
 {"symbol":"ETHBTC","status":"TRADING","baseAsset":"ETH","quoteAsset":"BTC","filters":[]},
 {"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","baseAssetPrecision":8,
  "quoteAsset":"USDT","quotePrecision":8,"orderTypes":["LIMIT","MARKET"],"filters":[
   {"filterType":"PRICE_FILTER","minPrice":"0.01000000","maxPrice":"1000000.00000000","tickSize":"0.01000000"},
   {"filterType":"LOT_SIZE","minQty":"0.00001000","maxQty":"9000.00000000","stepSize":"0.00001000"},
   {"filterType":"ICEBERG_PARTS","limit":10},
   {"filterType":"MARKET_LOT_SIZE","minQty":"0.00000000","maxQty":"100.0","stepSize":"0.00000000"},
   {"filterType":"NOTIONAL","minNotional":"5.00000000","applyMinToMarket":true,
    "maxNotional":"9000000.00000000","applyMaxToMarket":false,"avgPriceMins":5}]},
 {"symbol":"OLDUSDT","status":"TRADING","baseAsset":"OLD","quoteAsset":"USDT","filters":[
   {"filterType":"MIN_NOTIONAL","minNotional":"10.00000000","applyToMarket":true,"avgPriceMins":5}]}
 ]})";
}

TEST_CASE("exchangeInfo filters become SymbolRules", "[messages]") {
    auto r = parse_symbol_rules(kExchangeInfo, "BTCUSDT");
    REQUIRE(r);
    CHECK(r.value->base_asset == "BTC");
    CHECK(r.value->quote_asset == "USDT");
    CHECK(r.value->tick_size == D("0.01"));
    CHECK(r.value->step_size == D("0.00001"));
    CHECK(r.value->min_qty == D("0.00001"));
    CHECK(r.value->max_qty == D("9000"));
    CHECK(r.value->min_notional == D("5"));
    CHECK(r.value->max_notional.is_zero());  // applyMaxToMarket false: no bound for MARKET orders

    auto old = parse_symbol_rules(kExchangeInfo, "OLDUSDT");
    REQUIRE(old);
    CHECK(old.value->min_notional == D("10"));

    auto missing = parse_symbol_rules(kExchangeInfo, "NOPE");
    CHECK_FALSE(missing);
    CHECK(missing.error.find("NOPE") != std::string::npos);
}

TEST_CASE("order responses and fills", "[messages]") {
    auto full = parse_order_reply(R"({"symbol":"BTCUSDT","orderId":28,"orderListId":-1,
      "clientOrderId":"6gCrw2kRUAF9CvJDGP16IP","transactTime":1507725176595,"price":"0.00000000",
      "origQty":"10.00000000","executedQty":"10.00000000","origQuoteOrderQty":"0.000000",
      "cummulativeQuoteQty":"10.00000000","status":"FILLED","timeInForce":"GTC","type":"MARKET",
      "side":"SELL","workingTime":1507725176595,"selfTradePreventionMode":"NONE","fills":[
      {"price":"4000.00000000","qty":"1.00000000","commission":"4.00000000","commissionAsset":"USDT","tradeId":56},
      {"price":"3999.00000000","qty":"9.00000000","commission":"35.99100000","commissionAsset":"USDT","tradeId":57}]})");
    REQUIRE(full);
    CHECK(full.value->result.status == OrderStatus::kFilled);
    CHECK(full.value->result.exchange_order_id == "28");
    REQUIRE(full.value->result.fills.size() == 2);
    CHECK(full.value->result.fills[1].price == D("3999"));
    CHECK(full.value->result.fills[1].quantity == D("9"));
    CHECK(full.value->result.fills[1].fee == D("35.991"));
    CHECK(full.value->result.fills[1].fee_asset == "USDT");
    CHECK(full.value->result.fills[1].trade_id == "57");
    CHECK(full.value->result.fills[1].trade_time_ms == 1507725176595);

    auto expired = parse_order_reply(R"({"orderId":5,"status":"EXPIRED","executedQty":"0.00000000",
      "cummulativeQuoteQty":"0.00000000"})");
    REQUIRE(expired);
    CHECK(expired.value->result.status == OrderStatus::kRejected);
    CHECK(expired.value->result.reason.find("EXPIRED") != std::string::npos);

    auto partial = parse_order_reply(R"({"orderId":6,"status":"EXPIRED","executedQty":"0.5",
      "cummulativeQuoteQty":"10"})");
    REQUIRE(partial);
    CHECK(partial.value->result.status == OrderStatus::kPartiallyFilled);

    // The answer to a cancel (DELETE /api/v3/order): cancelled, whatever filled before it.
    auto cancelled = parse_order_reply(R"({"symbol":"LTCBTC","origClientOrderId":"myOrder1",
      "orderId":4,"orderListId":-1,"clientOrderId":"cancelMyOrder1","transactTime":1684804350068,
      "price":"2.00000000","origQty":"1.00000000","executedQty":"0.25000000",
      "cummulativeQuoteQty":"0.50000000","status":"CANCELED","timeInForce":"GTC",
      "type":"LIMIT","side":"BUY"})");
    REQUIRE(cancelled);
    CHECK(cancelled.value->result.status == OrderStatus::kCanceled);
    CHECK(cancelled.value->executed_qty == D("0.25"));

    auto trades = parse_my_trades(R"([{"symbol":"BNBBTC","id":28457,"orderId":100234,
      "orderListId":-1,"price":"4.00000100","qty":"12.00000000","quoteQty":"48.000012",
      "commission":"10.10000000","commissionAsset":"BNB","time":1499865549590,"isBuyer":true,
      "isMaker":false,"isBestMatch":true}])");
    REQUIRE(trades);
    REQUIRE(trades.value->size() == 1);
    CHECK(trades.value->front().price == D("4.000001"));
    CHECK(trades.value->front().fee == D("10.1"));
    CHECK(trades.value->front().trade_time_ms == 1499865549590);
}

TEST_CASE("klines whose prices cannot be real are parse errors naming the field", "[messages]") {
    auto with = [](const char* o, const char* h, const char* l, const char* c, const char* v) {
        return std::string(R"({"e":"kline","E":1,"s":"BTCUSDT","k":{"t":1700000000000,)") +
               R"("T":1700000059999,"s":"BTCUSDT","i":"1m","o":")" + o + R"(","h":")" + h +
               R"(","l":")" + l + R"(","c":")" + c + R"(","v":")" + v + R"(","x":true}})";
    };
    auto error_of = [](const std::string& text) {
        auto m = parse_stream_message(text);
        const auto* e = std::get_if<StreamParseError>(&m);
        return e ? e->what : std::string("(accepted)");
    };
    const std::string at = "kline BTCUSDT 1m open_time=1700000000000: ";
    CHECK(error_of(with("100", "110", "90", "-5", "1")) == at + "close: a price must be > 0");
    CHECK(error_of(with("0", "110", "90", "100", "1")) == at + "open: a price must be > 0");
    CHECK(error_of(with("100", "90", "110", "100", "1")) ==
          at + "high: high 90 is below the open, close or low");
    CHECK(error_of(with("100", "110", "90", "111", "1")) ==
          at + "high: high 110 is below the open, close or low");
    CHECK(error_of(with("100", "110", "95", "94", "1")) ==
          at + "low: low 95 is above the open or close");
    CHECK(error_of(with("100", "110", "90", "100", "-1")) == at + "volume: a volume must be >= 0");
    CHECK(error_of(with("100", "110", "90", "100", "0")) == "(accepted)");
    CHECK(error_of(with("100", "100", "100", "100", "1")) == "(accepted)");

    // REST rows: an impossible one is left out and described, the page is kept.
    std::vector<std::string> refused;
    auto page = parse_klines(
        R"([[1700000000000,"100","110","90","-5","1",1700000059999],
            [1700000060000,"100","110","90","105","1",1700000119999]])",
        "BTCUSDT", "1m", &refused);
    REQUIRE(page);
    REQUIRE(page.value->size() == 1);
    CHECK(page.value->front().open_time_ms == 1700000060000);
    CHECK(refused == std::vector<std::string>{
                         "kline BTCUSDT 1m open_time=1700000000000 (REST): close: a price must "
                         "be > 0"});
}
