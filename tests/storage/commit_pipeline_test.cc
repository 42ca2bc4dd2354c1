// The commit pipeline on its own, through a fake commit function: who leads, how groups form,
// per-caller results, retry, refusal, sticky failure, close, and lifetimes. The SQLite side is
// covered by the other storage suites.
#include "storage/pipeline/commit_pipeline.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "test_helpers.h"

using storage::Code;
using storage::CommitPipeline;
using storage::Group;
using storage::GroupOutcome;
using storage::WriteBatch;
using storage_test::eventually;
using storage_test::fast_retry;
using namespace std::chrono_literals;

namespace {

// A batch is one signal whose event_time_ms is its marker; the fake gives it id marker * 10 + 1.
WriteBatch batch(std::int64_t marker) {
    storage::Signal s;
    s.symbol = "T";
    s.side = "BUY";
    s.price = "1";
    s.strategy = "fake";
    s.event_time_ms = marker;
    WriteBatch b;
    b.insert_signal(s);
    return b;
}

std::int64_t marker_of(const WriteBatch* b) {
    return std::get<storage::Signal>(b->ops().front()).event_time_ms;
}

// The engine behind the fake commit function. Everything it decides is set by the test.
class FakeEngine {
public:
    CommitPipeline::CommitFunction function() {
        return [this](Group group) { return commit(group); };
    }

    GroupOutcome commit(Group group) {
        std::unique_lock<std::mutex> lock(mu_);
        ++calls_;
        // Two leaders at once would be two commits inside here together.
        max_active_ = std::max(max_active_, ++active_);
        struct Leave {
            int& active;
            ~Leave() { --active; }  // runs with mu_ held: lock is released after it
        } leave{active_};
        cv_.notify_all();
        cv_.wait(lock, [&] { return gate_open_; });
        if (transient_left_ > 0 || fail_transient_) {
            if (transient_left_ > 0) --transient_left_;
            return GroupOutcome::transient("fake: database is locked");
        }
        if (sticky_on_call_ == calls_)
            return GroupOutcome::sticky("fake: database disk image is malformed");
        GroupOutcome out;
        group_sizes_.push_back(group.size());
        for (const WriteBatch* b : group) {
            const std::int64_t m = marker_of(b);
            if (refuse_.count(m)) {
                out.statuses.push_back(storage::Status(Code::kInvalid, "fake: refused"));
                out.results.emplace_back();
                continue;
            }
            committed_.push_back(m);
            out.statuses.emplace_back();
            out.results.push_back(storage::WriteResult{{m * 10 + 1}});
        }
        return out;
    }

    void close_gate() {
        set([&] { gate_open_ = false; });
    }
    void open_gate() {
        set([&] { gate_open_ = true; });
    }
    void fail_transient(int times) {
        set([&] { transient_left_ = times; });
    }
    void fail_transient_until_told(bool on) {
        set([&] { fail_transient_ = on; });
    }
    void refuse(std::int64_t marker) {
        set([&] { refuse_.insert(marker); });
    }
    void sticky_on_call(int n) {
        set([&] { sticky_on_call_ = n; });
    }

    // Waits (generously) until commit() has been entered `n` times.
    bool wait_calls(int n) {
        std::unique_lock<std::mutex> lock(mu_);
        return cv_.wait_for(lock, 60s, [&] { return calls_ >= n; });
    }
    int calls() {
        std::lock_guard<std::mutex> lock(mu_);
        return calls_;
    }
    std::vector<std::int64_t> committed() {
        std::lock_guard<std::mutex> lock(mu_);
        return committed_;
    }
    // The most commit() calls that were ever in progress at once.
    int max_active() {
        std::lock_guard<std::mutex> lock(mu_);
        return max_active_;
    }
    std::vector<std::size_t> group_sizes() {
        std::lock_guard<std::mutex> lock(mu_);
        return group_sizes_;
    }

private:
    template <class F>
    void set(F f) {
        std::lock_guard<std::mutex> lock(mu_);
        f();
        cv_.notify_all();
    }

    std::mutex mu_;
    std::condition_variable cv_;
    bool gate_open_ = true;
    int transient_left_ = 0;
    bool fail_transient_ = false;
    int sticky_on_call_ = 0;
    int calls_ = 0;
    int active_ = 0;
    int max_active_ = 0;
    std::set<std::int64_t> refuse_;
    std::vector<std::int64_t> committed_;
    std::vector<std::size_t> group_sizes_;
};

}  // namespace

TEST_CASE("pipeline: every caller gets its own result, in its order, each batch committed once",
          "[commit_pipeline][threads]") {
    FakeEngine engine;
    CommitPipeline pipeline("fake.db", fast_retry(), engine.function());
    constexpr int kThreads = 8;
    constexpr int kPerThread = 400;
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            std::vector<std::pair<std::int64_t, storage::WriteHandle>> pending;
            for (int i = 0; i < kPerThread; ++i) {
                const std::int64_t m = t * 100000 + i;
                if (t % 2 == 0) {  // half the callers wait for each write, half submit
                    auto r = pipeline.write(batch(m));
                    if (!r.is_ok() || r.value().ids != std::vector<std::int64_t>{m * 10 + 1}) {
                        ++wrong;
                    }
                } else {
                    pending.emplace_back(m, pipeline.submit(batch(m)));
                }
            }
            for (auto& [m, h] : pending) {
                auto r = h->wait();
                if (!r.is_ok() || r.value().ids != std::vector<std::int64_t>{m * 10 + 1}) ++wrong;
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(wrong == 0);
    const auto committed = engine.committed();
    CHECK(committed.size() == static_cast<size_t>(kThreads * kPerThread));
    CHECK(std::set<std::int64_t>(committed.begin(), committed.end()).size() == committed.size());
    // Each caller's batches were committed in the order it made them.
    std::map<std::int64_t, std::int64_t> last_of_thread;
    int out_of_order = 0;
    for (std::int64_t m : committed) {
        auto it = last_of_thread.find(m / 100000);
        if (it != last_of_thread.end() && it->second > m) ++out_of_order;
        last_of_thread[m / 100000] = m;
    }
    CHECK(out_of_order == 0);
    auto stats = pipeline.stats();
    CHECK(stats.batches == static_cast<std::uint64_t>(kThreads * kPerThread));
    CHECK(stats.queued == 0);
    CHECK(stats.failed == 0);
}

TEST_CASE("pipeline: writers that queue while a commit runs are gathered into the next group",
          "[commit_pipeline][threads]") {
    FakeEngine engine;
    CommitPipeline pipeline("fake.db", fast_retry(), engine.function());
    engine.close_gate();
    std::vector<std::future<storage::Result<storage::WriteResult>>> results;
    results.push_back(std::async(std::launch::async, [&] { return pipeline.write(batch(0)); }));
    REQUIRE(engine.wait_calls(1));  // the first writer leads alone and is inside the commit
    for (int i = 1; i <= 5; ++i) {
        results.push_back(
            std::async(std::launch::async, [&, i] { return pipeline.write(batch(i)); }));
    }
    REQUIRE(eventually([&] { return pipeline.stats().queued == 6; }));
    engine.open_gate();
    for (std::size_t i = 0; i < results.size(); ++i) {
        auto r = results[i].get();
        REQUIRE(r.is_ok());
        CHECK(r.value().ids.at(0) == static_cast<std::int64_t>(i) * 10 + 1);
    }
    CHECK(engine.group_sizes() == std::vector<std::size_t>{1, 5});
    auto stats = pipeline.stats();
    CHECK(stats.transactions == 2);
    CHECK(stats.max_group == 5);
}

TEST_CASE("pipeline: a transient failure is retried until it lands, nothing lost or doubled",
          "[commit_pipeline][threads]") {
    FakeEngine engine;
    auto sink = std::make_shared<storage_test::CaptureSink>();
    CommitPipeline pipeline("fake.db", fast_retry(sink), engine.function());
    engine.fail_transient(5);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                if (!pipeline.write(batch(t * 1000 + i)).is_ok()) ++failures;
            }
        });
    }
    std::vector<storage::WriteHandle> handles;
    for (int i = 0; i < 50; ++i) handles.push_back(pipeline.submit(batch(9000 + i)));
    for (auto& th : threads) th.join();
    for (auto& h : handles) CHECK(h->wait().is_ok());
    CHECK(failures == 0);
    const auto committed = engine.committed();
    CHECK(committed.size() == 250u);
    CHECK(std::set<std::int64_t>(committed.begin(), committed.end()).size() == 250u);
    auto stats = pipeline.stats();
    CHECK(stats.retries == 5);
    CHECK_FALSE(stats.stalled);
    CHECK(sink->count("commit failed (fake: database is locked)") == 1);
    CHECK(sink->count("commits resumed after 5 failed attempt(s)") == 1);
}

TEST_CASE("pipeline: a refused batch fails alone and the rest of its group commits",
          "[commit_pipeline][threads]") {
    FakeEngine engine;
    CommitPipeline pipeline("fake.db", fast_retry(), engine.function());
    engine.refuse(3);
    engine.close_gate();
    auto first = std::async(std::launch::async, [&] { return pipeline.write(batch(0)); });
    REQUIRE(engine.wait_calls(1));
    std::vector<storage::WriteHandle> handles;
    for (int i = 1; i <= 5; ++i) handles.push_back(pipeline.submit(batch(i)));
    engine.open_gate();
    REQUIRE(first.get().is_ok());
    for (int i = 1; i <= 5; ++i) {
        auto r = handles[static_cast<size_t>(i - 1)]->wait();
        if (i == 3) {
            CHECK(r.status().code() == Code::kInvalid);
        } else {
            CHECK(r.is_ok());
        }
    }
    CHECK(engine.group_sizes() == std::vector<std::size_t>{1, 5});
    CHECK(engine.committed() == std::vector<std::int64_t>{0, 1, 2, 4, 5});
    CHECK(pipeline.stats().failed == 1);
}

TEST_CASE("pipeline: a sticky failure fails its group, everything queued and every later write",
          "[commit_pipeline][threads]") {
    FakeEngine engine;
    CommitPipeline pipeline("fake.db", fast_retry(), engine.function());
    REQUIRE(pipeline.write(batch(0)).is_ok());  // call 1
    engine.sticky_on_call(2);
    engine.close_gate();
    auto second = std::async(std::launch::async, [&] { return pipeline.write(batch(1)); });
    REQUIRE(engine.wait_calls(2));
    std::vector<storage::WriteHandle> queued;
    for (int i = 2; i < 6; ++i) queued.push_back(pipeline.submit(batch(i)));
    engine.open_gate();
    CHECK(second.get().status().code() == Code::kError);
    for (auto& h : queued) CHECK(h->wait().status().code() == Code::kError);
    auto later = pipeline.write(batch(7));
    CHECK(later.status().code() == Code::kError);
    CHECK_THAT(later.status().message(), Catch::Contains("malformed"));
    CHECK(pipeline.submit(batch(8))->wait().status().code() == Code::kError);
    CHECK(engine.calls() == 2);  // nothing more reached the engine
    CHECK(engine.committed() == std::vector<std::int64_t>{0});
    CHECK_THAT(pipeline.stats().sticky_error, Catch::Contains("malformed"));
}

TEST_CASE("pipeline: close flushes what is queued, then refuses new writes",
          "[commit_pipeline][threads]") {
    FakeEngine engine;
    CommitPipeline pipeline("fake.db", fast_retry(), engine.function());
    engine.close_gate();
    std::vector<storage::WriteHandle> handles;
    for (int i = 0; i < 20; ++i) handles.push_back(pipeline.submit(batch(i)));
    REQUIRE(engine.wait_calls(1));
    auto closing = std::async(std::launch::async, [&] { return pipeline.close(); });
    engine.open_gate();
    CHECK(closing.get() == 0);
    for (auto& h : handles) CHECK(h->wait().is_ok());
    CHECK(engine.committed().size() == 20u);
    CHECK(pipeline.write(batch(99)).status().code() == Code::kClosed);
    CHECK(pipeline.submit(batch(99))->wait().status().code() == Code::kClosed);
    CHECK(pipeline.close() == 0);  // idempotent
}

TEST_CASE("pipeline: a close that cannot commit gives up at its deadline and counts what it left",
          "[commit_pipeline][threads]") {
    FakeEngine engine;
    CommitPipeline pipeline("fake.db", fast_retry(), engine.function());
    engine.fail_transient_until_told(true);
    std::vector<storage::WriteHandle> handles;
    for (int i = 0; i < 10; ++i) handles.push_back(pipeline.submit(batch(i)));
    auto blocked_writer = std::async(std::launch::async, [&] { return pipeline.write(batch(10)); });
    REQUIRE(eventually([&] { return pipeline.stats().stalled && pipeline.stats().queued == 11; }));
    const std::size_t left = pipeline.close(std::chrono::steady_clock::now() + 50ms);
    CHECK(left == 11);
    for (auto& h : handles) CHECK(h->wait().status().code() == Code::kClosed);
    CHECK(blocked_writer.get().status().code() == Code::kClosed);
    CHECK(engine.committed().empty());
    CHECK(pipeline.stats().failed == 11);
}

TEST_CASE("pipeline: dropping the last reference with writes queued and their handles gone",
          "[commit_pipeline][threads]") {
    // The shutdown case: the pipeline holds the last reference to each write, and the last
    // owner lets go of the pipeline while they are still queued. Every write must still land,
    // and nothing may wait on a lock its own thread holds.
    FakeEngine engine;
    auto pipeline = std::make_shared<CommitPipeline>("fake.db", fast_retry(), engine.function());
    engine.close_gate();
    for (int i = 0; i < 500; ++i) (void)pipeline->submit(batch(i));  // handles dropped at once
    REQUIRE(engine.wait_calls(1));
    auto opener = std::async(std::launch::async, [&] {
        std::this_thread::sleep_for(20ms);  // let the destructor reach close() first, mostly
        engine.open_gate();
    });
    pipeline.reset();  // closes: flushes everything queued
    opener.get();
    CHECK(engine.committed().size() == 500u);
}

TEST_CASE("pipeline: a caller the flusher just released may destroy the pipeline at once",
          "[commit_pipeline][threads]") {
    FakeEngine engine;
    for (int round = 0; round < 20; ++round) {
        auto pipeline =
            std::make_shared<CommitPipeline>("fake.db", fast_retry(), engine.function());
        std::vector<storage::WriteHandle> handles;
        for (int i = 0; i < 300; ++i) handles.push_back(pipeline->submit(batch(round * 1000 + i)));
        // Woken as the first of a large group: the flusher is still completing the others.
        REQUIRE(handles.front()->wait().is_ok());
        pipeline.reset();
        for (auto& h : handles) CHECK(h->wait().is_ok());  // handles outlive the pipeline
    }
    CHECK(engine.committed().size() == 20u * 300u);
}

TEST_CASE("pipeline: wait_for returns as soon as the write commits, not at its timeout",
          "[commit_pipeline][threads]") {
    FakeEngine engine;
    CommitPipeline pipeline("fake.db", fast_retry(), engine.function());
    engine.close_gate();
    auto handle = pipeline.submit(batch(1));
    REQUIRE(engine.wait_calls(1));
    // A bot's loop: short waits, checking its stop flag in between. The write stays queued.
    int pending_rounds = 0;
    for (int i = 0; i < 3; ++i) pending_rounds += handle->wait_for(5ms) ? 0 : 1;
    CHECK(pending_rounds == 3);
    CHECK_FALSE(handle->done());
    // A long wait ends with the commit: the waiter is woken, its timeout is far away.
    std::promise<bool> woke;
    std::thread waiter([&] { woke.set_value(handle->wait_for(std::chrono::minutes(2))); });
    engine.open_gate();
    auto result = woke.get_future();
    REQUIRE(result.wait_for(60s) == std::future_status::ready);
    CHECK(result.get());
    waiter.join();
    CHECK(handle->wait().is_ok());
}

TEST_CASE("pipeline: stats and handles never wait for a log line being written",
          "[commit_pipeline][threads]") {
    FakeEngine engine;
    auto sink = std::make_shared<storage_test::CaptureSink>();
    CommitPipeline pipeline("fake.db", fast_retry(sink), engine.function());
    sink->block_on("commit failed");  // the stall warning's write hangs, as on a full pipe
    engine.fail_transient_until_told(true);
    auto handle = pipeline.submit(batch(1));
    REQUIRE(eventually([&] { return sink->blocked() == 1; }));

    auto stats = std::async(std::launch::async, [&] { return pipeline.stats(); });
    const bool stats_answered = stats.wait_for(60s) == std::future_status::ready;
    auto waited = std::async(std::launch::async, [&] { return handle->wait_for(1ms); });
    const bool wait_answered = waited.wait_for(60s) == std::future_status::ready;
    engine.fail_transient_until_told(false);
    sink->release();
    CHECK(stats_answered);
    CHECK(wait_answered);
    CHECK(stats.get().stalled);
    if (wait_answered) CHECK_FALSE(waited.get());
    CHECK(handle->wait().is_ok());
}

TEST_CASE("pipeline: while a stall lasts a reminder is logged at the interval",
          "[commit_pipeline][threads]") {
    FakeEngine engine;
    auto sink = std::make_shared<storage_test::CaptureSink>();
    storage::Options options = fast_retry(sink);
    options.stall_reminder_interval = 20ms;
    CommitPipeline pipeline("fake.db", options, engine.function());
    engine.fail_transient_until_told(true);
    std::vector<storage::WriteHandle> handles;
    for (int i = 0; i < 3; ++i) handles.push_back(pipeline.submit(batch(i)));
    REQUIRE(sink->wait_for_lines("commits still failing", 2));
    engine.fail_transient_until_told(false);
    for (auto& h : handles) CHECK(h->wait().is_ok());
    REQUIRE(sink->wait_for_lines("commits resumed", 1));
    const auto lines = sink->lines();
    auto first = [&](const std::string& needle) { return sink->first(needle); };
    CHECK(first("commit failed") < first("commits still failing"));
    CHECK(first("commits still failing") < first("commits resumed"));
    const std::string& reminder = lines[first("commits still failing")];
    CHECK_THAT(reminder, Catch::Contains("3 write(s) queued") &&
                             Catch::Contains("fake: database is locked") && Catch::Contains(" ms"));
}

TEST_CASE("pipeline: a writer that loses the turn to a stall never leads beside the flusher",
          "[commit_pipeline][threads]") {
    // The writer leads, its commit fails, and while it writes the stall warning (mu_ released)
    // the flusher's retry takes the turn and commits. Returning, the writer must wait for its
    // result, not lead a second group beside the flusher's.
    FakeEngine engine;
    auto sink = std::make_shared<storage_test::CaptureSink>();
    CommitPipeline pipeline("fake.db", fast_retry(sink), engine.function());
    engine.fail_transient(1);
    sink->block_on("commit failed");
    std::promise<storage::Status> result;
    std::thread writer([&] { result.set_value(pipeline.write(batch(1)).status()); });
    REQUIRE(eventually([&] { return sink->blocked() == 1; }));  // in its log window
    engine.close_gate();
    REQUIRE(engine.wait_calls(2));  // the flusher's retry is inside commit(), held at the gate
    sink->release();
    // A second leader would enter commit() within microseconds; give it ample time to show.
    std::this_thread::sleep_for(200ms);
    const int calls_while_held = engine.calls();
    engine.open_gate();
    auto outcome = result.get_future();
    if (outcome.wait_for(60s) != std::future_status::ready) {
        // A writer that believed it still led has lost its turn for good: its write never
        // completes, and the thread cannot be joined. Say so and end the process.
        std::fprintf(stderr, "the writer never returned: its write was lost between leaders\n");
        std::_Exit(1);
    }
    writer.join();
    CHECK(outcome.get().is_ok());
    CHECK(calls_while_held == 2);
    CHECK(engine.max_active() == 1);
    CHECK(engine.committed() == std::vector<std::int64_t>{1});
}
