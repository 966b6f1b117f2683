#include "program/rules/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "core/limits.h"
#include "program/rules/lexer.h"

namespace candor::program::rules {
namespace {

using NodeIndex = std::uint32_t;

// The parser's failures unwind through every level as `false`; the first error wins.
class Parser {
public:
    Parser(std::string_view source, std::vector<Token> tokens, SyntaxTree* tree, SyntaxError* error)
        : source_(source), tokens_(std::move(tokens)), tree_(tree), error_(error) {}

    bool Run() {
        NodeIndex root = 0;
        if (!ParseExpression(&root)) {
            return false;
        }
        if (Current().kind != TokenKind::kEnd) {
            return Fail(Current().span.begin,
                        fmt::format("expected an operator or the end of the rule, found {}",
                                    Describe(Current())));
        }
        tree_->root = root;
        return true;
    }

private:
    const Token& Current() const { return tokens_[at_]; }

    const Token& Ahead(std::size_t n) const {
        return tokens_[std::min(at_ + n, tokens_.size() - 1)];
    }

    bool Is(TokenKind kind) const { return Current().kind == kind; }

    void Advance() {
        if (at_ + 1 < tokens_.size()) {
            ++at_;
        }
    }

    std::string Describe(const Token& token) const {
        if (token.kind == TokenKind::kIdentifier || token.kind == TokenKind::kInt ||
            token.kind == TokenKind::kDecimal) {
            return fmt::format("'{}'", token.lexeme);
        }
        if (token.kind == TokenKind::kString) {
            return fmt::format("the string {}", token.lexeme);
        }
        return std::string(DescribeToken(token.kind));
    }

    bool Fail(std::uint32_t offset, std::string message) {
        error_->offset = offset;
        error_->message = std::move(message);
        return false;
    }

    std::string Where(std::uint32_t offset) const {
        const Position position = Locate(source_, offset);
        return fmt::format("{}:{}", position.line, position.column);
    }

    // Adds a node whose span runs from `begin` to the end of the previous token.
    bool Add(SyntaxNode node, std::uint32_t begin, NodeIndex* index) {
        node.span.begin = begin;
        node.span.end = tokens_[at_ == 0 ? 0 : at_ - 1].span.end;
        if (tree_->nodes.size() >= limits::kRuleNodesMax) {
            return Fail(
                begin,
                fmt::format("the rule has more than {} parts; split it", limits::kRuleNodesMax));
        }
        std::size_t height = 1;
        for (const NodeIndex child : node.children) {
            height = std::max(height, heights_[child] + 1);
        }
        if (height > limits::kRuleDepthMax) {
            return Fail(
                begin,
                fmt::format("the rule nests more than {} levels deep", limits::kRuleDepthMax));
        }
        *index = static_cast<NodeIndex>(tree_->nodes.size());
        tree_->nodes.push_back(std::move(node));
        heights_.push_back(height);
        return true;
    }

    bool Expect(TokenKind kind, std::string_view what) {
        if (Is(kind)) {
            Advance();
            return true;
        }
        return Fail(Current().span.begin,
                    fmt::format("expected {}, found {}", what, Describe(Current())));
    }

    // Closes a '(' or '[' opened at `open`; `call` names the function whose arguments it
    // closes, if any.
    bool ExpectClosing(TokenKind kind, std::uint32_t open, std::string_view call) {
        if (Is(kind)) {
            Advance();
            return true;
        }
        if (!call.empty()) {
            return Fail(Current().span.begin,
                        fmt::format("expected {} after the arguments of {}, found {}",
                                    DescribeToken(kind),
                                    call,
                                    Describe(Current())));
        }
        return Fail(Current().span.begin,
                    fmt::format("expected {} to close the '{}' at {}, found {}",
                                DescribeToken(kind),
                                source_[open],
                                Where(open),
                                Describe(Current())));
    }

    // Every recursion goes through here or ParseUnary, so depth_ bounds the C++ stack.
    bool Enter(std::uint32_t offset) {
        if (++depth_ > limits::kRuleDepthMax) {
            return Fail(
                offset,
                fmt::format("the rule nests more than {} levels deep", limits::kRuleDepthMax));
        }
        return true;
    }

    // expression = or ["?" expression ":" expression]
    bool ParseExpression(NodeIndex* index) {
        const std::uint32_t begin = Current().span.begin;
        if (!Enter(begin)) {
            return false;
        }
        NodeIndex condition = 0;
        if (!ParseOr(&condition)) {
            return false;
        }
        if (Is(TokenKind::kQuestion)) {
            SyntaxNode node;
            node.kind = SyntaxKind::kConditional;
            node.name_span = Current().span;
            Advance();
            NodeIndex when_true = 0;
            NodeIndex when_false = 0;
            if (!ParseExpression(&when_true) || !Expect(TokenKind::kColon, "':' of '?:'") ||
                !ParseExpression(&when_false)) {
                return false;
            }
            node.children = {condition, when_true, when_false};
            condition = 0;
            if (!Add(std::move(node), begin, &condition)) {
                return false;
            }
        }
        *index = condition;
        --depth_;
        return true;
    }

    // A chain of one operator (&& or ||) becomes one node with every operand as a child.
    template <class ParseOperand>
    bool ParseChain(TokenKind op, SyntaxKind kind, ParseOperand parse_operand, NodeIndex* index) {
        const std::uint32_t begin = Current().span.begin;
        NodeIndex first = 0;
        if (!(this->*parse_operand)(&first)) {
            return false;
        }
        if (!Is(op)) {
            *index = first;
            return true;
        }
        SyntaxNode node;
        node.kind = kind;
        node.name_span = Current().span;
        node.children.push_back(first);
        while (Is(op)) {
            Advance();
            NodeIndex next = 0;
            if (!(this->*parse_operand)(&next)) {
                return false;
            }
            node.children.push_back(next);
            if (node.children.size() > limits::kRuleListElementsMax) {
                return Fail(node.name_span.begin,
                            fmt::format("a chain of {} has more than {} operands",
                                        DescribeToken(op),
                                        limits::kRuleListElementsMax));
            }
        }
        return Add(std::move(node), begin, index);
    }

    bool ParseOr(NodeIndex* index) {
        return ParseChain(TokenKind::kOr, SyntaxKind::kOr, &Parser::ParseAnd, index);
    }

    bool ParseAnd(NodeIndex* index) {
        return ParseChain(TokenKind::kAnd, SyntaxKind::kAnd, &Parser::ParseRelation, index);
    }

    static bool RelationOp(TokenKind kind, BinaryOp* op) {
        switch (kind) {
            case TokenKind::kEqual:
                *op = BinaryOp::kEqual;
                return true;
            case TokenKind::kNotEqual:
                *op = BinaryOp::kNotEqual;
                return true;
            case TokenKind::kLess:
                *op = BinaryOp::kLess;
                return true;
            case TokenKind::kLessEqual:
                *op = BinaryOp::kLessEqual;
                return true;
            case TokenKind::kGreater:
                *op = BinaryOp::kGreater;
                return true;
            case TokenKind::kGreaterEqual:
                *op = BinaryOp::kGreaterEqual;
                return true;
            case TokenKind::kIn:
                *op = BinaryOp::kIn;
                return true;
            default:
                return false;
        }
    }

    static bool AdditiveOp(TokenKind kind, BinaryOp* op) {
        if (kind == TokenKind::kPlus) {
            *op = BinaryOp::kAdd;
            return true;
        }
        if (kind == TokenKind::kMinus) {
            *op = BinaryOp::kSubtract;
            return true;
        }
        return false;
    }

    static bool MultiplicativeOp(TokenKind kind, BinaryOp* op) {
        switch (kind) {
            case TokenKind::kStar:
                *op = BinaryOp::kMultiply;
                return true;
            case TokenKind::kSlash:
                *op = BinaryOp::kDivide;
                return true;
            case TokenKind::kPercent:
                *op = BinaryOp::kRemainder;
                return true;
            default:
                return false;
        }
    }

    // Left-associative binary operators of one precedence level.
    template <class ParseOperand, class Match>
    bool ParseLevel(ParseOperand parse_operand, Match match, NodeIndex* index) {
        const std::uint32_t begin = Current().span.begin;
        NodeIndex left = 0;
        if (!(this->*parse_operand)(&left)) {
            return false;
        }
        BinaryOp op = BinaryOp::kEqual;
        while (match(Current().kind, &op)) {
            SyntaxNode node;
            node.kind = SyntaxKind::kBinary;
            node.op = op;
            node.name_span = Current().span;
            Advance();
            NodeIndex right = 0;
            if (!(this->*parse_operand)(&right)) {
                return false;
            }
            node.children = {left, right};
            if (!Add(std::move(node), begin, &left)) {
                return false;
            }
        }
        *index = left;
        return true;
    }

    bool ParseRelation(NodeIndex* index) {
        return ParseLevel(&Parser::ParseAdditive, &Parser::RelationOp, index);
    }

    bool ParseAdditive(NodeIndex* index) {
        return ParseLevel(&Parser::ParseMultiplicative, &Parser::AdditiveOp, index);
    }

    bool ParseMultiplicative(NodeIndex* index) {
        return ParseLevel(&Parser::ParseUnary, &Parser::MultiplicativeOp, index);
    }

    // unary = ("!" | "-") unary | member. A minus directly before a number literal (and not
    // before a method call on it) is part of the literal, so -9223372036854775808 is an int.
    bool ParseUnary(NodeIndex* index) {
        const std::uint32_t begin = Current().span.begin;
        if (!Is(TokenKind::kBang) && !Is(TokenKind::kMinus)) {
            return ParseMember(index);
        }
        const bool is_not = Is(TokenKind::kBang);
        Advance();
        const Token& next = Current();
        if (!is_not && (next.kind == TokenKind::kInt || next.kind == TokenKind::kDecimal) &&
            Ahead(1).kind != TokenKind::kDot) {
            SyntaxNode literal;
            literal.kind = next.kind == TokenKind::kInt ? SyntaxKind::kInt : SyntaxKind::kDecimal;
            // 0 - x cannot overflow for any int64 x but INT64_MIN, which is its own negation.
            literal.integer = next.is_int64_min_magnitude ? next.integer : -next.integer;
            Advance();
            return Add(std::move(literal), begin, index);
        }
        if (!Enter(begin)) {
            return false;
        }
        NodeIndex operand = 0;
        if (!ParseUnary(&operand)) {
            return false;
        }
        --depth_;
        SyntaxNode node;
        node.kind = is_not ? SyntaxKind::kNot : SyntaxKind::kNegate;
        node.children = {operand};
        return Add(std::move(node), begin, index);
    }

    // "(" [expression {"," expression}] ")", appended to node->children.
    bool ParseArguments(SyntaxNode* node) {
        const std::uint32_t open = Current().span.begin;
        Advance();
        if (Is(TokenKind::kRightParen)) {
            Advance();
            return true;
        }
        while (true) {
            NodeIndex argument = 0;
            if (!ParseExpression(&argument)) {
                return false;
            }
            node->children.push_back(argument);
            if (Is(TokenKind::kComma)) {
                Advance();
                continue;
            }
            return ExpectClosing(TokenKind::kRightParen, open, node->name);
        }
    }

    // member = primary {"." name ["(" arguments ")"]}
    bool ParseMember(NodeIndex* index) {
        const std::uint32_t begin = Current().span.begin;
        NodeIndex operand = 0;
        if (!ParsePrimary(&operand)) {
            return false;
        }
        while (true) {
            if (Is(TokenKind::kLeftBracket)) {
                return Fail(Current().span.begin,
                            "indexing with [...] is not supported; use a list macro such as "
                            "any() or sum()");
            }
            if (!Is(TokenKind::kDot)) {
                break;
            }
            Advance();
            if (!Is(TokenKind::kIdentifier)) {
                return Fail(Current().span.begin,
                            fmt::format("expected a field or method name after '.', found {}",
                                        Describe(Current())));
            }
            SyntaxNode node;
            node.name = Current().text;
            node.name_span = Current().span;
            node.children.push_back(operand);
            Advance();
            if (Is(TokenKind::kLeftParen)) {
                node.kind = SyntaxKind::kMethod;
                if (!ParseArguments(&node)) {
                    return false;
                }
            } else {
                node.kind = SyntaxKind::kSelect;
            }
            if (!Add(std::move(node), begin, &operand)) {
                return false;
            }
        }
        *index = operand;
        return true;
    }

    bool ParseList(NodeIndex* index) {
        const std::uint32_t open = Current().span.begin;
        Advance();
        SyntaxNode node;
        node.kind = SyntaxKind::kList;
        while (!Is(TokenKind::kRightBracket)) {
            if (node.children.size() == limits::kRuleListElementsMax) {
                return Fail(Current().span.begin,
                            fmt::format("a list literal has at most {} elements",
                                        limits::kRuleListElementsMax));
            }
            NodeIndex element = 0;
            if (!ParseExpression(&element)) {
                return false;
            }
            node.children.push_back(element);
            if (!Is(TokenKind::kComma)) {
                break;
            }
            Advance();
        }
        if (!ExpectClosing(TokenKind::kRightBracket, open, "")) {
            return false;
        }
        return Add(std::move(node), open, index);
    }

    bool ParsePrimary(NodeIndex* index) {
        const Token& token = Current();
        const std::uint32_t begin = token.span.begin;
        SyntaxNode node;
        switch (token.kind) {
            case TokenKind::kInt:
                if (token.is_int64_min_magnitude) {
                    return Fail(begin, "the number is too large for a 64-bit integer");
                }
                node.kind = SyntaxKind::kInt;
                node.integer = token.integer;
                break;
            case TokenKind::kDecimal:
                node.kind = SyntaxKind::kDecimal;
                node.integer = token.integer;
                break;
            case TokenKind::kString:
                node.kind = SyntaxKind::kString;
                node.text = token.text;
                break;
            case TokenKind::kTrue:
            case TokenKind::kFalse:
                node.kind = SyntaxKind::kBool;
                node.integer = token.kind == TokenKind::kTrue ? 1 : 0;
                break;
            case TokenKind::kNull:
                node.kind = SyntaxKind::kNull;
                break;
            case TokenKind::kIdentifier:
                node.name = token.text;
                node.name_span = token.span;
                if (Ahead(1).kind == TokenKind::kLeftParen) {
                    node.kind = SyntaxKind::kCall;
                    Advance();
                    if (!ParseArguments(&node)) {
                        return false;
                    }
                    return Add(std::move(node), begin, index);
                }
                node.kind = SyntaxKind::kIdentifier;
                break;
            case TokenKind::kLeftParen: {
                Advance();
                NodeIndex inner = 0;
                if (!ParseExpression(&inner) || !ExpectClosing(TokenKind::kRightParen, begin, "")) {
                    return false;
                }
                *index = inner;
                return true;
            }
            case TokenKind::kLeftBracket:
                return ParseList(index);
            default:
                return Fail(begin,
                            fmt::format("expected an expression, found {}", Describe(token)));
        }
        Advance();
        return Add(std::move(node), begin, index);
    }

    std::string_view source_;
    std::vector<Token> tokens_;
    SyntaxTree* tree_;
    SyntaxError* error_;
    std::size_t at_ = 0;
    std::size_t depth_ = 0;
    std::vector<std::size_t> heights_;
};

}  // namespace

const char* BinaryOpText(BinaryOp op) {
    switch (op) {
        case BinaryOp::kEqual:
            return "==";
        case BinaryOp::kNotEqual:
            return "!=";
        case BinaryOp::kLess:
            return "<";
        case BinaryOp::kLessEqual:
            return "<=";
        case BinaryOp::kGreater:
            return ">";
        case BinaryOp::kGreaterEqual:
            return ">=";
        case BinaryOp::kIn:
            return "in";
        case BinaryOp::kAdd:
            return "+";
        case BinaryOp::kSubtract:
            return "-";
        case BinaryOp::kMultiply:
            return "*";
        case BinaryOp::kDivide:
            return "/";
        case BinaryOp::kRemainder:
            return "%";
    }
    return "?";
}

Position Locate(std::string_view source, std::uint32_t offset) {
    Position position;
    const std::size_t end = std::min<std::size_t>(offset, source.size());
    for (std::size_t i = 0; i < end; ++i) {
        const auto byte = static_cast<unsigned char>(source[i]);
        if (byte == '\n') {
            ++position.line;
            position.column = 1;
        } else if ((byte & 0xC0) != 0x80) {
            ++position.column;
        }
    }
    return position;
}

bool Parse(std::string_view source, SyntaxTree* tree, SyntaxError* error) {
    std::vector<Token> tokens;
    if (!Tokenize(source, &tokens, error)) {
        return false;
    }
    return Parser(source, std::move(tokens), tree, error).Run();
}

}  // namespace candor::program::rules
