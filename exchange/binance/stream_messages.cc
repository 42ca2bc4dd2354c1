#include "exchange/binance/stream_messages.h"

#include <nlohmann/json.hpp>

#include "exchange/binance/json_fields.h"
#include "exchange/candle_check.h"

namespace exchange::binance {
namespace {

using nlohmann::json;
using namespace json_fields;

StreamMessage error(std::string what) { return StreamParseError{std::move(what)}; }

StreamMessage parse_kline(const json& data) {
    std::string err;
    Kline k;
    auto kit = data.find("k");
    if (kit == data.end() || !kit->is_object()) return error("kline: field \"k\" missing");
    const json& kj = *kit;
    if (!get_int(data, "E", &k.event_time_ms, &err) || !get_string(kj, "s", &k.symbol, &err) ||
        !get_string(kj, "i", &k.interval, &err) || !get_int(kj, "t", &k.open_time_ms, &err) ||
        !get_int(kj, "T", &k.close_time_ms, &err) || !get_decimal(kj, "o", &k.open, &err) ||
        !get_decimal(kj, "h", &k.high, &err) || !get_decimal(kj, "l", &k.low, &err) ||
        !get_decimal(kj, "c", &k.close, &err) || !get_decimal(kj, "v", &k.volume, &err) ||
        !get_bool(kj, "x", &k.closed, &err)) {
        return error("kline: " + err);
    }
    // Read, but impossible (a close below zero, a high below the low): never a market event.
    if (auto fault = check_candle(k.open, k.high, k.low, k.close, k.volume)) {
        return error("kline " + k.symbol + " " + k.interval +
                     " open_time=" + std::to_string(k.open_time_ms) + ": " + to_string(*fault));
    }
    return MarketEvent{std::move(k)};
}

StreamMessage parse_trade(const json& data) {
    std::string err;
    Trade t;
    if (!get_int(data, "E", &t.event_time_ms, &err) || !get_string(data, "s", &t.symbol, &err) ||
        !get_int(data, "t", &t.trade_id, &err) || !get_decimal(data, "p", &t.price, &err) ||
        !get_decimal(data, "q", &t.quantity, &err) || !get_int(data, "T", &t.trade_time_ms, &err) ||
        !get_bool(data, "m", &t.buyer_is_maker, &err)) {
        return error("trade: " + err);
    }
    return MarketEvent{std::move(t)};
}

// bookTicker payloads carry no "e": {"u":400900217,"s":"BNBUSDT","b":"25.35","B":"31.21",...}
StreamMessage parse_book_ticker(const json& data) {
    std::string err;
    BookTicker b;
    if (!get_int(data, "u", &b.update_id, &err) || !get_string(data, "s", &b.symbol, &err) ||
        !get_decimal(data, "b", &b.bid_price, &err) || !get_decimal(data, "B", &b.bid_qty, &err) ||
        !get_decimal(data, "a", &b.ask_price, &err) || !get_decimal(data, "A", &b.ask_qty, &err)) {
        return error("bookTicker: " + err);
    }
    return MarketEvent{std::move(b)};
}

StreamMessage parse_payload(const json& data) {
    if (!data.is_object()) return error("payload is not an object");
    auto e = data.find("e");
    if (e == data.end()) {
        if (data.contains("u") && data.contains("b") && data.contains("a")) {
            return parse_book_ticker(data);
        }
        return error("payload without event type \"e\"");
    }
    if (!e->is_string()) return error("event type \"e\" is not a string");
    const auto& type = e->get_ref<const std::string&>();
    if (type == "kline") return parse_kline(data);
    if (type == "trade") return parse_trade(data);
    if (type == "bookTicker") return parse_book_ticker(data);
    if (type == "serverShutdown") {
        ServerShutdown s;
        std::string err;
        get_int(data, "E", &s.event_time_ms, &err);  // the time is informative only
        return s;
    }
    return error("unknown event type \"" + type + "\"");
}

StreamMessage parse_json(const json& j) {
    if (!j.is_object()) return error("message is not a JSON object");
    // Combined stream: {"stream":"btcusdt@kline_1m","data":{...}}
    if (auto d = j.find("data"); d != j.end() && j.contains("stream")) return parse_payload(*d);
    // WebSocket API style connection event: {"event":{"e":"serverShutdown","E":...}}
    if (auto ev = j.find("event"); ev != j.end() && ev->is_object()) return parse_payload(*ev);
    // Replies to requests: {"result":null,"id":1} or {"code":2,"msg":"...","id":1}
    if (auto id = j.find("id"); id != j.end() && id->is_number_integer()) {
        StreamReply r;
        r.id = id->get<std::int64_t>();
        if (j.contains("result")) return r;
        auto code = j.find("code");
        auto msg = j.find("msg");
        if (auto e = j.find("error"); e != j.end() && e->is_object()) {
            code = e->find("code");
            msg = e->find("msg");
            if (code == e->end() || msg == e->end()) return error("error reply without code/msg");
        } else if (code == j.end() || msg == j.end()) {
            return error("reply without result or error");
        }
        r.error = "error " + code->dump() + ": " +
                  (msg->is_string() ? msg->get<std::string>() : msg->dump());
        return r;
    }
    // A raw (non-combined) payload.
    return parse_payload(j);
}

}  // namespace

StreamMessage parse_stream_message(std::string_view text) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return error("not valid JSON");
    try {
        return parse_json(j);
    } catch (const std::exception& e) {  // a type nlohmann refuses: still just a bad message
        return error(std::string("unreadable message: ") + e.what());
    }
}

}  // namespace exchange::binance
