#include <gtest/gtest.h>

#include <string>

#include "core/limits.h"
#include "program/program.h"
#include "program/testing.h"

namespace candor::program {
namespace {

using testing::At;

// A purchase as DESIGN.md shows it decodes field by field, items included.
TEST(EventTest, ReadsAPurchaseWithItems) {
    std::string field;
    auto event = ParseEvent(
        R"({"id": "till-17-000381", "type": "purchase", "member": "m_01J",
            "occurred_at": "2026-11-21T18:03:11+03:00", "amount": 150000, "currency": "RUB",
            "channel": "pos", "store": "s-17",
            "items": [{"sku": "A-100", "category": "coffee", "qty": 2, "amount": 60000},
                      {"sku": "B-7", "amount": 90000}]})",
        &field);
    ASSERT_TRUE(event.has_value()) << event.error().message << " " << field;
    EXPECT_EQ(field, "");
    EXPECT_EQ(event->id, "till-17-000381");
    EXPECT_EQ(event->type, EventType::kPurchase);
    EXPECT_EQ(event->member, "m_01J");
    EXPECT_EQ(event->occurred_at, At("2026-11-21T15:03:11Z"));
    EXPECT_EQ(event->amount, 150000);
    EXPECT_EQ(event->currency, "RUB");
    EXPECT_EQ(event->channel, "pos");
    EXPECT_EQ(event->store, "s-17");
    ASSERT_EQ(event->items.size(), 2U);
    EXPECT_EQ(event->items[0].category, "coffee");
    EXPECT_EQ(event->items[0].qty, 2);
    EXPECT_EQ(event->items[1].qty, 1) << "qty defaults to 1";
    EXPECT_EQ(event->items[1].category, "");
}

// The canonical JSON reads back to the same event, and bodies meaning the same event (members
// in another order, another offset for the same instant) give the same text.
TEST(EventTest, CanonicalJsonIsTheSameForTheSameEvent) {
    std::string field;
    auto event = ParseEvent(
        R"({"id": "till-1", "type": "purchase", "member": "m_1", "amount": 150000,
            "occurred_at": "2026-11-21T18:03:11+03:00", "store": "s-17",
            "items": [{"sku": "A-100", "category": "coffee", "qty": 2, "amount": 60000},
                      {"amount": 90000}]})",
        &field);
    ASSERT_TRUE(event.has_value()) << field;
    const std::string canonical = EventJson(*event).dump();
    EXPECT_EQ(canonical,
              R"({"amount":150000,"id":"till-1","items":[{"amount":60000,"category":"coffee",)"
              R"("qty":2,"sku":"A-100"},{"amount":90000,"qty":1}],"member":"m_1",)"
              R"("occurred_at":"2026-11-21T15:03:11Z","store":"s-17","type":"purchase"})");
    auto again = ReadEvent(EventJson(*event), &field);
    ASSERT_TRUE(again.has_value()) << field;
    EXPECT_EQ(*again, *event);
    auto reordered = ParseEvent(
        R"({"store": "s-17", "occurred_at": "2026-11-21T15:03:11Z", "amount": 150000,
            "member": "m_1", "type": "purchase", "id": "till-1",
            "items": [{"qty": 2, "amount": 60000, "category": "coffee", "sku": "A-100"},
                      {"amount": 90000, "qty": 1}]})",
        &field);
    ASSERT_TRUE(reordered.has_value()) << field;
    EXPECT_EQ(EventJson(*reordered).dump(), canonical);
    reordered->amount = 150001;
    EXPECT_NE(EventJson(*reordered).dump(), canonical);
}

// Each type reads its own fields; occurred_at may be left out (the caller sets it).
TEST(EventTest, ReadsEveryType) {
    struct Case {
        const char* json;
        EventType type;
    };

    const Case cases[] = {
        {R"({"id":"1","type":"refund","member":"m","amount":30000,"original":"till-1"})",
         EventType::kRefund},
        {R"({"id":"1","type":"bet","member":"m","amount":50000,"game":"sports","win":0})",
         EventType::kBet},
        {R"({"id":"1","type":"game_round","member":"m","amount":50000,"game":"slots","win":70000})",
         EventType::kGameRound},
        {R"({"id":"1","type":"review","member":"m","rating":5})", EventType::kReview},
        {R"({"id":"1","type":"survey_answered","member":"m","survey":"nps-2026"})",
         EventType::kSurveyAnswered},
        {R"({"id":"1","type":"referral_completed","member":"m","referred":"m_2"})",
         EventType::kReferralCompleted},
        {R"({"id":"1","type":"custom","member":"m","name":"profile_verified"})",
         EventType::kCustom},
        {R"({"id":"1","type":"custom","member":"m","name":"steps","amount":7})",
         EventType::kCustom},
    };
    for (const Case& c : cases) {
        std::string field;
        auto event = ParseEvent(c.json, &field);
        ASSERT_TRUE(event.has_value()) << c.json << ": " << event.error().message << " " << field;
        EXPECT_EQ(event->type, c.type);
        EXPECT_EQ(ToMicros(event->occurred_at), 0) << "unset when not sent";
    }
    std::string field;
    auto round = ParseEvent(
        R"({"id":"1","type":"game_round","member":"m","amount":50000,"game":"slots","win":70000})",
        &field);
    EXPECT_EQ(round->win, 70000);
    EXPECT_EQ(round->game, "slots");
    EXPECT_EQ(
        ParseEvent(R"({"id":"1","type":"refund","member":"m","amount":3,"original":"x"})", &field)
            ->original,
        "x");
}

// Bad events are refused with the code and the field an RFC 9457 answer names.
TEST(EventTest, RefusesBadEventsNamingTheField) {
    struct Case {
        const char* json;
        ErrorCode code;
        const char* field;
    };

    const std::string too_many = [] {
        std::string items;
        for (std::size_t i = 0; i <= limits::kEventItemsMax; ++i) {
            items += std::string(i == 0 ? "" : ",") + R"({"amount": 1})";
        }
        return R"({"id":"1","type":"purchase","member":"m","amount":1000,"items":[)" + items + "]}";
    }();
    const Case cases[] = {
        {"[]", ErrorCode::kInvalidArgument, "body"},
        {R"({"id":"1","type":"purchase","member":"m","amount":100,"colour":"red"})",
         ErrorCode::kInvalidArgument,
         "colour"},
        {R"({"id":"1","type":"lottery","member":"m"})", ErrorCode::kInvalidArgument, "type"},
        {R"({"id":"1","member":"m"})", ErrorCode::kInvalidArgument, "type"},
        {R"({"id":"1","type":"purchase","member":"m"})", ErrorCode::kInvalidArgument, "amount"},
        {R"({"id":"1","type":"purchase","member":"m","amount":0})",
         ErrorCode::kInvalidAmount,
         "amount"},
        {R"({"id":"1","type":"bet","member":"m","amount":-5})",
         ErrorCode::kInvalidAmount,
         "amount"},
        {R"({"id":"1","type":"purchase","member":"m","amount":10000000000001})",
         ErrorCode::kInvalidAmount,
         "amount"},
        {R"({"id":"1","type":"purchase","member":"m","amount":1.5})",
         ErrorCode::kInvalidArgument,
         "amount"},
        {R"({"id":"1","type":"purchase","member":"m","amount":100,"currency":"rub"})",
         ErrorCode::kInvalidArgument,
         "currency"},
        {R"({"id":"1","type":"purchase","member":"m","amount":100,"occurred_at":"2026-11-21T18:03:11"})",
         ErrorCode::kInvalidArgument,
         "occurred_at"},
        {R"({"id":"1","type":"purchase","member":"m","amount":100,"occurred_at":"2200-01-01T00:00:00Z"})",
         ErrorCode::kInvalidArgument,
         "occurred_at"},
        {R"({"id":"1","type":"purchase","member":"m","amount":100,"rating":5})",
         ErrorCode::kInvalidArgument,
         "rating"},
        {R"({"id":"1","type":"review","member":"m","amount":100})",
         ErrorCode::kInvalidArgument,
         "amount"},
        {R"({"id":"1","type":"review","member":"m","rating":6})",
         ErrorCode::kInvalidArgument,
         "rating"},
        {R"({"id":"1","type":"refund","member":"m","amount":100})",
         ErrorCode::kInvalidArgument,
         "original"},
        {R"({"id":"1","type":"custom","member":"m"})", ErrorCode::kInvalidArgument, "name"},
        {R"({"id":"1","type":"custom","member":"m","name":"Big Event"})",
         ErrorCode::kInvalidArgument,
         "name"},
        {R"({"id":"1","type":"game_round","member":"m","amount":100,"win":-1})",
         ErrorCode::kInvalidAmount,
         "win"},
        {R"({"id":"","type":"purchase","member":"m","amount":100})",
         ErrorCode::kInvalidArgument,
         "id"},
        {R"({"id":"1","type":"purchase","amount":100})", ErrorCode::kInvalidArgument, "member"},
        {R"({"id":"1","type":"purchase","member":"m","amount":100,"items":[]})",
         ErrorCode::kInvalidArgument,
         "items"},
        {R"({"id":"1","type":"purchase","member":"m","amount":100,"items":[{"amount":60},{"amount":41}]})",
         ErrorCode::kInvalidAmount,
         "items"},
        {R"({"id":"1","type":"purchase","member":"m","amount":100,"items":[{"amount":60,"qty":0}]})",
         ErrorCode::kInvalidArgument,
         "items[0].qty"},
        {R"({"id":"1","type":"purchase","member":"m","amount":100,"items":[{"amount":6},{"amount":-6}]})",
         ErrorCode::kInvalidAmount,
         "items[1].amount"},
        {R"({"id":"1","type":"purchase","member":"m","amount":100,"items":[{"amount":6,"colour":1}]})",
         ErrorCode::kInvalidArgument,
         "items[0].colour"},
        {R"({"id":"1","type":"purchase","member":"m","amount":100,"items":[5]})",
         ErrorCode::kInvalidArgument,
         "items[0]"},
        {R"({"id":"1","type":"bet","member":"m","amount":100,"items":[{"amount":6}]})",
         ErrorCode::kInvalidArgument,
         "items"},
        {too_many.c_str(), ErrorCode::kInvalidArgument, "items"},
    };
    for (const Case& c : cases) {
        std::string field;
        auto event = ParseEvent(c.json, &field);
        ASSERT_FALSE(event.has_value()) << c.json;
        EXPECT_EQ(event.error().code, c.code) << c.json << ": " << event.error().message;
        EXPECT_EQ(field, c.field) << c.json << ": " << event.error().message;
    }
    std::string field;
    EXPECT_FALSE(ParseEvent("{", &field).has_value());
    EXPECT_EQ(field, "body");
}

// Items may add up to the event's amount exactly (the rest is, say, delivery), never more.
TEST(EventTest, ItemsMayAddUpToTheAmountExactly) {
    std::string field;
    EXPECT_TRUE(
        ParseEvent(
            R"({"id":"1","type":"purchase","member":"m","amount":100,"items":[{"amount":60},{"amount":40}]})",
            &field)
            .has_value());
    EXPECT_TRUE(
        ParseEvent(
            R"({"id":"1","type":"purchase","member":"m","amount":100,"items":[{"amount":0}]})",
            &field)
            .has_value());
}

// The program decides the currency: another one is refused, none means the program's.
TEST(EventTest, CheckEventRefusesAnotherCurrency) {
    const Program program = testing::MustParse(testing::ProgramText(""));
    Event event = testing::Purchase(1000);
    std::string field;
    EXPECT_TRUE(CheckEvent(program, event, &field).has_value());
    event.currency = "RUB";
    EXPECT_TRUE(CheckEvent(program, event, &field).has_value());
    event.currency = "USD";
    const Status status = CheckEvent(program, event, &field);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(field, "currency");
    EXPECT_FALSE(Evaluate(program, event, {}, {}).has_value()) << "Evaluate checks it too";
}

// Event type names are a closed set that round-trips.
TEST(EventTest, TypeNamesRoundTrip) {
    for (const EventType type : kEventTypes) {
        EventType parsed = EventType::kPurchase;
        ASSERT_TRUE(ParseEventType(Name(type), &parsed));
        EXPECT_EQ(parsed, type);
    }
    EventType parsed = EventType::kPurchase;
    EXPECT_FALSE(ParseEventType("Purchase", &parsed));
}

}  // namespace
}  // namespace candor::program
