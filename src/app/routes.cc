#include "app/routes.h"

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <utility>

#include "app/embedded.h"
#include "app/http_json.h"
#include "core/assert.h"
#include "core/limits.h"

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

AccessPool::AccessPool(std::string url,
                       const Clock& clock,
                       crypto::PasswordHasher& hasher,
                       access::AccessKeys keys)
    : url_(std::move(url)), clock_(clock), hasher_(hasher), keys_(keys) {}

Result<std::unique_ptr<AccessPool::Slot>> AccessPool::Acquire() {
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
    CANDOR_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, store::Open(url_, options));
    auto slot = std::make_unique<Slot>();
    slot->access = std::make_unique<access::Access>(*store, clock_, hasher_, keys_);
    slot->store = std::move(store);
    return slot;
}

void AccessPool::Release(std::unique_ptr<Slot> slot) {
    const std::lock_guard lock(mutex_);
    idle_.push_back(std::move(slot));
}

namespace {

using access::Scope;

// The access table (docs/api.md, "Authentication"). Member routes that read also let a member
// session read its own member, and a member session may change its own settings.
constexpr std::array kRoutePolicies = {
    RoutePolicy{"POST", "/v1/members", Need::kScope, Scope::kMembersWrite},
    RoutePolicy{"GET", "/v1/members/{id}", Need::kScope, Scope::kMembersRead, true},
    RoutePolicy{"PATCH", "/v1/members/{id}", Need::kScope, Scope::kMembersWrite, true},
    RoutePolicy{"GET", "/v1/members/{id}/balance", Need::kScope, Scope::kMembersRead, true},
    RoutePolicy{"GET", "/v1/members/{id}/history", Need::kScope, Scope::kMembersRead, true},
    RoutePolicy{"POST", "/v1/members/{id}/adjustments", Need::kScope, Scope::kAdmin},
    RoutePolicy{"POST", "/v1/events", Need::kScope, Scope::kEventsWrite, false, true},
    RoutePolicy{"POST", "/v1/events:batch", Need::kScope, Scope::kEventsWrite, false, true},
    RoutePolicy{"POST", "/v1/holds", Need::kScope, Scope::kRedemptionsWrite, false, true},
    RoutePolicy{"POST", "/v1/holds/{id}/capture", Need::kScope, Scope::kRedemptionsWrite},
    RoutePolicy{"POST", "/v1/holds/{id}/void", Need::kScope, Scope::kRedemptionsWrite},
    RoutePolicy{"POST", "/v1/entries/{id}/reverse", Need::kScope, Scope::kRedemptionsWrite},
    RoutePolicy{"POST", "/v1/keys", Need::kScope, Scope::kAdmin},
    RoutePolicy{"GET", "/v1/keys", Need::kScope, Scope::kAdmin},
    RoutePolicy{"POST", "/v1/keys/{id}/revoke", Need::kScope, Scope::kAdmin},
    RoutePolicy{"POST", "/v1/auth/login", Need::kNothing},
    RoutePolicy{"POST", "/v1/auth/logout", Need::kSession},
    RoutePolicy{"POST", "/v1/staff", Need::kScope, Scope::kAdmin},
    RoutePolicy{"GET", "/v1/staff", Need::kScope, Scope::kAdmin},
    RoutePolicy{"POST", "/v1/staff/{id}/disable", Need::kScope, Scope::kAdmin},
    RoutePolicy{"POST", "/v1/staff/{id}/role", Need::kScope, Scope::kAdmin},
    RoutePolicy{"POST", "/v1/auth/totp/enroll", Need::kSession},
    RoutePolicy{"POST", "/v1/auth/totp/confirm", Need::kSession},
    RoutePolicy{"POST", "/v1/auth/password", Need::kSession},
    RoutePolicy{"POST", "/v1/members/{id}/credentials", Need::kScope, Scope::kMembersWrite},
    RoutePolicy{"GET", "/v1/audit", Need::kScope, Scope::kAdmin},
    // The transparency log is public: it holds pseudonymous entries only (docs/transparency.md).
    RoutePolicy{"GET", "/v1/transparency/head", Need::kNothing},
    RoutePolicy{"GET", "/v1/transparency/heads/{size}", Need::kNothing},
    RoutePolicy{"GET", "/v1/transparency/keys", Need::kNothing},
    RoutePolicy{"GET", "/v1/transparency/entries", Need::kNothing},
    RoutePolicy{"GET", "/v1/transparency/proof/inclusion", Need::kNothing},
    RoutePolicy{"GET", "/v1/transparency/proof/consistency", Need::kNothing},
    RoutePolicy{
        "GET", "/v1/members/{id}/receipts/{entry}", Need::kScope, Scope::kMembersRead, true},
    // The program (program.cc): managers edit it; analysts read it and its budgets too.
    RoutePolicy{"GET",
                "/v1/program/draft",
                Need::kScope,
                Scope::kProgramWrite,
                false,
                false,
                Scope::kAnalyticsRead},
    RoutePolicy{"PUT", "/v1/program/draft", Need::kScope, Scope::kProgramWrite},
    RoutePolicy{"POST", "/v1/program/validate", Need::kScope, Scope::kProgramWrite},
    RoutePolicy{"POST", "/v1/program/publish", Need::kScope, Scope::kProgramWrite},
    RoutePolicy{"GET",
                "/v1/program/versions",
                Need::kScope,
                Scope::kProgramWrite,
                false,
                false,
                Scope::kAnalyticsRead},
    RoutePolicy{"GET",
                "/v1/program/versions/{version}",
                Need::kScope,
                Scope::kProgramWrite,
                false,
                false,
                Scope::kAnalyticsRead},
    RoutePolicy{
        "POST", "/v1/program/versions/{version}/restore", Need::kScope, Scope::kProgramWrite},
    RoutePolicy{"GET",
                "/v1/program/budgets",
                Need::kScope,
                Scope::kProgramWrite,
                false,
                false,
                Scope::kAnalyticsRead},
    RoutePolicy{"POST", "/v1/program/budgets/{code}/fund", Need::kScope, Scope::kProgramWrite},
    RoutePolicy{"POST", "/v1/program/simulate", Need::kScope, Scope::kProgramWrite},
};

constexpr std::string_view kBearerPrefix = "Bearer ";
constexpr std::string_view kApiKeyPrefix = "ck_";

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string_view CookieValue(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        const std::size_t end = std::min(header.find(';'), header.size());
        std::string_view pair = header.substr(0, end);
        header.remove_prefix(std::min(end + 1, header.size()));
        while (!pair.empty() && pair.front() == ' ') {
            pair.remove_prefix(1);
        }
        if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
            return pair.substr(name.size() + 1);
        }
    }
    return {};
}

Error NoCredentials() {
    return MakeError(ErrorCode::kUnauthenticated,
                     "Send Authorization: Bearer <API key or session token>, or the session "
                     "cookie.");
}

// 429 rate-limited with the seconds until the client's next token as Retry-After.
api::HttpResponse RateLimited(const api::HttpRequest& request, std::int64_t retry_after_seconds) {
    api::HttpResponse response = api::Problem(
        MakeError(ErrorCode::kRateLimited,
                  "Too many requests; retry in " + std::to_string(retry_after_seconds) + " s."),
        request);
    response.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
    return response;
}

void Guard(Deps& deps,
           const RoutePolicy& policy,
           const AppHandler& handler,
           const api::HttpRequest& request,
           api::Responder respond) {
    if (policy.need == Need::kNothing) {
        // Public routes are limited per address. Logins have their own, tight bucket: the
        // account lockout guards each account, this guards the server against one client trying
        // many accounts. The transparency log's reads share a wider one.
        if (!request.remote_address.empty()) {
            const bool is_login = policy.pattern == "/v1/auth/login";
            const api::RateLimiter::Decision decision = deps.rates.Acquire(
                (is_login ? "login-ip:" : "ip:") + request.remote_address,
                is_login ? limits::kAnonymousRatePerMinute : limits::kPublicReadRatePerMinute);
            if (!decision.is_allowed) {
                respond(RateLimited(request, decision.retry_after_seconds));
                return;
            }
        }
        handler(RequestContext{"anonymous", {}, {}, {}}, request, std::move(respond));
        return;
    }
    auto context = Authenticate(deps, request);
    if (!context) {
        api::HttpResponse response = api::Problem(context.error(), request);
        if (context.error().code == ErrorCode::kUnauthenticated) {
            response.headers.emplace_back("WWW-Authenticate", "Bearer");
        }
        respond(std::move(response));
        return;
    }
    // A key's own rate, else the server's default for keys; sessions are not limited here.
    std::int64_t key_rate = 0;
    if (context->key) {
        key_rate = context->key->rate_per_minute > 0 ? context->key->rate_per_minute
                                                     : deps.default_key_rate_per_minute;
    }
    if (key_rate > 0) {
        const api::RateLimiter::Decision decision =
            deps.rates.Acquire(context->client_id, key_rate);
        if (!decision.is_allowed) {
            respond(RateLimited(request, decision.retry_after_seconds));
            return;
        }
    }
    if (auto allowed = Authorize(deps, policy, *context, request); !allowed) {
        respond(api::Problem(allowed.error(), request));
        return;
    }
    handler(*context, request, std::move(respond));
}

}  // namespace

std::span<const RoutePolicy> RoutePolicies() {
    return kRoutePolicies;
}

const RoutePolicy* FindRoutePolicy(std::string_view method, std::string_view pattern) {
    for (const RoutePolicy& policy : kRoutePolicies) {
        if (policy.method == method && policy.pattern == pattern) {
            return &policy;
        }
    }
    return nullptr;
}

Result<RequestContext> Authenticate(Deps& deps, const api::HttpRequest& request) {
    std::string_view token;
    const std::string_view authorization = request.Header("authorization");
    if (!authorization.empty()) {
        if (!authorization.starts_with(kBearerPrefix)) {
            return NoCredentials();
        }
        token = authorization.substr(kBearerPrefix.size());
    } else {
        token = CookieValue(request.Header("cookie"), kSessionCookie);
    }
    if (token.empty()) {
        return NoCredentials();
    }
    RequestContext context;
    if (token.starts_with(kApiKeyPrefix)) {
        CANDOR_ASSIGN_OR_RETURN(
            context.key, deps.access.Run<access::ApiKeyPrincipal>([token](access::Access& access) {
                return access.AuthenticateApiKey(token);
            }));
        context.client_id = "key:" + context.key->public_id;
        return context;
    }
    CANDOR_ASSIGN_OR_RETURN(context.principal,
                            deps.access.Run<access::Principal>([token](access::Access& access) {
                                return access.Authenticate(token);
                            }));
    context.client_id = context.principal->kind == access::SubjectKind::kStaff
                            ? "staff:" + std::to_string(context.principal->staff.value())
                            : "member:" + std::to_string(context.principal->member.value());
    context.session_token = std::string(token);
    return context;
}

Status Authorize(Deps& deps,
                 const RoutePolicy& policy,
                 const RequestContext& context,
                 const api::HttpRequest& request) {
    switch (policy.need) {
        case Need::kNothing:
            return {};
        case Need::kSession:
            if (!context.principal) {
                return MakeError(ErrorCode::kForbidden,
                                 "Only a session can do this; API keys are revoked instead.");
            }
            return {};
        case Need::kScope:
            break;
    }
    const auto has_scope = [&context](access::Scope scope) {
        return context.key ? access::HasScope(*context.key, scope)
                           : access::HasScope(*context.principal, scope);
    };
    if (has_scope(policy.scope) || (policy.or_scope && has_scope(*policy.or_scope))) {
        return {};
    }
    if (context.principal && context.principal->kind == access::SubjectKind::kMember &&
        !context.principal->is_enrolment_only && policy.is_member_own) {
        // Another member's id answers as an unknown one, so ids cannot be probed.
        auto member = ResolveMember(deps, request.Param("id"));
        if (!member || *member != context.principal->member) {
            return MakeError(ErrorCode::kUnknownMember, "No member has this id.");
        }
        return {};
    }
    std::string needed(access::ScopeName(policy.scope));
    if (policy.or_scope) {
        needed += " or ";
        needed += access::ScopeName(*policy.or_scope);
    }
    return MakeError(ErrorCode::kForbidden, "This needs the scope " + needed + ".");
}

void AddRoute(api::Router& router,
              Deps& deps,
              std::string_view method,
              std::string_view pattern,
              AppHandler handler) {
    const RoutePolicy* policy = FindRoutePolicy(method, pattern);
    CANDOR_ASSERT(policy != nullptr);
    router.Add(method,
               pattern,
               [&deps, policy, handler = std::move(handler)](const api::HttpRequest& request,
                                                             api::Responder respond) {
                   Guard(deps, *policy, handler, request, std::move(respond));
               });
}

void AddRoute(api::Router& router,
              Deps& deps,
              std::string_view method,
              std::string_view pattern,
              DepsHandler handler) {
    AddRoute(router,
             deps,
             method,
             pattern,
             [&deps, handler](const RequestContext& context,
                              const api::HttpRequest& request,
                              api::Responder respond) {
                 handler(deps, context, request, std::move(respond));
             });
}

WorkerPool::WorkerPool(std::size_t threads) {
    CANDOR_ASSERT(threads >= 1);
    for (std::size_t i = 0; i < threads; ++i) {
        threads_.emplace_back([this] { Work(); });
    }
}

WorkerPool::~WorkerPool() {
    Stop();
}

void WorkerPool::Stop() {
    {
        const std::lock_guard lock(mutex_);
        is_stopping_ = true;
    }
    ready_.notify_all();
    for (std::thread& thread : threads_) {
        if (thread.joinable()) {
            thread.join();
        }
    }
}

bool WorkerPool::Submit(std::function<void()> job) {
    {
        const std::lock_guard lock(mutex_);
        if (is_stopping_ || jobs_.size() >= limits::kPasswordJobsQueuedMax) {
            return false;
        }
        jobs_.push_back(std::move(job));
    }
    ready_.notify_one();
    return true;
}

void WorkerPool::Work() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return is_stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) {
                return;
            }
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        job();
    }
}

void RunPasswordJob(Deps& deps,
                    const api::HttpRequest& request,
                    api::Responder respond,
                    std::function<api::HttpResponse()> job) {
    // A std::function must be copyable: share the Responder.
    auto shared = std::make_shared<api::Responder>(std::move(respond));
    const bool is_queued =
        deps.workers.Submit([shared, job = std::move(job)] { (*shared)(job()); });
    if (!is_queued) {
        (*shared)(api::Problem(
            MakeError(ErrorCode::kOverloaded, "Too many logins are waiting; retry shortly."),
            request));
    }
}

namespace {

// The body's optional `name` ("store", "channel") reconciled with the key's `binding`.
Result<std::string> ResolveBound(const nlohmann::json& body,
                                 std::string_view name,
                                 std::string_view binding,
                                 std::string* field) {
    std::string value;
    if (Has(body, name)) {
        CANDOR_ASSIGN_OR_RETURN(value,
                                ReadString(body, name, 1, limits::kApiKeyBindingBytesMax, field));
    }
    if (binding.empty()) {
        return value;
    }
    if (value.empty()) {
        return std::string(binding);
    }
    if (value != binding) {
        *field = std::string(name);
        return MakeError(ErrorCode::kForbidden,
                         "This key acts only for its own " + std::string(name) + ".");
    }
    return value;
}

}  // namespace

Result<Place> ResolvePlace(const RequestContext& context,
                           const nlohmann::json& body,
                           std::string* field) {
    const std::string_view store = context.key ? context.key->store_binding : std::string_view();
    const std::string_view channel =
        context.key ? context.key->channel_binding : std::string_view();
    Place place;
    CANDOR_ASSIGN_OR_RETURN(place.store, ResolveBound(body, "store", store, field));
    CANDOR_ASSIGN_OR_RETURN(place.channel, ResolveBound(body, "channel", channel, field));
    field->clear();
    return place;
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

std::optional<ledger::Request> StartWrite(const RequestContext& context,
                                          const api::HttpRequest& request,
                                          api::Responder& respond) {
    auto key = ReadIdempotencyKey(request);
    if (!key) {
        respond(api::Problem(key.error(), request, "Idempotency-Key"));
        return std::nullopt;
    }
    return ledger::Request{context.client_id, std::move(*key), {}};
}

Error ClientError(const Error& error) {
    if (Describe(error.code).http_status >= 500) {
        return error;
    }
    return MakeError(error.code, std::string(Describe(error.code).meaning));
}

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
    RegisterSimulate(router, deps);
    RegisterHolds(router, deps);
    RegisterEntries(router, deps);
    RegisterAccess(router, deps);
    RegisterStaff(router, deps);
    RegisterTransparency(router, deps);
    RegisterProgramEditing(router, deps);
}

namespace {

std::string_view EmbeddedDocument(std::string_view name) {
    for (const EmbeddedFile& file : ApiDocuments()) {
        if (file.name == name) {
            return file.content;
        }
    }
    return {};
}

}  // namespace

std::string_view OpenApiDocument() {
    return EmbeddedDocument("openapi.json");
}

void RegisterOpenApi(api::Router& router) {
    router.Add("GET", "/openapi.json", [](const api::HttpRequest&, api::Responder respond) {
        api::HttpResponse response = api::HttpResponse::Json(200, std::string(OpenApiDocument()));
        // The contract is public and changes only with a new build.
        response.headers.emplace_back("Cache-Control", "public, max-age=300");
        respond(std::move(response));
    });
    router.Add("GET", "/docs", [](const api::HttpRequest&, api::Responder respond) {
        api::HttpResponse response;
        response.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
        response.headers.emplace_back("Cache-Control", "public, max-age=300");
        response.body = std::string(EmbeddedDocument("reference.html"));
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
