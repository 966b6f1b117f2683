#include "program/rules/checker.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "core/assert.h"
#include "core/limits.h"
#include "program/rules/compiler.h"
#include "program/rules/suggest.h"
#include "program/rules/values.h"
#include "program/rules/vm.h"

namespace candor::program::rules {
namespace {

struct TimeFunction {
    std::string_view name;
    TimePart part;
};

constexpr std::array kTimeFunctions = {
    TimeFunction{"day_of_week", TimePart::kDayOfWeek},
    TimeFunction{"hour", TimePart::kHour},
    TimeFunction{"minute", TimePart::kMinute},
    TimeFunction{"day_of_month", TimePart::kDayOfMonth},
    TimeFunction{"month", TimePart::kMonth},
    TimeFunction{"year", TimePart::kYear},
    TimeFunction{"day_of_year", TimePart::kDayOfYear},
};

constexpr std::array<std::string_view, 18> kFunctionNames = {"has",
                                                             "size",
                                                             "floor",
                                                             "ceil",
                                                             "round",
                                                             "int",
                                                             "decimal",
                                                             "min",
                                                             "max",
                                                             "timestamp",
                                                             "duration",
                                                             "day_of_week",
                                                             "hour",
                                                             "minute",
                                                             "day_of_month",
                                                             "month",
                                                             "year",
                                                             "day_of_year"};

constexpr std::array<std::string_view, 7> kListMethods = {
    "any", "all", "count", "sum", "max", "min", "size"};
constexpr std::array<std::string_view, 4> kStringMethods = {
    "starts_with", "ends_with", "contains", "size"};

bool IsNumeric(Kind kind) {
    return kind == Kind::kInt || kind == Kind::kDecimal;
}

bool IsOrdered(Kind kind) {
    return IsNumeric(kind) || kind == Kind::kString || kind == Kind::kTimestamp ||
           kind == Kind::kDuration;
}

bool IsScalar(Kind kind) {
    return kind != Kind::kList && kind != Kind::kRecord;
}

Comparison ComparisonOf(BinaryOp op) {
    switch (op) {
        case BinaryOp::kNotEqual:
            return Comparison::kNotEqual;
        case BinaryOp::kLess:
            return Comparison::kLess;
        case BinaryOp::kLessEqual:
            return Comparison::kLessEqual;
        case BinaryOp::kGreater:
            return Comparison::kGreater;
        case BinaryOp::kGreaterEqual:
            return Comparison::kGreaterEqual;
        default:
            return Comparison::kEqual;
    }
}

class Checker {
public:
    Checker(std::string_view source,
            const SyntaxTree& tree,
            const Schema& schema,
            Program* program,
            SyntaxError* error)
        : source_(source), tree_(tree), schema_(schema), program_(program), error_(error) {}

    bool Run(NodeIndex* root) { return Check(tree_.root, root); }

private:
    struct Local {
        std::string name;
        Type type;
    };

    const SyntaxNode& Syntax(std::uint32_t index) const { return tree_.nodes[index]; }

    std::string_view Text(Span span) const {
        return source_.substr(span.begin, span.end - span.begin);
    }

    std::string Name(const Type& type) const { return TypeName(type, schema_); }

    const Node& At(NodeIndex index) const { return program_->nodes[index]; }

    const Type& TypeOf(NodeIndex index) const { return program_->nodes[index].type; }

    bool Fail(std::uint32_t offset, std::string message) {
        error_->offset = offset;
        error_->message = std::move(message);
        return false;
    }

    static Node MakeNode(Op op, Type type, Span span) {
        Node node;
        node.op = op;
        node.type = type;
        node.span = span;
        node.is_traced = type.kind != Kind::kRecord;
        return node;
    }

    NodeIndex Push(const Node& node) {
        program_->nodes.push_back(node);
        return static_cast<NodeIndex>(program_->nodes.size() - 1);
    }

    // Adds `node` and folds it into a constant when it computes one from constants alone.
    bool Emit(const Node& node, NodeIndex* out) {
        *out = Push(node);
        return Fold(program_, *out, source_, error_);
    }

    NodeIndex Constant(Type type, Slot value, Span span) {
        Node node = MakeNode(Op::kConstant, type, span);
        node.constant = value;
        node.is_traced = false;
        return Push(node);
    }

    // Converts an int operand to decimal; leaves any other alone.
    bool ToDecimal(NodeIndex* index) {
        if (TypeOf(*index).kind != Kind::kInt) {
            return true;
        }
        Node node = MakeNode(Op::kIntToDecimal, Type::Decimal(), At(*index).span);
        node.child[0] = *index;
        node.is_traced = false;
        return Emit(node, index);
    }

    // int op decimal: the int becomes a decimal.
    bool Unify(NodeIndex* a, NodeIndex* b) {
        const Kind x = TypeOf(*a).kind;
        const Kind y = TypeOf(*b).kind;
        if (x == Kind::kInt && y == Kind::kDecimal) {
            return ToDecimal(a);
        }
        if (x == Kind::kDecimal && y == Kind::kInt) {
            return ToDecimal(b);
        }
        return true;
    }

    bool Check(std::uint32_t index, NodeIndex* out) {
        const SyntaxNode& syntax = Syntax(index);
        switch (syntax.kind) {
            case SyntaxKind::kInt:
                return Literal(Type::Int(), syntax, out);
            case SyntaxKind::kDecimal:
                return Literal(Type::Decimal(), syntax, out);
            case SyntaxKind::kBool: {
                Slot value{};
                value.boolean = syntax.integer != 0;
                *out = Constant(Type::Bool(), value, syntax.span);
                return true;
            }
            case SyntaxKind::kString:
                *out = StringConstant(syntax.text, syntax.span);
                return true;
            case SyntaxKind::kNull:
                return Fail(syntax.span.begin,
                            "null is not a value in rules; use has(x.field) to test whether a "
                            "field is set");
            case SyntaxKind::kIdentifier:
                return Identifier(syntax, out);
            case SyntaxKind::kSelect:
                return Select(syntax, out);
            case SyntaxKind::kCall:
                return Call(syntax, out);
            case SyntaxKind::kMethod:
                return Method(syntax, out);
            case SyntaxKind::kList:
                return List(syntax, out);
            case SyntaxKind::kNot:
                return Not(syntax, out);
            case SyntaxKind::kNegate:
                return Negate(syntax, out);
            case SyntaxKind::kBinary:
                return syntax.op == BinaryOp::kIn ? In(syntax, out) : Binary(syntax, out);
            case SyntaxKind::kAnd:
            case SyntaxKind::kOr:
                return Logical(syntax, out);
            case SyntaxKind::kConditional:
                return Conditional(syntax, out);
        }
        return Fail(syntax.span.begin, "unsupported expression");
    }

    bool Literal(Type type, const SyntaxNode& syntax, NodeIndex* out) {
        Slot value{};
        value.integer = syntax.integer;
        *out = Constant(type, value, syntax.span);
        return true;
    }

    NodeIndex StringConstant(const std::string& text, Span span) {
        const std::string& stored = program_->strings.emplace_back(text);
        Slot value{};
        value.string = Chars{stored.data(), stored.size()};
        return Constant(Type::String(), value, span);
    }

    bool Identifier(const SyntaxNode& syntax, NodeIndex* out) {
        for (std::size_t i = locals_.size(); i-- > 0;) {
            if (locals_[i].name == syntax.name) {
                Node node = MakeNode(Op::kLocal, locals_[i].type, syntax.span);
                node.index = static_cast<std::uint32_t>(i);
                *out = Push(node);
                return true;
            }
        }
        const auto& variables = schema_.variables();
        for (std::size_t i = 0; i < variables.size(); ++i) {
            if (variables[i].name == syntax.name) {
                Node node = MakeNode(Op::kVariable, Type::Record(variables[i].record), syntax.span);
                node.index = static_cast<std::uint32_t>(i);
                *out = Push(node);
                return true;
            }
        }
        std::vector<std::string_view> names;
        for (const Local& local : locals_) {
            names.push_back(local.name);
        }
        for (const auto& variable : variables) {
            names.push_back(variable.name);
        }
        return Fail(
            syntax.span.begin,
            fmt::format("unknown name '{}'{}", syntax.name, DidYouMean(syntax.name, names)));
    }

    // The field `syntax` (a kSelect) names: its record operand, checked, and its slot.
    bool ResolveField(const SyntaxNode& syntax,
                      NodeIndex* record,
                      std::uint32_t* slot,
                      Type* type) {
        if (!Check(syntax.children[0], record)) {
            return false;
        }
        const Type& record_type = TypeOf(*record);
        if (record_type.kind != Kind::kRecord) {
            return Fail(
                syntax.name_span.begin,
                fmt::format(
                    "'.{}' needs a record on its left, found {}", syntax.name, Name(record_type)));
        }
        const auto& fields = schema_.records()[record_type.record].fields;
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (fields[i].name == syntax.name) {
                *slot = static_cast<std::uint32_t>(i);
                *type = fields[i].type;
                return true;
            }
        }
        std::vector<std::string_view> names;
        names.reserve(fields.size());
        for (const auto& field : fields) {
            names.push_back(field.name);
        }
        return Fail(syntax.name_span.begin,
                    fmt::format("unknown field '{}' of {}{}",
                                syntax.name,
                                Text(Syntax(syntax.children[0]).span),
                                DidYouMean(syntax.name, names)));
    }

    bool Select(const SyntaxNode& syntax, NodeIndex* out) {
        NodeIndex record = 0;
        std::uint32_t slot = 0;
        Type type;
        if (!ResolveField(syntax, &record, &slot, &type)) {
            return false;
        }
        Node node = MakeNode(Op::kField, type, syntax.span);
        node.child[0] = record;
        node.index = slot;
        *out = Push(node);
        return true;
    }

    bool Not(const SyntaxNode& syntax, NodeIndex* out) {
        NodeIndex operand = 0;
        if (!Check(syntax.children[0], &operand)) {
            return false;
        }
        if (TypeOf(operand).kind != Kind::kBool) {
            return Fail(At(operand).span.begin,
                        fmt::format("'!' needs a bool, found {}", Name(TypeOf(operand))));
        }
        Node node = MakeNode(Op::kNot, Type::Bool(), syntax.span);
        node.child[0] = operand;
        return Emit(node, out);
    }

    bool Negate(const SyntaxNode& syntax, NodeIndex* out) {
        NodeIndex operand = 0;
        if (!Check(syntax.children[0], &operand)) {
            return false;
        }
        const Type type = TypeOf(operand);
        if (!IsNumeric(type.kind) && type.kind != Kind::kDuration) {
            return Fail(At(operand).span.begin,
                        fmt::format("'-' needs an int, decimal or duration, found {}", Name(type)));
        }
        Node node = MakeNode(Op::kNegate, type, syntax.span);
        node.child[0] = operand;
        return Emit(node, out);
    }

    // Appends `children` to the program's child list for an n-ary node.
    void SetChildren(const std::vector<NodeIndex>& children, Node* node) {
        node->child[0] = static_cast<NodeIndex>(program_->children.size());
        node->child[1] = static_cast<NodeIndex>(children.size());
        program_->children.insert(program_->children.end(), children.begin(), children.end());
    }

    bool Logical(const SyntaxNode& syntax, NodeIndex* out) {
        const bool is_and = syntax.kind == SyntaxKind::kAnd;
        std::vector<NodeIndex> operands;
        for (const std::uint32_t child : syntax.children) {
            NodeIndex operand = 0;
            if (!Check(child, &operand)) {
                return false;
            }
            if (TypeOf(operand).kind != Kind::kBool) {
                return Fail(At(operand).span.begin,
                            fmt::format("'{}' needs bool operands, found {}",
                                        is_and ? "&&" : "||",
                                        Name(TypeOf(operand))));
            }
            operands.push_back(operand);
        }
        Node node = MakeNode(is_and ? Op::kAnd : Op::kOr, Type::Bool(), syntax.span);
        SetChildren(operands, &node);
        return Emit(node, out);
    }

    bool Conditional(const SyntaxNode& syntax, NodeIndex* out) {
        NodeIndex condition = 0;
        NodeIndex when_true = 0;
        NodeIndex when_false = 0;
        if (!Check(syntax.children[0], &condition)) {
            return false;
        }
        if (TypeOf(condition).kind != Kind::kBool) {
            return Fail(At(condition).span.begin,
                        fmt::format("the condition of '?:' must be a bool, found {}",
                                    Name(TypeOf(condition))));
        }
        if (!Check(syntax.children[1], &when_true) || !Check(syntax.children[2], &when_false) ||
            !Unify(&when_true, &when_false)) {
            return false;
        }
        if (!(TypeOf(when_true) == TypeOf(when_false))) {
            return Fail(syntax.name_span.begin,
                        fmt::format("the branches of '?:' must have one type, found {} and {}",
                                    Name(TypeOf(when_true)),
                                    Name(TypeOf(when_false))));
        }
        Node node = MakeNode(Op::kConditional, TypeOf(when_true), syntax.span);
        node.child[0] = condition;
        node.child[1] = when_true;
        node.child[2] = when_false;
        return Emit(node, out);
    }

    bool Comparison(const SyntaxNode& syntax, NodeIndex a, NodeIndex b, NodeIndex* out) {
        if (!Unify(&a, &b)) {
            return false;
        }
        const Type& x = TypeOf(a);
        const Type& y = TypeOf(b);
        const char* op = BinaryOpText(syntax.op);
        const bool is_equality = syntax.op == BinaryOp::kEqual || syntax.op == BinaryOp::kNotEqual;
        if (!(x == y)) {
            return Fail(
                syntax.name_span.begin,
                fmt::format(
                    "'{}' needs operands of one type, found {} and {}", op, Name(x), Name(y)));
        }
        if (!IsScalar(x.kind) || (!is_equality && !IsOrdered(x.kind))) {
            return Fail(syntax.name_span.begin,
                        fmt::format("'{}' cannot compare {} values", op, Name(x)));
        }
        Op compare = Op::kCompare;
        if (x.kind == Kind::kString) {
            compare = Op::kCompareString;
        } else if (x.kind == Kind::kBool) {
            compare = Op::kCompareBool;
        }
        Node node = MakeNode(compare, Type::Bool(), syntax.span);
        node.aux = static_cast<std::uint8_t>(ComparisonOf(syntax.op));
        node.operand = x.kind;
        node.child[0] = a;
        node.child[1] = b;
        return Emit(node, out);
    }

    // The operation and result type of a + - * / % b, or false when the types do not mix.
    bool PickArithmetic(BinaryOp op, NodeIndex* a, NodeIndex* b, Op* picked, Type* type) {
        const Kind x = TypeOf(*a).kind;
        const Kind y = TypeOf(*b).kind;
        const bool is_time = x == Kind::kTimestamp || x == Kind::kDuration ||
                             y == Kind::kTimestamp || y == Kind::kDuration;
        if (IsNumeric(x) && IsNumeric(y)) {
            const bool is_decimal = x == Kind::kDecimal || y == Kind::kDecimal;
            if (is_decimal && op == BinaryOp::kRemainder) {
                return false;
            }
            if (!Unify(a, b)) {
                return false;
            }
            *type = is_decimal ? Type::Decimal() : Type::Int();
            switch (op) {
                case BinaryOp::kAdd:
                    *picked = Op::kAdd;
                    return true;
                case BinaryOp::kSubtract:
                    *picked = Op::kSubtract;
                    return true;
                case BinaryOp::kMultiply:
                    *picked = is_decimal ? Op::kMultiplyDecimal : Op::kMultiply;
                    return true;
                case BinaryOp::kDivide:
                    *picked = is_decimal ? Op::kDivideDecimal : Op::kDivide;
                    return true;
                default:
                    *picked = Op::kRemainder;
                    return true;
            }
        }
        if (!is_time) {
            return false;
        }
        const auto is = [x, y](Kind left, Kind right) { return x == left && y == right; };
        constexpr Kind kTime = Kind::kTimestamp;
        constexpr Kind kSpan = Kind::kDuration;
        if (op == BinaryOp::kAdd && (is(kTime, kSpan) || is(kSpan, kTime))) {
            *picked = Op::kAdd;
            *type = Type::Timestamp();
        } else if ((op == BinaryOp::kAdd || op == BinaryOp::kSubtract) && is(kSpan, kSpan)) {
            *picked = op == BinaryOp::kAdd ? Op::kAdd : Op::kSubtract;
            *type = Type::Duration();
        } else if (op == BinaryOp::kSubtract && is(kTime, kTime)) {
            *picked = Op::kSubtract;
            *type = Type::Duration();
        } else if (op == BinaryOp::kSubtract && is(kTime, kSpan)) {
            *picked = Op::kSubtract;
            *type = Type::Timestamp();
        } else if (op == BinaryOp::kMultiply && (is(kSpan, Kind::kInt) || is(Kind::kInt, kSpan))) {
            *picked = Op::kMultiply;
            *type = Type::Duration();
        } else if (op == BinaryOp::kDivide && is(kSpan, Kind::kInt)) {
            *picked = Op::kDivide;
            *type = Type::Duration();
        } else {
            return false;
        }
        return true;
    }

    bool Binary(const SyntaxNode& syntax, NodeIndex* out) {
        NodeIndex a = 0;
        NodeIndex b = 0;
        if (!Check(syntax.children[0], &a) || !Check(syntax.children[1], &b)) {
            return false;
        }
        switch (syntax.op) {
            case BinaryOp::kEqual:
            case BinaryOp::kNotEqual:
            case BinaryOp::kLess:
            case BinaryOp::kLessEqual:
            case BinaryOp::kGreater:
            case BinaryOp::kGreaterEqual:
                return Comparison(syntax, a, b, out);
            default:
                break;
        }
        const char* op = BinaryOpText(syntax.op);
        if (syntax.op == BinaryOp::kAdd && TypeOf(a).kind == Kind::kString &&
            TypeOf(b).kind == Kind::kString) {
            return Fail(syntax.name_span.begin,
                        "'+' cannot join strings (rules build no new strings); test parts with "
                        "starts_with(), ends_with() or contains()");
        }
        const Type x = TypeOf(a);
        const Type y = TypeOf(b);
        Op picked = Op::kAdd;
        Type type;
        if (!PickArithmetic(syntax.op, &a, &b, &picked, &type)) {
            if (error_->message.empty()) {
                return Fail(syntax.name_span.begin,
                            fmt::format("'{}' cannot take {} and {}", op, Name(x), Name(y)));
            }
            return false;
        }
        const bool is_division =
            syntax.op == BinaryOp::kDivide || syntax.op == BinaryOp::kRemainder;
        if (is_division && At(b).op == Op::kConstant && At(b).constant.integer == 0) {
            return Fail(At(b).span.begin,
                        fmt::format("division by zero: the divisor of '{}' is 0", op));
        }
        Node node = MakeNode(picked, type, syntax.span);
        node.child[0] = a;
        node.child[1] = b;
        return Emit(node, out);
    }

    // Elements of a list literal, checked and brought to one type (ints become decimals when
    // any element, or `needle` when given, is a decimal).
    bool Elements(const SyntaxNode& syntax,
                  const NodeIndex* needle,
                  std::vector<NodeIndex>* elements,
                  Type* element_type) {
        bool has_decimal = needle != nullptr && TypeOf(*needle).kind == Kind::kDecimal;
        for (const std::uint32_t child : syntax.children) {
            NodeIndex element = 0;
            if (!Check(child, &element)) {
                return false;
            }
            const Type& type = TypeOf(element);
            if (!IsScalar(type.kind)) {
                return Fail(At(element).span.begin,
                            fmt::format("a list literal holds bools, ints, decimals, strings, "
                                        "timestamps or durations, found {}",
                                        Name(type)));
            }
            has_decimal = has_decimal || type.kind == Kind::kDecimal;
            elements->push_back(element);
        }
        for (NodeIndex& element : *elements) {
            if (has_decimal && !ToDecimal(&element)) {
                return false;
            }
        }
        if (needle != nullptr) {
            *element_type = TypeOf(*needle);
        } else {
            *element_type = elements->empty() ? Type::Int() : TypeOf(elements->front());
        }
        for (const NodeIndex element : *elements) {
            if (!(TypeOf(element) == *element_type)) {
                return Fail(At(element).span.begin,
                            needle != nullptr
                                ? fmt::format("'in' looks for {} values in this list, found {}",
                                              Name(*element_type),
                                              Name(TypeOf(element)))
                                : fmt::format("the elements of a list literal must have one type, "
                                              "found {} after {}",
                                              Name(TypeOf(element)),
                                              Name(*element_type)));
            }
        }
        return true;
    }

    bool AllConstant(const std::vector<NodeIndex>& nodes) const {
        return std::all_of(nodes.begin(), nodes.end(), [this](NodeIndex node) {
            return At(node).op == Op::kConstant;
        });
    }

    NodeIndex ConstantList(const std::vector<NodeIndex>& elements, Type element_type, Span span) {
        std::vector<Value>& values = program_->lists.emplace_back();
        for (const NodeIndex element : elements) {
            values.push_back(ToValue(At(element).constant, element_type));
        }
        Slot value{};
        value.items = Items{values.data(), values.size()};
        return Constant(Type::List(element_type.kind), value, span);
    }

    bool List(const SyntaxNode& syntax, NodeIndex* out) {
        std::vector<NodeIndex> elements;
        Type element_type;
        if (!Elements(syntax, nullptr, &elements, &element_type)) {
            return false;
        }
        if (!AllConstant(elements)) {
            return Fail(syntax.span.begin,
                        "a list literal must hold constants, unless it follows 'in'");
        }
        *out = ConstantList(elements, element_type, syntax.span);
        return true;
    }

    bool In(const SyntaxNode& syntax, NodeIndex* out) {
        NodeIndex needle = 0;
        if (!Check(syntax.children[0], &needle)) {
            return false;
        }
        const SyntaxNode& right = Syntax(syntax.children[1]);
        NodeIndex list = 0;
        if (right.kind == SyntaxKind::kList) {
            std::vector<NodeIndex> elements;
            Type element_type;
            if (!ToDecimalIfListHasDecimals(right, &needle) ||
                !Elements(right, &needle, &elements, &element_type)) {
                return false;
            }
            if (!IsScalar(element_type.kind)) {
                return Fail(At(needle).span.begin,
                            fmt::format("'in' cannot look for {} values", Name(element_type)));
            }
            if (!AllConstant(elements)) {
                Node node = MakeNode(Op::kInElements, Type::Bool(), syntax.span);
                node.operand = element_type.kind;
                elements.insert(elements.begin(), needle);
                SetChildren(elements, &node);
                return Emit(node, out);
            }
            list = ConstantList(elements, element_type, right.span);
        } else {
            if (!Check(syntax.children[1], &list)) {
                return false;
            }
            const Type& list_type = TypeOf(list);
            if (list_type.kind != Kind::kList) {
                return Fail(
                    right.span.begin,
                    fmt::format("'in' needs a list on its right, found {}", Name(list_type)));
            }
            if (list_type.element == Kind::kRecord) {
                return Fail(syntax.name_span.begin, "'in' cannot look for records; use any()");
            }
            if (list_type.element == Kind::kDecimal && !ToDecimal(&needle)) {
                return false;
            }
            if (TypeOf(needle).kind != list_type.element) {
                return Fail(At(needle).span.begin,
                            fmt::format("'in' looks for {} values in {}, found {}",
                                        KindName(list_type.element),
                                        Name(list_type),
                                        Name(TypeOf(needle))));
            }
        }
        Node node = MakeNode(Op::kIn, Type::Bool(), syntax.span);
        node.operand = TypeOf(needle).kind;
        node.child[0] = needle;
        node.child[1] = list;
        return Emit(node, out);
    }

    // An int needle in a list literal with a decimal becomes a decimal too.
    bool ToDecimalIfListHasDecimals(const SyntaxNode& list, NodeIndex* needle) {
        const bool has_decimal =
            std::any_of(list.children.begin(), list.children.end(), [this](std::uint32_t child) {
                return Syntax(child).kind == SyntaxKind::kDecimal;
            });
        return !has_decimal || ToDecimal(needle);
    }

    bool Arity(const SyntaxNode& syntax,
               std::size_t given,
               std::size_t least,
               std::size_t most,
               std::string_view usage) {
        if (given >= least && given <= most) {
            return true;
        }
        return Fail(
            syntax.name_span.begin,
            fmt::format("{}() takes {}, found {} argument{}; write {}",
                        syntax.name,
                        least == most ? fmt::format("{} argument{}", least, least == 1 ? "" : "s")
                                      : fmt::format("{} or {} arguments", least, most),
                        given,
                        given == 1 ? "" : "s",
                        usage));
    }

    bool Size(const SyntaxNode& syntax, NodeIndex operand, NodeIndex* out) {
        const Type& type = TypeOf(operand);
        if (type.kind != Kind::kString && type.kind != Kind::kList) {
            return Fail(At(operand).span.begin,
                        fmt::format("size() needs a string or a list, found {}", Name(type)));
        }
        Node node = MakeNode(Op::kSize, Type::Int(), syntax.span);
        node.child[0] = operand;
        return Emit(node, out);
    }

    bool Has(const SyntaxNode& syntax, NodeIndex* out) {
        if (!Arity(syntax, syntax.children.size(), 1, 1, "has(event.field)")) {
            return false;
        }
        const SyntaxNode& argument = Syntax(syntax.children[0]);
        if (argument.kind != SyntaxKind::kSelect) {
            return Fail(argument.span.begin, "has() needs a field, as in has(event.store)");
        }
        NodeIndex record = 0;
        std::uint32_t slot = 0;
        Type type;
        if (!ResolveField(argument, &record, &slot, &type)) {
            return false;
        }
        Node node = MakeNode(Op::kHas, Type::Bool(), syntax.span);
        node.child[0] = record;
        node.index = slot;
        *out = Push(node);
        return true;
    }

    // floor, ceil, round, int (decimal to int) and decimal (int to decimal).
    bool Conversion(const SyntaxNode& syntax, NodeIndex* out) {
        if (!Arity(syntax, syntax.children.size(), 1, 1, syntax.name + "(x)")) {
            return false;
        }
        NodeIndex operand = 0;
        if (!Check(syntax.children[0], &operand)) {
            return false;
        }
        const Type type = TypeOf(operand);
        if (!IsNumeric(type.kind)) {
            return Fail(
                At(operand).span.begin,
                fmt::format("{}() needs an int or a decimal, found {}", syntax.name, Name(type)));
        }
        if (syntax.name == "decimal") {
            *out = operand;
            return ToDecimal(out);
        }
        if (type.kind == Kind::kInt) {
            *out = operand;
            return true;
        }
        Op op = Op::kTruncate;
        if (syntax.name == "floor") {
            op = Op::kFloor;
        } else if (syntax.name == "ceil") {
            op = Op::kCeil;
        } else if (syntax.name == "round") {
            op = Op::kRound;
        }
        Node node = MakeNode(op, Type::Int(), syntax.span);
        node.child[0] = operand;
        return Emit(node, out);
    }

    bool MinMax(const SyntaxNode& syntax, NodeIndex* out) {
        if (!Arity(syntax, syntax.children.size(), 2, 2, syntax.name + "(a, b)")) {
            return false;
        }
        NodeIndex a = 0;
        NodeIndex b = 0;
        if (!Check(syntax.children[0], &a) || !Check(syntax.children[1], &b) || !Unify(&a, &b)) {
            return false;
        }
        const Type type = TypeOf(a);
        if (!(type == TypeOf(b)) || !IsOrdered(type.kind)) {
            return Fail(syntax.name_span.begin,
                        fmt::format("{}() needs two ints, decimals, strings, timestamps or "
                                    "durations of one type, found {} and {}",
                                    syntax.name,
                                    Name(type),
                                    Name(TypeOf(b))));
        }
        Node node = MakeNode(syntax.name == "min" ? Op::kMin : Op::kMax, type, syntax.span);
        node.operand = type.kind;
        node.child[0] = a;
        node.child[1] = b;
        return Emit(node, out);
    }

    // timestamp("...") and duration("..."): constants, parsed now.
    bool TimeLiteral(const SyntaxNode& syntax, NodeIndex* out) {
        const bool is_timestamp = syntax.name == "timestamp";
        const char* example =
            is_timestamp ? "timestamp(\"2026-12-01T00:00:00+03:00\")" : "duration(\"90m\")";
        if (!Arity(syntax, syntax.children.size(), 1, 1, example)) {
            return false;
        }
        const SyntaxNode& argument = Syntax(syntax.children[0]);
        if (argument.kind != SyntaxKind::kString) {
            return Fail(argument.span.begin,
                        fmt::format("{}() needs a string literal, as in {}", syntax.name, example));
        }
        std::string message;
        Slot value{};
        const bool is_valid = is_timestamp ? ParseTimestamp(argument.text, &value.integer, &message)
                                           : ParseDuration(argument.text, &value.integer, &message);
        if (!is_valid) {
            return Fail(argument.span.begin, message);
        }
        *out = Constant(is_timestamp ? Type::Timestamp() : Type::Duration(), value, syntax.span);
        return true;
    }

    bool Zone(const SyntaxNode* argument, std::uint32_t* index) {
        const std::string name = argument == nullptr ? "UTC" : argument->text;
        for (std::size_t i = 0; i < program_->zones.size(); ++i) {
            if (program_->zones[i].name == name) {
                *index = static_cast<std::uint32_t>(i);
                return true;
            }
        }
        ZoneRules zone;
        std::string message;
        if (argument == nullptr) {
            zone = UtcZone();
        } else if (!LoadZone(name, &zone, &message)) {
            return Fail(argument->span.begin, message);
        }
        program_->zones.push_back(std::move(zone));
        *index = static_cast<std::uint32_t>(program_->zones.size() - 1);
        return true;
    }

    bool TimeOf(const SyntaxNode& syntax, TimePart part, NodeIndex* out) {
        const std::string usage = syntax.name + "(event.time, \"Europe/Moscow\")";
        if (!Arity(syntax, syntax.children.size(), 1, 2, usage)) {
            return false;
        }
        NodeIndex time = 0;
        if (!Check(syntax.children[0], &time)) {
            return false;
        }
        if (TypeOf(time).kind != Kind::kTimestamp) {
            return Fail(
                At(time).span.begin,
                fmt::format("{}() needs a timestamp, found {}", syntax.name, Name(TypeOf(time))));
        }
        const SyntaxNode* zone = nullptr;
        if (syntax.children.size() == 2) {
            zone = &Syntax(syntax.children[1]);
            if (zone->kind != SyntaxKind::kString) {
                return Fail(zone->span.begin,
                            fmt::format("the time zone of {}() must be a string literal, as in {}",
                                        syntax.name,
                                        usage));
            }
        }
        Node node = MakeNode(Op::kTimePart, Type::Int(), syntax.span);
        node.aux = static_cast<std::uint8_t>(part);
        node.child[0] = time;
        if (!Zone(zone, &node.index)) {
            return false;
        }
        return Emit(node, out);
    }

    bool Call(const SyntaxNode& syntax, NodeIndex* out) {
        const std::string& name = syntax.name;
        if (name == "has") {
            return Has(syntax, out);
        }
        if (name == "size") {
            NodeIndex operand = 0;
            return Arity(syntax, syntax.children.size(), 1, 1, "size(x)") &&
                   Check(syntax.children[0], &operand) && Size(syntax, operand, out);
        }
        if (name == "floor" || name == "ceil" || name == "round" || name == "int" ||
            name == "decimal") {
            return Conversion(syntax, out);
        }
        if (name == "min" || name == "max") {
            return MinMax(syntax, out);
        }
        if (name == "timestamp" || name == "duration") {
            return TimeLiteral(syntax, out);
        }
        for (const TimeFunction& function : kTimeFunctions) {
            if (function.name == name) {
                return TimeOf(syntax, function.part, out);
            }
        }
        const bool is_method =
            std::find(kListMethods.begin(), kListMethods.end(), name) != kListMethods.end() ||
            std::find(kStringMethods.begin(), kStringMethods.end(), name) != kStringMethods.end();
        if (is_method) {
            return Fail(
                syntax.name_span.begin,
                fmt::format("{0}() is a method: write list.{0}(...) or text.{0}(...)", name));
        }
        return Fail(syntax.name_span.begin,
                    fmt::format("unknown function '{}'{}", name, DidYouMean(name, kFunctionNames)));
    }

    bool Method(const SyntaxNode& syntax, NodeIndex* out) {
        NodeIndex receiver = 0;
        if (!Check(syntax.children[0], &receiver)) {
            return false;
        }
        const Type receiver_type = TypeOf(receiver);
        const std::size_t arguments = syntax.children.size() - 1;
        const std::string& name = syntax.name;
        if (name == "size") {
            return Arity(syntax, arguments, 0, 0, "x.size()") && Size(syntax, receiver, out);
        }
        if (receiver_type.kind == Kind::kList) {
            for (const Op op : {Op::kAny, Op::kAll, Op::kCount, Op::kSum, Op::kMaxOf, Op::kMinOf}) {
                if (MacroName(op) == name) {
                    return Macro(syntax, op, receiver, out);
                }
            }
            return Fail(syntax.name_span.begin,
                        fmt::format("unknown method '{}' of {}{}",
                                    name,
                                    Name(receiver_type),
                                    DidYouMean(name, kListMethods)));
        }
        if (receiver_type.kind == Kind::kString) {
            Op op = Op::kContains;
            if (name == "starts_with") {
                op = Op::kStartsWith;
            } else if (name == "ends_with") {
                op = Op::kEndsWith;
            } else if (name != "contains") {
                return Fail(
                    syntax.name_span.begin,
                    fmt::format(
                        "unknown method '{}' of string{}", name, DidYouMean(name, kStringMethods)));
            }
            NodeIndex part = 0;
            if (!Arity(syntax, arguments, 1, 1, "text." + name + "(\"part\")") ||
                !Check(syntax.children[1], &part)) {
                return false;
            }
            if (TypeOf(part).kind != Kind::kString) {
                return Fail(At(part).span.begin,
                            fmt::format("{}() needs a string, found {}", name, Name(TypeOf(part))));
            }
            Node node = MakeNode(op, Type::Bool(), syntax.span);
            node.child[0] = receiver;
            node.child[1] = part;
            return Emit(node, out);
        }
        return Fail(syntax.name_span.begin,
                    fmt::format("unknown method '{}' of {}: only lists and strings have methods",
                                name,
                                Name(receiver_type)));
    }

    static std::string_view MacroName(Op op) {
        switch (op) {
            case Op::kAny:
                return "any";
            case Op::kAll:
                return "all";
            case Op::kCount:
                return "count";
            case Op::kSum:
                return "sum";
            case Op::kMaxOf:
                return "max";
            default:
                return "min";
        }
    }

    bool Macro(const SyntaxNode& syntax, Op op, NodeIndex list, NodeIndex* out) {
        const bool is_condition = op == Op::kAny || op == Op::kAll || op == Op::kCount;
        const std::string usage =
            fmt::format("list.{}(x, {})", syntax.name, is_condition ? "x.amount > 0" : "x.amount");
        if (!Arity(syntax, syntax.children.size() - 1, 2, 2, usage)) {
            return false;
        }
        const SyntaxNode& variable = Syntax(syntax.children[1]);
        if (variable.kind != SyntaxKind::kIdentifier) {
            return Fail(
                variable.span.begin,
                fmt::format(
                    "the first argument of {}() names the element; write {}", syntax.name, usage));
        }
        const bool is_taken =
            std::any_of(locals_.begin(),
                        locals_.end(),
                        [&variable](const Local& local) { return local.name == variable.name; }) ||
            std::any_of(schema_.variables().begin(),
                        schema_.variables().end(),
                        [&variable](const auto& known) { return known.name == variable.name; });
        if (is_taken) {
            return Fail(variable.span.begin,
                        fmt::format("'{}' is already a name here; pick another for the element",
                                    variable.name));
        }
        const Type& list_type = TypeOf(list);
        const Type element = list_type.element == Kind::kRecord ? Type::Record(list_type.record)
                                                                : Type{list_type.element};
        // Macros nest at most kRuleDepthMax deep, as every macro is a level of the tree.
        CANDOR_ASSERT(locals_.size() < limits::kRuleDepthMax);
        locals_.push_back(Local{variable.name, element});
        program_->locals_count = std::max(program_->locals_count, locals_.size());
        NodeIndex body = 0;
        if (!Check(syntax.children[2], &body)) {
            return false;
        }
        locals_.pop_back();
        const Type body_type = TypeOf(body);
        Type type = Type::Bool();
        if (is_condition) {
            if (body_type.kind != Kind::kBool) {
                return Fail(At(body).span.begin,
                            fmt::format("the condition of {}() must be a bool, found {}",
                                        syntax.name,
                                        Name(body_type)));
            }
            type = op == Op::kCount ? Type::Int() : Type::Bool();
        } else {
            if (!IsNumeric(body_type.kind) && body_type.kind != Kind::kDuration) {
                return Fail(At(body).span.begin,
                            fmt::format("{}() needs an int, decimal or duration for each element, "
                                        "found {}",
                                        syntax.name,
                                        Name(body_type)));
            }
            type = body_type;
        }
        Node node = MakeNode(op, type, syntax.span);
        node.child[0] = list;
        node.child[1] = body;
        node.index = static_cast<std::uint32_t>(locals_.size());
        *out = Push(node);
        return true;
    }

    std::string_view source_;
    const SyntaxTree& tree_;
    const Schema& schema_;
    Program* program_;
    SyntaxError* error_;
    std::vector<Local> locals_;
};

}  // namespace

bool Check(std::string_view source,
           const SyntaxTree& tree,
           const Schema& schema,
           Program* program,
           NodeIndex* root,
           SyntaxError* error) {
    return Checker(source, tree, schema, program, error).Run(root);
}

}  // namespace candor::program::rules
