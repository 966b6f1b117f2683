// POST /v1/events and POST /v1/events:batch.
#include "app/events.h"

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "app/http_json.h"
#include "core/limits.h"

namespace candor::app {

Result<program::Event> ReadBoundEvent(const RequestContext& context,
                                      const nlohmann::json& json,
                                      std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(program::Event event, program::ReadEvent(json, field));
    CANDOR_ASSIGN_OR_RETURN(Place place, ResolvePlace(context, json, field));
    event.store = std::move(place.store);
    event.channel = std::move(place.channel);
    return event;
}

std::string EventFingerprint(const program::Event& event) {
    return program::EventJson(event).dump();
}

nlohmann::json EventAnswer(const std::optional<journal::Entry>& entry,
                           MemberId member,
                           const EntryTexts& texts,
                           bool is_replay) {
    const EntryAmounts amounts = entry ? AmountsOf(*entry, member) : EntryAmounts{};
    return {{"entry", entry ? RenderEntry(*entry, member) : nlohmann::json()},
            {"points", amounts.points},
            {"status", amounts.status},
            {"cashback", amounts.cashback},
            {"program_version",
             texts.program_version ? nlohmann::json(*texts.program_version) : nlohmann::json()},
            {"explanation", {{"ru", texts.ru}, {"en", texts.en}}},
            {"replay", is_replay}};
}

namespace {

// The texts of an event's answer: what this request decided (Explain words it as ExplainMeta
// words the entry's meta, without parsing it back), or for a replay the stored entry's
// explanation through the cache and a read connection.
EntryTexts AnswerTexts(Deps& deps,
                       const program::Event& event,
                       const EventResult& result,
                       const ledger::Outcome& outcome) {
    if (!outcome.is_replay && result.program) {
        if (!result.decision) {  // a refund of a purchase that earned nothing
            return EntryTexts{
                result.program->version(),
                "Возврат учтён: покупка ничего не начислила, списывать нечего.",
                "Refund recorded: the purchase earned nothing, so nothing is reversed."};
        }
        return EntryTexts{
            result.program->version(),
            program::Explain(*result.program, event, *result.decision, program::Language::kRu),
            program::Explain(*result.program, event, *result.decision, program::Language::kEn)};
    }
    if (outcome.entry) {
        const journal::Entry& entry = *outcome.entry;
        auto texts = deps.reads.RunOnStore<EntryTexts>([&deps, &entry](store::Store& store) {
            return ExplainEntry(store, deps.programs, entry);
        });
        if (texts) {
            return std::move(*texts);
        }
        return EntryTexts{};
    }
    return EntryTexts{std::nullopt,
                      "Событие уже было учтено; оно ничего не начислило.",
                      "This event was recorded before; it earned nothing."};
}

// The field a failed event's problem names: the one the decision named, else by code.
std::string_view ErrorField(const Error& error, const EventResult& result) {
    if (!result.field.empty()) {
        return result.field;
    }
    switch (error.code) {
        case ErrorCode::kUnknownMember:
            return "member";
        case ErrorCode::kIdempotencyConflict:
            return "id";
        case ErrorCode::kUnknownEntry:
            return "original";
        case ErrorCode::kReversalExceedsOriginal:
            return "amount";
        default:
            return {};
    }
}

// Earns for one decoded event and answers through `respond`: 201 with the entry, 200 for a
// replay or an event that earned nothing, or a problem.
void SubmitEvent(Deps& deps,
                 const RequestContext& context,
                 const api::HttpRequest& request,
                 api::Responder respond,
                 program::Event event) {
    const std::string_view public_id = event.member;
    auto member = deps.reads.Run<std::optional<store::MemberRow>>(
        [public_id](ledger::Ledger& ledger) { return ledger.FindMember(public_id); });
    if (!member || !*member) {
        respond(api::Problem(member ? MakeError(ErrorCode::kUnknownMember, "No member has this id.")
                                    : member.error(),
                             request,
                             "member"));
        return;
    }
    ledger::Decide decide;
    decide.fingerprint = EventFingerprint(event);
    if (ToMicros(event.occurred_at) == 0) {
        event.occurred_at = deps.clock.Now();
    }
    std::string key = event.id;
    auto job = std::make_shared<const EventRequest>(
        EventRequest{context.client_id, **member, std::move(event), deps.default_time_zone});
    // Written by the decision on the committer thread, read by the callback on the same thread.
    auto result = std::make_shared<EventResult>();
    decide.decide = [&deps, job, result](store::Store& store, Timestamp now) {
        return DecideEvent(store, deps.programs, *job, now, result.get());
    };
    // Committer::Callback is a std::function, which must be copyable: share the Responder.
    auto shared = std::make_shared<api::Responder>(std::move(respond));
    deps.committer.Submit(
        ledger::Request{context.client_id, std::move(key), std::move(decide)},
        [&deps, &request, shared, job, result](Result<ledger::Outcome> outcome) {
            if (!outcome) {
                // Messages the decision wrote are for clients; the ledger's are replaced by the
                // code's meaning.
                const Error error =
                    result->field.empty() ? ClientError(outcome.error()) : outcome.error();
                (*shared)(api::Problem(error, request, ErrorField(outcome.error(), *result)));
                return;
            }
            const EntryTexts texts = AnswerTexts(deps, job->event, *result, *outcome);
            const nlohmann::json document =
                EventAnswer(outcome->entry, job->member.id, texts, outcome->is_replay);
            const int status = outcome->is_replay || !outcome->entry ? 200 : 201;
            (*shared)(api::HttpResponse::Json(status, document.dump()));
        });
}

void PostEvent(Deps& deps,
               const RequestContext& context,
               const api::HttpRequest& request,
               api::Responder respond) {
    std::string field;
    auto json = ParseJson(request.body, &field);
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

    // Records item `index`'s answer: its HTTP status, then the problem or the answer as
    // POST /v1/events gives it ("result": the answer has a "status" of its own, status points).
    void Complete(std::size_t index, const api::HttpResponse& response) {
        nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
        nlohmann::json item = {{"status", response.status}};
        item[response.status >= 400 ? "problem" : "result"] = std::move(body);
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
