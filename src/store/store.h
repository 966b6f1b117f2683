// The one storage interface of Candor.
//
// A Store is one connection to one database: it offers transactions, savepoints and the
// domain operations the ledger needs (append an entry, load a member's open lots), never a
// general SQL toolkit. Backends (SQLite now, PostgreSQL later) implement it with the same
// semantics, proven by the store contract tests. Migrations are applied by Open.
//
// Amounts are stored as given: the store never checks business rules such as "a member may
// not go below zero"; the ledger does, inside the same transaction. The store does reject
// what would break its own structure (a duplicate id is kAlreadyExists).
//
// Thread-safety: a Store is used by one thread at a time. Open one Store per thread; with
// SQLite in WAL mode, readers on their own connections never block the writer.
//
// Errors: kStorage for a failed database call (retryable: busy, I/O), kCorruptDatabase,
// kForeignDatabase and kSchemaTooNew from Open.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/amount.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/kinds.h"
#include "core/result.h"

namespace candor::store {

using Digest = std::array<std::uint8_t, 32>;

// A member's settings that are not personal data (schema 8). "" means the member chose none and
// the deployment's default applies (Russian; candord's time_zone setting): the caller resolves it.
struct MemberSettings {
    std::string language;   // "ru", "en" or ""
    std::string time_zone;  // an IANA name ("Europe/Moscow") or ""
};

// A change of settings (UpdateMemberSettings): a field that is set is stored (a value, or "" to
// return to the default); std::nullopt leaves the stored value as it is.
struct MemberSettingsUpdate {
    std::optional<std::string> language;
    std::optional<std::string> time_zone;
};

struct MemberRow {
    MemberId id;
    std::string public_id;
    Timestamp created_at;
    MemberSettings settings;
};

// An account that belongs to the program rather than to a member (member accounts are
// implied by the member's balance rows).
struct SystemAccountRow {
    AccountId id;
    AccountKind kind = AccountKind::kProgramIssued;
    Asset asset = Asset::kPoints;
    std::string code;  // unique, e.g. "issued:points" or "campaign:spring-2026"
    bool allows_negative = false;
    int shards = 1;  // balance rows; spreading a busy account over shards keeps rows cool
    Timestamp created_at;
};

struct EntryRow {
    EntryId id;
    EntryKind kind = EntryKind::kEarn;
    Timestamp created_at;
    EntryId reference;
    std::vector<std::uint8_t> body;  // canonical encoding (journal)
    Digest leaf_hash{};
};

struct PostingRow {
    AccountId account;
    EntryId entry;
    int leg = 0;  // position of the posting within its entry
    Asset asset = Asset::kPoints;
    Amount amount;
};

struct LotRow {
    LotId id;
    AccountId account;
    EntryId entry;  // the entry that credited it
    Amount amount;
    Amount remaining;
    Timestamp expires_at;
};

// How much of a lot an entry consumed, and how much of that was later given back (by a void,
// a partial capture, or a reversal).
struct LotMoveRow {
    EntryId entry;
    LotId lot;
    int position = 0;  // order of consumption within the entry
    Amount amount;
    Amount restored;
};

enum class HoldState : std::uint8_t { kOpen = 0, kCaptured = 1, kVoided = 2 };

struct HoldRow {
    EntryId id;  // the hold entry
    MemberId member;
    Asset asset = Asset::kPoints;
    Amount amount;
    Timestamp expires_at;
    HoldState state = HoldState::kOpen;
    EntryId closed_by;  // the capture or void entry
    // Where the hold was placed (docs/access.md, "Store and channel bindings"): "" when it
    // named none. Stored as given.
    std::string store;
    std::string channel;
};

struct ReversalRow {
    EntryId original;
    std::int64_t whole = 0;          // the denominator every reversal of this entry uses
    std::int64_t reversed_part = 0;  // cumulative numerator reversed so far
};

struct IdempotencyRow {
    std::string client_id;
    std::string key;
    Digest fingerprint{};
    std::int64_t result_id = 0;  // entry id, member id or account id, by command
    Timestamp created_at;
};

struct AccountSum {
    AccountId account;
    Amount amount;
};

// ---- Identity and access rows (access/)

// An API key. The secret itself is never stored, only its digest (crypto::ApiKeySecretHash).
struct ApiKeyRow {
    ApiKeyId id;  // assigned by InsertApiKey
    std::string public_id;
    Digest secret_hash{};
    std::string name;
    std::string scopes;           // space-separated scope names
    std::string store_binding;    // "" when the key may act for any store
    std::string channel_binding;  // "" when the key may act for any channel
    std::int64_t rate_per_minute = 0;
    Timestamp created_at;
    std::optional<Timestamp> revoked_at;
    std::optional<Timestamp> last_used_at;
};

// What staff and member logins share: the password hash, the TOTP state and the throttle.
struct AuthState {
    std::string password_hash;              // Argon2id string
    std::vector<std::uint8_t> totp_secret;  // empty until enrolment begins
    bool totp_confirmed = false;
    std::int64_t totp_last_step = -1;  // crypto::kTotpNoStepUsed until a code is accepted
    std::int64_t failed_logins = 0;
    Timestamp locked_until;  // the epoch when not locked
    Timestamp password_changed_at;
};

struct StaffRow {
    StaffId id;            // assigned by InsertStaff
    Digest email_index{};  // keyed blind index of the normalized email, never the email
    std::string display_name;
    std::int64_t role = 0;
    AuthState auth;
    Timestamp created_at;
    std::optional<Timestamp> disabled_at;  // set by DisableStaff; a disabled account cannot log in
};

struct MemberCredentialRow {
    MemberId member;
    Digest login_index{};  // keyed blind index of the normalized email or phone
    AuthState auth;
};

enum class SubjectKind : std::uint8_t { kStaff = 1, kMember = 2 };

enum class SessionPurpose : std::uint8_t { kFull = 0, kTotpEnrolment = 1 };

struct SessionRow {
    SessionId id;  // assigned by InsertSession
    Digest token_hash{};
    SubjectKind subject_kind = SubjectKind::kMember;
    std::int64_t subject_id = 0;
    SessionPurpose purpose = SessionPurpose::kFull;
    Timestamp created_at;
    Timestamp last_seen_at;
    Timestamp expires_at;
    std::optional<Timestamp> revoked_at;
};

// One administrative action (docs/access.md, "Audit log"). Never personal data or secrets.
struct AuditRow {
    std::int64_t id = 0;  // assigned by InsertAudit, ascending
    Timestamp at;
    std::string actor_kind;  // "key", "staff" or "member"
    std::string actor_id;    // the key's public id, the staff id, the member's public id
    std::string action;      // "key.create", "staff.disable", "adjustment.create", ...
    std::string target;      // the id of the object acted on
    std::string reason;      // "" unless the action requires one
    std::string request_id;
};

// ---- Transparency log rows (translog/)

// A leaf of the transparency log: leaf i is entry i + 1 (entry ids are dense from 1).
struct LeafRow {
    EntryId entry;
    Digest leaf_hash{};
};

// A signed tree head as stored; translog/ defines what is signed and checks it.
struct TreeHeadRow {
    std::uint64_t size = 0;
    Digest root{};
    Timestamp timestamp;
    std::string key_id;                   // hex of the first 8 bytes of SHA-256(public key)
    std::vector<std::uint8_t> signature;  // Ed25519, 64 bytes
};

struct TreeNodeRow {
    int level = 0;
    std::uint64_t index = 0;
    Digest hash{};
};

// A public key that signed tree heads (Ed25519, 32 bytes).
struct SigningKeyRow {
    std::string key_id;  // hex of the first 8 bytes of SHA-256(public key)
    Digest public_key{};
    Timestamp created_at;  // when it signed its first head here
};

// ---- Program rows (program/, docs/storage.md "Program")

// The draft of the program being edited. `document` is JSON text, stored as given.
struct ProgramDraftRow {
    std::string document;
    Timestamp updated_at;
    std::string updated_by;  // an actor as the audit log names one: "staff:7", "key:<public id>"
};

// A published version without its document, as ListProgramVersions answers it.
struct ProgramVersionInfo {
    std::int64_t version = 0;  // 1, 2, 3, ... in publishing order
    Timestamp published_at;
    std::string published_by;  // as ProgramDraftRow::updated_by
    std::string note;          // "" when none was given
};

struct ProgramVersionRow {
    ProgramVersionInfo info;
    std::string document;  // JSON text, stored as given
};

// A counter of a cap (docs/storage.md "Counters"): what is capped, and the start of the period
// the cap counts.
struct CounterKey {
    std::string scope;       // "rule:weekend:member:42", "campaign:xmas"; the caller's naming
    Timestamp period_start;  // e.g. the start of the member's day; the epoch when never reset
};

// What AddToCounter did.
struct CounterUpdate {
    bool is_applied = false;
    std::int64_t value = 0;  // the counter after the call (as it was, when not applied)
};

// What the program's rules and tiers read about a member besides balances (status points are
// in the ledger's balances). docs/storage.md "Member facts".
struct MemberFactsRow {
    MemberId member;
    std::int64_t purchases_count = 0;
    // Local days with a purchase: a purchase counts one when its local day is later than
    // last_visit_day (RecordPurchase).
    std::int64_t visits_count = 0;
    std::optional<Timestamp> first_purchase_at;  // the earliest purchase recorded
    std::optional<Timestamp> last_purchase_at;   // the latest purchase recorded
    // The latest local day counted as a visit, in days since 1970-01-01 of the member's time
    // zone; std::nullopt before the first purchase.
    std::optional<std::int64_t> last_visit_day;
    std::string tier;                     // "" until the program gives one
    std::optional<Timestamp> tier_since;  // when the member reached `tier`
};

struct OpenOptions {
    bool create = true;            // create the file when missing
    bool read_only = false;        // open without writing or migrating
    bool synchronous_full = true;  // false trades durability for speed (tests, bulk loads)
    int busy_timeout_ms = 5000;
};

class Store {
public:
    virtual ~Store() = default;

    // Transactions. Begin takes the write lock at once (no later lock upgrade can fail).
    // Savepoints nest; each Savepoint is ended by Release or RollbackToSavepoint.
    virtual Status Begin() = 0;
    virtual Status Commit() = 0;
    virtual Status Rollback() = 0;
    virtual Status Savepoint() = 0;
    virtual Status Release() = 0;
    virtual Status RollbackToSavepoint() = 0;

    // Members. InsertMember answers kAlreadyExists for a taken id or public id.
    virtual Result<MemberId> NextMemberId() = 0;
    virtual Status InsertMember(const MemberRow& member) = 0;
    virtual Result<std::optional<MemberRow>> FindMember(MemberId id) = 0;
    virtual Result<std::optional<MemberRow>> FindMemberByPublicId(std::string_view public_id) = 0;
    virtual Result<std::int64_t> CountMembers() = 0;
    // Applies `update` to the member's settings in one statement (merge semantics: unset fields
    // keep their value, even against a concurrent update of another field); false, writing
    // nothing, when the member does not exist. Values are stored as given.
    virtual Result<bool> UpdateMemberSettings(MemberId id, const MemberSettingsUpdate& update) = 0;

    // System accounts and balances. A balance row exists for every shard of every account;
    // LoadBalance answers std::nullopt for an account or shard that does not exist.
    virtual Result<AccountId> NextSystemAccountId() = 0;
    virtual Status InsertSystemAccount(const SystemAccountRow& account) = 0;
    virtual Result<std::optional<SystemAccountRow>> FindSystemAccount(AccountId id) = 0;
    virtual Result<std::optional<SystemAccountRow>> FindSystemAccountByCode(
        std::string_view code) = 0;
    virtual Result<std::vector<SystemAccountRow>> ListSystemAccounts() = 0;
    virtual Status InsertBalance(AccountId account, int shard) = 0;
    virtual Result<std::optional<Amount>> LoadBalance(AccountId account, int shard) = 0;
    virtual Status StoreBalance(AccountId account, int shard, Amount balance) = 0;
    // Sum over all shards; std::nullopt when the account has no balance rows.
    virtual Result<std::optional<Amount>> SumBalance(AccountId account) = 0;

    // Journal. Entry ids are dense and increase in commit order.
    virtual Result<EntryId> NextEntryId() = 0;
    virtual Status AppendEntry(const EntryRow& entry, std::span<const PostingRow> postings) = 0;
    virtual Result<std::optional<EntryRow>> LoadEntry(EntryId id) = 0;
    virtual Result<std::optional<PostingRow>> FindPosting(AccountId account,
                                                          EntryId entry,
                                                          int leg) = 0;
    // Entries touching any of `accounts`, newest first, with ids below `before` (all when
    // unset), at most `limit`.
    virtual Result<std::vector<EntryRow>> LoadEntriesForAccounts(
        std::span<const AccountId> accounts, EntryId before, std::size_t limit) = 0;

    // Lots.
    virtual Result<LotId> InsertLot(const LotRow& lot) = 0;
    virtual Result<std::optional<LotRow>> LoadLot(LotId id) = 0;
    // Open lots (remaining > 0) of an account, oldest first, at most `limit`.
    virtual Result<std::vector<LotRow>> LoadOpenLots(AccountId account, std::size_t limit) = 0;
    // Open lots of an account that expire at or before `now`.
    virtual Result<std::vector<LotRow>> LoadExpiredLots(AccountId account, Timestamp now) = 0;
    // Accounts with an open lot expiring at or before `now`, taken from the `limit` lots that
    // fell due first, without duplicates, in ascending order.
    virtual Result<std::vector<AccountId>> FindAccountsWithExpiredLots(Timestamp now,
                                                                       std::size_t limit) = 0;
    virtual Status UpdateLotRemaining(LotId id, Amount remaining) = 0;
    virtual Status InsertLotMove(const LotMoveRow& move) = 0;
    virtual Result<std::vector<LotMoveRow>> LoadLotMoves(EntryId entry) = 0;
    virtual Status UpdateLotMoveRestored(EntryId entry, LotId lot, Amount restored) = 0;

    // Holds.
    virtual Status InsertHold(const HoldRow& hold) = 0;
    virtual Result<std::optional<HoldRow>> LoadHold(EntryId id) = 0;
    virtual Status CloseHold(EntryId id, HoldState state, EntryId closed_by) = 0;
    // Open holds whose expires_at is at or before `now`, earliest expiry first (ties by id),
    // at most `limit`.
    virtual Result<std::vector<HoldRow>> FindTimedOutHolds(Timestamp now, std::size_t limit) = 0;

    // Reversal progress per original entry.
    virtual Result<std::optional<ReversalRow>> LoadReversal(EntryId original) = 0;
    virtual Status StoreReversal(const ReversalRow& reversal) = 0;

    // Idempotency. TryInsertIdempotency answers false, writing nothing, when the (client, key)
    // pair is already taken.
    virtual Result<bool> TryInsertIdempotency(const IdempotencyRow& row) = 0;
    virtual Result<std::optional<IdempotencyRow>> FindIdempotency(std::string_view client_id,
                                                                  std::string_view key) = 0;

    // Whole-database scans for `candor check` and `candor verify`, in ascending order of the
    // first field. A callback returning false stops the scan early.
    virtual Status ScanEntries(const std::function<bool(const EntryRow&)>& visit) = 0;
    virtual Status ScanPostings(const std::function<bool(const PostingRow&)>& visit) = 0;
    virtual Status ScanBalances(const std::function<bool(const AccountSum&)>& visit) = 0;
    virtual Status ScanOpenLotSums(const std::function<bool(const AccountSum&)>& visit) = 0;
    virtual Status ScanHolds(const std::function<bool(const HoldRow&)>& visit) = 0;
    virtual Status ScanLotMoves(const std::function<bool(const LotMoveRow&)>& visit) = 0;
    virtual Status ScanLots(const std::function<bool(const LotRow&)>& visit) = 0;

    // The backend's own consistency check (SQLite: PRAGMA quick_check).
    virtual Status CheckIntegrity() = 0;

    // ---- Identity and access (access/). Rows are stored as given; access/ decides what is
    // valid. Inserts that collide on a unique column (public id, blind index, token hash,
    // member id) answer kAlreadyExists. Updates of a missing row are no-ops.

    // API keys. RevokeApiKey answers false when the key is unknown or already revoked.
    virtual Result<ApiKeyId> InsertApiKey(const ApiKeyRow& key) = 0;
    virtual Result<std::optional<ApiKeyRow>> FindApiKeyByPublicId(std::string_view public_id) = 0;
    // A page of keys, revoked ones too, in ascending id order: at most `limit` keys with ids
    // above `after` (unset: from the first).
    virtual Result<std::vector<ApiKeyRow>> ListApiKeys(ApiKeyId after, std::size_t limit) = 0;
    virtual Result<bool> RevokeApiKey(ApiKeyId id, Timestamp now) = 0;
    virtual Status TouchApiKey(ApiKeyId id, Timestamp now) = 0;

    // Staff.
    virtual Result<StaffId> InsertStaff(const StaffRow& staff) = 0;
    virtual Result<std::optional<StaffRow>> FindStaff(StaffId id) = 0;
    virtual Result<std::optional<StaffRow>> FindStaffByEmailIndex(const Digest& email_index) = 0;
    virtual Status UpdateStaffAuth(StaffId id, const AuthState& auth) = 0;
    // How many staff accounts exist (`candor init` refuses a database that has any).
    virtual Result<std::int64_t> CountStaff() = 0;
    // A page of staff accounts, disabled ones too, in ascending id order: at most `limit`
    // accounts with ids above `after` (unset: from the first).
    virtual Result<std::vector<StaffRow>> ListStaff(StaffId after, std::size_t limit) = 0;
    // Sets disabled_at; false when the account is unknown or already disabled.
    virtual Result<bool> DisableStaff(StaffId id, Timestamp now) = 0;
    // Sets the role; false when the account is unknown.
    virtual Result<bool> UpdateStaffRole(StaffId id, std::int64_t role) = 0;

    // Recovery codes, stored as digests. ReplaceRecoveryCodes drops a staff member's old codes.
    // UseRecoveryCode marks an unused code used and answers true, or answers false (writing
    // nothing) when no unused code of that staff member has that digest.
    virtual Status ReplaceRecoveryCodes(StaffId staff, std::span<const Digest> code_hashes) = 0;
    virtual Result<bool> UseRecoveryCode(StaffId staff, const Digest& code_hash, Timestamp now) = 0;
    virtual Result<std::int64_t> CountUnusedRecoveryCodes(StaffId staff) = 0;

    // Member credentials.
    virtual Status InsertMemberCredentials(const MemberCredentialRow& credentials) = 0;
    virtual Result<std::optional<MemberCredentialRow>> FindMemberCredentials(MemberId member) = 0;
    virtual Result<std::optional<MemberCredentialRow>> FindMemberCredentialsByLoginIndex(
        const Digest& login_index) = 0;
    virtual Status UpdateMemberAuth(MemberId member, const AuthState& auth) = 0;

    // Sessions. RevokeSession answers false when the session is unknown or already revoked;
    // RevokeSessionsOf answers how many open sessions it revoked.
    virtual Result<SessionId> InsertSession(const SessionRow& session) = 0;
    virtual Result<std::optional<SessionRow>> FindSessionByTokenHash(const Digest& token_hash) = 0;
    virtual Status TouchSession(SessionId id, Timestamp now) = 0;
    virtual Result<bool> RevokeSession(SessionId id, Timestamp now) = 0;
    virtual Result<std::int64_t> RevokeSessionsOf(SubjectKind kind,
                                                  std::int64_t subject_id,
                                                  Timestamp now) = 0;

    // ---- Audit log. Rows are only ever inserted.
    // Appends `row` (its id ignored) and answers the id it was given.
    virtual Result<std::int64_t> InsertAudit(const AuditRow& row) = 0;
    // At most `limit` rows with id < `before` (0: from the newest), newest first.
    virtual Result<std::vector<AuditRow>> ListAudit(std::int64_t before, std::size_t limit) = 0;

    // ---- Transparency log (translog/). Nodes, leaf keys and heads are only ever inserted; a
    // second node at the same (level, index) or a second head of the same size is
    // kAlreadyExists. Level 0 of the tree (leaf i) is entry i + 1's leaf hash (LoadLeafHashes)
    // and is never stored as a node; which levels above it are stored is translog's choice
    // (translog::kFirstStoredLevel).

    // Leaves integrated into the tree: the size of the latest signed head, 0 when none (the
    // sequencer stores a batch's nodes and its head in one transaction).
    virtual Result<std::uint64_t> LoadTreeSize() = 0;
    // REQUIRES: node.level >= 1.
    virtual Status InsertTreeNode(const TreeNodeRow& node) = 0;
    // REQUIRES: level >= 1.
    virtual Result<std::optional<Digest>> LoadTreeNode(int level, std::uint64_t index) = 0;
    // Makes leaves first_index, first_index + 1, ... (whose hashes are `leaf_hashes`) findable by
    // FindLeafByHash. kAlreadyExists when one already is.
    virtual Status InsertLeafKeys(std::uint64_t first_index,
                                  std::span<const Digest> leaf_hashes) = 0;
    virtual Status InsertTreeHead(const TreeHeadRow& head) = 0;
    virtual Result<std::optional<TreeHeadRow>> LoadTreeHead(std::uint64_t size) = 0;
    // The head of the largest size, std::nullopt when none was signed yet.
    virtual Result<std::optional<TreeHeadRow>> LatestTreeHead() = 0;
    // Leaf hashes of the entries with ids from `from` on, in id order, at most `limit`. Ids are
    // returned with them so that the caller can check they are dense.
    virtual Result<std::vector<LeafRow>> LoadLeafHashes(EntryId from, std::size_t limit) = 0;
    // Whole-table scans for `candor verify`: nodes by (level, index), heads by size.
    virtual Status ScanTreeNodes(const std::function<bool(const TreeNodeRow&)>& visit) = 0;
    virtual Status ScanTreeHeads(const std::function<bool(const TreeHeadRow&)>& visit) = 0;
    // The index of the first leaf with a key (InsertLeafKeys) whose leaf hash is `leaf_hash`,
    // std::nullopt when there is none.
    virtual Result<std::optional<std::uint64_t>> FindLeafByHash(const Digest& leaf_hash) = 0;
    // Records a signing key; a key id already recorded is left as it is.
    virtual Status InsertSigningKey(const SigningKeyRow& key) = 0;
    // Every recorded key, oldest first.
    virtual Result<std::vector<SigningKeyRow>> ListSigningKeys() = 0;

    // ---- Program (program/; docs/storage.md "Program"). Documents are JSON text, stored as
    // given: the program module parses and checks them. Run these inside the caller's
    // transaction when they must commit with other writes.

    // The one draft. SaveProgramDraft creates or replaces it; LoadProgramDraft answers
    // std::nullopt before the first save.
    virtual Status SaveProgramDraft(const ProgramDraftRow& draft) = 0;
    virtual Result<std::optional<ProgramDraftRow>> LoadProgramDraft() = 0;
    // Publishes `version` (its info.version is ignored) as number `latest` + 1 and answers that
    // number, where `latest` is the newest version the caller has seen (0 before the first).
    // The check and the insert are one statement, so two publishers that saw the same `latest`
    // cannot both succeed: the second answers kAlreadyExists and writes nothing (so does a
    // caller whose `latest` is stale). kInvalidArgument when `latest` is above the newest
    // version or below 0. Versions are never changed or deleted; to restore version n, load it,
    // save its document as the draft, and publish that.
    virtual Result<std::int64_t> PublishProgramVersion(std::int64_t latest,
                                                       const ProgramVersionRow& version) = 0;
    // Version `version`, or std::nullopt when it was never published.
    virtual Result<std::optional<ProgramVersionRow>> LoadProgramVersion(std::int64_t version) = 0;
    // The newest version, std::nullopt before the first publish.
    virtual Result<std::optional<ProgramVersionRow>> LoadLatestProgramVersion() = 0;
    // At most `limit` versions numbered below `before` (0: from the newest), newest first,
    // without their documents.
    virtual Result<std::vector<ProgramVersionInfo>> ListProgramVersions(std::int64_t before,
                                                                        std::size_t limit) = 0;

    // Counters of caps. A counter never added to is 0.
    // The values of `keys`, in their order.
    virtual Result<std::vector<std::int64_t>> LoadCounters(std::span<const CounterKey> keys) = 0;
    // Adds `delta` (of either sign) to the counter when the sum stays at or below `max` (and fits
    // int64), in one conditional statement, and answers whether it did and the value after the
    // call. Concurrent callers (other connections, later other nodes on PostgreSQL) can never
    // take a counter above `max` together: the condition is checked on the row as the write
    // finds it. A negative delta (giving back) is refused only where the sum would underflow.
    // Call it in the transaction of what the cap guards (the committer's), so that both commit
    // or neither does.
    virtual Result<CounterUpdate> AddToCounter(const CounterKey& key,
                                               std::int64_t delta,
                                               std::int64_t max) = 0;

    // Member facts. Rows are created by the first write; the store does not check that the
    // member exists. Writes are relative single statements, so concurrent writers for one member
    // lose no update; run them in the transaction of the event that causes them.
    // The member's facts: zeros, std::nullopt times and "" tier when nothing was recorded.
    virtual Result<MemberFactsRow> LoadMemberFacts(MemberId member) = 0;
    // Records a purchase made at `at` on local day `local_day` (days since 1970-01-01 in the
    // member's time zone, which the caller computes): purchases_count + 1, first and last
    // purchase times widened to include `at`, and a visit counted when `local_day` is later than
    // last_visit_day (which becomes it). A late purchase on an earlier day that had none is not
    // counted as a visit: the count never goes back to fill gaps.
    virtual Status RecordPurchase(MemberId member, Timestamp at, std::int64_t local_day) = 0;
    // Sets the member's tier and the time it was reached (any other facts stay).
    virtual Status StoreMemberTier(MemberId member, std::string_view tier, Timestamp since) = 0;
};

// Opens a database by URL: "sqlite:PATH" (or a bare path) and, for tests, "sqlite::memory:".
Result<std::unique_ptr<Store>> Open(std::string_view url, const OpenOptions& options = {});

}  // namespace candor::store
