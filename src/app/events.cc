// POST /v1/events and POST /v1/events:batch.
#include "app/events.h"

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "app/http_json.h"
#include "app/routes.h"
#include "core/limits.h"

namespace candor::app {
namespace {

constexpr std::int64_t kMinorPerPoint = 100;

}  // namespace

std::int64_t PointsForPurchase(std::int64_t amount_minor) {
    return amount_minor / kMinorPerPoint;
}

Result<PurchaseEvent> ReadPurchaseEvent(const nlohmann::json& json, std::string* field) {
    CANDOR_TRY(CheckObject(json, {"id", "member", "type", "amount", "store", "channel"}, field));
    PurchaseEvent event;
    CANDOR_ASSIGN_OR_RETURN(event.id,
                            ReadString(json, "id", 1, limits::kIdempotencyKeyBytesMax, field));
    CANDOR_ASSIGN_OR_RETURN(const std::string type, ReadString(json, "type", 1, 64, field));
    if (type != "purchase") {
        return Invalid("Only \"purchase\" is supported for now.");
    }
    CANDOR_ASSIGN_OR_RETURN(event.member,
                            ReadString(json, "member", 1, limits::kPublicIdBytesMax, field));
    CANDOR_ASSIGN_OR_RETURN(event.amount_minor, ReadPositiveInteger(json, "amount", field));
    field->clear();
    return event;
}

Result<PurchaseEvent> ParsePurchaseEvent(std::string_view body, std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(
        const nlohmann::json json,
        ParseObject(body, {"id", "member", "type", "amount", "store", "channel"}, field));
    return ReadPurchaseEvent(json, field);
}

namespace {

// Earns for one decoded event and answers through `respond`: 201 with the entry, 200 for a
// replay or a purchase too small to earn, or a problem.
void SubmitEvent(Deps& deps,
                 const RequestContext& context,
                 const api::HttpRequest& request,
                 api::Responder respond,
                 PurchaseEvent event) {
    auto member = ResolveMember(deps, event.member);
    if (!member) {
        respond(api::Problem(member.error(), request, "member"));
        return;
    }
    const std::int64_t points = PointsForPurchase(event.amount_minor);
    if (points == 0) {
        // TODO(#3): the program engine decides; until then a purchase under 100 minor units
        // earns nothing and writes nothing.
        respond(api::HttpResponse::Json(200, R"({"entry":null,"points":0,"replay":false})"));
        return;
    }
    ledger::Earn earn;
    earn.member = *member;
    earn.points = Amount(points);
    ledger::Request command{context.client_id, std::move(event.id), std::move(earn)};
    SubmitWrite(
        deps,
        request,
        std::move(respond),
        std::move(command),
        [points, member = *member](const ledger::Outcome& outcome) {
            const nlohmann::json document = {
                {"entry", outcome.entry ? RenderEntry(*outcome.entry, member) : nlohmann::json()},
                {"points", points},
                {"replay", outcome.is_replay}};
            return api::HttpResponse::Json(outcome.is_replay ? 200 : 201, document.dump());
        },
        "member");
}

// The event of `json` with its place resolved against the caller's key binding.
Result<PurchaseEvent> ReadBoundEvent(const RequestContext& context,
                                     const nlohmann::json& json,
                                     std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(PurchaseEvent event, ReadPurchaseEvent(json, field));
    CANDOR_ASSIGN_OR_RETURN(Place place, ResolvePlace(context, json, field));
    event.store = std::move(place.store);
    event.channel = std::move(place.channel);
    return event;
}

void PostEvent(Deps& deps,
               const RequestContext& context,
               const api::HttpRequest& request,
               api::Responder respond) {
    std::string field;
    auto json =
        ParseObject(request.body, {"id", "member", "type", "amount", "store", "channel"}, &field);
    if (!json) {
        respond(api::Problem(json.error(), request, field));
        return;
    }
    auto event = ReadBoundEvent(context, *json, &field);
    if (!event) {
        respond(api::Problem(event.error(), request, field));
        return;
    }
    // The event's id is its idempotency key. A client that also sends the header means the same
    // key; a different one is a client bug that would otherwise silently pick one of the two.
    const std::string_view header = request.Header("idempotency-key");
    if (!header.empty() && header != event->id) {
        respond(api::Problem(Invalid("Must equal the event's id, or be left out: the id is the "
                                     "idempotency key of an event."),
                             request,
                             "Idempotency-Key"));
        return;
    }
    SubmitEvent(deps, context, request, std::move(respond), std::move(*event));
}

// The answers of a batch's events, in order; the last one to arrive answers the request.
class BatchResults {
public:
    BatchResults(std::size_t count, api::Responder respond)
        : results_(count), pending_(count + 1), respond_(std::move(respond)) {}

    // Records item `index`'s answer: its status, then either the problem or the body's fields.
    void Complete(std::size_t index, const api::HttpResponse& response) {
        nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
        nlohmann::json item = {{"status", response.status}};
        if (response.status >= 400) {
            item["problem"] = std::move(body);
        } else if (body.is_object()) {
            item.update(body);
        }
        const std::lock_guard lock(mutex_);
        results_[index] = std::move(item);
        Finish();
    }

    // Called once every event has been submitted, so the answer cannot leave early.
    void Submitted() {
        const std::lock_guard lock(mutex_);
        Finish();
    }

private:
    void Finish() {
        if (--pending_ > 0) {
            return;
        }
        const nlohmann::json document = {{"results", std::move(results_)}};
        respond_(api::HttpResponse::Json(207, document.dump()));
    }

    std::mutex mutex_;
    std::vector<nlohmann::json> results_;
    std::size_t pending_;
    api::Responder respond_;
};

void PostEventBatch(Deps& deps,
                    const RequestContext& context,
                    const api::HttpRequest& request,
                    api::Responder respond) {
    std::string field;
    auto body = ParseObject(request.body, {"events"}, &field);
    if (!body) {
        respond(api::Problem(body.error(), request, field));
        return;
    }
    const auto events = body->find("events");
    if (events == body->end() || !events->is_array() || events->empty() ||
        events->size() > limits::kEventsBatchMax) {
        respond(api::Problem(Invalid("Must be an array of 1-" +
                                     std::to_string(limits::kEventsBatchMax) + " events."),
                             request,
                             "events"));
        return;
    }
    auto results = std::make_shared<BatchResults>(events->size(), std::move(respond));
    for (std::size_t i = 0; i < events->size(); ++i) {
        api::Responder item(
            [results, i](api::HttpResponse response) { results->Complete(i, response); });
        auto event = ReadBoundEvent(context, (*events)[i], &field);
        if (!event) {
            // The field is relative to the event; its position in the array says which one.
            item(api::Problem(event.error(), request, field));
            continue;
        }
        SubmitEvent(deps, context, request, std::move(item), std::move(*event));
    }
    results->Submitted();
}

}  // namespace

void RegisterEvents(api::Router& router, Deps& deps) {
    AddRoute(router,
             deps,
             "POST",
             "/v1/events",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 PostEvent(deps, c, r, std::move(respond));
             });
    AddRoute(router,
             deps,
             "POST",
             "/v1/events:batch",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 PostEventBatch(deps, c, r, std::move(respond));
             });
}

}  // namespace candor::app
