#include "core/random.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <set>
#include <vector>

namespace candor {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

std::vector<std::uint64_t> Draw(std::uint64_t seed, int count) {
    Random random(seed);
    std::vector<std::uint64_t> values;
    values.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        values.push_back(random.Next());
    }
    return values;
}

// The sequence for a seed is fixed on every platform: these values come from an independent
// Python implementation of SplitMix64 seeding xoshiro256** (Vigna's reference algorithms).
TEST(RandomTest, SequenceMatchesReferenceImplementation) {
    constexpr std::array<std::uint64_t, 4> kSeed0 = {
        0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL, 0x1a5f849d4933e6e0ULL, 0x6aa594f1262d2d2cULL};
    constexpr std::array<std::uint64_t, 4> kSeed42 = {
        0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL, 0xae17533239e499a1ULL, 0xecb8ad4703b360a1ULL};
    Random zero(0);
    for (std::uint64_t expected : kSeed0) {
        EXPECT_EQ(zero.Next(), expected);
    }
    Random forty_two(42);
    for (std::uint64_t expected : kSeed42) {
        EXPECT_EQ(forty_two.Next(), expected);
    }
}

// Two generators with the same seed produce the same sequence; different seeds differ.
TEST(RandomTest, SameSeedSameSequenceDifferentSeedDifferentSequence) {
    EXPECT_EQ(Draw(7, 1000), Draw(7, 1000));
    EXPECT_NE(Draw(7, 16), Draw(8, 16));
    EXPECT_NE(Draw(0, 16), Draw(std::numeric_limits<std::uint64_t>::max(), 16));
}

// Below(bound) stays in [0, bound) for small, power-of-two, odd and huge bounds.
TEST(RandomTest, BelowStaysInRange) {
    Random random(1);
    const std::uint64_t huge = std::numeric_limits<std::uint64_t>::max();
    for (std::uint64_t bound : {std::uint64_t{1},
                                std::uint64_t{2},
                                std::uint64_t{3},
                                std::uint64_t{7},
                                std::uint64_t{1000},
                                std::uint64_t{1} << 32U,
                                (std::uint64_t{1} << 63U) + 1,
                                huge - 1,
                                huge}) {
        for (int i = 0; i < 2000; ++i) {
            EXPECT_LT(random.Below(bound), bound) << "bound " << bound;
        }
    }
}

// Below(1) is always 0, and Below(n) reaches every value of a small range.
TEST(RandomTest, BelowCoversItsRange) {
    Random random(2);
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(random.Below(1), 0U);
    }
    std::set<std::uint64_t> seen;
    for (int i = 0; i < 1000; ++i) {
        seen.insert(random.Below(10));
    }
    EXPECT_EQ(seen.size(), 10U);
}

// Below is roughly uniform: with a fixed seed each of six buckets gets 1/6 of 60000 draws
// within 5 percent.
TEST(RandomTest, BelowIsRoughlyUniform) {
    Random random(3);
    std::array<int, 6> counts{};
    for (int i = 0; i < 60'000; ++i) {
        ++counts.at(random.Below(6));
    }
    for (int count : counts) {
        EXPECT_GT(count, 9'500);
        EXPECT_LT(count, 10'500);
    }
}

// For a bound of 3 * 2^62 plain modulo would fold the top quarter of the 64-bit range onto
// [0, 2^62), putting half the draws there; rejection sampling keeps it at a third.
TEST(RandomTest, BelowHasNoModuloBiasOnHugeBounds) {
    Random random(4);
    const std::uint64_t quarter = std::uint64_t{1} << 62U;
    const std::uint64_t bound = 3 * quarter;
    int in_first_quarter = 0;
    constexpr int kDraws = 30'000;
    for (int i = 0; i < kDraws; ++i) {
        if (random.Below(bound) < quarter) {
            ++in_first_quarter;
        }
    }
    EXPECT_GT(in_first_quarter, kDraws * 30 / 100);
    EXPECT_LT(in_first_quarter, kDraws * 37 / 100);
}

// Between(low, high) is inclusive at both ends and never leaves the range.
TEST(RandomTest, BetweenIsInclusiveAndInRange) {
    Random random(5);
    std::set<std::int64_t> seen;
    for (int i = 0; i < 2000; ++i) {
        const std::int64_t value = random.Between(-3, 3);
        EXPECT_GE(value, -3);
        EXPECT_LE(value, 3);
        seen.insert(value);
    }
    EXPECT_EQ(seen, (std::set<std::int64_t>{-3, -2, -1, 0, 1, 2, 3}));
}

// Between handles a single-value range and ranges at and across the int64 edges.
TEST(RandomTest, BetweenHandlesInt64Edges) {
    Random random(6);
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(random.Between(42, 42), 42);
        EXPECT_EQ(random.Between(kMin, kMin), kMin);
        EXPECT_EQ(random.Between(kMax, kMax), kMax);
        EXPECT_GE(random.Between(kMax - 1, kMax), kMax - 1);
        EXPECT_LE(random.Between(kMin, kMin + 1), kMin + 1);
        const std::int64_t wide = random.Between(kMin + 1, kMax);
        EXPECT_GE(wide, kMin + 1);
    }
    // The full range takes both signs.
    bool negative = false;
    bool positive = false;
    for (int i = 0; i < 100; ++i) {
        const std::int64_t value = random.Between(kMin, kMax);
        negative = negative || value < 0;
        positive = positive || value > 0;
    }
    EXPECT_TRUE(negative);
    EXPECT_TRUE(positive);
}

// Chance(0, n) is never true and Chance(n, n) always is.
TEST(RandomTest, ChanceEdgesAreCertain) {
    Random random(7);
    for (int i = 0; i < 1000; ++i) {
        EXPECT_FALSE(random.Chance(0, 10));
        EXPECT_TRUE(random.Chance(10, 10));
    }
    int hits = 0;
    for (int i = 0; i < 10'000; ++i) {
        hits += random.Chance(1, 4) ? 1 : 0;
    }
    EXPECT_GT(hits, 2'300);
    EXPECT_LT(hits, 2'700);
}

// Precondition breaches abort rather than returning garbage.
TEST(RandomDeathTest, InvalidBoundsAbort) {
    Random random(8);
    EXPECT_DEATH((void)random.Below(0), "assertion failed");
    EXPECT_DEATH((void)random.Between(2, 1), "assertion failed");
}

}  // namespace
}  // namespace candor
