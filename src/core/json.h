// Strict reading of JSON objects (nlohmann::json) for every module that decodes client input:
// unknown members, wrong types, out-of-range values and invalid UTF-8 are refused, and the
// offending member is named so that an RFC 9457 problem can say which field is wrong. Pure
// functions, thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace candor {

// kInvalidArgument with `message`.
Error Invalid(std::string message);

// Parses `body` as JSON; on error *field is "body" (not JSON, or not valid UTF-8).
Result<nlohmann::json> ParseJson(std::string_view body, std::string* field);

// Parses `body` as a JSON object whose members are all in `allowed`. On error *field is "body"
// (not JSON, not UTF-8, not an object) or the first unknown member's name (`""`, quotes included,
// for a member with an empty name).
Result<nlohmann::json> ParseObject(std::string_view body,
                                   std::initializer_list<std::string_view> allowed,
                                   std::string* field);

// As ParseObject, for a value already parsed (an item of a batch).
Status CheckObject(const nlohmann::json& json,
                   std::initializer_list<std::string_view> allowed,
                   std::string* field);
Status CheckObject(const nlohmann::json& json,
                   std::span<const std::string_view> allowed,
                   std::string* field);

// Each reader sets *field to `name` before it looks, so an error names it. Missing members
// are kInvalidArgument; optional members are read only when present (see Has).
bool Has(const nlohmann::json& object, std::string_view name);

// A string of bytes_min..bytes_max bytes.
Result<std::string> ReadString(const nlohmann::json& object,
                               std::string_view name,
                               std::size_t bytes_min,
                               std::size_t bytes_max,
                               std::string* field);

// A JSON integer (never a float or a string) that fits int64; kInvalidAmount when it does not.
Result<std::int64_t> ReadInteger(const nlohmann::json& object,
                                 std::string_view name,
                                 std::string* field);

// As ReadInteger, and above zero; kInvalidAmount when it is not.
Result<std::int64_t> ReadPositiveInteger(const nlohmann::json& object,
                                         std::string_view name,
                                         std::string* field);

}  // namespace candor
