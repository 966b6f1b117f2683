#include "program/rules/compiler.h"

#include <fmt/format.h>

#include <vector>

#include "core/limits.h"
#include "program/rules/checker.h"
#include "program/rules/parser.h"
#include "program/rules/values.h"
#include "program/rules/vm.h"

namespace candor::program::rules {
namespace {

bool IsFoldable(const Program& program, const Node& node) {
    switch (node.op) {
        case Op::kConstant:
        case Op::kVariable:
        case Op::kLocal:
        case Op::kField:
        case Op::kVariableField:
        case Op::kLocalField:
        case Op::kCompareVariableField:
        case Op::kCompareLocalField:
        case Op::kHas:
        case Op::kAny:
        case Op::kAll:
        case Op::kCount:
        case Op::kSum:
        case Op::kMaxOf:
        case Op::kMinOf:
            return false;
        default:
            break;
    }
    for (const NodeIndex child : ChildrenOf(program, node)) {
        if (program.nodes[child].op != Op::kConstant) {
            return false;
        }
    }
    return true;
}

// Copies the nodes reachable from `index` into `out` in evaluation order (a node before its
// children), so that evaluation walks memory forward and folded-away nodes are dropped.
bool IsFieldOfVariableOrLocal(const Program& program, const Node& node) {
    if (node.op != Op::kField) {
        return false;
    }
    const Op record = program.nodes[node.child[0]].op;
    return record == Op::kVariable || record == Op::kLocal;
}

// A field compared with a constant (event.amount >= 100000, i.category == "games"), the most
// common condition, is one node instead of four.
Node FusedComparison(const Program& program, const Node& node) {
    const Node& field = program.nodes[node.child[0]];
    const Node& record = program.nodes[field.child[0]];
    Node fused = node;
    fused.op = record.op == Op::kVariable ? Op::kCompareVariableField : Op::kCompareLocalField;
    fused.child = {record.index, field.span.begin, field.span.end};
    fused.index = field.index;
    fused.constant = program.nodes[node.child[1]].constant;
    return fused;
}

// A field of a variable or of a macro's element is one node, not two: most rules read fields,
// and this halves the steps of each read.
Node Fused(const Program& program, const Node& node) {
    const bool is_comparison =
        node.op == Op::kCompare || node.op == Op::kCompareString || node.op == Op::kCompareBool;
    if (is_comparison && IsFieldOfVariableOrLocal(program, program.nodes[node.child[0]]) &&
        program.nodes[node.child[1]].op == Op::kConstant) {
        return FusedComparison(program, node);
    }
    if (node.op != Op::kField) {
        return node;
    }
    const Node& record = program.nodes[node.child[0]];
    if (record.op != Op::kVariable && record.op != Op::kLocal) {
        return node;
    }
    Node fused = node;
    fused.op = record.op == Op::kVariable ? Op::kVariableField : Op::kLocalField;
    fused.child[0] = record.index;
    return fused;
}

NodeIndex Copy(const Program& from, NodeIndex index, Program* out) {
    const Node node = Fused(from, from.nodes[index]);
    const auto copied = static_cast<NodeIndex>(out->nodes.size());
    out->nodes.push_back(node);
    std::vector<NodeIndex> children;
    for (const NodeIndex child : ChildrenOf(from, node)) {
        children.push_back(Copy(from, child, out));
    }
    Node& target = out->nodes[copied];
    if (node.op == Op::kAnd || node.op == Op::kOr || node.op == Op::kInElements) {
        target.child[0] = static_cast<NodeIndex>(out->children.size());
        target.child[1] = static_cast<NodeIndex>(children.size());
        out->children.insert(out->children.end(), children.begin(), children.end());
    } else {
        for (std::size_t i = 0; i < children.size(); ++i) {
            target.child[i] = children[i];
        }
    }
    return copied;
}

void Layout(Program* program, NodeIndex root) {
    Program laid_out;
    laid_out.root = Copy(*program, root, &laid_out);
    program->nodes = std::move(laid_out.nodes);
    program->children = std::move(laid_out.children);
    program->root = laid_out.root;
}

}  // namespace

bool Fold(Program* program, NodeIndex index, std::string_view source, SyntaxError* error) {
    if (!IsFoldable(*program, program->nodes[index])) {
        return true;
    }
    Slot value{};
    Failure failure;
    if (!Run(*program, index, {}, nullptr, &value, &failure)) {
        error->offset = program->nodes[failure.node].span.begin;
        error->message = DescribeFailure(*program, source, failure);
        return false;
    }
    Node& node = program->nodes[index];
    node.op = Op::kConstant;
    node.constant = value;
    node.is_traced = false;
    return true;
}

bool CompileSource(std::string_view source,
                   const Schema& schema,
                   Kind result,
                   Program* program,
                   SyntaxError* error) {
    if (source.size() > limits::kRuleSourceBytesMax) {
        error->offset = 0;
        error->message = fmt::format("the rule is {} bytes long; the most is {}",
                                     source.size(),
                                     limits::kRuleSourceBytesMax);
        return false;
    }
    if (result == Kind::kList || result == Kind::kRecord) {
        error->offset = 0;
        error->message = fmt::format("a rule cannot give a {}", KindName(result));
        return false;
    }
    SyntaxTree tree;
    NodeIndex root = 0;
    if (!Parse(source, &tree, error) || !Check(source, tree, schema, program, &root, error)) {
        return false;
    }
    const Type type = program->nodes[root].type;
    if (result == Kind::kDecimal && type.kind == Kind::kInt) {
        Node node;
        node.op = Op::kIntToDecimal;
        node.type = Type::Decimal();
        node.span = program->nodes[root].span;
        node.is_traced = false;
        node.child[0] = root;
        program->nodes.push_back(node);
        root = static_cast<NodeIndex>(program->nodes.size() - 1);
        if (!Fold(program, root, source, error)) {
            return false;
        }
    } else if (type.kind != result) {
        error->offset = tree.nodes[tree.root].span.begin;
        error->message = fmt::format(
            "the rule must give a {}, found {}", KindName(result), TypeName(type, schema));
        return false;
    }
    program->variables_count = schema.variables().size();
    Layout(program, root);
    return true;
}

}  // namespace candor::program::rules
