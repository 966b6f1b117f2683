#include <gtest/gtest.h>

#include <string>

#include "program/program.h"
#include "program/testing.h"

namespace candor::program {
namespace {

using testing::MustEvaluate;
using testing::MustParse;
using testing::ProgramText;
using testing::Purchase;

// The retail example of the issue: a weekend rule with its multiplier at the gold tier.
const std::string kRetail = ProgramText(
    R"({"id": "base", "name": {"ru": "Базовые баллы", "en": "Base points"}, "events": ["purchase"],
        "group": "g", "earn": {"rate": {"points": 1, "per": 10000}, "tier_multiplier": true}},
       {"id": "weekend", "name": {"ru": "Двойные выходные", "en": "Weekend double"},
        "events": ["purchase"], "group": "g", "priority": 10,
        "window": {"days": ["sat", "sun"]},
        "earn": {"rate": {"points": 1, "per": 10000}, "multiplier": 2, "tier_multiplier": true}},
       {"id": "coffee", "name": {"ru": "Кофе", "en": "Coffee"}, "events": ["purchase"],
        "items": "item.category == 'coffee'", "earn": {"fixed": 10}, "caps": {"day": 25}},
       {"id": "cashback", "name": {"ru": "Кешбэк", "en": "Cashback"}, "events": ["purchase"],
        "asset": "cashback", "earn": {"percent": "1.5"}},
       {"id": "first", "name": {"ru": "Первая покупка", "en": "First purchase"},
        "events": ["purchase"], "condition": "member.purchases_count == 0", "earn": {"fixed": 500}})",
    R"("groups": [{"id": "g", "stacking": "exclusive"}],
       "tiers": {"levels": [
         {"id": "base", "name": {"ru": "Базовый", "en": "Base"}, "threshold": 0},
         {"id": "gold", "name": {"ru": "Золото", "en": "Gold"}, "threshold": 1000,
          "multiplier": "1.25"}]},)");

// Each earning explains itself in plain Russian and English, with Russian number formats.
TEST(ExplainTest, EarningsInBothLanguages) {
    const Program program = MustParse(kRetail);
    MemberFacts facts;
    facts.tier = "gold";
    facts.purchases_count = 3;
    const Event event = Purchase(150000,
                                 "2026-11-21T15:03:11+03:00",
                                 {Item{"A-1", "coffee", 3, 60000}, Item{"B-1", "tea", 1, 20050}});
    Counters counters;
    counters.values["rule:coffee:day:2026-11-21"] = 5;
    const Decision decision = MustEvaluate(program, event, facts, counters);
    EXPECT_EQ(Explain(program, event, decision, Language::kEn),
              "+37 points: purchase of 1,500 RUB on Saturday, rule 'Weekend double' ×2, tier "
              "'Gold' ×1.25\n"
              "+20 points: purchase of 1,500 RUB, on 1 matching item (600 RUB), rule 'Coffee', "
              "limited by the daily cap (would be 30)\n"
              "+22.50 RUB cashback: purchase of 1,500 RUB, rule 'Cashback'");
    EXPECT_EQ(
        Explain(program, event, decision, Language::kRu),
        "+37 баллов: покупка на 1\u202f500\u00a0₽ в субботу, "
        "правило "
        "«Двойные "
        "выходные» "
        "×2, "
        "уровень «Золото» ×1,25\n"
        "+20 баллов: покупка на 1\u202f500\u00a0₽, за 1 подходящий "
        "товар "
        "(600\u00a0₽), "
        "правило «Кофе», ограничено дневным лимитом (было бы 30)\n"
        "+22,50\u00a0₽ кешбэка: покупка на 1\u202f500\u00a0₽, правило "
        "«Кешбэк»");
}

// Russian plurals and number formats: 1 балл, 2 балла, 5 баллов, 11 баллов, 21 балл.
TEST(ExplainTest, RussianPluralsAndNumbers) {
    const Program program = MustParse(ProgramText(
        R"({"id": "r", "name": {"ru": "Р", "en": "R"}, "events": ["purchase"],
            "earn": {"expression": "event.amount"}})"));

    struct Case {
        std::int64_t amount;
        const char* ru;
        const char* en;
    };

    const Case cases[] = {
        {1, "+1 балл", "+1 point"},
        {2, "+2 балла", "+2 points"},
        {5, "+5 баллов", "+5 points"},
        {11, "+11 баллов", "+11 points"},
        {14, "+14 баллов", "+14 points"},
        {21, "+21 балл", "+21 points"},
        {22, "+22 балла", "+22 points"},
        {1000, "+1\u202f000 баллов", "+1,000 points"},
        {1234567, "+1\u202f234\u202f567 баллов", "+1,234,567 points"},
    };
    for (const Case& c : cases) {
        const Event event = Purchase(c.amount);
        const Decision decision = MustEvaluate(program, event);
        ASSERT_EQ(decision.earnings.size(), 1U);
        const std::string ru = ExplainEarning(program, event, decision.earnings[0], Language::kRu);
        const std::string en = ExplainEarning(program, event, decision.earnings[0], Language::kEn);
        EXPECT_EQ(ru.substr(0, ru.find(':')), c.ru);
        EXPECT_EQ(en.substr(0, en.find(':')), c.en);
    }
    const Event kopecks = Purchase(150050);
    const Decision decision = MustEvaluate(program, kopecks);
    EXPECT_EQ(ExplainEarning(program, kopecks, decision.earnings[0], Language::kEn),
              "+150,050 points: purchase of 1,500.50 RUB, rule 'R'");
    EXPECT_EQ(
        ExplainEarning(program, kopecks, decision.earnings[0], Language::kRu),
        "+150\u202f050 баллов: покупка на 1\u202f500,50\u00a0₽, правило "
        "«Р»");
}

// Rules that did not fire say why, in both languages.
TEST(ExplainTest, SkippedRulesSayWhy) {
    const Program program = MustParse(kRetail);
    MemberFacts facts;
    facts.purchases_count = 3;
    const Event event = Purchase(150000, "2026-11-21T15:03:11+03:00");
    const Decision decision = MustEvaluate(program, event, facts);
    std::vector<std::string> en;
    std::vector<std::string> ru;
    for (const Skipped& skipped : decision.skipped) {
        en.push_back(ExplainSkipped(program, skipped, Language::kEn));
        ru.push_back(ExplainSkipped(program, skipped, Language::kRu));
    }
    EXPECT_EQ(en,
              (std::vector<std::string>{
                  "Rule 'Base points' did not apply: rule 'Weekend double' applied instead",
                  "Rule 'Coffee' did not apply: no item matched its filter",
                  "Rule 'First purchase' did not apply: its condition is false: "
                  "member.purchases_count == 0"}));
    EXPECT_EQ(ru,
              (std::vector<std::string>{
                  "Правило «Базовые баллы» не сработало: вместо него сработало правило "
                  "«Двойные выходные»",
                  "Правило «Кофе» не сработало: ни один товар не подошёл",
                  "Правило «Первая покупка» не сработало: условие не выполнено: "
                  "member.purchases_count == 0"}));
}

// A refund explains the share it reverses; nothing earned says so.
TEST(ExplainTest, RefundsAndNothingEarned) {
    const Program program = MustParse(kRetail);
    Event refund = Purchase(30000);
    refund.type = EventType::kRefund;
    refund.original = "till-17-000381";
    refund.original_amount = 90000;
    const Decision decision = MustEvaluate(program, refund);
    EXPECT_EQ(Explain(program, refund, decision, Language::kEn),
              "Refund of 300 RUB of 900 RUB (33.3%) for purchase 'till-17-000381': what it earned "
              "is reversed in proportion");
    EXPECT_EQ(Explain(program, refund, decision, Language::kRu),
              "Возврат 300\u00a0₽ из 900\u00a0₽ (33,3%) по покупке "
              "«till-17-000381»: "
              "начисленное "
              "за неё списывается пропорционально");
    Event review = Purchase(0);
    review.type = EventType::kReview;
    const Decision nothing = MustEvaluate(program, review);
    EXPECT_EQ(Explain(program, review, nothing, Language::kEn), "Nothing earned: no rule applied.");
    EXPECT_EQ(Explain(program, review, nothing, Language::kRu),
              "Ничего не начислено: ни одно правило не сработало.");
}

// The history explains an entry from its meta alone, as the decision did when it was made.
TEST(ExplainTest, MetaExplainsTheHistoryTheSameWay) {
    const Program program = MustParse(kRetail, 7);
    MemberFacts facts;
    facts.tier = "gold";
    facts.purchases_count = 3;
    const Event event = Purchase(150000, "2026-11-21T15:03:11+03:00");
    const Decision decision = MustEvaluate(program, event, facts);
    ASSERT_TRUE(decision.credit.has_value());
    auto meta = ParseMeta(decision.credit->meta);
    ASSERT_TRUE(meta.has_value());
    for (const Language language : {Language::kRu, Language::kEn}) {
        EXPECT_EQ(ExplainMeta(program, *meta, event.occurred_at, language),
                  Explain(program, event, decision, language));
    }
}

// The meta keeps what every kind of line needs, so the history says word for word what the
// decision said: a cap's cut with the uncut amount, matching items, a net loss, a campaign with
// its budget, a custom event's name, and a refund's share of its purchase.
TEST(ExplainTest, MetaExplainsEveryKindOfLineAsTheDecisionDid) {
    const Program program = MustParse(
        ProgramText(
            R"({"id": "coffee", "name": {"ru": "Кофе", "en": "Coffee"}, "events": ["purchase"],
                "items": "item.category == 'coffee'", "earn": {"fixed": 10}, "caps": {"day": 25}},
               {"id": "net", "name": {"ru": "Проигрыш", "en": "Losses"}, "events": ["game_round"],
                "asset": "cashback", "earn": {"percent": "5", "base": "net"}},
               {"id": "verified", "name": {"ru": "Профиль", "en": "Profile"}, "events": ["custom"],
                "condition": "event.name == 'profile_verified'", "earn": {"fixed": 100}})",
            R"("campaigns": [{"id": "bf", "name": {"ru": "Пятница", "en": "Friday"},
                "schedule": {"from": "2026-11-27", "to": "2026-11-30"}, "budget": "bf-2026",
                "rules": [{"id": "bf-bonus", "name": {"ru": "Бонус", "en": "Bonus"},
                           "events": ["purchase"], "earn": {"rate": {"points": 5, "per": 10000}}}]}],)"),
        9);
    Counters counters;
    counters.values["rule:coffee:day:2026-11-28"] = 5;
    counters.budgets["bf-2026"] = 40;
    Event purchase = Purchase(150000,
                              "2026-11-28T15:03:11+03:00",
                              {Item{"A-1", "coffee", 3, 60000}, Item{"B-1", "tea", 1, 20050}});
    Event round = Purchase(50000, "2026-11-28T15:03:11+03:00");
    round.type = EventType::kGameRound;
    round.win = 20000;
    Event custom = Purchase(0, "2026-11-28T15:03:11+03:00");
    custom.type = EventType::kCustom;
    custom.name = "profile_verified";
    Event refund = Purchase(30000, "2026-11-28T15:03:11+03:00");
    refund.type = EventType::kRefund;
    refund.original = "till-1";
    refund.original_amount = 90000;
    for (const Event& event : {purchase, round, custom, refund}) {
        const Decision decision = MustEvaluate(program, event, {}, counters);
        const std::string& text =
            decision.credit ? decision.credit->meta : decision.reversal.value_or(Reversal{}).meta;
        auto meta = ParseMeta(text);
        ASSERT_TRUE(meta.has_value()) << text;
        for (const Language language : {Language::kRu, Language::kEn}) {
            EXPECT_EQ(ExplainMeta(program, *meta, event.occurred_at, language),
                      Explain(program, event, decision, language))
                << text;
        }
    }
    const Decision decision = MustEvaluate(program, purchase, {}, counters);
    EXPECT_EQ(Explain(program, purchase, decision, Language::kEn),
              "+20 points: purchase of 1,500 RUB, on 1 matching item (600 RUB), rule 'Coffee', "
              "limited by the daily cap (would be 30)\n"
              "+40 points: purchase of 1,500 RUB on 28 November 2026, rule 'Bonus', campaign "
              "'Friday', limited by the campaign budget (would be 75)");
    EXPECT_EQ(
        decision.credit->meta,
        R"({"v":9,"e":"purchase","a":150000,"r":[["coffee","points",20,{"p":30,"l":"day","i":1,"b":60000}],["bf-bonus","points",40,{"p":75,"l":"budget"}]]})");
}

// DecisionJson carries what a simulation answers: earnings, skipped rules, texts.
TEST(ExplainTest, DecisionJsonForSimulations) {
    const Program program = MustParse(kRetail, 3);
    const Event event = Purchase(150000, "2026-11-20T15:03:11+03:00");
    const Decision decision = MustEvaluate(program, event);
    const nlohmann::json json = DecisionJson(program, event, decision);
    EXPECT_EQ(json["program_version"], 3);
    EXPECT_EQ(json["event_type"], "purchase");
    ASSERT_EQ(json["earnings"].size(), 3U);
    EXPECT_EQ(json["earnings"][0]["rule"], "base");
    EXPECT_EQ(json["earnings"][0]["amount"], 15);
    EXPECT_EQ(json["earnings"][0]["explanation"]["en"],
              "+15 points: purchase of 1,500 RUB, rule 'Base points'");
    EXPECT_EQ(json["skipped"][0]["rule"], "weekend");
    EXPECT_EQ(json["skipped"][0]["reason"], "outside_window");
    EXPECT_EQ(json["credit"]["points"], 515);
    EXPECT_EQ(json["credit"]["budget_draws"], nlohmann::json::array());
    EXPECT_EQ(json["reversal"], nullptr);
}

}  // namespace
}  // namespace candor::program
