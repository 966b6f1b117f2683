// Helpers shared by the program module's tests: times, programs from a few rules, events.
// Test-only (included by *_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "program/program.h"

namespace candor::program::testing {

// An RFC 3339 time; fails the test when malformed.
inline Timestamp At(std::string_view text) {
    Timestamp t;
    EXPECT_TRUE(ParseRfc3339(text, &t)) << text;
    return t;
}

// A program JSON with `rules` (a JSON array's elements) and optional other top-level members
// (`extra`, ending with a comma), in Europe/Moscow, RUB, rounding down.
inline std::string ProgramText(std::string_view rules, std::string_view extra = "") {
    return std::string(R"({"schema_version": 1, "name": {"ru": "Тест", "en": "Test"},)") +
           std::string(extra) + R"("rules": [)" + std::string(rules) + "]}";
}

// The program of `json`; a failed parse fails the test and gives an empty program.
inline Program MustParse(const std::string& json, std::int64_t version = 1) {
    ProgramError error;
    auto program = ParseProgram(json, version, &error);
    if (!program) {
        ADD_FAILURE() << program.error().message << "\n" << json.substr(0, 300);
        return *ParseProgram(ProgramText(""), version);
    }
    return std::move(*program);
}

// A rule earning `earn` (a JSON object) on purchases, with more members in `more` (each
// ending with a comma).
inline std::string RuleText(std::string_view id,
                            std::string_view earn,
                            std::string_view more = "") {
    return R"({"id": ")" + std::string(id) + R"(", "name": {"ru": ")" + std::string(id) +
           R"(", "en": ")" + std::string(id) + R"("}, )" + std::string(more) +
           R"( "events": ["purchase"], "earn": )" + std::string(earn) + "}";
}

inline Event Purchase(std::int64_t amount,
                      std::string_view at = "2026-11-20T12:00:00+03:00",
                      std::vector<Item> items = {}) {
    Event event;
    event.id = "e-1";
    event.type = EventType::kPurchase;
    event.member = "m_1";
    event.amount = amount;
    event.occurred_at = At(at);
    event.items = std::move(items);
    return event;
}

// Evaluate that must succeed.
inline Decision MustEvaluate(const Program& program,
                             const Event& event,
                             const MemberFacts& facts = {},
                             const Counters& counters = {},
                             const EvaluateOptions& options = {}) {
    auto decision = Evaluate(program, event, facts, counters, options);
    if (!decision) {
        ADD_FAILURE() << decision.error().message;
        return Decision{};
    }
    return std::move(*decision);
}

// The total of `asset` over the decision's earnings.
inline std::int64_t Total(const Decision& decision, Asset asset = Asset::kPoints) {
    std::int64_t total = 0;
    for (const Earning& earning : decision.earnings) {
        if (earning.asset == asset) {
            total += earning.amount;
        }
    }
    return total;
}

// The earning of rule `id`, or nullptr.
inline const Earning* EarningOf(const Decision& decision, std::string_view id) {
    for (const Earning& earning : decision.earnings) {
        if (earning.rule_id == id) {
            return &earning;
        }
    }
    return nullptr;
}

// The skip of rule `id` (by its index in the program), or nullptr.
inline const Skipped* SkippedOf(const Program& program,
                                const Decision& decision,
                                std::string_view id) {
    for (const Skipped& skipped : decision.skipped) {
        if (program.rules()[skipped.rule]->id == id) {
            return &skipped;
        }
    }
    return nullptr;
}

}  // namespace candor::program::testing
