// The rules compiler: the pipeline from source text to a finished Program (lexer, parser,
// checker), constant folding, and the final layout. Private to program/rules.
#pragma once

#include <string_view>

#include "program/rules/compiled.h"
#include "program/rules/syntax.h"

namespace candor::program::rules {

// Compiles `source` into *program, whose root gives a value of kind `result` (an int root is
// converted where a decimal is asked for). Fails at the first error, with its byte offset.
bool CompileSource(std::string_view source,
                   const Schema& schema,
                   Kind result,
                   Program* program,
                   SyntaxError* error);

// Replaces node `index` by a constant when it computes one from constants alone (not a list
// macro, a field or a variable). Fails with a compile error at the node when computing it
// fails: a constant division by zero, an overflow.
bool Fold(Program* program, NodeIndex index, std::string_view source, SyntaxError* error);

}  // namespace candor::program::rules
