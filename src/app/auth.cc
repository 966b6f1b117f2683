// API keys and sessions over HTTP: POST /v1/keys, GET /v1/keys, POST /v1/keys/{id}/revoke,
// POST /v1/auth/login and POST /v1/auth/logout. The access module does the work; this file
// speaks JSON, cookies and Retry-After. Creating and revoking keys writes audit rows. A secret or
// token appears only in the one response that hands it out, never in a log line (api's request log
// has the route pattern, not the body).
#include <string>
#include <utility>
#include <vector>

#include "app/http_json.h"
#include "app/routes.h"
#include "core/limits.h"

namespace candor::app {
namespace {

// The cookie's attributes: Secure when the request came over TLS, so the browser never sends the
// cookie over plain HTTP.
std::string CookieAttributes(const api::HttpRequest& request) {
    return request.is_tls ? "; Path=/; HttpOnly; SameSite=Strict; Secure"
                          : "; Path=/; HttpOnly; SameSite=Strict";
}

nlohmann::json ScopesJson(const std::vector<access::Scope>& scopes) {
    nlohmann::json names = nlohmann::json::array();
    for (const access::Scope scope : scopes) {
        names.push_back(access::ScopeName(scope));
    }
    return names;
}

nlohmann::json OptionalTime(const std::optional<Timestamp>& time) {
    return time ? nlohmann::json(FormatRfc3339(*time)) : nlohmann::json();
}

struct KeyBody {
    std::string name;
    std::vector<std::string> scopes;
    std::string store;
    std::string channel;
    std::int64_t rate_per_minute = 0;
};

Result<KeyBody> ParseKeyBody(std::string_view body, std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(
        const nlohmann::json json,
        ParseObject(body, {"name", "scopes", "store", "channel", "rate_per_minute"}, field));
    KeyBody key;
    CANDOR_ASSIGN_OR_RETURN(key.name,
                            ReadString(json, "name", 1, limits::kApiKeyNameBytesMax, field));
    *field = "scopes";
    const auto scopes = json.find("scopes");
    if (scopes == json.end() || !scopes->is_array() || scopes->empty() ||
        scopes->size() > access::kAllScopes.size()) {
        return Invalid("Must be an array of 1-" + std::to_string(access::kAllScopes.size()) +
                       " scope names.");
    }
    for (const nlohmann::json& scope : *scopes) {
        if (!scope.is_string()) {
            return Invalid("Must be an array of scope names.");
        }
        key.scopes.push_back(scope.get<std::string>());
    }
    if (Has(json, "store")) {
        CANDOR_ASSIGN_OR_RETURN(
            key.store, ReadString(json, "store", 0, limits::kApiKeyBindingBytesMax, field));
    }
    if (Has(json, "channel")) {
        CANDOR_ASSIGN_OR_RETURN(
            key.channel, ReadString(json, "channel", 0, limits::kApiKeyBindingBytesMax, field));
    }
    if (Has(json, "rate_per_minute")) {
        CANDOR_ASSIGN_OR_RETURN(key.rate_per_minute, ReadInteger(json, "rate_per_minute", field));
    }
    field->clear();
    return key;
}

void PostKey(Deps& deps,
             const RequestContext& context,
             const api::HttpRequest& request,
             api::Responder respond) {
    std::string field;
    auto body = ParseKeyBody(request.body, &field);
    if (!body) {
        respond(api::Problem(body.error(), request, field));
        return;
    }
    auto created = deps.access.Run<access::CreatedApiKey>([&](access::Access& access) {
        return access.CreateApiKey(body->name,
                                   body->scopes,
                                   body->store,
                                   body->channel,
                                   body->rate_per_minute,
                                   AuditOf(context, request, "key.create"));
    });
    if (!created) {
        // The access module names the bad field in its message; scopes are the usual one.
        respond(api::Problem(
            created.error(),
            request,
            created.error().code == ErrorCode::kInvalidArgument ? "scopes" : std::string_view()));
        return;
    }
    const nlohmann::json document = {{"id", created->public_id},
                                     {"token", created->token},
                                     {"name", body->name},
                                     {"scopes", body->scopes}};
    respond(api::HttpResponse::Json(201, document.dump()));
}

void ListKeys(Deps& deps,
              const RequestContext& /*context*/,
              const api::HttpRequest& request,
              api::Responder respond) {
    std::string field;
    auto page = ReadPageQuery(request, kPageDefault, limits::kListPageMax, &field);
    if (!page) {
        respond(api::Problem(page.error(), request, field));
        return;
    }
    // One more than the page tells whether another page follows.
    auto keys = deps.access.Run<std::vector<access::ApiKeyInfo>>([&page](access::Access& access) {
        return access.ListApiKeys(ApiKeyId(page->after_id), page->limit + 1);
    });
    if (!keys) {
        respond(api::Problem(keys.error(), request));
        return;
    }
    nlohmann::json next_cursor = TakePage(
        &*keys, page->limit, [](const access::ApiKeyInfo& info) { return info.key.id.value(); });
    nlohmann::json rendered = nlohmann::json::array();
    for (const access::ApiKeyInfo& info : *keys) {
        rendered.push_back({{"id", info.key.public_id},
                            {"name", info.key.name},
                            {"scopes", ScopesJson(info.key.scopes)},
                            {"store", info.key.store_binding},
                            {"channel", info.key.channel_binding},
                            {"rate_per_minute", info.key.rate_per_minute},
                            {"created_at", FormatRfc3339(info.created_at)},
                            {"revoked_at", OptionalTime(info.revoked_at)},
                            {"last_used_at", OptionalTime(info.last_used_at)}});
    }
    const nlohmann::json document = {{"keys", std::move(rendered)},
                                     {"next_cursor", std::move(next_cursor)}};
    respond(api::HttpResponse::Json(200, document.dump()));
}

void RevokeKey(Deps& deps,
               const RequestContext& context,
               const api::HttpRequest& request,
               api::Responder respond) {
    std::string field;
    const std::string_view body = request.body.empty() ? "{}" : std::string_view(request.body);
    if (auto parsed = ParseObject(body, {}, &field); !parsed) {
        respond(api::Problem(parsed.error(), request, field));
        return;
    }
    const std::string public_id(request.Param("id"));
    auto revoked = deps.access.Run<bool>([&](access::Access& access) -> Result<bool> {
        CANDOR_TRY(access.RevokeApiKey(public_id, AuditOf(context, request, "key.revoke")));
        return true;
    });
    if (!revoked) {
        respond(api::Problem(revoked.error(), request));
        return;
    }
    const nlohmann::json document = {{"id", public_id}, {"revoked", true}};
    respond(api::HttpResponse::Json(200, document.dump()));
}

struct LoginBody {
    std::string kind;
    std::string login;
    std::string password;
    std::string code;
};

Result<LoginBody> ParseLoginBody(std::string_view body, std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(const nlohmann::json json,
                            ParseObject(body, {"kind", "login", "password", "code"}, field));
    LoginBody login;
    CANDOR_ASSIGN_OR_RETURN(login.kind, ReadString(json, "kind", 1, 16, field));
    if (login.kind != "staff" && login.kind != "member") {
        return Invalid(R"(Must be "staff" or "member".)");
    }
    CANDOR_ASSIGN_OR_RETURN(login.login,
                            ReadString(json, "login", 1, limits::kLoginBytesMax, field));
    CANDOR_ASSIGN_OR_RETURN(login.password,
                            ReadString(json, "password", 1, limits::kPasswordBytesMax, field));
    if (Has(json, "code")) {
        CANDOR_ASSIGN_OR_RETURN(login.code, ReadString(json, "code", 0, 64, field));
    }
    field->clear();
    return login;
}

api::HttpResponse Login(Deps& deps, const api::HttpRequest& request, const LoginBody& body) {
    auto session = deps.access.Run<access::Session>([&body](access::Access& access) {
        return body.kind == "staff" ? access.LoginStaff(body.login, body.password, body.code)
                                    : access.LoginMember(body.login, body.password, body.code);
    });
    if (!session) {
        // One answer for every wrong credential (the access module words it); the lockout says
        // when to come back, with the full lockout as a safe upper bound.
        api::HttpResponse response = api::Problem(
            session.error(),
            request,
            session.error().code == ErrorCode::kTotpRequired ? "code" : std::string_view());
        if (session.error().code == ErrorCode::kLocked) {
            response.headers.emplace_back("Retry-After",
                                          std::to_string(limits::kLoginLockoutMs / 1000));
        }
        return response;
    }
    const nlohmann::json document = {{"token", session->token},
                                     {"kind", body.kind},
                                     {"expires_at", FormatRfc3339(session->principal.expires_at)},
                                     {"is_enrolment_only", session->principal.is_enrolment_only}};
    api::HttpResponse response = api::HttpResponse::Json(200, document.dump());
    response.headers.emplace_back(
        "Set-Cookie",
        std::string(kSessionCookie) + "=" + session->token + CookieAttributes(request));
    return response;
}

// Logins verify an Argon2id hash (~0.1 s): they run on the password workers, never on the
// server's event loops.
void PostLogin(Deps& deps,
               const RequestContext& /*context*/,
               const api::HttpRequest& request,
               api::Responder respond) {
    std::string field;
    auto body = ParseLoginBody(request.body, &field);
    if (!body) {
        respond(api::Problem(body.error(), request, field));
        return;
    }
    RunPasswordJob(deps, request, std::move(respond), [&deps, &request, body = std::move(*body)] {
        return Login(deps, request, body);
    });
}

void PostLogout(Deps& deps,
                const RequestContext& context,
                const api::HttpRequest& request,
                api::Responder respond) {
    auto ended = deps.access.Run<bool>([&context](access::Access& access) -> Result<bool> {
        CANDOR_TRY(access.Logout(context.session_token));
        return true;
    });
    if (!ended) {
        respond(api::Problem(ended.error(), request));
        return;
    }
    api::HttpResponse response = api::HttpResponse::Json(204, "");
    response.headers.emplace_back(
        "Set-Cookie",
        std::string(kSessionCookie) + "=" + CookieAttributes(request) + "; Max-Age=0");
    respond(std::move(response));
}

}  // namespace

void RegisterAccess(api::Router& router, Deps& deps) {
    AddRoute(router,
             deps,
             "POST",
             "/v1/keys",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 PostKey(deps, c, r, std::move(respond));
             });
    AddRoute(router,
             deps,
             "GET",
             "/v1/keys",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 ListKeys(deps, c, r, std::move(respond));
             });
    AddRoute(router,
             deps,
             "POST",
             "/v1/keys/{id}/revoke",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 RevokeKey(deps, c, r, std::move(respond));
             });
    AddRoute(router,
             deps,
             "POST",
             "/v1/auth/login",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 PostLogin(deps, c, r, std::move(respond));
             });
    AddRoute(router,
             deps,
             "POST",
             "/v1/auth/logout",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 PostLogout(deps, c, r, std::move(respond));
             });
}

}  // namespace candor::app
