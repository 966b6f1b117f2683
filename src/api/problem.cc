#include <string>

#include "api/api.h"
#include "core/log.h"

namespace candor::api {
namespace {

constexpr std::string_view kTypePrefix = "https://candor.dev/problems/";
constexpr std::string_view kGenericDetail =
    "The server could not complete the request; the request id identifies it in the log.";

void AppendMember(std::string_view key, std::string_view value, std::string* out) {
    out->append(",\"");
    out->append(key);
    out->append("\":\"");
    AppendJsonEscaped(value, out);
    out->push_back('"');
}

HttpResponse Render(const Error& error,
                    std::string_view instance,
                    std::string_view request_id,
                    std::string_view field) {
    const ErrorCodeInfo& info = Describe(error.code);
    const bool is_server_error = info.http_status >= 500;
    if (is_server_error) {
        // The message may name tables, files or other internals: it goes to the log only.
        LogJson(info.is_retryable ? LogLevel::kWarn : LogLevel::kError,
                {{"msg", "server error"},
                 {"request_id", request_id},
                 {"code", info.slug},
                 {"detail", error.message}});
    }
    std::string body = R"({"type":")";
    body.append(kTypePrefix);
    body.append(info.slug);
    body.push_back('"');
    AppendMember("title", info.meaning, &body);
    body.append(",\"status\":");
    body.append(std::to_string(info.http_status));
    AppendMember(
        "detail", is_server_error ? kGenericDetail : std::string_view(error.message), &body);
    if (!instance.empty()) {
        AppendMember("instance", instance, &body);
    }
    if (!request_id.empty()) {
        AppendMember("request_id", request_id, &body);
    }
    if (!field.empty()) {
        AppendMember("field", field, &body);
    }
    body.push_back('}');

    HttpResponse response;
    response.status = info.http_status;
    response.headers.emplace_back("Content-Type", "application/problem+json");
    if (info.is_retryable) {
        response.headers.emplace_back("Retry-After", "1");
    }
    response.body = std::move(body);
    return response;
}

}  // namespace

HttpResponse Problem(const Error& error, std::string_view instance, std::string_view field) {
    return Render(error, instance, {}, field);
}

HttpResponse Problem(const Error& error, const HttpRequest& request, std::string_view field) {
    return Render(error, request.path, request.request_id, field);
}

}  // namespace candor::api
