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

}  // namespace candor
