// POST /v1/program/simulate: events decided against the program in force, a published version
// or the draft, for a member's stored facts and counters (read-only) or for given facts, with
// every rule that did not fire and why. It reads what the real earning reads and applies the
// same changes (earning.h), in memory: a run of events decides each one on what the ones before
// it left, as earning them for real would. Nothing is written. docs/api.md, "Simulate".
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "app/earning.h"
#include "app/http_json.h"
#include "app/routes.h"
#include "config/config.h"
#include "core/limits.h"

namespace candor::app {
namespace {

// Which program a simulation runs: the one in force, a published version, or the draft.
struct ProgramChoice {
    std::optional<std::int64_t> version;
    bool is_draft = false;
};

struct SimulateRequest {
    std::vector<nlohmann::json> events;
    std::string events_field;  // "event" or "events": the prefix of an event's fields
    bool is_list = false;
    ProgramChoice program;
    std::string member;                 // "" when not given
    std::optional<MemberRecord> facts;  // given facts, when the body has them
};

Result<Timestamp> ReadTime(const nlohmann::json& json, std::string_view name, std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(const std::string text, ReadString(json, name, 1, 64, field));
    Timestamp t;
    if (!ParseRfc3339(text, &t)) {
        return Invalid("Must be an RFC 3339 date-time with an offset.");
    }
    return t;
}

Result<std::int64_t> ReadCount(const nlohmann::json& json,
                               std::string_view name,
                               std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(const std::int64_t value, ReadInteger(json, name, field));
    if (value < 0) {
        return Invalid("Must not be negative.");
    }
    return value;
}

bool IsBirthday(std::string_view text) {
    if (text.size() != 5 || text[2] != '-') {
        return false;
    }
    for (const std::size_t i : {0U, 1U, 3U, 4U}) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
    }
    const int month = (text[0] - '0') * 10 + (text[1] - '0');
    const int day = (text[3] - '0') * 10 + (text[4] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// The given facts: {"tier", "purchases_count", "visits_count", "status_points",
// "points_balance", "spend_total", "enrolled_at", "last_purchase_at", "time_zone", "birthday",
// "segments"}, each optional. *field names the offending member ("facts.tier").
Result<MemberRecord> ReadFacts(const nlohmann::json& json,
                               std::string_view default_time_zone,
                               std::string* field) {
    CANDOR_TRY(CheckObject(json,
                           {"tier",
                            "purchases_count",
                            "visits_count",
                            "status_points",
                            "points_balance",
                            "spend_total",
                            "enrolled_at",
                            "last_purchase_at",
                            "time_zone",
                            "birthday",
                            "segments"},
                           field));
    MemberRecord record;
    record.time_zone = std::string(default_time_zone);
    if (Has(json, "tier")) {
        CANDOR_ASSIGN_OR_RETURN(record.facts.tier,
                                ReadString(json, "tier", 1, limits::kProgramIdBytesMax, field));
    }
    const std::pair<std::string_view, std::int64_t*> counts[] = {
        {"purchases_count", &record.facts.purchases_count},
        {"visits_count", &record.facts.visits_count},
        {"status_points", &record.status_balance},
        {"points_balance", &record.points_balance},
        {"spend_total", &record.spend_total}};
    for (const auto& [name, out] : counts) {
        if (Has(json, name)) {
            CANDOR_ASSIGN_OR_RETURN(*out, ReadCount(json, name, field));
        }
    }
    if (Has(json, "enrolled_at")) {
        CANDOR_ASSIGN_OR_RETURN(record.enrolled_at, ReadTime(json, "enrolled_at", field));
    }
    if (Has(json, "last_purchase_at")) {
        CANDOR_ASSIGN_OR_RETURN(record.facts.last_purchase_at,
                                ReadTime(json, "last_purchase_at", field));
    }
    if (Has(json, "time_zone")) {
        CANDOR_ASSIGN_OR_RETURN(record.time_zone,
                                ReadString(json, "time_zone", 1, limits::kTimeZoneBytesMax, field));
        if (!config::IsTimeZone(record.time_zone)) {
            return Invalid("Must be an IANA time zone name such as Europe/Moscow.");
        }
    }
    if (Has(json, "birthday")) {
        CANDOR_ASSIGN_OR_RETURN(record.birthday, ReadString(json, "birthday", 5, 5, field));
        if (!IsBirthday(record.birthday)) {
            return Invalid("Must be MM-DD.");
        }
    }
    if (Has(json, "segments")) {
        *field = "segments";
        const nlohmann::json& segments = json["segments"];
        if (!segments.is_array() || segments.size() > limits::kProgramRulesMax) {
            return Invalid("Must be an array of strings.");
        }
        for (const nlohmann::json& segment : segments) {
            if (!segment.is_string() || segment.get<std::string>().empty() ||
                segment.get<std::string>().size() > limits::kEventFieldBytesMax) {
                return Invalid("Must be an array of strings of 1-64 bytes.");
            }
            record.segments.push_back(segment.get<std::string>());
        }
    }
    field->clear();
    return record;
}

Result<SimulateRequest> ReadSimulateRequest(const Deps& deps,
                                            std::string_view body,
                                            std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(
        const nlohmann::json json,
        ParseObject(body, {"event", "events", "version", "member", "facts"}, field));
    SimulateRequest simulate;
    if (Has(json, "event") == Has(json, "events")) {
        *field = "events";
        return Invalid(R"(Send either "event" (one event) or "events" (a list of them).)");
    }
    if (Has(json, "event")) {
        simulate.events.push_back(json["event"]);
        simulate.events_field = "event";
    } else {
        *field = "events";
        const nlohmann::json& events = json["events"];
        if (!events.is_array() || events.empty() || events.size() > limits::kSimulateEventsMax) {
            return Invalid("Must be an array of 1-" + std::to_string(limits::kSimulateEventsMax) +
                           " events.");
        }
        simulate.events.assign(events.begin(), events.end());
        simulate.events_field = "events";
        simulate.is_list = true;
    }
    if (Has(json, "version")) {
        if (json["version"] == "draft") {
            simulate.program.is_draft = true;
        } else {
            auto version = ReadPositiveInteger(json, "version", field);
            if (!version) {
                return Invalid(R"(Must be a published version's number or "draft".)");
            }
            simulate.program.version = *version;
        }
    }
    if (Has(json, "member") && Has(json, "facts")) {
        *field = "facts";
        return Invalid(R"(Send "member" (their stored facts) or "facts", not both.)");
    }
    if (Has(json, "member")) {
        CANDOR_ASSIGN_OR_RETURN(simulate.member,
                                ReadString(json, "member", 1, limits::kPublicIdBytesMax, field));
    }
    if (Has(json, "facts")) {
        auto facts = ReadFacts(json["facts"], deps.default_time_zone, field);
        if (!facts) {
            *field = field->empty() || *field == "body" ? "facts" : "facts." + *field;
            return std::move(facts).error();
        }
        simulate.facts = std::move(*facts);
    }
    field->clear();
    return simulate;
}

// The program the request names, read through `store`; *field is "version" on an error.
Result<program::Program> ChooseProgram(Deps& deps,
                                       store::Store& store,
                                       const ProgramChoice& choice,
                                       std::string* field) {
    *field = "version";
    if (choice.is_draft) {
        CANDOR_ASSIGN_OR_RETURN(const std::optional<store::ProgramDraftRow> draft,
                                store.LoadProgramDraft());
        if (!draft) {
            return Invalid("No draft has been saved.");
        }
        return program::ParseProgram(draft->document, 0);
    }
    if (choice.version) {
        CANDOR_ASSIGN_OR_RETURN(const std::optional<program::Program> program,
                                deps.programs.Find(store, *choice.version));
        if (!program) {
            return Invalid("No version " + std::to_string(*choice.version) + " was published.");
        }
        return *program;
    }
    field->clear();
    return deps.programs.InForce(store);
}

// Runs the simulation on a read-only connection; *field names what an error is about.
Result<nlohmann::json> Simulate(Deps& deps,
                                store::Store& store,
                                const SimulateRequest& simulate,
                                std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(const program::Program program,
                            ChooseProgram(deps, store, simulate.program, field));
    // The members' records as the simulated events leave them, by member reference; and the
    // simulated purchases, which simulated refunds can reverse.
    std::map<std::string, MemberRecord, std::less<>> records;
    std::map<std::pair<std::string, std::string>, std::int64_t> purchases;
    nlohmann::json results = nlohmann::json::array();
    for (std::size_t i = 0; i < simulate.events.size(); ++i) {
        const std::string prefix = simulate.is_list
                                       ? simulate.events_field + "[" + std::to_string(i) + "]"
                                       : simulate.events_field;
        const auto fail = [&](Error error) -> Error {
            *field = field->empty() || *field == "body" ? prefix : prefix + "." + *field;
            return error;
        };
        nlohmann::json json = simulate.events[i];
        // The event's member may be left out when the body names one or gives facts.
        if (json.is_object() && !Has(json, "member") &&
            (!simulate.member.empty() || simulate.facts)) {
            json["member"] = simulate.facts ? "facts" : simulate.member;
        }
        auto read = program::ReadEvent(json, field);
        if (!read) {
            return fail(std::move(read).error());
        }
        program::Event event = std::move(*read);
        if (ToMicros(event.occurred_at) == 0) {
            event.occurred_at = deps.clock.Now();
        }
        const std::string reference =
            simulate.facts ? std::string()
                           : (simulate.member.empty() ? event.member : simulate.member);
        auto record = records.find(reference);
        if (record == records.end()) {
            MemberRecord loaded;
            if (simulate.facts) {
                loaded = *simulate.facts;
            } else {
                CANDOR_ASSIGN_OR_RETURN(const std::optional<store::MemberRow> row,
                                        store.FindMemberByPublicId(reference));
                if (!row) {
                    *field = simulate.member.empty() ? "member" : "";
                    return fail(MakeError(ErrorCode::kUnknownMember, "No member has this id."));
                }
                CANDOR_ASSIGN_OR_RETURN(loaded,
                                        LoadMemberRecord(store, *row, deps.default_time_zone));
            }
            record = records.emplace(reference, std::move(loaded)).first;
        }
        if (auto checked = program::CheckEvent(program, event, field); !checked) {
            return fail(std::move(checked).error());
        }
        if (event.type == program::EventType::kRefund) {
            const auto original = purchases.find({reference, event.original});
            if (original == purchases.end()) {
                *field = "original";
                return fail(MakeError(ErrorCode::kUnknownEntry,
                                      "A simulated refund reverses a purchase simulated before it "
                                      "in the same request; none has this id."));
            }
            event.original_amount = original->second;
        }
        CANDOR_TRY(LoadEventCounters(store, program, event, &record->second));
        program::EvaluateOptions options;
        options.trace_skipped = true;
        auto decision = program::Evaluate(
            program, event, FactsOf(program, record->second), CountersOf(record->second), options);
        if (!decision) {
            *field = decision.error().code == ErrorCode::kReversalExceedsOriginal ? "amount" : "";
            return fail(std::move(decision).error());
        }
        CANDOR_ASSIGN_OR_RETURN(const Changes changes,
                                ChangesOf(program, event, *decision, record->second));
        Advance(changes, &record->second);
        if (event.type == program::EventType::kPurchase) {
            purchases[{reference, event.id}] = event.amount;
        }
        nlohmann::json result = program::DecisionJson(program, event, *decision);
        result["event"] = event.id;
        results.push_back(std::move(result));
    }
    field->clear();
    nlohmann::json version =
        simulate.program.is_draft ? nlohmann::json("draft") : nlohmann::json(program.version());
    return nlohmann::json{{"version", std::move(version)}, {"results", std::move(results)}};
}

void PostSimulate(Deps& deps,
                  const RequestContext& /*context*/,
                  const api::HttpRequest& request,
                  api::Responder respond) {
    std::string field;
    auto simulate = ReadSimulateRequest(deps, request.body, &field);
    if (!simulate) {
        respond(api::Problem(simulate.error(), request, field));
        return;
    }
    auto answer =
        deps.reads.RunOnStore<nlohmann::json>([&deps, &simulate, &field](store::Store& store) {
            return Simulate(deps, store, *simulate, &field);
        });
    if (!answer) {
        respond(api::Problem(answer.error(), request, field));
        return;
    }
    respond(api::HttpResponse::Json(200, answer->dump()));
}

}  // namespace

void RegisterSimulate(api::Router& router, Deps& deps) {
    AddRoute(router,
             deps,
             "POST",
             "/v1/program/simulate",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 PostSimulate(deps, c, r, std::move(respond));
             });
}

}  // namespace candor::app
