// The rules type checker: resolves names against the Schema, checks every operator's and
// function's operand types, picks the operation for each, and emits the compiled nodes
// (folding constants as it goes). Private to program/rules.
#pragma once

#include <string_view>

#include "program/rules/compiled.h"
#include "program/rules/syntax.h"

namespace candor::program::rules {

// Checks `tree` (parsed from `source`) and appends its nodes to *program; *root is the node
// of the whole expression. Fails at the first error with a message that says what was
// expected and what was found.
bool Check(std::string_view source,
           const SyntaxTree& tree,
           const Schema& schema,
           Program* program,
           NodeIndex* root,
           SyntaxError* error);

}  // namespace candor::program::rules
