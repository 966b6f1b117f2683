// Two-phase spending: POST /v1/holds (authorize), POST /v1/holds/{id}/capture and
// POST /v1/holds/{id}/void. A hold's id is the id of its hold entry.
#include <chrono>
#include <utility>

#include "app/http_json.h"
#include "app/routes.h"
#include "core/assert.h"
#include "core/limits.h"

namespace candor::app {
namespace {

// The ledger's default LedgerOptions::hold_timeout_max, 30 days, checked here so the client
// learns the range; the ledger checks again.
constexpr std::int64_t kHoldTimeoutSecondsMax = std::int64_t{30} * 24 * 60 * 60;

api::HttpResponse EntryAnswer(const ledger::Outcome& outcome, int created_status) {
    const nlohmann::json document = {
        {"entry", outcome.entry ? RenderEntry(*outcome.entry) : nlohmann::json()},
        {"replay", outcome.is_replay}};
    return api::HttpResponse::Json(outcome.is_replay ? 200 : created_status, document.dump());
}

struct HoldBody {
    std::string member;
    Asset asset = Asset::kPoints;
    std::int64_t amount = 0;
    std::int64_t timeout_seconds = 0;
    nlohmann::json json;  // for ResolvePlace
};

Result<HoldBody> ParseHoldBody(std::string_view body, std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(
        const nlohmann::json json,
        ParseObject(
            body, {"member", "asset", "amount", "timeout_seconds", "store", "channel"}, field));
    HoldBody hold;
    CANDOR_ASSIGN_OR_RETURN(hold.member,
                            ReadString(json, "member", 1, limits::kPublicIdBytesMax, field));
    CANDOR_ASSIGN_OR_RETURN(hold.asset, ReadAsset(json, "asset", true, field));
    CANDOR_ASSIGN_OR_RETURN(hold.amount, ReadPositiveInteger(json, "amount", field));
    CANDOR_ASSIGN_OR_RETURN(hold.timeout_seconds, ReadInteger(json, "timeout_seconds", field));
    if (hold.timeout_seconds <= 0 || hold.timeout_seconds > kHoldTimeoutSecondsMax) {
        return Invalid("Must be from 1 to " + std::to_string(kHoldTimeoutSecondsMax) + ".");
    }
    hold.json = json;
    field->clear();
    return hold;
}

void PostHold(Deps& deps,
              const RequestContext& context,
              const api::HttpRequest& request,
              api::Responder respond) {
    std::optional<ledger::Request> command = StartWrite(context, request, respond);
    if (!command) {
        return;
    }
    std::string field;
    auto body = ParseHoldBody(request.body, &field);
    if (!body) {
        respond(api::Problem(body.error(), request, field));
        return;
    }
    // The place is kept on the hold, so that a key of another store cannot capture or void it.
    auto place = ResolvePlace(context, body->json, &field);
    if (!place) {
        respond(api::Problem(place.error(), request, field));
        return;
    }
    auto member = ResolveMember(deps, body->member);
    if (!member) {
        respond(api::Problem(member.error(), request, "member"));
        return;
    }
    const Duration timeout = std::chrono::seconds(body->timeout_seconds);
    command->command = ledger::Hold{*member,
                                    body->asset,
                                    Amount(body->amount),
                                    timeout,
                                    "",
                                    std::move(place->store),
                                    std::move(place->channel)};
    SubmitWrite(
        deps,
        request,
        std::move(respond),
        std::move(*command),
        [timeout, member = *member](const ledger::Outcome& outcome) {
            // A hold always writes its entry; a replay returns the first one, whose creation
            // time gives the same expiry as the first answer.
            CANDOR_ASSERT(outcome.entry.has_value());
            const nlohmann::json document = {
                {"id", outcome.entry->id.value()},
                {"expires_at", FormatRfc3339(outcome.entry->created_at + timeout)},
                {"entry", RenderEntry(*outcome.entry, member)},
                {"replay", outcome.is_replay}};
            return api::HttpResponse::Json(outcome.is_replay ? 200 : 201, document.dump());
        },
        "member");
}

// The hold named by the path, or a 404 problem already answered.
std::optional<EntryId> PathHold(const api::HttpRequest& request, api::Responder& respond) {
    std::optional<EntryId> hold = ParseEntryId(request.Param("id"));
    if (!hold) {
        respond(api::Problem(MakeError(ErrorCode::kUnknownHold, "No hold has this id."), request));
    }
    return hold;
}

// Whether the caller may act on `hold`: a key bound to a store (channel) only on holds placed
// for that store (channel), so a hold placed for none is refused too; unbound keys and sessions
// on any hold. kForbidden naming *field "store" or "channel". An unknown hold passes, for the
// ledger to answer kUnknownHold. A hold's place never changes, so reading it before the command
// runs cannot race with another request.
Status CheckHoldPlace(Deps& deps, const RequestContext& context, EntryId hold, std::string* field) {
    if (!context.key ||
        (context.key->store_binding.empty() && context.key->channel_binding.empty())) {
        return Ok();
    }
    CANDOR_ASSIGN_OR_RETURN(const std::optional<store::HoldRow> row,
                            deps.reads.RunOnStore<std::optional<store::HoldRow>>(
                                [hold](store::Store& store) { return store.LoadHold(hold); }));
    if (!row) {
        return Ok();
    }
    auto refuse = [field](std::string_view name) {
        *field = std::string(name);
        return MakeError(ErrorCode::kForbidden, "This key acts only for its own " + *field + ".");
    };
    if (!context.key->store_binding.empty() && context.key->store_binding != row->store) {
        return refuse("store");
    }
    if (!context.key->channel_binding.empty() && context.key->channel_binding != row->channel) {
        return refuse("channel");
    }
    return Ok();
}

// The hold named by the path when the caller may act on it (CheckHoldPlace), or std::nullopt
// after answering 404 or 403.
std::optional<EntryId> PathHoldOfCaller(Deps& deps,
                                        const RequestContext& context,
                                        const api::HttpRequest& request,
                                        api::Responder& respond) {
    std::optional<EntryId> hold = PathHold(request, respond);
    if (!hold) {
        return std::nullopt;
    }
    std::string field;
    if (Status allowed = CheckHoldPlace(deps, context, *hold, &field); !allowed) {
        respond(api::Problem(allowed.error(), request, field));
        return std::nullopt;
    }
    return hold;
}

// An optional body: no bytes at all mean {}.
std::string_view BodyOrEmptyObject(const api::HttpRequest& request) {
    return request.body.empty() ? std::string_view("{}") : std::string_view(request.body);
}

void PostCapture(Deps& deps,
                 const RequestContext& context,
                 const api::HttpRequest& request,
                 api::Responder respond) {
    std::optional<ledger::Request> command = StartWrite(context, request, respond);
    if (!command) {
        return;
    }
    const std::optional<EntryId> hold = PathHoldOfCaller(deps, context, request, respond);
    if (!hold) {
        return;
    }
    std::string field;
    auto body = ParseObject(BodyOrEmptyObject(request), {"amount"}, &field);
    if (!body) {
        respond(api::Problem(body.error(), request, field));
        return;
    }
    ledger::Capture capture;
    capture.hold = *hold;
    if (Has(*body, "amount")) {
        auto amount = ReadPositiveInteger(*body, "amount", &field);
        if (!amount) {
            respond(api::Problem(amount.error(), request, "amount"));
            return;
        }
        capture.amount = Amount(*amount);
    }
    command->command = std::move(capture);
    SubmitWrite(
        deps, request, std::move(respond), std::move(*command), [](const ledger::Outcome& outcome) {
            return EntryAnswer(outcome, 200);
        });
}

void PostVoid(Deps& deps,
              const RequestContext& context,
              const api::HttpRequest& request,
              api::Responder respond) {
    std::optional<ledger::Request> command = StartWrite(context, request, respond);
    if (!command) {
        return;
    }
    const std::optional<EntryId> hold = PathHoldOfCaller(deps, context, request, respond);
    if (!hold) {
        return;
    }
    std::string field;
    if (auto body = ParseObject(BodyOrEmptyObject(request), {}, &field); !body) {
        respond(api::Problem(body.error(), request, field));
        return;
    }
    command->command = ledger::Void{*hold};
    SubmitWrite(
        deps, request, std::move(respond), std::move(*command), [](const ledger::Outcome& outcome) {
            return EntryAnswer(outcome, 200);
        });
}

}  // namespace

void RegisterHolds(api::Router& router, Deps& deps) {
    AddRoute(router,
             deps,
             "POST",
             "/v1/holds",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 PostHold(deps, c, r, std::move(respond));
             });
    AddRoute(router,
             deps,
             "POST",
             "/v1/holds/{id}/capture",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 PostCapture(deps, c, r, std::move(respond));
             });
    AddRoute(router,
             deps,
             "POST",
             "/v1/holds/{id}/void",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 PostVoid(deps, c, r, std::move(respond));
             });
}

}  // namespace candor::app
