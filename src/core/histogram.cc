#include "core/histogram.h"

#include <algorithm>

namespace candor {

Histogram::Histogram(std::span<const std::int64_t> bounds)
    : bounds_(bounds), counts_(bounds.size() + 1, 0) {}

void Histogram::Observe(std::int64_t value) {
    const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
    ++counts_[static_cast<std::size_t>(bucket)];
    ++count_;
    sum_ += value;
}

}  // namespace candor
