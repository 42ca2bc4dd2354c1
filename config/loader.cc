#include "config/loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <utility>
#include <variant>
#include <vector>

#include "config/safe_text.h"
#include "config/validate.h"

namespace config {

// Both parts quote what the file said (a value, a file name, the parser's last token), so both go
// through safe_text: a URL's credentials and raw bytes never reach the operator's terminal.
ConfigError::ConfigError(std::string where, std::string problem)
    : std::runtime_error(safe_text(where) + ": " + safe_text(problem)),
      key_path_(safe_text(where)),
      problem_(safe_text(problem)) {}

namespace {

using nlohmann::json;

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1, column 5:
// <detail>"; we keep only the detail, since we report the position ourselves.
std::string parse_error_detail(const json::parse_error& e) {
    std::string what = e.what();
    auto colon = what.find(": ");
    return colon == std::string::npos ? what : what.substr(colon + 2);
}

// Line and column (both from 1) of byte offset `pos` in `text`. Columns count UTF-8 characters,
// which is what an editor shows, not bytes.
std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t pos) {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < pos && i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            ++line;
            column = 1;
        } else if ((c & 0xC0) != 0x80) {  // not a UTF-8 continuation byte
            ++column;
        }
    }
    return {line, column};
}

// nlohmann keeps the last of two equal keys without a word. A repeated key in a config file is
// nearly always an edit gone wrong (the operator changed one copy and the other wins), so it is
// refused. The parser callback sees keys and nesting but not paths, so we track them here.
class DuplicateKeyCheck {
public:
    bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
        switch (event) {
            case json::parse_event_t::object_start:
                frames_.push_back(Frame{true, {}, {}, 0});
                break;
            case json::parse_event_t::array_start:
                frames_.push_back(Frame{false, {}, {}, 0});
                break;
            case json::parse_event_t::key: {
                Frame& top = frames_.back();
                top.key = parsed.get<std::string>();
                if (!top.keys.insert(top.key).second) throw ConfigError(path(), "duplicate key");
                break;
            }
            case json::parse_event_t::object_end:
            case json::parse_event_t::array_end:
                frames_.pop_back();
                element_done();
                break;
            case json::parse_event_t::value:
                element_done();
                break;
        }
        return true;
    }

    // Where the parser is: the key path of the value being read ("" at the top level).
    std::string path() const {
        std::string p;
        for (const Frame& f : frames_) {
            if (f.is_object) {
                if (!p.empty()) p += '.';
                p += detail::key_segment(f.key);
            } else {
                p += '[' + std::to_string(f.index) + ']';
            }
        }
        return p;
    }

private:
    struct Frame {
        bool is_object;
        std::set<std::string> keys;
        std::string key;    // objects: the key being read
        std::size_t index;  // arrays: the element being read
    };

    void element_done() {
        if (!frames_.empty() && !frames_.back().is_object) ++frames_.back().index;
    }

    std::vector<Frame> frames_;
};

// The number nlohmann could not hold, from its message ("... number overflow parsing '1e400'").
std::string overflowing_number(const json::out_of_range& e) {
    const std::string what = e.what();
    const auto open = what.find('\'');
    const auto close = open == std::string::npos ? open : what.find('\'', open + 1);
    if (close == std::string::npos) return "number";
    return "number " + what.substr(open + 1, close - open - 1);
}

json parse_json(std::string_view text, std::string_view source_name) {
    DuplicateKeyCheck check;
    try {
        return json::parse(text.begin(), text.end(), std::ref(check));
    } catch (const json::out_of_range& e) {
        // A number beyond double range (1e400): nlohmann throws this while parsing, where the
        // callback still knows which key the number belongs to.
        const std::string where = check.path();
        throw ConfigError(where.empty() ? "(top level)" : where,
                          overflowing_number(e) + " is out of range (beyond what a double holds)");
    } catch (const json::parse_error& e) {
        std::string detail = parse_error_detail(e);
        // e.byte counts the characters read, the offending one included; at the end of input the
        // last one read is not the culprit, so point just past the end instead.
        std::size_t pos = e.byte == 0 ? 0 : e.byte - 1;
        if (detail.find("unexpected end of input") != std::string::npos) pos = text.size();
        auto [line, column] = line_column(text, pos);
        throw ConfigError(std::string(source_name), "invalid JSON at line " + std::to_string(line) +
                                                        " column " + std::to_string(column) + ": " +
                                                        detail);
    }
}

// Every parameter of the strategy (the loader filled in the defaults): integers as numbers,
// decimals as exact strings.
json strategy_to_json(const StrategyConfig& s) {
    json j = {{"name", s.name}, {"interval", s.interval}};
    for (const auto& [key, value] : s.params) {
        if (const int* i = std::get_if<int>(&value)) {
            j[key] = *i;
        } else {
            j[key] = std::get<Decimal>(value).to_string();
        }
    }
    return j;
}

json optional_decimal(const std::optional<Decimal>& d) {
    return d ? json(d->to_string()) : json(nullptr);
}

}  // namespace

json to_json(const RiskConfig& r) {
    return {{"stop_loss_pct", optional_decimal(r.stop_loss_pct)},
            {"take_profit_pct", optional_decimal(r.take_profit_pct)},
            {"trailing_stop_pct", optional_decimal(r.trailing_stop_pct)},
            {"max_daily_loss_quote", optional_decimal(r.max_daily_loss_quote)},
            {"cooldown_candles", r.cooldown_candles}};
}

Config parse_config(std::string_view json_text, const StrategyCatalog& strategies,
                    std::string_view source_name) {
    return detail::config_from_json(parse_json(json_text, source_name), strategies);
}

namespace {

// What fstat says a path is, for "not a regular file (...)".
const char* file_kind(mode_t mode) {
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a plain file";
}

}  // namespace

Config load_config_file(const std::string& path, const StrategyCatalog& strategies) {
    // POSIX read rather than ifstream: ifstream hides errno (ENOENT, EACCES, EISDIR), which is
    // the part of the message the operator needs.
    auto unreadable = [&path](int err) {
        return ConfigError(path, std::string("cannot read: ") + std::strerror(err));
    };
    // O_NONBLOCK: opening a FIFO must not wait for a writer that may never come (SIGHUP re-reads
    // the file on the main thread). It changes nothing for a regular file.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) throw unreadable(errno);
    std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) { ::close(*f); });
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw unreadable(errno);
    if (S_ISDIR(st.st_mode)) throw unreadable(EISDIR);
    // A device or a FIFO never ends (/dev/zero, /dev/urandom) or may never answer: only a
    // regular file is read, and only up to a size no real config comes near.
    if (!S_ISREG(st.st_mode)) {
        throw ConfigError(
            path, std::string("cannot read: ") + file_kind(st.st_mode) + ", not a regular file");
    }
    auto too_large = [&path](std::uint64_t size) {
        return ConfigError(path, "cannot read: " + std::to_string(size) +
                                     " bytes; a config file may hold at most " +
                                     std::to_string(kMaxConfigBytes) + " bytes (1 MiB)");
    };
    if (static_cast<std::uint64_t>(st.st_size) > kMaxConfigBytes) throw too_large(st.st_size);
    std::string text;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            throw unreadable(errno);
        }
        text.append(buf, static_cast<std::size_t>(n));
        // The file may grow while it is read: the limit holds for what is read, too.
        if (text.size() > kMaxConfigBytes) throw too_large(text.size());
    }
    return parse_config(text, strategies, path);
}

namespace {

// One backend or the other, as parse_config accepts it back.
json database_to_json(const DatabaseConfig& d) {
    if (!d.url) return {{"path", d.path}, {"busy_timeout_ms", d.busy_timeout_ms}};
    return {{"url", *d.url},
            {"lease_s", d.lease_s},
            {"node", d.node ? json(*d.node) : json(nullptr)},
            {"busy_timeout_ms", d.busy_timeout_ms},
            {"connect_timeout_s", d.connect_timeout_s},
            {"statement_timeout_ms", d.statement_timeout_ms},
            {"lock_timeout_ms", d.lock_timeout_ms},
            {"keepalive_s", d.keepalive_s}};
}

}  // namespace

nlohmann::json to_json(const Config& c) {
    json symbols = json::array();
    for (const SymbolConfig& s : c.symbols) {
        symbols.push_back({{"symbol", s.symbol},
                           {"strategy", strategy_to_json(s.strategy)},
                           {"risk", to_json(s.risk)}});
    }
    return {
        {"database", database_to_json(c.database)},
        {"exchange",
         {{"name", c.exchange.name},
          {"ws_url", c.exchange.ws_url},
          {"rest_url", c.exchange.rest_url},
          {"ca_file", c.exchange.ca_file ? json(*c.exchange.ca_file) : json(nullptr)},
          {"sim",
           {{"seed", c.exchange.sim.seed},
            {"tick_ms", c.exchange.sim.tick_ms},
            {"script", c.exchange.sim.script ? json(*c.exchange.sim.script) : json(nullptr)}}}}},
        {"trading",
         {{"mode", c.trading.mode},
          {"quote_per_trade", c.trading.quote_per_trade.to_string()},
          {"max_position_quote", c.trading.max_position_quote.to_string()},
          {"fee_rate", c.trading.fee_rate.to_string()}}},
        {"strategy", strategy_to_json(c.strategy)},
        {"risk", to_json(c.risk)},
        {"symbols", std::move(symbols)},
        {"log",
         {{"level", c.log.level}, {"heartbeat_s", c.log.heartbeat_s}, {"format", c.log.format}}},
        {"metrics", {{"listen", c.metrics.listen ? json(*c.metrics.listen) : json(nullptr)}}},
        {"market_data",
         {{"record_dir",
           c.market_data.record_dir ? json(*c.market_data.record_dir) : json(nullptr)}}},
    };
}

}  // namespace config
