#include "core/json.h"

#include <utility>

namespace candor {

Error Invalid(std::string message) {
    return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

Status CheckObject(const nlohmann::json& json,
                   std::span<const std::string_view> allowed,
                   std::string* field) {
    *field = "body";
    if (!json.is_object()) {
        return Invalid("The body must be a JSON object.");
    }
    for (const auto& [key, unused] : json.items()) {
        bool is_allowed = false;
        for (const std::string_view name : allowed) {
            is_allowed = is_allowed || key == name;
        }
        if (!is_allowed) {
            // A member named "" is named by its JSON spelling, so that the field is never empty
            // (an empty field means none).
            *field = key.empty() ? std::string(R"("")") : key;
            return Invalid("Unknown field.");
        }
    }
    field->clear();
    return Ok();
}

Status CheckObject(const nlohmann::json& json,
                   std::initializer_list<std::string_view> allowed,
                   std::string* field) {
    return CheckObject(
        json, std::span<const std::string_view>(allowed.begin(), allowed.size()), field);
}

Result<nlohmann::json> ParseJson(std::string_view body, std::string* field) {
    // No exceptions: a parse error (including invalid UTF-8 in a string) gives a discarded value.
    nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
    *field = "body";
    if (json.is_discarded()) {
        return Invalid("The body is not valid JSON (or not valid UTF-8).");
    }
    field->clear();
    return json;
}

Result<nlohmann::json> ParseObject(std::string_view body,
                                   std::initializer_list<std::string_view> allowed,
                                   std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(nlohmann::json json, ParseJson(body, field));
    CANDOR_TRY(CheckObject(json, allowed, field));
    return json;
}

bool Has(const nlohmann::json& object, std::string_view name) {
    return object.find(name) != object.end();
}

Result<std::string> ReadString(const nlohmann::json& object,
                               std::string_view name,
                               std::size_t bytes_min,
                               std::size_t bytes_max,
                               std::string* field) {
    *field = std::string(name);
    const auto value = object.find(name);
    if (value == object.end()) {
        return Invalid("Missing: a string.");
    }
    if (!value->is_string()) {
        return Invalid("Must be a string.");
    }
    std::string text = value->get<std::string>();
    if (text.size() < bytes_min || text.size() > bytes_max) {
        return Invalid("Must be " + std::to_string(bytes_min) + "-" + std::to_string(bytes_max) +
                       " bytes.");
    }
    return text;
}

Result<std::int64_t> ReadInteger(const nlohmann::json& object,
                                 std::string_view name,
                                 std::string* field) {
    *field = std::string(name);
    const auto value = object.find(name);
    if (value == object.end()) {
        return Invalid("Missing: an integer.");
    }
    if (!value->is_number_integer()) {
        return Invalid("Must be an integer.");
    }
    if (value->is_number_unsigned() && value->get<std::uint64_t>() > INT64_MAX) {
        return MakeError(ErrorCode::kInvalidAmount, "Must fit in 64 bits.");
    }
    return value->get<std::int64_t>();
}

Result<std::int64_t> ReadPositiveInteger(const nlohmann::json& object,
                                         std::string_view name,
                                         std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(const std::int64_t value, ReadInteger(object, name, field));
    if (value <= 0) {
        return MakeError(ErrorCode::kInvalidAmount, "Must be positive.");
    }
    return value;
}

}  // namespace candor
