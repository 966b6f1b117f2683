#include <algorithm>
#include <iterator>

#include "api/api.h"
#include "core/assert.h"

namespace candor::api {
namespace {

// A token is a minute's worth of microseconds, so a bucket refills `rate` units per
// microsecond in integers: no rounding drift, and a full bucket (kApiKeyRatePerMinuteMax tokens)
// is 6e13 units, far inside int64.
constexpr std::int64_t kUnitsPerToken = std::int64_t{60} * 1'000'000;
constexpr std::int64_t kMicrosPerSecond = 1'000'000;

static_assert(limits::kApiKeyRatePerMinuteMax <= INT64_MAX / kUnitsPerToken,
              "a full bucket must fit in int64");

}  // namespace

RateLimiter::RateLimiter(const Clock& clock) : clock_(clock) {}

std::int64_t RateLimiter::UnitsAt(const Bucket& bucket, std::int64_t now_us) {
    const std::int64_t capacity = bucket.rate_per_minute * kUnitsPerToken;
    // A minute refills any bucket, so longer gaps (and a clock that went back) are clamped
    // before multiplying: the product stays within capacity's range.
    const std::int64_t elapsed_us =
        std::clamp<std::int64_t>(now_us - bucket.updated_us, 0, kUnitsPerToken);
    return std::min(capacity, bucket.units + elapsed_us * bucket.rate_per_minute);
}

void RateLimiter::MakeRoom(Shard& shard, std::int64_t now_us) {
    std::erase_if(shard.buckets, [now_us](const auto& item) {
        return UnitsAt(item.second, now_us) >= item.second.rate_per_minute * kUnitsPerToken;
    });
    if (shard.buckets.size() >= limits::kRateBucketsPerShardMax) {
        shard.buckets.erase(shard.buckets.begin());
    }
}

RateLimiter::Decision RateLimiter::Acquire(std::string_view client, std::int64_t rate_per_minute) {
    CANDOR_ASSERT(rate_per_minute >= 1);
    CANDOR_ASSERT(rate_per_minute <= limits::kApiKeyRatePerMinuteMax);
    const std::int64_t now_us = ToMicros(clock_.Now());
    Shard& shard = shards_[Hash{}(client) & (limits::kRateShards - 1)];
    const std::lock_guard lock(shard.mutex);
    auto found = shard.buckets.find(client);
    if (found == shard.buckets.end()) {
        if (shard.buckets.size() >= limits::kRateBucketsPerShardMax) {
            MakeRoom(shard, now_us);
        }
        found = shard.buckets
                    .emplace(std::string(client),
                             Bucket{rate_per_minute, rate_per_minute * kUnitsPerToken, now_us})
                    .first;
    }
    Bucket& bucket = found->second;
    bucket.rate_per_minute = rate_per_minute;
    bucket.units = UnitsAt(bucket, now_us);
    bucket.updated_us = std::max(bucket.updated_us, now_us);
    if (bucket.units >= kUnitsPerToken) {
        bucket.units -= kUnitsPerToken;
        return {};
    }
    const std::int64_t wait_us =
        (kUnitsPerToken - bucket.units + rate_per_minute - 1) / rate_per_minute;
    return {false, std::max<std::int64_t>(1, (wait_us + kMicrosPerSecond - 1) / kMicrosPerSecond)};
}

std::size_t RateLimiter::bucket_count() {
    std::size_t count = 0;
    for (Shard& shard : shards_) {
        const std::lock_guard lock(shard.mutex);
        count += shard.buckets.size();
    }
    return count;
}

}  // namespace candor::api
