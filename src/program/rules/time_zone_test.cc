// Tests of the time zone adapter against the date library itself: the offset table matches
// every transition the zone files list, and the POSIX rule read from each file's footer gives
// the same offsets as those listed transitions in the years both cover, so that the rule is
// right for the years after them.
#include "program/rules/time_zone.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace candor::program::rules {
namespace {

std::int64_t Seconds(int year, unsigned month, unsigned day) {
    return date::sys_seconds{date::sys_days{date::year{year} / date::month{month} / date::day{day}}}
        .time_since_epoch()
        .count();
}

// Zones with northern and southern DST, half-hour DST (Lord_Howe), a 45-minute offset
// (Chatham), negative switch times (Nuuk), rules by weekday after a date (Santiago), and
// explicit transitions beyond 2037 (Casablanca).
constexpr std::array<const char*, 16> kZones = {
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Nuuk",
    "America/Santiago",
    "Africa/Casablanca",
    "Europe/Moscow",
    "Asia/Kamchatka",
    "Asia/Tehran",
    "America/Sao_Paulo",
    "Pacific/Auckland",
    "Europe/Dublin",
    "Asia/Kolkata",
    "UTC",
};

struct Period {
    std::int64_t begin_s;
    std::int64_t end_s;
    std::int64_t offset_s;
};

// The library's periods of constant offset that overlap [from_s, to_s).
std::vector<Period> LibraryPeriods(const date::time_zone* zone,
                                   std::int64_t from_s,
                                   std::int64_t to_s) {
    std::vector<Period> periods;
    for (std::int64_t t = from_s; t < to_s;) {
        const auto info = zone->get_info(date::sys_seconds{std::chrono::seconds{t}});
        periods.push_back({info.begin.time_since_epoch().count(),
                           info.end.time_since_epoch().count(),
                           info.offset.count()});
        t = periods.back().end_s;
    }
    return periods;
}

TEST(TimeZoneTest, TableMatchesTheLibrary) {
    // From 1970 to 2037, the table's offset is the library's at the first and last second
    // of every period and in its middle.
    for (const std::string name : kZones) {
        ZoneRules zone;
        std::string error;
        ASSERT_TRUE(LoadZone(name, &zone, &error)) << error;
        const auto periods = LibraryPeriods(date::locate_zone(name), 0, Seconds(2038, 1, 1));
        EXPECT_GE(periods.size(), 1U);
        for (const Period& period : periods) {
            const std::int64_t begin = std::max<std::int64_t>(period.begin_s, 0);
            const std::int64_t last = std::min(period.end_s, Seconds(2038, 1, 1)) - 1;
            EXPECT_EQ(OffsetAt(zone, begin), period.offset_s) << name << " at " << begin;
            EXPECT_EQ(OffsetAt(zone, last), period.offset_s) << name << " at " << last;
            EXPECT_EQ(OffsetAt(zone, begin + (last - begin) / 2), period.offset_s) << name;
        }
    }
}

TEST(TimeZoneTest, FooterRuleMatchesTheListedTransitions) {
    // The footer rule gives the library's offsets at the first and last second of every
    // period from the rule's last change (the years both cover) to 2037, and afterwards it is
    // what the table hands over to, so it is right for the years the files no longer list.
    for (const std::string name : kZones) {
        ZoneRules zone;
        std::string error;
        ASSERT_TRUE(LoadZone(name, &zone, &error)) << error;
        if (!zone.has_rule) {
            continue;
        }
        const auto periods =
            LibraryPeriods(date::locate_zone(name), Seconds(1990, 1, 1), Seconds(2038, 1, 1));
        const auto agrees = [&zone](const Period& period) {
            return RuleOffsetAt(zone.rule, period.begin_s) == period.offset_s &&
                   RuleOffsetAt(zone.rule, period.end_s - 1) == period.offset_s;
        };
        // The periods since the rule last changed agree with it, and they began before 2030
        // (or, for zones that list transitions past 2037, before the table's last one).
        std::size_t first = periods.size();
        while (first > 0 && agrees(periods[first - 1])) {
            --first;
        }
        ASSERT_LT(first, periods.size()) << name;
        EXPECT_LT(periods[first].begin_s, std::max(Seconds(2030, 1, 1), zone.begins_s.back()))
            << name;
        // The rules of these last changed in 1996, 2007 and 2008.
        if (name == "Europe/Berlin" || name == "America/New_York" || name == "Australia/Sydney") {
            EXPECT_LT(periods[first].begin_s, Seconds(2009, 1, 1)) << name;
        }
    }
}

TEST(TimeZoneTest, UnknownZonesSuggestTheClosestName) {
    // An unknown zone is an error that names the closest known zone.
    ZoneRules zone;
    std::string error;
    EXPECT_FALSE(LoadZone("Europe/Mscow", &zone, &error));
    EXPECT_EQ(error, "unknown time zone 'Europe/Mscow'; did you mean 'Europe/Moscow'?");
    EXPECT_FALSE(LoadZone("Nowhere", &zone, &error));
    EXPECT_EQ(error, "unknown time zone 'Nowhere'");
    EXPECT_FALSE(LoadZone("../../etc/passwd", &zone, &error));
}

TEST(TimeZoneTest, PosixRules) {
    // The forms of RFC 8536's TZ strings: names quoted or not, offsets with minutes, Jn, n and
    // Mm.w.d dates, switch times past 24 h and negative; malformed ones are refused.
    PosixRule rule;
    ASSERT_TRUE(ParsePosixRule("CET-1CEST,M3.5.0,M10.5.0/3", &rule));
    EXPECT_EQ(rule.standard_offset_s, 3600);
    EXPECT_TRUE(rule.has_daylight);
    EXPECT_EQ(rule.daylight_offset_s, 7200);
    EXPECT_EQ(rule.end.time_s, 3 * 3600);
    ASSERT_TRUE(ParsePosixRule("<+0330>-3:30", &rule));
    EXPECT_EQ(rule.standard_offset_s, 3 * 3600 + 1800);
    EXPECT_FALSE(rule.has_daylight);
    ASSERT_TRUE(ParsePosixRule("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", &rule));
    EXPECT_EQ(rule.start.time_s, -3600);
    ASSERT_TRUE(ParsePosixRule("IST-2IDT,M3.4.4/26,M10.5.0", &rule));
    EXPECT_EQ(rule.start.time_s, 26 * 3600);
    ASSERT_TRUE(ParsePosixRule("EST5EDT,0/0,J365/25", &rule));
    EXPECT_EQ(rule.start.form, RuleDate::Form::kJulianZero);
    EXPECT_EQ(rule.end.form, RuleDate::Form::kJulianNoLeap);
    // All year in daylight time: from January 1 00:00 to December 31 25:00.
    EXPECT_EQ(RuleOffsetAt(rule, Seconds(2040, 7, 1)), -4 * 3600);
    EXPECT_EQ(RuleOffsetAt(rule, Seconds(2040, 1, 1) + std::int64_t{6} * 3600), -4 * 3600);
    for (const char* malformed : {"",
                                  "C-1",
                                  "CET",
                                  "CET-1CEST,M3.5.0",
                                  "CET-1CEST,M13.5.0,M10.5.0",
                                  "CET-1CEST,M3.6.0,M10.5.0",
                                  "CET-1CEST,J366,J1",
                                  "CET-1 x",
                                  "<+03-3",
                                  "CET-168"}) {
        EXPECT_FALSE(ParsePosixRule(malformed, &rule)) << malformed;
    }
}

}  // namespace
}  // namespace candor::program::rules
