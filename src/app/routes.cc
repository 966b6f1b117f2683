#include "app/routes.h"

#include <memory>
#include <utility>

#include "app/embedded.h"
#include "app/http_json.h"

namespace candor::app {

ReadPool::ReadPool(std::string url, const Clock& clock) : url_(std::move(url)), clock_(clock) {}

Result<std::unique_ptr<ReadPool::Slot>> ReadPool::Acquire() {
    {
        const std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            std::unique_ptr<Slot> slot = std::move(idle_.back());
            idle_.pop_back();
            return slot;
        }
    }
    store::OpenOptions options;
    options.create = false;
    options.read_only = true;
    CANDOR_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, store::Open(url_, options));
    auto slot = std::make_unique<Slot>();
    slot->ledger = std::make_unique<ledger::Ledger>(*store, clock_);
    slot->store = std::move(store);
    return slot;
}

void ReadPool::Release(std::unique_ptr<Slot> slot) {
    const std::lock_guard lock(mutex_);
    idle_.push_back(std::move(slot));
}

RequestContext Authenticate(const api::HttpRequest& /*request*/) {
    // TODO(#3): authenticate: API keys and sessions (the access module) decide the client id
    // and what it may do. Until then every request acts as the one client "default".
    return RequestContext{"default"};
}

Result<MemberId> ResolveMember(Deps& deps, std::string_view public_id) {
    CANDOR_ASSIGN_OR_RETURN(
        const std::optional<store::MemberRow> member,
        deps.reads.Run<std::optional<store::MemberRow>>(
            [public_id](ledger::Ledger& ledger) { return ledger.FindMember(public_id); }));
    if (!member) {
        return MakeError(ErrorCode::kUnknownMember, "No member has this id.");
    }
    return member->id;
}

std::optional<ledger::Request> StartWrite(const api::HttpRequest& request,
                                          api::Responder& respond) {
    auto key = ReadIdempotencyKey(request);
    if (!key) {
        respond(api::Problem(key.error(), request, "Idempotency-Key"));
        return std::nullopt;
    }
    return ledger::Request{Authenticate(request).client_id, std::move(*key), {}};
}

namespace {

// Ledger messages are written for developers and may name internal ids; a client gets the
// code's meaning instead (5xx messages are logged and hidden by api::Problem anyway).
Error ClientError(const Error& error) {
    if (Describe(error.code).http_status >= 500) {
        return error;
    }
    return MakeError(error.code, std::string(Describe(error.code).meaning));
}

}  // namespace

void SubmitWrite(Deps& deps,
                 const api::HttpRequest& request,
                 api::Responder respond,
                 ledger::Request command,
                 RenderOutcome render,
                 std::string_view error_field) {
    // Committer::Callback is a std::function, which must be copyable: share the Responder.
    auto shared = std::make_shared<api::Responder>(std::move(respond));
    const bool is_event = request.route.starts_with("/v1/events");
    deps.committer.Submit(std::move(command),
                          [&request, shared, render = std::move(render), error_field, is_event](
                              Result<ledger::Outcome> outcome) {
                              if (outcome) {
                                  (*shared)(render(*outcome));
                                  return;
                              }
                              std::string_view field;
                              switch (outcome.error().code) {
                                  case ErrorCode::kUnknownMember:
                                  case ErrorCode::kUnknownHold:
                                  case ErrorCode::kUnknownEntry:
                                      field = error_field;
                                      break;
                                  case ErrorCode::kIdempotencyConflict:
                                      field = is_event ? "id" : "Idempotency-Key";
                                      break;
                                  default:
                                      break;
                              }
                              (*shared)(api::Problem(ClientError(outcome.error()), request, field));
                          });
}

void RegisterLedgerRoutes(api::Router& router, Deps& deps) {
    RegisterMembers(router, deps);
    RegisterEvents(router, deps);
    RegisterHolds(router, deps);
    RegisterEntries(router, deps);
}

std::string_view OpenApiDocument() {
    for (const EmbeddedFile& file : ApiDocuments()) {
        if (file.name == "openapi.json") {
            return file.content;
        }
    }
    return {};
}

void RegisterOpenApi(api::Router& router) {
    router.Add("GET", "/openapi.json", [](const api::HttpRequest&, api::Responder respond) {
        api::HttpResponse response = api::HttpResponse::Json(200, std::string(OpenApiDocument()));
        // The contract is public and changes only with a new build.
        response.headers.emplace_back("Cache-Control", "public, max-age=300");
        respond(std::move(response));
    });
}

void BuildRouter(api::Router& router,
                 const api::Metrics& metrics,
                 std::function<bool()> is_ready,
                 Deps& deps) {
    api::RegisterHealth(router, metrics, std::move(is_ready));
    RegisterLedgerRoutes(router, deps);
    RegisterOpenApi(router);
}

}  // namespace candor::app
