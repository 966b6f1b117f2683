// Editing the program over HTTP (docs/program.md, "Editing and publishing"): the draft
// (GET and PUT /v1/program/draft, POST /v1/program/validate), publishing it
// (POST /v1/program/publish), the published versions (GET /v1/program/versions,
// GET /v1/program/versions/{version}, POST /v1/program/versions/{version}/restore) and the
// campaign budgets (GET /v1/program/budgets, POST /v1/program/budgets/{code}/fund).
//
// Writes run in the committer's transaction as a ledger::Decide that decides no ledger command
// and writes the program's tables (and the audit row, and for a publish the new budget accounts)
// through the store, so that each commits whole or not at all and none races a ledger write.
// Publishing keeps its own idempotency record (the ledger's table, the version as its result),
// because the answer of a replay names the version the first call published.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/http_json.h"
#include "app/routes.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "program/program.h"

namespace candor::app {
namespace {

constexpr std::string_view kBudgetPrefix = "campaign:";

// Hex SHA-256 of `text`.
std::string Sha256Hex(std::string_view text) {
    return crypto::ToHex(crypto::Sha256(std::span(
        reinterpret_cast<const std::uint8_t*>(text.data()),  // NOLINT: the bytes of the text
        text.size())));
}

// A problem for `error`; for a mistake in a program's definition (`where` set) it also names
// where it is: `path` (the JSON path, "rules[2].condition"; "" for the whole document) and, inside
// an expression, its 1-based `line` and `column` (null elsewhere), so that the admin console can
// show it in place.
api::HttpResponse ProgramProblem(const Error& error,
                                 const program::ProgramError* where,
                                 const api::HttpRequest& request) {
    api::HttpResponse response = api::Problem(error, request);
    if (where == nullptr || Describe(error.code).http_status >= 500) {
        return response;
    }
    nlohmann::json problem = ProblemJson(error, request, "");
    problem["path"] = where->path;
    problem["line"] = where->line > 0 ? nlohmann::json(where->line) : nlohmann::json();
    problem["column"] = where->line > 0 ? nlohmann::json(where->column) : nlohmann::json();
    response.body = problem.dump();
    return response;
}

nlohmann::json VersionInfoJson(const store::ProgramVersionInfo& info) {
    return {{"version", info.version},
            {"published_at", FormatRfc3339(info.published_at)},
            {"published_by", info.published_by},
            {"note", info.note}};
}

// {"program": <document as stored>, ...members}: the stored text is canonical JSON
// (program::ProgramJson) and goes out as it is, in its own member order.
std::string WithProgram(std::string_view document, const nlohmann::json& members) {
    std::string body = R"({"program":)";
    body.append(document);
    const std::string rest = members.dump();
    if (rest.size() > 2) {
        body.push_back(',');
        body.append(rest, 1, std::string::npos);
    } else {
        body.push_back('}');
    }
    return body;
}

// What the draft routes answer: the draft, or when none was saved the version in force.
struct DraftView {
    std::optional<store::ProgramDraftRow> draft;
    std::optional<store::ProgramVersionRow> latest;
};

Result<DraftView> LoadDraftView(store::Store& store) {
    DraftView view;
    CANDOR_ASSIGN_OR_RETURN(view.draft, store.LoadProgramDraft());
    CANDOR_ASSIGN_OR_RETURN(view.latest, store.LoadLatestProgramVersion());
    return view;
}

// {"program", "source": "draft"|"version", "updated_at", "updated_by", "revision",
// "latest_version", "is_published"} (docs/api.md, "The program").
api::HttpResponse DraftResponse(const DraftView& view, const api::HttpRequest& request) {
    const std::optional<store::ProgramVersionRow>& latest = view.latest;
    nlohmann::json members;
    std::string_view document;
    if (view.draft) {
        document = view.draft->document;
        members = {{"source", "draft"},
                   {"updated_at", FormatRfc3339(view.draft->updated_at)},
                   {"updated_by", view.draft->updated_by},
                   {"revision", Sha256Hex(document)},
                   {"is_published", latest && latest->document == document}};
    } else if (latest) {
        document = latest->document;
        members = {{"source", "version"},
                   {"updated_at", FormatRfc3339(latest->info.published_at)},
                   {"updated_by", latest->info.published_by},
                   {"revision", nullptr},
                   {"is_published", true}};
    } else {
        return api::Problem(
            MakeError(ErrorCode::kNoProgram,
                      "No program was saved or published yet: PUT /v1/program/draft saves one."),
            request);
    }
    members["latest_version"] = latest ? nlohmann::json(latest->info.version) : nlohmann::json();
    return api::HttpResponse::Json(200, WithProgram(document, members));
}

// A version number from the path: a positive decimal without leading zeros, else
// kUnknownProgramVersion.
Result<std::int64_t> ParseVersion(std::string_view text) {
    const std::optional<EntryId> number = ParseEntryId(text);
    if (!number) {
        return MakeError(ErrorCode::kUnknownProgramVersion, "No program version has this number.");
    }
    return number->value();
}

// ---- Writes in the committer's transaction

// What a write found out in the committer's transaction, for its answer. A Decide may run more
// than once for one request (a retried batch), so each run starts from a fresh one.
struct WriteOutcome {
    std::optional<program::ProgramError> where;  // a definition's mistake, for the problem
    DraftView view;  // draft writes: the draft and the latest version as written
    store::ProgramVersionInfo published;
    bool is_replay = false;
};

using ProgramWrite = std::function<Status(store::Store& store, Timestamp now, WriteOutcome& out)>;
using RenderWrite = std::function<api::HttpResponse(const WriteOutcome& outcome)>;

// Runs `write` in the committer's transaction and answers `render(outcome)` once it is durable,
// or the error as a problem (naming where a definition is wrong). `request` must stay valid until
// the answer (api::Handler guarantees it).
void SubmitProgramWrite(Deps& deps,
                        const RequestContext& context,
                        const api::HttpRequest& request,
                        api::Responder respond,
                        ProgramWrite write,
                        RenderWrite render) {
    auto outcome = std::make_shared<WriteOutcome>();
    ledger::Decide decide;
    decide.decide = [outcome, write = std::move(write)](
                        store::Store& store,
                        Timestamp now) -> Result<std::optional<ledger::DecidedCommand>> {
        *outcome = WriteOutcome{};
        CANDOR_TRY(write(store, now, *outcome));
        return std::optional<ledger::DecidedCommand>();
    };
    // No ledger idempotency key: draft saves and restores set state (the same call twice leaves
    // the same state), and a publish keeps its own record.
    auto shared = std::make_shared<api::Responder>(std::move(respond));
    deps.committer.Submit(
        ledger::Request{context.client_id, "", std::move(decide)},
        [&request, shared, outcome, render = std::move(render)](Result<ledger::Outcome> done) {
            if (!done) {
                (*shared)(ProgramProblem(
                    done.error(), outcome->where ? &*outcome->where : nullptr, request));
                return;
            }
            (*shared)(render(*outcome));
        });
}

// Opens the ledger budget account ("campaign:" + code) of each campaign budget `definition`
// names that has none yet, in the caller's transaction.
Status OpenBudgets(store::Store& store,
                   Timestamp now,
                   const program::Definition& definition,
                   const std::string& client_id) {
    // A Decide reaches the store, not the committer's Ledger. A Ledger on the same store, in the
    // same transaction and on the same thread, runs OpenBudget as the committer's would: it keeps
    // nothing but a cache of the program's own accounts, which a budget account is not.
    const ManualClock clock(now);
    ledger::Ledger ledger(store, clock);
    for (const program::Campaign& campaign : definition.campaigns) {
        if (campaign.budget.empty()) {
            continue;
        }
        CANDOR_ASSIGN_OR_RETURN(
            const std::optional<store::SystemAccountRow> existing,
            store.FindSystemAccountByCode(std::string(kBudgetPrefix) + campaign.budget));
        if (existing) {
            continue;
        }
        CANDOR_TRY(
            ledger.Execute(ledger::Request{client_id, "", ledger::OpenBudget{campaign.budget}}));
    }
    return Ok();
}

store::AuditRow AuditAt(store::AuditRow row, Timestamp now, std::string target) {
    row.at = now;
    row.target = std::move(target);
    return row;
}

// ---- Handlers

void GetDraft(Deps& deps,
              const RequestContext&,
              const api::HttpRequest& request,
              api::Responder respond) {
    auto view = deps.reads.RunOnStore<DraftView>(LoadDraftView);
    respond(view ? DraftResponse(*view, request) : api::Problem(view.error(), request));
}

void PutDraft(Deps& deps,
              const RequestContext& context,
              const api::HttpRequest& request,
              api::Responder respond) {
    program::ProgramError where;
    auto compiled = program::ParseProgram(request.body, 0, &where);
    if (!compiled) {
        respond(ProgramProblem(compiled.error(), &where, request));
        return;
    }
    std::string document = program::ProgramJson(compiled->definition());
    SubmitProgramWrite(
        deps,
        context,
        request,
        std::move(respond),
        [document = std::move(document), actor = context.client_id](
            store::Store& store, Timestamp now, WriteOutcome& out) -> Status {
            const store::ProgramDraftRow draft{document, now, actor};
            CANDOR_TRY(store.SaveProgramDraft(draft));
            out.view.draft = draft;
            CANDOR_ASSIGN_OR_RETURN(out.view.latest, store.LoadLatestProgramVersion());
            return Ok();
        },
        [&request](const WriteOutcome& out) { return DraftResponse(out.view, request); });
}

void Validate(Deps& /*deps*/,
              const RequestContext& /*context*/,
              const api::HttpRequest& request,
              api::Responder respond) {
    program::ProgramError where;
    auto compiled = program::ParseProgram(request.body, 0, &where);
    if (!compiled) {
        respond(ProgramProblem(compiled.error(), &where, request));
        return;
    }
    respond(api::HttpResponse::Json(
        200, WithProgram(program::ProgramJson(compiled->definition()), nlohmann::json::object())));
}

struct PublishBody {
    std::string note;
    std::optional<std::int64_t> expected_version;
    std::optional<std::string> expected_draft;
};

Result<PublishBody> ParsePublish(std::string_view body, std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(const nlohmann::json json,
                            ParseObject(body.empty() ? std::string_view("{}") : body,
                                        {"note", "expected_version", "expected_draft"},
                                        field));
    PublishBody publish;
    if (Has(json, "note")) {
        CANDOR_ASSIGN_OR_RETURN(publish.note,
                                ReadString(json, "note", 1, limits::kProgramNoteBytesMax, field));
    }
    if (Has(json, "expected_version")) {
        CANDOR_ASSIGN_OR_RETURN(publish.expected_version,
                                ReadInteger(json, "expected_version", field));
        if (*publish.expected_version < 0) {
            return Invalid("Must be the newest version you read, or 0 before the first.");
        }
    }
    if (Has(json, "expected_draft")) {
        CANDOR_ASSIGN_OR_RETURN(publish.expected_draft,
                                ReadString(json, "expected_draft", 1, 64, field));
    }
    field->clear();
    return publish;
}

// The idempotency fingerprint of a publish: the request as the client sent it, canonically.
store::Digest PublishFingerprint(const PublishBody& body) {
    const nlohmann::json canonical = {
        {"action", "program.publish"},
        {"note", body.note},
        {"expected_version",
         body.expected_version ? nlohmann::json(*body.expected_version) : nlohmann::json()},
        {"expected_draft",
         body.expected_draft ? nlohmann::json(*body.expected_draft) : nlohmann::json()}};
    const std::string text = canonical.dump();
    return crypto::Sha256(std::span(
        reinterpret_cast<const std::uint8_t*>(text.data()),  // NOLINT: the bytes of the text
        text.size()));
}

// Publishes the draft as the next version, in the committer's transaction (see Publish).
Status PublishDraft(store::Store& store,
                    Timestamp now,
                    const PublishBody& body,
                    const ledger::Request& key,
                    const store::AuditRow& audit,
                    WriteOutcome& out) {
    const store::Digest fingerprint = PublishFingerprint(body);
    CANDOR_ASSIGN_OR_RETURN(const std::optional<store::IdempotencyRow> previous,
                            store.FindIdempotency(key.client_id, key.idempotency_key));
    if (previous) {
        if (previous->fingerprint != fingerprint) {
            return MakeError(ErrorCode::kIdempotencyConflict,
                             "This Idempotency-Key was used before with another request.");
        }
        CANDOR_ASSIGN_OR_RETURN(const std::optional<store::ProgramVersionRow> first,
                                store.LoadProgramVersion(previous->result_id));
        if (!first) {
            return MakeError(ErrorCode::kIdempotencyConflict,
                             "This Idempotency-Key was used before with another request.");
        }
        out.published = first->info;
        out.is_replay = true;
        return Ok();
    }
    CANDOR_ASSIGN_OR_RETURN(const std::optional<store::ProgramDraftRow> draft,
                            store.LoadProgramDraft());
    if (!draft) {
        return MakeError(ErrorCode::kNoProgram,
                         "There is no draft to publish: PUT /v1/program/draft saves one.");
    }
    if (body.expected_draft && *body.expected_draft != Sha256Hex(draft->document)) {
        return MakeError(ErrorCode::kProgramConflict,
                         "The draft was saved again since you read it (its revision differs).");
    }
    CANDOR_ASSIGN_OR_RETURN(const std::optional<store::ProgramVersionRow> latest,
                            store.LoadLatestProgramVersion());
    const std::int64_t newest = latest ? latest->info.version : 0;
    if (body.expected_version && *body.expected_version != newest) {
        return MakeError(ErrorCode::kProgramConflict,
                         "Version " + std::to_string(newest) +
                             " is the newest, not the one you read: read the program again.");
    }
    // Checked again: the draft was valid when saved, but this build may check more.
    program::ProgramError where;
    auto compiled = program::ParseProgram(draft->document, newest + 1, &where);
    if (!compiled) {
        out.where = std::move(where);
        return compiled.error();
    }
    store::ProgramVersionRow row;
    row.info = store::ProgramVersionInfo{0, now, key.client_id, body.note};
    row.document = program::ProgramJson(compiled->definition());
    auto version = store.PublishProgramVersion(newest, row);
    if (!version) {
        if (version.error().code == ErrorCode::kAlreadyExists) {
            return MakeError(ErrorCode::kProgramConflict,
                             "Another version was published at the same time: read the program "
                             "again.");
        }
        return version.error();
    }
    CANDOR_TRY(OpenBudgets(store, now, compiled->definition(), key.client_id));
    CANDOR_TRY(store.InsertAudit(AuditAt(audit, now, std::to_string(*version))));
    CANDOR_ASSIGN_OR_RETURN(const bool is_recorded,
                            store.TryInsertIdempotency(store::IdempotencyRow{
                                key.client_id, key.idempotency_key, fingerprint, *version, now}));
    if (!is_recorded) {
        // Looked up above in this same transaction: nobody can have taken it since.
        return MakeError(ErrorCode::kInternal, "the idempotency key was taken during a publish");
    }
    row.info.version = *version;
    out.published = row.info;
    return Ok();
}

void Publish(Deps& deps,
             const RequestContext& context,
             const api::HttpRequest& request,
             api::Responder respond) {
    std::optional<ledger::Request> key = StartWrite(context, request, respond);
    if (!key) {
        return;
    }
    std::string field;
    auto body = ParsePublish(request.body, &field);
    if (!body) {
        respond(api::Problem(body.error(), request, field));
        return;
    }
    SubmitProgramWrite(
        deps,
        context,
        request,
        std::move(respond),
        [body = std::move(*body),
         key = std::move(*key),
         audit = AuditOf(context, request, "program.publish")](
            store::Store& store, Timestamp now, WriteOutcome& out) {
            return PublishDraft(store, now, body, key, audit, out);
        },
        [](const WriteOutcome& out) {
            nlohmann::json document = VersionInfoJson(out.published);
            document["replay"] = out.is_replay;
            return api::HttpResponse::Json(out.is_replay ? 200 : 201, document.dump());
        });
}

void ListVersions(Deps& deps,
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
    auto versions =
        deps.reads.RunOnStore<std::vector<store::ProgramVersionInfo>>([&page](store::Store& store) {
            return store.ListProgramVersions(page->after_id, page->limit + 1);
        });
    if (!versions) {
        respond(api::Problem(versions.error(), request));
        return;
    }
    nlohmann::json next_cursor =
        TakePage(&*versions, page->limit, [](const store::ProgramVersionInfo& info) {
            return info.version;
        });
    nlohmann::json rendered = nlohmann::json::array();
    for (const store::ProgramVersionInfo& info : *versions) {
        rendered.push_back(VersionInfoJson(info));
    }
    const nlohmann::json document = {{"versions", std::move(rendered)},
                                     {"next_cursor", std::move(next_cursor)}};
    respond(api::HttpResponse::Json(200, document.dump()));
}

void GetVersion(Deps& deps,
                const RequestContext& /*context*/,
                const api::HttpRequest& request,
                api::Responder respond) {
    auto number = ParseVersion(request.Param("version"));
    if (!number) {
        respond(api::Problem(number.error(), request));
        return;
    }
    auto version = deps.reads.RunOnStore<std::optional<store::ProgramVersionRow>>(
        [number = *number](store::Store& store) { return store.LoadProgramVersion(number); });
    if (!version) {
        respond(api::Problem(version.error(), request));
        return;
    }
    if (!*version) {
        respond(api::Problem(
            MakeError(ErrorCode::kUnknownProgramVersion, "No program version has this number."),
            request));
        return;
    }
    respond(api::HttpResponse::Json(
        200, WithProgram((*version)->document, VersionInfoJson((*version)->info))));
}

void Restore(Deps& deps,
             const RequestContext& context,
             const api::HttpRequest& request,
             api::Responder respond) {
    auto number = ParseVersion(request.Param("version"));
    if (!number) {
        respond(api::Problem(number.error(), request));
        return;
    }
    SubmitProgramWrite(
        deps,
        context,
        request,
        std::move(respond),
        [number = *number,
         actor = context.client_id,
         audit = AuditOf(context, request, "program.restore")](
            store::Store& store, Timestamp now, WriteOutcome& out) -> Status {
            CANDOR_ASSIGN_OR_RETURN(const std::optional<store::ProgramVersionRow> version,
                                    store.LoadProgramVersion(number));
            if (!version) {
                return MakeError(ErrorCode::kUnknownProgramVersion,
                                 "No program version has this number.");
            }
            const store::ProgramDraftRow draft{version->document, now, actor};
            CANDOR_TRY(store.SaveProgramDraft(draft));
            CANDOR_TRY(store.InsertAudit(AuditAt(audit, now, std::to_string(number))));
            out.view.draft = draft;
            CANDOR_ASSIGN_OR_RETURN(out.view.latest, store.LoadLatestProgramVersion());
            return Ok();
        },
        [&request](const WriteOutcome& out) { return DraftResponse(out.view, request); });
}

// ---- Campaign budgets

struct BudgetRow {
    std::string code;
    std::int64_t balance = 0;
    std::vector<std::string> campaigns;  // of the version in force
};

struct BudgetList {
    std::vector<BudgetRow> budgets;
    std::optional<std::int64_t> version;  // the version in force
};

Result<BudgetList> LoadBudgets(store::Store& store) {
    BudgetList list;
    CANDOR_ASSIGN_OR_RETURN(const std::vector<store::SystemAccountRow> accounts,
                            store.ListSystemAccounts());
    for (const store::SystemAccountRow& account : accounts) {
        if (account.kind != AccountKind::kCampaignBudget ||
            !account.code.starts_with(kBudgetPrefix)) {
            continue;
        }
        CANDOR_ASSIGN_OR_RETURN(const std::optional<Amount> balance, store.SumBalance(account.id));
        list.budgets.push_back(BudgetRow{
            account.code.substr(kBudgetPrefix.size()), balance ? balance->value() : 0, {}});
    }
    std::sort(list.budgets.begin(), list.budgets.end(), [](const BudgetRow& a, const BudgetRow& b) {
        return a.code < b.code;
    });
    CANDOR_ASSIGN_OR_RETURN(const std::optional<store::ProgramVersionRow> latest,
                            store.LoadLatestProgramVersion());
    if (!latest) {
        return list;
    }
    list.version = latest->info.version;
    CANDOR_ASSIGN_OR_RETURN(const program::Program compiled,
                            program::ParseProgram(latest->document, latest->info.version));
    for (const program::Campaign& campaign : compiled.definition().campaigns) {
        for (BudgetRow& budget : list.budgets) {
            if (budget.code == campaign.budget) {
                budget.campaigns.push_back(campaign.id);
            }
        }
    }
    return list;
}

void ListBudgets(Deps& deps,
                 const RequestContext& /*context*/,
                 const api::HttpRequest& request,
                 api::Responder respond) {
    auto list = deps.reads.RunOnStore<BudgetList>(LoadBudgets);
    if (!list) {
        respond(api::Problem(list.error(), request));
        return;
    }
    nlohmann::json budgets = nlohmann::json::array();
    for (const BudgetRow& budget : list->budgets) {
        budgets.push_back({{"code", budget.code},
                           {"asset", "points"},
                           {"balance", budget.balance},
                           {"campaigns", budget.campaigns}});
    }
    const nlohmann::json document = {
        {"budgets", std::move(budgets)},
        {"version", list->version ? nlohmann::json(*list->version) : nlohmann::json()}};
    respond(api::HttpResponse::Json(200, document.dump()));
}

void FundBudget(Deps& deps,
                const RequestContext& context,
                const api::HttpRequest& request,
                api::Responder respond) {
    std::optional<ledger::Request> command = StartWrite(context, request, respond);
    if (!command) {
        return;
    }
    std::string field;
    auto body = ParseObject(request.body, {"points"}, &field);
    if (!body) {
        respond(api::Problem(body.error(), request, field));
        return;
    }
    auto points = ReadPositiveInteger(*body, "points", &field);
    if (!points) {
        respond(api::Problem(points.error(), request, field));
        return;
    }
    const std::string code(request.Param("code"));
    auto account =
        deps.reads.RunOnStore<std::optional<store::SystemAccountRow>>([&code](store::Store& store) {
            return store.FindSystemAccountByCode(std::string(kBudgetPrefix) + code);
        });
    if (!account) {
        respond(api::Problem(account.error(), request));
        return;
    }
    if (!*account || (*account)->kind != AccountKind::kCampaignBudget) {
        respond(api::Problem(
            MakeError(ErrorCode::kUnknownBudget,
                      "No campaign budget has this code: publishing a program that names it "
                      "opens it."),
            request));
        return;
    }
    command->command = ledger::FundBudget{(*account)->id, Amount(*points)};
    command->audit = AuditOf(context, request, "budget.fund");
    command->audit->target = code;
    SubmitWrite(
        deps,
        request,
        std::move(respond),
        std::move(*command),
        [code, points = *points](const ledger::Outcome& outcome) {
            const nlohmann::json document = {
                {"code", code},
                {"points", points},
                {"entry",
                 outcome.entry ? nlohmann::json(outcome.entry->id.value()) : nlohmann::json()},
                {"replay", outcome.is_replay}};
            return api::HttpResponse::Json(outcome.is_replay ? 200 : 201, document.dump());
        });
}

}  // namespace

void RegisterProgramEditing(api::Router& router, Deps& deps) {
    AddRoute(router, deps, "GET", "/v1/program/draft", GetDraft);
    AddRoute(router, deps, "PUT", "/v1/program/draft", PutDraft);
    AddRoute(router, deps, "POST", "/v1/program/validate", Validate);
    AddRoute(router, deps, "POST", "/v1/program/publish", Publish);
    AddRoute(router, deps, "GET", "/v1/program/versions", ListVersions);
    AddRoute(router, deps, "GET", "/v1/program/versions/{version}", GetVersion);
    AddRoute(router, deps, "POST", "/v1/program/versions/{version}/restore", Restore);
    AddRoute(router, deps, "GET", "/v1/program/budgets", ListBudgets);
    AddRoute(router, deps, "POST", "/v1/program/budgets/{code}/fund", FundBudget);
}

}  // namespace candor::app
