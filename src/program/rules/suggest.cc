#include "program/rules/suggest.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace candor::program::rules {
namespace {

char Lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            const std::size_t substitution =
                diagonal + (Lower(a[i - 1]) == Lower(b[j - 1]) ? 0 : 1);
            row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace

std::string ClosestName(std::string_view name, std::span<const std::string_view> candidates) {
    const std::size_t allowed = std::max<std::size_t>(1, name.size() / 3);
    std::string_view best;
    std::size_t best_distance = allowed + 1;
    for (const std::string_view candidate : candidates) {
        const std::size_t distance = EditDistance(name, candidate);
        if (distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    return std::string(best);
}

std::string DidYouMean(std::string_view name, std::span<const std::string_view> candidates) {
    const std::string closest = ClosestName(name, candidates);
    return closest.empty() ? std::string() : fmt::format("; did you mean '{}'?", closest);
}

}  // namespace candor::program::rules
