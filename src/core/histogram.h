// A histogram of integer observations over fixed bucket bounds, shaped for Prometheus: counts
// per bucket, the total count and the sum. Values are whatever the owner measures (microseconds,
// commands); names say the unit. Not thread-safe: the owner guards it (api::Metrics and
// ledger::Committer observe under locks they already hold).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace candor {

// Bounds for latencies, in microseconds: 50 µs to 5 s, in 1-2.5-5 steps (+Inf is implied).
// HTTP requests and the committer's waits and transactions use them.
inline constexpr std::array<std::int64_t, 16> kLatencyBoundsUs = {50,
                                                                  100,
                                                                  250,
                                                                  500,
                                                                  1'000,
                                                                  2'500,
                                                                  5'000,
                                                                  10'000,
                                                                  25'000,
                                                                  50'000,
                                                                  100'000,
                                                                  250'000,
                                                                  500'000,
                                                                  1'000'000,
                                                                  2'500'000,
                                                                  5'000'000};

class Histogram {
public:
    // REQUIRES: `bounds` ascending, and alive as long as the histogram (a static array).
    explicit Histogram(std::span<const std::int64_t> bounds);

    // Counts `value` in the first bucket whose bound is >= value, or past every bound.
    void Observe(std::int64_t value);

    // The upper bounds, without the implied +Inf.
    std::span<const std::int64_t> bounds() const { return bounds_; }

    // Observations per bucket, not cumulative: counts()[i] for bounds()[i], then one more
    // for the values above every bound.
    const std::vector<std::uint64_t>& counts() const { return counts_; }

    std::uint64_t count() const { return count_; }

    std::int64_t sum() const { return sum_; }

private:
    std::span<const std::int64_t> bounds_;
    std::vector<std::uint64_t> counts_;
    std::uint64_t count_ = 0;
    std::int64_t sum_ = 0;
};

}  // namespace candor
