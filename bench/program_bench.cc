// program_bench: the earn engine's cost for one purchase of 3 items against a 50-rule program
// (issue 4: median under 2 us), printed with its target and the ratio (target / measured;
// above 1 meets it):
//
//   decide     program::Evaluate recording only what is posted (EvaluateOptions trace_earnings
//              and list_skipped false): earnings, counter increments, the credit and its
//              journal meta. Every rule is still evaluated. The target applies here.
//   evaluate   the default options: the same, each earning's trace (the sub-expressions of its
//              condition and amount) for its explanation, and every skipped rule's reason.
//   simulate   with EvaluateOptions::trace_skipped too (POST /v1/program/simulate).
//
// The program mixes what real ones have: store, channel and tier conditions, per-item category
// rules (each evaluated per item), weekend and happy-hour windows, day caps, an exclusive base
// group, rules for other event types, and a targeted campaign with a budget and caps. Five
// rules fire for the purchase. Times are medians over batches of 100 evaluations on one core.
// Benchmarks report, never gate: a missed target prints MISSED and still exits 0.
//
// Usage: program_bench [--evaluations N] [--only decide|evaluate|simulate]
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "bench_result.h"
#include "core/clock.h"
#include "program/program.h"

namespace candor::bench {
namespace {

constexpr std::size_t kBatch = 100;

std::string Rule(int index, std::string_view events, std::string_view earn, std::string_view more) {
    return fmt::format(
        R"({{"id": "r{:02d}", "name": {{"ru": "Правило {}", "en": "Rule {}"}}, "events": [{}],
            "earn": {}{}{}}})",
        index,
        index,
        index,
        events,
        earn,
        more.empty() ? "" : ", ",
        more);
}

// 50 rules; the purchase below (store s-1, channel app, gold tier, Friday 15:30) fires five.
std::string FiftyRules() {
    std::vector<std::string> rules;
    const std::string rate = R"({"rate": {"points": 1, "per": 10000}, "tier_multiplier": true})";
    int n = 0;
    rules.push_back(Rule(n++, R"("purchase")", rate, R"("group": "base")"));
    rules.push_back(Rule(n++,
                         R"("purchase")",
                         R"({"rate": {"points": 1, "per": 10000}, "multiplier": 2})",
                         R"("group": "base", "priority": 10, "window": {"days": ["sat", "sun"]})"));
    rules.push_back(
        Rule(n++,
             R"("purchase")",
             R"({"rate": {"points": 1, "per": 10000}, "multiplier": 3})",
             R"("group": "base", "priority": 20, "condition": "'vip' in member.segments")"));
    for (int i = 0; i < 10; ++i) {  // store multipliers: s-1 matches
        rules.push_back(Rule(n++,
                             R"("purchase")",
                             R"({"rate": {"points": 1, "per": 20000}})",
                             fmt::format(R"("condition": "event.store == 's-{}'")", i + 1)));
    }
    for (int i = 0; i < 10; ++i) {  // category rules, per item: coffee matches
        rules.push_back(
            Rule(n++,
                 R"("purchase")",
                 R"({"rate": {"points": 1, "per": 1000}})",
                 fmt::format(R"("items": "item.category == '{}'")",
                             i == 0 ? std::string("coffee") : fmt::format("cat{}", i))));
    }
    for (int i = 0; i < 5; ++i) {  // channels: app matches
        rules.push_back(
            Rule(n++,
                 R"("purchase")",
                 R"({"fixed": 20})",
                 fmt::format(R"("condition": "event.channel == '{}'", "caps": {{"day": 40}})",
                             i == 0 ? "app" : fmt::format("web{}", i))));
    }
    for (int i = 0; i < 5; ++i) {  // tier and amount thresholds
        rules.push_back(
            Rule(n++,
                 R"("purchase")",
                 R"({"fixed": 100})",
                 fmt::format(R"("condition": "member.tier == 'platinum' && event.amount >= {}")",
                             (i + 1) * 100000)));
    }
    for (int i = 0; i < 5; ++i) {  // happy hours on other days
        rules.push_back(Rule(
            n++,
            R"("purchase")",
            R"({"fixed": 5})",
            fmt::format(
                R"("window": {{"days": ["mon"], "hours": {{"from": "{:02d}:00", "to": "{:02d}:00"}}}})",
                10 + i,
                11 + i)));
    }
    for (int i = 0; i < 7; ++i) {  // other event types
        rules.push_back(
            Rule(n++,
                 i % 2 == 0 ? R"("review")" : R"("bet", "game_round")",
                 i % 2 == 0 ? R"({"fixed": 20})" : R"({"rate": {"points": 1, "per": 50000}})",
                 ""));
    }
    std::string text;
    for (const std::string& rule : rules) {
        text += (text.empty() ? "" : ",\n") + rule;
    }
    std::string campaign_rules;
    for (int i = 0; i < 5; ++i) {
        campaign_rules +=
            (i == 0 ? "" : ",\n") +
            Rule(n++,
                 R"("purchase")",
                 R"({"rate": {"points": 1, "per": 10000}})",
                 fmt::format(R"("condition": "event.amount >= {}")", (i + 1) * 100000));
    }
    return fmt::format(
        R"({{"schema_version": 1, "name": {{"ru": "Бенчмарк", "en": "Benchmark"}},
            "tiers": {{"levels": [
              {{"id": "base", "name": {{"ru": "Базовый", "en": "Base"}}, "threshold": 0}},
              {{"id": "gold", "name": {{"ru": "Золото", "en": "Gold"}}, "threshold": 1000, "multiplier": "1.25"}},
              {{"id": "platinum", "name": {{"ru": "Платина", "en": "Platinum"}}, "threshold": 5000, "multiplier": 2}}]}},
            "groups": [{{"id": "base", "stacking": "exclusive"}}],
            "rules": [{}],
            "campaigns": [{{"id": "autumn", "name": {{"ru": "Осень", "en": "Autumn"}},
              "schedule": {{"from": "2026-09-01", "to": "2026-11-30"}},
              "target": "member.tier in ['gold', 'platinum']", "budget": "autumn-2026",
              "caps": {{"day": 1000, "total": 10000}}, "rules": [{}]}}]}})",
        text,
        campaign_rules);
}

struct Figure {
    double median_us = 0;
    double p99_us = 0;
    double per_second = 0;
    std::size_t fired = 0;
};

Figure Measure(const program::Program& program,
               const program::Event& event,
               const program::MemberFacts& facts,
               const program::Counters& counters,
               const program::EvaluateOptions& options,
               std::uint64_t evaluations) {
    std::vector<double> batches;
    Figure figure;
    const Stopwatch total;
    for (std::uint64_t done = 0; done < evaluations; done += kBatch) {
        const Stopwatch batch;
        for (std::size_t i = 0; i < kBatch; ++i) {
            auto decision = program::Evaluate(program, event, facts, counters, options);
            if (!decision) {
                fmt::print(stderr, "program_bench: {}\n", decision.error().message);
                std::exit(1);
            }
            figure.fired = decision->earnings.size();
        }
        batches.push_back(batch.ElapsedSeconds() * 1e6 / static_cast<double>(kBatch));
    }
    const double seconds = total.ElapsedSeconds();
    std::sort(batches.begin(), batches.end());
    figure.median_us = batches[batches.size() / 2];
    figure.p99_us = batches[batches.size() * 99 / 100];
    figure.per_second = static_cast<double>(batches.size() * kBatch) / seconds;
    return figure;
}

int Run(std::uint64_t evaluations, std::string_view only) {
    program::ProgramError error;
    auto program = program::ParseProgram(FiftyRules(), 1, &error);
    if (!program) {
        fmt::print(stderr, "program_bench: {}\n", program.error().message);
        return 1;
    }
    Timestamp at;
    ParseRfc3339("2026-11-20T15:30:00+03:00", &at);
    program::Event event;
    event.id = "till-17-000381";
    event.type = program::EventType::kPurchase;
    event.member = "m_1";
    event.occurred_at = at;
    event.amount = 150000;
    event.channel = "app";
    event.store = "s-1";
    event.items = {{"A-100", "coffee", 2, 60000},
                   {"B-200", "bakery", 1, 30000},
                   {"C-300", "grocery", 3, 45000}};
    program::MemberFacts facts;
    facts.tier = "gold";
    facts.purchases_count = 12;
    facts.visits_count = 9;
    facts.segments = {"regular"};
    program::Counters counters;
    counters.values["rule:r23:day:2026-11-20"] = 20;
    counters.budgets["autumn-2026"] = 1'000'000;
    fmt::print("program_bench: {} rules, one purchase of 3 items, {} evaluations per figure\n",
               program->rules().size(),
               evaluations);

    const auto wanted = [only](std::string_view name) { return only.empty() || only == name; };
    if (wanted("decide")) {
        program::EvaluateOptions options;
        options.trace_earnings = false;
        options.list_skipped = false;
        const Figure decide = Measure(*program, event, facts, counters, options, evaluations);
        const double ratio = 2.0 / decide.median_us;
        fmt::print(
            "{:<10} median {:>6.3f} us  p99 {:>6.3f} us  {:>10.0f} /s  target 2 us  "
            "ratio {:>5.2f}  {}  ({} rules fired)\n",
            "decide",
            decide.median_us,
            decide.p99_us,
            decide.per_second,
            ratio,
            ratio >= 1.0 ? "met" : "MISSED",
            decide.fired);
    }
    if (wanted("evaluate")) {
        const Figure evaluate = Measure(*program, event, facts, counters, {}, evaluations);
        fmt::print("{:<10} median {:>6.3f} us  p99 {:>6.3f} us  {:>10.0f} /s  (earnings traced)\n",
                   "evaluate",
                   evaluate.median_us,
                   evaluate.p99_us,
                   evaluate.per_second);
    }
    if (wanted("simulate")) {
        program::EvaluateOptions options;
        options.trace_skipped = true;
        const Figure simulate =
            Measure(*program, event, facts, counters, options, evaluations / 4 + kBatch);
        fmt::print(
            "{:<10} median {:>6.3f} us  p99 {:>6.3f} us  {:>10.0f} /s  (every rule traced)\n",
            "simulate",
            simulate.median_us,
            simulate.p99_us,
            simulate.per_second);
    }
    return 0;
}

}  // namespace
}  // namespace candor::bench

int main(int argc, char** argv) {
    constexpr const char* kUsage =
        "usage: program_bench [--evaluations N] [--only decide|evaluate|simulate]\n";
    std::uint64_t evaluations = 200'000;
    std::string_view only;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (flag == "--evaluations") {
            evaluations = std::strtoull(argv[i + 1], nullptr, 10);
        } else if (flag == "--only") {
            only = argv[i + 1];
        } else {
            fmt::print(stderr, kUsage);
            return 2;
        }
    }
    if (argc % 2 == 0 || evaluations == 0) {
        fmt::print(stderr, kUsage);
        return 2;
    }
    return candor::bench::Run(evaluations, only);
}
