#include "core/clock.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace candor {

Timestamp SystemClock::Now() const {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
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
