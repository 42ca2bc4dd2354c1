// Prometheus rendering, byte for byte: families in order, HELP/TYPE once per family, counters
// ending in _total, cumulative histogram buckets with le labels, exact decimals, escaping.
#include "service/metrics.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

using config::Decimal;
using service::BotMetrics;
using service::MetricsSnapshot;

namespace {

MetricsSnapshot sample_snapshot() {
    MetricsSnapshot s;
    s.version = "1.2.3";
    s.healthy = false;

    BotMetrics btc;
    btc.symbol = "BTCUSDT";
    btc.events = 120;
    btc.closed_klines = 20;
    btc.signals = 3;
    btc.orders = 2;
    btc.fills = 2;
    btc.restarts = 1;
    btc.dropped_events = 5;
    btc.queue_depth = 7;
    btc.queue_capacity = 4096;
    btc.running = true;
    btc.progress_age_s = 0.25;
    btc.last_event_age_s = 0.5;
    btc.position_quantity = Decimal::from_string("0.0015");
    btc.avg_entry_price = Decimal::from_string("64000.5");
    btc.last_price = Decimal::from_string("64100");
    btc.realized_pnl = Decimal::from_string("-0.1");
    btc.unrealized_pnl = Decimal::from_string("0.14925");
    s.bots.push_back(btc);

    BotMetrics xrp;  // not running yet, no event yet: no last_event_age sample
    xrp.symbol = "XRPUSDT";
    xrp.queue_capacity = 4096;
    xrp.progress_age_s = 1.5;
    s.bots.push_back(xrp);

    s.stream.messages = 1000;
    s.stream.malformed = 1;
    s.stream.reconnects = 2;
    s.stream.last_message_age_s = 0.125;
    s.unrouted_events = 4;

    auto& st = s.storage;
    st.batches = 50;
    st.transactions = 20;
    st.max_group = 6;
    st.queued = 1;
    st.commit_us_sum = 12345;
    // Per bucket: <=100us 2, <=250us 5, <=500us 8, <=1ms 3, <=5ms 1, above 1 s 1.
    st.commit_latency_counts = {2, 5, 8, 3, 0, 1, 0, 0, 0, 0, 1};
    return s;
}

const char* const kExpected =
    "# HELP tradebot_build_info tradebotd version; always 1.\n"
    "# TYPE tradebot_build_info gauge\n"
    "tradebot_build_info{version=\"1.2.3\"} 1\n"
    "# HELP tradebot_healthy 1 when every bot is making progress and storage is not stalled "
    "(/healthz 200).\n"
    "# TYPE tradebot_healthy gauge\n"
    "tradebot_healthy 0\n"
    "# HELP tradebot_events_total Market events the bot took from its queue.\n"
    "# TYPE tradebot_events_total counter\n"
    "tradebot_events_total{symbol=\"BTCUSDT\"} 120\n"
    "tradebot_events_total{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_closed_klines_total Closed candles fed to the strategy.\n"
    "# TYPE tradebot_closed_klines_total counter\n"
    "tradebot_closed_klines_total{symbol=\"BTCUSDT\"} 20\n"
    "tradebot_closed_klines_total{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_signals_total Strategy signals committed.\n"
    "# TYPE tradebot_signals_total counter\n"
    "tradebot_signals_total{symbol=\"BTCUSDT\"} 3\n"
    "tradebot_signals_total{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_orders_total Orders sent to the gateway.\n"
    "# TYPE tradebot_orders_total counter\n"
    "tradebot_orders_total{symbol=\"BTCUSDT\"} 2\n"
    "tradebot_orders_total{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_fills_total Fills committed.\n"
    "# TYPE tradebot_fills_total counter\n"
    "tradebot_fills_total{symbol=\"BTCUSDT\"} 2\n"
    "tradebot_fills_total{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_orders_rejected_total Orders the gateway rejected.\n"
    "# TYPE tradebot_orders_rejected_total counter\n"
    "tradebot_orders_rejected_total{symbol=\"BTCUSDT\"} 0\n"
    "tradebot_orders_rejected_total{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_storage_errors_total Writes of this bot that failed for good.\n"
    "# TYPE tradebot_storage_errors_total counter\n"
    "tradebot_storage_errors_total{symbol=\"BTCUSDT\"} 0\n"
    "tradebot_storage_errors_total{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_bot_restarts_total Bot restarts after an exception.\n"
    "# TYPE tradebot_bot_restarts_total counter\n"
    "tradebot_bot_restarts_total{symbol=\"BTCUSDT\"} 1\n"
    "tradebot_bot_restarts_total{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_dropped_events_total Kline updates, trades and tickers dropped because the "
    "bot's queue was full.\n"
    "# TYPE tradebot_dropped_events_total counter\n"
    "tradebot_dropped_events_total{symbol=\"BTCUSDT\"} 5\n"
    "tradebot_dropped_events_total{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_lost_closes_total Closed candles dropped because the bot's queue held "
    "nothing else.\n"
    "# TYPE tradebot_lost_closes_total counter\n"
    "tradebot_lost_closes_total{symbol=\"BTCUSDT\"} 0\n"
    "tradebot_lost_closes_total{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_queue_depth Events waiting in the bot's queue.\n"
    "# TYPE tradebot_queue_depth gauge\n"
    "tradebot_queue_depth{symbol=\"BTCUSDT\"} 7\n"
    "tradebot_queue_depth{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_queue_capacity Capacity of the bot's queue.\n"
    "# TYPE tradebot_queue_capacity gauge\n"
    "tradebot_queue_capacity{symbol=\"BTCUSDT\"} 4096\n"
    "tradebot_queue_capacity{symbol=\"XRPUSDT\"} 4096\n"
    "# HELP tradebot_bot_running 1 while the bot loop runs (0: starting, restart backoff, "
    "stopped).\n"
    "# TYPE tradebot_bot_running gauge\n"
    "tradebot_bot_running{symbol=\"BTCUSDT\"} 1\n"
    "tradebot_bot_running{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_bot_failed 1 when the symbol was stopped for good.\n"
    "# TYPE tradebot_bot_failed gauge\n"
    "tradebot_bot_failed{symbol=\"BTCUSDT\"} 0\n"
    "tradebot_bot_failed{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_bot_progress_age_seconds Seconds since the bot loop last turned (a stuck "
    "bot grows this).\n"
    "# TYPE tradebot_bot_progress_age_seconds gauge\n"
    "tradebot_bot_progress_age_seconds{symbol=\"BTCUSDT\"} 0.25\n"
    "tradebot_bot_progress_age_seconds{symbol=\"XRPUSDT\"} 1.5\n"
    "# HELP tradebot_last_event_age_seconds Seconds since the bot took its last market event "
    "(absent before the first).\n"
    "# TYPE tradebot_last_event_age_seconds gauge\n"
    "tradebot_last_event_age_seconds{symbol=\"BTCUSDT\"} 0.5\n"
    "# HELP tradebot_position_quantity Position in the base asset.\n"
    "# TYPE tradebot_position_quantity gauge\n"
    "tradebot_position_quantity{symbol=\"BTCUSDT\"} 0.0015\n"
    "tradebot_position_quantity{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_position_avg_entry_price Average entry price of the position.\n"
    "# TYPE tradebot_position_avg_entry_price gauge\n"
    "tradebot_position_avg_entry_price{symbol=\"BTCUSDT\"} 64000.5\n"
    "tradebot_position_avg_entry_price{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_last_price Last price seen (0 before the first).\n"
    "# TYPE tradebot_last_price gauge\n"
    "tradebot_last_price{symbol=\"BTCUSDT\"} 64100\n"
    "tradebot_last_price{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_realized_pnl Realized PnL in the quote asset, fees included.\n"
    "# TYPE tradebot_realized_pnl gauge\n"
    "tradebot_realized_pnl{symbol=\"BTCUSDT\"} -0.1\n"
    "tradebot_realized_pnl{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_unrealized_pnl Unrealized PnL of the position at the last price, in the "
    "quote asset.\n"
    "# TYPE tradebot_unrealized_pnl gauge\n"
    "tradebot_unrealized_pnl{symbol=\"BTCUSDT\"} 0.14925\n"
    "tradebot_unrealized_pnl{symbol=\"XRPUSDT\"} 0\n"
    "# HELP tradebot_stream_messages_total Market stream messages received (frames, or simulated "
    "ticks).\n"
    "# TYPE tradebot_stream_messages_total counter\n"
    "tradebot_stream_messages_total 1000\n"
    "# HELP tradebot_stream_malformed_total Market stream messages that could not be parsed.\n"
    "# TYPE tradebot_stream_malformed_total counter\n"
    "tradebot_stream_malformed_total 1\n"
    "# HELP tradebot_stream_reconnects_total Market stream connections re-established after a "
    "drop or silence.\n"
    "# TYPE tradebot_stream_reconnects_total counter\n"
    "tradebot_stream_reconnects_total 2\n"
    "# HELP tradebot_stream_last_message_age_seconds Seconds since the last market stream message "
    "(absent before the first).\n"
    "# TYPE tradebot_stream_last_message_age_seconds gauge\n"
    "tradebot_stream_last_message_age_seconds 0.125\n"
    "# HELP tradebot_unrouted_events_total Market events for a symbol with no running bot.\n"
    "# TYPE tradebot_unrouted_events_total counter\n"
    "tradebot_unrouted_events_total 4\n"
    "# HELP tradebot_storage_commit_latency_seconds Duration of storage COMMITs (one per group of "
    "batches).\n"
    "# TYPE tradebot_storage_commit_latency_seconds histogram\n"
    "tradebot_storage_commit_latency_seconds_bucket{le=\"0.0001\"} 2\n"
    "tradebot_storage_commit_latency_seconds_bucket{le=\"0.00025\"} 7\n"
    "tradebot_storage_commit_latency_seconds_bucket{le=\"0.0005\"} 15\n"
    "tradebot_storage_commit_latency_seconds_bucket{le=\"0.001\"} 18\n"
    "tradebot_storage_commit_latency_seconds_bucket{le=\"0.0025\"} 18\n"
    "tradebot_storage_commit_latency_seconds_bucket{le=\"0.005\"} 19\n"
    "tradebot_storage_commit_latency_seconds_bucket{le=\"0.01\"} 19\n"
    "tradebot_storage_commit_latency_seconds_bucket{le=\"0.025\"} 19\n"
    "tradebot_storage_commit_latency_seconds_bucket{le=\"0.1\"} 19\n"
    "tradebot_storage_commit_latency_seconds_bucket{le=\"1\"} 19\n"
    "tradebot_storage_commit_latency_seconds_bucket{le=\"+Inf\"} 20\n"
    "tradebot_storage_commit_latency_seconds_sum 0.012345\n"
    "tradebot_storage_commit_latency_seconds_count 20\n"
    "# HELP tradebot_storage_batches_total Write batches committed.\n"
    "# TYPE tradebot_storage_batches_total counter\n"
    "tradebot_storage_batches_total 50\n"
    "# HELP tradebot_storage_transactions_total Transactions committed; batches_total / "
    "transactions_total is the mean group size.\n"
    "# TYPE tradebot_storage_transactions_total counter\n"
    "tradebot_storage_transactions_total 20\n"
    "# HELP tradebot_storage_max_group_batches Largest group committed in one transaction, in "
    "batches.\n"
    "# TYPE tradebot_storage_max_group_batches gauge\n"
    "tradebot_storage_max_group_batches 6\n"
    "# HELP tradebot_storage_queued_batches Batches waiting to be committed.\n"
    "# TYPE tradebot_storage_queued_batches gauge\n"
    "tradebot_storage_queued_batches 1\n"
    "# HELP tradebot_storage_stalled 1 while commits are being retried (database locked, disk "
    "full, I/O error).\n"
    "# TYPE tradebot_storage_stalled gauge\n"
    "tradebot_storage_stalled 0\n"
    "# HELP tradebot_storage_retries_total Rolled-back commit attempts that were retried.\n"
    "# TYPE tradebot_storage_retries_total counter\n"
    "tradebot_storage_retries_total 0\n"
    "# HELP tradebot_storage_failed_batches_total Batches that failed for good.\n"
    "# TYPE tradebot_storage_failed_batches_total counter\n"
    "tradebot_storage_failed_batches_total 0\n"
    "# HELP tradebot_storage_forced_checkpoints_total TRUNCATE checkpoints the WAL size bound "
    "needed.\n"
    "# TYPE tradebot_storage_forced_checkpoints_total counter\n"
    "tradebot_storage_forced_checkpoints_total 0\n";

}  // namespace

TEST_CASE("render_metrics: the whole exposition, byte for byte", "[metrics]") {
    std::string text = service::render_metrics(sample_snapshot());
    // Line by line first, so a mismatch names its line.
    std::string expected = kExpected;
    std::size_t a = 0, b = 0;
    while (a < text.size() && b < expected.size()) {
        std::size_t ea = text.find('\n', a), eb = expected.find('\n', b);
        INFO("line of expected: " << expected.substr(b, eb - b));
        REQUIRE(text.substr(a, ea - a) == expected.substr(b, eb - b));
        a = ea + 1;
        b = eb + 1;
    }
    CHECK(text == expected);
}

TEST_CASE("render_metrics: an empty daemon still renders every family", "[metrics]") {
    MetricsSnapshot s;
    s.version = "0";
    std::string text = service::render_metrics(s);
    CHECK(text.find("# TYPE tradebot_events_total counter\n# HELP tradebot_closed_klines_total") !=
          std::string::npos);
    CHECK(text.find("tradebot_storage_commit_latency_seconds_bucket{le=\"+Inf\"} 0\n") !=
          std::string::npos);
    CHECK(text.find("tradebot_storage_commit_latency_seconds_sum 0\n") != std::string::npos);
    CHECK(text.find("\ntradebot_stream_last_message_age_seconds ") == std::string::npos);
    CHECK(text.back() == '\n');
}

TEST_CASE("label values escape backslash, double quote and line feed", "[metrics]") {
    CHECK(service::escape_label_value("plain") == "plain");
    CHECK(service::escape_label_value("a\\b") == "a\\\\b");
    CHECK(service::escape_label_value("say \"hi\"") == "say \\\"hi\\\"");
    CHECK(service::escape_label_value("two\nlines") == "two\\nlines");
    MetricsSnapshot s;
    s.version = "1.0 \"beta\"\\x\n";
    CHECK(service::render_metrics(s).find(
              "tradebot_build_info{version=\"1.0 \\\"beta\\\"\\\\x\\n\"} 1\n") !=
          std::string::npos);
}

TEST_CASE("HELP text escapes backslash and line feed but not quotes", "[metrics]") {
    CHECK(service::escape_help("a \"b\" \\ c\nd") == "a \"b\" \\\\ c\\nd");
}

TEST_CASE("sample values: shortest round-trip text and the special values", "[metrics]") {
    CHECK(service::format_value(0) == "0");
    CHECK(service::format_value(1.5) == "1.5");
    CHECK(service::format_value(-2) == "-2");
    CHECK(service::format_value(0.1) == "0.1");
    CHECK(service::format_value(123456789) == "123456789");
    CHECK(service::format_value(std::numeric_limits<double>::infinity()) == "+Inf");
    CHECK(service::format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
    CHECK(service::format_value(std::nan("")) == "NaN");
}

TEST_CASE("histogram bounds: microseconds as exact decimal seconds", "[metrics]") {
    CHECK(service::micros_as_seconds(0) == "0");
    CHECK(service::micros_as_seconds(100) == "0.0001");
    CHECK(service::micros_as_seconds(250) == "0.00025");
    CHECK(service::micros_as_seconds(1000000) == "1");
    CHECK(service::micros_as_seconds(2500000) == "2.5");
    CHECK(service::micros_as_seconds(1) == "0.000001");
}
