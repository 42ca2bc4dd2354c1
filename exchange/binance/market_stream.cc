#include "exchange/binance/market_stream.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cctype>
#include <mutex>
#include <set>
#include <thread>

#include "config/interval.h"
#include "exchange/binance/kline_sequencer.h"
#include "exchange/net/reconnect.h"
#include "exchange/binance/stream_messages.h"
#include "exchange/clock.h"
#include "exchange/fault_burst.h"

namespace exchange::binance {
namespace {

namespace asio = boost::asio;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

// Rows per REST klines request of a back-fill (Binance's maximum).
constexpr std::size_t kBackfillPage = 1000;

// How far ahead of the exchange's clock a candle may open, beyond its own length: room for the
// clock offset's error. A kline opening later than that cannot exist.
constexpr std::int64_t kFutureSlackMs = 60'000;

// "BTCUSDT 1m open_time=... is ... ahead of the exchange's clock", or "" for a kline that can be.
std::string future_problem(const Kline& k, std::int64_t exchange_now_ms) {
    const std::int64_t step = config::longest_kline_ms(k.interval).value_or(0);
    if (k.open_time_ms <= exchange_now_ms + step + kFutureSlackMs) return {};
    return "kline " + k.symbol + " " + k.interval + " open_time=" + std::to_string(k.open_time_ms) +
           ": opens " + std::to_string((k.open_time_ms - exchange_now_ms) / 1000) +
           " s after the exchange's clock, so it cannot exist";
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

// Everything lives on one strand of ioc, run by one thread. Handlers capture a plain Impl*: the
// io_context is a member, so no handler outlives the Impl.
struct BinanceMarketStream::Impl {
    Impl(net::Url url, std::shared_ptr<asio::ssl::context> tls, std::shared_ptr<RestClient> rest,
         StreamOptions options, std::shared_ptr<spdlog::logger> logger)
        : url(std::move(url)),
          tls(std::move(tls)),
          rest(std::move(rest)),
          options(std::move(options)),
          log(logger ? std::move(logger) : spdlog::default_logger()),
          backoff(this->options.initial_backoff, this->options.max_backoff),
          strand(asio::make_strand(ioc)) {}

    // Constant after construction. Declared before ioc: the handlers (and the sockets in them)
    // that ioc destroys last may still refer to the TLS context and the logger.
    const net::Url url;
    const std::shared_ptr<asio::ssl::context> tls;
    const std::shared_ptr<RestClient> rest;
    const StreamOptions options;
    const std::shared_ptr<spdlog::logger> log;
    net::Backoff backoff;  // on the strand only
    asio::io_context ioc;
    asio::strand<asio::io_context::executor_type> strand;

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
    std::map<std::string, KlineSequencer> symbols;
    std::map<std::string, std::int64_t> resume_marks;  // where each consumer's warm-up ended
    std::map<std::string, std::shared_ptr<net::ReconnectingConnection>> connections;  // by stream list
    FaultBurst malformed_burst;
    asio::steady_timer malformed_timer{strand};
    bool malformed_timer_armed = false;

    std::string interval_of(const std::string& symbol) const {
        auto it = options.intervals.find(symbol);
        return it == options.intervals.end() ? options.default_interval : it->second;
    }
    std::string stream_name(const std::string& symbol) const {
        return lower(symbol) + "@kline_" + interval_of(symbol);
    }
    std::int64_t exchange_now_ms() const { return wall_clock_ms() + rest->clock_offset_ms(); }
    void set_error(const std::string& e) {
        std::lock_guard lock(error_mu);
        last_error = e;
    }

    // REQUIRES: on the strand (all below).
    void apply_symbols(const std::vector<std::string>& wanted);
    std::shared_ptr<net::ReconnectingConnection> make_connection(const std::vector<std::string>& group);
    bool handle_message(const std::string& text);  // true: the server asked us to reconnect
    // Counts and logs one malformed message (once per burst: its start, reminders, its end).
    void note_malformed(const std::string& why);
    void check_malformed_burst();
    void deliver(const MarketEvent& e);
    // Carries out what a symbol's sequencer answered: deliveries, log lines, back-fill requests.
    void follow(const std::string& symbol, SequencerStep step);
    void fetch_backfill(const std::string& symbol, std::int64_t from_ms);
    void resume(const std::string& symbol, std::int64_t open_ms);
};

// ---- Symbols and connections ----

void BinanceMarketStream::Impl::apply_symbols(const std::vector<std::string>& wanted_list) {
    std::set<std::string> wanted(wanted_list.begin(), wanted_list.end());
    for (auto it = symbols.begin(); it != symbols.end();) {
        it = wanted.count(it->first) ? std::next(it) : symbols.erase(it);
    }
    for (const auto& s : wanted) {
        if (symbols.count(s)) continue;
        auto& seq = symbols.emplace(s, KlineSequencer(interval_of(s))).first->second;
        // Not connected yet: the first connection back-fills from the mark.
        if (auto m = resume_marks.find(s); m != resume_marks.end()) {
            follow(s, seq.resume_after(m->second, /*connected=*/false));
        }
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
        auto c = make_connection(syms);
        connections.emplace(key, c);
        c->start();
    }
    log->info("binance: {} symbol(s) over {} connection(s)", symbols.size(), connections.size());
}

std::shared_ptr<net::ReconnectingConnection> BinanceMarketStream::Impl::make_connection(
    const std::vector<std::string>& group) {
    std::string target = url.base_path + "/stream?streams=";
    for (std::size_t i = 0; i < group.size(); ++i) {
        target += (i ? "/" : "") + stream_name(group[i]);
    }
    net::ReconnectOptions ro;
    ro.session.handshake_timeout = options.handshake_timeout;
    ro.silence_timeout = options.silence_timeout;
    ro.max_connection_age = options.max_connection_age;
    net::ConnectionEvents events;
    events.on_open = [this, group](bool again) {
        ++open_count;
        if (again) ++reconnects;
        const std::int64_t now = exchange_now_ms();
        for (const auto& s : group) {
            if (auto it = symbols.find(s); it != symbols.end()) {
                follow(s, it->second.on_connected(now));
            }
        }
    };
    events.on_down = [this] { --open_count; };
    events.on_message = [this](const std::string& text) { return handle_message(text); };
    events.on_trouble = [this](const std::string& why) { set_error(why); };
    return std::make_shared<net::ReconnectingConnection>(strand, url, tls.get(), std::move(target),
                                                    group.size(), ro, backoff, std::move(events),
                                                    log);
}

// ---- Messages ----

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
            // A kline from the far future would hold every later candle back behind a gap that
            // can never be filled: it is refused like any other impossible candle.
            if (std::string why = future_problem(*k, exchange_now_ms()); !why.empty()) {
                note_malformed(why);
                return false;
            }
            if (auto it = symbols.find(k->symbol); it != symbols.end()) {
                follow(k->symbol, it->second.on_stream(*k));
            }
        } else if (symbols.count(symbol_of(*e))) {
            deliver(*e);
        }
    } else if (auto* r = std::get_if<StreamReply>(&m)) {
        if (!r->error.empty()) log->warn("binance: stream request {} failed: {}", r->id, r->error);
    } else if (std::holds_alternative<ServerShutdown>(m)) {
        return true;
    } else {
        note_malformed(std::get<StreamParseError>(m).what);
    }
    return false;
}

void BinanceMarketStream::Impl::note_malformed(const std::string& why) {
    ++malformed;
    const auto now = Clock::now();
    switch (malformed_burst.note(now, why)) {
        case FaultBurst::Say::kBegins:
            log->warn("binance: malformed message(s) skipped, a burst begins: {}", why);
            break;
        case FaultBurst::Say::kReminder:
            log->warn(
                "binance: malformed message(s) skipped: {} in this burst so far ({} s); "
                "latest: {}",
                malformed_burst.in_burst(), malformed_burst.lasting(now).count() / 1000, why);
            break;
        case FaultBurst::Say::kNothing:
            break;
    }
    if (malformed_timer_armed) return;
    // The end of a burst is a moment without messages: a timer notices it.
    malformed_timer_armed = true;
    malformed_timer.expires_at(*malformed_burst.check_at());
    malformed_timer.async_wait([this](error_code ec) {
        malformed_timer_armed = false;
        if (!ec && !stopped) check_malformed_burst();
    });
}

void BinanceMarketStream::Impl::check_malformed_burst() {
    if (auto ended = malformed_burst.ended(Clock::now())) {
        log->info("binance: burst of malformed messages ended: {} skipped in {} s; latest: {}",
                  ended->count, ended->lasted.count() / 1000, ended->latest);
        return;
    }
    if (auto at = malformed_burst.check_at()) {
        malformed_timer_armed = true;
        malformed_timer.expires_at(*at);
        malformed_timer.async_wait([this](error_code ec) {
            malformed_timer_armed = false;
            if (!ec && !stopped) check_malformed_burst();
        });
    }
}

// ---- Back-fill ----

void BinanceMarketStream::Impl::follow(const std::string& symbol, SequencerStep step) {
    if (step.gap) {
        log->warn("binance: {} gap in closed klines ({} -> {}); back-filling", symbol,
                  step.gap->first, step.gap->second);
    }
    for (const auto& [before, after] : step.passed_over) {
        log->warn("binance: {} no kline between {} and {} after {} back-fills; going on", symbol,
                  before, after, KlineSequencer::kMaxStuckRounds);
    }
    for (const Kline& k : step.deliver) deliver(k);
    if (step.backfilled) {
        log->info("binance: {} back-filled from {} to {}", symbol, step.backfilled->first,
                  step.backfilled->second);
    }
    if (!step.fetch_from) return;
    if (step.fetch_after_rounds == 0) return fetch_backfill(symbol, *step.fetch_from);
    auto timer =
        std::make_shared<asio::steady_timer>(strand, backoff.delay(step.fetch_after_rounds));
    timer->async_wait([this, symbol, from = *step.fetch_from, timer](error_code ec) {
        if (!ec && !stopped) fetch_backfill(symbol, from);
    });
}

void BinanceMarketStream::Impl::fetch_backfill(const std::string& symbol, std::int64_t from_ms) {
    auto it = symbols.find(symbol);
    if (it == symbols.end()) return;
    const std::string interval = it->second.interval();
    net::HttpRequest req;
    req.target =
        klines_target(symbol, interval, from_ms, std::nullopt, static_cast<int>(kBackfillPage));
    rest->http().async_request(strand, req, [this, symbol, interval, from_ms](net::HttpOutcome out) {
        if (stopped) return;
        auto it = symbols.find(symbol);
        if (it == symbols.end() || !it->second.backfilling()) return;
        std::vector<std::string> refused;
        Parsed<std::vector<Kline>> klines =
            out.response && out.response->status == 200
                ? parse_klines(out.response->body, symbol, interval, &refused)
                : Parsed<std::vector<Kline>>::fail(
                      out.response ? "HTTP " + std::to_string(out.response->status) : out.error);
        for (const auto& why : refused) note_malformed(why);
        if (!klines) {
            auto delay = backoff.delay(it->second.note_fetch_failure());
            log->warn("binance: back-fill of {} failed ({}); retrying in {} ms", symbol,
                      klines.error, delay.count());
            auto timer = std::make_shared<asio::steady_timer>(strand, delay);
            timer->async_wait([this, symbol, from_ms, timer](error_code ec) {
                if (!ec && !stopped) fetch_backfill(symbol, from_ms);
            });
            return;
        }
        follow(symbol, it->second.on_backfill_page(std::move(*klines.value), from_ms, kBackfillPage,
                                                   exchange_now_ms()));
    });
}

void BinanceMarketStream::Impl::resume(const std::string& symbol, std::int64_t open_ms) {
    auto& mark = resume_marks[symbol];
    mark = std::max(mark, open_ms);
    auto it = symbols.find(symbol);
    if (it == symbols.end()) return;  // applied when the symbol is subscribed
    follow(symbol, it->second.resume_after(open_ms, !connections.empty()));
}

// ---- BinanceMarketStream ----

BinanceMarketStream::BinanceMarketStream(net::Url ws_url, std::shared_ptr<asio::ssl::context> tls,
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
    std::vector<std::string> refused;
    auto r = impl_->rest->klines(symbol, interval, std::nullopt, std::nullopt, limit + 1, &refused);
    if (!refused.empty()) {
        // Counted as malformed like the stream's; said once for the page.
        impl_->malformed += refused.size();
        impl_->log->warn("binance: history of {}: {} impossible candle(s) left out; first: {}",
                         symbol, refused.size(), refused.front());
    }
    if (!r) {
        impl_->log->warn("binance: history of {} unavailable: {}", symbol, r.error);
        return {};
    }
    const std::int64_t now = impl_->exchange_now_ms();
    std::vector<Kline> out;
    for (auto& k : *r.value) {
        if (k.close_time_ms >= now) continue;
        k.closed = true;
        out.push_back(std::move(k));
    }
    if (out.size() > static_cast<size_t>(limit)) out.erase(out.begin(), out.end() - limit);
    return out;
}

void BinanceMarketStream::resume_after(const std::string& symbol, const std::string& interval,
                                       std::int64_t open_time_ms) {
    if (interval != impl_->interval_of(symbol) || impl_->stopped) return;
    asio::post(impl_->strand,
               [impl = impl_.get(), symbol, open_time_ms] { impl->resume(symbol, open_time_ms); });
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
