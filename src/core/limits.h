// Every queue, batch, page and retry loop in Candor has a named limit here, so that nothing
// grows without bound and every bound can be found in one place. Units come last in names.
#pragma once

#include <cstddef>
#include <cstdint>

namespace candor::limits {

// Postings in one journal entry. An expiry entry has two per member account touched.
inline constexpr std::size_t kEntryPostingsMax = 64;
// Bytes of opaque metadata (rule ids, program version) carried by one entry.
inline constexpr std::size_t kEntryMetaBytesMax = 4096;
// Bytes of one canonical entry encoding; bounds the decoder.
inline constexpr std::size_t kEntryBytesMax = 16 * 1024;
// Campaign budgets one earn may draw its points from (Earn::budget_draws).
inline constexpr std::size_t kEarnBudgetDrawsMax = 8;
// Lots one debit may touch before it is refused; bounds one command's work.
inline constexpr std::size_t kLotsPerDebitMax = 10'000;
// Client id and idempotency key lengths, in bytes.
inline constexpr std::size_t kClientIdBytesMax = 128;
inline constexpr std::size_t kIdempotencyKeyBytesMax = 255;
// Member public ids ("m_..."), in bytes.
inline constexpr std::size_t kPublicIdBytesMax = 64;
// IANA time zone names ("America/Argentina/ComodRivadavia", the longest, has 32), in bytes.
inline constexpr std::size_t kTimeZoneBytesMax = 64;
// Free-text reasons on adjustments and reversals, in bytes.
inline constexpr std::size_t kReasonBytesMax = 500;
// Commands waiting in the committer queue before Submit answers kOverloaded.
inline constexpr std::size_t kCommitterQueueMax = 65'536;
// Commands in one group-committed transaction.
inline constexpr std::size_t kCommitBatchMax = 4'096;
// Members whose lots one expiry or hold-timeout sweep transaction handles.
inline constexpr std::size_t kSweepBatchMax = 1'000;
// Rows in one page of history, and of the administrative lists (audit log, API keys, staff).
inline constexpr std::size_t kHistoryPageMax = 500;
inline constexpr std::size_t kListPageMax = 500;
// Bytes of one password. Longer ones are refused before hashing, so a request body cannot make
// a login cost more than an ordinary one; 1024 bytes fits any passphrase.
inline constexpr std::size_t kPasswordBytesMax = 1024;
// Argon2id password hashes and verifies running at once in a process. Each holds 64 MiB and a
// core for about 0.1 s, so a burst of logins costs at most 128 MiB and two cores; the rest wait.
inline constexpr std::size_t kPasswordHashesConcurrentMax = 2;
// TOTP time steps tried on either side of the current one (30 s each): each extra step is
// another chance for a guessed code, so this stays small.
inline constexpr int kTotpWindowStepsMax = 10;
// HTTP requests (api/): bytes of the request line and headers, bytes of one body, header
// fields in one request, connections open at once per process. Over a limit the server answers
// 431, 413, 431 and 503.
inline constexpr std::size_t kHttpHeaderBytesMax = std::size_t{16} * 1024;
inline constexpr std::size_t kHttpBodyBytesMax = std::size_t{1024} * 1024;
inline constexpr std::size_t kHttpHeadersCountMax = 100;
inline constexpr std::size_t kHttpConnectionsMax = 10'000;
// Milliseconds a client has to send a whole request (or the server to write a response), and
// that an idle keep-alive connection stays open between requests. Slow clients cannot hold a
// connection longer than these.
inline constexpr std::int64_t kHttpReadTimeoutMs = 10'000;
inline constexpr std::int64_t kHttpIdleTimeoutMs = 60'000;
// Milliseconds Server::Stop waits for in-flight requests before it drops them.
inline constexpr std::int64_t kHttpDrainTimeoutMs = 10'000;
// Bytes of a client's X-Request-Id that the server echoes; longer ones are replaced.
inline constexpr std::size_t kRequestIdBytesMax = 128;

static_assert(kEntryPostingsMax * 32 + kEntryMetaBytesMax + 256 <= kEntryBytesMax,
              "an entry at its limits must fit the decoder bound");

// Logins (access/): consecutive failed logins (wrong password, code or recovery code) after
// which an account is locked, and for how long. Five guesses per 15 minutes bound an online
// password or code guesser to 480 tries a day per account.
inline constexpr std::int64_t kLoginFailuresMax = 5;
inline constexpr std::int64_t kLoginLockoutMs = std::int64_t{15} * 60 * 1000;
// Recovery codes issued to a staff member when TOTP is confirmed; each works once.
inline constexpr std::size_t kRecoveryCodesCount = 10;
// Bytes of a login (email or phone as typed), an API key's name, and a key's store or channel
// binding.
inline constexpr std::size_t kLoginBytesMax = 254;
inline constexpr std::size_t kApiKeyNameBytesMax = 100;
inline constexpr std::size_t kApiKeyBindingBytesMax = 64;
// Requests per minute an API key may be given; 0 means no limit of its own.
inline constexpr std::int64_t kApiKeyRatePerMinuteMax = 1'000'000;
// Rate limiting (api::RateLimiter): requests per minute a client without credentials may make
// from one address to the login route, and to the other public routes (the transparency log's
// reads), buckets kept per shard before idle ones are
// dropped, and the shards (a power of two) that spread the buckets' locks.
inline constexpr std::int64_t kAnonymousRatePerMinute = 60;
inline constexpr std::int64_t kPublicReadRatePerMinute = 600;
inline constexpr std::size_t kRateBucketsPerShardMax = 4096;
inline constexpr std::size_t kRateShards = 16;
static_assert((kRateShards & (kRateShards - 1)) == 0, "shards are picked by a mask");
// Password hashing jobs (logins, enrolments, password changes) waiting for a worker before new
// ones are refused with kOverloaded.
inline constexpr std::size_t kPasswordJobsQueuedMax = 256;
// Attempts at drawing an unused random API key public id before CreateApiKey gives up.
inline constexpr int kApiKeyIdAttemptsMax = 3;
// Bytes of a staff member's display name.
inline constexpr std::size_t kDisplayNameBytesMax = 100;
// Bytes a new password needs at least (NIST SP 800-63B); kPasswordBytesMax is the most.
inline constexpr std::size_t kPasswordBytesMin = 8;

// Events in one POST /v1/events:batch request; each is its own command.
inline constexpr std::size_t kEventsBatchMax = 100;

// Events as the program engine reads them (program/): items in one event; units of one item;
// bytes of an event's short strings (sku, category, store, channel, game, survey, custom name);
// the largest amount in minor units (10^13: a hundred billion in a currency with two decimals),
// so that amount x rate x multiplier x tier multiplier stays exact in 128-bit arithmetic.
inline constexpr std::size_t kEventItemsMax = 100;
inline constexpr std::int64_t kItemQtyMax = 1'000'000;
inline constexpr std::size_t kEventFieldBytesMax = 64;
// Bytes of an event's "member": a member id, a card number or a QR token, as sent.
inline constexpr std::size_t kMemberReferenceBytesMax = 256;
inline constexpr std::int64_t kEventAmountMax = 10'000'000'000'000;
// An event's latest occurred_at, microseconds since the epoch (2200-01-01T00:00:00Z). A later time
// is a client's mistake, and the date library's nanosecond clocks overflow after 2262.
inline constexpr std::int64_t kEventTimeMaxMicros = std::int64_t{7'258'118'400} * 1'000'000;

// A program's definition (program/): bytes of its JSON; earn rules (campaign rules included),
// campaigns, rule groups and tiers in it; bytes of an id (rule, group, campaign, tier) and of a
// name in one language. Expressions have the rules' own limits (kRuleSourceBytesMax, ...).
inline constexpr std::size_t kProgramBytesMax = std::size_t{1024} * 1024;
inline constexpr std::size_t kProgramRulesMax = 256;
inline constexpr std::size_t kProgramCampaignsMax = 64;
inline constexpr std::size_t kProgramGroupsMax = 64;
inline constexpr std::size_t kProgramTiersMax = 16;
inline constexpr std::size_t kProgramIdBytesMax = 32;
inline constexpr std::size_t kProgramNameBytesMax = 200;
// Bytes of the note a manager gives a published version ("Black Friday bonus, approved by ...").
inline constexpr std::size_t kProgramNoteBytesMax = 500;
// Compiled program versions candord keeps (app's ProgramCache), the one in force and those the
// history explains; the least recently used beyond it is compiled again when next needed.
inline constexpr std::size_t kProgramVersionsCachedMax = 16;
// Events in one POST /v1/program/simulate request.
inline constexpr std::size_t kSimulateEventsMax = 100;

// Journal entries the sequencer integrates into the transparency log per transaction (and per
// signed tree head).
inline constexpr std::size_t kSequenceBatchMax = 100'000;

// Bytes of a configuration file or key file read at start-up (config/): far above any real one,
// so a wrong path (a log, a database) is refused instead of read into memory.
inline constexpr std::size_t kConfigFileBytesMax = std::size_t{64} * 1024;

// candord's sequencer: entries per batch (one write transaction, so the committer waits at most
// one batch's integration for the write lock) and the longest pause between two passes.
inline constexpr std::size_t kServerSequenceBatchMax = 4'096;
inline constexpr std::int64_t kSequenceIntervalMs = 1'000;

// Entries one GET /v1/transparency/entries answers.
inline constexpr std::size_t kTransparencyEntriesPageMax = 1'000;

// Rules (program/rules): bytes of one expression's source; levels of nesting (parentheses,
// calls, list literals and operators: the parser, checker and evaluator recurse once per level,
// so this bounds their stack; a chain of && or || counts one level); syntax nodes of one
// expression; elements of one list literal. Evaluation needs no loop bound of its own: the
// only loops are the list macros (any, all, sum, ...) over the finite lists of an activation.
inline constexpr std::size_t kRuleSourceBytesMax = std::size_t{16} * 1024;
inline constexpr std::size_t kRuleDepthMax = 32;
inline constexpr std::size_t kRuleNodesMax = 2'048;
inline constexpr std::size_t kRuleListElementsMax = 1'000;

}  // namespace candor::limits
