#include <gtest/gtest.h>

#include <string>

#include "program/program.h"
#include "program/testing.h"

namespace candor::program {
namespace {

using testing::ProgramText;
using testing::RuleText;

const std::string kBase = RuleText("base", R"({"rate": {"points": 1, "per": 10000}})");

// A program as docs/program.md introduces it reads into the plain model, defaults filled in.
TEST(DefinitionTest, ReadsTheModel) {
    const Program program = testing::MustParse(ProgramText(
        RuleText(
            "weekend",
            R"({"rate": {"points": 1, "per": 10000}, "multiplier": "2", "tier_multiplier": true})",
            R"("window": {"days": ["sat", "sun"], "hours": {"from": "10:00", "to": "24:00"},
                               "dates": {"from": "2026-12-01", "to": "2026-12-31T18:00"}},
                    "group": "base", "priority": 10, "caps": {"day": 500, "per_event": 300},)"),
        R"("tiers": {"levels": [{"id": "base", "name": {"ru": "Б", "en": "B"}, "threshold": 0},
                                {"id": "gold", "name": {"ru": "З", "en": "G"}, "threshold": 1000,
                                 "multiplier": "1.25"}]},
           "groups": [{"id": "base", "stacking": "exclusive"}], "rounding": "ceil",)"));
    const Definition& d = program.definition();
    EXPECT_EQ(d.currency, "RUB");
    EXPECT_EQ(d.time_zone, "Europe/Moscow");
    EXPECT_EQ(d.rounding, Rounding::kCeil);
    ASSERT_EQ(d.rules.size(), 1U);
    const Rule& rule = d.rules[0];
    EXPECT_EQ(rule.earn.kind, EarnKind::kRate);
    EXPECT_EQ(rule.earn.multiplier_micro, 2'000'000);
    EXPECT_TRUE(rule.earn.tier_multiplier);
    ASSERT_TRUE(rule.window.has_value());
    EXPECT_EQ(rule.window->days, 0b1100000);
    EXPECT_EQ(rule.window->hours_from, 600);
    EXPECT_EQ(rule.window->hours_to, 1440);
    ASSERT_TRUE(rule.window->dates.has_value());
    EXPECT_FALSE(rule.window->dates->from.has_time);
    EXPECT_TRUE(rule.window->dates->to.has_time);
    EXPECT_EQ(rule.caps.day, 500);
    EXPECT_EQ(rule.caps.per_event, 300);
    EXPECT_EQ(d.tiers.levels[1].multiplier_micro, 1'250'000);
    EXPECT_EQ(d.tiers.levels[0].multiplier_micro, 1'000'000);
    EXPECT_EQ(program.version(), 1);
    EXPECT_EQ(program.rules().size(), 1U);
}

// The canonical JSON reads back to the same definition and is a fixed point.
TEST(DefinitionTest, CanonicalJsonRoundTrips) {
    for (const std::string& name : TemplateNames()) {
        const Program program = testing::MustParse(std::string(*TemplateJson(name)));
        const std::string canonical = ProgramJson(program.definition());
        const Program again = testing::MustParse(canonical);
        EXPECT_EQ(again.definition(), program.definition()) << name;
        EXPECT_EQ(ProgramJson(again.definition()), canonical) << name;
    }
}

// Every mistake names its JSON path, so an editor can point at it.
TEST(DefinitionTest, ErrorsNameThePath) {
    struct Case {
        std::string json;
        std::string path;
    };

    const auto with_rule = [](std::string_view earn, std::string_view more) {
        return ProgramText(RuleText("r", earn, more),
                           R"("groups": [{"id": "g", "stacking": "stackable"}],)");
    };
    const std::string rate = R"({"rate": {"points": 1, "per": 100}})";
    const Case cases[] = {
        {"{", ""},
        {"[]", ""},
        {R"({"name": {"ru": "a", "en": "b"}})", "schema_version"},
        {R"({"schema_version": 2, "name": {"ru": "a", "en": "b"}})", "schema_version"},
        {R"({"schema_version": 1, "name": {"ru": "a"}})", "name.en"},
        {R"({"schema_version": 1, "name": {"ru": "", "en": "b"}})", "name.ru"},
        {ProgramText("", R"("colour": "red",)"), "colour"},
        {ProgramText("", R"("currency": "XXX",)"), "currency"},
        {ProgramText("", R"("time_zone": "Mars/Olympus",)"), "time_zone"},
        {ProgramText("", R"("rounding": "bankers",)"), "rounding"},
        {ProgramText("", R"("expiry": {"months": 121},)"), "expiry.months"},
        {ProgramText(R"({"id": "r", "name": {"ru": "r", "en": "r"}, "events": ["purchase"]})"),
         "rules[0].earn"},
        {with_rule(R"({"rate": {"points": 1, "per": 100}, "fixed": 5})", ""), "rules[0].earn"},
        {with_rule(R"({"rate": {"points": 0, "per": 100}})", ""), "rules[0].earn.rate.points"},
        {with_rule(R"({"rate": {"points": 1}})", ""), "rules[0].earn.rate.per"},
        {with_rule(R"({"percent": "120"})", ""), "rules[0].earn.percent"},
        {with_rule(R"({"fixed": 0})", ""), "rules[0].earn.fixed"},
        {with_rule(R"({"fixed": 5, "multiplier": 1.5})", ""), "rules[0].earn.multiplier"},
        {with_rule(R"({"fixed": 5, "multiplier": "1.2345678"})", ""), "rules[0].earn.multiplier"},
        {with_rule(R"({"fixed": 5, "multiplier": "0"})", ""), "rules[0].earn.multiplier"},
        {with_rule(R"({"fixed": 5, "base": "net"})", ""), "rules[0].earn.base"},
        {with_rule(R"({"fixed": 5, "tier_multiplier": true})", ""),
         "rules[0].earn.tier_multiplier"},
        {with_rule(rate, R"("id": "Bad Id",)"), "rules[0].id"},
        {with_rule(rate, R"("group": "nope",)"), "rules[0].group"},
        {with_rule(rate, R"("group": "g", "stop": true,)"), "rules[0].stop"},
        {with_rule(rate, R"("caps": {"total": 5},)"), "rules[0].caps.total"},
        {with_rule(rate, R"("caps": {"day": -1},)"), "rules[0].caps"},
        {ProgramText(R"({"id": "r", "name": {"ru": "r", "en": "r"}, "events": ["bet"],
                        "items": "item.qty > 1", "earn": {"fixed": 1}})"),
         "rules[0].items"},
        {with_rule(rate, R"("window": {"hours": {"from": "25:00", "to": "26:00"}},)"),
         "rules[0].window.hours.from"},
        {with_rule(rate, R"("window": {"hours": {"from": "10:00", "to": "10:00"}},)"),
         "rules[0].window.hours"},
        {with_rule(rate, R"("window": {"days": ["sat", "sat"]},)"), "rules[0].window.days[1]"},
        {with_rule(rate, R"("window": {"days": ["saturday"]},)"), "rules[0].window.days[0]"},
        {with_rule(rate, R"("window": {"dates": {"from": "2026-12-31", "to": "2026-12-01"}},)"),
         "rules[0].window.dates.to"},
        {with_rule(rate, R"("window": {"dates": {"from": "2026-02-30", "to": "2026-12-01"}},)"),
         "rules[0].window.dates.from"},
        {with_rule(rate, R"("window": {},)"), "rules[0].window"},
        {with_rule(rate, R"("asset": "gold",)"), "rules[0].asset"},
        {with_rule(rate, R"("priority": 10000000,)"), "rules[0].priority"},
        {ProgramText(
             R"({"id": "r", "name": {"ru": "r", "en": "r"}, "events": ["purchase", "lottery"],
                        "earn": {"fixed": 1}})"),
         "rules[0].events[1]"},
        {ProgramText(R"({"id": "r", "name": {"ru": "r", "en": "r"}, "events": ["refund"],
                        "earn": {"fixed": 1}})"),
         "rules[0].events[0]"},
        {ProgramText(R"({"id": "r", "name": {"ru": "r", "en": "r"}, "events": [],
                        "earn": {"fixed": 1}})"),
         "rules[0].events"},
        {ProgramText(R"({"id": "r", "name": {"ru": "r", "en": "r"}, "events": ["review"],
                        "earn": {"rate": {"points": 1, "per": 100}}})"),
         "rules[0].earn"},
        {ProgramText(kBase + "," + kBase), "rules[1].id"},
        {ProgramText(kBase, R"("tiers": {"levels": [
             {"id": "a", "name": {"ru": "a", "en": "a"}, "threshold": 10},
             {"id": "b", "name": {"ru": "b", "en": "b"}, "threshold": 10}]},)"),
         "tiers.levels[1].threshold"},
        {ProgramText(kBase, R"("tiers": {"levels": [
             {"id": "a", "name": {"ru": "a", "en": "a"}}]},)"),
         "tiers.levels[0].threshold"},
        {ProgramText(kBase,
                     R"("campaigns": [{"id": "c", "name": {"ru": "c", "en": "c"},
             "schedule": {"from": "2026-11-27", "to": "2026-11-30"}, "rules": [)" +
                         kBase + "]}],"),
         "campaigns[0].rules[0].id"},
        {ProgramText(kBase,
                     R"("campaigns": [{"id": "c", "name": {"ru": "c", "en": "c"},
             "schedule": {"from": "2026-11-27", "to": "2026-11-30"}, "budget": "b",
             "rules": [)" +
                         RuleText("s", R"({"fixed": 1})", R"("asset": "status",)") + "]}],"),
         "campaigns[0].rules[0].asset"},
        {ProgramText(kBase, R"("campaigns": [{"id": "c", "name": {"ru": "c", "en": "c"},
             "schedule": {"from": "2026-11-27", "to": "2026-11-30"}, "budget": "a b"}],)"),
         "campaigns[0].budget"},
        {ProgramText(kBase, R"("campaigns": [{"id": "c", "name": {"ru": "c", "en": "c"}}],)"),
         "campaigns[0].schedule"},
    };
    for (const Case& c : cases) {
        ProgramError error;
        auto program = ParseProgram(c.json, 0, &error);
        ASSERT_FALSE(program.has_value()) << c.json;
        EXPECT_EQ(error.path, c.path) << c.json << "\n" << program.error().message;
        EXPECT_EQ(program.error().code, ErrorCode::kInvalidArgument) << program.error().message;
        const std::string prefix = c.path.empty() ? "" : c.path + ": ";
        EXPECT_EQ(program.error().message, prefix + error.message);
        EXPECT_EQ(error.line, 0);
    }
}

// An expression that does not compile names its path, line and column, and what is wrong.
TEST(DefinitionTest, ExpressionErrorsNameLineAndColumn) {
    struct Case {
        std::string json;
        std::string path;
        int line;
        std::string needle;
    };

    const Case cases[] = {
        {ProgramText(kBase + "," + kBase.substr(0, kBase.size() - 1) +
                     R"(, "id": "x", "condition": "event.amout > 100"})"),
         "",
         0,
         ""},
        {ProgramText(RuleText("r", R"({"fixed": 5})", R"("condition": "event.amout > 100",)")),
         "rules[0].condition",
         1,
         "amout"},
        {ProgramText(RuleText("r",
                              R"({"fixed": 5})",
                              R"("condition": "event.amount > 0 &&\n  event.stor == 'x'",)")),
         "rules[0].condition",
         2,
         "stor"},
        {ProgramText(RuleText("r", R"({"fixed": 5})", R"("condition": "event.amount",)")),
         "rules[0].condition",
         1,
         ""},
        {ProgramText(
             RuleText("r", R"({"fixed": 5})", R"("items": "event.amount > 0 && item.sku == 5",)")),
         "rules[0].items",
         1,
         ""},
        {ProgramText(RuleText("r", R"({"fixed": 5})", R"("condition": "item.sku == 'x'",)")),
         "rules[0].condition",
         1,
         "item"},
        {ProgramText(RuleText("r", R"({"expression": "event.store"})")),
         "rules[0].earn.expression",
         1,
         ""},
    };
    // The first case has a duplicate-free id but two members named "id": JSON keeps the last.
    for (std::size_t i = 1; i < std::size(cases); ++i) {
        const Case& c = cases[i];
        ProgramError error;
        auto program = ParseProgram(c.json, 0, &error);
        ASSERT_FALSE(program.has_value()) << c.json;
        EXPECT_EQ(program.error().code, ErrorCode::kInvalidRule) << program.error().message;
        EXPECT_EQ(error.path, c.path) << program.error().message;
        EXPECT_EQ(error.line, c.line) << program.error().message;
        EXPECT_GT(error.column, 0) << program.error().message;
        EXPECT_EQ(program.error().message,
                  c.path + ": " + std::to_string(error.line) + ":" + std::to_string(error.column) +
                      ": " + error.message);
        EXPECT_NE(error.message.find(c.needle), std::string::npos) << error.message;
    }
}

// The example of the issue: a misspelt field is reported with a suggestion.
TEST(DefinitionTest, MisspeltFieldSuggestsTheRightOne) {
    ProgramError error;
    auto program = ParseProgram(
        ProgramText(kBase + "," + kBase + "," +
                    RuleText("r2",
                             R"({"fixed": 5})",
                             R"("condition": "event.amount > 0 && event.amout > 100",)")),
        0,
        &error);
    // Two rules named "base" fail first: ids are checked in order.
    ASSERT_FALSE(program.has_value());
    EXPECT_EQ(error.path, "rules[1].id");
    program = ParseProgram(
        ProgramText(kBase + "," + RuleText("b2", R"({"fixed": 5})") + "," +
                    RuleText("r2",
                             R"({"fixed": 5})",
                             R"("condition": "event.amount > 0 && event.amout > 100",)")),
        0,
        &error);
    ASSERT_FALSE(program.has_value());
    EXPECT_EQ(error.path, "rules[2].condition");
    EXPECT_EQ(error.line, 1);
    EXPECT_NE(error.message.find("amount"), std::string::npos) << error.message;
    EXPECT_EQ(program.error().message.rfind("rules[2].condition: 1:", 0), 0U)
        << program.error().message;
}

// A definition built in code passes the same checks as JSON.
TEST(DefinitionTest, CompileProgramChecksDefinitionsBuiltInCode) {
    Definition definition;
    definition.name = {"Т", "T"};
    Rule rule;
    rule.id = "r";
    rule.name = {"р", "r"};
    rule.events = {EventType::kPurchase};
    rule.earn.kind = EarnKind::kFixed;
    rule.earn.points = 10;
    definition.rules.push_back(rule);
    EXPECT_TRUE(CompileProgram(definition).has_value());
    definition.rules[0].earn.points = 0;
    ProgramError error;
    EXPECT_FALSE(CompileProgram(definition, 0, &error).has_value());
    EXPECT_EQ(error.path, "rules[0].earn.fixed");
    EXPECT_EQ(ProgramJson(definition).find("\"fixed\": 0"),
              ProgramJson(definition).find("\"fixed\": 0"));
}

// Every template is there, parses and checks.
TEST(DefinitionTest, TemplatesParse) {
    EXPECT_EQ(TemplateNames(), (std::vector<std::string>{"cafe", "default", "gaming", "retail"}));
    for (const std::string& name : TemplateNames()) {
        ASSERT_TRUE(TemplateJson(name).has_value());
        ProgramError error;
        auto program = ParseProgram(*TemplateJson(name), 0, &error);
        EXPECT_TRUE(program.has_value()) << name << ": " << program.error().message;
    }
    EXPECT_FALSE(TemplateJson("casino").has_value());
}

}  // namespace
}  // namespace candor::program
