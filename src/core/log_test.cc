#include "core/log.h"

#include <gtest/gtest.h>

#include "core/random.h"

namespace candor {
namespace {

TEST(LogTest, FormatsFieldsAsOneJsonObject) {
    // Proves the field encoding: strings escaped, integers and booleans bare, order kept.
    EXPECT_EQ(FormatLogFields({{"msg", "a \"quoted\"\nline"}, {"status", 404}, {"ok", true}}),
              R"({"msg":"a \"quoted\"\nline","status":404,"ok":true})");
    EXPECT_EQ(FormatLogFields({}), "{}");
}

TEST(LogTest, EscapesControlsAndReplacesInvalidUtf8) {
    // Proves that any bytes a client sends come out as valid JSON text.
    std::string out;
    AppendJsonEscaped(std::string_view("\x01\x7f\xc3\xa9\xff\xe2\x82", 7), &out);
    EXPECT_EQ(out, "\\u0001\\u007f\xc3\xa9\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    out.clear();
    AppendJsonEscaped("\xed\xa0\x80", &out);  // a UTF-16 surrogate is not UTF-8
    EXPECT_EQ(out, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(RandomSeedTest, SeedsFromTheOsDiffer) {
    // Proves that SeedFromOs draws fresh bits (two equal 64-bit draws: odds 2^-64).
    EXPECT_NE(SeedFromOs(), SeedFromOs());
}

}  // namespace
}  // namespace candor
