// The rules lexer: source text to tokens. Private to program/rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "program/rules/syntax.h"

namespace candor::program::rules {

enum class TokenKind : std::uint8_t {
    kEnd,
    kIdentifier,
    kInt,      // value in Token::integer
    kDecimal,  // micro-units in Token::integer
    kString,   // unescaped bytes in Token::text
    kTrue,
    kFalse,
    kNull,
    kIn,
    kOr,            // ||
    kAnd,           // &&
    kEqual,         // ==
    kNotEqual,      // !=
    kLess,          // <
    kLessEqual,     // <=
    kGreater,       // >
    kGreaterEqual,  // >=
    kPlus,
    kMinus,
    kStar,
    kSlash,
    kPercent,
    kBang,
    kQuestion,
    kColon,
    kDot,
    kComma,
    kLeftParen,
    kRightParen,
    kLeftBracket,
    kRightBracket,
};

struct Token {
    TokenKind kind = TokenKind::kEnd;
    Span span;                // bytes of the source
    std::string_view lexeme;  // the source text of the token
    std::string text;         // kIdentifier: the name; kString: the unescaped value
    std::int64_t integer = 0;
    // kInt: the literal is 9223372036854775808, which fits only under a unary minus.
    bool is_int64_min_magnitude = false;
};

// How a token kind reads in messages: "')'", "an identifier", "end of input".
std::string_view DescribeToken(TokenKind kind);

// Splits `source` into tokens, the last of kind kEnd. Whitespace and `//` comments separate
// tokens. Fails at the first malformed token (an unterminated string, a bad escape, an integer
// that does not fit int64, a decimal with more than six fractional digits, a stray character).
bool Tokenize(std::string_view source, std::vector<Token>* tokens, SyntaxError* error);

}  // namespace candor::program::rules
