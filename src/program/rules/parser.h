// The rules parser: tokens to a syntax tree, by recursive descent with CEL's precedence.
// Private to program/rules.
#pragma once

#include <string_view>

#include "program/rules/syntax.h"

namespace candor::program::rules {

// Parses `source` (at most limits::kRuleSourceBytesMax bytes, checked by the caller) into
// *tree. Fails at the first error: a malformed token, an unexpected token, nesting deeper than
// limits::kRuleDepthMax, more than limits::kRuleNodesMax nodes or a list literal longer than
// limits::kRuleListElementsMax.
bool Parse(std::string_view source, SyntaxTree* tree, SyntaxError* error);

// 1-based line and column (in code points) of byte `offset` of `source`.
struct Position {
    int line = 1;
    int column = 1;
};

Position Locate(std::string_view source, std::uint32_t offset);

}  // namespace candor::program::rules
