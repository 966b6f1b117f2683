#include "app/events.h"

#include <gtest/gtest.h>

#include <utility>

namespace candor::app {
namespace {

RequestContext KeyBoundTo(std::string store, std::string channel) {
    RequestContext context;
    context.client_id = "key:test";
    access::ApiKeyPrincipal key;
    key.store_binding = std::move(store);
    key.channel_binding = std::move(channel);
    context.key = key;
    return context;
}

// The error code and field of an event body that must be refused.
std::pair<ErrorCode, std::string> Refusal(const RequestContext& context, std::string_view body) {
    std::string field;
    const auto event = ReadBoundEvent(context, nlohmann::json::parse(body), &field);
    EXPECT_FALSE(event.has_value()) << body;
    return {event ? ErrorCode::kInternal : event.error().code, field};
}

TEST(EventsTest, ReadsAnEventAndResolvesItsPlace) {
    // Proves that an event decodes through the program module and that a key's binding fills in
    // the store and channel the event leaves out.
    std::string field;
    const auto event =
        ReadBoundEvent(KeyBoundTo("s-17", "pos"),
                       nlohmann::json::parse(
                           R"({"id":"till-1","member":"m_anna","type":"purchase","amount":1250,
                "items":[{"category":"coffee","amount":1000}]})"),
                       &field);
    ASSERT_TRUE(event.has_value()) << field;
    EXPECT_EQ(event->id, "till-1");
    EXPECT_EQ(event->member, "m_anna");
    EXPECT_EQ(event->amount, 1250);
    EXPECT_EQ(event->store, "s-17");
    EXPECT_EQ(event->channel, "pos");
    ASSERT_EQ(event->items.size(), 1U);
    EXPECT_EQ(ToMicros(event->occurred_at), 0) << "the receive time is set when it is submitted";
}

TEST(EventsTest, RefusesBadEventsNamingTheField) {
    // Proves that unknown types, fields of another type, inconsistent items, wrong types and a
    // place outside the key's binding are refused naming the field.
    using P = std::pair<ErrorCode, std::string>;
    const RequestContext unbound = KeyBoundTo("", "");
    EXPECT_EQ(Refusal(unbound, R"({"id":"a","member":"m_1","type":"sale","amount":5})"),
              P(ErrorCode::kInvalidArgument, "type"));
    EXPECT_EQ(Refusal(unbound, R"({"id":"a","member":"m_1","type":"purchase","amount":5,"x":1})"),
              P(ErrorCode::kInvalidArgument, "x"));
    EXPECT_EQ(
        Refusal(unbound, R"({"id":"a","member":"m_1","type":"purchase","amount":5,"rating":5})"),
        P(ErrorCode::kInvalidArgument, "rating"));
    EXPECT_EQ(Refusal(unbound, R"({"member":"m_1","type":"purchase","amount":5})"),
              P(ErrorCode::kInvalidArgument, "id"));
    EXPECT_EQ(Refusal(unbound, R"({"id":"a","member":"m_1","type":"purchase","amount":"5"})"),
              P(ErrorCode::kInvalidArgument, "amount"));
    EXPECT_EQ(Refusal(unbound, R"({"id":"a","member":"m_1","type":"purchase","amount":0})"),
              P(ErrorCode::kInvalidAmount, "amount"));
    EXPECT_EQ(Refusal(unbound,
                      R"({"id":"a","member":"m_1","type":"purchase","amount":5,
                          "items":[{"amount":6}]})"),
              P(ErrorCode::kInvalidAmount, "items"));
    EXPECT_EQ(Refusal(unbound, R"({"id":"a","member":"m_1","type":"refund","amount":5})"),
              P(ErrorCode::kInvalidArgument, "original"));
    EXPECT_EQ(Refusal(unbound, R"({"id":"a","member":"m_1","type":"purchase","amount":5,
                                   "currency":"rub"})"),
              P(ErrorCode::kInvalidArgument, "currency"));
    EXPECT_EQ(Refusal(KeyBoundTo("s-1", ""),
                      R"({"id":"a","member":"m_1","type":"purchase","amount":5,"store":"s-2"})"),
              P(ErrorCode::kForbidden, "store"));
}

TEST(EventsTest, FingerprintIsTheEventAsReceived) {
    // Proves that a retry of the same event has the same fingerprint whatever the order of its
    // members and the offset of its time, and any change to it does not.
    const RequestContext context = KeyBoundTo("", "");
    const auto fingerprint = [&](std::string_view body) {
        std::string field;
        auto event = ReadBoundEvent(context, nlohmann::json::parse(body), &field);
        EXPECT_TRUE(event.has_value()) << field;
        return event ? EventFingerprint(*event) : std::string();
    };
    const std::string first = fingerprint(
        R"({"id":"t-1","member":"m_1","type":"purchase","amount":500,
            "occurred_at":"2026-11-21T18:00:00+03:00"})");
    EXPECT_EQ(first, fingerprint(R"({"occurred_at":"2026-11-21T15:00:00Z","amount":500,
                              "type":"purchase","member":"m_1","id":"t-1"})"));
    EXPECT_NE(first, fingerprint(R"({"id":"t-1","member":"m_1","type":"purchase","amount":501,
                              "occurred_at":"2026-11-21T18:00:00+03:00"})"));
    EXPECT_NE(first, fingerprint(R"({"id":"t-1","member":"m_1","type":"purchase","amount":500})"))
        << "an event without a time is another event than one with it";
}

TEST(EventsTest, AnswerSumsTheMembersPostings) {
    // Proves the answer's shape: the member's amounts from the entry, the version and both
    // explanations, and nulls when no entry was written.
    const MemberId member(7);
    journal::Entry entry;
    entry.id = EntryId(3);
    entry.kind = EntryKind::kEarn;
    entry.postings = {
        {ledger::MemberAccount(member, Asset::kPoints), Asset::kPoints, Amount(30)},
        {ledger::MemberAccount(member, Asset::kCashback), Asset::kCashback, Amount(5)},
        {AccountId((1 << 4) | ledger::kSystemSlot), Asset::kPoints, Amount(-30)},
        {AccountId((2 << 4) | ledger::kSystemSlot), Asset::kCashback, Amount(-5)}};
    const nlohmann::json answer =
        EventAnswer(entry, member, EntryTexts{4, "+30 баллов", "+30 points"}, false);
    EXPECT_EQ(answer["points"], 30);
    EXPECT_EQ(answer["status"], 0);
    EXPECT_EQ(answer["cashback"], 5);
    EXPECT_EQ(answer["program_version"], 4);
    EXPECT_EQ(answer["explanation"]["en"], "+30 points");
    EXPECT_EQ(answer["entry"]["id"], 3);
    EXPECT_EQ(answer["replay"], false);
    const nlohmann::json nothing =
        EventAnswer(std::nullopt, member, EntryTexts{std::nullopt, "ru", "en"}, true);
    EXPECT_EQ(nothing["entry"], nullptr);
    EXPECT_EQ(nothing["points"], 0);
    EXPECT_EQ(nothing["program_version"], nullptr);
    EXPECT_EQ(nothing["replay"], true);
}

}  // namespace
}  // namespace candor::app
