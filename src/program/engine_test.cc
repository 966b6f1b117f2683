#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/limits.h"
#include "program/program.h"
#include "program/testing.h"

namespace candor::program {
namespace {

using testing::At;
using testing::EarningOf;
using testing::MustEvaluate;
using testing::MustParse;
using testing::ProgramText;
using testing::Purchase;
using testing::RuleText;
using testing::SkippedOf;
using testing::Total;

constexpr const char* kFriday = "2026-11-20T12:00:00+03:00";
constexpr const char* kSaturday = "2026-11-21T12:00:00+03:00";

const char* const kTiers = R"("tiers": {"levels": [
    {"id": "base", "name": {"ru": "Базовый", "en": "Base"}, "threshold": 0},
    {"id": "gold", "name": {"ru": "Золото", "en": "Gold"}, "threshold": 1000, "multiplier": "1.25"}]},)";

// A rate rounds once, per the program's policy: floor, half away from zero, ceiling.
TEST(EngineTest, RateRoundsPerPolicy) {
    struct Case {
        const char* rounding;
        std::int64_t amount;
        const char* multiplier;
        std::int64_t points;
    };

    const Case cases[] = {
        {"floor", 1599, "1", 15},
        {"round", 1549, "1", 15},
        {"round", 1550, "1", 16},
        {"ceil", 1501, "1", 16},
        {"ceil", 1500, "1", 15},
        {"floor", 1000, "1.5", 15},
        {"floor", 1010, "1.5", 15},
        {"round", 1010, "1.5", 15},
        {"ceil", 1010, "1.5", 16},
        {"round", 1030, "1.5", 15},
        {"round", 1034, "1.5", 16},
        {"floor", 99, "1", 0},
    };
    for (const Case& c : cases) {
        const Program program = MustParse(ProgramText(
            RuleText("base",
                     std::string(R"({"rate": {"points": 1, "per": 100}, "multiplier": ")") +
                         c.multiplier + "\"}"),
            std::string(R"("rounding": ")") + c.rounding + "\","));
        const Decision decision = MustEvaluate(program, Purchase(c.amount));
        EXPECT_EQ(Total(decision), c.points)
            << c.rounding << " " << c.amount << " ×" << c.multiplier;
        if (c.points == 0) {
            ASSERT_EQ(decision.skipped.size(), 1U);
            EXPECT_EQ(decision.skipped[0].reason, Reason::kZeroAmount);
            EXPECT_FALSE(decision.credit.has_value()) << "nothing to post";
        }
    }
}

// A percentage earns cashback in minor units; status points go to their own asset.
TEST(EngineTest, PercentEarnsCashbackAndStatusIsItsOwnAsset) {
    const Program program = MustParse(ProgramText(
        RuleText("cashback", R"({"percent": "3.33"})", R"("asset": "cashback",)") + "," +
        RuleText("status", R"({"rate": {"points": 1, "per": 10000}})", R"("asset": "status",)")));
    const Decision decision = MustEvaluate(program, Purchase(150000));
    EXPECT_EQ(Total(decision, Asset::kCashback), 4995);  // 150000 × 3.33% = 4995
    EXPECT_EQ(Total(decision, Asset::kStatus), 15);
    EXPECT_EQ(Total(decision, Asset::kPoints), 0);
    ASSERT_TRUE(decision.credit.has_value());
    EXPECT_EQ(decision.credit->cashback, 4995);
    EXPECT_EQ(decision.credit->status, 15);
    EXPECT_EQ(decision.credit->points, 0);
    EXPECT_TRUE(decision.credit->budget_draws.empty());
}

// Fixed bonuses from member facts: first purchase, n-th visit, app channel, birthday.
TEST(EngineTest, FixedBonusesFromMemberFacts) {
    const Program program = MustParse(ProgramText(
        RuleText("first", R"({"fixed": 500})", R"("condition": "member.purchases_count == 0",)") +
        "," +
        RuleText("tenth", R"({"fixed": 150})", R"("condition": "member.visits_count % 10 == 9",)") +
        "," + RuleText("app", R"({"fixed": 50})", R"("condition": "event.channel == 'app'",)") +
        "," + RuleText("birthday", R"({"fixed": 300})", R"("condition": "member.is_birthday",)")));
    MemberFacts facts;
    Event event = Purchase(1000, kFriday);
    EXPECT_EQ(Total(MustEvaluate(program, event, facts)), 500);
    facts.purchases_count = 1;
    facts.visits_count = 19;
    EXPECT_EQ(Total(MustEvaluate(program, event, facts)), 150);
    facts.visits_count = 20;
    event.channel = "app";
    EXPECT_EQ(Total(MustEvaluate(program, event, facts)), 50);
    event.channel = "pos";
    facts.birthday = "11-20";
    EXPECT_EQ(Total(MustEvaluate(program, event, facts)), 300);
    facts.birthday = "11-21";
    EXPECT_EQ(Total(MustEvaluate(program, event, facts)), 0);
    // 29 February is celebrated on 28 February in other years.
    facts.birthday = "02-29";
    EXPECT_EQ(Total(MustEvaluate(program, Purchase(1000, "2027-02-28T12:00:00+03:00"), facts)),
              300);
    EXPECT_EQ(Total(MustEvaluate(program, Purchase(1000, "2028-02-28T12:00:00+03:00"), facts)), 0);
    EXPECT_EQ(Total(MustEvaluate(program, Purchase(1000, "2028-02-29T12:00:00+03:00"), facts)),
              300);
}

// An amount expression may give an int or a decimal; a failing one skips only its rule.
TEST(EngineTest, ExpressionAmounts) {
    const Program program = MustParse(
        ProgramText(RuleText("int", R"({"expression": "event.amount / 100 * 2"})") + "," +
                    RuleText("decimal", R"({"expression": "event.amount * 0.015"})") + "," +
                    RuleText("broken", R"({"expression": "event.amount / member.visits_count"})") +
                    "," + RuleText("negative", R"({"expression": "0 - event.amount"})")));
    const Decision decision = MustEvaluate(program, Purchase(150050));
    ASSERT_NE(EarningOf(decision, "int"), nullptr);
    EXPECT_EQ(EarningOf(decision, "int")->amount, 3000);
    ASSERT_NE(EarningOf(decision, "decimal"), nullptr);
    EXPECT_EQ(EarningOf(decision, "decimal")->amount, 2250);  // 2250.75, floor
    const Skipped* broken = SkippedOf(program, decision, "broken");
    ASSERT_NE(broken, nullptr);
    EXPECT_EQ(broken->reason, Reason::kError);
    EXPECT_FALSE(broken->detail.empty());
    const Skipped* negative = SkippedOf(program, decision, "negative");
    ASSERT_NE(negative, nullptr);
    EXPECT_EQ(negative->reason, Reason::kZeroAmount);
}

// Per-item rules earn on the matching items only: category multipliers and per-unit bonuses.
TEST(EngineTest, ItemRulesEarnOnMatchingItems) {
    const Program program = MustParse(ProgramText(
        RuleText("coffee-x3",
                 R"({"rate": {"points": 1, "per": 100}, "multiplier": 3})",
                 R"("items": "item.category == 'coffee'",)") +
        "," + RuleText("per-cup", R"({"fixed": 10})", R"("items": "item.category == 'coffee'",)") +
        "," + RuleText("sku", R"({"fixed": 7})", R"("items": "item.sku == 'Z-1'",)")));
    const Decision decision = MustEvaluate(program,
                                           Purchase(100000,
                                                    kFriday,
                                                    {Item{"A-1", "coffee", 2, 60000},
                                                     Item{"T-1", "tea", 1, 30000},
                                                     Item{"A-2", "coffee", 1, 5000}}));
    const Earning* coffee = EarningOf(decision, "coffee-x3");
    ASSERT_NE(coffee, nullptr);
    EXPECT_EQ(coffee->amount, 1950);  // 650.00 RUB of coffee × 1/100 × 3
    EXPECT_EQ(coffee->base, 65000);
    EXPECT_EQ(coffee->items_matched, 2U);
    ASSERT_NE(EarningOf(decision, "per-cup"), nullptr);
    EXPECT_EQ(EarningOf(decision, "per-cup")->amount, 30) << "10 per unit, 3 units";
    const Skipped* sku = SkippedOf(program, decision, "sku");
    ASSERT_NE(sku, nullptr);
    EXPECT_EQ(sku->reason, Reason::kNoMatchingItems);
    // A purchase without items matches nothing.
    EXPECT_EQ(SkippedOf(program, MustEvaluate(program, Purchase(1000)), "coffee-x3")->reason,
              Reason::kNoMatchingItems);
}

// Tier multipliers apply to the rules that ask for them, at the member's tier.
TEST(EngineTest, TierMultipliers) {
    const Program program = MustParse(ProgramText(
        RuleText("base", R"({"rate": {"points": 1, "per": 100}, "tier_multiplier": true})") + "," +
            RuleText("flat", R"({"rate": {"points": 1, "per": 100}})"),
        kTiers));
    MemberFacts facts;
    facts.tier = "gold";
    Decision decision = MustEvaluate(program, Purchase(150000), facts);
    EXPECT_EQ(EarningOf(decision, "base")->amount, 1875);
    EXPECT_EQ(EarningOf(decision, "base")->tier, "gold");
    EXPECT_EQ(EarningOf(decision, "base")->tier_multiplier_micro, 1'250'000);
    EXPECT_EQ(EarningOf(decision, "flat")->amount, 1500);
    EXPECT_EQ(EarningOf(decision, "flat")->tier, "");
    EXPECT_EQ(decision.tier, "gold");
    facts.tier = "diamond";  // not in this program version: no multiplier
    decision = MustEvaluate(program, Purchase(150000), facts);
    EXPECT_EQ(EarningOf(decision, "base")->amount, 1500);
    EXPECT_EQ(decision.tier, "");
}

const std::string kExclusiveProgram = ProgramText(
    RuleText("base", R"({"rate": {"points": 1, "per": 100}})", R"("group": "g",)") + "," +
        RuleText("weekend",
                 R"({"rate": {"points": 1, "per": 100}, "multiplier": 2})",
                 R"("group": "g", "priority": 10, "window": {"days": ["sat", "sun"]},)") +
        "," +
        RuleText("vip",
                 R"({"rate": {"points": 1, "per": 100}, "multiplier": 3})",
                 R"("group": "g", "priority": 20, "condition": "'vip' in member.segments",
                    "caps": {"day": 100},)"),
    R"("groups": [{"id": "g", "stacking": "exclusive"}],)");

// Exclusive: the highest-priority rule that earns wins; the others say which one did.
TEST(EngineTest, ExclusiveGroupHighestPriorityWins) {
    const Program program = MustParse(kExclusiveProgram);
    Decision decision = MustEvaluate(program, Purchase(10000, kSaturday));
    ASSERT_EQ(decision.earnings.size(), 1U);
    EXPECT_EQ(decision.earnings[0].rule_id, "weekend");
    EXPECT_EQ(decision.earnings[0].amount, 200);
    EXPECT_EQ(SkippedOf(program, decision, "base")->reason, Reason::kSuperseded);
    EXPECT_EQ(SkippedOf(program, decision, "base")->detail, "weekend");
    EXPECT_EQ(SkippedOf(program, decision, "vip")->reason, Reason::kConditionFalse);

    decision = MustEvaluate(program, Purchase(10000, kFriday));
    ASSERT_EQ(decision.earnings.size(), 1U);
    EXPECT_EQ(decision.earnings[0].rule_id, "base");
    EXPECT_EQ(SkippedOf(program, decision, "weekend")->reason, Reason::kOutsideWindow);

    // A capped winner earns what its cap leaves; once it has nothing left, the next one earns.
    MemberFacts vip;
    vip.segments = {"vip"};
    Counters counters;
    counters.values["rule:vip:day:2026-11-21"] = 40;
    decision = MustEvaluate(program, Purchase(10000, kSaturday), vip, counters);
    ASSERT_EQ(decision.earnings.size(), 1U);
    EXPECT_EQ(decision.earnings[0].rule_id, "vip");
    EXPECT_EQ(decision.earnings[0].amount, 60);
    EXPECT_EQ(decision.earnings[0].planned, 300);
    counters.values["rule:vip:day:2026-11-21"] = 100;
    decision = MustEvaluate(program, Purchase(10000, kSaturday), vip, counters);
    ASSERT_EQ(decision.earnings.size(), 1U);
    EXPECT_EQ(decision.earnings[0].rule_id, "weekend");
    EXPECT_EQ(SkippedOf(program, decision, "vip")->reason, Reason::kCapped);
}

// Priority: rules earn in priority order until one with `stop` fires; stackable: all earn.
TEST(EngineTest, PriorityGroupStopsAfterAStopRuleAndStackableStacks) {
    for (const char* stacking : {"priority", "stackable"}) {
        const bool is_priority = std::string(stacking) == "priority";
        const std::string stop = is_priority ? R"("stop": true,)" : "";
        const Program program = MustParse(ProgramText(
            RuleText("a", R"({"fixed": 1})", R"("group": "g", "priority": 3,)") + "," +
                RuleText(
                    "b",
                    R"({"fixed": 10})",
                    R"("group": "g", "priority": 2, "condition": "event.amount > 500",)" + stop) +
                "," + RuleText("c", R"({"fixed": 100})", R"("group": "g", "priority": 1,)"),
            std::string(R"("groups": [{"id": "g", "stacking": ")") + stacking + "\"}],"));
        Decision decision = MustEvaluate(program, Purchase(1000));
        EXPECT_EQ(Total(decision), is_priority ? 11 : 111) << stacking;
        if (is_priority) {
            EXPECT_EQ(SkippedOf(program, decision, "c")->reason, Reason::kStopped);
            EXPECT_EQ(SkippedOf(program, decision, "c")->detail, "b");
        }
        decision = MustEvaluate(program, Purchase(100));
        EXPECT_EQ(Total(decision), 101) << stacking << ": b did not fire, so nothing stops c";
    }
    // Rules of different groups and of no group never interfere.
    const Program program = MustParse(ProgramText(
        RuleText("a", R"({"fixed": 1})", R"("group": "g",)") + "," +
            RuleText("b", R"({"fixed": 10})", R"("group": "h",)") + "," +
            RuleText("c", R"({"fixed": 100})"),
        R"("groups": [{"id": "g", "stacking": "exclusive"}, {"id": "h", "stacking": "exclusive"}],)"));
    EXPECT_EQ(Total(MustEvaluate(program, Purchase(100))), 111);
}

// Caps per day, week and month: a cap is reached exactly and never passed.
TEST(EngineTest, CapsAreReachedExactlyAndNeverPassed) {
    const Program program = MustParse(ProgramText(
        RuleText("r",
                 R"({"rate": {"points": 1, "per": 100}})",
                 R"("caps": {"day": 100, "week": 250, "month": 1000, "per_event": 80},)")));

    struct Case {
        std::int64_t day_used;
        std::int64_t week_used;
        std::int64_t month_used;
        std::int64_t amount;  // of the purchase, minor units
        std::int64_t points;
        const char* limited_by;
    };

    const Case cases[] = {
        {0, 0, 0, 6000, 60, ""},
        {40, 40, 40, 6000, 60, ""},
        {41, 41, 41, 6000, 59, "rule:r:day:2026-11-20"},
        {99, 99, 99, 6000, 1, "rule:r:day:2026-11-20"},
        {100, 100, 100, 6000, 0, "rule:r:day:2026-11-20"},
        {150, 150, 150, 6000, 0, "rule:r:day:2026-11-20"},
        {0, 200, 200, 6000, 50, "rule:r:week:2026-11-16"},
        {0, 0, 990, 6000, 10, "rule:r:month:2026-11"},
        {0, 0, 0, 9000, 80, "per_event"},
        {0, 0, 0, 8000, 80, ""},
    };
    for (const Case& c : cases) {
        Counters counters;
        counters.values["rule:r:day:2026-11-20"] = c.day_used;
        counters.values["rule:r:week:2026-11-16"] = c.week_used;
        counters.values["rule:r:month:2026-11"] = c.month_used;
        const Decision decision = MustEvaluate(program, Purchase(c.amount, kFriday), {}, counters);
        EXPECT_EQ(Total(decision), c.points)
            << c.day_used << "/" << c.week_used << "/" << c.month_used;
        if (c.points > 0) {
            EXPECT_EQ(decision.earnings[0].limited_by, c.limited_by);
            EXPECT_EQ(decision.earnings[0].planned, c.amount / 100);
            ASSERT_EQ(decision.increments.size(), 3U);
            for (const CounterIncrement& increment : decision.increments) {
                EXPECT_EQ(increment.delta, c.points) << increment.key;
            }
            // Each increment carries the cap its counter must stay within.
            EXPECT_EQ(decision.increments[0].cap, 100);
            EXPECT_EQ(decision.increments[1].cap, 250);
            EXPECT_EQ(decision.increments[2].cap, 1000);
        } else {
            EXPECT_EQ(decision.skipped[0].reason, Reason::kCapped);
            EXPECT_EQ(decision.skipped[0].detail, c.limited_by);
            EXPECT_TRUE(decision.increments.empty());
        }
    }
    EXPECT_EQ(CounterKeys(program, Purchase(1, kFriday)),
              (std::vector<std::string>{
                  "rule:r:day:2026-11-20", "rule:r:week:2026-11-16", "rule:r:month:2026-11"}));
    Event review = Purchase(1, kFriday);
    review.type = EventType::kReview;
    EXPECT_TRUE(CounterKeys(program, review).empty()) << "the rule is for purchases only";
}

const std::string kCampaignProgram = ProgramText(
    RuleText("base", R"({"rate": {"points": 1, "per": 100}})"),
    R"("campaigns": [{"id": "bf", "name": {"ru": "Чёрная пятница", "en": "Black Friday"},
        "schedule": {"from": "2026-11-27", "to": "2026-11-30"},
        "target": "member.tier != 'blocked'",
        "budget": "bf-2026", "caps": {"total": 500, "per_event": 400},
        "rules": [)" +
        RuleText("bf-a", R"({"rate": {"points": 1, "per": 100}})") + "," +
        RuleText("bf-b", R"({"fixed": 100})") + "]}],");

// A campaign's budget is never overdrawn: two of its rules share what is left.
TEST(EngineTest, CampaignBudgetIsNeverOverdrawn) {
    const Program program = MustParse(kCampaignProgram);
    const Event event = Purchase(20000, "2026-11-28T12:00:00+03:00");

    struct Case {
        std::int64_t remaining;
        std::int64_t a;
        std::int64_t b;
    };

    const Case cases[] = {{1000, 200, 100},
                          {300, 200, 100},
                          {250, 200, 50},
                          {200, 200, 0},
                          {150, 150, 0},
                          {1, 1, 0},
                          {0, 0, 0}};
    for (const Case& c : cases) {
        Counters counters;
        if (c.remaining > 0) {
            counters.budgets["bf-2026"] = c.remaining;
        }
        const Decision decision = MustEvaluate(program, event, {}, counters);
        const Earning* a = EarningOf(decision, "bf-a");
        const Earning* b = EarningOf(decision, "bf-b");
        EXPECT_EQ(a == nullptr ? 0 : a->amount, c.a) << c.remaining;
        EXPECT_EQ(b == nullptr ? 0 : b->amount, c.b) << c.remaining;
        if (c.b == 0) {
            EXPECT_EQ(SkippedOf(program, decision, "bf-b")->reason, Reason::kBudgetExhausted);
        }
        EXPECT_EQ(EarningOf(decision, "base")->amount, 200);
        EXPECT_EQ(EarningOf(decision, "base")->budget, "");
        // One credit: its points from the issued account and, as a draw, from the budget.
        ASSERT_TRUE(decision.credit.has_value());
        EXPECT_EQ(decision.credit->points, 200 + c.a + c.b);
        std::int64_t from_budget = 0;
        for (const BudgetDraw& draw : decision.credit->budget_draws) {
            EXPECT_EQ(draw.budget, "bf-2026");
            from_budget += draw.points;
        }
        EXPECT_EQ(decision.credit->budget_draws.size(), c.a + c.b > 0 ? 1U : 0U);
        EXPECT_EQ(from_budget, c.a + c.b);
        EXPECT_LE(from_budget, c.remaining);
    }
}

// Campaign caps: per event across its rules, and per member over the whole campaign.
TEST(EngineTest, CampaignCaps) {
    const Program program = MustParse(kCampaignProgram);
    Counters counters;
    counters.budgets["bf-2026"] = 1'000'000;
    Event event = Purchase(50000, "2026-11-28T12:00:00+03:00");
    Decision decision = MustEvaluate(program, event, {}, counters);
    EXPECT_EQ(EarningOf(decision, "bf-a")->amount, 400) << "per_event 400 of 500 planned";
    EXPECT_EQ(EarningOf(decision, "bf-a")->limited_by, "campaign:bf:event");
    EXPECT_EQ(SkippedOf(program, decision, "bf-b")->reason, Reason::kCapped);
    ASSERT_EQ(decision.increments.size(), 1U);
    EXPECT_EQ(decision.increments[0].key, "campaign:bf:total");
    EXPECT_EQ(decision.increments[0].delta, 400);
    counters.values["campaign:bf:total"] = 450;
    decision = MustEvaluate(program, event, {}, counters);
    EXPECT_EQ(EarningOf(decision, "bf-a")->amount, 50);
    EXPECT_EQ(EarningOf(decision, "bf-a")->limited_by, "campaign:bf:total");
    EXPECT_EQ(CounterKeys(program, event), (std::vector<std::string>{"campaign:bf:total"}));
    EXPECT_TRUE(CounterKeys(program, Purchase(1, kFriday)).empty()) << "not running then";
}

// A campaign runs from its first day's start to its last day's end, local time, for its target.
TEST(EngineTest, CampaignScheduleAndTarget) {
    const Program program = MustParse(kCampaignProgram);
    Counters counters;
    counters.budgets["bf-2026"] = 1'000'000;

    struct Case {
        const char* at;
        bool runs;
    };

    const Case cases[] = {
        {"2026-11-26T23:59:59+03:00", false},
        {"2026-11-27T00:00:00+03:00", true},
        {"2026-11-26T21:00:00Z", true},
        {"2026-11-30T23:59:59+03:00", true},
        {"2026-12-01T00:00:00+03:00", false},
        {"2026-11-30T21:00:00Z", false},
    };
    for (const Case& c : cases) {
        const Decision decision = MustEvaluate(program, Purchase(1000, c.at), {}, counters);
        EXPECT_EQ(EarningOf(decision, "bf-b") != nullptr, c.runs) << c.at;
        if (!c.runs) {
            EXPECT_EQ(SkippedOf(program, decision, "bf-b")->reason, Reason::kOutsideSchedule);
        }
    }
    MemberFacts blocked;
    blocked.tier = "blocked";
    const Decision decision =
        MustEvaluate(program, Purchase(1000, "2026-11-28T12:00:00+03:00"), blocked, counters);
    EXPECT_EQ(SkippedOf(program, decision, "bf-b")->reason, Reason::kNotTargeted);
}

// Windows are in the program's time zone: days, hours across DST changes, hours over midnight.
TEST(EngineTest, WindowsFollowTheProgramTimeZoneAcrossDst) {
    const Program berlin =
        MustParse(ProgramText(RuleText("happy",
                                       R"({"fixed": 1})",
                                       R"("window": {"hours": {"from": "10:00", "to": "14:00"}},)"),
                              R"("time_zone": "Europe/Berlin",)"));

    struct Case {
        const char* at;
        bool in;
    };

    // Berlin moves from UTC+1 to UTC+2 at 2026-03-29T01:00Z.
    const Case cases[] = {
        {"2026-03-28T08:59:59Z", false},
        {"2026-03-28T09:00:00Z", true},
        {"2026-03-28T12:59:59Z", true},
        {"2026-03-28T13:00:00Z", false},
        {"2026-03-29T07:59:59Z", false},
        {"2026-03-29T08:00:00Z", true},
        {"2026-03-29T11:59:59Z", true},
        {"2026-03-29T12:00:00Z", false},
        {"2026-10-25T08:59:59Z", false},
        {"2026-10-25T09:00:00Z", true},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(Total(MustEvaluate(berlin, Purchase(100, c.at))), c.in ? 1 : 0) << c.at;
    }
    // The same instant is Saturday in Moscow and still Friday in London.
    const std::string weekend =
        RuleText("weekend", R"({"fixed": 1})", R"("window": {"days": ["sat", "sun"]},)");
    const char* friday_night_utc = "2026-11-20T22:00:00Z";
    EXPECT_EQ(Total(MustEvaluate(MustParse(ProgramText(weekend)), Purchase(100, friday_night_utc))),
              1);
    EXPECT_EQ(
        Total(MustEvaluate(MustParse(ProgramText(weekend, R"("time_zone": "Europe/London",)")),
                           Purchase(100, friday_night_utc))),
        0);
    // Hours from 22:00 to 02:00 span midnight; dates include the last day.
    const Program night =
        MustParse(ProgramText(RuleText("night",
                                       R"({"fixed": 1})",
                                       R"("window": {"hours": {"from": "22:00", "to": "02:00"},
                      "dates": {"from": "2026-12-01", "to": "2026-12-31"}},)")));
    const Case nights[] = {
        {"2026-12-01T21:59:00+03:00", false},
        {"2026-12-01T22:00:00+03:00", true},
        {"2026-12-02T01:59:00+03:00", true},
        {"2026-12-02T02:00:00+03:00", false},
        {"2026-12-31T23:30:00+03:00", true},
        {"2027-01-01T00:30:00+03:00", false},
        {"2026-11-30T23:30:00+03:00", false},
    };
    for (const Case& c : nights) {
        EXPECT_EQ(Total(MustEvaluate(night, Purchase(100, c.at))), c.in ? 1 : 0) << c.at;
    }
}

// Counters follow the local calendar: a purchase just after local midnight counts for the new
// day, week and month.
TEST(EngineTest, CounterKeysFollowTheLocalCalendar) {
    const Program program = MustParse(ProgramText(
        RuleText("r", R"({"fixed": 1})", R"("caps": {"day": 5, "week": 5, "month": 5},)")));
    EXPECT_EQ(CounterKeys(program, Purchase(1, "2026-11-30T20:59:59Z")),
              (std::vector<std::string>{
                  "rule:r:day:2026-11-30", "rule:r:week:2026-11-30", "rule:r:month:2026-11"}));
    EXPECT_EQ(CounterKeys(program, Purchase(1, "2026-11-30T21:00:00Z")),
              (std::vector<std::string>{
                  "rule:r:day:2026-12-01", "rule:r:week:2026-11-30", "rule:r:month:2026-12"}));
    EXPECT_EQ(CounterKeys(program, Purchase(1, "2026-12-06T21:00:00Z")),
              (std::vector<std::string>{
                  "rule:r:day:2026-12-07", "rule:r:week:2026-12-07", "rule:r:month:2026-12"}));
}

// A counter key splits into what it counts and the UTC start of its local period, so that the
// store keeps one row per period.
TEST(EngineTest, CounterPeriodsStartAtLocalMidnight) {
    const Program program = MustParse(kCampaignProgram);
    const auto period = [&](std::string_view key) {
        const CounterPeriod p = CounterPeriodOf(program, key);
        return std::pair(p.scope, FormatRfc3339(p.start));
    };
    using P = std::pair<std::string, std::string>;
    EXPECT_EQ(period("rule:r:day:2026-12-07"), P("rule:r:day", "2026-12-06T21:00:00Z"));
    EXPECT_EQ(period("rule:r:week:2026-11-30"), P("rule:r:week", "2026-11-29T21:00:00Z"));
    EXPECT_EQ(period("rule:r:month:2026-12"), P("rule:r:month", "2026-11-30T21:00:00Z"));
    EXPECT_EQ(period("campaign:bf:total"), P("campaign:bf:total", "1970-01-01T00:00:00Z"));
}

// The budgets an event reads are those of the campaigns that run then and earn on its type.
TEST(EngineTest, BudgetCodesOfRunningCampaigns) {
    const Program program = MustParse(kCampaignProgram);
    EXPECT_EQ(BudgetCodes(program, Purchase(1, "2026-11-28T12:00:00+03:00")),
              (std::vector<std::string>{"bf-2026"}));
    EXPECT_TRUE(BudgetCodes(program, Purchase(1, kFriday)).empty()) << "not running then";
    Event review = Purchase(1, "2026-11-28T12:00:00+03:00");
    review.type = EventType::kReview;
    EXPECT_TRUE(BudgetCodes(program, review).empty()) << "its rules are for purchases";
}

// A member's local day is counted in their own zone; an unknown zone has none.
TEST(EngineTest, LocalDayInAMembersZone) {
    const Timestamp t = testing::At("2026-11-30T21:30:00Z");
    EXPECT_EQ(LocalDay("Europe/Moscow", t), LocalDay("UTC", t).value() + 1);
    EXPECT_EQ(LocalDay("UTC", t), 20'787);  // 2026-11-30
    EXPECT_FALSE(LocalDay("Mars/Olympus", t).has_value());
}

// Bets and game rounds earn on their turnover, or on what the member lost.
TEST(EngineTest, BetsAndGameRoundsEarnOnTurnoverOrNetLoss) {
    const Program program = MustParse(ProgramText(
        R"({"id": "turnover", "name": {"ru": "t", "en": "t"}, "events": ["bet", "game_round"],
            "earn": {"rate": {"points": 1, "per": 50000}}},
           {"id": "sports", "name": {"ru": "s", "en": "s"}, "events": ["bet"],
            "condition": "event.game == 'sports'", "earn": {"fixed": 5}},
           {"id": "net", "name": {"ru": "n", "en": "n"}, "events": ["game_round"],
            "asset": "cashback", "earn": {"percent": 5, "base": "net"}})"));
    Event bet = Purchase(500000);
    bet.type = EventType::kBet;
    bet.game = "sports";
    Decision decision = MustEvaluate(program, bet);
    EXPECT_EQ(EarningOf(decision, "turnover")->amount, 10);
    EXPECT_EQ(EarningOf(decision, "sports")->amount, 5);
    EXPECT_EQ(SkippedOf(program, decision, "net")->reason, Reason::kWrongEventType);
    Event round = Purchase(100000);
    round.type = EventType::kGameRound;
    round.win = 40000;
    decision = MustEvaluate(program, round);
    EXPECT_EQ(EarningOf(decision, "net")->amount, 3000);  // 5% of 600.00 lost
    EXPECT_EQ(EarningOf(decision, "net")->base, 60000);
    round.win = 150000;
    decision = MustEvaluate(program, round);
    EXPECT_EQ(SkippedOf(program, decision, "net")->reason, Reason::kZeroAmount) << "a win";
    EXPECT_EQ(EarningOf(decision, "turnover")->amount, 2);
}

// Custom event types earn fixed bonuses; the event's name tells them apart.
TEST(EngineTest, CustomEventsEarnFixedBonuses) {
    const Program program = MustParse(ProgramText(
        R"({"id": "review", "name": {"ru": "r", "en": "r"}, "events": ["review"],
            "condition": "!has(event.rating) || event.rating >= 4", "earn": {"fixed": 20}},
           {"id": "survey", "name": {"ru": "s", "en": "s"}, "events": ["survey_answered"],
            "earn": {"fixed": 30}},
           {"id": "referral", "name": {"ru": "f", "en": "f"}, "events": ["referral_completed"],
            "earn": {"fixed": 200}},
           {"id": "verified", "name": {"ru": "v", "en": "v"}, "events": ["custom"],
            "condition": "event.name == 'profile_verified'", "earn": {"fixed": 100}})"));
    const auto earned = [&](EventType type, std::string name, std::int64_t rating) {
        Event event = Purchase(0);
        event.type = type;
        event.name = std::move(name);
        event.rating = rating;
        return Total(MustEvaluate(program, event));
    };
    EXPECT_EQ(earned(EventType::kReview, "", 0), 20);
    EXPECT_EQ(earned(EventType::kReview, "", 5), 20);
    EXPECT_EQ(earned(EventType::kReview, "", 3), 0);
    EXPECT_EQ(earned(EventType::kSurveyAnswered, "", 0), 30);
    EXPECT_EQ(earned(EventType::kReferralCompleted, "", 0), 200);
    EXPECT_EQ(earned(EventType::kCustom, "profile_verified", 0), 100);
    EXPECT_EQ(earned(EventType::kCustom, "app_installed", 0), 0);
}

// A refund reverses its purchase by part/whole; it never reverses more than the purchase.
TEST(EngineTest, RefundsReversePartOfTheOriginal) {
    const Program program = MustParse(ProgramText(RuleText("base", R"({"fixed": 1})")));
    Event refund = Purchase(30000);
    refund.type = EventType::kRefund;
    refund.original = "till-17-000381";
    refund.original_amount = 100000;
    Decision decision = MustEvaluate(program, refund);
    ASSERT_TRUE(decision.reversal.has_value());
    EXPECT_EQ(decision.reversal->original, "till-17-000381");
    EXPECT_EQ(decision.reversal->part, 30000);
    EXPECT_EQ(decision.reversal->whole, 100000);
    EXPECT_TRUE(decision.earnings.empty());
    EXPECT_FALSE(decision.credit.has_value());
    auto meta = ParseMeta(decision.reversal->meta);
    ASSERT_TRUE(meta.has_value());
    EXPECT_EQ(meta->event_type, EventType::kRefund);
    EXPECT_EQ(meta->original, "till-17-000381");
    EXPECT_EQ(meta->amount, 30000);
    EXPECT_EQ(meta->whole, 100000);
    refund.amount = 100000;
    EXPECT_EQ(MustEvaluate(program, refund).reversal->part, 100000) << "a whole refund";
    refund.amount = 100001;
    auto too_much = Evaluate(program, refund, {}, {});
    ASSERT_FALSE(too_much.has_value());
    EXPECT_EQ(too_much.error().code, ErrorCode::kReversalExceedsOriginal);
    refund.original_amount = 0;
    too_much = Evaluate(program, refund, {}, {});
    ASSERT_FALSE(too_much.has_value());
    EXPECT_EQ(too_much.error().code, ErrorCode::kInvalidArgument);
}

// The journal meta records the version, the event and what each rule earned, and reads back.
TEST(EngineTest, MetaRecordsVersionEventAndRules) {
    const Program program = MustParse(
        ProgramText(
            RuleText("base", R"({"rate": {"points": 1, "per": 100}, "tier_multiplier": true})") +
                "," + RuleText("status", R"({"fixed": 7})", R"("asset": "status",)"),
            kTiers),
        42);
    MemberFacts facts;
    facts.tier = "gold";
    const Decision decision = MustEvaluate(program, Purchase(150000), facts);
    ASSERT_TRUE(decision.credit.has_value());
    EXPECT_EQ(
        decision.credit->meta,
        R"({"v":42,"e":"purchase","a":150000,"t":"gold","r":[["base","points",1875],["status","status",7]]})");
    auto meta = ParseMeta(decision.credit->meta);
    ASSERT_TRUE(meta.has_value());
    EXPECT_EQ(meta->program_version, 42);
    EXPECT_EQ(meta->amount, 150000);
    EXPECT_EQ(meta->tier, "gold");
    ASSERT_EQ(meta->rules.size(), 2U);
    EXPECT_EQ(meta->rules[1].asset, Asset::kStatus);
    EXPECT_EQ(meta->rules[1].amount, 7);
    EXPECT_FALSE(ParseMeta("{}").has_value());
    EXPECT_FALSE(ParseMeta("opaque").has_value());
}

// However many rules fire, the meta stays within the journal's bound and counts the rest.
TEST(EngineTest, MetaFitsTheJournalBound) {
    std::string rules;
    for (std::size_t i = 0; i < limits::kProgramRulesMax; ++i) {
        rules +=
            (i == 0 ? "" : ",") + RuleText(fmt::format("rule-with-a-long-identifier-{:04d}", i),
                                           R"({"fixed": 1000000000})");
    }
    const Program program = MustParse(ProgramText(rules));
    const Decision decision = MustEvaluate(program, Purchase(1));
    EXPECT_EQ(decision.earnings.size(), limits::kProgramRulesMax);
    ASSERT_TRUE(decision.credit.has_value());
    EXPECT_LE(decision.credit->meta.size(), limits::kEntryMetaBytesMax);
    auto meta = ParseMeta(decision.credit->meta);
    ASSERT_TRUE(meta.has_value());
    EXPECT_GT(meta->rules_omitted, 0);
    EXPECT_EQ(static_cast<std::int64_t>(meta->rules.size()) + meta->rules_omitted,
              static_cast<std::int64_t>(limits::kProgramRulesMax));
}

// Whatever the options record, the decision is the same: a simulation with every trace and a
// bare decision post exactly what the default earning posts.
TEST(EngineTest, OptionsChangeWhatIsRecordedNeverTheDecision) {
    const Program program = MustParse(kExclusiveProgram);
    MemberFacts facts;
    facts.segments = {"regular"};
    const Event event = Purchase(10000, kSaturday);
    const Decision real = MustEvaluate(program, event, facts);
    const auto numbers = [](const Decision& decision) {
        nlohmann::json out = nlohmann::json::array();
        for (const Earning& earning : decision.earnings) {
            out.push_back({earning.rule_id, earning.amount, earning.planned, earning.limited_by});
        }
        if (decision.credit) {
            const Credit& credit = *decision.credit;
            out.push_back({credit.points, credit.status, credit.cashback, credit.meta});
            for (const BudgetDraw& draw : credit.budget_draws) {
                out.push_back({draw.budget, draw.points});
            }
        }
        for (const CounterIncrement& increment : decision.increments) {
            out.push_back({increment.key, increment.delta, increment.cap});
        }
        return out;
    };
    for (const bool trace_earnings : {false, true}) {
        for (const bool list_skipped : {false, true}) {
            EvaluateOptions options;
            options.trace_earnings = trace_earnings;
            options.list_skipped = list_skipped;
            options.trace_skipped = true;
            const Decision decision = MustEvaluate(program, event, facts, {}, options);
            EXPECT_EQ(numbers(decision), numbers(real));
            EXPECT_EQ(decision.earnings[0].trace.empty(), !trace_earnings);
            EXPECT_EQ(decision.skipped.empty(), !list_skipped);
        }
    }
    EvaluateOptions options;
    options.trace_skipped = true;
    const Decision simulated = MustEvaluate(program, event, facts, {}, options);
    const Skipped* vip = SkippedOf(program, simulated, "vip");
    ASSERT_NE(vip, nullptr);
    ASSERT_FALSE(vip->trace.empty());
    EXPECT_EQ(vip->trace.back().source, "'vip' in member.segments");
    EXPECT_EQ(vip->trace.back().value, "false");
    EXPECT_TRUE(SkippedOf(program, real, "vip")->trace.empty());
}

// A fired rule's trace shows why its condition held and how its amount came out.
TEST(EngineTest, EarningsCarryTheirTrace) {
    const Program program = MustParse(ProgramText(
        RuleText("big",
                 R"({"rate": {"points": 1, "per": 100}, "multiplier": 2})",
                 R"("condition": "event.amount >= 100000 && event.store == 's-17'",)")));
    Event event = Purchase(150000);
    event.store = "s-17";
    const Decision decision = MustEvaluate(program, event);
    ASSERT_EQ(decision.earnings.size(), 1U);
    const std::vector<TraceStep>& trace = decision.earnings[0].trace;
    ASSERT_GE(trace.size(), 3U);
    EXPECT_EQ(trace.front().source, "event.amount");
    EXPECT_EQ(trace.front().value, "150000");
    EXPECT_EQ(trace.back().source, "amount");
    EXPECT_EQ(trace.back().value, "150000 × 1/100 × 2 → 3000 (floor)");
}

// The engine refuses what it cannot decide: an event without a time.
TEST(EngineTest, RefusesAnEventWithoutATime) {
    const Program program = MustParse(ProgramText(RuleText("r", R"({"fixed": 1})")));
    Event event = Purchase(100);
    event.occurred_at = Timestamp{};
    auto decision = Evaluate(program, event, {}, {});
    ASSERT_FALSE(decision.has_value());
    EXPECT_EQ(decision.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace candor::program
