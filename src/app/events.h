// POST /v1/events, minimal: a purchase earns 1 point per 100 minor units through the Committer
// until the program engine decides earnings. Auth comes later, so every event is filed under
// the client id "default". Private to app/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/api.h"
#include "core/ids.h"
#include "core/result.h"
#include "ledger/ledger.h"

namespace candor::app {

struct PurchaseEvent {
    std::string id;  // the idempotency key
    MemberId member;
    std::int64_t amount_minor = 0;
};

// Decodes {"id": string, "member": int, "type": "purchase", "amount": positive int}. Unknown
// fields, wrong types and out-of-range values are kInvalidArgument (kInvalidAmount for the
// amount) with *field naming the offending member ("body" when the body is not a JSON object).
Result<PurchaseEvent> ParsePurchaseEvent(std::string_view body, std::string* field);

// Points a purchase earns until rules exist: 1 per 100 minor units, rounded down.
std::int64_t PointsForPurchase(std::int64_t amount_minor);

// Registers POST /v1/events. REQUIRES: `committer` outlives the server's last request.
void RegisterEvents(api::Router& router, ledger::Committer& committer);

}  // namespace candor::app
