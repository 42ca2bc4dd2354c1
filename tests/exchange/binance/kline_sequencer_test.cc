// KlineSequencer without sockets: ordering, de-duplication, gap detection, back-fill paging and
// merge, holes that do not close, reconnects during a back-fill, and resuming after a warm-up.
// Candles are 1m, named by their minute: open time = minute * 60000.
#include "exchange/binance/kline_sequencer.h"

#include <catch2/catch.hpp>

using exchange::Kline;
using exchange::binance::KlineSequencer;
using exchange::binance::SequencerStep;

namespace {

constexpr std::int64_t kMinute = 60'000;

Kline candle(std::int64_t minute, bool closed = true, const char* interval = "1m") {
    Kline k;
    k.symbol = "BTCUSDT";
    k.interval = interval;
    k.open_time_ms = minute * kMinute;
    k.close_time_ms = k.open_time_ms + kMinute - 1;
    k.close = config::Decimal::from_int(100 + minute);
    k.closed = closed;
    return k;
}

std::vector<Kline> candles(std::initializer_list<std::int64_t> minutes) {
    std::vector<Kline> out;
    for (auto m : minutes) out.push_back(candle(m, /*closed=*/false));  // as REST has them
    return out;
}

// The minutes delivered, closed ones as m, updates as -m - 1000 (so that they stand out).
std::vector<std::int64_t> minutes(const SequencerStep& step) {
    std::vector<std::int64_t> out;
    for (const auto& k : step.deliver) {
        out.push_back(k.closed ? k.open_time_ms / kMinute : -(k.open_time_ms / kMinute) - 1000);
    }
    return out;
}

// Well after every candle used here: nothing in a page is still open.
constexpr std::int64_t kLater = 1'000 * kMinute;
constexpr std::size_t kPage = 1000;

}  // namespace

TEST_CASE("sequencer: closed klines in order, each once", "[sequencer]") {
    KlineSequencer s("1m");
    CHECK(minutes(s.on_stream(candle(1))) == std::vector<std::int64_t>{1});
    CHECK(minutes(s.on_stream(candle(2))) == std::vector<std::int64_t>{2});
    CHECK(s.on_stream(candle(2)).deliver.empty());              // a replay
    CHECK(s.on_stream(candle(1)).deliver.empty());              // older
    CHECK(s.on_stream(candle(3, true, "5m")).deliver.empty());  // not this symbol's interval
    CHECK(s.last_delivered() == 2 * kMinute);
    // Updates of the open candle pass when newer than the last close.
    CHECK(minutes(s.on_stream(candle(3, false))) == std::vector<std::int64_t>{-1003});
    CHECK(s.on_stream(candle(2, false)).deliver.empty());
    CHECK_FALSE(s.backfilling());
}

TEST_CASE("sequencer: a gap starts a back-fill whose page is merged with what the stream held",
          "[sequencer]") {
    KlineSequencer s("1m");
    (void)s.on_stream(candle(1));
    SequencerStep gap = s.on_stream(candle(4));
    CHECK(gap.deliver.empty());
    REQUIRE(gap.gap);
    CHECK(*gap.gap == std::make_pair(1 * kMinute, 4 * kMinute));
    REQUIRE(gap.fetch_from);
    CHECK(*gap.fetch_from == 1 * kMinute + 1);
    CHECK(gap.fetch_after_rounds == 0);
    CHECK(s.backfilling());

    // Meanwhile: the stream's closes are held, its updates dropped.
    CHECK(s.on_stream(candle(5)).deliver.empty());
    CHECK(s.on_stream(candle(6, false)).deliver.empty());

    // REST has 2, 3, 4 (4 also came from the stream) and 6, still open "now".
    auto page = candles({2, 3, 4, 6});
    SequencerStep done = s.on_backfill_page(page, 1 * kMinute + 1, kPage, 6 * kMinute + 1);
    CHECK(minutes(done) == std::vector<std::int64_t>{2, 3, 4, 5});
    CHECK_FALSE(done.fetch_from);
    REQUIRE(done.backfilled);
    CHECK(*done.backfilled == std::make_pair(1 * kMinute, 5 * kMinute));
    CHECK_FALSE(s.backfilling());
    // 6 comes from the stream as usual.
    CHECK(minutes(s.on_stream(candle(6))) == std::vector<std::int64_t>{6});
}

TEST_CASE("sequencer: a full page asks for the next one", "[sequencer]") {
    KlineSequencer s("1m");
    (void)s.on_stream(candle(1));
    (void)s.on_stream(candle(7));
    SequencerStep more = s.on_backfill_page(candles({2, 3}), 1 * kMinute + 1, 2, kLater);
    CHECK(more.deliver.empty());
    REQUIRE(more.fetch_from);
    CHECK(*more.fetch_from == 3 * kMinute + 1);
    CHECK(more.fetch_after_rounds == 0);
    SequencerStep last = s.on_backfill_page(candles({4, 5, 6}), 3 * kMinute + 1, 4, kLater);
    CHECK(minutes(last) == std::vector<std::int64_t>{2, 3, 4, 5, 6, 7});
    CHECK(last.backfilled);
}

TEST_CASE("sequencer: a hole is fetched again, then passed over after three rounds",
          "[sequencer]") {
    KlineSequencer s("1m");
    (void)s.on_stream(candle(1));
    (void)s.on_stream(candle(5));  // gap: 2, 3, 4 missing
    // REST has 2 but not 3 or 4 (not yet, or never).
    SequencerStep round = s.on_backfill_page(candles({2}), 1 * kMinute + 1, kPage, kLater);
    CHECK(minutes(round) == std::vector<std::int64_t>{2});
    REQUIRE(round.fetch_from);
    CHECK(*round.fetch_from == 2 * kMinute + 1);
    CHECK(round.fetch_after_rounds == 1);
    for (int expected_round = 2; expected_round <= KlineSequencer::kMaxStuckRounds;
         ++expected_round) {
        INFO("round " << expected_round);
        round = s.on_backfill_page({}, 2 * kMinute + 1, kPage, kLater);
        CHECK(round.deliver.empty());
        REQUIRE(round.fetch_from);
        CHECK(round.fetch_after_rounds == expected_round);
        CHECK(s.backfilling());
    }
    round = s.on_backfill_page({}, 2 * kMinute + 1, kPage, kLater);
    CHECK(minutes(round) == std::vector<std::int64_t>{5});
    REQUIRE(round.passed_over.size() == 1);
    CHECK(round.passed_over[0] == std::make_pair(2 * kMinute, 5 * kMinute));
    CHECK_FALSE(round.fetch_from);
    CHECK_FALSE(s.backfilling());
}

TEST_CASE("sequencer: a reconnect during a back-fill asks again once it is back", "[sequencer]") {
    KlineSequencer s("1m");
    CHECK_FALSE(s.on_connected(10).fetch_from);  // the first connection: warm-up came before
    (void)s.on_stream(candle(1));
    SequencerStep again = s.on_connected(2 * kMinute);  // a reconnect: fetch what was missed
    REQUIRE(again.fetch_from);
    CHECK(*again.fetch_from == 1 * kMinute + 1);
    CHECK_FALSE(s.on_connected(3 * kMinute).fetch_from);  // in flight: remembered, not sent
    SequencerStep after = s.on_backfill_page(candles({2}), 1 * kMinute + 1, kPage, kLater);
    CHECK(minutes(after) == std::vector<std::int64_t>{2});
    REQUIRE(after.fetch_from);  // once more, at once
    CHECK(*after.fetch_from == 2 * kMinute + 1);
    CHECK(after.fetch_after_rounds == 0);
    SequencerStep done = s.on_backfill_page(candles({3}), 2 * kMinute + 1, kPage, kLater);
    CHECK(minutes(done) == std::vector<std::int64_t>{3});
    CHECK(done.backfilled);
}

TEST_CASE("sequencer: a reconnect before any close back-fills from the first connection",
          "[sequencer]") {
    KlineSequencer s("1m");
    (void)s.on_connected(10 * kMinute + 30'000);  // stream began during minute 10
    SequencerStep again = s.on_connected(13 * kMinute);
    REQUIRE(again.fetch_from);
    CHECK(*again.fetch_from == 9 * kMinute + 30'000);  // the candle open at the first connection
    SequencerStep done = s.on_backfill_page(candles({10, 11, 12}), *again.fetch_from, kPage,
                                            12 * kMinute + 59'999);  // 12 is still open
    CHECK(minutes(done) == std::vector<std::int64_t>{10, 11});
}

TEST_CASE("sequencer: resuming after a warm-up", "[sequencer]") {
    KlineSequencer s("1m");
    // Before any connection: only the mark moves.
    CHECK_FALSE(s.resume_after(4 * kMinute, /*connected=*/false).fetch_from);
    CHECK(s.last_delivered() == 4 * kMinute);
    CHECK(s.on_stream(candle(4)).deliver.empty());  // the warm-up had it
    // The first connection continues right after the warm-up, fetching what closed since.
    SequencerStep first = s.on_connected(6 * kMinute);
    REQUIRE(first.fetch_from);
    CHECK(*first.fetch_from == 4 * kMinute + 1);
    CHECK(minutes(s.on_backfill_page(candles({5}), 4 * kMinute + 1, kPage, kLater)) ==
          std::vector<std::int64_t>{5});

    // Connected already: a later mark back-fills at once; an older one changes nothing.
    SequencerStep later = s.resume_after(8 * kMinute, /*connected=*/true);
    REQUIRE(later.fetch_from);
    CHECK(*later.fetch_from == 8 * kMinute + 1);
    CHECK(s.on_backfill_page({}, 8 * kMinute + 1, kPage, kLater).backfilled);
    CHECK_FALSE(s.resume_after(7 * kMinute, /*connected=*/true).fetch_from);
    CHECK(s.last_delivered() == 8 * kMinute);
}

TEST_CASE("sequencer: back-fill failures are counted per back-fill", "[sequencer]") {
    KlineSequencer s("1m");
    (void)s.on_stream(candle(1));
    (void)s.on_stream(candle(3));
    CHECK(s.note_fetch_failure() == 0);
    CHECK(s.note_fetch_failure() == 1);
    CHECK(s.on_backfill_page(candles({2}), 1 * kMinute + 1, kPage, kLater).backfilled);
    (void)s.on_stream(candle(5));  // a new gap, a new back-fill
    CHECK(s.note_fetch_failure() == 0);
    // A page that arrives when no back-fill runs (a late answer) is ignored.
    KlineSequencer idle("1m");
    CHECK(idle.on_backfill_page(candles({1}), 0, kPage, kLater).deliver.empty());
}

TEST_CASE("sequencer: consecutive monthly candles 31 days apart are no gap", "[sequencer]") {
    KlineSequencer s("1M");
    constexpr std::int64_t kDay = 86'400'000;
    Kline jan = candle(0, true, "1M");
    Kline feb = candle(0, true, "1M");
    feb.open_time_ms = 31 * kDay;  // January has 31 days
    CHECK(s.on_stream(jan).deliver.size() == 1);
    SequencerStep step = s.on_stream(feb);
    CHECK(step.deliver.size() == 1);
    CHECK_FALSE(step.gap);
}
