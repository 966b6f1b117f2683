// POST /v1/events and POST /v1/events:batch: events decoded strictly (program::ReadEvent), their
// place resolved against the caller's key binding, and earned through the program engine inside
// the committer's transaction (DecideEvent, earning.h). The event's "id" is its idempotency
// key; the idempotency fingerprint is the event's canonical JSON as received. Private to app/.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "app/earning.h"
#include "app/routes.h"
#include "core/result.h"
#include "program/program.h"

namespace candor::app {

// The event of `json` (program::ReadEvent) with its store and channel resolved against the
// caller's key binding (ResolvePlace). Errors name the field (*field).
Result<program::Event> ReadBoundEvent(const RequestContext& context,
                                      const nlohmann::json& json,
                                      std::string* field);

// The idempotency fingerprint of an event as received (before occurred_at takes its default):
// its canonical JSON, so a retry of the same event matches whatever the order of its members
// and the offset of its time, and any other event under the same id does not.
std::string EventFingerprint(const program::Event& event);

// The answer to an event: {"entry", "points", "status", "cashback", "program_version",
// "explanation": {"ru", "en"}, "replay"}. `texts` explain the entry when there is one (else
// what was decided); `amounts` are what it moved on the member's available accounts.
nlohmann::json EventAnswer(const std::optional<journal::Entry>& entry,
                           MemberId member,
                           const EntryTexts& texts,
                           bool is_replay);

}  // namespace candor::app
