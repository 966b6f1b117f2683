// Members: POST /v1/members, GET and PATCH /v1/members/{id} (the member and its settings),
// GET /v1/members/{id}/balance and GET /v1/members/{id}/history (each entry explained in the
// member's language and both languages, and marked with its transparency-log index, when it has
// one, and whether a signed tree head covers it). Members are addressed by their public id,
// never by the internal integer.
#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "app/earning.h"
#include "app/http_json.h"
#include "app/routes.h"
#include "config/config.h"
#include "core/limits.h"
#include "crypto/crypto.h"

namespace candor::app {
namespace {

constexpr std::size_t kGeneratedIdHexDigits = 16;
// The languages of explanations and notices; the first is the default.
constexpr std::array<std::string_view, 2> kLanguages = {"ru", "en"};

// The ledger's rule for public ids: 1-64 characters from [A-Za-z0-9_.:-].
bool IsPublicId(std::string_view id) {
    if (id.empty() || id.size() > limits::kPublicIdBytesMax) {
        return false;
    }
    for (const char c : id) {
        const bool is_allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
                                c == '-';
        if (!is_allowed) {
            return false;
        }
    }
    return true;
}

// "m_" and 16 hex digits of SHA-256(client id, key). Derived from the idempotency key rather
// than drawn at random so that a retried enrolment is the same command and replays instead of
// conflicting with itself. Two keys colliding in 64 bits answer already-exists.
std::string GeneratePublicId(std::string_view client_id, std::string_view key) {
    std::string input(client_id);
    input.push_back('\n');
    input.append(key);
    const std::vector<std::uint8_t> bytes(input.begin(), input.end());
    const crypto::Sha256Digest digest = crypto::Sha256(bytes);
    constexpr std::string_view kHex = "0123456789abcdef";
    std::string id = "m_";
    for (std::size_t i = 0; i < kGeneratedIdHexDigits / 2; ++i) {
        id.push_back(kHex[digest[i] >> 4]);
        id.push_back(kHex[digest[i] & 0x0f]);
    }
    return id;
}

Result<store::MemberRow> LoadMember(Deps& deps, std::string_view public_id) {
    CANDOR_ASSIGN_OR_RETURN(
        const std::optional<store::MemberRow> member,
        deps.reads.Run<std::optional<store::MemberRow>>(
            [public_id](ledger::Ledger& ledger) { return ledger.FindMember(public_id); }));
    if (!member) {
        return MakeError(ErrorCode::kUnknownMember, "No member has this id.");
    }
    return *member;
}

// The member with its settings as they apply: the member's own, or the defaults where it chose
// none.
nlohmann::json MemberJson(const Deps& deps, const store::MemberRow& member) {
    const store::MemberSettings& settings = member.settings;
    return {
        {"id", member.public_id},
        {"created_at", FormatRfc3339(member.created_at)},
        {"language", settings.language.empty() ? kLanguages[0] : settings.language},
        {"time_zone", settings.time_zone.empty() ? deps.default_time_zone : settings.time_zone}};
}

void Enrol(Deps& deps,
           const RequestContext& context,
           const api::HttpRequest& request,
           api::Responder respond) {
    std::optional<ledger::Request> command = StartWrite(context, request, respond);
    if (!command) {
        return;
    }
    std::string field;
    auto body = ParseObject(request.body, {"id"}, &field);
    if (!body) {
        respond(api::Problem(body.error(), request, field));
        return;
    }
    std::string public_id;
    if (Has(*body, "id")) {
        auto id = ReadString(*body, "id", 1, limits::kPublicIdBytesMax, &field);
        if (!id || !IsPublicId(*id)) {
            respond(api::Problem(
                id ? Invalid("Must be 1-64 characters from [A-Za-z0-9_.:-].") : id.error(),
                request,
                "id"));
            return;
        }
        public_id = std::move(*id);
    } else {
        public_id = GeneratePublicId(command->client_id, command->idempotency_key);
    }
    command->command = ledger::EnrolMember{public_id};
    SubmitWrite(
        deps,
        request,
        std::move(respond),
        std::move(*command),
        [&deps, &request, public_id](const ledger::Outcome& outcome) {
            // The outcome names the member but not its creation time: read it back (the
            // commit is durable, so a fresh read sees it).
            auto member = LoadMember(deps, public_id);
            if (!member) {
                return api::Problem(member.error(), request);
            }
            nlohmann::json document = MemberJson(deps, *member);
            document["replay"] = outcome.is_replay;
            return api::HttpResponse::Json(outcome.is_replay ? 200 : 201, document.dump());
        },
        "id");
}

void GetMember(Deps& deps,
               const RequestContext& /*context*/,
               const api::HttpRequest& request,
               api::Responder respond) {
    auto member = LoadMember(deps, request.Param("id"));
    if (!member) {
        respond(api::Problem(member.error(), request));
        return;
    }
    respond(api::HttpResponse::Json(200, MemberJson(deps, *member).dump()));
}

// A JSON merge patch (RFC 7396) of the settings: {"language"?: "ru"|"en"|null, "time_zone"?:
// IANA name|null}. An absent member stays as it is; null returns it to the default. No bytes
// mean {}.
Result<store::MemberSettingsUpdate> ParseSettingsPatch(std::string_view body, std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(
        const nlohmann::json json,
        ParseObject(
            body.empty() ? std::string_view("{}") : body, {"language", "time_zone"}, field));
    store::MemberSettingsUpdate update;
    if (Has(json, "language")) {
        update.language.emplace();
        if (!json["language"].is_null()) {
            CANDOR_ASSIGN_OR_RETURN(*update.language, ReadString(json, "language", 1, 8, field));
            if (std::find(kLanguages.begin(), kLanguages.end(), *update.language) ==
                kLanguages.end()) {
                return Invalid(R"(Must be "ru" or "en", or null for the default.)");
            }
        }
    }
    if (Has(json, "time_zone")) {
        update.time_zone.emplace();
        if (!json["time_zone"].is_null()) {
            CANDOR_ASSIGN_OR_RETURN(
                *update.time_zone,
                ReadString(json, "time_zone", 1, limits::kTimeZoneBytesMax, field));
            if (!config::IsTimeZone(*update.time_zone)) {
                return Invalid(
                    "Must be an IANA time zone name such as Europe/Moscow, or null for "
                    "the default.");
            }
        }
    }
    field->clear();
    return update;
}

// Settings are not ledger commands: one UPDATE on a read-write connection, naturally idempotent
// (the same patch twice leaves the same settings), so no Idempotency-Key is needed.
void PatchMember(Deps& deps,
                 const RequestContext& /*context*/,
                 const api::HttpRequest& request,
                 api::Responder respond) {
    std::string field;
    auto update = ParseSettingsPatch(request.body, &field);
    if (!update) {
        respond(api::Problem(update.error(), request, field));
        return;
    }
    auto member = ResolveMember(deps, request.Param("id"));
    if (!member) {
        respond(api::Problem(member.error(), request));
        return;
    }
    auto updated = deps.access.RunOnStore<bool>([&member, &update](store::Store& store) {
        return store.UpdateMemberSettings(*member, *update);
    });
    if (!updated) {
        respond(api::Problem(updated.error(), request));
        return;
    }
    // The update committed, so a fresh read sees it.
    auto row = *updated ? LoadMember(deps, request.Param("id"))
                        : Result<store::MemberRow>(
                              MakeError(ErrorCode::kUnknownMember, "No member has this id."));
    if (!row) {
        respond(api::Problem(row.error(), request));
        return;
    }
    respond(api::HttpResponse::Json(200, MemberJson(deps, *row).dump()));
}

void GetBalance(Deps& deps,
                const RequestContext& /*context*/,
                const api::HttpRequest& request,
                api::Responder respond) {
    auto member = ResolveMember(deps, request.Param("id"));
    if (!member) {
        respond(api::Problem(member.error(), request));
        return;
    }
    auto balances = deps.reads.Run<ledger::MemberBalances>(
        [&member](ledger::Ledger& ledger) { return ledger.LoadBalances(*member); });
    if (!balances) {
        respond(api::Problem(balances.error(), request));
        return;
    }
    const nlohmann::json document = {{"points", balances->points.value()},
                                     {"points_held", balances->points_held.value()},
                                     {"status", balances->status.value()},
                                     {"cashback", balances->cashback.value()},
                                     {"cashback_held", balances->cashback_held.value()}};
    respond(api::HttpResponse::Json(200, document.dump()));
}

// How far the transparency log reaches: leaves integrated, and leaves under the latest signed
// head (the same in practice: the sequencer signs in the transaction that integrates).
struct LogProgress {
    std::uint64_t tree_size = 0;
    std::uint64_t signed_size = 0;
};

Result<LogProgress> ReadLogProgress(store::Store& store) {
    LogProgress progress;
    CANDOR_ASSIGN_OR_RETURN(progress.tree_size, store.LoadTreeSize());
    CANDOR_ASSIGN_OR_RETURN(const std::optional<store::TreeHeadRow> head, store.LatestTreeHead());
    progress.signed_size = head ? head->size : 0;
    return progress;
}

void GetHistory(Deps& deps,
                const RequestContext& /*context*/,
                const api::HttpRequest& request,
                api::Responder respond) {
    std::string field;
    auto page = ReadPageQuery(request, kPageDefault, limits::kHistoryPageMax, &field);
    if (!page) {
        respond(api::Problem(page.error(), request, field));
        return;
    }
    const EntryId before(page->after_id);
    const std::size_t limit = page->limit;
    auto row = LoadMember(deps, request.Param("id"));
    if (!row) {
        respond(api::Problem(row.error(), request));
        return;
    }
    const MemberId member = row->id;
    // One more than the page tells whether another page follows (LoadHistory caps a read at
    // kHistoryPageMax, so a full page of that size always offers a next cursor).
    auto entries = deps.reads.Run<std::vector<journal::Entry>>(
        [member, before, limit](ledger::Ledger& ledger) {
            return ledger.LoadHistory(member, before, limit + 1);
        });
    if (!entries) {
        respond(api::Problem(entries.error(), request));
        return;
    }
    const bool has_more =
        entries->size() > limit || (entries->size() == limit && limit == limits::kHistoryPageMax);
    if (entries->size() > limit) {
        entries->resize(limit);
    }
    // Read after the entries: the log only grows, so a later size never marks an entry wrongly.
    auto log = deps.reads.RunOnStore<LogProgress>(ReadLogProgress);
    if (!log) {
        respond(api::Problem(log.error(), request));
        return;
    }
    auto texts = deps.reads.RunOnStore<std::vector<EntryTexts>>(
        [&deps, &entries](store::Store& store) -> Result<std::vector<EntryTexts>> {
            std::vector<EntryTexts> out;
            out.reserve(entries->size());
            for (const journal::Entry& entry : *entries) {
                CANDOR_ASSIGN_OR_RETURN(EntryTexts entry_texts,
                                        ExplainEntry(store, deps.programs, entry));
                out.push_back(std::move(entry_texts));
            }
            return out;
        });
    if (!texts) {
        respond(api::Problem(texts.error(), request));
        return;
    }
    const bool is_english = MemberJson(deps, *row)["language"] == "en";
    nlohmann::json rendered = nlohmann::json::array();
    for (std::size_t i = 0; i < entries->size(); ++i) {
        const journal::Entry& entry = (*entries)[i];
        const EntryTexts& entry_texts = (*texts)[i];
        nlohmann::json item = RenderEntry(entry, member);
        item["program_version"] = entry_texts.program_version
                                      ? nlohmann::json(*entry_texts.program_version)
                                      : nlohmann::json();
        item["explanation"] = is_english ? entry_texts.en : entry_texts.ru;
        item["explanations"] = {{"ru", entry_texts.ru}, {"en", entry_texts.en}};
        const auto index = static_cast<std::uint64_t>(entry.id.value() - 1);
        item["log_index"] = index < log->tree_size ? nlohmann::json(index) : nlohmann::json();
        item["verifiable"] = index < log->signed_size;
        rendered.push_back(std::move(item));
    }
    const nlohmann::json document = {
        {"entries", std::move(rendered)},
        {"next_cursor",
         has_more && !entries->empty() ? nlohmann::json(EncodeCursor(entries->back().id.value()))
                                       : nlohmann::json()}};
    respond(api::HttpResponse::Json(200, document.dump()));
}

}  // namespace

void RegisterMembers(api::Router& router, Deps& deps) {
    AddRoute(router,
             deps,
             "POST",
             "/v1/members",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 Enrol(deps, c, r, std::move(respond));
             });
    AddRoute(router,
             deps,
             "GET",
             "/v1/members/{id}",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 GetMember(deps, c, r, std::move(respond));
             });
    AddRoute(router,
             deps,
             "PATCH",
             "/v1/members/{id}",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 PatchMember(deps, c, r, std::move(respond));
             });
    AddRoute(router,
             deps,
             "GET",
             "/v1/members/{id}/balance",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 GetBalance(deps, c, r, std::move(respond));
             });
    AddRoute(router,
             deps,
             "GET",
             "/v1/members/{id}/history",
             [&deps](const RequestContext& c, const api::HttpRequest& r, api::Responder respond) {
                 GetHistory(deps, c, r, std::move(respond));
             });
}

}  // namespace candor::app
