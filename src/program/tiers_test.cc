#include <gtest/gtest.h>

#include <string>

#include "program/program.h"
#include "program/testing.h"

namespace candor::program {
namespace {

using testing::At;
using testing::MustParse;
using testing::ProgramText;

Program Tiered(std::int64_t grace_months) {
    return MustParse(ProgramText("",
                                 R"("tiers": {"metric": "status_points", "grace_months": )" +
                                     std::to_string(grace_months) + R"(, "levels": [
          {"id": "silver", "name": {"ru": "С", "en": "S"}, "threshold": 0},
          {"id": "gold", "name": {"ru": "З", "en": "G"}, "threshold": 1000, "multiplier": "1.25"},
          {"id": "platinum", "name": {"ru": "П", "en": "P"}, "threshold": 5000, "multiplier": 2}]},)"));
}

// The qualifying tier at exact thresholds: reaching a threshold qualifies, one less does not.
TEST(TiersTest, QualifyingTierAtExactThresholds) {
    const Program program = Tiered(0);

    struct Case {
        std::int64_t metric;
        const char* tier;
    };

    const Case cases[] = {{-1, ""},
                          {0, "silver"},
                          {999, "silver"},
                          {1000, "gold"},
                          {4999, "gold"},
                          {5000, "platinum"},
                          {99999, "platinum"}};
    for (const Case& c : cases) {
        const Tier* tier = QualifyingTier(program, c.metric);
        EXPECT_EQ(tier == nullptr ? "" : tier->id, c.tier) << c.metric;
    }
    EXPECT_EQ(QualifyingTier(MustParse(ProgramText("")), 100), nullptr) << "no tiers";
}

// Progress names the next tier and what it still needs; none at the top.
TEST(TiersTest, ProgressToTheNextTier) {
    const Program program = Tiered(0);
    TierProgress progress = ProgressToNextTier(program, "silver", 400);
    EXPECT_EQ(progress.current->id, "silver");
    EXPECT_EQ(progress.next->id, "gold");
    EXPECT_EQ(progress.remaining, 600);
    progress = ProgressToNextTier(program, "gold", 5200);
    EXPECT_EQ(progress.next->id, "platinum");
    EXPECT_EQ(progress.remaining, 0);
    progress = ProgressToNextTier(program, "platinum", 9000);
    EXPECT_EQ(progress.next, nullptr);
    progress = ProgressToNextTier(program, "", 10);
    EXPECT_EQ(progress.current, nullptr);
    EXPECT_EQ(progress.next->id, "silver");
}

// An upgrade happens at once, possibly over several levels; nothing drops between reviews.
TEST(TiersTest, UpgradesAreImmediate) {
    const Program program = Tiered(3);
    EXPECT_EQ(UpgradeTier(program, {"silver", {}}, 999).tier, "silver");
    EXPECT_EQ(UpgradeTier(program, {"silver", {}}, 1000).tier, "gold");
    EXPECT_EQ(UpgradeTier(program, {"silver", {}}, 5000).tier, "platinum");
    EXPECT_EQ(UpgradeTier(program, {"platinum", {}}, 10).tier, "platinum");
    const TierState in_grace{"gold", At("2027-03-01T00:00:00Z")};
    EXPECT_EQ(UpgradeTier(program, in_grace, 900).grace_until, in_grace.grace_until);
    EXPECT_EQ(ToMicros(UpgradeTier(program, in_grace, 1000).grace_until), 0)
        << "qualifying again ends grace";
}

// At review a member below their tier gets grace, keeps the tier during it, then drops exactly
// one level when it is over; grace months are calendar months in the program's time zone.
TEST(TiersTest, ReviewWithGraceDropsOneLevelAtATime) {
    const Program program = Tiered(1);
    const Timestamp review = At("2026-01-31T12:00:00+03:00");
    TierState state = ReviewTier(program, {"platinum", {}}, 10, review);
    EXPECT_EQ(state.tier, "platinum");
    EXPECT_EQ(state.grace_until, At("2026-02-28T12:00:00+03:00")) << "31 January + 1 month";
    EXPECT_EQ(ReviewTier(program, state, 10, At("2026-02-28T11:59:59+03:00")).tier, "platinum");
    state = ReviewTier(program, state, 10, At("2026-02-28T12:00:00+03:00"));
    EXPECT_EQ(state.tier, "gold") << "one level, although the member qualifies for silver only";
    EXPECT_EQ(ToMicros(state.grace_until), 0);
    state = ReviewTier(program, state, 10, At("2026-03-31T12:00:00+03:00"));
    EXPECT_EQ(state.tier, "gold");
    EXPECT_EQ(state.grace_until, At("2026-04-30T12:00:00+03:00"));
    // Qualifying at a review keeps (or raises) the tier and ends grace.
    state = ReviewTier(program, state, 1000, At("2026-04-01T00:00:00+03:00"));
    EXPECT_EQ(state.tier, "gold");
    EXPECT_EQ(ToMicros(state.grace_until), 0);
    EXPECT_EQ(ReviewTier(program, {"silver", {}}, 6000, review).tier, "platinum");
    // Without grace the drop happens at the review, still one level at a time.
    const Program strict = Tiered(0);
    EXPECT_EQ(ReviewTier(strict, {"platinum", {}}, 10, review).tier, "gold");
    EXPECT_EQ(ReviewTier(strict, {"silver", {}}, -5, review).tier, "");
}

// Points expire N months after earning, or at the end of that month, quarter or year.
TEST(TiersTest, PointsExpiry) {
    const auto program = [](const std::string& expiry) {
        return MustParse(ProgramText("", R"("expiry": )" + expiry + ","));
    };
    const Timestamp earned = At("2026-11-21T15:03:11+03:00");
    EXPECT_FALSE(PointsExpireAt(program(R"({"months": 0})"), earned).has_value());
    EXPECT_EQ(*PointsExpireAt(program(R"({"months": 12})"), earned),
              At("2027-11-21T15:03:00+03:00"));
    EXPECT_EQ(*PointsExpireAt(program(R"({"months": 12, "at_end_of": "month"})"), earned),
              At("2027-12-01T00:00:00+03:00"));
    EXPECT_EQ(*PointsExpireAt(program(R"({"months": 12, "at_end_of": "quarter"})"), earned),
              At("2028-01-01T00:00:00+03:00"));
    EXPECT_EQ(*PointsExpireAt(program(R"({"months": 2, "at_end_of": "quarter"})"), earned),
              At("2027-04-01T00:00:00+03:00"));
    EXPECT_EQ(*PointsExpireAt(program(R"({"months": 0, "at_end_of": "year"})"), earned),
              At("2027-01-01T00:00:00+03:00"));
}

}  // namespace
}  // namespace candor::program
