// Corrections: POST /v1/entries/{id}/reverse (a refund's share of an entry) and
// POST /v1/members/{id}/adjustments (a staff correction with a reason).
#include <string>
#include <utility>

#include "app/http_json.h"
#include "app/routes.h"
#include "core/limits.h"

namespace candor::app {
namespace {

Result<ledger::Reverse> ParseReverse(std::string_view body, std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(const nlohmann::json json, ParseObject(body, {"part", "whole"}, field));
    ledger::Reverse reverse;
    CANDOR_ASSIGN_OR_RETURN(reverse.part, ReadPositiveInteger(json, "part", field));
    CANDOR_ASSIGN_OR_RETURN(reverse.whole, ReadInteger(json, "whole", field));
    if (reverse.whole < reverse.part) {
        return MakeError(ErrorCode::kInvalidAmount, "Must be at least part.");
    }
    field->clear();
    return reverse;
}

void PostReverse(Deps& deps,
                 const RequestContext& context,
                 const api::HttpRequest& request,
                 api::Responder respond) {
    std::optional<ledger::Request> command = StartWrite(context, request, respond);
    if (!command) {
        return;
    }
    const std::optional<EntryId> original = ParseEntryId(request.Param("id"));
    if (!original) {
        respond(
            api::Problem(MakeError(ErrorCode::kUnknownEntry, "No entry has this id."), request));
        return;
    }
    std::string field;
    auto reverse = ParseReverse(request.body, &field);
    if (!reverse) {
        respond(api::Problem(reverse.error(), request, field));
        return;
    }
    reverse->original = *original;
    command->command = std::move(*reverse);
    SubmitWrite(
        deps, request, std::move(respond), std::move(*command), [](const ledger::Outcome& outcome) {
            // A share too small to move anything writes no entry: 200 with null.
            const nlohmann::json document = {
                {"entry", outcome.entry ? RenderEntry(*outcome.entry) : nlohmann::json()},
                {"replay", outcome.is_replay}};
            const int status = outcome.is_replay || !outcome.entry ? 200 : 201;
            return api::HttpResponse::Json(status, document.dump());
        });
}

struct AdjustmentBody {
    Asset asset = Asset::kPoints;
    std::int64_t delta = 0;
    std::string reason;
};

Result<AdjustmentBody> ParseAdjustment(std::string_view body, std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(const nlohmann::json json,
                            ParseObject(body, {"asset", "delta", "reason"}, field));
    AdjustmentBody adjustment;
    CANDOR_ASSIGN_OR_RETURN(adjustment.asset, ReadAsset(json, "asset", false, field));
    CANDOR_ASSIGN_OR_RETURN(adjustment.delta, ReadInteger(json, "delta", field));
    if (adjustment.delta == 0 || adjustment.delta == INT64_MIN) {
        return MakeError(ErrorCode::kInvalidAmount, "Must be a nonzero integer.");
    }
    // The reason goes to the audit log with who made the adjustment, never to the journal
    // (which is public through the transparency log) or the log lines.
    CANDOR_ASSIGN_OR_RETURN(adjustment.reason,
                            ReadString(json, "reason", 1, limits::kReasonBytesMax, field));
    field->clear();
    return adjustment;
}

void PostAdjustment(Deps& deps,
                    const RequestContext& context,
                    const api::HttpRequest& request,
                    api::Responder respond) {
    std::optional<ledger::Request> command = StartWrite(context, request, respond);
    if (!command) {
        return;
    }
    std::string field;
    auto body = ParseAdjustment(request.body, &field);
    if (!body) {
        respond(api::Problem(body.error(), request, field));
        return;
    }
    auto member = ResolveMember(deps, request.Param("id"));
    if (!member) {
        respond(api::Problem(member.error(), request));
        return;
    }
    ledger::Adjust adjust;
    adjust.member = *member;
    adjust.asset = body->asset;
    adjust.delta = Amount(body->delta);
    command->command = adjust;
    // The audit row commits in the adjustment's own transaction (ledger::Request::audit): both
    // or neither, and a replay writes no second row.
    command->audit = AuditOf(context, request, "adjustment.create", body->reason);
    command->audit->target = std::string(request.Param("id"));
    SubmitWrite(
        deps,
        request,
        std::move(respond),
        std::move(*command),
        [member = *member](const ledger::Outcome& outcome) {
            const nlohmann::json document = {
                {"entry", outcome.entry ? RenderEntry(*outcome.entry, member) : nlohmann::json()},
                {"replay", outcome.is_replay}};
            return api::HttpResponse::Json(outcome.is_replay ? 200 : 201, document.dump());
        });
}

}  // namespace

void RegisterEntries(api::Router& router, Deps& deps) {
    AddRoute(router,
             deps,
             "POST",
             "/v1/entries/{id}/reverse",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 PostReverse(deps, c, r, std::move(respond));
             });
    AddRoute(router,
             deps,
             "POST",
             "/v1/members/{id}/adjustments",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 PostAdjustment(deps, c, r, std::move(respond));
             });
}

}  // namespace candor::app
