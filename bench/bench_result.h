// What one benchmark run measured, and the percentile arithmetic shared by every run.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace candor::bench {

struct RunResult {
    std::string name;
    std::size_t earns = 0;   // completed successfully
    std::size_t failed = 0;  // answered with an error
    double seconds = 0;
    double earns_per_s = 0;
    // Latency in milliseconds: submit to callback for committer runs, one transaction for raw.
    std::string latency_of;
    double p50_ms = 0;
    double p99_ms = 0;
    double max_ms = 0;
    std::uint64_t transactions = 0;
    // CPU time (user + system, every thread of the process) per completed earn. Less noisy
    // than earns/s on a shared machine: it does not count time spent waiting for a core.
    double cpu_us_per_earn = 0;
    std::string error;  // set when the run could not complete
};

// CPU time (user + system) used by this process so far, in microseconds.
inline std::int64_t ProcessCpuMicros() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1'000'000 + usage.ru_utime.tv_usec +
           usage.ru_stime.tv_usec;
}

// Sets cpu_us_per_earn from the process CPU time at the start of the run.
inline void SetCpu(std::int64_t cpu_start_us, RunResult* result) {
    if (result->earns > 0) {
        result->cpu_us_per_earn = static_cast<double>(ProcessCpuMicros() - cpu_start_us) /
                                  static_cast<double>(result->earns);
    }
}

// Fills the latency fields from samples in microseconds (sorted in place).
inline void SetLatencies(std::vector<std::int64_t>& samples_us, RunResult* result) {
    if (samples_us.empty()) {
        return;
    }
    std::sort(samples_us.begin(), samples_us.end());
    auto at = [&samples_us](double quantile) {
        const auto index =
            static_cast<std::size_t>(quantile * static_cast<double>(samples_us.size() - 1));
        return static_cast<double>(samples_us[index]) / 1000.0;
    };
    result->p50_ms = at(0.50);
    result->p99_ms = at(0.99);
    result->max_ms = at(1.0);
}

}  // namespace candor::bench
