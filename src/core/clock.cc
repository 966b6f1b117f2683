#include "core/clock.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace candor {

Timestamp SystemClock::Now() const {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

namespace {

std::int64_t MonotonicNanos() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

Stopwatch::Stopwatch() : start_ns_(MonotonicNanos()) {}

double Stopwatch::ElapsedSeconds() const {
    return static_cast<double>(MonotonicNanos() - start_ns_) / 1e9;
}

std::int64_t Stopwatch::ElapsedMicros() const {
    return (MonotonicNanos() - start_ns_) / 1000;
}

std::string FormatRfc3339(Timestamp t) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
    const auto micros = (t - seconds).count();
    if (micros == 0) {
        return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", seconds);
    }
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:06d}Z", seconds, micros);
}

namespace {

// Reads `count` decimal digits at text[*at], advancing *at; false when they are not all digits.
bool ReadDigits(std::string_view text, std::size_t* at, std::size_t count, int* value) {
    if (text.size() < *at + count) {
        return false;
    }
    *value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[*at + i];
        if (c < '0' || c > '9') {
            return false;
        }
        *value = *value * 10 + (c - '0');
    }
    *at += count;
    return true;
}

bool Expect(std::string_view text, std::size_t* at, std::string_view any_of) {
    if (*at >= text.size() || any_of.find(text[*at]) == std::string_view::npos) {
        return false;
    }
    ++*at;
    return true;
}

}  // namespace

bool ParseRfc3339(std::string_view text, Timestamp* t) {
    std::size_t at = 0;
    int year = 0;
    int month = 0;
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (!ReadDigits(text, &at, 4, &year) || !Expect(text, &at, "-") ||
        !ReadDigits(text, &at, 2, &month) || !Expect(text, &at, "-") ||
        !ReadDigits(text, &at, 2, &day) || !Expect(text, &at, "Tt") ||
        !ReadDigits(text, &at, 2, &hour) || !Expect(text, &at, ":") ||
        !ReadDigits(text, &at, 2, &minute) || !Expect(text, &at, ":") ||
        !ReadDigits(text, &at, 2, &second)) {
        return false;
    }
    std::int64_t micros = 0;
    if (at < text.size() && text[at] == '.') {
        ++at;
        std::size_t digits = 0;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            if (++digits > 6) {
                return false;
            }
            micros = micros * 10 + (text[at++] - '0');
        }
        if (digits == 0) {
            return false;
        }
        for (; digits < 6; ++digits) {
            micros *= 10;
        }
    }
    int offset_minutes = 0;
    if (Expect(text, &at, "Zz")) {
        offset_minutes = 0;
    } else {
        if (at >= text.size() || (text[at] != '+' && text[at] != '-')) {
            return false;
        }
        const int sign = text[at++] == '-' ? -1 : 1;
        int offset_hours = 0;
        int offset_mins = 0;
        if (!ReadDigits(text, &at, 2, &offset_hours) || !Expect(text, &at, ":") ||
            !ReadDigits(text, &at, 2, &offset_mins) || offset_hours > 23 || offset_mins > 59) {
            return false;
        }
        offset_minutes = sign * (offset_hours * 60 + offset_mins);
    }
    if (at != text.size() || year < 1 || hour > 23 || minute > 59 || second > 59) {
        return false;
    }
    const std::chrono::year_month_day date{std::chrono::year(year),
                                           std::chrono::month(static_cast<unsigned>(month)),
                                           std::chrono::day(static_cast<unsigned>(day))};
    if (!date.ok()) {
        return false;
    }
    const auto local = std::chrono::sys_days(date) + std::chrono::hours(hour) +
                       std::chrono::minutes(minute) + std::chrono::seconds(second);
    *t = std::chrono::time_point_cast<Duration>(local) - std::chrono::minutes(offset_minutes) +
         Duration(micros);
    return true;
}

}  // namespace candor
