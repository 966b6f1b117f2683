// Structured logs: one JSON object per line on stderr, for machines first (journald, Loki,
// jq) and readable enough for people. Each line carries "time" (RFC 3339 UTC) and "level",
// then the caller's fields in order. Callers never log secrets or personal data: ids, routes,
// statuses and sizes only. Thread-safe: lines from many threads never interleave.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace candor {

enum class LogLevel : std::uint8_t { kDebug, kInfo, kWarn, kError };

// One "key": value pair. Strings are escaped as JSON strings; integers are written as numbers.
struct LogField {
    LogField(std::string_view key_in, std::string_view value_in) : key(key_in), value(value_in) {}

    LogField(std::string_view key_in, const char* value_in)
        : key(key_in), value(std::string_view(value_in)) {}

    LogField(std::string_view key_in, const std::string& value_in)
        : key(key_in), value(std::string_view(value_in)) {}

    template <std::integral T>
    LogField(std::string_view key_in, T value_in) : key(key_in), value(Convert(value_in)) {}

    std::string_view key;
    std::variant<std::string_view, std::int64_t, bool> value;

private:
    template <std::integral T>
    static std::variant<std::string_view, std::int64_t, bool> Convert(T v) {
        if constexpr (std::same_as<T, bool>) {
            return v;
        } else {
            return static_cast<std::int64_t>(v);
        }
    }
};

// Writes one line: {"time":"...","level":"info",<fields>}. Keys are trusted identifiers
// (written as given); values are escaped. Invalid UTF-8 in a value is replaced by U+FFFD.
void LogJson(LogLevel level, std::initializer_list<LogField> fields);

// The line LogJson would write after "time" and "level", without the newline; for tests.
std::string FormatLogFields(std::initializer_list<LogField> fields);

// Appends `text` to `out` as the contents of a JSON string (without the quotes): quotes,
// backslashes and control characters escaped, invalid UTF-8 replaced by U+FFFD.
void AppendJsonEscaped(std::string_view text, std::string* out);

}  // namespace candor
