// POST /v1/events and POST /v1/events:batch, minimal: a purchase earns 1 point per 100 minor
// units through the Committer until the program engine decides earnings. The event's "id" is
// its idempotency key. Private to app/.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace candor::app {

struct PurchaseEvent {
    std::string id;      // the idempotency key
    std::string member;  // the member's public id
    std::int64_t amount_minor = 0;
    // Where it happened: the body's optional "store" and "channel" after the caller's key
    // binding was applied (ResolvePlace). The ledger does not record them yet. TODO(#3): pass
    // them to the program engine and the journal's metadata once those take them.
    std::string store;
    std::string channel;
};

// Decodes {"id": string, "member": string, "type": "purchase", "amount": positive int,
// "store"?: string, "channel"?: string}; store and channel are left for ResolvePlace to read.
// Unknown fields, wrong types and out-of-range values are kInvalidArgument (kInvalidAmount for
// the amount) with *field naming the offending member ("body" when the body is not a JSON
// object). Whether the member exists is for the caller to find out.
Result<PurchaseEvent> ParsePurchaseEvent(std::string_view body, std::string* field);

// As ParsePurchaseEvent, for an already parsed value (an item of a batch).
Result<PurchaseEvent> ReadPurchaseEvent(const nlohmann::json& json, std::string* field);

// Points a purchase earns until rules exist: 1 per 100 minor units, rounded down.
std::int64_t PointsForPurchase(std::int64_t amount_minor);

}  // namespace candor::app
