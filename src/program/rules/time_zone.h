// Time zones for the rules' calendar functions: an IANA zone resolved once, at compile time,
// into a table of UTC offsets, so that evaluation only searches an array (no allocation, no
// I/O, no locks). The date library (Howard Hinnant's, over the system's tzdata) supplies the
// zone names and the transitions the zone file lists; it ignores the rule that the file's
// footer gives for later times (HowardHinnant/date#794), so this adapter reads that POSIX TZ
// rule itself and applies it after the last listed transition (2037 in Debian's files).
// Private to program/rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace candor::program::rules {

// When a POSIX TZ rule switches: a day of the year and a local time of day.
struct RuleDate {
    enum class Form : std::uint8_t {
        kJulianNoLeap,  // Jn: day 1..365, February 29 never counted
        kJulianZero,    // n: day 0..365, February 29 counted in leap years
        kMonthWeekDay,  // Mm.w.d: weekday d (0 Sunday) of week w (5: the last) of month m
    };
    Form form = Form::kMonthWeekDay;
    int day = 0;  // kJulianNoLeap, kJulianZero
    int month = 1;
    int week = 1;
    int weekday = 0;
    std::int64_t time_s = 7200;  // local time of day of the switch, may be negative or > 24 h
};

// A POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3"), offsets in seconds east of UTC.
struct PosixRule {
    std::int64_t standard_offset_s = 0;
    bool has_daylight = false;
    std::int64_t daylight_offset_s = 0;
    RuleDate start;  // into daylight time, in local standard time
    RuleDate end;    // back to standard time, in local daylight time
};

struct ZoneRules {
    std::string name;
    // The offset offsets_s[i] applies from begins_s[i] (UTC seconds) to the next begin;
    // begins_s[0] covers everything before it too. Never empty.
    std::vector<std::int64_t> begins_s;
    std::vector<std::int64_t> offsets_s;
    // From begins_s.back() on, when has_rule.
    bool has_rule = false;
    PosixRule rule;
};

// UTC, with no file read.
ZoneRules UtcZone();

// Resolves IANA zone `name` ("Europe/Moscow", "UTC"). Fails with a message for the rule's
// author, with the closest known name as a suggestion when there is one.
bool LoadZone(std::string_view name, ZoneRules* zone, std::string* error);

// Parses a POSIX TZ rule (the TZif footer); false when malformed.
bool ParsePosixRule(std::string_view text, PosixRule* rule);

// The offset from UTC, in seconds, that `rule` gives at `utc_s`. REQUIRES: utc_s within the
// years 0001..9999.
std::int64_t RuleOffsetAt(const PosixRule& rule, std::int64_t utc_s);

// The zone's offset from UTC, in seconds, at `utc_s`. REQUIRES: utc_s within the years
// 0001..9999 (callers check kTimestampMin/MaxSeconds first).
std::int64_t OffsetAt(const ZoneRules& zone, std::int64_t utc_s);

inline constexpr std::int64_t kMicrosPerSecond = 1'000'000;
inline constexpr std::int64_t kSecondsPerDay = 86'400;

// a / b rounded toward negative infinity (C++ rounds toward zero). REQUIRES: b != 0.
inline std::int64_t FloorDivide(std::int64_t a, std::int64_t b) {
    const std::int64_t quotient = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? quotient - 1 : quotient;
}

// The range of timestamps the calendar functions accept: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59Z, in seconds since the Unix epoch.
inline constexpr std::int64_t kTimestampMinSeconds = -62'135'596'800;
inline constexpr std::int64_t kTimestampMaxSeconds = 253'402'300'799;

}  // namespace candor::program::rules
