#include "exchange/net/reconnect.h"

#include <algorithm>

namespace exchange::net {

using Clock = std::chrono::steady_clock;
using error_code = boost::system::error_code;

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
    : initial_(initial), max_(max) {}

std::chrono::milliseconds Backoff::delay(int failures) {
    auto base = initial_ * (1LL << std::clamp(failures, 0, 16));
    base = std::min<std::chrono::milliseconds>(base, max_);
    std::uniform_int_distribution<std::int64_t> d(base.count() / 2,
                                                  std::max<std::int64_t>(base.count(), 1));
    return std::chrono::milliseconds(d(rng_));
}

ReconnectingConnection::ReconnectingConnection(boost::asio::any_io_executor executor, Url url,
                                               boost::asio::ssl::context* tls, std::string target,
                                               std::size_t streams, ReconnectOptions options,
                                               Backoff& backoff, ConnectionEvents events,
                                               std::shared_ptr<spdlog::logger> log)
    : executor_(executor),
      url_(std::move(url)),
      tls_(tls),
      target_(std::move(target)),
      streams_(streams),
      options_(options),
      backoff_(backoff),
      events_(std::move(events)),
      log_(std::move(log)),
      retry_timer_(executor),
      watchdog_(executor),
      age_timer_(executor) {}

void ReconnectingConnection::start() { open_session(); }

void ReconnectingConnection::shutdown() {
    shut_down_ = true;
    retry_timer_.cancel();
    watchdog_.cancel();
    age_timer_.cancel();
    if (session_) {
        session_->close();
        session_.reset();
    }
    went_down();
}

void ReconnectingConnection::went_down() {
    if (!open_) return;
    open_ = false;
    events_.on_down();
}

void ReconnectingConnection::open_session() {
    if (shut_down_) return;
    const int id = ++session_id_;
    auto self = shared_from_this();
    SessionEvents events{
        [self, id] { self->on_open(id); },
        [self, id](std::string text) { self->on_message(id, text); },
        [self, id](std::string why) { self->on_end(id, why); },
    };
    SessionOptions session = options_.session;
    session.idle_timeout = options_.silence_timeout;
    session_ = make_websocket_session(executor_, url_, tls_, target_, session, std::move(events));
    // The watchdog also bounds an attempt stuck before any timeout applies.
    last_activity_ = Clock::now();
    arm_watchdog();
    session_->run();
}

void ReconnectingConnection::on_open(int id) {
    if (id != session_id_ || shut_down_) return;
    open_ = true;
    const bool again = ever_opened_;
    ever_opened_ = true;
    log_->info("binance: stream {} ({} stream(s))", again ? "reconnected" : "connected", streams_);
    last_activity_ = Clock::now();
    age_timer_.expires_after(options_.max_connection_age);
    age_timer_.async_wait([self = shared_from_this(), id](error_code ec) {
        if (ec || id != self->session_id_ || self->shut_down_) return;
        self->log_->info("binance: renewing the stream connection before the 24 h limit");
        self->reopen(std::chrono::milliseconds(0));
    });
    events_.on_open(again);
}

void ReconnectingConnection::on_message(int id, const std::string& text) {
    if (id != session_id_ || shut_down_) return;
    last_activity_ = Clock::now();
    failures_ = 0;  // a connection that delivers is a healthy one
    if (events_.on_message(text)) {
        log_->warn("binance: serverShutdown received; reconnecting now");
        reopen(std::chrono::milliseconds(0));
    }
}

void ReconnectingConnection::on_end(int id, const std::string& why) {
    if (id != session_id_ || shut_down_) return;
    events_.on_trouble(why);
    auto delay = backoff_.delay(failures_++);
    log_->warn("binance: stream connection lost: {}; reconnecting in {} ms", why, delay.count());
    reopen(delay, /*session_ended=*/true);
}

void ReconnectingConnection::reopen(std::chrono::milliseconds delay, bool session_ended) {
    retry_timer_.cancel();
    watchdog_.cancel();
    age_timer_.cancel();
    if (session_ && !session_ended) session_->close();
    session_.reset();
    ++session_id_;  // late events of the old session are ignored
    went_down();
    retry_timer_.expires_after(delay);
    retry_timer_.async_wait([self = shared_from_this()](error_code ec) {
        if (!ec) self->open_session();
    });
}

void ReconnectingConnection::arm_watchdog() {
    // Checks a few times per silence_timeout, so silence is noticed within ~1.25x of it.
    watchdog_.expires_after(std::max<std::chrono::milliseconds>(options_.silence_timeout / 4,
                                                                std::chrono::milliseconds(50)));
    watchdog_.async_wait([self = shared_from_this(), id = session_id_](error_code ec) {
        if (ec || id != self->session_id_ || self->shut_down_) return;
        auto quiet = Clock::now() - self->last_activity_;
        if (quiet < self->options_.silence_timeout) return self->arm_watchdog();
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(quiet).count();
        std::string why = "no message for " + std::to_string(ms) + " ms";
        self->events_.on_trouble(why);
        auto delay =
            self->open_ ? std::chrono::milliseconds(0) : self->backoff_.delay(self->failures_++);
        self->log_->warn("binance: stream silent ({}); reconnecting", why);
        self->reopen(delay);
    });
}

}  // namespace exchange::net
