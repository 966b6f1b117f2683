#include "app/events.h"

#include <gtest/gtest.h>

namespace candor::app {
namespace {

// The error code and field of a body that must be refused.
std::pair<ErrorCode, std::string> Refusal(std::string_view body) {
    std::string field;
    const auto event = ParsePurchaseEvent(body, &field);
    EXPECT_FALSE(event.has_value()) << body;
    return {event ? ErrorCode::kInternal : event.error().code, field};
}

TEST(EventsTest, ParsesAPurchase) {
    // Proves the happy path of the minimal event body.
    std::string field;
    const auto event = ParsePurchaseEvent(
        R"({"id":"till-1","member":"m_anna","type":"purchase","amount":1250})", &field);
    ASSERT_TRUE(event.has_value());
    EXPECT_EQ(event->id, "till-1");
    EXPECT_EQ(event->member, "m_anna");
    EXPECT_EQ(event->amount_minor, 1250);
    EXPECT_EQ(field, "");
    EXPECT_EQ(PointsForPurchase(1250), 12);
    EXPECT_EQ(PointsForPurchase(99), 0);
}

TEST(EventsTest, RefusesBadBodiesNamingTheField) {
    // Proves that malformed JSON, unknown fields, wrong types and bad values name the field.
    using P = std::pair<ErrorCode, std::string>;
    EXPECT_EQ(Refusal("{"), P(ErrorCode::kInvalidArgument, "body"));
    EXPECT_EQ(Refusal("[1]"), P(ErrorCode::kInvalidArgument, "body"));
    EXPECT_EQ(Refusal("{\"id\":\"\xff\"}"), P(ErrorCode::kInvalidArgument, "body"));
    EXPECT_EQ(Refusal(R"({"id":"a","member":"m_1","type":"purchase","amount":5,"x":1})"),
              P(ErrorCode::kInvalidArgument, "x"));
    EXPECT_EQ(Refusal(R"({"member":"m_1","type":"purchase","amount":5})"),
              P(ErrorCode::kInvalidArgument, "id"));
    EXPECT_EQ(Refusal(R"({"id":7,"member":"m_1","type":"purchase","amount":5})"),
              P(ErrorCode::kInvalidArgument, "id"));
    EXPECT_EQ(Refusal(R"({"id":"","member":"m_1","type":"purchase","amount":5})"),
              P(ErrorCode::kInvalidArgument, "id"));
    EXPECT_EQ(Refusal(R"({"id":"a","member":1,"type":"purchase","amount":5})"),
              P(ErrorCode::kInvalidArgument, "member"));
    EXPECT_EQ(Refusal(R"({"id":"a","member":"","type":"purchase","amount":5})"),
              P(ErrorCode::kInvalidArgument, "member"));
    EXPECT_EQ(Refusal(R"({"id":"a","member":"m_1","type":"refund","amount":5})"),
              P(ErrorCode::kInvalidArgument, "type"));
    EXPECT_EQ(Refusal(R"({"id":"a","member":"m_1","type":"purchase","amount":"5"})"),
              P(ErrorCode::kInvalidArgument, "amount"));
    EXPECT_EQ(Refusal(R"({"id":"a","member":"m_1","type":"purchase","amount":0})"),
              P(ErrorCode::kInvalidAmount, "amount"));
    EXPECT_EQ(
        Refusal(R"({"id":"a","member":"m_1","type":"purchase","amount":18446744073709551615})"),
        P(ErrorCode::kInvalidAmount, "amount"));
}

}  // namespace
}  // namespace candor::app
