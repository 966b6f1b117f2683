#include "core/amount.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "core/random.h"

namespace candor {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

// Checks the defining property of floor(value * numerator / denominator) in 128 bits:
// result * denominator <= value * numerator < (result + 1) * denominator.
void ExpectIsFloorOfScale(std::int64_t value, std::int64_t numerator, std::int64_t denominator) {
    const std::int64_t result = ScaleFloor(value, numerator, denominator);
    const Int128 product = static_cast<Int128>(value) * numerator;
    const Int128 low = static_cast<Int128>(result) * denominator;
    const Int128 high = (static_cast<Int128>(result) + 1) * denominator;
    EXPECT_TRUE(low <= product && product < high)
        << "ScaleFloor(" << value << ", " << numerator << ", " << denominator << ") = " << result;
}

// Plain sums and differences that fit in int64 are exact.
TEST(AmountTest, PlusAndMinusAreExactWhenInRange) {
    EXPECT_EQ(Amount(150).Plus(Amount(-50)), Amount(100));
    EXPECT_EQ(Amount(-150).Plus(Amount(-50)), Amount(-200));
    EXPECT_EQ(Amount(150).Minus(Amount(200)), Amount(-50));
    EXPECT_EQ(Amount(kMax).Minus(Amount(kMax)), Amount(0));
    EXPECT_EQ(Amount(kMin).Minus(Amount(kMin)), Amount(0));
}

// Plus reports overflow instead of wrapping, exactly at the int64 edges.
TEST(AmountTest, PlusReportsOverflowAtTheEdges) {
    EXPECT_EQ(Amount(kMax - 1).Plus(Amount(1)), Amount(kMax));
    EXPECT_EQ(Amount(kMax).Plus(Amount(1)), std::nullopt);
    EXPECT_EQ(Amount(kMax).Plus(Amount(kMax)), std::nullopt);
    EXPECT_EQ(Amount(kMin + 1).Plus(Amount(-1)), Amount(kMin));
    EXPECT_EQ(Amount(kMin).Plus(Amount(-1)), std::nullopt);
    EXPECT_EQ(Amount(kMin).Plus(Amount(kMin)), std::nullopt);
    EXPECT_EQ(Amount(kMin).Plus(Amount(kMax)), Amount(-1));
}

// Minus reports overflow instead of wrapping, exactly at the int64 edges.
TEST(AmountTest, MinusReportsOverflowAtTheEdges) {
    EXPECT_EQ(Amount(kMin + 1).Minus(Amount(1)), Amount(kMin));
    EXPECT_EQ(Amount(kMin).Minus(Amount(1)), std::nullopt);
    EXPECT_EQ(Amount(kMax).Minus(Amount(-1)), std::nullopt);
    EXPECT_EQ(Amount(-1).Minus(Amount(kMax)), Amount(kMin));
    EXPECT_EQ(Amount(-2).Minus(Amount(kMax)), std::nullopt);
    EXPECT_EQ(Amount(0).Minus(Amount(kMin)), std::nullopt);
    EXPECT_EQ(Amount(-1).Minus(Amount(kMin)), Amount(kMax));
}

// Negated flips the sign of every value except INT64_MIN, which has no positive twin.
TEST(AmountTest, NegatedFailsOnlyForInt64Min) {
    EXPECT_EQ(Amount(0).Negated(), Amount(0));
    EXPECT_EQ(Amount(150).Negated(), Amount(-150));
    EXPECT_EQ(Amount(-150).Negated(), Amount(150));
    EXPECT_EQ(Amount(kMax).Negated(), Amount(kMin + 1));
    EXPECT_EQ(Amount(kMin + 1).Negated(), Amount(kMax));
    EXPECT_EQ(Amount(kMin).Negated(), std::nullopt);
}

// The predicates and ordering follow the integer value.
TEST(AmountTest, PredicatesAndOrderingFollowTheValue) {
    EXPECT_TRUE(Amount(1).is_positive());
    EXPECT_FALSE(Amount(0).is_positive());
    EXPECT_FALSE(Amount(-1).is_positive());
    EXPECT_TRUE(Amount(0).is_zero());
    EXPECT_TRUE(Amount().is_zero());
    EXPECT_FALSE(Amount(kMin).is_zero());
    EXPECT_LT(Amount(kMin), Amount(-1));
    EXPECT_LT(Amount(-1), Amount(0));
    EXPECT_GT(Amount(kMax), Amount(kMax - 1));
    static_assert(Amount(2).Plus(Amount(3)) == Amount(5), "Plus is usable in constant expressions");
}

// ScaleFloor divides exactly when it can, and keeps the edge ratios 0 and 1.
TEST(AmountTest, ScaleFloorExactCases) {
    EXPECT_EQ(ScaleFloor(300, 1, 3), 100);
    EXPECT_EQ(ScaleFloor(-300, 1, 3), -100);
    EXPECT_EQ(ScaleFloor(1000, 3, 4), 750);
    EXPECT_EQ(ScaleFloor(12345, 0, 7), 0);
    EXPECT_EQ(ScaleFloor(-12345, 0, 7), 0);
    EXPECT_EQ(ScaleFloor(12345, 7, 7), 12345);
    EXPECT_EQ(ScaleFloor(-12345, 7, 7), -12345);
    EXPECT_EQ(ScaleFloor(0, 5, 9), 0);
}

// ScaleFloor rounds toward negative infinity: toward zero for positive products, away from
// zero for negative ones (C++ division alone would truncate both toward zero).
TEST(AmountTest, ScaleFloorRoundsDownIncludingNegatives) {
    EXPECT_EQ(ScaleFloor(10, 1, 3), 3);
    EXPECT_EQ(ScaleFloor(11, 2, 3), 7);
    EXPECT_EQ(ScaleFloor(-10, 1, 3), -4);
    EXPECT_EQ(ScaleFloor(-11, 2, 3), -8);
    EXPECT_EQ(ScaleFloor(-1, 1, 2), -1);
    EXPECT_EQ(ScaleFloor(1, 1, 2), 0);
    EXPECT_EQ(ScaleFloor(-9, 1, 3), -3);
}

// Products beyond int64 are computed in 128 bits, so huge values scale without overflow.
TEST(AmountTest, ScaleFloorHandlesHugeValuesWithoutOverflow) {
    EXPECT_EQ(ScaleFloor(kMax, kMax, kMax), kMax);
    EXPECT_EQ(ScaleFloor(kMin, kMax, kMax), kMin);
    EXPECT_EQ(ScaleFloor(kMax, kMax - 1, kMax), kMax - 1);
    EXPECT_EQ(ScaleFloor(kMin, 1, 2), kMin / 2);
    EXPECT_EQ(ScaleFloor(kMax, 1, 2), kMax / 2);
    // -2^63 / 3 = -3074457345618258602.67, whose floor is ...603.
    EXPECT_EQ(ScaleFloor(kMin, 1, 3), -3074457345618258603);
    // 2^63 - 1 = 3 * 3074457345618258602 + 1.
    EXPECT_EQ(ScaleFloor(kMax, 1, 3), 3074457345618258602);
    EXPECT_EQ(ScaleFloor(kMax, 2, 3), 6148914691236517204);
    EXPECT_EQ(ScaleFloor(kMin, 2, 3), -6148914691236517206);
}

// ScaleFloor satisfies the floor inequality for many seeded values, ratios and signs.
TEST(AmountTest, ScaleFloorSatisfiesFloorPropertyOnRandomInputs) {
    Random random(20260101);
    for (int i = 0; i < 20'000; ++i) {
        const std::int64_t value =
            i % 2 == 0 ? random.Between(kMin, kMax) : random.Between(-1'000'000, 1'000'000);
        const std::int64_t denominator =
            i % 3 == 0 ? random.Between(1, kMax) : random.Between(1, 1000);
        const std::int64_t numerator = random.Between(0, denominator);
        ExpectIsFloorOfScale(value, numerator, denominator);
    }
}

// Arguments outside the documented ratio range are a programming error and abort.
TEST(AmountDeathTest, ScaleFloorRejectsRatiosAboveOne) {
    EXPECT_DEATH((void)ScaleFloor(10, 2, 1), "assertion failed");
    EXPECT_DEATH((void)ScaleFloor(10, -1, 1), "assertion failed");
    EXPECT_DEATH((void)ScaleFloor(10, 0, 0), "assertion failed");
}

}  // namespace
}  // namespace candor
