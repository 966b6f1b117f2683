// Amount: a signed quantity of one asset (points, status points, or minor currency units).
// Always an integer; arithmetic that would overflow int64 reports it instead of wrapping.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>

namespace candor {

// A 128-bit integer for sums and products of int64 amounts that must not overflow
// (a GCC and Clang extension, hence __extension__ under -Wpedantic).
__extension__ typedef __int128 Int128;  // NOLINT(modernize-use-using): __extension__ needs typedef

class Amount {
public:
    constexpr Amount() = default;

    constexpr explicit Amount(std::int64_t value) : value_(value) {}

    constexpr std::int64_t value() const { return value_; }

    constexpr bool is_positive() const { return value_ > 0; }

    constexpr bool is_zero() const { return value_ == 0; }

    // std::nullopt when the result does not fit in int64.
    constexpr std::optional<Amount> Plus(Amount other) const {
        std::int64_t sum = 0;
        if (__builtin_add_overflow(value_, other.value_, &sum)) {
            return std::nullopt;
        }
        return Amount(sum);
    }

    constexpr std::optional<Amount> Minus(Amount other) const {
        std::int64_t difference = 0;
        if (__builtin_sub_overflow(value_, other.value_, &difference)) {
            return std::nullopt;
        }
        return Amount(difference);
    }

    // -value, or std::nullopt for INT64_MIN.
    constexpr std::optional<Amount> Negated() const { return Amount(0).Minus(*this); }

    friend constexpr auto operator<=>(Amount, Amount) = default;

private:
    std::int64_t value_ = 0;
};

// floor(value * numerator / denominator) computed without intermediate overflow.
// REQUIRES: denominator > 0 and 0 <= numerator <= denominator, so the result fits.
std::int64_t ScaleFloor(std::int64_t value, std::int64_t numerator, std::int64_t denominator);

}  // namespace candor
