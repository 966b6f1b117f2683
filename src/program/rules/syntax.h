// The syntax tree the parser builds and the checker reads. Private to program/rules.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace candor::program::rules {

// A byte range [begin, end) of the source text.
struct Span {
    std::uint32_t begin = 0;
    std::uint32_t end = 0;
};

// A compile error at a byte offset of the source; Compile turns the offset into line:column.
struct SyntaxError {
    std::uint32_t offset = 0;
    std::string message;
};

enum class SyntaxKind : std::uint8_t {
    kInt,          // integer
    kDecimal,      // integer holds micro-units
    kString,       // text
    kBool,         // integer is 0 or 1
    kNull,         // refused by the checker with a hint
    kIdentifier,   // name
    kSelect,       // children[0].name
    kCall,         // name(children...)
    kMethod,       // children[0].name(children[1...])
    kList,         // [children...]
    kNot,          // !children[0]
    kNegate,       // -children[0]
    kBinary,       // children[0] op children[1]
    kAnd,          // children[0] && children[1] && ...
    kOr,           // children[0] || children[1] || ...
    kConditional,  // children[0] ? children[1] : children[2]
};

// Binary operators, by precedence from loosest (CEL's).
enum class BinaryOp : std::uint8_t {
    kEqual,
    kNotEqual,
    kLess,
    kLessEqual,
    kGreater,
    kGreaterEqual,
    kIn,
    kAdd,
    kSubtract,
    kMultiply,
    kDivide,
    kRemainder,
};

// How the operator is written: "==", "in", ...
const char* BinaryOpText(BinaryOp op);

struct SyntaxNode {
    SyntaxKind kind = SyntaxKind::kInt;
    BinaryOp op = BinaryOp::kEqual;  // kBinary
    Span span;                       // the whole sub-expression
    Span name_span;                  // kIdentifier, kSelect, kCall, kMethod: the name's token;
                                     // kBinary, kAnd, kOr, kConditional: the (first) operator
    std::string name;                // kIdentifier, kSelect, kCall, kMethod
    std::string text;                // kString
    std::int64_t integer = 0;        // kInt, kDecimal, kBool
    std::vector<std::uint32_t> children;
};

struct SyntaxTree {
    std::vector<SyntaxNode> nodes;
    std::uint32_t root = 0;
};

}  // namespace candor::program::rules
