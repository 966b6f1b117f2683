// Accounts over HTTP: staff (POST /v1/staff, GET /v1/staff, POST /v1/staff/{id}/disable,
// POST /v1/staff/{id}/role), TOTP enrolment (POST /v1/auth/totp/enroll and /confirm), password
// changes (POST /v1/auth/password), member credentials (POST /v1/members/{id}/credentials) and
// the audit log (GET /v1/audit). Calls that hash a password run on the password workers. Every
// administrative action writes an audit row (docs/access.md, "Audit log").
#include <string>
#include <utility>
#include <vector>

#include "app/http_json.h"
#include "app/routes.h"
#include "core/limits.h"
#include "core/log.h"

namespace candor::app {
namespace {

constexpr std::string_view kClearCookie = "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";

// A staff id from the path: decimal digits naming a positive id, else kUnknownStaff.
Result<StaffId> ParseStaffId(std::string_view text) {
    const std::optional<EntryId> id = ParseEntryId(text);
    if (!id) {
        return MakeError(ErrorCode::kUnknownStaff, "No enabled staff account has this id.");
    }
    return StaffId(id->value());
}

nlohmann::json StaffJson(const access::StaffInfo& staff) {
    return {
        {"id", std::to_string(staff.id.value())},
        {"display_name", staff.display_name},
        {"role", access::RoleName(staff.role)},
        {"is_totp_enrolled", staff.is_totp_enrolled},
        {"created_at", FormatRfc3339(staff.created_at)},
        {"disabled_at",
         staff.disabled_at ? nlohmann::json(FormatRfc3339(*staff.disabled_at)) : nlohmann::json()}};
}

// An empty body counts as {} for actions whose body is optional.
std::string_view BodyOrEmptyObject(const api::HttpRequest& request) {
    return request.body.empty() ? std::string_view("{}") : std::string_view(request.body);
}

api::HttpResponse NoContentClearingCookie() {
    api::HttpResponse response = api::HttpResponse::Json(204, "");
    response.headers.emplace_back("Set-Cookie",
                                  std::string(kSessionCookie) + std::string(kClearCookie));
    return response;
}

// A body of exactly two strings: `first` (1 to first_bytes_max bytes) and `password`, a new
// password (kPasswordBytesMin to kPasswordBytesMax bytes).
struct Pair {
    std::string first;
    std::string password;
};

Result<Pair> ParsePair(std::string_view body,
                       std::string_view first,
                       std::size_t first_bytes_max,
                       std::string_view password,
                       std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(const nlohmann::json json, ParseObject(body, {first, password}, field));
    Pair pair;
    CANDOR_ASSIGN_OR_RETURN(pair.first, ReadString(json, first, 1, first_bytes_max, field));
    CANDOR_ASSIGN_OR_RETURN(
        pair.password,
        ReadString(json, password, limits::kPasswordBytesMin, limits::kPasswordBytesMax, field));
    field->clear();
    return pair;
}

// -- Staff

struct StaffBody {
    std::string email;
    std::string display_name;
    std::string password;
    access::Role role = access::Role::kAnalyst;
};

Result<StaffBody> ParseStaffBody(std::string_view body, std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(
        const nlohmann::json json,
        ParseObject(body, {"email", "display_name", "password", "role"}, field));
    StaffBody staff;
    CANDOR_ASSIGN_OR_RETURN(staff.email,
                            ReadString(json, "email", 1, limits::kLoginBytesMax, field));
    CANDOR_ASSIGN_OR_RETURN(
        staff.display_name,
        ReadString(json, "display_name", 1, limits::kDisplayNameBytesMax, field));
    CANDOR_ASSIGN_OR_RETURN(
        staff.password,
        ReadString(json, "password", limits::kPasswordBytesMin, limits::kPasswordBytesMax, field));
    CANDOR_ASSIGN_OR_RETURN(const std::string role, ReadString(json, "role", 1, 16, field));
    CANDOR_ASSIGN_OR_RETURN(staff.role, access::ParseRole(role));
    field->clear();
    return staff;
}

void PostStaff(Deps& deps,
               const RequestContext& context,
               const api::HttpRequest& request,
               api::Responder respond) {
    std::string field;
    auto body = ParseStaffBody(request.body, &field);
    if (!body) {
        respond(api::Problem(body.error(), request, field));
        return;
    }
    RunPasswordJob(
        deps, request, std::move(respond), [&deps, &request, context, body = std::move(*body)] {
            auto created = deps.access.Run<StaffId>([&](access::Access& access) {
                return access.CreateStaff(body.email,
                                          body.display_name,
                                          body.password,
                                          body.role,
                                          AuditOf(context, request, "staff.create"));
            });
            if (!created) {
                const bool is_taken = created.error().code == ErrorCode::kAlreadyExists;
                return api::Problem(is_taken ? MakeError(ErrorCode::kAlreadyExists,
                                                         "A staff account with this email exists.")
                                             : created.error(),
                                    request,
                                    is_taken ? "email" : "");
            }
            access::StaffInfo info{*created, body.display_name, body.role, false, {}, {}};
            nlohmann::json document = StaffJson(info);
            document.erase("created_at");
            return api::HttpResponse::Json(201, document.dump());
        });
}

void ListStaff(Deps& deps,
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
    auto staff = deps.access.Run<std::vector<access::StaffInfo>>([&page](access::Access& access) {
        return access.ListStaff(StaffId(page->after_id), page->limit + 1);
    });
    if (!staff) {
        respond(api::Problem(staff.error(), request));
        return;
    }
    nlohmann::json next_cursor = TakePage(
        &*staff, page->limit, [](const access::StaffInfo& info) { return info.id.value(); });
    nlohmann::json rendered = nlohmann::json::array();
    for (const access::StaffInfo& info : *staff) {
        rendered.push_back(StaffJson(info));
    }
    const nlohmann::json document = {{"staff", std::move(rendered)},
                                     {"next_cursor", std::move(next_cursor)}};
    respond(api::HttpResponse::Json(200, document.dump()));
}

// {"reason"?: string} for disable, {"role": string, "reason"?: string} for role changes.
struct StaffActionBody {
    std::optional<access::Role> role;
    std::string reason;
};

Result<StaffActionBody> ParseStaffAction(std::string_view body,
                                         bool needs_role,
                                         std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(const nlohmann::json json,
                            needs_role ? ParseObject(body, {"role", "reason"}, field)
                                       : ParseObject(body, {"reason"}, field));
    StaffActionBody action;
    if (needs_role) {
        CANDOR_ASSIGN_OR_RETURN(const std::string role, ReadString(json, "role", 1, 16, field));
        CANDOR_ASSIGN_OR_RETURN(action.role, access::ParseRole(role));
    }
    if (Has(json, "reason")) {
        CANDOR_ASSIGN_OR_RETURN(action.reason,
                                ReadString(json, "reason", 1, limits::kReasonBytesMax, field));
    }
    field->clear();
    return action;
}

void PostStaffAction(Deps& deps,
                     const RequestContext& context,
                     const api::HttpRequest& request,
                     api::Responder respond,
                     bool is_role_change) {
    std::string field;
    auto body = ParseStaffAction(BodyOrEmptyObject(request), is_role_change, &field);
    if (!body) {
        respond(api::Problem(body.error(), request, field));
        return;
    }
    auto id = ParseStaffId(request.Param("id"));
    if (!id) {
        respond(api::Problem(id.error(), request));
        return;
    }
    const std::string action = is_role_change
                                   ? "staff.role." + std::string(access::RoleName(*body->role))
                                   : "staff.disable";
    access::AuditRow audit = AuditOf(context, request, action, body->reason);
    auto done = deps.access.Run<bool>([&](access::Access& access) -> Result<bool> {
        CANDOR_TRY(is_role_change ? access.ChangeRole(*id, *body->role, std::move(audit))
                                  : access.DisableStaff(*id, std::move(audit)));
        return true;
    });
    if (!done) {
        respond(api::Problem(done.error(), request));
        return;
    }
    auto staff = deps.access.Run<std::optional<access::StaffInfo>>(
        [&id](access::Access& access) { return access.FindStaff(*id); });
    if (!staff) {
        respond(api::Problem(staff.error(), request));
        return;
    }
    if (!*staff) {
        respond(api::Problem(MakeError(ErrorCode::kUnknownStaff, "No staff account has this id."),
                             request));
        return;
    }
    respond(api::HttpResponse::Json(200, StaffJson(**staff).dump()));
}

// -- TOTP and passwords (any session)

void PostTotpEnroll(Deps& deps,
                    const RequestContext& context,
                    const api::HttpRequest& request,
                    api::Responder respond) {
    std::string field;
    if (auto parsed = ParseObject(BodyOrEmptyObject(request), {}, &field); !parsed) {
        respond(api::Problem(parsed.error(), request, field));
        return;
    }
    auto enrolment = deps.access.Run<access::TotpEnrolment>([&context](access::Access& access) {
        return access.BeginTotpEnrolment(*context.principal);
    });
    if (!enrolment) {
        respond(api::Problem(enrolment.error(), request));
        return;
    }
    const nlohmann::json document = {{"secret", enrolment->secret_base32},
                                     {"otpauth_uri", enrolment->otpauth_uri}};
    respond(api::HttpResponse::Json(200, document.dump()));
}

void PostTotpConfirm(Deps& deps,
                     const RequestContext& context,
                     const api::HttpRequest& request,
                     api::Responder respond) {
    std::string field;
    auto body = ParseObject(request.body, {"code"}, &field);
    auto code = body ? ReadString(*body, "code", 1, 16, &field) : Result<std::string>(body.error());
    if (!code) {
        respond(api::Problem(code.error(), request, field));
        return;
    }
    auto codes = deps.access.Run<std::vector<std::string>>(
        [&](access::Access& access) { return access.ConfirmTotp(*context.principal, *code); });
    if (!codes) {
        const bool is_code = codes.error().code == ErrorCode::kUnauthenticated;
        respond(api::Problem(is_code ? MakeError(ErrorCode::kUnauthenticated,
                                                 "The code is wrong or was used already.")
                                     : codes.error(),
                             request,
                             is_code ? "code" : ""));
        return;
    }
    const bool is_staff = context.principal->kind == access::SubjectKind::kStaff;
    const nlohmann::json document = {{"recovery_codes", *codes}, {"sessions_ended", is_staff}};
    api::HttpResponse response = api::HttpResponse::Json(200, document.dump());
    if (is_staff) {
        // Confirming ends the enrolment session: the next login needs a code.
        response.headers.emplace_back("Set-Cookie",
                                      std::string(kSessionCookie) + std::string(kClearCookie));
    }
    respond(std::move(response));
}

void PostPassword(Deps& deps,
                  const RequestContext& context,
                  const api::HttpRequest& request,
                  api::Responder respond) {
    std::string field;
    auto body = ParsePair(
        request.body, "current_password", limits::kPasswordBytesMax, "new_password", &field);
    if (!body) {
        respond(api::Problem(body.error(), request, field));
        return;
    }
    RunPasswordJob(
        deps,
        request,
        std::move(respond),
        [&deps, &request, principal = *context.principal, body = std::move(*body)] {
            auto changed = deps.access.Run<bool>([&](access::Access& access) -> Result<bool> {
                CANDOR_TRY(access.ChangePassword(principal, body.first, body.password));
                return true;
            });
            if (!changed) {
                return api::Problem(
                    changed.error(),
                    request,
                    changed.error().code == ErrorCode::kUnauthenticated ? "current_password" : "");
            }
            // Every session of the account ended, this one too.
            return NoContentClearingCookie();
        });
}

// -- Member credentials

void PostCredentials(Deps& deps,
                     const RequestContext& /*context*/,
                     const api::HttpRequest& request,
                     api::Responder respond) {
    std::string field;
    auto body = ParsePair(request.body, "login", limits::kLoginBytesMax, "password", &field);
    if (!body) {
        respond(api::Problem(body.error(), request, field));
        return;
    }
    auto member = ResolveMember(deps, request.Param("id"));
    if (!member) {
        respond(api::Problem(member.error(), request));
        return;
    }
    RunPasswordJob(
        deps,
        request,
        std::move(respond),
        [&deps, &request, member = *member, body = std::move(*body)] {
            auto enrolled = deps.access.Run<bool>([&](access::Access& access) -> Result<bool> {
                CANDOR_TRY(access.EnrolCredentials(member, body.first, body.password));
                return true;
            });
            if (!enrolled) {
                // Whether the login or the member is taken is not told apart: either way the
                // answer would otherwise confirm that someone has that email or phone.
                const bool is_taken = enrolled.error().code == ErrorCode::kAlreadyExists;
                return api::Problem(
                    is_taken ? MakeError(ErrorCode::kAlreadyExists,
                                         "The member has a login already, or the login is taken.")
                             : enrolled.error(),
                    request,
                    enrolled.error().code == ErrorCode::kInvalidArgument ? "login" : "");
            }
            const nlohmann::json document = {{"member", request.Param("id")}, {"has_login", true}};
            return api::HttpResponse::Json(201, document.dump());
        });
}

// -- Audit log

void GetAudit(Deps& deps,
              const RequestContext& /*context*/,
              const api::HttpRequest& request,
              api::Responder respond) {
    std::string field;
    auto page = ReadPageQuery(request, kPageDefault, limits::kListPageMax, &field);
    if (!page) {
        respond(api::Problem(page.error(), request, field));
        return;
    }
    // Newest first: the cursor is the last (oldest) id of the page, and the next page is older.
    auto rows = deps.access.Run<std::vector<access::AuditRow>>([&page](access::Access& access) {
        return access.ListAudit(page->after_id, page->limit + 1);
    });
    if (!rows) {
        respond(api::Problem(rows.error(), request));
        return;
    }
    nlohmann::json next_cursor =
        TakePage(&*rows, page->limit, [](const access::AuditRow& row) { return row.id; });
    nlohmann::json rendered = nlohmann::json::array();
    for (const access::AuditRow& row : *rows) {
        rendered.push_back({{"id", std::to_string(row.id)},
                            {"at", FormatRfc3339(row.at)},
                            {"actor", {{"kind", row.actor_kind}, {"id", row.actor_id}}},
                            {"action", row.action},
                            {"target", row.target},
                            {"reason", row.reason},
                            {"request_id", row.request_id}});
    }
    const nlohmann::json document = {{"events", std::move(rendered)},
                                     {"next_cursor", std::move(next_cursor)}};
    respond(api::HttpResponse::Json(200, document.dump()));
}

}  // namespace

access::AuditRow AuditOf(const RequestContext& context,
                         const api::HttpRequest& request,
                         std::string_view action,
                         std::string_view reason) {
    access::AuditRow row;
    if (context.key) {
        row.actor_kind = "key";
        row.actor_id = context.key->public_id;
    } else if (context.principal && context.principal->kind == access::SubjectKind::kStaff) {
        row.actor_kind = "staff";
        row.actor_id = std::to_string(context.principal->staff.value());
    } else {
        row.actor_kind = "member";
        row.actor_id = context.principal ? std::to_string(context.principal->member.value()) : "";
    }
    row.action = std::string(action);
    row.reason = std::string(reason);
    row.request_id = request.request_id;
    return row;
}

void RegisterStaff(api::Router& router, Deps& deps) {
    const auto route = [&router, &deps](
                           std::string_view method, std::string_view pattern, DepsHandler handler) {
        AddRoute(router, deps, method, pattern, handler);
    };
    route("POST", "/v1/staff", PostStaff);
    route("GET", "/v1/staff", ListStaff);
    route("POST",
          "/v1/staff/{id}/disable",
          [](Deps& d, const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
              PostStaffAction(d, c, r, std::move(respond), false);
          });
    route("POST",
          "/v1/staff/{id}/role",
          [](Deps& d, const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
              PostStaffAction(d, c, r, std::move(respond), true);
          });
    route("POST", "/v1/auth/totp/enroll", PostTotpEnroll);
    route("POST", "/v1/auth/totp/confirm", PostTotpConfirm);
    route("POST", "/v1/auth/password", PostPassword);
    route("POST", "/v1/members/{id}/credentials", PostCredentials);
    route("GET", "/v1/audit", GetAudit);
}

}  // namespace candor::app
