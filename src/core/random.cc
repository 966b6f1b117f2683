#include "core/random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstddef>

#include "core/assert.h"

namespace candor {
namespace {

std::uint64_t SplitMix64(std::uint64_t* x) {
    std::uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31U);
}

std::uint64_t RotateLeft(std::uint64_t x, unsigned k) {
    return (x << k) | (x >> (64U - k));
}

}  // namespace

Random::Random(std::uint64_t seed) {
    for (auto& word : state_) {
        word = SplitMix64(&seed);
    }
}

std::uint64_t Random::Next() {
    const std::uint64_t result = RotateLeft(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17U;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = RotateLeft(state_[3], 45);
    return result;
}

std::uint64_t Random::Below(std::uint64_t bound) {
    CANDOR_ASSERT(bound > 0);
    // Rejection sampling removes the modulo bias.
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    std::uint64_t x = Next();
    while (x >= limit) {
        x = Next();
    }
    return x % bound;
}

std::int64_t Random::Between(std::int64_t low, std::int64_t high) {
    CANDOR_ASSERT(low <= high);
    const auto span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
    if (span == UINT64_MAX) {
        return static_cast<std::int64_t>(Next());
    }
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + Below(span + 1));
}

std::uint64_t SeedFromOs() {
    std::uint64_t seed = 0;
    // getrandom on the urandom source never fails once the pool is initialized, which the
    // kernel does at boot; EINTR is retried. A failure here means a broken kernel.
    ssize_t got = -1;
    do {
        got = getrandom(&seed, sizeof seed, 0);
    } while (got < 0 && errno == EINTR);
    CANDOR_ASSERT(got == static_cast<ssize_t>(sizeof seed));
    return seed;
}

bool Random::Chance(std::uint64_t numerator, std::uint64_t denominator) {
    return Below(denominator) < numerator;
}

}  // namespace candor
