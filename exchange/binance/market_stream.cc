#include "exchange/binance/market_stream.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "config/interval.h"
#include "exchange/binance/stream_messages.h"

namespace exchange::binance {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Strand = asio::strand<asio::io_context::executor_type>;
using Clock = std::chrono::steady_clock;

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool is_ip_literal(const std::string& host) {
    error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

// What a session reports to its connection. Called on the strand.
struct SessionEvents {
    std::function<void()> on_open;
    std::function<void(std::string)> on_message;
    std::function<void(std::string)> on_end;  // once, unless the session was closed by us
};

class SessionBase {
public:
    virtual ~SessionBase() = default;
    virtual void run() = 0;
    virtual void close() = 0;  // abrupt: pending operations end with operation_aborted
};

// One connection attempt and, when it succeeds, the read loop of that WebSocket connection:
// resolve -> connect -> [TLS handshake] -> WebSocket handshake -> read... Lives as long as an
// operation is pending. NextLayer: beast::tcp_stream or ssl::stream<beast::tcp_stream>.
template <class NextLayer>
class Session : public SessionBase, public std::enable_shared_from_this<Session<NextLayer>> {
public:
    static constexpr bool kTls = !std::is_same_v<NextLayer, beast::tcp_stream>;

    template <class... Args>
    Session(const Strand& strand, const Url& url, std::string target, const StreamOptions& options,
            SessionEvents events, Args&&... next_layer_args)
        : resolver_(strand),
          ws_(std::forward<Args>(next_layer_args)...),
          url_(url),
          target_(std::move(target)),
          handshake_timeout_(options.handshake_timeout),
          idle_timeout_(options.silence_timeout),
          events_(std::move(events)) {}

    void run() override { do_resolve(); }

    void close() override {
        closed_ = true;
        resolver_.cancel();
        error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
    }

private:
    void do_resolve() {
        resolver_.async_resolve(
            url_.host, url_.port,
            beast::bind_front_handler(&Session::on_resolve, this->shared_from_this()));
    }

    void on_resolve(error_code ec, tcp::resolver::results_type results) {
        if (ec == asio::error::operation_aborted && closed_) return;
        if (ec) return fail(ec, "resolve " + url_.host);
        beast::get_lowest_layer(ws_).expires_after(handshake_timeout_);
        beast::get_lowest_layer(ws_).async_connect(
            results, beast::bind_front_handler(&Session::on_connect, this->shared_from_this()));
    }

    void on_connect(error_code ec, const tcp::endpoint&) {
        if (ec == asio::error::operation_aborted && closed_) return;
        if (ec) return fail(ec, "connect " + url_.host + ":" + url_.port);
        if constexpr (kTls) {
            auto& tls = ws_.next_layer();
            if (!is_ip_literal(url_.host) &&
                !SSL_set_tlsext_host_name(tls.native_handle(), url_.host.c_str())) {
                return fail(error_code(static_cast<int>(::ERR_get_error()),
                                       asio::error::get_ssl_category()),
                            "TLS SNI " + url_.host);
            }
            tls.set_verify_callback(ssl::host_name_verification(url_.host));
            beast::get_lowest_layer(ws_).expires_after(handshake_timeout_);
            tls.async_handshake(
                ssl::stream_base::client,
                beast::bind_front_handler(&Session::on_tls_handshake, this->shared_from_this()));
        } else {
            do_ws_handshake();
        }
    }

    void on_tls_handshake(error_code ec) {
        if (ec == asio::error::operation_aborted && closed_) return;
        if (ec) return fail(ec, "TLS handshake with " + url_.host);
        do_ws_handshake();
    }

    void do_ws_handshake() {
        // The WebSocket stream keeps its own timeouts from here on.
        beast::get_lowest_layer(ws_).expires_never();
        websocket::stream_base::timeout t{};
        t.handshake_timeout = handshake_timeout_;
        t.idle_timeout = idle_timeout_;  // Beast pings once half of it passes without data
        t.keep_alive_pings = true;
        ws_.set_option(t);
        ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
            req.set(beast::http::field::user_agent, "tradebot/" TRADEBOT_VERSION);
        }));
        ws_.read_message_max(16 * 1024 * 1024);
        ws_.async_handshake(
            url_.host_literal() + ":" + url_.port, target_,
            beast::bind_front_handler(&Session::on_ws_handshake, this->shared_from_this()));
    }

    void on_ws_handshake(error_code ec) {
        if (ec == asio::error::operation_aborted && closed_) return;
        if (ec) return fail(ec, "WebSocket handshake with " + url_.host);
        events_.on_open();
        do_read();
    }

    void do_read() {
        ws_.async_read(buffer_,
                       beast::bind_front_handler(&Session::on_read, this->shared_from_this()));
    }

    void on_read(error_code ec, std::size_t) {
        if (closed_) return;  // we closed it: the connection decides what comes next
        if (ec == websocket::error::closed) {
            return end("closed by the server (" + std::string(ws_.reason().reason.c_str()) + ")");
        }
        if (ec) return fail(ec, "read");
        events_.on_message(beast::buffers_to_string(buffer_.data()));
        buffer_.consume(buffer_.size());
        if (!closed_) do_read();
    }

    void fail(error_code ec, const std::string& what) {
        if (closed_) return;
        std::string detail = ec.message();
        if (ec.category() == asio::error::get_ssl_category()) {
            char buf[256];
            ::ERR_error_string_n(static_cast<unsigned long>(ec.value()), buf, sizeof buf);
            detail += " (" + std::string(buf) + ")";
        }
        end(what + ": " + detail);
    }

    void end(std::string why) {
        if (ended_) return;
        ended_ = true;
        events_.on_end(std::move(why));
    }

    tcp::resolver resolver_;
    websocket::stream<NextLayer> ws_;
    beast::flat_buffer buffer_;
    Url url_;
    std::string target_;
    std::chrono::milliseconds handshake_timeout_;
    std::chrono::milliseconds idle_timeout_;
    SessionEvents events_;
    bool closed_ = false;
    bool ended_ = false;
};

}  // namespace

// ---------------------------------------------------------------------------------------------

class Connection;

// Handlers capture a plain Impl*: the io_context is a member, so no handler outlives the Impl.
struct BinanceMarketStream::Impl {
    struct SymbolState {
        std::string interval;
        std::int64_t last_closed_open = -1;  // open time of the last closed kline delivered
        bool backfilling = false;
        std::vector<Kline> held;             // closed klines waiting for the back-fill to finish
        int backfill_failures = 0;           // consecutive failed REST requests
        bool backfill_again = false;         // reconnected while a back-fill was in flight
        int stuck_rounds = 0;                // back-fills in a row that could not close a hole
        std::int64_t streamed_since_ms = 0;  // exchange time its first connection opened

        // Where a back-fill starts: after the last closed kline delivered or, if there is none
        // yet, with the candle that was open when the stream first connected.
        std::int64_t backfill_from() const {
            if (last_closed_open >= 0) return last_closed_open + 1;
            return std::max<std::int64_t>(
                0, streamed_since_ms - config::longest_kline_ms(interval).value_or(0));
        }
    };

    Impl(Url url, std::shared_ptr<ssl::context> tls, std::shared_ptr<RestClient> rest,
         StreamOptions options, std::shared_ptr<spdlog::logger> logger)
        : url(std::move(url)),
          tls(std::move(tls)),
          rest(std::move(rest)),
          options(std::move(options)),
          log(logger ? std::move(logger) : spdlog::default_logger()),
          strand(asio::make_strand(ioc)) {}

    // Constant after construction. Declared before ioc: the handlers (and the sockets in them)
    // that ioc destroys last may still refer to the TLS context and the logger.
    Url url;
    std::shared_ptr<ssl::context> tls;
    std::shared_ptr<RestClient> rest;
    StreamOptions options;
    std::shared_ptr<spdlog::logger> log;
    asio::io_context ioc;
    Strand strand;

    std::thread thread;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::atomic<bool> started{false};
    std::atomic<bool> stopped{false};

    // Read from any thread.
    std::atomic<std::uint64_t> messages{0};
    std::atomic<std::uint64_t> malformed{0};
    std::atomic<std::uint64_t> reconnects{0};
    std::atomic<std::int64_t> last_message_ms{0};
    std::atomic<int> open_count{0};
    mutable std::mutex error_mu;
    std::string last_error;  // Guarded by error_mu

    // On the strand only.
    EventSink sink;
    std::map<std::string, SymbolState> symbols;
    std::map<std::string, std::int64_t> history_marks;  // last closed open time handed out
    std::map<std::string, std::shared_ptr<Connection>> connections;  // by stream list
    Clock::time_point last_malformed_log{};
    std::uint64_t malformed_since_log = 0;
    std::mt19937_64 rng{std::random_device{}()};

    std::string interval_of(const std::string& symbol) const {
        auto it = options.intervals.find(symbol);
        return it == options.intervals.end() ? options.default_interval : it->second;
    }
    std::string stream_name(const std::string& symbol) const {
        return lower(symbol) + "@kline_" + interval_of(symbol);
    }
    void set_error(const std::string& e) {
        std::lock_guard lock(error_mu);
        last_error = e;
    }
    std::chrono::milliseconds backoff(int failures) {
        auto base = options.initial_backoff * (1LL << std::min(failures, 16));
        base = std::min<std::chrono::milliseconds>(base, options.max_backoff);
        std::uniform_int_distribution<std::int64_t> d(base.count() / 2,
                                                      std::max<std::int64_t>(base.count(), 1));
        return std::chrono::milliseconds(d(rng));
    }

    // REQUIRES: on the strand.
    void apply_symbols(const std::vector<std::string>& wanted);
    bool handle_message(const std::string& text);  // true: the server asked us to reconnect
    void on_kline(const Kline& k);
    void deliver(const MarketEvent& e);
    void deliver_closed(SymbolState& st, const Kline& k);
    void on_connected(const std::vector<std::string>& group);
    void start_backfill(const std::string& symbol);
    void fetch_backfill(const std::string& symbol, std::int64_t from_ms);
    void finish_backfill(const std::string& symbol);
    void note_history(const std::string& symbol, std::int64_t last_open);
};

// One WebSocket connection for a fixed group of streams, reopened by itself until shut down.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    using Impl = BinanceMarketStream::Impl;

    Connection(Impl& owner, std::vector<std::string> symbols)
        : owner_(owner),
          symbols_(std::move(symbols)),
          retry_timer_(owner.strand),
          watchdog_(owner.strand),
          age_timer_(owner.strand) {
        target_ = owner_.url.base_path + "/stream?streams=";
        for (size_t i = 0; i < symbols_.size(); ++i) {
            target_ += (i ? "/" : "") + owner_.stream_name(symbols_[i]);
        }
    }

    void start() { open_session(); }

    void shutdown() {
        shut_down_ = true;
        cancel_timers();
        if (session_) {
            session_->close();
            session_.reset();
        }
        if (open_) {
            open_ = false;
            --owner_.open_count;
        }
    }

    const std::vector<std::string>& symbols() const { return symbols_; }

private:
    void cancel_timers() {
        retry_timer_.cancel();
        watchdog_.cancel();
        age_timer_.cancel();
    }

    void open_session() {
        if (shut_down_) return;
        const int id = ++session_id_;
        auto self = shared_from_this();
        SessionEvents events{
            [self, id] { self->on_open(id); },
            [self, id](std::string text) { self->on_message(id, std::move(text)); },
            [self, id](std::string why) { self->on_end(id, std::move(why)); },
        };
        if (owner_.url.tls) {
            using S = Session<ssl::stream<beast::tcp_stream>>;
            session_ = std::make_shared<S>(owner_.strand, owner_.url, target_, owner_.options,
                                           std::move(events), owner_.strand, *owner_.tls);
        } else {
            using S = Session<beast::tcp_stream>;
            session_ = std::make_shared<S>(owner_.strand, owner_.url, target_, owner_.options,
                                           std::move(events), owner_.strand);
        }
        // The watchdog also bounds a connection attempt stuck before any timeout applies (DNS).
        last_activity_ = Clock::now();
        arm_watchdog();
        session_->run();
    }

    void on_open(int id) {
        if (id != session_id_ || shut_down_) return;
        open_ = true;
        ++owner_.open_count;
        const bool again = ever_opened_;
        if (again) ++owner_.reconnects;
        ever_opened_ = true;
        owner_.log->info("binance: stream {} ({} stream(s))", again ? "reconnected" : "connected",
                         symbols_.size());
        last_activity_ = Clock::now();
        age_timer_.expires_after(owner_.options.max_connection_age);
        age_timer_.async_wait([self = shared_from_this(), id](error_code ec) {
            if (ec || id != self->session_id_ || self->shut_down_) return;
            self->owner_.log->info("binance: renewing the stream connection before the 24 h limit");
            self->reopen(std::chrono::milliseconds(0));
        });
        owner_.on_connected(symbols_);
    }

    void on_message(int id, std::string text) {
        if (id != session_id_ || shut_down_) return;
        last_activity_ = Clock::now();
        failures_ = 0;  // a connection that delivers is a healthy one
        if (owner_.handle_message(text)) {
            owner_.log->warn("binance: serverShutdown received; reconnecting now");
            reopen(std::chrono::milliseconds(0));
        }
    }

    void on_end(int id, std::string why) {
        if (id != session_id_ || shut_down_) return;
        owner_.set_error(why);
        auto delay = owner_.backoff(failures_++);
        owner_.log->warn("binance: stream connection lost: {}; reconnecting in {} ms", why,
                         delay.count());
        reopen(delay, /*session_ended=*/true);
    }

    // Drops the current session (if still up) and opens a new one after `delay`.
    void reopen(std::chrono::milliseconds delay, bool session_ended = false) {
        cancel_timers();
        if (session_ && !session_ended) session_->close();
        session_.reset();
        ++session_id_;  // late events of the old session are ignored
        if (open_) {
            open_ = false;
            --owner_.open_count;
        }
        retry_timer_.expires_after(delay);
        retry_timer_.async_wait([self = shared_from_this()](error_code ec) {
            if (!ec) self->open_session();
        });
    }

    void arm_watchdog() {
        // Checks a few times per silence_timeout, so silence is noticed within ~1.25x of it.
        watchdog_.expires_after(std::max<std::chrono::milliseconds>(
            owner_.options.silence_timeout / 4, std::chrono::milliseconds(50)));
        watchdog_.async_wait([self = shared_from_this(), id = session_id_](error_code ec) {
            if (ec || id != self->session_id_ || self->shut_down_) return;
            auto quiet = Clock::now() - self->last_activity_;
            if (quiet < self->owner_.options.silence_timeout) return self->arm_watchdog();
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(quiet).count();
            std::string why = "no message for " + std::to_string(ms) + " ms";
            self->owner_.set_error(why);
            auto delay = self->open_ ? std::chrono::milliseconds(0)
                                     : self->owner_.backoff(self->failures_++);
            self->owner_.log->warn("binance: stream silent ({}); reconnecting", why);
            self->reopen(delay);
        });
    }

    Impl& owner_;  // outlives every connection (it shuts them down before it goes)
    std::vector<std::string> symbols_;
    std::string target_;
    asio::steady_timer retry_timer_;
    asio::steady_timer watchdog_;
    asio::steady_timer age_timer_;
    std::shared_ptr<SessionBase> session_;
    int session_id_ = 0;
    int failures_ = 0;
    bool open_ = false;
    bool ever_opened_ = false;
    bool shut_down_ = false;
    Clock::time_point last_activity_{};
};

// ---- Impl: symbols, messages, back-fill (all on the strand) ----

void BinanceMarketStream::Impl::apply_symbols(const std::vector<std::string>& wanted_list) {
    std::set<std::string> wanted(wanted_list.begin(), wanted_list.end());
    for (auto it = symbols.begin(); it != symbols.end();) {
        it = wanted.count(it->first) ? std::next(it) : symbols.erase(it);
    }
    for (const auto& s : wanted) {
        if (symbols.count(s)) continue;
        SymbolState st;
        st.interval = interval_of(s);
        if (auto m = history_marks.find(s); m != history_marks.end())
            st.last_closed_open = m->second;
        symbols.emplace(s, std::move(st));
    }
    // Groups of at most max_streams_per_connection streams, in symbol order.
    std::map<std::string, std::vector<std::string>> groups;
    std::vector<std::string> group;
    auto flush = [&] {
        if (group.empty()) return;
        std::string key;
        for (const auto& s : group) key += stream_name(s) + "/";
        groups.emplace(key, group);
        group.clear();
    };
    for (const auto& s : wanted) {
        group.push_back(s);
        if (group.size() >= std::max<std::size_t>(options.max_streams_per_connection, 1)) flush();
    }
    flush();
    for (auto it = connections.begin(); it != connections.end();) {
        if (groups.count(it->first)) {
            ++it;
        } else {
            it->second->shutdown();
            it = connections.erase(it);
        }
    }
    for (auto& [key, syms] : groups) {
        if (connections.count(key)) continue;
        auto c = std::make_shared<Connection>(*this, syms);
        connections.emplace(key, c);
        c->start();
    }
    log->info("binance: {} symbol(s) over {} connection(s)", symbols.size(), connections.size());
}

void BinanceMarketStream::Impl::deliver(const MarketEvent& e) {
    try {
        sink(e);
    } catch (const std::exception& ex) {  // the sink must not throw; never let it kill the stream
        log->error("binance: event sink threw: {}", ex.what());
    }
}

bool BinanceMarketStream::Impl::handle_message(const std::string& text) {
    ++messages;
    last_message_ms = wall_clock_ms();
    auto m = parse_stream_message(text);
    if (auto* e = std::get_if<MarketEvent>(&m)) {
        if (auto* k = std::get_if<Kline>(e)) {
            on_kline(*k);
        } else if (symbols.count(symbol_of(*e))) {
            deliver(*e);
        }
    } else if (auto* r = std::get_if<StreamReply>(&m)) {
        if (!r->error.empty()) log->warn("binance: stream request {} failed: {}", r->id, r->error);
    } else if (std::holds_alternative<ServerShutdown>(m)) {
        return true;
    } else {
        ++malformed;
        ++malformed_since_log;
        auto now = Clock::now();
        if (now - last_malformed_log >= std::chrono::seconds(10)) {
            log->warn("binance: {} malformed message(s) skipped; latest: {}", malformed_since_log,
                      std::get<StreamParseError>(m).what);
            malformed_since_log = 0;
            last_malformed_log = now;
        }
    }
    return false;
}

void BinanceMarketStream::Impl::on_kline(const Kline& k) {
    auto it = symbols.find(k.symbol);
    if (it == symbols.end() || k.interval != it->second.interval) return;
    SymbolState& st = it->second;
    if (!k.closed) {
        // An update of the open candle; while back-filling, older closes are still to come.
        if (!st.backfilling && k.open_time_ms > st.last_closed_open) deliver(k);
        return;
    }
    if (st.backfilling) {
        st.held.push_back(k);
        return;
    }
    std::int64_t step = config::longest_kline_ms(st.interval).value_or(0);
    if (st.last_closed_open >= 0 && step > 0 && k.open_time_ms > st.last_closed_open + step) {
        log->warn("binance: {} gap in closed klines ({} -> {}); back-filling", k.symbol,
                  st.last_closed_open, k.open_time_ms);
        st.held.push_back(k);
        start_backfill(k.symbol);
        return;
    }
    deliver_closed(st, k);
}

void BinanceMarketStream::Impl::deliver_closed(SymbolState& st, const Kline& k) {
    if (k.open_time_ms <= st.last_closed_open) return;  // already delivered
    st.last_closed_open = k.open_time_ms;
    deliver(k);
}

void BinanceMarketStream::Impl::on_connected(const std::vector<std::string>& group) {
    for (const auto& s : group) {
        auto it = symbols.find(s);
        if (it == symbols.end()) continue;
        SymbolState& st = it->second;
        // On the very first connection there is no gap: what closed before it is warm-up
        // (history()), unless history() already told us where the consumer stands.
        if (st.last_closed_open >= 0 || st.streamed_since_ms > 0) start_backfill(s);
        if (st.streamed_since_ms == 0)
            st.streamed_since_ms = wall_clock_ms() + rest->clock_offset_ms();
    }
}

void BinanceMarketStream::Impl::start_backfill(const std::string& symbol) {
    auto it = symbols.find(symbol);
    if (it == symbols.end()) return;
    if (it->second.backfilling) {
        // The request in flight may predate this reconnect: ask again once it is back.
        it->second.backfill_again = true;
        return;
    }
    it->second.backfilling = true;
    it->second.backfill_failures = 0;
    fetch_backfill(symbol, it->second.backfill_from());
}

void BinanceMarketStream::Impl::fetch_backfill(const std::string& symbol, std::int64_t from_ms) {
    auto it = symbols.find(symbol);
    if (it == symbols.end()) return;
    const std::string interval = it->second.interval;
    constexpr int kPage = 1000;
    HttpRequest req;
    req.target = klines_target(symbol, interval, from_ms, std::nullopt, kPage);
    Impl* self = this;
    rest->http().async_request(strand, req, [self, symbol, interval, from_ms](HttpOutcome out) {
        if (self->stopped) return;
        auto it = self->symbols.find(symbol);
        if (it == self->symbols.end() || !it->second.backfilling) return;
        SymbolState& st = it->second;
        Parsed<std::vector<Kline>> klines =
            out.response && out.response->status == 200
                ? parse_klines(out.response->body, symbol, interval)
                : Parsed<std::vector<Kline>>::fail(
                      out.response ? "HTTP " + std::to_string(out.response->status) : out.error);
        if (!klines) {
            auto delay = self->backoff(st.backfill_failures++);
            self->log->warn("binance: back-fill of {} failed ({}); retrying in {} ms", symbol,
                            klines.error, delay.count());
            auto timer = std::make_shared<asio::steady_timer>(self->strand, delay);
            timer->async_wait([self, symbol, from_ms, timer](error_code ec) {
                if (!ec && !self->stopped) self->fetch_backfill(symbol, from_ms);
            });
            return;
        }
        const std::int64_t now = wall_clock_ms() + self->rest->clock_offset_ms();
        std::int64_t next_from = -1;
        for (auto& k : *klines.value) {
            if (k.close_time_ms >= now) continue;  // still open: the stream will close it
            k.closed = true;
            next_from = k.open_time_ms + 1;
            st.held.push_back(std::move(k));
        }
        if (klines.value->size() == static_cast<size_t>(kPage) && next_from > from_ms) {
            return self->fetch_backfill(symbol, next_from);  // more than a page missed
        }
        self->finish_backfill(symbol);
    });
}

void BinanceMarketStream::Impl::finish_backfill(const std::string& symbol) {
    auto it = symbols.find(symbol);
    if (it == symbols.end()) return;
    SymbolState& st = it->second;
    auto held = std::move(st.held);
    st.held.clear();
    std::stable_sort(held.begin(), held.end(), [](const Kline& a, const Kline& b) {
        return a.open_time_ms < b.open_time_ms;
    });
    // Deliver the contiguous run; a hole left (REST behind the stream, or messages lost after
    // the request went out) is fetched again rather than skipped. After a few rounds without
    // progress the hole is taken as real (the exchange has no such candle) and passed over.
    constexpr int kMaxStuckRounds = 3;
    const std::int64_t step = config::longest_kline_ms(st.interval).value_or(0);
    const std::int64_t first = st.last_closed_open;
    std::size_t i = 0;
    for (; i < held.size(); ++i) {
        const Kline& k = held[i];
        if (k.open_time_ms <= st.last_closed_open) continue;  // already delivered
        bool hole =
            step > 0 && st.last_closed_open >= 0 && k.open_time_ms > st.last_closed_open + step;
        if (hole && st.stuck_rounds < kMaxStuckRounds) break;
        if (hole) {
            log->warn("binance: {} no kline between {} and {} after {} back-fills; going on",
                      symbol, st.last_closed_open, k.open_time_ms, kMaxStuckRounds);
        }
        deliver_closed(st, k);
    }
    st.held.assign(std::make_move_iterator(held.begin() + static_cast<std::ptrdiff_t>(i)),
                   std::make_move_iterator(held.end()));
    st.stuck_rounds = st.last_closed_open > first ? 0 : st.stuck_rounds;
    if (!st.held.empty() || st.backfill_again) {
        if (!st.held.empty()) ++st.stuck_rounds;
        st.backfill_again = false;
        auto delay = st.held.empty() ? std::chrono::milliseconds(0) : backoff(st.stuck_rounds);
        auto timer = std::make_shared<asio::steady_timer>(strand, delay);
        timer->async_wait([this, symbol, timer](error_code ec) {
            auto it = symbols.find(symbol);
            if (ec || stopped || it == symbols.end()) return;
            fetch_backfill(symbol, it->second.backfill_from());
        });
        return;
    }
    st.stuck_rounds = 0;
    st.backfilling = false;
    log->info("binance: {} back-filled from {} to {}", symbol, first, st.last_closed_open);
}

void BinanceMarketStream::Impl::note_history(const std::string& symbol, std::int64_t last_open) {
    auto& mark = history_marks[symbol];
    mark = std::max(mark, last_open);
    auto it = symbols.find(symbol);
    if (it == symbols.end() || it->second.last_closed_open >= last_open) return;
    // The bot has everything up to last_open from history(): continue right after it, and fetch
    // what closed since history() was read.
    it->second.last_closed_open = last_open;
    if (!connections.empty()) start_backfill(symbol);
}

// ---- BinanceMarketStream ----

BinanceMarketStream::BinanceMarketStream(Url ws_url, std::shared_ptr<ssl::context> tls,
                                         std::shared_ptr<RestClient> rest, StreamOptions options,
                                         std::shared_ptr<spdlog::logger> logger)
    : impl_(std::make_unique<Impl>(std::move(ws_url), std::move(tls), std::move(rest),
                                   std::move(options), std::move(logger))) {
    if (impl_->url.tls && !impl_->tls) {
        throw std::invalid_argument("BinanceMarketStream: wss:// needs a TLS context");
    }
}

BinanceMarketStream::~BinanceMarketStream() { stop(); }

void BinanceMarketStream::start(const std::vector<std::string>& symbols, EventSink sink) {
    if (impl_->started.exchange(true)) throw std::logic_error("BinanceMarketStream: started twice");
    impl_->work.emplace(impl_->ioc.get_executor());
    asio::post(impl_->strand, [impl = impl_.get(), symbols, sink = std::move(sink)]() mutable {
        impl->sink = std::move(sink);
        impl->apply_symbols(symbols);
    });
    impl_->thread = std::thread([impl = impl_.get()] {
        for (;;) {
            try {
                impl->ioc.run();
                return;
            } catch (const std::exception& e) {  // a bug in a handler: log, keep the feed alive
                impl->log->error("binance: stream handler threw: {}", e.what());
            }
        }
    });
}

void BinanceMarketStream::set_symbols(const std::vector<std::string>& symbols) {
    if (!impl_->started || impl_->stopped) return;
    asio::post(impl_->strand, [impl = impl_.get(), symbols] { impl->apply_symbols(symbols); });
}

void BinanceMarketStream::stop() {
    if (impl_->stopped.exchange(true)) return;
    if (!impl_->started) return;
    // Close the connections politely, then stop the loop: handlers not yet run are destroyed
    // without running, so the sink cannot be called once the thread is joined.
    asio::post(impl_->strand, [impl = impl_.get()] {
        for (auto& [key, c] : impl->connections) c->shutdown();
        impl->connections.clear();
        impl->ioc.stop();
    });
    impl_->work.reset();
    if (impl_->thread.joinable()) impl_->thread.join();
}

std::vector<Kline> BinanceMarketStream::history(const std::string& symbol,
                                                const std::string& interval, int limit) {
    if (limit <= 0) return {};
    // One more than asked: the newest row is usually the still-open candle.
    auto r = impl_->rest->klines(symbol, interval, std::nullopt, std::nullopt, limit + 1);
    if (!r) {
        impl_->log->warn("binance: history of {} unavailable: {}", symbol, r.error);
        return {};
    }
    const std::int64_t now = wall_clock_ms() + impl_->rest->clock_offset_ms();
    std::vector<Kline> out;
    for (auto& k : *r.value) {
        if (k.close_time_ms >= now) continue;
        k.closed = true;
        out.push_back(std::move(k));
    }
    if (out.size() > static_cast<size_t>(limit)) out.erase(out.begin(), out.end() - limit);
    if (!out.empty() && interval == impl_->interval_of(symbol) && !impl_->stopped) {
        asio::post(impl_->strand, [impl = impl_.get(), symbol, last = out.back().open_time_ms] {
            impl->note_history(symbol, last);
        });
    }
    return out;
}

StreamStats BinanceMarketStream::stats() const {
    StreamStats s;
    s.messages = impl_->messages;
    s.malformed = impl_->malformed;
    s.reconnects = impl_->reconnects;
    s.last_message_ms = impl_->last_message_ms;
    return s;
}

std::string BinanceMarketStream::last_error() const {
    std::lock_guard lock(impl_->error_mu);
    return impl_->last_error;
}

int BinanceMarketStream::open_connections() const { return impl_->open_count; }

}  // namespace exchange::binance
