#include "support/fake_binance/fake_binance.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "support/child_process.h"
#include "support/wait.h"

namespace fake_binance {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using config::Decimal;
using nlohmann::json;
using error_code = boost::system::error_code;

namespace {

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Written independently of the client's signing code, so the two check each other.
std::string hmac_hex(const std::string& key, const std::string& data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
    std::string out;
    char buf[3];
    for (unsigned int i = 0; i < len; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", mac[i]);
        out += buf;
    }
    return out;
}

std::string url_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out.push_back(
                static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i] == '+' ? ' ' : s[i]);
        }
    }
    return out;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
    std::map<std::string, std::string> out;
    while (!q.empty()) {
        auto amp = q.find('&');
        auto part = q.substr(0, amp);
        auto eq = part.find('=');
        if (eq != std::string_view::npos) {
            out[url_decode(part.substr(0, eq))] = url_decode(part.substr(eq + 1));
        }
        if (amp == std::string_view::npos) break;
        q.remove_prefix(amp + 1);
    }
    return out;
}

std::string kline_frame(const exchange::Kline& k) {
    json data = {{"e", "kline"},
                 {"E", k.event_time_ms ? k.event_time_ms : now_ms()},
                 {"s", k.symbol},
                 {"k",
                  {{"t", k.open_time_ms},
                   {"T", k.close_time_ms},
                   {"s", k.symbol},
                   {"i", k.interval},
                   {"f", 100},
                   {"L", 200},
                   {"o", k.open.to_string(8)},
                   {"c", k.close.to_string(8)},
                   {"h", k.high.to_string(8)},
                   {"l", k.low.to_string(8)},
                   {"v", k.volume.to_string(8)},
                   {"n", 100},
                   {"x", k.closed},
                   {"q", "0"},
                   {"V", "0"},
                   {"Q", "0"},
                   {"B", "0"}}}};
    json wrapper = {{"stream", lower(k.symbol) + "@kline_" + k.interval}, {"data", data}};
    return wrapper.dump();
}

struct Failure {
    int status = 500;
    int count = 0;
    std::optional<int> retry_after_s;
    bool execute_first = false;
};

struct Reply {
    int status = 200;
    std::string body;
    std::optional<int> retry_after_s;
};

Reply error_reply(int status, int code, const std::string& msg) {
    return Reply{status, json{{"code", code}, {"msg", msg}}.dump(), std::nullopt};
}

// One WebSocket connection's outbound side.
struct WsSession {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::pair<std::string, bool>> out;  // Guarded by mu (frame, binary)
    bool closed = false;                           // Guarded by mu
    std::set<std::string> streams;                 // Constant after the handshake
    std::atomic<bool> silent{false};
    int fd = -1;
};

}  // namespace

struct FakeBinance::Impl {
    Options options;
    asio::io_context ioc;  // never run: only for the blocking socket calls
    tcp::acceptor acceptor{ioc};
    std::unique_ptr<ssl::context> tls;
    std::thread accept_thread;
    std::atomic<bool> running{true};
    std::thread player;
    std::atomic<bool> player_stop{false};
    std::atomic<bool> player_busy{false};

    mutable std::mutex mu;
    // Guarded by mu
    std::vector<std::thread> threads;
    std::map<int, int> open_fds;  // connection id -> fd, removed before the socket closes
    int next_conn_id = 0;
    std::vector<std::shared_ptr<WsSession>> sessions;
    std::map<std::string, Rules> rules;
    std::map<std::string, std::map<std::int64_t, exchange::Kline>> history;  // "SYM/1m" -> klines
    std::map<std::string, std::string> fill_price;  // set_fill_price overrides
    std::map<std::string, std::string> last_close;
    std::map<std::string, Failure> failures;
    std::map<std::string, int> request_counts;
    std::map<std::string, int> posts_per_client_id;
    std::vector<Order> orders;
    std::int64_t clock_offset = 0;
    int handshakes = 0;
    int auth_failures = 0;
    std::string last_ws_target;

    std::int64_t server_now() {
        std::lock_guard lock(mu);
        return now_ms() + clock_offset;
    }

    void accept_loop();
    template <class Stream>
    void serve(Stream& stream, int fd);
    template <class Stream>
    void run_websocket(Stream& stream, http::request<http::string_body> req, int fd);
    Reply handle_rest(const http::request<http::string_body>& req);
    Reply route(const std::string& method, const std::string& path,
                const std::map<std::string, std::string>& params);
    std::optional<Reply> check_signature(const http::request<http::string_body>& req,
                                         const std::string& query);
    Reply place_order(const std::map<std::string, std::string>& p);
    json order_json(const Order& o, bool with_fills);
};

FakeBinance::FakeBinance(Options options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    tls_ = impl_->options.tls;
    if (tls_) {
        impl_->tls = std::make_unique<ssl::context>(ssl::context::tls_server);
        impl_->tls->use_certificate_chain_file(impl_->options.cert_file);
        impl_->tls->use_private_key_file(impl_->options.key_file, ssl::context::pem);
    }
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(ep.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(ep);
    impl_->acceptor.listen();
    port_ = impl_->acceptor.local_endpoint().port();
    impl_->accept_thread = std::thread([this] { impl_->accept_loop(); });
}

FakeBinance::~FakeBinance() { stop(); }

void FakeBinance::stop() {
    if (!impl_->running.exchange(false)) return;
    impl_->player_stop = true;
    if (impl_->player.joinable()) impl_->player.join();
    {
        // Wakes the blocking accept() with a connection of our own.
        error_code ec;
        tcp::socket s(impl_->ioc);
        s.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
    }
    impl_->accept_thread.join();
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(impl_->mu);
        for (auto& [id, fd] : impl_->open_fds) ::shutdown(fd, SHUT_RDWR);
        for (auto& s : impl_->sessions) {
            std::lock_guard slock(s->mu);
            s->closed = true;
            s->cv.notify_all();
        }
        threads.swap(impl_->threads);
    }
    for (auto& t : threads) t.join();
}

std::string FakeBinance::ws_url() const {
    return std::string(tls_ ? "wss" : "ws") + "://127.0.0.1:" + std::to_string(port_);
}

std::string FakeBinance::rest_url() const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

void FakeBinance::Impl::accept_loop() {
    while (running) {
        error_code ec;
        tcp::socket socket(ioc);
        acceptor.accept(socket, ec);
        if (!running) return;
        if (ec) continue;
        std::lock_guard lock(mu);
        int id = next_conn_id++;
        int fd = socket.native_handle();
        open_fds[id] = fd;
        threads.emplace_back([this, id, fd, s = std::move(socket)]() mutable {
            if (tls) {
                ssl::stream<tcp::socket> stream(std::move(s), *tls);
                error_code hec;
                stream.handshake(ssl::stream_base::server, hec);
                if (!hec) serve(stream, fd);
                std::lock_guard l(mu);
                open_fds.erase(id);
            } else {
                serve(s, fd);
                std::lock_guard l(mu);
                open_fds.erase(id);
            }
        });
    }
}

template <class Stream>
void FakeBinance::Impl::serve(Stream& stream, int fd) {
    beast::flat_buffer buffer;
    while (running) {
        http::request<http::string_body> req;
        error_code ec;
        http::read(stream, buffer, req, ec);
        if (ec) return;
        if (websocket::is_upgrade(req)) return run_websocket(stream, std::move(req), fd);
        Reply r = handle_rest(req);
        if (r.status == 0) return;  // "lost" answer: close the connection without one
        if (r.status < 0) {         // hang: answer nothing for a while, then close
            std::this_thread::sleep_for(std::chrono::milliseconds(-r.status));
            return;
        }
        http::response<http::string_body> res{static_cast<http::status>(r.status), req.version()};
        res.set(http::field::content_type, "application/json;charset=UTF-8");
        if (r.retry_after_s) res.set(http::field::retry_after, std::to_string(*r.retry_after_s));
        res.keep_alive(req.keep_alive());
        res.body() = std::move(r.body);
        res.prepare_payload();
        http::write(stream, res, ec);
        if (ec || !req.keep_alive()) return;
    }
}

template <class Stream>
void FakeBinance::Impl::run_websocket(Stream& stream, http::request<http::string_body> req,
                                      int fd) {
    auto session = std::make_shared<WsSession>();
    session->fd = fd;
    std::string target(req.target());
    if (auto q = target.find("streams="); q != std::string::npos) {
        std::string list = target.substr(q + 8);
        size_t start = 0;
        while (start <= list.size()) {
            auto slash = list.find('/', start);
            session->streams.insert(list.substr(start, slash - start));
            if (slash == std::string::npos) break;
            start = slash + 1;
        }
    }
    websocket::stream<Stream&> ws(stream);
    error_code ec;
    ws.accept(req, ec);
    if (ec) return;
    {
        std::lock_guard lock(mu);
        ++handshakes;
        last_ws_target = target;
        sessions.push_back(session);
    }
    for (;;) {
        std::pair<std::string, bool> frame;
        {
            std::unique_lock lock(session->mu);
            session->cv.wait(lock, [&] { return session->closed || !session->out.empty(); });
            if (session->closed) break;
            frame = std::move(session->out.front());
            session->out.pop_front();
        }
        ws.binary(frame.second);
        ws.write(asio::buffer(frame.first), ec);
        if (ec) break;
    }
    std::lock_guard lock(mu);
    std::erase(sessions, session);
}

// ---- REST ----

Reply FakeBinance::Impl::handle_rest(const http::request<http::string_body>& req) {
    std::string target(req.target());
    auto qpos = target.find('?');
    std::string path = target.substr(0, qpos);
    std::string query = qpos == std::string::npos ? "" : target.substr(qpos + 1);
    std::string method(req.method_string());
    Failure fail;
    {
        std::lock_guard lock(mu);
        ++request_counts[path];
        if (auto it = failures.find(path); it != failures.end() && it->second.count > 0) {
            fail = it->second;
            --it->second.count;
        }
    }
    auto failure_reply = [&] {
        if (fail.status <= 0) return Reply{fail.status, {}, std::nullopt};
        if (fail.status == 429 || fail.status == 418) {
            Reply r =
                error_reply(fail.status, -1003, "Too many requests; please use the websocket.");
            r.retry_after_s = fail.retry_after_s;
            return r;
        }
        return Reply{fail.status, "<html><body>" + std::to_string(fail.status) + "</body></html>",
                     fail.retry_after_s};
    };
    if (fail.count > 0 && !fail.execute_first) return failure_reply();

    bool is_signed =
        path == "/api/v3/order" || path == "/api/v3/order/test" || path == "/api/v3/myTrades";
    if (is_signed) {
        if (auto bad = check_signature(req, query)) return *bad;
    }
    Reply r = route(method, path, parse_query(query));
    if (fail.count > 0) return failure_reply();  // executed, but the client never learns it
    return r;
}

std::optional<Reply> FakeBinance::Impl::check_signature(const http::request<http::string_body>& req,
                                                        const std::string& query) {
    auto key = req.find("X-MBX-APIKEY");
    std::lock_guard lock(mu);
    if (key == req.end() || key->value() != options.api_key) {
        ++auth_failures;
        return error_reply(401, -2014, "API-key format invalid.");
    }
    auto sig = query.rfind("&signature=");
    if (sig == std::string::npos) {
        ++auth_failures;
        return error_reply(400, -1102, "Mandatory parameter 'signature' was not sent.");
    }
    std::string payload = query.substr(0, sig) + req.body();
    if (hmac_hex(options.api_secret, payload) != query.substr(sig + 11)) {
        ++auth_failures;
        return error_reply(400, -1022, "Signature for this request is not valid.");
    }
    auto p = parse_query(query);
    std::int64_t ts = 0, window = 5000;
    try {
        ts = std::stoll(p.at("timestamp"));
        if (p.count("recvWindow")) window = std::stoll(p.at("recvWindow"));
    } catch (const std::exception&) {
        ++auth_failures;
        return error_reply(400, -1102, "Mandatory parameter 'timestamp' was not sent.");
    }
    std::int64_t server = now_ms() + clock_offset;
    if (ts >= server + 1000 || server - ts > window) {
        ++auth_failures;
        return error_reply(400, -1021, "Timestamp for this request is outside of the recvWindow.");
    }
    return std::nullopt;
}

Reply FakeBinance::Impl::route(const std::string& method, const std::string& path,
                               const std::map<std::string, std::string>& p) {
    auto get = [&](const char* k) {
        auto it = p.find(k);
        return it == p.end() ? std::string() : it->second;
    };
    if (path == "/api/v3/time") return Reply{200, json{{"serverTime", server_now()}}.dump(), {}};
    if (path == "/api/v3/exchangeInfo") {
        std::lock_guard lock(mu);
        auto it = rules.find(get("symbol"));
        if (it == rules.end()) return error_reply(400, -1121, "Invalid symbol.");
        const Rules& r = it->second;
        json filters =
            json::array({{{"filterType", "PRICE_FILTER"},
                          {"minPrice", "0.01"},
                          {"maxPrice", "1000000"},
                          {"tickSize", r.tick_size}},
                         {{"filterType", "LOT_SIZE"},
                          {"minQty", r.min_qty},
                          {"maxQty", r.max_qty},
                          {"stepSize", r.step_size}},
                         {{"filterType", "NOTIONAL"},
                          {"minNotional", r.min_notional},
                          {"applyMinToMarket", true},
                          {"maxNotional", r.max_notional == "0" ? "9000000" : r.max_notional},
                          {"applyMaxToMarket", r.max_notional != "0"},
                          {"avgPriceMins", 5}}});
        json sym = {{"symbol", it->first},
                    {"status", "TRADING"},
                    {"baseAsset", r.base_asset},
                    {"quoteAsset", r.quote_asset},
                    {"filters", filters}};
        json body = {{"timezone", "UTC"},
                     {"serverTime", now_ms() + clock_offset},
                     {"rateLimits", json::array()},
                     {"exchangeFilters", json::array()},
                     {"symbols", json::array({sym})}};
        return Reply{200, body.dump(), {}};
    }
    if (path == "/api/v3/klines") {
        std::int64_t start = 0, end = INT64_MAX;
        int limit = 500;
        try {
            if (!get("startTime").empty()) start = std::stoll(get("startTime"));
            if (!get("endTime").empty()) end = std::stoll(get("endTime"));
            if (!get("limit").empty()) limit = std::stoi(get("limit"));
        } catch (const std::exception&) {
            return error_reply(400, -1100, "Illegal characters found in a parameter.");
        }
        json rows = json::array();
        std::lock_guard lock(mu);
        auto it = history.find(get("symbol") + "/" + get("interval"));
        if (it != history.end()) {
            std::vector<const exchange::Kline*> picked;
            for (auto& [open, k] : it->second) {
                if (open >= start && open <= end) picked.push_back(&k);
            }
            // Binance: with startTime the oldest `limit` from there, otherwise the newest.
            size_t n = std::min(picked.size(), static_cast<size_t>(limit));
            size_t first = get("startTime").empty() ? picked.size() - n : 0;
            for (size_t i = first; i < first + n; ++i) {
                const auto& k = *picked[i];
                rows.push_back({k.open_time_ms, k.open.to_string(8), k.high.to_string(8),
                                k.low.to_string(8), k.close.to_string(8), k.volume.to_string(8),
                                k.close_time_ms, "0", 10, "0", "0", "0"});
            }
        }
        return Reply{200, rows.dump(), {}};
    }
    if (path == "/api/v3/order/test" && method == "POST") return Reply{200, "{}", {}};
    if (path == "/api/v3/order" && method == "POST") return place_order(p);
    if (path == "/api/v3/order" && method == "GET") {
        std::lock_guard lock(mu);
        for (auto it = orders.rbegin(); it != orders.rend(); ++it) {
            if (it->client_order_id == get("origClientOrderId") && it->symbol == get("symbol")) {
                return Reply{200, order_json(*it, false).dump(), {}};
            }
        }
        return error_reply(400, -2013, "Order does not exist.");
    }
    if (path == "/api/v3/order" && method == "DELETE") {
        // Every order here is a market order, filled at once: nothing is ever open to cancel,
        // and Binance refuses the cancel of a final or unknown order alike.
        return error_reply(400, -2011, "Unknown order sent.");
    }
    if (path == "/api/v3/myTrades") {
        std::lock_guard lock(mu);
        json rows = json::array();
        for (const auto& o : orders) {
            if (std::to_string(o.order_id) != get("orderId")) continue;
            Decimal qty = Decimal::from_string(o.quantity), price = Decimal::from_string(o.price);
            rows.push_back(
                {{"symbol", o.symbol},
                 {"id", o.order_id * 10},
                 {"orderId", o.order_id},
                 {"orderListId", -1},
                 {"price", o.price},
                 {"qty", o.quantity},
                 {"quoteQty", (qty * price).to_string()},
                 {"commission", (qty * price * Decimal::from_string("0.001")).to_string()},
                 {"commissionAsset", "USDT"},
                 {"time", o.time_ms},
                 {"isBuyer", o.side == "BUY"},
                 {"isMaker", false},
                 {"isBestMatch", true}});
        }
        return Reply{200, rows.dump(), {}};
    }
    return error_reply(404, -1000, "Unknown endpoint " + method + " " + path);
}

Reply FakeBinance::Impl::place_order(const std::map<std::string, std::string>& p) {
    auto get = [&](const char* k) {
        auto it = p.find(k);
        return it == p.end() ? std::string() : it->second;
    };
    std::lock_guard lock(mu);
    ++posts_per_client_id[get("newClientOrderId")];
    auto rit = rules.find(get("symbol"));
    if (rit == rules.end()) return error_reply(400, -1121, "Invalid symbol.");
    if (get("type") != "MARKET") return error_reply(400, -1116, "Invalid orderType.");
    if (get("side") != "BUY" && get("side") != "SELL")
        return error_reply(400, -1117, "Invalid side.");
    auto qty = Decimal::parse(get("quantity"));
    if (!qty || !qty->is_positive())
        return error_reply(400, -1100, "Illegal characters found in parameter 'quantity'.");
    const Rules& r = rit->second;
    Decimal step = Decimal::from_string(r.step_size);
    if (qty->round_to_step(step) != *qty || *qty < Decimal::from_string(r.min_qty) ||
        *qty > Decimal::from_string(r.max_qty)) {
        return error_reply(400, -1013, "Filter failure: LOT_SIZE");
    }
    std::string price = "100";
    if (auto f = fill_price.find(get("symbol")); f != fill_price.end()) {
        price = f->second;
    } else if (auto c = last_close.find(get("symbol")); c != last_close.end()) {
        price = c->second;
    }
    Decimal notional = *qty * Decimal::from_string(price);
    if (notional < Decimal::from_string(r.min_notional) ||
        (r.max_notional != "0" && notional > Decimal::from_string(r.max_notional))) {
        return error_reply(400, -1013, "Filter failure: NOTIONAL");
    }
    Order o;
    o.order_id = static_cast<std::int64_t>(orders.size()) + 1000;
    o.client_order_id = get("newClientOrderId");
    o.symbol = get("symbol");
    o.side = get("side");
    o.quantity = qty->to_string();
    o.price = price;
    o.time_ms = now_ms() + clock_offset;
    orders.push_back(o);
    return Reply{200, order_json(o, true).dump(), {}};
}

json FakeBinance::Impl::order_json(const Order& o, bool with_fills) {
    Decimal qty = Decimal::from_string(o.quantity), price = Decimal::from_string(o.price);
    json j = {{"symbol", o.symbol},
              {"orderId", o.order_id},
              {"orderListId", -1},
              {"clientOrderId", o.client_order_id},
              {"transactTime", o.time_ms},
              {"price", "0.00000000"},
              {"origQty", o.quantity},
              {"executedQty", o.quantity},
              {"cummulativeQuoteQty", (qty * price).to_string()},
              {"status", "FILLED"},
              {"timeInForce", "GTC"},
              {"type", "MARKET"},
              {"side", o.side},
              {"workingTime", o.time_ms},
              {"selfTradePreventionMode", "NONE"}};
    if (with_fills) {
        j["fills"] =
            json::array({{{"price", o.price},
                          {"qty", o.quantity},
                          {"commission", (qty * price * Decimal::from_string("0.001")).to_string()},
                          {"commissionAsset", "USDT"},
                          {"tradeId", o.order_id * 10}}});
    }
    return j;
}

// ---- commands and observations ----

void FakeBinance::set_rules(const std::string& symbol, Rules rules) {
    std::lock_guard lock(impl_->mu);
    impl_->rules[symbol] = std::move(rules);
}

void FakeBinance::publish(const exchange::Kline& k) {
    std::string frame = kline_frame(k);
    std::string stream = lower(k.symbol) + "@kline_" + k.interval;
    std::lock_guard lock(impl_->mu);
    if (k.closed) {
        impl_->history[k.symbol + "/" + k.interval][k.open_time_ms] = k;
        impl_->last_close[k.symbol] = k.close.to_string();
    }
    for (auto& s : impl_->sessions) {
        if (s->silent || !s->streams.count(stream)) continue;
        std::lock_guard slock(s->mu);
        s->out.emplace_back(frame, false);
        s->cv.notify_all();
    }
}

void FakeBinance::play(std::vector<exchange::Kline> script, std::chrono::milliseconds spacing) {
    impl_->player_stop = true;
    if (impl_->player.joinable()) impl_->player.join();
    impl_->player_stop = false;
    impl_->player_busy = true;
    impl_->player = std::thread([this, script = std::move(script), spacing] {
        for (const auto& k : script) {
            if (impl_->player_stop) break;
            publish(k);
            std::this_thread::sleep_for(spacing);
        }
        impl_->player_busy = false;
    });
}

bool FakeBinance::playing() const { return impl_->player_busy; }

std::vector<exchange::Kline> FakeBinance::series(const std::string& symbol,
                                                 const std::string& interval,
                                                 std::int64_t first_open_ms,
                                                 const std::vector<std::string>& closes) {
    static const std::map<char, std::int64_t> kUnit = {
        {'s', 1000}, {'m', 60'000}, {'h', 3'600'000}, {'d', 86'400'000}, {'w', 604'800'000}};
    std::int64_t step =
        std::stoll(interval.substr(0, interval.size() - 1)) * kUnit.at(interval.back());
    std::vector<exchange::Kline> out;
    Decimal prev = closes.empty() ? Decimal() : Decimal::from_string(closes.front());
    for (size_t i = 0; i < closes.size(); ++i) {
        exchange::Kline k;
        k.symbol = symbol;
        k.interval = interval;
        k.open_time_ms = first_open_ms + static_cast<std::int64_t>(i) * step;
        k.close_time_ms = k.open_time_ms + step - 1;
        k.open = prev;
        k.close = Decimal::from_string(closes[i]);
        k.high = std::max(k.open, k.close);
        k.low = std::min(k.open, k.close);
        k.volume = Decimal::from_int(1);
        k.closed = true;
        k.event_time_ms = k.close_time_ms;
        prev = k.close;
        out.push_back(std::move(k));
    }
    return out;
}

void FakeBinance::add_history(const exchange::Kline& k) {
    std::lock_guard lock(impl_->mu);
    impl_->history[k.symbol + "/" + k.interval][k.open_time_ms] = k;
}

void FakeBinance::set_fill_price(const std::string& symbol, const std::string& price) {
    std::lock_guard lock(impl_->mu);
    impl_->fill_price[symbol] = price;
}

void FakeBinance::drop_connections() {
    std::lock_guard lock(impl_->mu);
    for (auto& s : impl_->sessions) {
        ::shutdown(s->fd, SHUT_RDWR);
        std::lock_guard slock(s->mu);
        s->closed = true;
        s->cv.notify_all();
    }
}

void FakeBinance::silence_connections() {
    std::lock_guard lock(impl_->mu);
    for (auto& s : impl_->sessions) s->silent = true;
}

void FakeBinance::send_raw(const std::string& frame, bool binary) {
    std::lock_guard lock(impl_->mu);
    for (auto& s : impl_->sessions) {
        if (s->silent) continue;
        std::lock_guard slock(s->mu);
        s->out.emplace_back(frame, binary);
        s->cv.notify_all();
    }
}

void FakeBinance::send_server_shutdown() {
    send_raw(json{{"e", "serverShutdown"}, {"E", now_ms()}}.dump());
}

void FakeBinance::fail_next(const std::string& path, int status, int count,
                            std::optional<int> retry_after_s, bool execute_first) {
    std::lock_guard lock(impl_->mu);
    impl_->failures[path] = Failure{status, count, retry_after_s, execute_first};
}

void FakeBinance::set_clock_offset_ms(std::int64_t offset) {
    std::lock_guard lock(impl_->mu);
    impl_->clock_offset = offset;
}

int FakeBinance::ws_handshakes() const {
    std::lock_guard lock(impl_->mu);
    return impl_->handshakes;
}

int FakeBinance::live_sessions() const {
    std::lock_guard lock(impl_->mu);
    int n = 0;
    for (const auto& s : impl_->sessions) {
        std::lock_guard slock(s->mu);
        n += !s->closed && !s->silent;
    }
    return n;
}

std::string FakeBinance::last_ws_target() const {
    std::lock_guard lock(impl_->mu);
    return impl_->last_ws_target;
}

int FakeBinance::requests(const std::string& path) const {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->request_counts.find(path);
    return it == impl_->request_counts.end() ? 0 : it->second;
}

int FakeBinance::orders_placed(const std::string& client_order_id) const {
    std::lock_guard lock(impl_->mu);
    int n = 0;
    for (const auto& o : impl_->orders) n += o.client_order_id == client_order_id;
    return n;
}

int FakeBinance::order_posts(const std::string& client_order_id) const {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->posts_per_client_id.find(client_order_id);
    return it == impl_->posts_per_client_id.end() ? 0 : it->second;
}

int FakeBinance::total_orders() const {
    std::lock_guard lock(impl_->mu);
    return static_cast<int>(impl_->orders.size());
}

int FakeBinance::auth_failures() const {
    std::lock_guard lock(impl_->mu);
    return impl_->auth_failures;
}

std::vector<Order> FakeBinance::orders() const {
    std::lock_guard lock(impl_->mu);
    return impl_->orders;
}

bool FakeBinance::wait_for(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
    return testing_support::wait_until(cond, timeout);
}

TestCertificate make_self_signed_certificate(const std::string& dir, const std::string& name) {
    TestCertificate c{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
    auto r = testing_support::run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048",
                                   "-nodes", "-sha256", "-days", "2", "-subj", "/CN=localhost",
                                   "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                                   "-keyout", c.key_file, "-out", c.cert_file});
    if (r.exit_code != 0) throw std::runtime_error("openssl req failed: " + r.err);
    return c;
}

}  // namespace fake_binance
