#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "api/api.h"

namespace candor::api {
namespace {

const Timestamp kStart = FromMicros(1'800'000'000'000'000);

TEST(RateLimiterTest, AllowsTheRateThenRefusesWithSecondsUntilTheNextToken) {
    // Proves a bucket starts full (a minute's worth), refuses the next request with the seconds
    // until one token has refilled, and lets a request through once that time has passed.
    ManualClock clock(kStart);
    RateLimiter limiter(clock);
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(limiter.Acquire("key:a", 3).is_allowed) << i;
    }
    const RateLimiter::Decision refused = limiter.Acquire("key:a", 3);
    EXPECT_FALSE(refused.is_allowed);
    EXPECT_EQ(refused.retry_after_seconds, 20);  // 3 a minute: one token every 20 s
    clock.Advance(std::chrono::seconds(19));
    const RateLimiter::Decision still = limiter.Acquire("key:a", 3);
    EXPECT_FALSE(still.is_allowed);
    EXPECT_EQ(still.retry_after_seconds, 1);
    clock.Advance(std::chrono::seconds(1));
    EXPECT_TRUE(limiter.Acquire("key:a", 3).is_allowed);
    EXPECT_FALSE(limiter.Acquire("key:a", 3).is_allowed);
}

TEST(RateLimiterTest, ClientsHaveSeparateBucketsAndALongPauseRefillsOnlyToTheRate) {
    // Proves one client's use does not spend another's tokens, and an hour of quiet refills a
    // bucket to its rate, not beyond it.
    ManualClock clock(kStart);
    RateLimiter limiter(clock);
    EXPECT_TRUE(limiter.Acquire("key:a", 1).is_allowed);
    EXPECT_FALSE(limiter.Acquire("key:a", 1).is_allowed);
    EXPECT_TRUE(limiter.Acquire("key:b", 1).is_allowed);
    clock.Advance(std::chrono::hours(1));
    EXPECT_TRUE(limiter.Acquire("key:a", 1).is_allowed);
    const RateLimiter::Decision refused = limiter.Acquire("key:a", 1);
    EXPECT_FALSE(refused.is_allowed);
    EXPECT_EQ(refused.retry_after_seconds, 60);
}

TEST(RateLimiterTest, HighRatesRoundRetryAfterUpToOneSecond) {
    // Proves a refused request is never told to come back in 0 seconds.
    ManualClock clock(kStart);
    RateLimiter limiter(clock);
    for (int i = 0; i < 600; ++i) {
        ASSERT_TRUE(limiter.Acquire("ip:10.0.0.1", 600).is_allowed) << i;
    }
    const RateLimiter::Decision refused = limiter.Acquire("ip:10.0.0.1", 600);
    EXPECT_FALSE(refused.is_allowed);
    EXPECT_EQ(refused.retry_after_seconds, 1);
}

TEST(RateLimiterTest, ManyClientsStayBoundedAndBusyOnesKeepTheirCounts) {
    // Proves that far more clients than the shards may hold do not grow the buckets without
    // bound (idle, full buckets are dropped) while a client that spent its tokens stays refused.
    ManualClock clock(kStart);
    RateLimiter limiter(clock);
    EXPECT_TRUE(limiter.Acquire("key:busy", 1).is_allowed);
    const std::size_t clients = 2 * limits::kRateBucketsPerShardMax * limits::kRateShards;
    for (std::size_t i = 0; i < clients; ++i) {
        // Each client spends one of 1000 tokens a minute, which refills within 60 ms.
        ASSERT_TRUE(limiter.Acquire("ip:" + std::to_string(i), 1000).is_allowed);
        if (i % 1000 == 999) {
            clock.Advance(std::chrono::milliseconds(60));
        }
    }
    EXPECT_LE(limiter.bucket_count(), limits::kRateBucketsPerShardMax * limits::kRateShards);
    EXPECT_FALSE(limiter.Acquire("key:busy", 1).is_allowed);
}

TEST(RateLimiterTest, ConcurrentClientsNeverGetMoreThanTheirRate) {
    // Proves, with four threads sharing one bucket, that exactly `rate` requests get through.
    ManualClock clock(kStart);
    RateLimiter limiter(clock);
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&limiter, &allowed] {
            for (int i = 0; i < 500; ++i) {
                if (limiter.Acquire("key:shared", 1000).is_allowed) {
                    allowed.fetch_add(1);
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(allowed.load(), 1000);
}

}  // namespace
}  // namespace candor::api
