#include <gtest/gtest.h>

#include <string>

#include "program/program.h"
#include "program/testing.h"

namespace candor::program {
namespace {

using testing::EarningOf;
using testing::MustEvaluate;
using testing::Purchase;
using testing::SkippedOf;
using testing::Total;

Program Template(const std::string& name) {
    return testing::MustParse(std::string(TemplateJson(name).value_or("")));
}

// Retail: 1 point per 100 RUB, doubled at weekends, tier multipliers, status points, a first
// purchase bonus, an electronics bonus on the matching items, a Black Friday campaign budget.
TEST(TemplatesTest, RetailBehavesSensibly) {
    const Program program = Template("retail");
    MemberFacts facts;
    facts.purchases_count = 4;
    facts.tier = "silver";
    Decision decision = MustEvaluate(program, Purchase(150000, "2026-11-20T12:00:00+03:00"), facts);
    EXPECT_EQ(Total(decision), 18);  // 15 × 1.25, floor
    EXPECT_EQ(Total(decision, Asset::kStatus), 15);
    decision = MustEvaluate(program, Purchase(150000, "2026-11-21T12:00:00+03:00"), facts);
    EXPECT_EQ(EarningOf(decision, "weekend-double")->amount, 37);
    EXPECT_EQ(SkippedOf(program, decision, "base")->reason, Reason::kSuperseded);
    facts.purchases_count = 0;
    decision = MustEvaluate(
        program,
        Purchase(500000, "2026-11-20T12:00:00+03:00", {Item{"TV-1", "electronics", 1, 400000}}),
        facts);
    EXPECT_EQ(EarningOf(decision, "first-purchase")->amount, 500);
    EXPECT_EQ(EarningOf(decision, "electronics")->amount, 80);
    Counters counters;
    counters.budgets["black-friday-2026"] = 10'000;
    decision =
        MustEvaluate(program, Purchase(500000, "2026-11-28T12:00:00+03:00"), facts, counters);
    EXPECT_EQ(EarningOf(decision, "black-friday-bonus")->amount, 250);
    EXPECT_EQ(EarningOf(decision, "black-friday-bonus")->budget, "black-friday-2026");
    ASSERT_TRUE(decision.credit.has_value());
    ASSERT_EQ(decision.credit->budget_draws.size(), 1U) << "the campaign's points, from its budget";
    EXPECT_EQ(decision.credit->budget_draws[0].budget, "black-friday-2026");
    EXPECT_EQ(decision.credit->budget_draws[0].points, 250);
}

// Cafe: points per 10 RUB rounded half up, coffee doubled in happy hours on weekdays, every
// tenth visit, surveys capped per week.
TEST(TemplatesTest, CafeBehavesSensibly) {
    const Program program = Template("cafe");
    MemberFacts facts;
    facts.tier = "regular";
    const std::vector<Item> items = {Item{"L-1", "coffee", 1, 25000},
                                     Item{"C-1", "cake", 1, 20000}};
    Decision decision =
        MustEvaluate(program, Purchase(45000, "2026-11-19T15:30:00+03:00", items), facts);
    EXPECT_EQ(EarningOf(decision, "base")->amount, 54);  // 45 × 1.2
    EXPECT_EQ(EarningOf(decision, "happy-hours")->amount, 25);
    decision = MustEvaluate(program, Purchase(45000, "2026-11-21T15:30:00+03:00", items), facts);
    EXPECT_EQ(SkippedOf(program, decision, "happy-hours")->reason, Reason::kOutsideWindow);
    facts.visits_count = 9;
    decision = MustEvaluate(program, Purchase(45000, "2026-11-21T15:30:00+03:00", items), facts);
    EXPECT_EQ(EarningOf(decision, "tenth-visit")->amount, 150);
    Event survey = Purchase(0);
    survey.type = EventType::kSurveyAnswered;
    survey.survey = "nps";
    EXPECT_EQ(Total(MustEvaluate(program, survey)), 30);
    Counters counters;
    counters.values["rule:survey:week:2026-11-16"] = 30;
    EXPECT_EQ(Total(MustEvaluate(program, survey, {}, counters)), 0);
}

// Gaming: turnover points (sports bets on their own rate), status points, cashback on net
// losses, a weekend slots campaign for gold and platinum members only.
TEST(TemplatesTest, GamingBehavesSensibly) {
    const Program program = Template("gaming");
    MemberFacts facts;
    facts.tier = "gold";
    Event bet = Purchase(1'000'000, "2026-11-20T20:00:00+03:00");
    bet.type = EventType::kBet;
    bet.game = "sports";
    Decision decision = MustEvaluate(program, bet, facts);
    EXPECT_EQ(EarningOf(decision, "sports-turnover")->amount, 12);  // 10 × 1.25
    EXPECT_EQ(SkippedOf(program, decision, "turnover")->reason, Reason::kSuperseded);
    EXPECT_EQ(Total(decision, Asset::kStatus), 100);
    Event round = Purchase(1'000'000, "2026-11-21T20:00:00+03:00");
    round.type = EventType::kGameRound;
    round.game = "slots";
    round.win = 600'000;
    Counters counters;
    counters.budgets["weekend-slots-2026"] = 5;
    decision = MustEvaluate(program, round, facts, counters);
    EXPECT_EQ(EarningOf(decision, "turnover")->amount, 25);
    EXPECT_EQ(EarningOf(decision, "net-cashback")->amount, 20'000);  // 5% of 4,000 RUB lost
    EXPECT_EQ(EarningOf(decision, "weekend-slots-bonus")->amount, 5) << "the budget's last 5";
    facts.tier = "silver";
    decision = MustEvaluate(program, round, facts, counters);
    EXPECT_EQ(SkippedOf(program, decision, "weekend-slots-bonus")->reason, Reason::kNotTargeted);
}

}  // namespace
}  // namespace candor::program
