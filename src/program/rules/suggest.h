// "Did you mean" for the rules' compile errors. Private to program/rules.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace candor::program::rules {

// The candidate closest to `name` by edit distance (Levenshtein, ASCII case-insensitive), or ""
// when none is close enough to be a plausible typo (more than a third of the name's length,
// at least one edit allowed).
std::string ClosestName(std::string_view name, std::span<const std::string_view> candidates);

// "; did you mean 'x'?" for ClosestName's answer, or "" when there is none.
std::string DidYouMean(std::string_view name, std::span<const std::string_view> candidates);

}  // namespace candor::program::rules
