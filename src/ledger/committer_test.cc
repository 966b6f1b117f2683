#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "core/error_code.h"
#include "ledger/ledger.h"
#include "testkit/testkit.h"

namespace candor::ledger {
namespace {

using testkit::TestLedger;

template <class T>
std::string Slug(const Result<T>& result) {
    return result ? std::string("ok") : std::string(Describe(result.error().code).slug);
}

Request EarnRequest(std::string key, MemberId member, std::int64_t points, AccountId source = {}) {
    Earn earn;
    earn.member = member;
    earn.points = Amount(points);
    if (source.is_set()) {
        earn.budget_draws = {{source, earn.points}};
    }
    return Request{"pos", std::move(key), earn};
}

Request SpendRequest(std::string key, MemberId member, std::int64_t points) {
    Spend spend;
    spend.member = member;
    spend.amount = Amount(points);
    return Request{"pos", std::move(key), spend};
}

std::int64_t PointsOf(TestLedger& t, MemberId member) {
    auto balances = t.ledger->LoadBalances(member);
    EXPECT_TRUE(balances.has_value());
    return balances ? balances->points.value() : -1;
}

bool IsReady(const std::future<Result<Outcome>>& future) {
    return future.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

// A window long enough that every command of a test lands in one batch.
constexpr Duration kLongWindow = std::chrono::seconds(10);

// Many threads submitting at once all succeed, with correct balances, in shared batches.
TEST(CommitterTest, ConcurrentSubmittersAllCommitInBatches) {
    constexpr int kThreads = 8;
    constexpr int kEarnsPerThread = 500;
    TestLedger t;
    std::vector<MemberId> members;
    members.reserve(kThreads);
    for (int i = 0; i < kThreads; ++i) {
        members.push_back(t.Enrol(fmt::format("m{}", i)));
    }
    Committer committer(*t.store, *t.ledger);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            std::vector<std::future<Result<Outcome>>> futures;
            futures.reserve(kEarnsPerThread);
            for (int j = 0; j < kEarnsPerThread; ++j) {
                futures.push_back(committer.Submit(EarnRequest(
                    fmt::format("t{}-{}", i, j), members[static_cast<std::size_t>(i)], j + 1)));
            }
            for (auto& future : futures) {
                auto outcome = future.get();
                if (!outcome || outcome->is_replay || !outcome->entry) {
                    ++failures;
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    committer.Stop();
    EXPECT_EQ(failures.load(), 0);
    const CommitterStats stats = committer.stats();
    EXPECT_EQ(stats.commands, static_cast<std::uint64_t>(kThreads * kEarnsPerThread));
    EXPECT_LT(stats.batches, stats.commands);
    EXPECT_EQ(stats.failed_commits, 0U);
    // The histograms for /metrics agree with the counters: one batch size and one transaction
    // time per batch, the sizes summing to the commands, one queue wait per command.
    EXPECT_EQ(stats.batch_commands.count(), stats.batches);
    EXPECT_EQ(stats.batch_commands.sum(), static_cast<std::int64_t>(stats.commands));
    EXPECT_EQ(stats.transaction_us.count(), stats.batches);
    EXPECT_GT(stats.transaction_us.sum(), 0);
    EXPECT_EQ(stats.queue_wait_us.count(), stats.commands);
    EXPECT_EQ(stats.queued, 0U);
    for (MemberId member : members) {
        EXPECT_EQ(PointsOf(t, member), kEarnsPerThread * (kEarnsPerThread + 1) / 2);
    }
    EXPECT_EQ(t.CheckViolations(), "");
}

// A failing command in a batch fails alone; its neighbours, before and after, commit.
TEST(CommitterTest, FailingCommandFailsAloneInItsBatch) {
    TestLedger t;
    const MemberId a = t.Enrol("a");
    const MemberId b = t.Enrol("b");
    Committer committer(*t.store, *t.ledger, CommitterOptions{kLongWindow, 1000, 1000});
    auto earn_a = committer.Submit(EarnRequest("1", a, 100));
    auto overdraft = committer.Submit(SpendRequest("2", b, 50));
    auto spend_a = committer.Submit(SpendRequest("3", a, 30));  // sees the earn before it
    auto earn_b = committer.Submit(EarnRequest("4", b, 70));
    committer.Stop();
    EXPECT_EQ(Slug(earn_a.get()), "ok");
    EXPECT_EQ(Slug(overdraft.get()), "insufficient-balance");
    EXPECT_EQ(Slug(spend_a.get()), "ok");
    EXPECT_EQ(Slug(earn_b.get()), "ok");
    EXPECT_EQ(committer.stats().batches, 1U);
    EXPECT_EQ(committer.stats().commands, 4U);
    EXPECT_EQ(PointsOf(t, a), 70);
    EXPECT_EQ(PointsOf(t, b), 70);
    EXPECT_EQ(t.CheckViolations(), "");  // entry ids stay dense around the rolled-back one
}

// Failures first, last and in a row in one batch, and in consecutive batches, each fail alone.
TEST(CommitterTest, FailuresAnywhereInBatchesFailAlone) {
    TestLedger t;
    const MemberId a = t.Enrol("a");
    Committer committer(*t.store, *t.ledger, CommitterOptions{kLongWindow, 4, 1000});
    std::vector<std::future<Result<Outcome>>> futures;
    futures.reserve(12);
    // Four commands to a batch: + earns 20, s spends 10 (always covered), F spends 500 (never).
    const std::string plan =
        "F+s+"   // fails first
        "+sF+"   // fails in the middle
        "++FF";  // fails last, twice in a row
    std::int64_t expected = 0;
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const std::string key = fmt::format("k{}", i);
        if (plan[i] == '+') {
            futures.push_back(committer.Submit(EarnRequest(key, a, 20)));
            expected += 20;
        } else if (plan[i] == 's') {
            futures.push_back(committer.Submit(SpendRequest(key, a, 10)));
            expected -= 10;
        } else {
            futures.push_back(committer.Submit(SpendRequest(key, a, 500)));
        }
    }
    committer.Stop();
    for (std::size_t i = 0; i < futures.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(Slug(futures[i].get()), plan[i] == 'F' ? "insufficient-balance" : "ok");
    }
    EXPECT_EQ(committer.stats().batches, 3U);
    EXPECT_EQ(PointsOf(t, a), expected);
    EXPECT_EQ(t.CheckViolations(), "");
}

// A command failing after writing part of its work leaks none of it to its neighbours.
TEST(CommitterTest, FailedCommandLeavesNoPartialWrites) {
    // A failed full reversal must not leave its "whole" behind for the next reversal.
    TestLedger t;
    const MemberId a = t.Enrol("a");
    Earn earn;
    earn.member = a;
    earn.points = Amount(100);
    auto earned = t.Run(earn);
    ASSERT_TRUE(earned.has_value());
    const EntryId original = earned->entry->id;
    ASSERT_TRUE(t.Run(Spend{a, Asset::kPoints, Amount(80), Timestamp{}, ""}).has_value());
    Committer committer(*t.store, *t.ledger, CommitterOptions{kLongWindow, 1000, 1000});
    auto whole = committer.Submit(Request{"pos", "r1", Reverse{original, 1, 1, ""}});
    auto fifth = committer.Submit(Request{"pos", "r2", Reverse{original, 1, 5, ""}});
    committer.Stop();
    EXPECT_EQ(Slug(whole.get()), "insufficient-balance");
    EXPECT_EQ(Slug(fifth.get()), "ok");
    EXPECT_EQ(committer.stats().batches, 1U);
    EXPECT_EQ(PointsOf(t, a), 0);
    EXPECT_EQ(t.CheckViolations(), "");
}

// A command that fails after writing part of its work (an earn that credits the member, then
// finds its campaign budget short) leaves nothing behind; its neighbours commit, in this
// batch and in the next.
TEST(CommitterTest, HalfWrittenFailureLeavesNothingBehind) {
    TestLedger t;
    const MemberId a = t.Enrol("a");
    auto opened = t.Run(OpenBudget{"spring", Asset::kPoints});
    ASSERT_TRUE(opened.has_value());
    const AccountId budget = opened->account;
    ASSERT_TRUE(t.Run(FundBudget{budget, Amount(50)}).has_value());
    Committer committer(*t.store, *t.ledger, CommitterOptions{kLongWindow, 3, 1000});
    auto before = committer.Submit(EarnRequest("1", a, 10));
    auto short_budget = committer.Submit(EarnRequest("2", a, 100, budget));
    auto after = committer.Submit(EarnRequest("3", a, 5));
    auto next_batch = committer.Submit(EarnRequest("4", a, 7, budget));
    auto next_after = committer.Submit(EarnRequest("5", a, 1));
    committer.Stop();
    EXPECT_EQ(Slug(before.get()), "ok");
    EXPECT_EQ(Slug(short_budget.get()), "insufficient-balance");
    EXPECT_EQ(Slug(after.get()), "ok");
    EXPECT_EQ(Slug(next_batch.get()), "ok");
    EXPECT_EQ(Slug(next_after.get()), "ok");
    EXPECT_EQ(committer.stats().batches, 2U);
    auto balances = t.ledger->LoadBalances(a);
    ASSERT_TRUE(balances.has_value());
    EXPECT_EQ(balances->points.value(), 23);
    EXPECT_EQ(t.CheckViolations(), "");
}

// Stop called from several threads at once stops the committer once, and safely.
TEST(CommitterTest, ConcurrentStopIsSafe) {
    TestLedger t;
    const MemberId a = t.Enrol("a");
    Committer committer(*t.store, *t.ledger);
    auto earned = committer.Submit(EarnRequest("1", a, 10));
    std::thread first([&] { committer.Stop(); });
    std::thread second([&] { committer.Stop(); });
    first.join();
    second.join();
    EXPECT_EQ(Slug(earned.get()), "ok");
    EXPECT_EQ(Slug(committer.Submit(EarnRequest("2", a, 1)).get()), "shutting-down");
}

// The same idempotency key twice in one batch runs once; the second is a replay.
TEST(CommitterTest, DuplicateKeyInOneBatchIsReplayed) {
    TestLedger t;
    const MemberId m = t.Enrol("m");
    Committer committer(*t.store, *t.ledger, CommitterOptions{kLongWindow, 1000, 1000});
    auto first = committer.Submit(EarnRequest("same", m, 100));
    auto second = committer.Submit(EarnRequest("same", m, 100));
    auto conflict = committer.Submit(EarnRequest("same", m, 5));
    committer.Stop();
    auto one = first.get();
    auto two = second.get();
    ASSERT_EQ(Slug(one), "ok");
    ASSERT_EQ(Slug(two), "ok");
    EXPECT_FALSE(one->is_replay);
    EXPECT_TRUE(two->is_replay);
    ASSERT_TRUE(two->entry.has_value());
    EXPECT_EQ(two->entry->id, one->entry->id);
    EXPECT_EQ(Slug(conflict.get()), "idempotency-conflict");
    EXPECT_EQ(committer.stats().batches, 1U);
    EXPECT_EQ(PointsOf(t, m), 100);
}

// Stop finishes every queued request, even while a batch is still gathering.
TEST(CommitterTest, StopDrainsTheQueue) {
    TestLedger t;
    const MemberId m = t.Enrol("m");
    Committer committer(*t.store, *t.ledger, CommitterOptions{kLongWindow, 1000, 1000});
    std::vector<std::future<Result<Outcome>>> futures;
    futures.reserve(20);
    for (int i = 0; i < 20; ++i) {
        futures.push_back(committer.Submit(EarnRequest(fmt::format("k{}", i), m, 1)));
    }
    committer.Stop();
    for (auto& future : futures) {
        ASSERT_TRUE(IsReady(future));
        EXPECT_EQ(Slug(future.get()), "ok");
    }
    EXPECT_EQ(committer.stats().commands, 20U);
    EXPECT_EQ(PointsOf(t, m), 20);
    committer.Stop();  // idempotent
}

// After Stop, Submit answers kShuttingDown at once and runs nothing.
TEST(CommitterTest, SubmitAfterStopIsShuttingDown) {
    TestLedger t;
    const MemberId m = t.Enrol("m");
    Committer committer(*t.store, *t.ledger);
    committer.Stop();
    auto future = committer.Submit(EarnRequest("late", m, 10));
    ASSERT_TRUE(IsReady(future));
    EXPECT_EQ(Slug(future.get()), "shutting-down");
    std::string slug;
    committer.Submit(EarnRequest("late-2", m, 10),
                     [&slug](const Result<Outcome>& outcome) { slug = Slug(outcome); });
    EXPECT_EQ(slug, "shutting-down");
    EXPECT_EQ(committer.stats().commands, 0U);
    EXPECT_EQ(PointsOf(t, m), 0);
}

// A refusal's callback runs without the committer's lock, so it may call back into it.
TEST(CommitterTest, RefusalCallbackMayUseTheCommitter) {
    TestLedger t;
    const MemberId m = t.Enrol("m");
    Committer committer(*t.store, *t.ledger);
    committer.Stop();
    std::string slug;
    bool is_lock_free = false;
    std::promise<void> probed;
    std::thread prober;
    committer.Submit(EarnRequest("late", m, 10), [&](const Result<Outcome>& outcome) {
        slug = Slug(outcome);
        // Another thread takes the lock; waiting for it here would hang if Submit held it.
        prober = std::thread([&] {
            (void)committer.stats();
            probed.set_value();
        });
        is_lock_free =
            probed.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready;
    });
    prober.join();
    EXPECT_EQ(slug, "shutting-down");
    EXPECT_TRUE(is_lock_free);
}

// A full queue answers kOverloaded at once; what was queued still commits.
TEST(CommitterTest, FullQueueIsOverloaded) {
    TestLedger t;
    const MemberId m = t.Enrol("m");
    Committer committer(*t.store, *t.ledger, CommitterOptions{kLongWindow, 1000, 2});
    auto one = committer.Submit(EarnRequest("1", m, 1));
    auto two = committer.Submit(EarnRequest("2", m, 2));
    auto three = committer.Submit(EarnRequest("3", m, 4));
    ASSERT_TRUE(IsReady(three));
    EXPECT_EQ(Slug(three.get()), "overloaded");
    committer.Stop();
    EXPECT_EQ(Slug(one.get()), "ok");
    EXPECT_EQ(Slug(two.get()), "ok");
    EXPECT_EQ(PointsOf(t, m), 3);
}

// A batch closes as soon as it holds batch_max commands, without waiting out the window.
TEST(CommitterTest, BatchesHoldAtMostBatchMaxCommands) {
    TestLedger t;
    const MemberId m = t.Enrol("m");
    Committer committer(*t.store, *t.ledger, CommitterOptions{kLongWindow, 10, 1000});
    std::vector<std::future<Result<Outcome>>> futures;
    futures.reserve(25);
    for (int i = 0; i < 25; ++i) {
        futures.push_back(committer.Submit(EarnRequest(fmt::format("k{}", i), m, 1)));
    }
    // The first 20 complete in two full batches while the last 5 are still gathering.
    for (std::size_t i = 0; i < 20; ++i) {
        EXPECT_EQ(Slug(futures[i].get()), "ok");
    }
    EXPECT_EQ(committer.stats().batches, 2U);
    committer.Stop();
    EXPECT_EQ(committer.stats().batches, 3U);
    EXPECT_EQ(committer.stats().commands, 25U);
    EXPECT_EQ(PointsOf(t, m), 25);
}

// A callback runs only once its outcome is durable: another connection already sees it.
TEST(CommitterTest, CallbackSeesCommittedData) {
    TestLedger t;
    const MemberId m = t.Enrol("m");
    Committer committer(*t.store, *t.ledger);
    std::promise<std::int64_t> seen;
    committer.Submit(EarnRequest("k", m, 42), [&](const Result<Outcome>& outcome) {
        EXPECT_EQ(Slug(outcome), "ok");
        auto reader = testkit::OpenStore(t.db_path);
        auto balance = reader->LoadBalance(MemberAccount(m, Asset::kPoints), 0);
        seen.set_value(balance && *balance ? (*balance)->value() : -1);
    });
    EXPECT_EQ(seen.get_future().get(), 42);
}

// A transaction that cannot begin fails its whole batch; later batches commit normally.
TEST(CommitterTest, FailedTransactionFailsTheWholeBatch) {
    testkit::TempDir dir;
    const std::string path = dir.File("busy.db");
    ManualClock clock(testkit::TestEpoch());
    store::OpenOptions options;
    options.busy_timeout_ms = 10;
    auto opened = store::Open(path, options);
    ASSERT_TRUE(opened.has_value());
    std::unique_ptr<store::Store> db = std::move(opened).value();
    Ledger ledger(*db, clock);
    ASSERT_TRUE(ledger.Setup().has_value());
    auto enrolled = ledger.ExecuteNow(Request{"t", "enrol", EnrolMember{"m"}});
    ASSERT_TRUE(enrolled.has_value());
    const MemberId m = enrolled->member;

    sqlite3* blocker = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &blocker), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(blocker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    {
        // batch_max 2 and a long window: each batch is exactly two commands, however slowly
        // the machine runs, so the first two share the one failed transaction.
        Committer committer(*db, ledger, CommitterOptions{kLongWindow, 2, 10});
        auto one = committer.Submit(EarnRequest("1", m, 1));
        auto two = committer.Submit(EarnRequest("2", m, 2));
        EXPECT_EQ(Slug(one.get()), "storage-unavailable");
        EXPECT_EQ(Slug(two.get()), "storage-unavailable");
        EXPECT_EQ(committer.stats().failed_commits, 1U);
        EXPECT_EQ(committer.stats().commands, 0U);
        ASSERT_EQ(sqlite3_exec(blocker, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
        auto retried = committer.Submit(EarnRequest("1", m, 1));
        auto three = committer.Submit(EarnRequest("3", m, 3));
        auto retried_result = retried.get();
        ASSERT_EQ(Slug(retried_result), "ok");
        EXPECT_FALSE(retried_result->is_replay);
        EXPECT_EQ(Slug(three.get()), "ok");
    }
    sqlite3_close(blocker);
    auto balances = ledger.LoadBalances(m);
    ASSERT_TRUE(balances.has_value());
    EXPECT_EQ(balances->points.value(), 4);
}

}  // namespace
}  // namespace candor::ledger
