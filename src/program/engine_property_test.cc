// Random capped programs against random streams of events: caps and the campaign budget are
// never exceeded, whatever the rules, amounts, times and stacking. The counters and the budget
// are kept here as the store would keep them (apply each Decision's increments, take its budget
// credits off the balance), and the caps are checked against totals this test computes on its
// own from the earnings and the local calendar.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "program/program.h"

namespace candor::program {
namespace {

// Random numbers from which a rule is derived, so that shrinking keeps programs valid.
struct RuleSeed {
    int kind = 0;
    int amount = 0;
    int caps = 0;
    int cap_value = 0;
    int group = 0;
    int priority = 0;
};

struct EventSeed {
    int amount = 0;
    int hours = 0;  // after the start of the run
    int channel = 0;
};

// NOLINTNEXTLINE(readability-identifier-naming): the name rapidcheck looks up to print it.
void showValue(const RuleSeed& s, std::ostream& os) {
    os << fmt::format("Rule{{{}, {}, {}, {}, {}, {}}}",
                      s.kind,
                      s.amount,
                      s.caps,
                      s.cap_value,
                      s.group,
                      s.priority);
}

// NOLINTNEXTLINE(readability-identifier-naming): the name rapidcheck looks up to print it.
void showValue(const EventSeed& s, std::ostream& os) {
    os << fmt::format("Event{{{}, {}, {}}}", s.amount, s.hours, s.channel);
}

rc::Gen<RuleSeed> GenRule() {
    return rc::gen::resize(rc::kNominalSize,
                           rc::gen::apply(
                               [](int a, int b, int c, int d, int e, int f) {
                                   return RuleSeed{a, b, c, d, e, f};
                               },
                               rc::gen::inRange(0, 4),
                               rc::gen::inRange(1, 1000),
                               rc::gen::inRange(0, 16),
                               rc::gen::inRange(1, 400),
                               rc::gen::inRange(0, 4),
                               rc::gen::inRange(0, 3)));
}

rc::Gen<EventSeed> GenEvent() {
    return rc::gen::resize(rc::kNominalSize,
                           rc::gen::apply(
                               [](int a, int b, int c) {
                                   return EventSeed{a, b, c};
                               },
                               rc::gen::inRange(1, 2'000'000),
                               rc::gen::inRange(0, 24 * 70),
                               rc::gen::inRange(0, 3)));
}

Rule MakeRule(const RuleSeed& seed, std::string id, bool in_campaign) {
    Rule rule;
    rule.id = std::move(id);
    rule.name = {rule.id, rule.id};
    rule.events = {EventType::kPurchase};
    switch (seed.kind) {
        case 0:
            rule.earn.kind = EarnKind::kRate;
            rule.earn.points = seed.amount % 7 + 1;
            rule.earn.per = 100 * (seed.amount % 5 + 1);
            break;
        case 1:
            rule.earn.kind = EarnKind::kFixed;
            rule.earn.points = seed.amount;
            break;
        case 2:
            rule.earn.kind = EarnKind::kPercent;
            rule.earn.percent_micro = seed.amount * 10'000;  // 0.01% .. 10%
            rule.asset = in_campaign ? Asset::kPoints : Asset::kCashback;
            break;
        default:
            rule.earn.kind = EarnKind::kRate;
            rule.earn.points = 1;
            rule.earn.per = 100;
            rule.earn.multiplier_micro = 500'000 + seed.amount * 1'000;
            rule.condition = "event.channel != 'web'";
            break;
    }
    rule.caps.per_event = (seed.caps & 1) != 0 ? seed.cap_value * 3 : 0;
    rule.caps.day = (seed.caps & 2) != 0 ? seed.cap_value : 0;
    rule.caps.week = (seed.caps & 4) != 0 ? seed.cap_value * 4 : 0;
    rule.caps.month = (seed.caps & 8) != 0 ? seed.cap_value * 10 : 0;
    if (!in_campaign && seed.group > 0) {
        rule.group = "g" + std::to_string(seed.group);
        rule.priority = seed.priority;
        rule.stop = seed.group == 3 && seed.priority == 2;
    }
    return rule;
}

// Moscow has been UTC+3 all year since 2014: the local calendar without a time zone library.
struct LocalDate {
    std::string day;
    std::string week;
    std::string month;
};

LocalDate LocalDateOf(Timestamp t) {
    const auto local = std::chrono::floor<std::chrono::days>(t + std::chrono::hours(3));
    const std::chrono::year_month_day date{local};
    const std::chrono::weekday weekday{local};
    const std::chrono::year_month_day monday{local - std::chrono::days(weekday.iso_encoding() - 1)};
    const auto text = [](const std::chrono::year_month_day& d) {
        return fmt::format("{:04d}-{:02d}-{:02d}",
                           static_cast<int>(d.year()),
                           static_cast<unsigned>(d.month()),
                           static_cast<unsigned>(d.day()));
    };
    return {
        text(date),
        text(monday),
        fmt::format(
            "{:04d}-{:02d}", static_cast<int>(date.year()), static_cast<unsigned>(date.month()))};
}

RC_GTEST_PROP(EnginePropertyTest, CapsAndBudgetsAreNeverExceeded, ()) {
    const auto rule_seeds = *rc::gen::resize(
        8, rc::gen::nonEmpty(rc::gen::container<std::vector<RuleSeed>>(GenRule())));
    const auto campaign_seeds =
        *rc::gen::resize(3, rc::gen::container<std::vector<RuleSeed>>(GenRule()));
    const auto events =
        *rc::gen::resize(40, rc::gen::container<std::vector<EventSeed>>(GenEvent()));
    const std::int64_t budget_start = *rc::gen::inRange(0, 5000);
    const std::int64_t campaign_total = *rc::gen::inRange(0, 3000);
    const std::int64_t campaign_per_event = *rc::gen::inRange(0, 300);

    Definition definition;
    definition.name = {"Свойства", "Properties"};
    definition.groups = {
        {"g1", Stacking::kStackable}, {"g2", Stacking::kExclusive}, {"g3", Stacking::kPriority}};
    for (std::size_t i = 0; i < rule_seeds.size(); ++i) {
        definition.rules.push_back(MakeRule(rule_seeds[i], "r" + std::to_string(i), false));
    }
    Campaign campaign;
    campaign.id = "c";
    campaign.name = {"Акция", "Campaign"};
    campaign.schedule.from.minutes = 0;  // 1970-01-01 .. 2100-01-01, local
    campaign.schedule.to.minutes = std::int64_t{47'482} * 24 * 60;
    campaign.budget = "budget-c";
    campaign.caps.total = campaign_total;
    campaign.caps.per_event = campaign_per_event;
    for (std::size_t i = 0; i < campaign_seeds.size(); ++i) {
        campaign.rules.push_back(MakeRule(campaign_seeds[i], "c" + std::to_string(i), true));
    }
    definition.campaigns.push_back(campaign);
    ProgramError error;
    auto compiled = CompileProgram(definition, 1, &error);
    RC_ASSERT(compiled.has_value());
    const Program& program = *compiled;

    Counters store;
    store.budgets["budget-c"] = budget_start;
    std::map<std::string, std::int64_t> totals;  // this test's own sums: "rule:period:date"
    std::int64_t campaign_sum = 0;
    std::int64_t budget_used = 0;
    const Timestamp start = FromMicros(std::int64_t{1'790'000'000} * 1'000'000);  // 2026-09
    for (const EventSeed& seed : events) {
        Event event;
        event.id = "e";
        event.member = "m";
        event.type = EventType::kPurchase;
        event.amount = seed.amount;
        event.channel = seed.channel == 0 ? "web" : "pos";
        event.occurred_at = start + std::chrono::hours(seed.hours);
        auto decision = Evaluate(program, event, {}, store);
        RC_ASSERT(decision.has_value());
        // Apply it as the store would.
        for (const CounterIncrement& increment : decision->increments) {
            RC_ASSERT(increment.delta > 0);
            store.values[increment.key] += increment.delta;
        }
        const LocalDate date = LocalDateOf(event.occurred_at);
        std::int64_t campaign_event = 0;
        for (const Earning& earning : decision->earnings) {
            RC_ASSERT(earning.amount > 0);
            RC_ASSERT(earning.amount <= earning.planned);
            const Rule& rule = *program.rules()[earning.rule];
            if (rule.caps.per_event > 0) {
                RC_ASSERT(earning.amount <= rule.caps.per_event);
            }
            totals[rule.id + ":day:" + date.day] += earning.amount;
            totals[rule.id + ":week:" + date.week] += earning.amount;
            totals[rule.id + ":month:" + date.month] += earning.amount;
            const std::array<std::pair<std::int64_t, std::string>, 3> caps = {{
                {rule.caps.day, rule.id + ":day:" + date.day},
                {rule.caps.week, rule.id + ":week:" + date.week},
                {rule.caps.month, rule.id + ":month:" + date.month},
            }};
            for (const auto& [cap, key] : caps) {
                if (cap > 0) {
                    RC_ASSERT(totals[key] <= cap);
                }
            }
            if (!earning.campaign.empty()) {
                campaign_event += earning.amount;
                RC_ASSERT(earning.budget == "budget-c");
            }
        }
        if (campaign_per_event > 0) {
            RC_ASSERT(campaign_event <= campaign_per_event);
        }
        campaign_sum += campaign_event;
        if (campaign_total > 0) {
            RC_ASSERT(campaign_sum <= campaign_total);
        }
        // The budget credit is what the ledger draws from the budget account.
        std::int64_t from_budget = 0;
        if (decision->credit) {
            for (const BudgetDraw& draw : decision->credit->budget_draws) {
                RC_ASSERT(draw.budget == "budget-c");
                from_budget += draw.points;
            }
        }
        RC_ASSERT(from_budget == campaign_event);
        budget_used += from_budget;
        store.budgets["budget-c"] -= from_budget;
        RC_ASSERT(store.budgets["budget-c"] >= 0);
    }
    RC_ASSERT(budget_used <= budget_start);
    RC_TAG(budget_used == budget_start ? "budget spent" : "budget left");
}

}  // namespace
}  // namespace candor::program
