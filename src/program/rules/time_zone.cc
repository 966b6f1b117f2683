#include "program/rules/time_zone.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <exception>
#include <fstream>
#include <iterator>
#include <limits>
#include <utility>

#include "program/rules/suggest.h"

namespace candor::program::rules {
namespace {

// Where Debian's tzdata installs the zone files, and where the date library (built with
// USE_OS_TZDB) reads them.
constexpr std::string_view kZoneDirectory = "/usr/share/zoneinfo/";
// Transitions of one zone; the busiest zones list a few hundred.
constexpr std::size_t kTransitionsMax = 10'000;

class RuleReader {
public:
    explicit RuleReader(std::string_view text) : text_(text) {}

    bool AtEnd() const { return at_ == text_.size(); }

    bool Take(char c) {
        if (at_ < text_.size() && text_[at_] == c) {
            ++at_;
            return true;
        }
        return false;
    }

    // A zone abbreviation: three or more letters, or <...> quoted (digits and signs allowed).
    bool Name() {
        const std::size_t begin = at_;
        if (Take('<')) {
            while (at_ < text_.size() && text_[at_] != '>') {
                ++at_;
            }
            return Take('>') && at_ - begin >= 5;
        }
        while (at_ < text_.size() && ((text_[at_] >= 'A' && text_[at_] <= 'Z') ||
                                      (text_[at_] >= 'a' && text_[at_] <= 'z'))) {
            ++at_;
        }
        return at_ - begin >= 3;
    }

    bool Number(int digits_max, std::int64_t* value) {
        const std::size_t begin = at_;
        *value = 0;
        while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9' &&
               at_ - begin < static_cast<std::size_t>(digits_max)) {
            *value = *value * 10 + (text_[at_] - '0');
            ++at_;
        }
        return at_ > begin;
    }

    // [+-]hh[:mm[:ss]] in seconds; hours up to 167 (RFC 8536's extension).
    bool Time(std::int64_t* seconds) {
        std::int64_t sign = 1;
        if (Take('-')) {
            sign = -1;
        } else {
            Take('+');
        }
        std::int64_t hours = 0;
        std::int64_t minutes = 0;
        std::int64_t secs = 0;
        if (!Number(3, &hours) || hours > 167) {
            return false;
        }
        if (Take(':') && (!Number(2, &minutes) || minutes > 59 ||
                          (Take(':') && (!Number(2, &secs) || secs > 59)))) {
            return false;
        }
        *seconds = sign * (hours * 3600 + minutes * 60 + secs);
        return true;
    }

    bool Date(RuleDate* date) {
        std::int64_t a = 0;
        if (Take('J')) {
            date->form = RuleDate::Form::kJulianNoLeap;
            if (!Number(3, &a) || a < 1 || a > 365) {
                return false;
            }
            date->day = static_cast<int>(a);
        } else if (Take('M')) {
            std::int64_t week = 0;
            std::int64_t weekday = 0;
            if (!Number(2, &a) || a < 1 || a > 12 || !Take('.') || !Number(1, &week) || week < 1 ||
                week > 5 || !Take('.') || !Number(1, &weekday) || weekday > 6) {
                return false;
            }
            date->form = RuleDate::Form::kMonthWeekDay;
            date->month = static_cast<int>(a);
            date->week = static_cast<int>(week);
            date->weekday = static_cast<int>(weekday);
        } else {
            date->form = RuleDate::Form::kJulianZero;
            if (!Number(3, &a) || a > 365) {
                return false;
            }
            date->day = static_cast<int>(a);
        }
        date->time_s = 7200;
        return !Take('/') || Time(&date->time_s);
    }

private:
    std::string_view text_;
    std::size_t at_ = 0;
};

// Days since the epoch of the day `date` names in `year`.
std::int64_t RuleDay(const RuleDate& date, int year) {
    const date::year y{year};
    const auto january_first = date::sys_days{y / date::January / 1}.time_since_epoch().count();
    switch (date.form) {
        case RuleDate::Form::kJulianNoLeap:
            return january_first + date.day - 1 + (y.is_leap() && date.day >= 60 ? 1 : 0);
        case RuleDate::Form::kJulianZero:
            return january_first + date.day;
        case RuleDate::Form::kMonthWeekDay:
            break;
    }
    const auto month = date::month{static_cast<unsigned>(date.month)};
    const auto weekday = date::weekday{static_cast<unsigned>(date.weekday)};
    if (date.week == 5) {
        return date::sys_days{y / month / weekday[date::last]}.time_since_epoch().count();
    }
    return date::sys_days{y / month / weekday[static_cast<unsigned>(date.week)]}
        .time_since_epoch()
        .count();
}

// The footer of a TZif version 2+ file: the POSIX TZ rule between its last two newlines.
bool ReadFooter(std::string_view name, std::string* footer) {
    std::ifstream file(std::string(kZoneDirectory) + std::string(name), std::ios::binary);
    if (!file) {
        return false;
    }
    const std::string bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    if (bytes.size() < 6 || bytes.compare(0, 4, "TZif") != 0 || bytes[4] < '2' ||
        bytes.back() != '\n') {
        return false;
    }
    const std::size_t newline = bytes.rfind('\n', bytes.size() - 2);
    if (newline == std::string::npos) {
        return false;
    }
    *footer = bytes.substr(newline + 1, bytes.size() - newline - 2);
    return true;
}

std::vector<std::string_view> ZoneNames(const date::tzdb& database) {
    std::vector<std::string_view> names;
    for (const auto& zone : database.zones) {
        names.push_back(zone.name());
    }
    return names;
}

// The date library throws for unknown zones and a missing database; this is the adapter that
// turns those into an error message.
bool LoadTransitions(std::string_view name, ZoneRules* zone, std::string* error) {
    try {
        const date::tzdb& database = date::get_tzdb();
        // With the system's database (USE_OS_TZDB) every zone file, links ("US/Eastern")
        // included, is a zone of its own.
        const date::time_zone* found = nullptr;
        for (const auto& candidate : database.zones) {
            if (candidate.name() == name) {
                found = &candidate;
            }
        }
        if (found == nullptr) {
            *error = fmt::format(
                "unknown time zone '{}'{}", name, DidYouMean(name, ZoneNames(database)));
            return false;
        }
        using std::chrono::seconds;
        auto at = date::sys_seconds{date::sys_days{date::year::min() / 1 / 1}};
        // The library ends a zone's last period at the end of its calendar (year 32767).
        const auto last = date::sys_seconds{date::sys_days{date::year{30'000} / 1 / 1}};
        for (std::size_t i = 0; i < kTransitionsMax; ++i) {
            const date::sys_info info = found->get_info(at);
            zone->begins_s.push_back(info.begin.time_since_epoch().count());
            zone->offsets_s.push_back(info.offset.count());
            if (info.end >= last || info.end <= at) {
                return true;
            }
            at = info.end;
        }
        *error = fmt::format("time zone '{}' has too many transitions", name);
        return false;
    } catch (const std::exception& e) {
        *error = fmt::format("the time zone database cannot be read: {}", e.what());
        return false;
    }
}

}  // namespace

ZoneRules UtcZone() {
    ZoneRules zone;
    zone.name = "UTC";
    zone.begins_s.push_back(std::numeric_limits<std::int64_t>::min());
    zone.offsets_s.push_back(0);
    return zone;
}

bool ParsePosixRule(std::string_view text, PosixRule* rule) {
    RuleReader reader(text);
    std::int64_t west_s = 0;
    if (!reader.Name() || !reader.Time(&west_s)) {
        return false;
    }
    // POSIX offsets count west of UTC: "CET-1" is one hour east.
    rule->standard_offset_s = -west_s;
    rule->has_daylight = false;
    if (reader.AtEnd()) {
        return true;
    }
    if (!reader.Name()) {
        return false;
    }
    rule->has_daylight = true;
    rule->daylight_offset_s = rule->standard_offset_s + 3600;
    if (!reader.AtEnd() && !reader.Take(',')) {
        if (!reader.Time(&west_s)) {
            return false;
        }
        rule->daylight_offset_s = -west_s;
        if (!reader.Take(',')) {
            return false;
        }
    }
    return reader.Date(&rule->start) && reader.Take(',') && reader.Date(&rule->end) &&
           reader.AtEnd();
}

bool LoadZone(std::string_view name, ZoneRules* zone, std::string* error) {
    zone->name = std::string(name);
    if (!LoadTransitions(name, zone, error)) {
        return false;
    }
    std::string footer;
    if (ReadFooter(name, &footer) && !footer.empty()) {
        if (!ParsePosixRule(footer, &zone->rule)) {
            *error =
                fmt::format("time zone '{}' has a rule this build cannot read: {}", name, footer);
            return false;
        }
        zone->has_rule = true;
    }
    return true;
}

std::int64_t RuleOffsetAt(const PosixRule& rule, std::int64_t utc_s) {
    if (!rule.has_daylight) {
        return rule.standard_offset_s;
    }
    const auto local_days = FloorDivide(utc_s + rule.standard_offset_s, kSecondsPerDay);
    const date::year_month_day civil{date::sys_days{date::days{local_days}}};
    const int year = static_cast<int>(civil.year());
    // The switches are given in the local time in force before each one.
    const std::int64_t start =
        RuleDay(rule.start, year) * kSecondsPerDay + rule.start.time_s - rule.standard_offset_s;
    const std::int64_t end =
        RuleDay(rule.end, year) * kSecondsPerDay + rule.end.time_s - rule.daylight_offset_s;
    const bool is_daylight =
        start < end ? (utc_s >= start && utc_s < end) : !(utc_s >= end && utc_s < start);
    return is_daylight ? rule.daylight_offset_s : rule.standard_offset_s;
}

std::int64_t OffsetAt(const ZoneRules& zone, std::int64_t utc_s) {
    if (zone.has_rule && utc_s >= zone.begins_s.back()) {
        return RuleOffsetAt(zone.rule, utc_s);
    }
    const auto after = std::upper_bound(zone.begins_s.begin(), zone.begins_s.end(), utc_s);
    const auto index = after == zone.begins_s.begin() ? 0 : (after - zone.begins_s.begin()) - 1;
    return zone.offsets_s[static_cast<std::size_t>(index)];
}

}  // namespace candor::program::rules
