// The points ledger: double-entry, integer, multi-asset.
//
// What it offers: members and their accounts; commands that move points, status points and
// cashback between accounts as journal entries (earn, spend, hold, capture, void, reversal,
// expire, adjust, transfer, and Decide, which chooses one of them inside the transaction); lots
// with expiry, consumed first-in first-out; idempotency per (client, key); a group-committing
// Committer that runs commands from many threads in shared durable transactions; and Check, which
// proves every invariant over a whole database.
//
// What it never does: I/O of its own (it works through a store::Store), floating point, or
// business rules about how many points a purchase earns (that is the program engine's job).
// See docs/ledger.md for the accounting model.
//
// Thread-safety: a Ledger is used by one thread at a time (the Committer's thread, or a tool
// that owns its Store). The Committer is thread-safe: any thread may Submit.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "core/amount.h"
#include "core/clock.h"
#include "core/histogram.h"
#include "core/ids.h"
#include "core/kinds.h"
#include "core/result.h"
#include "journal/journal.h"
#include "store/store.h"

namespace candor::ledger {

// ---- Accounts -------------------------------------------------------------------------------
// An AccountId is (number << 4) | slot. Slots 0-4 are a member's accounts, the number being
// the member id; slot 15 marks a program (system) account, numbered on its own.

inline constexpr std::int64_t kSystemSlot = 15;

// The largest member id that has account ids; commands name larger ids as unknown members.
inline constexpr std::int64_t kMemberIdMax = (INT64_MAX - kSystemSlot) / 16;

// The member's available (or held) account for `asset`. Status points are never held.
// REQUIRES: 0 < member <= kMemberIdMax; !(held && asset == Asset::kStatus).
AccountId MemberAccount(MemberId member, Asset asset, bool held = false);

struct AccountInfo {
    AccountId id;
    AccountKind kind = AccountKind::kMemberAvailable;
    Asset asset = Asset::kPoints;
    bool allows_negative = false;
    int shards = 1;
    MemberId member;   // set for member accounts
    std::string code;  // set for system accounts
};

// Describes a member account from its id alone; std::nullopt for system or invalid ids.
std::optional<AccountInfo> DescribeMemberAccount(AccountId id);

// ---- Commands -------------------------------------------------------------------------------
// Unset timestamps (the epoch) mean "now". Amounts are positive unless stated otherwise.
// `meta` is opaque, pseudonymous program metadata stored in the entry (rule ids, version).

// Creates a member and its accounts. public_id: 1-64 characters from [A-Za-z0-9_.:-].
struct EnrolMember {
    std::string public_id;
};

// Points of an earn drawn from a campaign budget, which cannot go below zero.
struct BudgetDraw {
    AccountId budget;
    Amount points;
};

// Credits any of points, status points and cashback in one entry. Points become a lot that
// expires at expires_at (default: effective_at + LedgerOptions::points_lifetime). The points of
// budget_draws (distinct budgets, each draw positive, together at most `points`) come from
// those campaign budgets, and the rest from the program's issued account.
struct Earn {
    MemberId member;
    Amount points;
    Amount status;
    Amount cashback;
    Timestamp effective_at;
    Timestamp expires_at;
    std::vector<BudgetDraw> budget_draws;
    std::string meta;
};

// Debits points (oldest lots first) or cashback to the program's redeemed account.
struct Spend {
    MemberId member;
    Asset asset = Asset::kPoints;
    Amount amount;
    Timestamp effective_at;
    std::string meta;
};

// Reserves points or cashback for `timeout`; the entry id is the hold id. `store` and
// `channel` (opaque, "" for none) are kept on the hold (store::HoldRow), not in the journal,
// for the caller to check who may capture or void it.
struct Hold {
    MemberId member;
    Asset asset = Asset::kPoints;
    Amount amount;
    Duration timeout{};
    std::string meta;
    std::string store{};  // `{}`: callers that name no place may leave these out
    std::string channel{};
};

// Redeems all of a hold, or `amount` of it and releases the rest (a second, void, entry).
struct Capture {
    EntryId hold;
    std::optional<Amount> amount;
    std::string meta;
};

// Releases a hold: the same lots are restored.
struct Void {
    EntryId hold;
};

// Reverses part/whole of an entry (earn, spend, capture, adjust or transfer): a refund of
// 300 of a 1000 purchase is {part 300, whole 1000}. Every reversal of one entry uses the same
// whole; together they never exceed it. Rounding is cumulative, so the parts add up exactly.
struct Reverse {
    EntryId original;
    std::int64_t part = 0;
    std::int64_t whole = 0;
    std::string meta;
};

// A staff correction: delta > 0 credits the member from the adjustment account, delta < 0
// debits the member. Reasons are kept outside the journal (they may hold personal data).
struct Adjust {
    MemberId member;
    Asset asset = Asset::kPoints;
    Amount delta;
    Timestamp expires_at;
    std::string meta;
};

// Moves points or cashback between members; transferred points keep their expiry.
struct Transfer {
    MemberId from;
    MemberId to;
    Asset asset = Asset::kPoints;
    Amount amount;
    std::string meta;
};

// Creates a campaign budget account ("campaign:" + code) that earns can draw points from.
struct OpenBudget {
    std::string code;
    Asset asset = Asset::kPoints;
};

// Moves points from the program's issued account into a campaign budget.
struct FundBudget {
    AccountId budget;
    Amount amount;
};

// Expires what is left of lots due at or before now: one entry per member account.
struct ExpireLots {
    std::size_t accounts_max = 1000;
};

// Voids open holds whose timeout has passed.
struct VoidTimedOutHolds {
    std::size_t holds_max = 1000;
};

// The commands a Decide may choose.
using DecidedCommand = std::variant<Earn, Spend, Reverse, Adjust>;

// Decides a command inside the request's own transaction, from what the store holds then: the
// program engine reading a member's facts and counters and writing their updates through
// `store` in the same savepoint as the postings, so that a cap or a budget cannot be passed by
// two events that read the same counter. `decide` returns the command to run, or std::nullopt
// for none (the request then succeeds with no entry, and its idempotency key is taken all the
// same).
//
// `decide` runs on the committer's thread, only when the request is not a replay, and possibly
// more than once for one request (a batch that is retried runs it again in a fresh
// transaction): it must have no effect outside `store`, and the caller keeps what the last run
// produced. The idempotency fingerprint is over `fingerprint` (e.g. the event as received), as
// the command is not known before the decision.
struct Decide {
    std::function<Result<std::optional<DecidedCommand>>(store::Store& store, Timestamp now)> decide;
    std::string fingerprint;
};

using Command = std::variant<EnrolMember,
                             Earn,
                             Spend,
                             Hold,
                             Capture,
                             Void,
                             Reverse,
                             Adjust,
                             Transfer,
                             OpenBudget,
                             FundBudget,
                             ExpireLots,
                             VoidTimedOutHolds,
                             Decide>;

// A command from a client. With an idempotency key, the same (client_id, key) and the same
// command returns the first outcome again (is_replay); with another command it fails with
// kIdempotencyConflict. Without a key (system jobs only) nothing is remembered.
//
// `audit`, when set, is written (store::InsertAudit, its `at` set to the ledger's now) in the
// command's own transaction once the command succeeds, so the two commit together or not at
// all; a failed command or a replay writes none. It is plain data the caller fills in (who,
// what, why) and is not part of the idempotency fingerprint.
struct Request {
    std::string client_id;
    std::string idempotency_key;
    Command command;
    std::optional<store::AuditRow> audit = std::nullopt;
};

struct Outcome {
    bool is_replay = false;
    MemberId member;                      // EnrolMember
    AccountId account;                    // OpenBudget
    std::optional<journal::Entry> entry;  // the main entry written; none if nothing moved
    std::size_t entries_written = 0;
};

struct LedgerOptions {
    Duration points_lifetime = std::chrono::days(365);
    Duration hold_timeout_max = std::chrono::days(30);
    // Balance rows of each busy program account (issued, redeemed, expired, adjustment).
    int program_account_shards = 16;
};

struct MemberBalances {
    MemberId member;
    Amount points;
    Amount points_held;
    Amount status;
    Amount cashback;
    Amount cashback_held;
};

class Ledger {
public:
    Ledger(store::Store& store, const Clock& clock, LedgerOptions options = {});

    // Creates the program's system accounts when missing, in its own transaction.
    // REQUIRES: no transaction open on the store.
    Status Setup();

    // Runs one request. REQUIRES: the caller has opened a transaction or savepoint on the store
    // and rolls it back if this returns an error (work may have been partly written).
    // Errors: any bad-input code of error_code.h; kStorage when the database fails.
    Result<Outcome> Execute(const Request& request);

    // Begin, Execute, Commit (or Rollback): for tools and tests that need no group commit.
    Result<Outcome> ExecuteNow(const Request& request);

    // Reads; usable on any connection, inside or outside a transaction.
    Result<MemberBalances> LoadBalances(MemberId member);
    Result<std::optional<store::MemberRow>> FindMember(std::string_view public_id);
    Result<std::vector<journal::Entry>> LoadHistory(MemberId member,
                                                    EntryId before,
                                                    std::size_t limit);
    Result<AccountInfo> DescribeAccount(AccountId id);
    Result<AccountId> ProgramAccount(AccountKind kind, Asset asset);

private:
    Result<Outcome> Dispatch(const Command& command, Timestamp now);
    Result<Outcome> Replay(const store::IdempotencyRow& row, const Command& command);
    Status WriteAudit(const Request& request, Timestamp now);
    Result<Outcome> DoEnrol(const EnrolMember& c, Timestamp now);
    Result<Outcome> DoEarn(const Earn& c, Timestamp now);
    Result<Outcome> DoSpend(const Spend& c, Timestamp now);
    Result<Outcome> DoHold(const Hold& c, Timestamp now);
    Result<Outcome> DoCapture(const Capture& c, Timestamp now);
    Result<Outcome> DoVoid(const Void& c, Timestamp now);
    Result<Outcome> DoReverse(const Reverse& c, Timestamp now);
    Result<Outcome> DoAdjust(const Adjust& c, Timestamp now);
    Result<Outcome> DoTransfer(const Transfer& c, Timestamp now);
    Result<Outcome> DoOpenBudget(const OpenBudget& c, Timestamp now);
    Result<Outcome> DoFundBudget(const FundBudget& c, Timestamp now);
    Result<Outcome> DoExpireLots(const ExpireLots& c, Timestamp now);
    Result<Outcome> DoVoidTimedOutHolds(const VoidTimedOutHolds& c, Timestamp now);
    Result<Outcome> DoDecide(const Decide& c, Timestamp now);

    Result<journal::Entry> ReleaseHold(const store::HoldRow& hold,
                                       Amount amount,
                                       EntryId capture,
                                       Timestamp now);
    Status RequireMember(MemberId member);
    Status LoadProgramAccounts();

    store::Store& store_;
    const Clock& clock_;
    LedgerOptions options_;
    std::map<std::pair<AccountKind, Asset>, AccountInfo> program_accounts_;
};

// ---- Committer -------------------------------------------------------------------------------

struct CommitterOptions {
    Duration window{200};          // how long a batch waits for more commands
    std::size_t batch_max = 1000;  // commands per transaction
    std::size_t queue_max = 65'536;
};

// Bucket bounds of the committer's batch sizes, in commands; its times use kLatencyBoundsUs.
inline constexpr std::array<std::int64_t, 12> kBatchCommandsBounds = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1'000, 2'000, 4'096};

struct CommitterStats {
    std::uint64_t batches = 0;         // committed transactions
    std::uint64_t commands = 0;        // commands in them, failed commands included
    std::uint64_t failed_commits = 0;  // transactions whose commit failed (none took effect)
    std::size_t queued = 0;            // commands waiting now
    // Per committed batch, its commands: the sum is `commands`, the count `batches`.
    Histogram batch_commands{kBatchCommandsBounds};
    // Per committed command, from Submit until its batch started.
    Histogram queue_wait_us{kLatencyBoundsUs};
    // Per committed batch, the database's time: from Begin until Commit returned (fsync included).
    Histogram transaction_us{kLatencyBoundsUs};
};

// Runs submitted requests on one thread, in transactions of up to batch_max commands. A failing
// command fails alone: its neighbours in the batch still commit. A result is delivered only
// after its transaction is durably committed. If the commit itself fails, every command of the
// batch gets that error and none took effect.
class Committer {
public:
    using Callback = std::function<void(Result<Outcome>)>;

    // REQUIRES: `ledger` works on `store`, and nothing else uses either while the committer runs.
    Committer(store::Store& store, Ledger& ledger, CommitterOptions options = {});
    ~Committer();

    Committer(const Committer&) = delete;
    Committer& operator=(const Committer&) = delete;

    // Queues a request; `done` runs on the committer thread once the outcome is durable.
    // A full queue or a stopped committer answers at once with kOverloaded or kShuttingDown.
    void Submit(Request request, Callback done);
    std::future<Result<Outcome>> Submit(Request request);

    // Finishes every queued request, then stops the thread. Idempotent.
    void Stop();

    CommitterStats stats() const;

private:
    struct Pending {
        Request request;
        Callback done;
        Stopwatch queued;  // since Submit
    };

    void Run();
    void RunBatch(std::vector<Pending>& batch);
    Status RunPass(const std::vector<Pending>& batch,
                   bool use_savepoints,
                   std::vector<Result<Outcome>>* results);

    store::Store& store_;
    Ledger& ledger_;
    CommitterOptions options_;
    std::mutex stop_mutex_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Pending> queue_;
    bool stopping_ = false;
    CommitterStats stats_;
    bool is_cautious_ = false;  // the last batch had a failing command (committer thread only)
    std::thread thread_;
};

// ---- Check -----------------------------------------------------------------------------------

struct CheckReport {
    std::vector<std::string> violations;  // empty when every invariant holds; capped at 20
    std::int64_t entries = 0;
    std::int64_t postings = 0;
    std::int64_t accounts = 0;
    std::int64_t open_lots_accounts = 0;
    std::int64_t holds = 0;

    bool is_ok() const { return violations.empty(); }
};

// Verifies, over the whole database: the backend's integrity check; every entry decodes,
// its leaf hash recomputes and ids are dense; the postings table equals the journal; each
// balance equals the sum of its postings; per asset all balances sum to zero; no member or
// non-negative account is below zero; each member's open lots sum to its available points;
// lot moves conserve every lot; open holds sum to each held balance.
// Errors (as opposed to violations): kStorage when the database cannot be read.
Result<CheckReport> Check(store::Store& store);

}  // namespace candor::ledger
