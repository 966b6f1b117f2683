// Earning through the program engine on a real SQLite database: the program in force (the
// built-in default, then each publish), what an event's decision reads and writes, the one
// ledger entry it makes, refunds, idempotency, history texts, and a simulation that decides
// exactly as the real earning.
#include "app/earning.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "app/events.h"
#include "testkit/testkit.h"

namespace candor::app {
namespace {

constexpr std::string_view kClient = "key:till";

// A program with a base rate, a weekend rule beating it, a capped coffee rule, status points,
// tiers on status points, and a campaign paid from a budget.
const std::string kProgram = R"({
  "schema_version": 1, "name": {"ru": "Тест", "en": "Test"},
  "tiers": {"metric": "status_points", "levels": [
    {"id": "base", "name": {"ru": "Базовый", "en": "Base"}, "threshold": 0},
    {"id": "gold", "name": {"ru": "Золото", "en": "Gold"}, "threshold": 100, "multiplier": 2}]},
  "groups": [{"id": "base", "stacking": "exclusive"}],
  "rules": [
    {"id": "base", "name": {"ru": "База", "en": "Base"}, "events": ["purchase"], "group": "base",
     "earn": {"rate": {"points": 1, "per": 10000}, "tier_multiplier": true}},
    {"id": "weekend", "name": {"ru": "Выходные", "en": "Weekend"}, "events": ["purchase"],
     "group": "base", "priority": 10, "window": {"days": ["sat", "sun"]},
     "earn": {"rate": {"points": 1, "per": 10000}, "multiplier": 2, "tier_multiplier": true}},
    {"id": "coffee", "name": {"ru": "Кофе", "en": "Coffee"}, "events": ["purchase"],
     "items": "item.category == 'coffee'", "earn": {"fixed": 10}, "caps": {"day": 25}},
    {"id": "status", "name": {"ru": "Статус", "en": "Status"}, "events": ["purchase"],
     "asset": "status", "earn": {"rate": {"points": 1, "per": 10000}}}],
  "campaigns": [{"id": "bf", "name": {"ru": "Пятница", "en": "Friday"},
    "schedule": {"from": "2026-11-27", "to": "2026-11-30"}, "budget": "bf",
    "rules": [{"id": "bf-bonus", "name": {"ru": "Бонус", "en": "Bonus"}, "events": ["purchase"],
               "earn": {"rate": {"points": 5, "per": 10000}}}]}]
})";

class EarningTest : public ::testing::Test {
protected:
    EarningTest() : anna_(ledger_.Enrol("m_anna")), bob_(ledger_.Enrol("m_bob")) {}

    void Publish(const std::string& document) {
        store::ProgramVersionRow row;
        row.document = document;
        auto latest = ledger_.store->ListProgramVersions(0, 1);
        ASSERT_TRUE(latest.has_value());
        auto published = ledger_.store->PublishProgramVersion(
            latest->empty() ? 0 : latest->front().version, row);
        ASSERT_TRUE(published.has_value()) << published.error().message;
    }

    static program::Event Event(std::string id,
                                std::int64_t amount,
                                std::string_view at,
                                std::vector<program::Item> items = {}) {
        program::Event event;
        event.id = std::move(id);
        event.member = "m_anna";
        event.amount = amount;
        EXPECT_TRUE(ParseRfc3339(at, &event.occurred_at)) << at;
        event.items = std::move(items);
        return event;
    }

    static program::Event Refund(std::string id,
                                 std::string original,
                                 std::int64_t amount,
                                 std::string_view at) {
        program::Event event = Event(std::move(id), amount, at);
        event.type = program::EventType::kRefund;
        event.original = std::move(original);
        return event;
    }

    // Runs the event as POST /v1/events does, through a ledger::Decide.
    Result<ledger::Outcome> Earn(const program::Event& event,
                                 MemberId member = MemberId(),
                                 EventResult* result = nullptr) {
        EventResult ignored;
        EventResult* out = result == nullptr ? &ignored : result;
        auto row = ledger_.store->FindMember(member.is_set() ? member : anna_);
        EXPECT_TRUE(row.has_value() && row->has_value());
        const EventRequest request{std::string(kClient), **row, event, "Europe/Moscow"};
        ledger::Decide decide;
        decide.fingerprint = EventFingerprint(event);
        decide.decide = [this, request, out](store::Store& store, Timestamp now) {
            return DecideEvent(store, programs_, request, now, out);
        };
        return ledger_.ledger->ExecuteNow(
            ledger::Request{std::string(kClient), event.id, std::move(decide)});
    }

    std::int64_t Counter(std::string_view key, MemberId member) {
        auto program = programs_.InForce(*ledger_.store);
        EXPECT_TRUE(program.has_value());
        const std::vector keys = {StoredCounterKey(*program, key, member)};
        auto values = ledger_.store->LoadCounters(keys);
        EXPECT_TRUE(values.has_value());
        return values ? values->at(0) : -1;
    }

    std::int64_t Points(MemberId member) {
        auto balances = ledger_.ledger->LoadBalances(member);
        EXPECT_TRUE(balances.has_value());
        return balances ? balances->points.value() : -1;
    }

    testkit::TestLedger ledger_;
    ProgramCache programs_;
    MemberId anna_;
    MemberId bob_;
};

TEST_F(EarningTest, TheDefaultProgramEarnsOnePointPerHundredUntilAPublish) {
    // Proves that before any publish the built-in default (version 0) is in force, and that a
    // publish takes effect for the next event without telling the cache.
    auto outcome = Earn(Event("e-1", 12550, "2026-11-20T12:00:00+03:00"));
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    ASSERT_TRUE(outcome->entry.has_value());
    EXPECT_EQ(AmountsOf(*outcome->entry, anna_).points, 125);
    EXPECT_EQ(outcome->entry->meta,
              R"({"v":0,"e":"purchase","a":12550,"r":[["base","points",125]]})");
    EXPECT_EQ(outcome->entry->effective_at, Event("x", 1, "2026-11-20T12:00:00+03:00").occurred_at);
    Publish(kProgram);
    outcome = Earn(Event("e-2", 10000, "2026-11-20T12:00:00+03:00"));
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    EXPECT_EQ(program::ParseMeta(outcome->entry->meta)->program_version, 1);
    EXPECT_EQ(ledger_.CheckViolations(), "");
}

TEST_F(EarningTest, TheCacheFindsPublishedVersionsOnly) {
    // Proves that the cache answers each published version (also after evicting it), none for
    // a version never published, and the default for 0.
    ProgramCache one(1);
    Publish(kProgram);
    Publish(std::string(*program::TemplateJson("cafe")));
    for (const std::int64_t version : {1, 2, 1, 2}) {
        auto found = one.Find(*ledger_.store, version);
        ASSERT_TRUE(found.has_value());
        ASSERT_TRUE(found->has_value());
        EXPECT_EQ((*found)->version(), version);
    }
    auto missing = one.Find(*ledger_.store, 3);
    ASSERT_TRUE(missing.has_value());
    EXPECT_FALSE(missing->has_value());
    auto fallback = one.Find(*ledger_.store, 0);
    ASSERT_TRUE(fallback.has_value());
    EXPECT_EQ((*fallback)->definition().name.en, "Default program");
    auto in_force = one.InForce(*ledger_.store);
    ASSERT_TRUE(in_force.has_value());
    EXPECT_EQ(in_force->version(), 2);
}

TEST_F(EarningTest, OneEntryPerEventWithFactsCountersAndTier) {
    // Proves that one purchase makes one earn entry with all its assets and one meta, and that
    // its counters, facts and tier upgrade are written with it.
    Publish(kProgram);
    EventResult result;
    auto outcome = Earn(Event("e-1",
                              1'000'000,
                              "2026-11-21T12:00:00+03:00",
                              {program::Item{"L", "coffee", 2, 50000}}),
                        MemberId(),
                        &result);
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    ASSERT_TRUE(outcome->entry.has_value());
    const EntryAmounts amounts = AmountsOf(*outcome->entry, anna_);
    EXPECT_EQ(amounts.points, 200 + 20) << "weekend ×2 at the base tier, and the coffee bonus";
    EXPECT_EQ(amounts.status, 100);
    EXPECT_EQ(result.program->version(), 1);
    EXPECT_EQ(Counter("rule:coffee:day:2026-11-21", anna_), 20);
    auto facts = ledger_.store->LoadMemberFacts(anna_);
    ASSERT_TRUE(facts.has_value());
    EXPECT_EQ(facts->purchases_count, 1);
    EXPECT_EQ(facts->visits_count, 1);
    EXPECT_EQ(facts->tier, "gold") << "100 status points after the event";
    // The tier multiplier applies from the next event on.
    outcome = Earn(Event("e-2", 10000, "2026-11-20T12:00:00+03:00"));
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(AmountsOf(*outcome->entry, anna_).points, 2);
    facts = ledger_.store->LoadMemberFacts(anna_);
    EXPECT_EQ(facts->visits_count, 1) << "an earlier day after a later one is not a visit";
    EXPECT_EQ(facts->purchases_count, 2);
    EXPECT_EQ(ledger_.CheckViolations(), "");
}

TEST_F(EarningTest, ADailyCapIsNeverPassed) {
    // Proves that a capped rule earns up to its daily cap over several events and no further,
    // and starts again the next local day.
    Publish(kProgram);
    const std::vector<program::Item> coffee = {program::Item{"L", "coffee", 1, 100}};
    std::int64_t earned = 0;
    for (int i = 0; i < 5; ++i) {
        auto outcome =
            Earn(Event("c-" + std::to_string(i), 100, "2026-11-20T12:00:00+03:00", coffee));
        ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
        if (outcome->entry) {
            earned += AmountsOf(*outcome->entry, anna_).points;
        }
    }
    EXPECT_EQ(earned, 25);
    EXPECT_EQ(Counter("rule:coffee:day:2026-11-20", anna_), 25);
    auto outcome = Earn(Event("c-next", 100, "2026-11-20T21:00:00Z", coffee));  // 00:00 local
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(AmountsOf(*outcome->entry, anna_).points, 10);
    EXPECT_EQ(Counter("rule:coffee:day:2026-11-21", anna_), 10);
}

TEST_F(EarningTest, ACampaignBudgetNeverGoesBelowZero) {
    // Proves that campaign points are drawn from the budget account, only as far as it goes.
    Publish(kProgram);
    auto opened = ledger_.Run(ledger::OpenBudget{"bf"});
    ASSERT_TRUE(opened.has_value());
    ASSERT_TRUE(ledger_.Run(ledger::FundBudget{opened->account, Amount(60)}).has_value());
    std::int64_t drawn = 0;
    for (int i = 0; i < 3; ++i) {
        auto outcome = Earn(Event("bf-" + std::to_string(i), 100000, "2026-11-27T12:00:00+03:00"));
        ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
        for (const journal::Posting& posting : outcome->entry->postings) {
            if (posting.account == opened->account) {
                drawn -= posting.amount.value();
            }
        }
    }
    EXPECT_EQ(drawn, 60) << "50 + 10, then nothing";
    auto budget = ledger_.store->SumBalance(opened->account);
    ASSERT_TRUE(budget.has_value());
    ASSERT_TRUE(budget->has_value());
    EXPECT_EQ(budget->value().value(), 0);
    EXPECT_EQ(ledger_.CheckViolations(), "");
}

TEST_F(EarningTest, ARefundReversesItsPurchaseInProportion) {
    // Proves that a refund reverses part/whole of its purchase's entry (points, status points),
    // and that refunds of unknown purchases or another member's are refused naming "original".
    Publish(kProgram);
    ASSERT_TRUE(Earn(Event("p-1", 100000, "2026-11-20T12:00:00+03:00")).has_value());
    EXPECT_EQ(Points(anna_), 10);
    EventResult result;
    auto outcome =
        Earn(Refund("r-1", "p-1", 30000, "2026-11-20T13:00:00+03:00"), MemberId(), &result);
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    ASSERT_TRUE(outcome->entry.has_value());
    EXPECT_EQ(outcome->entry->kind, EntryKind::kReversal);
    EXPECT_EQ(AmountsOf(*outcome->entry, anna_).points, -3);
    EXPECT_EQ(AmountsOf(*outcome->entry, anna_).status, -3);
    EXPECT_EQ(Points(anna_), 7);
    auto texts = ExplainEntry(*ledger_.store, programs_, *outcome->entry);
    ASSERT_TRUE(texts.has_value());
    EXPECT_EQ(texts->en,
              "Refund of 300 RUB of 1,000 RUB (30%) for purchase 'p-1': what it earned is "
              "reversed in proportion");
    auto unknown =
        Earn(Refund("r-2", "p-404", 100, "2026-11-20T13:00:00+03:00"), MemberId(), &result);
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, ErrorCode::kUnknownEntry);
    EXPECT_EQ(result.field, "original");
    auto others = Earn(Refund("r-3", "p-1", 100, "2026-11-20T13:00:00+03:00"), bob_, &result);
    ASSERT_FALSE(others.has_value());
    EXPECT_EQ(others.error().code, ErrorCode::kUnknownEntry);
    auto too_much = Earn(Refund("r-4", "p-1", 80000, "2026-11-20T13:00:00+03:00"));
    ASSERT_FALSE(too_much.has_value()) << "300 + 800 is more than the purchase";
    EXPECT_EQ(too_much.error().code, ErrorCode::kReversalExceedsOriginal);
    EXPECT_EQ(ledger_.CheckViolations(), "");
}

TEST_F(EarningTest, TheSameEventReplaysAndAnotherUnderItsIdConflicts) {
    // Proves the idempotency of events: the fingerprint is the event as received.
    auto first = Earn(Event("e-1", 50000, "2026-11-20T12:00:00+03:00"));
    ASSERT_TRUE(first.has_value());
    auto again = Earn(Event("e-1", 50000, "2026-11-20T12:00:00+03:00"));
    ASSERT_TRUE(again.has_value());
    EXPECT_TRUE(again->is_replay);
    EXPECT_EQ(again->entry->id, first->entry->id);
    auto other = Earn(Event("e-1", 50001, "2026-11-20T12:00:00+03:00"));
    ASSERT_FALSE(other.has_value());
    EXPECT_EQ(other.error().code, ErrorCode::kIdempotencyConflict);
    EXPECT_EQ(Points(anna_), 500);
    auto facts = ledger_.store->LoadMemberFacts(anna_);
    EXPECT_EQ(facts->purchases_count, 1) << "a replay records nothing again";
}

TEST_F(EarningTest, AnEventThatEarnsNothingIsStillRecorded) {
    // Proves that an event earning nothing writes no entry but takes its key and counts the
    // purchase.
    auto outcome = Earn(Event("small", 99, "2026-11-20T12:00:00+03:00"));
    ASSERT_TRUE(outcome.has_value());
    EXPECT_FALSE(outcome->entry.has_value());
    auto row = ledger_.store->FindIdempotency(kClient, "small");
    ASSERT_TRUE(row.has_value());
    EXPECT_TRUE(row->has_value());
    EXPECT_EQ(ledger_.store->LoadMemberFacts(anna_)->purchases_count, 1);
}

TEST_F(EarningTest, HistoryTextsFromTheVersionThatWroteTheEntry) {
    // Proves that an entry is explained by the version that made it even after another publish,
    // and that entries without program meta get a plain sentence.
    Publish(kProgram);
    auto outcome = Earn(Event("e-1", 150000, "2026-11-21T12:00:00+03:00"));
    ASSERT_TRUE(outcome.has_value());
    Publish(std::string(*program::TemplateJson("retail")));
    auto texts = ExplainEntry(*ledger_.store, programs_, *outcome->entry);
    ASSERT_TRUE(texts.has_value());
    EXPECT_EQ(texts->program_version, 1);
    EXPECT_EQ(texts->en,
              "+30 points: purchase of 1,500 RUB on Saturday, rule 'Weekend' ×2, tier 'Base' ×1\n"
              "+15 status points: purchase of 1,500 RUB, rule 'Status'");
    auto adjusted = ledger_.Run(ledger::Adjust{anna_, Asset::kPoints, Amount(5), {}, ""});
    ASSERT_TRUE(adjusted.has_value());
    texts = ExplainEntry(*ledger_.store, programs_, *adjusted->entry);
    ASSERT_TRUE(texts.has_value());
    EXPECT_EQ(texts->program_version, std::nullopt);
    EXPECT_EQ(texts->en, "Staff adjustment");
    EXPECT_EQ(texts->ru, "Корректировка сотрудником");
}

TEST_F(EarningTest, SimulatingARunOfEventsDecidesAsEarningThem) {
    // Proves that the reads and in-memory changes of a simulation decide each event of a run as
    // earning them one after another does: same credit, same meta, same counters.
    Publish(kProgram);
    auto program = programs_.InForce(*ledger_.store);
    ASSERT_TRUE(program.has_value());
    const std::vector<program::Item> coffee = {program::Item{"L", "coffee", 2, 20000}};
    const std::vector<program::Event> events = {
        Event("s-1", 1'000'000, "2026-11-21T12:00:00+03:00", coffee),
        Event("s-2", 30000, "2026-11-21T13:00:00+03:00", coffee),
        Event("s-3", 30000, "2026-11-22T13:00:00+03:00", coffee),
        Event("s-4", 20000, "2026-11-23T13:00:00+03:00")};
    auto row = ledger_.store->FindMember(anna_);
    ASSERT_TRUE(row.has_value() && row->has_value());
    auto record = LoadMemberRecord(*ledger_.store, **row, "Europe/Moscow");
    ASSERT_TRUE(record.has_value());
    std::vector<std::string> simulated;
    for (const program::Event& event : events) {
        ASSERT_TRUE(LoadEventCounters(*ledger_.store, *program, event, &*record).has_value());
        program::EvaluateOptions options;
        options.trace_skipped = true;
        auto decision = program::Evaluate(
            *program, event, FactsOf(*program, *record), CountersOf(*record), options);
        ASSERT_TRUE(decision.has_value());
        auto changes = ChangesOf(*program, event, *decision, *record);
        ASSERT_TRUE(changes.has_value());
        Advance(*changes, &*record);
        simulated.push_back(decision->credit ? decision->credit->meta : "");
    }
    std::vector<std::string> real;
    for (const program::Event& event : events) {
        auto outcome = Earn(event);
        ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
        real.push_back(outcome->entry ? outcome->entry->meta : "");
    }
    EXPECT_EQ(simulated, real);
    EXPECT_NE(real[1].find("\"t\":\"gold\""), std::string::npos) << "the upgrade carried over";
    EXPECT_EQ(record->counters["rule:coffee:day:2026-11-21"],
              Counter("rule:coffee:day:2026-11-21", anna_));
}

}  // namespace
}  // namespace candor::app
