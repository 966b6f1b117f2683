// Time. Every piece of Candor reads the time through a Clock, so that expiry, hold timeouts and
// tier reviews can be tested at any date. Timestamps are UTC microseconds since the Unix epoch.
// SystemClock is thread-safe; ManualClock is thread-safe and moves only when told to.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace candor {

using Duration = std::chrono::microseconds;
using Timestamp = std::chrono::sys_time<Duration>;

inline constexpr std::int64_t ToMicros(Timestamp t) {
    return t.time_since_epoch().count();
}

inline constexpr Timestamp FromMicros(std::int64_t us) {
    return Timestamp(Duration(us));
}

// "2026-11-21T15:03:11Z" (seconds precision, or with .ffffff when there are microseconds).
std::string FormatRfc3339(Timestamp t);

// Parses an RFC 3339 date-time with an explicit offset: "2026-11-21T18:03:11+03:00",
// "2026-11-21T15:03:11Z", with 1-6 fractional digits of a second ("...11.25Z"); a lower-case t
// or z is accepted (RFC 3339, section 5.6). False for anything else: a missing offset, a date
// that does not exist (2026-02-30), a leap second (:60), an offset beyond +-23:59 or a year
// outside 0001-9999.
bool ParseRfc3339(std::string_view text, Timestamp* t);

class Clock {
public:
    virtual ~Clock() = default;
    virtual Timestamp Now() const = 0;
};

class SystemClock final : public Clock {
public:
    Timestamp Now() const override;
};

// Elapsed wall time for progress reports and benchmarks (a monotonic clock). Never use it for
// anything stored: stored times come from a Clock.
class Stopwatch {
public:
    Stopwatch();

    double ElapsedSeconds() const;

    std::int64_t ElapsedMicros() const;

private:
    std::int64_t start_ns_;
};

class ManualClock final : public Clock {
public:
    explicit ManualClock(Timestamp start) : now_us_(ToMicros(start)) {}

    Timestamp Now() const override { return FromMicros(now_us_.load()); }

    void Set(Timestamp t) { now_us_.store(ToMicros(t)); }

    void Advance(Duration d) { now_us_.fetch_add(d.count()); }

private:
    std::atomic<std::int64_t> now_us_;
};

}  // namespace candor
