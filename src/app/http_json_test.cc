#include "app/http_json.h"

#include <gtest/gtest.h>

#include <string>

namespace candor::app {
namespace {

TEST(HttpJsonTest, ParseObjectRefusesWhatIsNotAKnownObject) {
    // Proves that bad JSON, invalid UTF-8, non-objects and unknown members are refused by name.
    std::string field;
    EXPECT_TRUE(ParseObject(R"({"a":1})", {"a", "b"}, &field).has_value());
    EXPECT_EQ(field, "");
    EXPECT_FALSE(ParseObject("{", {"a"}, &field).has_value());
    EXPECT_EQ(field, "body");
    EXPECT_FALSE(ParseObject("{\"a\":\"\xc3\x28\"}", {"a"}, &field).has_value());
    EXPECT_EQ(field, "body");
    EXPECT_FALSE(ParseObject("[]", {"a"}, &field).has_value());
    EXPECT_EQ(field, "body");
    const auto unknown = ParseObject(R"({"a":1,"zz":2})", {"a"}, &field);
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(field, "zz");
    // A member with an empty name is still named (found by the program fuzzer).
    EXPECT_FALSE(ParseObject(R"({"a":1,"":2})", {"a"}, &field).has_value());
    EXPECT_EQ(field, R"("")");
}

TEST(HttpJsonTest, ReadersNameTheFieldOfAWrongType) {
    // Proves that each reader names its member on a missing value, a wrong type or a bad range.
    const nlohmann::json object = nlohmann::json::parse(
        R"({"s":"abc","i":7,"f":1.5,"n":"7","big":18446744073709551615,"a":"status"})");
    std::string field;
    EXPECT_EQ(ReadString(object, "s", 1, 3, &field).value(), "abc");
    EXPECT_FALSE(ReadString(object, "s", 1, 2, &field).has_value());
    EXPECT_EQ(field, "s");
    EXPECT_FALSE(ReadString(object, "i", 1, 2, &field).has_value());
    EXPECT_EQ(field, "i");
    EXPECT_FALSE(ReadString(object, "missing", 1, 2, &field).has_value());
    EXPECT_EQ(field, "missing");
    EXPECT_EQ(ReadInteger(object, "i", &field).value(), 7);
    EXPECT_FALSE(ReadInteger(object, "f", &field).has_value());
    EXPECT_EQ(field, "f");
    EXPECT_FALSE(ReadInteger(object, "n", &field).has_value());
    EXPECT_EQ(field, "n");
    const auto big = ReadInteger(object, "big", &field);
    ASSERT_FALSE(big.has_value());
    EXPECT_EQ(big.error().code, ErrorCode::kInvalidAmount);
    EXPECT_EQ(ReadAsset(object, "a", false, &field).value(), Asset::kStatus);
    EXPECT_FALSE(ReadAsset(object, "a", true, &field).has_value());
    EXPECT_EQ(field, "a");
}

// A positive integer reader refuses zero and negatives as amounts, naming the field.
TEST(HttpJsonTest, PositiveIntegerRefusesZeroAndNegatives) {
    const auto object = nlohmann::json::parse(R"({"one": 1, "zero": 0, "minus": -3, "s": "5"})");
    std::string field;
    EXPECT_EQ(ReadPositiveInteger(object, "one", &field).value(), 1);
    for (const char* name : {"zero", "minus"}) {
        const auto value = ReadPositiveInteger(object, name, &field);
        ASSERT_FALSE(value.has_value()) << name;
        EXPECT_EQ(value.error().code, ErrorCode::kInvalidAmount);
        EXPECT_EQ(field, name);
    }
    const auto text = ReadPositiveInteger(object, "s", &field);
    ASSERT_FALSE(text.has_value());
    EXPECT_EQ(text.error().code, ErrorCode::kInvalidArgument);
}

TEST(HttpJsonTest, IdempotencyKeyIsRequiredAndPrintable) {
    // Proves the Idempotency-Key header rules: present, 1-255 bytes, printable ASCII only.
    api::HttpRequest request;
    EXPECT_FALSE(ReadIdempotencyKey(request).has_value());
    request.headers["idempotency-key"] = "pos-17 #381";
    EXPECT_EQ(ReadIdempotencyKey(request).value(), "pos-17 #381");
    request.headers["idempotency-key"] = "";
    EXPECT_FALSE(ReadIdempotencyKey(request).has_value());
    request.headers["idempotency-key"] = "a\tb";
    EXPECT_FALSE(ReadIdempotencyKey(request).has_value());
    request.headers["idempotency-key"] = "\xc3\xa9";
    EXPECT_FALSE(ReadIdempotencyKey(request).has_value());
    request.headers["idempotency-key"] = std::string(256, 'k');
    EXPECT_FALSE(ReadIdempotencyKey(request).has_value());
    request.headers["idempotency-key"] = std::string(255, 'k');
    EXPECT_TRUE(ReadIdempotencyKey(request).has_value());
}

TEST(HttpJsonTest, QueryParamFindsPlainValues) {
    // Proves query splitting: first match wins, absent names are nullopt, "a" alone is empty.
    EXPECT_EQ(QueryParam("limit=5&cursor=MTA", "cursor"), std::optional<std::string_view>("MTA"));
    EXPECT_EQ(QueryParam("limit=5&cursor=MTA", "limit"), std::optional<std::string_view>("5"));
    EXPECT_EQ(QueryParam("limit=5", "cursor"), std::nullopt);
    EXPECT_EQ(QueryParam("cursor", "cursor"), std::optional<std::string_view>(""));
    EXPECT_EQ(QueryParam("", "cursor"), std::nullopt);
}

TEST(HttpJsonTest, CursorRoundTripsAndRefusesForgeries) {
    // Proves that every entry id survives the cursor and nothing else decodes to one.
    for (const std::int64_t id :
         {std::int64_t{1}, std::int64_t{42}, std::int64_t{1'000'000}, std::int64_t{INT64_MAX}}) {
        const std::string cursor = EncodeCursor(id);
        EXPECT_EQ(DecodeCursor(cursor).value(), id) << cursor;
        EXPECT_EQ(cursor.find_first_not_of(
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                  std::string::npos);
    }
    EXPECT_EQ(EncodeCursor(10), "MTA");
    for (const char* bad : {"",
                            "M",
                            "MTA=",
                            "MTB",
                            "M+A",
                            "MA",
                            "LTE",
                            "MA==",
                            "OTIyMzM3MjAzNjg1NDc3NTgwOA",
                            "MDE"}) {
        const auto decoded = DecodeCursor(bad);
        ASSERT_FALSE(decoded.has_value()) << bad;
        EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidArgument);
    }
}

TEST(HttpJsonTest, EntryIdsAreCanonicalDecimals) {
    // Proves the path form of entry and hold ids.
    EXPECT_EQ(ParseEntryId("17"), EntryId(17));
    EXPECT_EQ(ParseEntryId("9223372036854775807"), EntryId(INT64_MAX));
    for (const char* bad : {"", "0", "017", "-1", "1x", "9223372036854775808", "abc"}) {
        EXPECT_EQ(ParseEntryId(bad), std::nullopt) << bad;
    }
}

TEST(HttpJsonTest, RenderEntryShowsOnlyTheMembersPostings) {
    // Proves that program accounts and other members' postings stay out of a rendering.
    journal::Entry entry;
    entry.id = EntryId(5);
    entry.kind = EntryKind::kHold;
    entry.created_at = FromMicros(1'000'000);
    entry.effective_at = FromMicros(1'000'000);
    const MemberId anna(1);
    const MemberId boris(2);
    entry.postings = {
        {ledger::MemberAccount(anna, Asset::kPoints), Asset::kPoints, Amount(-3)},
        {ledger::MemberAccount(anna, Asset::kPoints, true), Asset::kPoints, Amount(3)},
        {ledger::MemberAccount(boris, Asset::kPoints), Asset::kPoints, Amount(1)},
        {AccountId((7 << 4) | 15), Asset::kPoints, Amount(-1)}};
    const nlohmann::json rendered = RenderEntry(entry, anna);
    EXPECT_EQ(rendered["id"], 5);
    EXPECT_EQ(rendered["kind"], "hold");
    EXPECT_EQ(rendered["created_at"], "1970-01-01T00:00:01Z");
    EXPECT_TRUE(rendered["reference"].is_null());
    ASSERT_EQ(rendered["postings"].size(), 2U);
    EXPECT_EQ(rendered["postings"][0],
              nlohmann::json({{"account", "available"}, {"asset", "points"}, {"amount", -3}}));
    EXPECT_EQ(rendered["postings"][1]["account"], "held");
    EXPECT_EQ(RenderEntry(entry)["postings"].size(), 3U);
}

}  // namespace
}  // namespace candor::app
