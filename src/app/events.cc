#include "app/events.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/limits.h"

namespace candor::app {
namespace {

constexpr std::string_view kClientId = "default";
constexpr std::int64_t kMinorPerPoint = 100;

Error Invalid(std::string message) {
    return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

}  // namespace

std::int64_t PointsForPurchase(std::int64_t amount_minor) {
    return amount_minor / kMinorPerPoint;
}

namespace {

// Each reader sets *field to its member's name before it looks, so an error names it.
Result<std::string> ReadId(const nlohmann::json& json, std::string* field) {
    *field = "id";
    const auto id = json.find("id");
    if (id == json.end()) {
        return Invalid("Missing: a string, the event's idempotency key.");
    }
    if (!id->is_string()) {
        return Invalid("Must be a string.");
    }
    std::string value = id->get<std::string>();
    if (value.empty() || value.size() > limits::kIdempotencyKeyBytesMax) {
        return Invalid("Must be 1-" + std::to_string(limits::kIdempotencyKeyBytesMax) + " bytes.");
    }
    return value;
}

Status ReadType(const nlohmann::json& json, std::string* field) {
    *field = "type";
    const auto type = json.find("type");
    if (type == json.end()) {
        return Invalid("Missing: the event type.");
    }
    if (!type->is_string()) {
        return Invalid("Must be a string.");
    }
    if (type->get<std::string>() != "purchase") {
        return Invalid("Only \"purchase\" is supported for now.");
    }
    return Ok();
}

// A JSON integer as int64; `too_large` when it is an unsigned value beyond INT64_MAX.
Result<std::int64_t> ReadInteger(const nlohmann::json& json,
                                 std::string_view name,
                                 std::string_view what,
                                 Error too_large) {
    const auto value = json.find(name);
    if (value == json.end()) {
        return Invalid("Missing: " + std::string(what) + ".");
    }
    if (!value->is_number_integer()) {
        return Invalid("Must be an integer: " + std::string(what) + ".");
    }
    if (value->is_number_unsigned() && value->get<std::uint64_t>() > INT64_MAX) {
        return too_large;
    }
    return value->get<std::int64_t>();
}

}  // namespace

Result<PurchaseEvent> ParsePurchaseEvent(std::string_view body, std::string* field) {
    // No exceptions: a parse error gives a discarded value.
    const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
    *field = "body";
    if (json.is_discarded()) {
        return Invalid("The body is not valid JSON (or not valid UTF-8).");
    }
    if (!json.is_object()) {
        return Invalid("The body must be a JSON object.");
    }
    for (const auto& [key, unused] : json.items()) {
        if (key != "id" && key != "member" && key != "type" && key != "amount") {
            *field = key;
            return Invalid("Unknown field.");
        }
    }
    PurchaseEvent event;
    CANDOR_ASSIGN_OR_RETURN(event.id, ReadId(json, field));
    CANDOR_TRY(ReadType(json, field));

    *field = "member";
    const Error unknown_member = MakeError(ErrorCode::kUnknownMember, "No member has this id.");
    CANDOR_ASSIGN_OR_RETURN(const std::int64_t member,
                            ReadInteger(json, "member", "the member id", unknown_member));
    if (member <= 0 || member > ledger::kMemberIdMax) {
        return unknown_member;
    }
    event.member = MemberId(member);

    *field = "amount";
    const Error bad_amount =
        MakeError(ErrorCode::kInvalidAmount, "Must be positive and fit in 64 bits.");
    CANDOR_ASSIGN_OR_RETURN(event.amount_minor,
                            ReadInteger(json, "amount", "the amount in minor units", bad_amount));
    if (event.amount_minor <= 0) {
        return bad_amount;
    }
    field->clear();
    return event;
}

void RegisterEvents(api::Router& router, ledger::Committer& committer) {
    router.Add(
        "POST",
        "/v1/events",
        [&committer](const api::HttpRequest& request, api::Responder respond) {
            std::string field;
            auto event = ParsePurchaseEvent(request.body, &field);
            if (!event) {
                respond(api::Problem(event.error(), request, field));
                return;
            }
            const std::int64_t points = PointsForPurchase(event->amount_minor);
            if (points == 0) {
                // TODO(#3): the program engine decides; until then a purchase under 100 minor
                // units earns nothing and writes nothing.
                respond(
                    api::HttpResponse::Json(200, R"({"entry":null,"points":0,"replay":false})"));
                return;
            }
            ledger::Earn earn;
            earn.member = event->member;
            earn.points = Amount(points);
            ledger::Request command{std::string(kClientId), std::move(event->id), std::move(earn)};
            // The Committer answers on its own thread; the Responder posts the answer back to the
            // connection. The request stays valid until then.
            // Committer::Callback is a std::function, which must be copyable: share the Responder.
            auto shared = std::make_shared<api::Responder>(std::move(respond));
            committer.Submit(
                std::move(command), [&request, points, shared](Result<ledger::Outcome> outcome) {
                    if (!outcome) {
                        const bool is_member = outcome.error().code == ErrorCode::kUnknownMember;
                        (*shared)(
                            api::Problem(outcome.error(), request, is_member ? "member" : ""));
                        return;
                    }
                    const nlohmann::json document = {
                        {"entry",
                         outcome->entry ? nlohmann::json(outcome->entry->id.value())
                                        : nlohmann::json(nullptr)},
                        {"points", points},
                        {"replay", outcome->is_replay}};
                    (*shared)(
                        api::HttpResponse::Json(outcome->is_replay ? 200 : 201, document.dump()));
                });
        });
}

}  // namespace candor::app
