// The closed set of error codes that Candor returns.
//
// Each code has one row in CANDOR_ERROR_CODES: its stable problem `type` slug (the last
// segment of the problem+json `type` URI), the HTTP status it maps to, whether a client may
// retry the same request unchanged, and what it means. The HTTP layer renders problem+json
// from this table alone; nothing else assigns statuses. Slugs are a public contract: never
// rename one, add a new code instead.
#pragma once

#include <cstdint>
#include <string_view>

namespace candor {

// X(name, slug, http_status, retryable, meaning)
#define CANDOR_ERROR_CODES(X)                                                                     \
    X(kInvalidArgument, "invalid-argument", 400, false, "A field is missing or malformed.")       \
    X(kInvalidAmount, "invalid-amount", 422, false, "An amount is zero, negative or too large.")  \
    X(kAmountOverflow, "amount-overflow", 422, false, "A balance or sum would overflow int64.")   \
    X(kUnknownMember, "unknown-member", 404, false, "No member has this id.")                     \
    X(kUnknownAccount, "unknown-account", 404, false, "No account has this id.")                  \
    X(kUnknownEntry, "unknown-entry", 404, false, "No journal entry has this id.")                \
    X(kUnknownHold, "unknown-hold", 404, false, "No hold has this id.")                           \
    X(kAlreadyExists, "already-exists", 409, false, "An object with this id already exists.")     \
    X(kAssetMismatch, "asset-mismatch", 422, false, "The account does not hold this asset.")      \
    X(kInsufficientBalance,                                                                       \
      "insufficient-balance",                                                                     \
      422,                                                                                        \
      false,                                                                                      \
      "The account's balance is lower than the amount.")                                          \
    X(kHoldClosed, "hold-closed", 409, false, "The hold was already captured or voided.")         \
    X(kHoldExpired, "hold-expired", 409, false, "The hold timed out and is void.")                \
    X(kNotReversible, "not-reversible", 422, false, "This kind of entry cannot be reversed.")     \
    X(kReversalExceedsOriginal,                                                                   \
      "reversal-exceeds-original",                                                                \
      422,                                                                                        \
      false,                                                                                      \
      "The reversals would exceed the original entry.")                                           \
    X(kIdempotencyConflict,                                                                       \
      "idempotency-conflict",                                                                     \
      409,                                                                                        \
      false,                                                                                      \
      "The idempotency key was used before with a different request.")                            \
    X(kUnbalancedEntry, "unbalanced-entry", 422, false, "Postings do not sum to zero per asset.") \
    X(kCorruptDatabase, "corrupt-database", 500, false, "The database file is damaged.")          \
    X(kForeignDatabase, "foreign-database", 500, false, "The file is not a Candor database.")     \
    X(kSchemaTooNew, "schema-too-new", 500, false, "The database was written by a newer Candor.") \
    X(kCorruptEntry, "corrupt-entry", 422, false, "An encoded journal entry is malformed.")       \
    X(kStorage, "storage-unavailable", 503, true, "The database could not complete the call.")    \
    X(kOverloaded, "overloaded", 503, true, "Too many requests are queued; retry later.")         \
    X(kShuttingDown, "shutting-down", 503, true, "The server is stopping; retry elsewhere.")      \
    X(kUnknownRoute, "not-found", 404, false, "No resource exists at this path.")                 \
    X(kMethodNotAllowed,                                                                          \
      "method-not-allowed",                                                                       \
      405,                                                                                        \
      false,                                                                                      \
      "The resource does not support this method; see the Allow header.")                         \
    X(kPayloadTooLarge, "payload-too-large", 413, false, "The request body is too large.")        \
    X(kHeadersTooLarge,                                                                           \
      "headers-too-large",                                                                        \
      431,                                                                                        \
      false,                                                                                      \
      "The request headers are too large or too many.")                                           \
    X(kNotReady, "not-ready", 503, true, "The server is starting or stopping; retry later.")      \
    X(kInternal, "internal", 500, false, "An unexpected failure; the log has details.")           \
    X(kUnauthenticated,                                                                           \
      "unauthenticated",                                                                          \
      401,                                                                                        \
      false,                                                                                      \
      "The credentials are missing, wrong, expired or revoked.")                                  \
    X(kForbidden, "forbidden", 403, false, "The credentials do not allow this action.")           \
    X(kLocked,                                                                                    \
      "locked",                                                                                   \
      429,                                                                                        \
      false,                                                                                      \
      "Too many failed logins: the account is locked for a while; see Retry-After.")              \
    X(kTotpRequired,                                                                              \
      "totp-required",                                                                            \
      401,                                                                                        \
      false,                                                                                      \
      "A one-time code from the authenticator app (or a recovery code) is required.")             \
    X(kUnknownApiKey, "unknown-api-key", 404, false, "No live API key has this id.")              \
    X(kProofInvalid,                                                                              \
      "proof-invalid",                                                                            \
      422,                                                                                        \
      false,                                                                                      \
      "The Merkle proof does not match the tree heads it claims.")                                \
    X(kRateLimited,                                                                               \
      "rate-limited",                                                                             \
      429,                                                                                        \
      false,                                                                                      \
      "Too many requests from this key or address; retry after Retry-After seconds.")             \
    X(kUnknownStaff, "unknown-staff", 404, false, "No enabled staff account has this id.")        \
    X(kUnknownTreeHead, "unknown-tree-head", 404, false, "No tree head was signed at this size.") \
    X(kNotSequenced,                                                                              \
      "not-sequenced",                                                                            \
      409,                                                                                        \
      false,                                                                                      \
      "The entry is not yet covered by a signed tree head; retry in a few seconds.")              \
    X(kSchemaTooOld,                                                                              \
      "schema-too-old",                                                                           \
      500,                                                                                        \
      false,                                                                                      \
      "The database needs a migration: open it read-write once.")                                 \
    X(kInvalidRule, "invalid-rule", 422, false, "A rule does not parse or type-check.")           \
    X(kRuleEvaluation,                                                                            \
      "rule-evaluation-failed",                                                                   \
      422,                                                                                        \
      false,                                                                                      \
      "A rule failed while evaluating (division by zero or overflow).")                           \
    X(kNoProgram, "no-program", 404, false, "No program draft or version exists yet.")            \
    X(kUnknownProgramVersion,                                                                     \
      "unknown-program-version",                                                                  \
      404,                                                                                        \
      false,                                                                                      \
      "No program version has this number.")                                                      \
    X(kProgramConflict,                                                                           \
      "program-conflict",                                                                         \
      409,                                                                                        \
      false,                                                                                      \
      "The program changed since it was read: read it again, then retry.")                        \
    X(kUnknownBudget, "unknown-budget", 404, false, "No campaign budget has this code.")

enum class ErrorCode : std::uint8_t {
#define CANDOR_ERROR_ENUM(name, slug, status, retryable, meaning) name,
    CANDOR_ERROR_CODES(CANDOR_ERROR_ENUM)
#undef CANDOR_ERROR_ENUM
};

struct ErrorCodeInfo {
    std::string_view slug;
    int http_status;
    bool is_retryable;
    std::string_view meaning;
};

// The table row for `code`.
const ErrorCodeInfo& Describe(ErrorCode code);

// The code whose slug is `slug`, for decoding problem documents; false when none is.
bool ParseErrorSlug(std::string_view slug, ErrorCode* code);

}  // namespace candor
