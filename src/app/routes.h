// The ledger's HTTP routes (members, balance, history, events, holds, reversals, adjustments),
// what they share, and BuildRouter, which assembles every route candord serves. Writes go
// through the Committer and answer from its callback; reads run on a pooled read-only
// connection. Each resource has its own file (members.cc, events.cc, holds.cc, entries.cc).
// Private to app/. See docs/api.md.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
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

// What the routes need. REQUIRES: everything outlives the server's last request.
struct Deps {
    ledger::Committer& committer;
    ReadPool& reads;
};

// Who is asking. Every handler takes one, so authentication can fill it in later.
struct RequestContext {
    std::string client_id;  // the ledger's idempotency namespace
};

// The caller of `request`.
RequestContext Authenticate(const api::HttpRequest& request);

// The member with public id `public_id`; kUnknownMember when there is none.
Result<MemberId> ResolveMember(Deps& deps, std::string_view public_id);

// The start of every write but /v1/events: a request for the caller with the Idempotency-Key
// header as its key and no command yet; or std::nullopt when the header is missing or
// malformed, after answering 400 naming "Idempotency-Key".
std::optional<ledger::Request> StartWrite(const api::HttpRequest& request, api::Responder& respond);

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

// The member routes (members.cc), events (events.cc), holds (holds.cc), reversals and
// adjustments (entries.cc).
void RegisterMembers(api::Router& router, Deps& deps);
void RegisterEvents(api::Router& router, Deps& deps);
void RegisterHolds(api::Router& router, Deps& deps);
void RegisterEntries(api::Router& router, Deps& deps);

// All of the above.
void RegisterLedgerRoutes(api::Router& router, Deps& deps);

// GET /openapi.json: the embedded docs/api/openapi.json.
void RegisterOpenApi(api::Router& router);
std::string_view OpenApiDocument();

// Every route candord serves: health, the ledger's routes and the OpenAPI document.
// REQUIRES: `metrics` and `deps` outlive the router; `is_ready` is thread-safe.
void BuildRouter(api::Router& router,
                 const api::Metrics& metrics,
                 std::function<bool()> is_ready,
                 Deps& deps);

}  // namespace candor::app
