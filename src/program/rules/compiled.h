// The compiled form of an expression: a flat array of typed nodes, with literals folded into
// constants, names resolved to variable, field and local slots, and time zones resolved to
// offset tables. The checker builds it, the compiler finishes it, the vm runs it. Private to
// program/rules.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "program/rules/rules.h"
#include "program/rules/syntax.h"
#include "program/rules/time_zone.h"

namespace candor::program::rules {

// One value while evaluating: trivially constructible, so the evaluator's locals cost nothing
// to set up. Which member is live follows from the node's Type: boolean for kBool; integer
// for kInt, kDecimal, kTimestamp and kDuration; string for kString; items for kList (the
// elements) and kRecord (the fields; a record with fewer Values than fields reads the rest as
// unset).
struct Chars {
    const char* data;
    std::size_t size;
};

struct Items {
    const Value* data;
    std::size_t size;
};

union Slot {
    bool boolean;
    std::int64_t integer;
    Chars string;
    Items items;
};

enum class Op : std::uint8_t {
    kConstant,       // constant
    kVariable,       // variables[index]
    kLocal,          // the element a list macro binds, locals[index]
    kField,          // field `index` of record child[0]
    kVariableField,  // field `index` of variables[child[0]] (kField of a kVariable, fused)
    kLocalField,     // field `index` of locals[child[0]] (kField of a kLocal, fused)
    // A comparison (aux) of field `index`, of kind `operand`, of variables[child[0]] (or of
    // locals[child[0]]) with `constant`: a kCompare* of a field and a constant, fused. The
    // field's own source text is [child[1], child[2]), for Explain.
    kCompareVariableField,
    kCompareLocalField,
    kHas,              // whether field `index` of record child[0] is set
    kNot,              // !child[0]
    kNegate,           // -child[0], checked (int, decimal, duration)
    kAnd,              // n-ary, short-circuit
    kOr,               // n-ary, short-circuit
    kConditional,      // child[0] ? child[1] : child[2]
    kIntToDecimal,     // child[0] * kDecimalScale, checked
    kCompare,          // child[0] <aux: Comparison> child[1]: int, decimal, timestamp, duration
    kCompareString,    // the same for strings
    kCompareBool,      // the same for bools (== and != only)
    kIn,               // child[0] in list child[1]
    kInElements,       // n-ary: children[0] in [children[1], ...] (a list literal of non-constants)
    kAdd,              // checked int64 (int, decimal, timestamp/duration)
    kSubtract,         // checked int64
    kMultiply,         // checked int64 (int * int, duration * int)
    kMultiplyDecimal,  // micro-unit product, rounded half away from zero
    kDivide,           // int64, truncating (int / int, duration / int)
    kDivideDecimal,    // micro-unit quotient, rounded half away from zero
    kRemainder,        // int % int
    kSize,             // size of child[0]: code points of a string, elements of a list
    kStartsWith,       // child[0].starts_with(child[1])
    kEndsWith,         // child[0].ends_with(child[1])
    kContains,         // child[0].contains(child[1])
    kFloor,            // decimal child[0] to int
    kCeil,
    kRound,     // half away from zero
    kTruncate,  // int(decimal): toward zero
    kMin,       // min(child[0], child[1]) of kind `operand`
    kMax,
    kAny,  // list macros: child[0] the list, child[1] the body, index the local
    kAll,
    kCount,
    kSum,
    kMaxOf,
    kMinOf,
    kTimePart,  // a calendar field (aux: TimePart) of timestamp child[0] in zones[index]
};

inline constexpr std::size_t kOpCount = static_cast<std::size_t>(Op::kTimePart) + 1;

enum class Comparison : std::uint8_t {
    kEqual,
    kNotEqual,
    kLess,
    kLessEqual,
    kGreater,
    kGreaterEqual
};

enum class TimePart : std::uint8_t {
    kDayOfWeek,  // ISO: 1 Monday ... 7 Sunday
    kHour,
    kMinute,
    kDayOfMonth,
    kMonth,
    kYear,
    kDayOfYear,
};

using NodeIndex = std::uint32_t;

struct Node {
    Op op = Op::kConstant;
    std::uint8_t aux = 0;        // kCompare: Comparison; kTimePart: TimePart
    Kind operand = Kind::kBool;  // kCompare, kIn, kInElements, kMin, kMax: the operands' kind
    bool is_traced = true;       // Explain lists it (not literals, records or conversions)
    Type type;                   // of the result
    // Children; for kAnd, kOr and kInElements child[0] is the first index into
    // Program::children and child[1] the count.
    std::array<NodeIndex, 3> child = {0, 0, 0};
    std::uint32_t index = 0;  // variable, local, field slot or zone
    Slot constant{};          // kConstant
    Span span;                // the source text
};

struct Program {
    std::vector<Node> nodes;
    std::vector<NodeIndex> children;
    NodeIndex root = 0;
    // Storage that constants point into; deques, so that growing them moves nothing.
    std::deque<std::string> strings;
    std::deque<std::vector<Value>> lists;
    std::deque<ZoneRules> zones;
    std::size_t locals_count = 0;
    std::size_t variables_count = 0;
};

// The whole compiled expression, shared by every copy of an Expression.
struct Expression::Compiled {
    std::string source;
    Kind result = Kind::kBool;
    Schema schema;  // for the names of record fields in rendered values
    Program program;
};

// The nodes a node reads, in evaluation order.
inline std::vector<NodeIndex> ChildrenOf(const Program& program, const Node& node) {
    switch (node.op) {
        case Op::kAnd:
        case Op::kOr:
        case Op::kInElements:
            return {program.children.begin() + node.child[0],
                    program.children.begin() + node.child[0] + node.child[1]};
        default:
            break;
    }
    std::vector<NodeIndex> result;
    std::size_t count = 0;
    switch (node.op) {
        case Op::kConstant:
        case Op::kVariable:
        case Op::kLocal:
        case Op::kVariableField:
        case Op::kLocalField:
        case Op::kCompareVariableField:
        case Op::kCompareLocalField:
            count = 0;
            break;
        case Op::kField:
        case Op::kHas:
        case Op::kNot:
        case Op::kNegate:
        case Op::kIntToDecimal:
        case Op::kSize:
        case Op::kFloor:
        case Op::kCeil:
        case Op::kRound:
        case Op::kTruncate:
        case Op::kTimePart:
            count = 1;
            break;
        case Op::kConditional:
            count = 3;
            break;
        default:
            count = 2;
            break;
    }
    for (std::size_t i = 0; i < count; ++i) {
        result.push_back(node.child[i]);
    }
    return result;
}

}  // namespace candor::program::rules
