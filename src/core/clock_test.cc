#include "core/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

namespace candor {
namespace {

// 2026-01-01T00:00:00Z, as computed by `date -u -d 2026-01-01 +%s` (1767225600) times 10^6.
constexpr std::int64_t kNewYear2026Us = 1'767'225'600'000'000;

// Whole seconds print without a fraction, in UTC with a Z suffix.
TEST(ClockTest, FormatRfc3339WholeSeconds) {
    EXPECT_EQ(FormatRfc3339(FromMicros(0)), "1970-01-01T00:00:00Z");
    EXPECT_EQ(FormatRfc3339(FromMicros(kNewYear2026Us)), "2026-01-01T00:00:00Z");
    // 2024-02-29T12:34:56Z is 1709210096 seconds: a leap day formats as such.
    EXPECT_EQ(FormatRfc3339(FromMicros(1'709'210'096'000'000)), "2024-02-29T12:34:56Z");
    // The last second of a year.
    EXPECT_EQ(FormatRfc3339(FromMicros(kNewYear2026Us - 1'000'000)), "2025-12-31T23:59:59Z");
}

// Sub-second timestamps print exactly six fractional digits, zero padded.
TEST(ClockTest, FormatRfc3339Microseconds) {
    EXPECT_EQ(FormatRfc3339(FromMicros(kNewYear2026Us + 1)), "2026-01-01T00:00:00.000001Z");
    EXPECT_EQ(FormatRfc3339(FromMicros(kNewYear2026Us + 500'000)), "2026-01-01T00:00:00.500000Z");
    EXPECT_EQ(FormatRfc3339(FromMicros(kNewYear2026Us + 59'999'999)),
              "2026-01-01T00:00:59.999999Z");
}

// Before the epoch the fraction still counts forward from the floor second.
TEST(ClockTest, FormatRfc3339BeforeEpoch) {
    EXPECT_EQ(FormatRfc3339(FromMicros(-1)), "1969-12-31T23:59:59.999999Z");
    EXPECT_EQ(FormatRfc3339(FromMicros(-1'000'000)), "1969-12-31T23:59:59Z");
    EXPECT_EQ(FormatRfc3339(FromMicros(-1'500'000)), "1969-12-31T23:59:58.500000Z");
}

// RFC 3339 date-times with an offset parse to the same instant as their UTC spelling.
TEST(ClockTest, ParseRfc3339Offsets) {
    Timestamp t;
    ASSERT_TRUE(ParseRfc3339("2026-01-01T00:00:00Z", &t));
    EXPECT_EQ(ToMicros(t), kNewYear2026Us);
    ASSERT_TRUE(ParseRfc3339("2026-01-01T03:00:00+03:00", &t));
    EXPECT_EQ(ToMicros(t), kNewYear2026Us);
    ASSERT_TRUE(ParseRfc3339("2025-12-31t19:30:00-04:30", &t));
    EXPECT_EQ(ToMicros(t), kNewYear2026Us);
    ASSERT_TRUE(ParseRfc3339("2026-01-01T00:00:00.25z", &t));
    EXPECT_EQ(ToMicros(t), kNewYear2026Us + 250'000);
    ASSERT_TRUE(ParseRfc3339("2026-01-01T00:00:00.000001Z", &t));
    EXPECT_EQ(ToMicros(t), kNewYear2026Us + 1);
    ASSERT_TRUE(ParseRfc3339("2024-02-29T12:34:56Z", &t));
    EXPECT_EQ(FormatRfc3339(t), "2024-02-29T12:34:56Z");
}

// Anything but a full date-time with an offset is refused, including impossible dates.
TEST(ClockTest, ParseRfc3339RefusesMalformed) {
    Timestamp t;
    for (const char* text : {"",
                             "2026-01-01",
                             "2026-01-01T00:00:00",
                             "2026-01-01 00:00:00Z",
                             "2026-02-30T00:00:00Z",
                             "2025-02-29T00:00:00Z",
                             "2026-13-01T00:00:00Z",
                             "2026-01-01T24:00:00Z",
                             "2026-01-01T23:60:00Z",
                             "2026-01-01T23:59:60Z",
                             "2026-01-01T00:00:00.Z",
                             "2026-01-01T00:00:00.1234567Z",
                             "2026-01-01T00:00:00+3:00",
                             "2026-01-01T00:00:00+24:00",
                             "2026-01-01T00:00:00+03:60",
                             "2026-01-01T00:00:00Z ",
                             "0000-01-01T00:00:00Z",
                             "2026-1-01T00:00:00Z",
                             "+2026-01-01T00:00:00Z"}) {
        EXPECT_FALSE(ParseRfc3339(text, &t)) << text;
    }
}

// ToMicros and FromMicros are inverse, including negative and extreme values.
TEST(ClockTest, MicrosRoundTrip) {
    for (std::int64_t us :
         {std::int64_t{0}, std::int64_t{-1}, kNewYear2026Us, INT64_MIN, INT64_MAX}) {
        EXPECT_EQ(ToMicros(FromMicros(us)), us);
    }
    static_assert(ToMicros(FromMicros(7)) == 7, "usable in constant expressions");
}

// A ManualClock stays put until told to move, then moves by exactly the amount given.
TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
    ManualClock clock(FromMicros(kNewYear2026Us));
    EXPECT_EQ(ToMicros(clock.Now()), kNewYear2026Us);
    EXPECT_EQ(ToMicros(clock.Now()), kNewYear2026Us);
    clock.Advance(std::chrono::seconds(90));
    EXPECT_EQ(ToMicros(clock.Now()), kNewYear2026Us + 90'000'000);
    clock.Advance(Duration(-1));
    EXPECT_EQ(ToMicros(clock.Now()), kNewYear2026Us + 89'999'999);
    clock.Set(FromMicros(5));
    EXPECT_EQ(ToMicros(clock.Now()), 5);
}

// A ManualClock is usable through the Clock interface that the rest of Candor takes.
TEST(ClockTest, ManualClockWorksThroughInterface) {
    ManualClock manual(FromMicros(kNewYear2026Us));
    const Clock& clock = manual;
    manual.Advance(std::chrono::hours(24));
    EXPECT_EQ(FormatRfc3339(clock.Now()), "2026-01-02T00:00:00Z");
}

// The system clock reads a plausible present (after this code was written) and does not run
// backwards across two immediate reads by more than a second.
TEST(ClockTest, SystemClockReadsThePresent) {
    SystemClock clock;
    const Timestamp first = clock.Now();
    const Timestamp second = clock.Now();
    EXPECT_GT(ToMicros(first), kNewYear2026Us - 366LL * 24 * 3600 * 1'000'000);
    EXPECT_GT(second + std::chrono::seconds(1), first);
}

}  // namespace
}  // namespace candor
