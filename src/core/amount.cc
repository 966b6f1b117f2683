#include "core/amount.h"

#include "core/assert.h"

namespace candor {

std::int64_t ScaleFloor(std::int64_t value, std::int64_t numerator, std::int64_t denominator) {
    CANDOR_ASSERT(denominator > 0);
    CANDOR_ASSERT(numerator >= 0);
    CANDOR_ASSERT(numerator <= denominator);
    const Int128 product = static_cast<Int128>(value) * numerator;
    Int128 quotient = product / denominator;
    // C++ division truncates toward zero; floor needs one less for negative remainders.
    if (product % denominator != 0 && product < 0) {
        quotient -= 1;
    }
    return static_cast<std::int64_t>(quotient);
}

}  // namespace candor
