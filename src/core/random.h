// Seeded pseudo-random numbers for synthetic data, simulations and jitter. Deterministic for a
// given seed on every platform (SplitMix64 seeding a xoshiro256** generator). Not for secrets:
// crypto/ draws those from libsodium. Not thread-safe; give each thread its own.
#pragma once

#include <array>
#include <cstdint>

namespace candor {

class Random {
public:
    explicit Random(std::uint64_t seed);

    std::uint64_t Next();

    // Uniform in [0, bound). REQUIRES: bound > 0.
    std::uint64_t Below(std::uint64_t bound);

    // Uniform in [low, high]. REQUIRES: low <= high.
    std::int64_t Between(std::int64_t low, std::int64_t high);

    // True with probability numerator/denominator.
    bool Chance(std::uint64_t numerator, std::uint64_t denominator);

private:
    std::array<std::uint64_t, 4> state_{};
};

// A seed from the operating system (getrandom(2)), for generators whose output need not be
// reproducible, such as request ids. Not a secret: crypto/ makes secrets.
std::uint64_t SeedFromOs();

}  // namespace candor
