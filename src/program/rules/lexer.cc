#include "program/rules/lexer.h"

#include <fmt/format.h>

#include <cstddef>
#include <limits>
#include <utility>

#include "program/rules/rules.h"

namespace candor::program::rules {
namespace {

bool IsDigit(char c) {
    return c >= '0' && c <= '9';
}

bool IsIdentifierStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool IsIdentifierPart(char c) {
    return IsIdentifierStart(c) || IsDigit(c);
}

int HexValue(char c) {
    if (IsDigit(c)) {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

void AppendUtf8(std::uint32_t code_point, std::string* out) {
    if (code_point < 0x80) {
        out->push_back(static_cast<char>(code_point));
    } else if (code_point < 0x800) {
        out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
        out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else if (code_point < 0x10000) {
        out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
        out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else {
        out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
        out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    }
}

class Lexer {
public:
    Lexer(std::string_view source, SyntaxError* error) : source_(source), error_(error) {}

    bool Run(std::vector<Token>* tokens) {
        while (true) {
            SkipSpaceAndComments();
            Token token;
            token.span.begin = Offset();
            if (at_ == source_.size()) {
                token.kind = TokenKind::kEnd;
                token.span.end = token.span.begin;
                tokens->push_back(std::move(token));
                return true;
            }
            if (!Next(&token)) {
                return false;
            }
            token.span.end = Offset();
            token.lexeme = source_.substr(token.span.begin, token.span.end - token.span.begin);
            tokens->push_back(std::move(token));
        }
    }

private:
    std::uint32_t Offset() const { return static_cast<std::uint32_t>(at_); }

    char Peek(std::size_t ahead = 0) const {
        return at_ + ahead < source_.size() ? source_[at_ + ahead] : '\0';
    }

    bool Fail(std::size_t offset, std::string message) {
        error_->offset = static_cast<std::uint32_t>(offset);
        error_->message = std::move(message);
        return false;
    }

    void SkipSpaceAndComments() {
        while (at_ < source_.size()) {
            const char c = source_[at_];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                ++at_;
            } else if (c == '/' && Peek(1) == '/') {
                while (at_ < source_.size() && source_[at_] != '\n') {
                    ++at_;
                }
            } else {
                return;
            }
        }
    }

    bool Next(Token* token) {
        const char c = source_[at_];
        if (IsIdentifierStart(c)) {
            return Word(token);
        }
        if (IsDigit(c)) {
            return Number(token);
        }
        if (c == '"' || c == '\'') {
            return String(token);
        }
        return Punctuation(token);
    }

    bool Word(Token* token) {
        const std::size_t begin = at_;
        while (at_ < source_.size() && IsIdentifierPart(source_[at_])) {
            ++at_;
        }
        const std::string_view word = source_.substr(begin, at_ - begin);
        if (word == "true") {
            token->kind = TokenKind::kTrue;
        } else if (word == "false") {
            token->kind = TokenKind::kFalse;
        } else if (word == "null") {
            token->kind = TokenKind::kNull;
        } else if (word == "in") {
            token->kind = TokenKind::kIn;
        } else {
            token->kind = TokenKind::kIdentifier;
            token->text = std::string(word);
        }
        return true;
    }

    // Digits with single '_' separators between them; returns false at a misplaced '_'.
    bool Digits(std::string* digits) {
        while (at_ < source_.size()) {
            const char c = source_[at_];
            if (IsDigit(c)) {
                digits->push_back(c);
                ++at_;
            } else if (c == '_' && IsDigit(Peek(1)) && !digits->empty()) {
                ++at_;
            } else if (c == '_') {
                return Fail(at_, "'_' in a number must stand between two digits");
            } else {
                break;
            }
        }
        return true;
    }

    bool Number(Token* token) {
        const std::size_t begin = at_;
        std::string whole;
        if (!Digits(&whole)) {
            return false;
        }
        std::string fraction;
        const bool is_decimal = Peek() == '.' && IsDigit(Peek(1));
        if (is_decimal) {
            ++at_;
            if (!Digits(&fraction)) {
                return false;
            }
        }
        if (IsIdentifierStart(Peek())) {
            return Fail(at_, fmt::format("unexpected '{}' after the number", Peek()));
        }
        // Accumulate in unsigned 64 bits: 9223372036854775808 fits, for -9223372036854775808.
        constexpr std::uint64_t kMagnitudeMax =
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1;
        std::uint64_t value = 0;
        for (const char digit : whole) {
            if (value > (kMagnitudeMax - static_cast<std::uint64_t>(digit - '0')) / 10) {
                return Fail(begin, "the number is too large for a 64-bit integer");
            }
            value = value * 10 + static_cast<std::uint64_t>(digit - '0');
        }
        if (!is_decimal) {
            token->kind = TokenKind::kInt;
            token->is_int64_min_magnitude = value == kMagnitudeMax;
            token->integer = token->is_int64_min_magnitude
                                 ? std::numeric_limits<std::int64_t>::min()
                                 : static_cast<std::int64_t>(value);
            return true;
        }
        if (fraction.size() > 6) {
            return Fail(begin, "a decimal has at most 6 digits after the point");
        }
        fraction.resize(6, '0');
        std::uint64_t micros = 0;
        for (const char digit : fraction) {
            micros = micros * 10 + static_cast<std::uint64_t>(digit - '0');
        }
        constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        constexpr auto kScale = static_cast<std::uint64_t>(kDecimalScale);
        if (value > (kMax - micros) / kScale) {
            return Fail(begin, "the decimal is too large (the largest is 9223372036854.775807)");
        }
        token->kind = TokenKind::kDecimal;
        token->integer = static_cast<std::int64_t>(value * kScale + micros);
        return true;
    }

    // \uXXXX or \UXXXXXXXX after the backslash and letter at at_ - 2.
    bool UnicodeEscape(std::size_t digits, std::string* out) {
        const std::size_t escape = at_ - 2;
        std::uint32_t code_point = 0;
        for (std::size_t i = 0; i < digits; ++i) {
            const int digit = HexValue(Peek());
            if (digit < 0) {
                return Fail(escape,
                            fmt::format("'\\{}' needs {} hex digits", source_[escape + 1], digits));
            }
            code_point = code_point * 16 + static_cast<std::uint32_t>(digit);
            ++at_;
        }
        if (code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
            return Fail(escape, "the escape is not a Unicode scalar value");
        }
        AppendUtf8(code_point, out);
        return true;
    }

    bool String(Token* token) {
        const std::size_t begin = at_;
        const char quote = source_[at_++];
        token->kind = TokenKind::kString;
        while (true) {
            if (at_ >= source_.size() || source_[at_] == '\n') {
                return Fail(begin, "unterminated string: missing the closing quote");
            }
            const char c = source_[at_++];
            if (c == quote) {
                return true;
            }
            if (c != '\\') {
                token->text.push_back(c);
                continue;
            }
            const char escaped = Peek();
            ++at_;
            switch (escaped) {
                case '\\':
                case '"':
                case '\'':
                    token->text.push_back(escaped);
                    break;
                case 'n':
                    token->text.push_back('\n');
                    break;
                case 'r':
                    token->text.push_back('\r');
                    break;
                case 't':
                    token->text.push_back('\t');
                    break;
                case 'u':
                    if (!UnicodeEscape(4, &token->text)) {
                        return false;
                    }
                    break;
                case 'U':
                    if (!UnicodeEscape(8, &token->text)) {
                        return false;
                    }
                    break;
                default:
                    return Fail(at_ - 2,
                                "unknown escape; use \\\\, \\\", \\', \\n, \\r, \\t, \\uXXXX or "
                                "\\UXXXXXXXX");
            }
        }
    }

    bool Two(char second, TokenKind two, TokenKind one, Token* token) {
        if (Peek(1) == second) {
            at_ += 2;
            token->kind = two;
        } else {
            at_ += 1;
            token->kind = one;
        }
        return true;
    }

    bool One(TokenKind kind, Token* token) {
        ++at_;
        token->kind = kind;
        return true;
    }

    bool Punctuation(Token* token) {
        const char c = source_[at_];
        switch (c) {
            case '|':
                if (Peek(1) == '|') {
                    at_ += 2;
                    token->kind = TokenKind::kOr;
                    return true;
                }
                return Fail(at_, "unexpected '|'; did you mean '||'?");
            case '&':
                if (Peek(1) == '&') {
                    at_ += 2;
                    token->kind = TokenKind::kAnd;
                    return true;
                }
                return Fail(at_, "unexpected '&'; did you mean '&&'?");
            case '=':
                if (Peek(1) == '=') {
                    at_ += 2;
                    token->kind = TokenKind::kEqual;
                    return true;
                }
                return Fail(at_, "unexpected '='; did you mean '=='?");
            case '!':
                return Two('=', TokenKind::kNotEqual, TokenKind::kBang, token);
            case '<':
                return Two('=', TokenKind::kLessEqual, TokenKind::kLess, token);
            case '>':
                return Two('=', TokenKind::kGreaterEqual, TokenKind::kGreater, token);
            case '+':
                return One(TokenKind::kPlus, token);
            case '-':
                return One(TokenKind::kMinus, token);
            case '*':
                return One(TokenKind::kStar, token);
            case '/':
                return One(TokenKind::kSlash, token);
            case '%':
                return One(TokenKind::kPercent, token);
            case '?':
                return One(TokenKind::kQuestion, token);
            case ':':
                return One(TokenKind::kColon, token);
            case '.':
                return One(TokenKind::kDot, token);
            case ',':
                return One(TokenKind::kComma, token);
            case '(':
                return One(TokenKind::kLeftParen, token);
            case ')':
                return One(TokenKind::kRightParen, token);
            case '[':
                return One(TokenKind::kLeftBracket, token);
            case ']':
                return One(TokenKind::kRightBracket, token);
            default:
                break;
        }
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7F) {
            return Fail(at_, fmt::format("unexpected character '{}'", c));
        }
        return Fail(at_, fmt::format("unexpected byte 0x{:02X}", byte));
    }

    std::string_view source_;
    SyntaxError* error_;
    std::size_t at_ = 0;
};

}  // namespace

std::string_view DescribeToken(TokenKind kind) {
    switch (kind) {
        case TokenKind::kEnd:
            return "end of input";
        case TokenKind::kIdentifier:
            return "a name";
        case TokenKind::kInt:
            return "an integer";
        case TokenKind::kDecimal:
            return "a decimal";
        case TokenKind::kString:
            return "a string";
        case TokenKind::kTrue:
            return "'true'";
        case TokenKind::kFalse:
            return "'false'";
        case TokenKind::kNull:
            return "'null'";
        case TokenKind::kIn:
            return "'in'";
        case TokenKind::kOr:
            return "'||'";
        case TokenKind::kAnd:
            return "'&&'";
        case TokenKind::kEqual:
            return "'=='";
        case TokenKind::kNotEqual:
            return "'!='";
        case TokenKind::kLess:
            return "'<'";
        case TokenKind::kLessEqual:
            return "'<='";
        case TokenKind::kGreater:
            return "'>'";
        case TokenKind::kGreaterEqual:
            return "'>='";
        case TokenKind::kPlus:
            return "'+'";
        case TokenKind::kMinus:
            return "'-'";
        case TokenKind::kStar:
            return "'*'";
        case TokenKind::kSlash:
            return "'/'";
        case TokenKind::kPercent:
            return "'%'";
        case TokenKind::kBang:
            return "'!'";
        case TokenKind::kQuestion:
            return "'?'";
        case TokenKind::kColon:
            return "':'";
        case TokenKind::kDot:
            return "'.'";
        case TokenKind::kComma:
            return "','";
        case TokenKind::kLeftParen:
            return "'('";
        case TokenKind::kRightParen:
            return "')'";
        case TokenKind::kLeftBracket:
            return "'['";
        case TokenKind::kRightBracket:
            return "']'";
    }
    return "a token";
}

bool Tokenize(std::string_view source, std::vector<Token>* tokens, SyntaxError* error) {
    return Lexer(source, error).Run(tokens);
}

}  // namespace candor::program::rules
