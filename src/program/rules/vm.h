// The rules evaluator: runs a compiled Program over an activation. One recursive walk over the
// flat node array, bounded by limits::kRuleDepthMax levels, with a fixed array of locals for
// the list macros' elements; it allocates nothing unless it is explaining. Private to
// program/rules.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "program/rules/compiled.h"

namespace candor::program::rules {

// Why an evaluation stopped, and at which node.
struct Failure {
    enum class Reason : std::uint8_t {
        kNone,
        kDivisionByZero,
        kOverflow,
        kTimestampRange,  // a timestamp outside the years 0001..9999
        kKindMismatch,    // a set value whose kind is not its declared kind
    };
    Reason reason = Reason::kNone;
    NodeIndex node = 0;
    Kind found = Kind::kBool;     // kKindMismatch: the value's kind
    Kind expected = Kind::kBool;  // kKindMismatch: the declared kind
};

// For Explain: where steps go, and what rendering them needs.
struct Tracer {
    std::vector<TraceStep>* steps = nullptr;
    std::string_view source;
    const Schema* schema = nullptr;
};

// Evaluates node `root` of `program`. REQUIRES: variables.size() >= program.variables_count.
// Explains when `tracer` is non-null.
bool Run(const Program& program,
         NodeIndex root,
         std::span<const Value> variables,
         const Tracer* tracer,
         Slot* result,
         Failure* failure);

// The Value of a slot of type `type`.
Value ToValue(const Slot& slot, const Type& type);

// What failed, for the rule's author: "division by zero in 'a / b'".
std::string DescribeFailure(const Program& program,
                            std::string_view source,
                            const Failure& failure);

}  // namespace candor::program::rules
