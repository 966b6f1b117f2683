// The ledger's HTTP routes (members, balance, history, events, holds, reversals, adjustments),
// the access routes (keys, login, logout), what they share, and BuildRouter, which assembles
// every route candord serves. Every /v1 route is registered through AddRoute, which
// authenticates the caller and checks the route's row of RoutePolicies() (the one table of who
// may call what) before the handler runs. Writes go through the Committer and answer from its
// callback; reads run on a pooled read-only connection; credentials are checked on a pooled
// read-write connection with its own access::Access. Each resource has its own file
// (members.cc, events.cc, holds.cc, entries.cc, auth.cc, transparency.cc, program_editing.cc).
// Private to app/. See docs/api.md.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "access/access.h"
#include "api/api.h"
#include "app/program_cache.h"
#include "core/clock.h"
#include "core/result.h"
#include "ledger/ledger.h"
#include "store/store.h"

namespace candor::app {

// Read-only connections, each with a Ledger for its reads. A Store is single-threaded, so a
// caller borrows one for the length of its read; connections are opened lazily and kept idle
// for the next caller, so the pool holds at most as many as ran reads at once (the server's
// threads plus the committer's). Thread-safe.
class ReadPool {
public:
    // REQUIRES: `clock` outlives the pool; `url` names a database that already exists.
    ReadPool(std::string url, const Clock& clock);

    // Runs `read` on a borrowed connection. kStorage when no connection could be opened.
    template <class T>
    Result<T> Run(const std::function<Result<T>(ledger::Ledger&)>& read) {
        CANDOR_ASSIGN_OR_RETURN(std::unique_ptr<Slot> slot, Acquire());
        Result<T> result = read(*slot->ledger);
        Release(std::move(slot));
        return result;
    }

    // As Run, for reads below the ledger (the transparency log's tables).
    template <class T>
    Result<T> RunOnStore(const std::function<Result<T>(store::Store&)>& read) {
        CANDOR_ASSIGN_OR_RETURN(std::unique_ptr<Slot> slot, Acquire());
        Result<T> result = read(*slot->store);
        Release(std::move(slot));
        return result;
    }

private:
    struct Slot {
        std::unique_ptr<store::Store> store;
        std::unique_ptr<ledger::Ledger> ledger;
    };

    Result<std::unique_ptr<Slot>> Acquire();
    void Release(std::unique_ptr<Slot> slot);

    std::string url_;
    const Clock& clock_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Slot>> idle_;
};

// Read-write connections, each with an access::Access (which is single-threaded, like its
// Store) sharing one PasswordHasher and one set of keys. Borrowed like ReadPool's. Access writes
// little (a key's or session's last use at most once a minute, logins, logouts), so these
// connections rarely wait for the committer's write lock (busy_timeout covers it). Thread-safe.
class AccessPool {
public:
    // REQUIRES: `clock` and `hasher` outlive the pool; `url` names a database that already
    // exists and is migrated.
    AccessPool(std::string url,
               const Clock& clock,
               crypto::PasswordHasher& hasher,
               access::AccessKeys keys);

    // Runs `call` on a borrowed connection. kStorage when no connection could be opened.
    template <class T>
    Result<T> Run(const std::function<Result<T>(access::Access&)>& call) {
        CANDOR_ASSIGN_OR_RETURN(std::unique_ptr<Slot> slot, Acquire());
        Result<T> result = call(*slot->access);
        Release(std::move(slot));
        return result;
    }

    // As Run, for the few writes that are neither access nor ledger commands (a member's
    // settings): one store call, committed by itself.
    template <class T>
    Result<T> RunOnStore(const std::function<Result<T>(store::Store&)>& call) {
        CANDOR_ASSIGN_OR_RETURN(std::unique_ptr<Slot> slot, Acquire());
        Result<T> result = call(*slot->store);
        Release(std::move(slot));
        return result;
    }

private:
    struct Slot {
        std::unique_ptr<store::Store> store;
        std::unique_ptr<access::Access> access;
    };

    Result<std::unique_ptr<Slot>> Acquire();
    void Release(std::unique_ptr<Slot> slot);

    std::string url_;
    const Clock& clock_;
    crypto::PasswordHasher& hasher_;
    access::AccessKeys keys_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Slot>> idle_;
};

// A few threads for slow, blocking calls (Argon2id in logins, credential enrolments and password
// changes), so that they never run on the server's event loops: a burst of logins then waits
// here while other requests are answered. Jobs wait in a queue of at most
// limits::kPasswordJobsQueuedMax. Stop (or the destructor) runs the jobs already queued, then
// joins. Thread-safe.
class WorkerPool {
public:
    // REQUIRES: threads >= 1.
    explicit WorkerPool(std::size_t threads);
    ~WorkerPool();

    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Queues `job` for a worker thread; false (and `job` dropped) when the queue is full or the
    // pool has stopped.
    bool Submit(std::function<void()> job);

    // Runs the queued jobs and joins the threads; later Submits answer false. Idempotent. Call it
    // while what the jobs use (Deps, the server) is still alive.
    void Stop();

private:
    void Work();

    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> jobs_;
    bool is_stopping_ = false;
    std::vector<std::thread> threads_;
};

// What the routes need. REQUIRES: everything outlives the server's last request.
struct Deps {
    ledger::Committer& committer;
    ReadPool& reads;
    AccessPool& access;
    api::RateLimiter& rates;  // per-key and per-address request rates
    WorkerPool& workers;      // Argon2id (RunPasswordJob)
    ProgramCache& programs;   // the compiled program versions (events, history, simulate)
    const Clock& clock;       // an event's receive time, when it names no occurred_at
    // The rate of API keys whose own rate_per_minute is 0 (config's
    // default_key_rate_per_minute); 0 leaves them unlimited.
    std::int64_t default_key_rate_per_minute = 0;
    // The time zone of members who chose none (config's time_zone).
    std::string default_time_zone = "Europe/Moscow";
};

// Who is asking, as AddRoute found out before the handler runs.
struct RequestContext {
    // The ledger's idempotency namespace: "key:<public id>", "staff:<id>" or "member:<id>";
    // "anonymous" on public routes.
    std::string client_id;
    std::optional<access::ApiKeyPrincipal> key;  // set for an API key
    std::optional<access::Principal> principal;  // set for a staff or member session
    std::string session_token;                   // the session's token as sent (for logout)
};

// What a route asks of its caller.
enum class Need : std::uint8_t {
    kNothing,  // public: no credentials (login)
    kSession,  // any live staff or member session (logout)
    kScope,    // an API key or staff session with RoutePolicy::scope
};

// One row of the access table: who may call (method, pattern).
struct RoutePolicy {
    std::string_view method;
    std::string_view pattern;
    Need need = Need::kScope;
    access::Scope scope = access::Scope::kAdmin;  // for Need::kScope
    // A member session may call it for its own member, named by the path's {id}; another
    // member's id answers 404 as if it did not exist.
    bool is_member_own = false;
    // The body names the store and channel it acts for ("store", "channel"), which a key bound
    // to a store or channel must match (ResolvePlace; docs/access.md, "Store and channel").
    bool is_store_bound = false;
    // For Need::kScope: a second scope that is enough on its own (reading the program:
    // program:write or analytics:read); std::nullopt when `scope` alone is.
    std::optional<access::Scope> or_scope = std::nullopt;
};

// The access table of every /v1 route (docs/api.md, "Authentication"). AddRoute refuses (by
// assertion) a /v1 route missing from it, so a new route cannot be left unguarded.
std::span<const RoutePolicy> RoutePolicies();

// The row for (method, pattern), or nullptr.
const RoutePolicy* FindRoutePolicy(std::string_view method, std::string_view pattern);

// The name of the session cookie for the web ("candor_session").
inline constexpr std::string_view kSessionCookie = "candor_session";

// The caller of `request`: an `Authorization: Bearer <token>` header (an API key "ck_..." or a
// session token) or else the candor_session cookie. kUnauthenticated when neither is sent, the
// header is not a bearer token, or the token is not a live key or session.
Result<RequestContext> Authenticate(Deps& deps, const api::HttpRequest& request);

// Whether `context` may call the route of `policy` for `request`: kForbidden when it has neither
// the route's scope nor its or_scope, kUnknownMember for a member session reaching another
// member's data.
Status Authorize(Deps& deps,
                 const RoutePolicy& policy,
                 const RequestContext& context,
                 const api::HttpRequest& request);

// Where a request acts: the store and channel it names, or the key's binding where it names none.
struct Place {
    std::string store;    // "" when neither the body nor the key names one
    std::string channel;  // likewise
};

// Reads the optional "store" and "channel" strings of `body` (1-kApiKeyBindingBytesMax bytes)
// and applies the caller's binding: a key bound to a store (channel) acts for that one only, so
// an absent field takes the binding and another value is kForbidden; sessions and unbound keys
// take the body's values as they are. kInvalidArgument for a malformed field. *field names the
// offending field.
Result<Place> ResolvePlace(const RequestContext& context,
                           const nlohmann::json& body,
                           std::string* field);

// Runs `job` (which may hash passwords) on deps.workers and answers with its response; a
// full queue answers 503 overloaded at once. `request` must stay valid until the answer
// (api::Handler guarantees it).
void RunPasswordJob(Deps& deps,
                    const api::HttpRequest& request,
                    api::Responder respond,
                    std::function<api::HttpResponse()> job);

// A handler of a /v1 route, run after authentication and authorization.
using AppHandler = std::function<void(
    const RequestContext& context, const api::HttpRequest& request, api::Responder respond)>;

// Registers `handler` for (method, pattern) behind its row of RoutePolicies(): no credentials
// or bad ones answer 401 (with WWW-Authenticate), a missing scope 403, and a client over its
// rate 429 with Retry-After (a key at its rate_per_minute, or at
// Deps::default_key_rate_per_minute when its own is 0; a public route at
// limits::kAnonymousRatePerMinute per remote address). REQUIRES: the row exists.
void AddRoute(api::Router& router,
              Deps& deps,
              std::string_view method,
              std::string_view pattern,
              AppHandler handler);

// A handler written as a plain function of its resource's file, taking the Deps first.
using DepsHandler = void (*)(Deps& deps,
                             const RequestContext& context,
                             const api::HttpRequest& request,
                             api::Responder respond);

// AddRoute for such a function.
void AddRoute(api::Router& router,
              Deps& deps,
              std::string_view method,
              std::string_view pattern,
              DepsHandler handler);

// The member with public id `public_id`; kUnknownMember when there is none.
Result<MemberId> ResolveMember(Deps& deps, std::string_view public_id);

// The start of every write but /v1/events: a request for the caller with the Idempotency-Key
// header as its key and no command yet; or std::nullopt when the header is missing or
// malformed, after answering 400 naming "Idempotency-Key".
std::optional<ledger::Request> StartWrite(const RequestContext& context,
                                          const api::HttpRequest& request,
                                          api::Responder& respond);

// A ledger error as a client sees it: messages below 500 are replaced by the code's meaning
// (ledger messages are written for developers and may name internal ids); 5xx are logged and
// hidden by api::Problem anyway.
Error ClientError(const Error& error);

// Renders a ledger outcome as the answer of a write.
using RenderOutcome = std::function<api::HttpResponse(const ledger::Outcome& outcome)>;

// Submits `command` to the committer and answers from its callback: `render(outcome)` on
// success, else the error as a problem naming `error_field` for kUnknownMember (and no field
// for other codes). `request` must stay valid until then (api::Handler guarantees it).
void SubmitWrite(Deps& deps,
                 const api::HttpRequest& request,
                 api::Responder respond,
                 ledger::Request command,
                 RenderOutcome render,
                 std::string_view error_field = {});

// The member routes (members.cc: enrol, read, update settings, balance, history), events
// (events.cc), holds (holds.cc), reversals and adjustments (entries.cc), and
// POST /v1/program/simulate (simulate.cc).
void RegisterMembers(api::Router& router, Deps& deps);
void RegisterEvents(api::Router& router, Deps& deps);
void RegisterSimulate(api::Router& router, Deps& deps);
void RegisterHolds(api::Router& router, Deps& deps);
void RegisterEntries(api::Router& router, Deps& deps);

// The transparency log (transparency.cc): GET /v1/transparency/head, /heads/{size}, /keys,
// /entries, /proof/inclusion, /proof/consistency, and GET /v1/members/{id}/receipts/{entry}.
void RegisterTransparency(api::Router& router, Deps& deps);

// POST /v1/keys, GET /v1/keys, POST /v1/keys/{id}/revoke, POST /v1/auth/login and
// POST /v1/auth/logout (auth.cc).
void RegisterAccess(api::Router& router, Deps& deps);

// Staff administration, TOTP enrolment, password changes, member credentials and the audit log
// (staff.cc; docs/api.md, "Accounts").
void RegisterStaff(api::Router& router, Deps& deps);

// The audit row of `action` by the caller of `request` (a key, a staff member or a member), with
// the request's id; the access call (or ledger::Request) that takes it sets its time, and its
// target where the caller has not, in the action's own transaction. Never pass personal data or
// secrets.
access::AuditRow AuditOf(const RequestContext& context,
                         const api::HttpRequest& request,
                         std::string_view action,
                         std::string_view reason = {});

// The program's draft, versions and campaign budgets (program_editing.cc; docs/program.md,
// "Editing and publishing").
void RegisterProgramEditing(api::Router& router, Deps& deps);

// All of the above.
void RegisterLedgerRoutes(api::Router& router, Deps& deps);

// GET /openapi.json: the embedded docs/api/openapi.json; GET /docs: the HTML reference built
// from it at build time (self-contained: Redoc's scripts are inlined, nothing loads from a CDN).
void RegisterOpenApi(api::Router& router);
std::string_view OpenApiDocument();

// Adds the committer's series to `metrics`' exposition (committer_metrics.cc; docs/api.md).
// REQUIRES: `committer` outlives `metrics`; called before the server starts.
void AddCommitterMetrics(api::Metrics& metrics, const ledger::Committer& committer);

// Every route candord serves: health, the ledger's routes and the OpenAPI document.
// REQUIRES: `metrics` and `deps` outlive the router; `is_ready` is thread-safe.
void BuildRouter(api::Router& router,
                 const api::Metrics& metrics,
                 std::function<bool()> is_ready,
                 Deps& deps);

}  // namespace candor::app
