// Literal parsing and value rendering shared by the checker and the evaluator. Private to
// program/rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "program/rules/rules.h"

namespace candor::program::rules {

// "int", "list(string)", "item" (a record's declared name).
std::string TypeName(const Type& type, const Schema& schema);

// RFC 3339 ("2026-12-01T00:00:00+03:00", "2026-12-01T00:00:00.5Z") to microseconds since the
// epoch, years 0001 to 9999; false with a message when malformed.
bool ParseTimestamp(std::string_view text, std::int64_t* micros, std::string* error);

// "90m", "2h", "7d", "1h30m", "-15m", "250ms", "10us" to microseconds; false with a message.
bool ParseDuration(std::string_view text, std::int64_t* micros, std::string* error);

std::string FormatDecimal(std::int64_t micros);    // 1.25, -0.5, 3.0
std::string FormatTimestamp(std::int64_t micros);  // 2026-11-21T15:03:11Z, .5 for fractions
std::string FormatDuration(std::int64_t micros);   // 1h30m, 7d, 1.5s, 0s
std::string QuoteString(std::string_view text);    // "gold", with \" \\ \n escaped

// Microseconds of the first and last timestamps the language handles (0001-01-01T00:00:00Z,
// 9999-12-31T23:59:59.999999Z).
inline constexpr std::int64_t kTimestampMinMicros = -62'135'596'800'000'000;
inline constexpr std::int64_t kTimestampMaxMicros = 253'402'300'799'999'999;

}  // namespace candor::program::rules
