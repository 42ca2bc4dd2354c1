#include "bot/runtime/supervisor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <thread>

#include "config/loader.h"
#include "config/text.h"

namespace bot {
namespace {

// At most one "queue full" warning per symbol in this interval (drops are counted regardless).
constexpr std::int64_t kDropWarnIntervalMs = 10000;

std::shared_ptr<spdlog::logger> make_logger(const SupervisorOptions& options,
                                            const std::string& name) {
    if (options.logger) return options.logger(name);
    return spdlog::default_logger()->clone(name);
}

// Leaf key paths of a JSON document in the config's own spelling: "trading.fee_rate",
// "symbols[2].strategy.fast".
void flatten(const nlohmann::json& j, const std::string& path,
             std::map<std::string, nlohmann::json>& out) {
    if (j.is_object() && !j.empty()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            flatten(it.value(), path.empty() ? it.key() : path + "." + it.key(), out);
        }
    } else if (j.is_array() && !j.empty()) {
        for (std::size_t i = 0; i < j.size(); ++i) {
            flatten(j[i], path + "[" + std::to_string(i) + "]", out);
        }
    } else {
        out[path] = j;
    }
}

// Changed keys that a reload cannot apply: everything but the symbol set, strategies and risk
// rules (applied by restarting the symbols concerned) and log.level.
std::vector<std::string> keys_needing_restart(const config::Config& old_cfg,
                                              const config::Config& new_cfg) {
    std::map<std::string, nlohmann::json> a, b;
    flatten(config::to_json(old_cfg), "", a);
    flatten(config::to_json(new_cfg), "", b);
    std::set<std::string> keys;
    for (const auto& [k, v] : a) keys.insert(k);
    for (const auto& [k, v] : b) keys.insert(k);
    std::vector<std::string> out;
    for (const auto& k : keys) {
        if (k.rfind("symbols", 0) == 0 || k.rfind("strategy", 0) == 0 || k.rfind("risk", 0) == 0 ||
            k == "log.level") {
            continue;
        }
        auto ia = a.find(k);
        auto ib = b.find(k);
        if (ia == a.end() || ib == b.end() || ia->second != ib->second) out.push_back(k);
    }
    return out;
}

// "-" for none, so a log line always has a value after "added=".
std::string list_or_dash(const std::vector<std::string>& v) {
    return v.empty() ? "-" : config::join(v, ",");
}

}  // namespace

struct Supervisor::Slot {
    BotSettings settings;
    std::shared_ptr<EventQueue> queue;
    std::shared_ptr<BotStats> stats;
    std::shared_ptr<spdlog::logger> log;
    std::atomic<bool> abandon{false};   // stop at the next event boundary
    std::atomic<bool> closing{false};   // the queue is closed: no restart after a failure
    std::atomic<bool> finished{false};  // the thread is about to return
    std::atomic<std::int64_t> last_drop_warn_ms{0};
    std::mutex mu;  // with cv: wakes a restart backoff early on stop
    std::condition_variable cv;
    std::thread thread;
};

Supervisor::Supervisor(config::Config config, storage::Database& db, exchange::MarketStream& stream,
                       exchange::OrderGateway& gateway, SupervisorOptions options)
    : db_(db),
      stream_(stream),
      gateway_(gateway),
      options_(std::move(options)),
      log_(make_logger(options_, "main")),
      config_(std::move(config)) {
    if (!options_.strategy_factory) {
        throw std::invalid_argument("Supervisor: no strategy factory (SupervisorOptions)");
    }
}

Supervisor::~Supervisor() {
    try {
        stop();
    } catch (const std::exception& e) {
        log_->error("supervisor stop failed: {}", e.what());
    }
}

std::vector<std::string> Supervisor::symbol_list() const {
    std::vector<std::string> out;
    for (const auto& [sym, slot] : slots_) out.push_back(sym);
    return out;
}

std::shared_ptr<Supervisor::Slot> Supervisor::make_slot(const config::SymbolConfig& sc) {
    auto slot = std::make_shared<Slot>();
    slot->settings.symbol = sc;
    slot->settings.trading = config_.trading;
    slot->queue = std::make_shared<EventQueue>(options_.queue_capacity);
    slot->stats = std::make_shared<BotStats>();
    slot->log = make_logger(options_, sc.symbol);
    return slot;
}

void Supervisor::start_slot(const std::shared_ptr<Slot>& slot) {
    slot->thread = std::thread([this, slot] { run_slot(*slot); });
}

void Supervisor::start() {
    std::lock_guard<std::mutex> lock(control_mu_);
    if (started_) return;
    started_ = true;
    for (const auto& sc : config_.symbols) {
        if (slots_.count(sc.symbol)) continue;
        auto slot = make_slot(sc);
        slots_[sc.symbol] = slot;
        {
            std::unique_lock<std::shared_mutex> routes(route_mu_);
            routes_[sc.symbol] = slot;
        }
        start_slot(slot);
    }
    stream_.start(symbol_list(), [this](const exchange::MarketEvent& e) { sink(e); });
}

void Supervisor::sink(const exchange::MarketEvent& event) {
    std::shared_ptr<Slot> slot;
    {
        std::shared_lock<std::shared_mutex> routes(route_mu_);
        auto it = routes_.find(exchange::symbol_of(event));
        if (it != routes_.end()) slot = it->second;
    }
    if (!slot || slot->stats->failed.load(std::memory_order_relaxed)) {
        unrouted_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    const EventQueue::PushOutcome out = slot->queue->push(event);
    if (out.lost_close) {
        // Rare and consequential: the strategy misses a candle. Always said.
        slot->log->warn(
            "queue full of closed klines: dropped the oldest ({} lost so far); the "
            "strategy skips that candle",
            slot->queue->lost_closes());
    } else if (out.dropped) {
        const std::int64_t now = BotStats::steady_now_ms();
        std::int64_t last = slot->last_drop_warn_ms.load(std::memory_order_relaxed);
        if ((last == 0 || now - last >= kDropWarnIntervalMs) &&
            slot->last_drop_warn_ms.compare_exchange_strong(last, now)) {
            slot->log->warn(
                "queue full ({} events): dropping the oldest kline updates and trades "
                "({} dropped so far)",
                slot->queue->capacity(), slot->queue->dropped());
        }
    }
}

void Supervisor::run_slot(Slot& slot) {
    BotDeps deps;
    deps.db = &db_;
    deps.stream = &stream_;
    deps.gateway = &gateway_;
    deps.queue = slot.queue.get();
    deps.stats = slot.stats.get();
    deps.log = slot.log;
    deps.strategy_factory = options_.strategy_factory;
    deps.abandon = &slot.abandon;
    deps.on_candle = options_.candle_observer;

    auto backoff = options_.restart_initial;
    for (;;) {
        const auto began = std::chrono::steady_clock::now();
        std::string failure;
        try {
            TradingBot bot(slot.settings, deps);
            bot.start();
            bot.run(slot.abandon);
            break;  // queue closed and drained, or abandoned
        } catch (const BotFatalError& e) {
            slot.stats->failed.store(true);
            slot.stats->set_last_error(e.what());
            slot.log->error("stopped for good: {}", e.what());
            break;
        } catch (const BotAbandoned& e) {
            // The stop ran out of drain time while this bot waited for storage.
            slot.log->warn("stopped while waiting for storage: {}", e.what());
            break;
        } catch (const std::exception& e) {
            failure = e.what();
        } catch (...) {
            failure = "unknown exception";
        }
        slot.stats->restarts.fetch_add(1);
        slot.stats->set_last_error(failure);
        if (slot.closing.load()) {
            slot.log->error("bot failed while stopping: {}", failure);
            break;
        }
        // Storage failed for good (corruption found mid-run): a fresh bot would fail the same
        // way, forever. The daemon sees the same error and stops the process.
        if (const std::string sticky = db_.writer_stats().sticky_error; !sticky.empty()) {
            slot.log->error("bot failed: {}; not restarted: storage failed for good ({})", failure,
                            sticky);
            break;
        }
        // A bot that ran a good while before failing starts the backoff over.
        if (std::chrono::steady_clock::now() - began > options_.restart_max) {
            backoff = options_.restart_initial;
        }
        slot.log->error("bot failed: {}; restarting in {} ms (restart #{})", failure,
                        backoff.count(), slot.stats->restarts.load());
        const auto deadline = std::chrono::steady_clock::now() + backoff;
        {
            std::unique_lock<std::mutex> lock(slot.mu);
            while (!slot.closing.load() && std::chrono::steady_clock::now() < deadline) {
                // Wake each second: a bot in backoff is alive, the watchdog must see it so.
                slot.cv.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() +
                                                                std::chrono::seconds(1)));
                slot.stats->touch();
            }
        }
        if (slot.closing.load()) break;
        backoff = std::min(backoff * 2, options_.restart_max);
    }
    slot.finished.store(true);
}

void Supervisor::stop_slots(const std::vector<std::shared_ptr<Slot>>& slots) {
    for (const auto& s : slots) {
        {
            std::lock_guard<std::mutex> lock(s->mu);
            s->closing.store(true);
        }
        s->queue->close();
        s->cv.notify_all();
    }
    const auto deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
    auto all_finished = [&] {
        return std::all_of(slots.begin(), slots.end(),
                           [](const auto& s) { return s->finished.load(); });
    };
    while (!all_finished() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (const auto& s : slots) {
        if (!s->finished.load()) {
            s->log->warn("still draining after {} ms: abandoning {} queued events",
                         options_.drain_timeout.count(), s->queue->depth());
            s->abandon.store(true);
        }
    }
    for (const auto& s : slots) {
        if (s->thread.joinable()) s->thread.join();
    }
}

void Supervisor::stop() {
    std::lock_guard<std::mutex> lock(control_mu_);
    if (stopped_) return;
    stopped_ = true;
    if (!started_) return;
    // Feeds first: after stream_.stop() returns, nothing is pushed any more.
    stream_.stop();
    std::vector<std::shared_ptr<Slot>> all;
    for (const auto& [sym, slot] : slots_) all.push_back(slot);
    stop_slots(all);
    log_->info("all bots stopped");
}

ReloadSummary Supervisor::reload(const config::Config& next) {
    std::lock_guard<std::mutex> lock(control_mu_);
    ReloadSummary summary;
    if (stopped_) return summary;
    summary.not_applied = keys_needing_restart(config_, next);

    std::map<std::string, config::SymbolConfig> desired;
    for (const auto& sc : next.symbols) desired.emplace(sc.symbol, sc);

    std::vector<std::shared_ptr<Slot>> to_stop;
    std::map<std::string, std::shared_ptr<BotStats>> kept_stats;  // restarted symbols keep figures
    for (const auto& [sym, slot] : slots_) {
        auto it = desired.find(sym);
        if (it == desired.end()) {
            summary.removed.push_back(sym);
            to_stop.push_back(slot);
        } else if (it->second.strategy != slot->settings.symbol.strategy ||
                   it->second.risk != slot->settings.symbol.risk || slot->stats->failed.load()) {
            // A changed strategy or risk rule needs a fresh bot (it resumes its position and
            // risk state from storage); so does a symbol that stopped for good (the operator may
            // have repaired what stopped it).
            summary.restarted.push_back(sym);
            to_stop.push_back(slot);
            kept_stats[sym] = slot->stats;
        }
    }
    for (const auto& [sym, sc] : desired) {
        if (!slots_.count(sym)) summary.added.push_back(sym);
    }

    {
        std::unique_lock<std::shared_mutex> routes(route_mu_);
        for (const auto& s : to_stop) routes_.erase(s->settings.symbol.symbol);
    }
    stop_slots(to_stop);
    for (const auto& s : to_stop) slots_.erase(s->settings.symbol.symbol);

    // Keys that apply live; everything else keeps its running value.
    config_.symbols = next.symbols;
    config_.strategy = next.strategy;
    config_.risk = next.risk;
    if (next.log.level != config_.log.level) {
        config_.log.level = next.log.level;
        if (options_.apply_log_level) options_.apply_log_level(next.log.level);
    }

    std::vector<std::string> starting = summary.added;
    starting.insert(starting.end(), summary.restarted.begin(), summary.restarted.end());
    for (const auto& sym : starting) {
        auto slot = make_slot(desired.at(sym));
        if (auto it = kept_stats.find(sym); it != kept_stats.end()) {
            slot->stats = it->second;
            slot->stats->failed.store(false);
        }
        slots_[sym] = slot;
        {
            std::unique_lock<std::shared_mutex> routes(route_mu_);
            routes_[sym] = slot;
        }
        start_slot(slot);
    }
    if (started_ && (!summary.added.empty() || !summary.removed.empty())) {
        stream_.set_symbols(symbol_list());
    }

    log_->info("reload: added={} removed={} restarted={} symbols={}", list_or_dash(summary.added),
               list_or_dash(summary.removed), list_or_dash(summary.restarted),
               list_or_dash(symbol_list()));
    for (const auto& key : summary.not_applied) {
        log_->warn(
            "reload: {} changed but cannot be applied while running; keeping the running "
            "value until the daemon restarts",
            key);
    }
    return summary;
}

void Supervisor::start_symbol(const config::SymbolConfig& sc) {
    std::lock_guard<std::mutex> lock(control_mu_);
    if (stopped_ || slots_.count(sc.symbol)) return;
    config_.symbols.push_back(sc);
    if (!started_) return;  // start() starts it with the others
    auto slot = make_slot(sc);
    slots_[sc.symbol] = slot;
    {
        std::unique_lock<std::shared_mutex> routes(route_mu_);
        routes_[sc.symbol] = slot;
    }
    start_slot(slot);
    stream_.set_symbols(symbol_list());
}

void Supervisor::stop_symbol(const std::string& symbol) { stop_symbols({symbol}); }

void Supervisor::stop_symbols(const std::vector<std::string>& symbols) {
    std::lock_guard<std::mutex> lock(control_mu_);
    const std::set<std::string> going(symbols.begin(), symbols.end());
    std::erase_if(config_.symbols,
                  [&](const config::SymbolConfig& sc) { return going.count(sc.symbol) > 0; });
    if (stopped_) return;
    std::vector<std::shared_ptr<Slot>> slots;
    for (const auto& sym : going) {
        if (auto it = slots_.find(sym); it != slots_.end()) slots.push_back(it->second);
    }
    if (slots.empty()) return;
    {
        std::unique_lock<std::shared_mutex> routes(route_mu_);
        for (const auto& s : slots) routes_.erase(s->settings.symbol.symbol);
    }
    stop_slots(slots);  // every queue closed first, then one drain deadline for them all
    for (const auto& s : slots) slots_.erase(s->settings.symbol.symbol);
    if (started_) stream_.set_symbols(symbol_list());
}

config::Config Supervisor::config() const {
    std::lock_guard<std::mutex> lock(control_mu_);
    return config_;
}

std::vector<BotView> Supervisor::bots() const {
    std::shared_lock<std::shared_mutex> routes(route_mu_);
    std::vector<BotView> out;
    for (const auto& [sym, slot] : routes_) out.push_back({sym, slot->stats, slot->queue});
    return out;
}

bool Supervisor::all_progressing(std::chrono::milliseconds max_stall) const {
    const std::int64_t now = BotStats::steady_now_ms();
    std::shared_lock<std::shared_mutex> routes(route_mu_);
    for (const auto& [sym, slot] : routes_) {
        if (slot->stats->failed.load()) continue;
        if (now - slot->stats->last_progress_ms.load() > max_stall.count()) return false;
    }
    return true;
}

}  // namespace bot
