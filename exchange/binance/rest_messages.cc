#include "exchange/binance/rest_messages.h"

#include <nlohmann/json.hpp>

#include "exchange/binance/json_fields.h"
#include "exchange/candle_check.h"

namespace exchange::binance {
namespace {

using nlohmann::json;
using namespace json_fields;

std::optional<json> parse_json(std::string_view body, std::string* error) {
    json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        *error = "not valid JSON";
        return std::nullopt;
    }
    return j;
}

// Applies one exchangeInfo filter to the rules; false (with *error) if it is unreadable.
bool apply_filter(const json& f, SymbolRules* r, std::string* error) {
    std::string type;
    if (!get_string(f, "filterType", &type, error)) return false;
    auto applies = [&](const char* flag) {
        auto it = f.find(flag);
        return it == f.end() || !it->is_boolean() || it->get<bool>();
    };
    if (type == "PRICE_FILTER") return get_decimal(f, "tickSize", &r->tick_size, error);
    if (type == "LOT_SIZE") {
        return get_decimal(f, "stepSize", &r->step_size, error) &&
               get_decimal(f, "minQty", &r->min_qty, error) &&
               get_decimal(f, "maxQty", &r->max_qty, error);
    }
    if (type == "NOTIONAL") {
        Decimal min, max;
        if (!get_decimal(f, "minNotional", &min, error) ||
            !get_decimal(f, "maxNotional", &max, error)) {
            return false;
        }
        r->min_notional = applies("applyMinToMarket") ? min : Decimal();
        r->max_notional = applies("applyMaxToMarket") ? max : Decimal();
        return true;
    }
    if (type == "MIN_NOTIONAL") {  // the older filter; NOTIONAL wins when both are listed
        Decimal min;
        if (!get_decimal(f, "minNotional", &min, error)) return false;
        if (r->min_notional.is_zero() && applies("applyToMarket")) r->min_notional = min;
        return true;
    }
    return true;  // filters that do not concern a market order by quantity
}

}  // namespace

Parsed<ApiError> parse_api_error(std::string_view body) {
    std::string err;
    auto j = parse_json(body, &err);
    if (!j) return Parsed<ApiError>::fail(err);
    if (!j->is_object()) return Parsed<ApiError>::fail("error body is not an object");
    std::int64_t code = 0;
    ApiError e;
    if (!get_int(*j, "code", &code, &err) || !get_string(*j, "msg", &e.msg, &err)) {
        return Parsed<ApiError>::fail(err);
    }
    e.code = static_cast<int>(code);
    return Parsed<ApiError>::ok(std::move(e));
}

Parsed<std::int64_t> parse_server_time(std::string_view body) {
    std::string err;
    auto j = parse_json(body, &err);
    if (!j) return Parsed<std::int64_t>::fail(err);
    std::int64_t t = 0;
    if (!j->is_object() || !get_int(*j, "serverTime", &t, &err)) {
        return Parsed<std::int64_t>::fail("time: " + (err.empty() ? "not an object" : err));
    }
    return Parsed<std::int64_t>::ok(t);
}

Parsed<SymbolRules> parse_symbol_rules(std::string_view body, const std::string& symbol) {
    using P = Parsed<SymbolRules>;
    std::string err;
    auto j = parse_json(body, &err);
    if (!j) return P::fail(err);
    try {
        auto syms = j->find("symbols");
        if (!j->is_object() || syms == j->end() || !syms->is_array()) {
            return P::fail("exchangeInfo: no \"symbols\" array");
        }
        for (const auto& s : *syms) {
            std::string name;
            if (!s.is_object() || !get_string(s, "symbol", &name, &err)) continue;
            if (name != symbol) continue;
            SymbolRules r;
            r.symbol = name;
            if (!get_string(s, "baseAsset", &r.base_asset, &err) ||
                !get_string(s, "quoteAsset", &r.quote_asset, &err)) {
                return P::fail("exchangeInfo " + symbol + ": " + err);
            }
            auto filters = s.find("filters");
            if (filters == s.end() || !filters->is_array()) {
                return P::fail("exchangeInfo " + symbol + ": no \"filters\" array");
            }
            for (const auto& f : *filters) {
                if (!f.is_object() || !apply_filter(f, &r, &err)) {
                    return P::fail("exchangeInfo " + symbol + ": filter: " + err);
                }
            }
            return P::ok(std::move(r));
        }
        return P::fail("exchangeInfo does not list " + symbol);
    } catch (const std::exception& e) {
        return P::fail(std::string("exchangeInfo: ") + e.what());
    }
}

Parsed<std::vector<Kline>> parse_klines(std::string_view body, const std::string& symbol,
                                        const std::string& interval,
                                        std::vector<std::string>* refused) {
    using P = Parsed<std::vector<Kline>>;
    std::string err;
    auto j = parse_json(body, &err);
    if (!j) return P::fail(err);
    if (!j->is_array()) return P::fail("klines: not an array");
    std::vector<Kline> out;
    out.reserve(j->size());
    for (const auto& row : *j) {
        // [openTime, "open", "high", "low", "close", "volume", closeTime, ...]
        if (!row.is_array() || row.size() < 7 || !row[0].is_number_integer() ||
            !row[6].is_number_integer()) {
            return P::fail("klines: malformed row");
        }
        Kline k;
        k.symbol = symbol;
        k.interval = interval;
        k.open_time_ms = row[0].get<std::int64_t>();
        k.close_time_ms = row[6].get<std::int64_t>();
        Decimal* fields[] = {&k.open, &k.high, &k.low, &k.close, &k.volume};
        for (int i = 0; i < 5; ++i) {
            const auto& v = row[static_cast<size_t>(i + 1)];
            auto d = v.is_string() ? Decimal::parse(v.get_ref<const std::string&>()) : std::nullopt;
            if (!d) return P::fail("klines: price/volume is not a decimal string");
            *fields[i] = *d;
        }
        k.event_time_ms = k.close_time_ms;
        if (auto fault = check_candle(k.open, k.high, k.low, k.close, k.volume)) {
            if (refused) {
                refused->push_back("kline " + symbol + " " + interval +
                                   " open_time=" + std::to_string(k.open_time_ms) +
                                   " (REST): " + to_string(*fault));
            }
            continue;
        }
        out.push_back(std::move(k));
    }
    return P::ok(std::move(out));
}

OrderStatus map_order_status(std::string_view status, bool partly_executed) {
    if (status == "FILLED") return OrderStatus::kFilled;
    if (status == "PARTIALLY_FILLED") return OrderStatus::kPartiallyFilled;
    if (status == "NEW" || status == "PENDING_NEW") return OrderStatus::kNew;
    if (status == "CANCELED") return OrderStatus::kCanceled;
    if (status == "EXPIRED" || status == "EXPIRED_IN_MATCH" || status == "REJECTED" ||
        status == "PENDING_CANCEL") {
        return partly_executed ? OrderStatus::kPartiallyFilled : OrderStatus::kRejected;
    }
    return OrderStatus::kUnknown;
}

Parsed<OrderReply> parse_order_reply(std::string_view body) {
    using P = Parsed<OrderReply>;
    std::string err;
    auto j = parse_json(body, &err);
    if (!j) return P::fail(err);
    if (!j->is_object()) return P::fail("order: not an object");
    OrderReply r;
    std::string status;
    if (!get_int(*j, "orderId", &r.order_id, &err) || !get_string(*j, "status", &status, &err) ||
        !get_decimal(*j, "executedQty", &r.executed_qty, &err)) {
        return P::fail("order: " + err);
    }
    get_decimal(*j, "cummulativeQuoteQty", &r.cumulative_quote_qty, &err);  // optional
    r.result.exchange_order_id = std::to_string(r.order_id);
    r.result.status = map_order_status(status, r.executed_qty.is_positive());
    if (r.result.status == OrderStatus::kRejected || r.result.status == OrderStatus::kUnknown ||
        (status != "FILLED" && status != "PARTIALLY_FILLED" && status != "NEW")) {
        r.result.reason = "order status " + status;
    }
    std::int64_t transact_time = 0;
    get_int(*j, "transactTime", &transact_time, &err);  // absent in GET order
    if (auto fills = j->find("fills"); fills != j->end() && fills->is_array()) {
        for (const auto& f : *fills) {
            Fill fill;
            std::int64_t trade_id = 0;
            if (!f.is_object() || !get_decimal(f, "price", &fill.price, &err) ||
                !get_decimal(f, "qty", &fill.quantity, &err) ||
                !get_decimal(f, "commission", &fill.fee, &err) ||
                !get_string(f, "commissionAsset", &fill.fee_asset, &err) ||
                !get_int(f, "tradeId", &trade_id, &err)) {
                return P::fail("order fill: " + err);
            }
            fill.trade_id = std::to_string(trade_id);
            fill.trade_time_ms = transact_time;
            r.result.fills.push_back(std::move(fill));
        }
    }
    return P::ok(std::move(r));
}

Parsed<std::vector<Fill>> parse_my_trades(std::string_view body) {
    using P = Parsed<std::vector<Fill>>;
    std::string err;
    auto j = parse_json(body, &err);
    if (!j) return P::fail(err);
    if (!j->is_array()) return P::fail("myTrades: not an array");
    std::vector<Fill> out;
    for (const auto& t : *j) {
        Fill f;
        std::int64_t id = 0;
        if (!t.is_object() || !get_int(t, "id", &id, &err) ||
            !get_decimal(t, "price", &f.price, &err) || !get_decimal(t, "qty", &f.quantity, &err) ||
            !get_decimal(t, "commission", &f.fee, &err) ||
            !get_string(t, "commissionAsset", &f.fee_asset, &err) ||
            !get_int(t, "time", &f.trade_time_ms, &err)) {
            return P::fail("myTrades: " + err);
        }
        f.trade_id = std::to_string(id);
        out.push_back(std::move(f));
    }
    return P::ok(std::move(out));
}

}  // namespace exchange::binance
