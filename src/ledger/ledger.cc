#include "ledger/ledger.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/limits.h"
#include "crypto/crypto.h"

namespace candor::ledger {
namespace {

using journal::Entry;
using journal::Posting;

// The program's fixed accounts: (kind, asset, code). Created by Ledger::Setup.
struct ProgramAccountSpec {
    AccountKind kind;
    Asset asset;
    const char* code;
};

constexpr ProgramAccountSpec kProgramAccounts[] = {
    {AccountKind::kProgramIssued, Asset::kPoints, "issued:points"},
    {AccountKind::kProgramIssued, Asset::kStatus, "issued:status"},
    {AccountKind::kCashback, Asset::kCashback, "cashback:cashback"},
    {AccountKind::kProgramRedeemed, Asset::kPoints, "redeemed:points"},
    {AccountKind::kProgramRedeemed, Asset::kCashback, "redeemed:cashback"},
    {AccountKind::kProgramExpired, Asset::kPoints, "expired:points"},
    {AccountKind::kAdjustment, Asset::kPoints, "adjustment:points"},
    {AccountKind::kAdjustment, Asset::kStatus, "adjustment:status"},
    {AccountKind::kAdjustment, Asset::kCashback, "adjustment:cashback"},
};

Error Invalid(std::string message) {
    return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

Status RequirePositive(Amount amount, std::string_view field) {
    if (!amount.is_positive()) {
        return MakeError(
            ErrorCode::kInvalidAmount,
            fmt::format("{} must be a positive integer, not {}", field, amount.value()));
    }
    return Ok();
}

Status RequireSpendable(Asset asset) {
    if (asset == Asset::kStatus) {
        return Invalid("status points cannot be spent, held or transferred");
    }
    return Ok();
}

Status ValidateMeta(const std::string& meta) {
    if (meta.size() > limits::kEntryMetaBytesMax) {
        return Invalid(fmt::format("meta is longer than {} bytes", limits::kEntryMetaBytesMax));
    }
    return Ok();
}

bool IsPublicIdChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':';
}

Status ValidatePublicId(std::string_view id, std::string_view field) {
    if (id.empty() || id.size() > limits::kPublicIdBytesMax ||
        !std::all_of(id.begin(), id.end(), IsPublicIdChar)) {
        return Invalid(fmt::format("{} must be 1-{} characters from A-Z a-z 0-9 _ . : -",
                                   field,
                                   limits::kPublicIdBytesMax));
    }
    return Ok();
}

Timestamp OrNow(Timestamp t, Timestamp now) {
    return t == Timestamp{} ? now : t;
}

// A stable byte string for each command, hashed into the idempotency fingerprint. Any field
// that changes what the command does is part of it, so the same key with another command is
// detected as a conflict.
class Fingerprinter {
public:
    void Field(std::string_view name, std::int64_t value) {
        fmt::format_to(std::back_inserter(bytes_), "{}={};", name, value);
    }

    void Field(std::string_view name, std::string_view value) {
        fmt::format_to(std::back_inserter(bytes_), "{}={}:{};", name, value.size(), value);
    }

    void Field(std::string_view name, Amount value) { Field(name, value.value()); }

    void Field(std::string_view name, Timestamp value) { Field(name, ToMicros(value)); }

    template <class Tag>
    void Field(std::string_view name, Id<Tag> value) {
        Field(name, value.value());
    }

    void Field(std::string_view name, Asset value) {
        Field(name, static_cast<std::int64_t>(value));
    }

    store::Digest Digest() const {
        return crypto::Sha256(std::span(reinterpret_cast<const std::uint8_t*>(  // NOLINT: bytes
                                            bytes_.data()),
                                        bytes_.size()));
    }

private:
    std::string bytes_;
};

store::Digest Fingerprint(const Command& command) {
    Fingerprinter f;
    f.Field("command", static_cast<std::int64_t>(command.index()));
    std::visit(
        [&f](const auto& c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, EnrolMember>) {
                f.Field("public_id", c.public_id);
            } else if constexpr (std::is_same_v<T, Earn>) {
                f.Field("member", c.member);
                f.Field("points", c.points);
                f.Field("status", c.status);
                f.Field("cashback", c.cashback);
                f.Field("effective_at", c.effective_at);
                f.Field("expires_at", c.expires_at);
                // Earns from before budget draws had "points_source=0" here; an earn without
                // draws keeps that, so that replays of them still match.
                if (c.budget_draws.empty()) {
                    f.Field("points_source", std::int64_t{0});
                }
                for (const BudgetDraw& draw : c.budget_draws) {
                    f.Field("draw", draw.budget);
                    f.Field("draw_points", draw.points);
                }
                f.Field("meta", c.meta);
            } else if constexpr (std::is_same_v<T, Spend>) {
                f.Field("member", c.member);
                f.Field("asset", c.asset);
                f.Field("amount", c.amount);
                f.Field("effective_at", c.effective_at);
                f.Field("meta", c.meta);
            } else if constexpr (std::is_same_v<T, Hold>) {
                f.Field("member", c.member);
                f.Field("asset", c.asset);
                f.Field("amount", c.amount);
                f.Field("timeout", c.timeout.count());
                f.Field("meta", c.meta);
                // Only when set, so that holds placed before holds had a place keep their
                // fingerprints.
                if (!c.store.empty()) {
                    f.Field("store", c.store);
                }
                if (!c.channel.empty()) {
                    f.Field("channel", c.channel);
                }
            } else if constexpr (std::is_same_v<T, Capture>) {
                f.Field("hold", c.hold);
                f.Field("amount", c.amount.value_or(Amount(-1)));
                f.Field("meta", c.meta);
            } else if constexpr (std::is_same_v<T, Void>) {
                f.Field("hold", c.hold);
            } else if constexpr (std::is_same_v<T, Reverse>) {
                f.Field("original", c.original);
                f.Field("part", c.part);
                f.Field("whole", c.whole);
                f.Field("meta", c.meta);
            } else if constexpr (std::is_same_v<T, Adjust>) {
                f.Field("member", c.member);
                f.Field("asset", c.asset);
                f.Field("delta", c.delta);
                f.Field("expires_at", c.expires_at);
                f.Field("meta", c.meta);
            } else if constexpr (std::is_same_v<T, Transfer>) {
                f.Field("from", c.from);
                f.Field("to", c.to);
                f.Field("asset", c.asset);
                f.Field("amount", c.amount);
                f.Field("meta", c.meta);
            } else if constexpr (std::is_same_v<T, OpenBudget>) {
                f.Field("code", c.code);
                f.Field("asset", c.asset);
            } else if constexpr (std::is_same_v<T, FundBudget>) {
                f.Field("budget", c.budget);
                f.Field("amount", c.amount);
            } else if constexpr (std::is_same_v<T, ExpireLots>) {
                f.Field("accounts_max", static_cast<std::int64_t>(c.accounts_max));
            } else if constexpr (std::is_same_v<T, VoidTimedOutHolds>) {
                f.Field("holds_max", static_cast<std::int64_t>(c.holds_max));
            } else {
                static_assert(std::is_same_v<T, Decide>);
                f.Field("fingerprint", c.fingerprint);
            }
        },
        command);
    return f.Digest();
}

// The mechanics shared by every command: balances, the journal, lots. Each method writes
// through the store inside the caller's savepoint; an error leaves partial writes for the
// caller to roll back.
class Books {
public:
    Books(store::Store& store, Ledger& ledger) : store_(store), ledger_(ledger) {}

    // Applies the postings to their balances and appends the entry. Balances are checked
    // first: an account that may not go negative answers kInsufficientBalance.
    Result<Entry> Write(Entry entry) {
        CANDOR_TRY(journal::Validate(entry));
        std::vector<store::PostingRow> rows;
        rows.reserve(entry.postings.size());
        int leg = 0;
        for (const Posting& posting : entry.postings) {
            CANDOR_TRY(Apply(posting, entry.id));
            rows.push_back(
                store::PostingRow{posting.account, entry.id, leg++, posting.asset, posting.amount});
        }
        store::EntryRow row;
        row.id = entry.id;
        row.kind = entry.kind;
        row.created_at = entry.created_at;
        row.reference = entry.reference;
        row.body = journal::Encode(entry);
        row.leaf_hash = journal::HashLeaf(row.body);
        CANDOR_TRY(store_.AppendEntry(row, rows));
        return entry;
    }

    // A new lot of `amount` points on a member's available account.
    Status CreateLot(AccountId account, EntryId entry, Amount amount, Timestamp expires_at) {
        CANDOR_ASSIGN_OR_RETURN(
            LotId id,
            store_.InsertLot(store::LotRow{LotId(), account, entry, amount, amount, expires_at}));
        (void)id;
        return Ok();
    }

    // Takes `amount` from the account's open lots: first from lots credited by `preferred`
    // (the entry being reversed), then oldest first. Records each lot touched as a move of
    // `entry`. Calls `taken` for each (lot, amount) in order.
    // REQUIRES: the account's balance, already checked, covers the amount.
    Status ConsumeLots(AccountId account,
                       Amount amount,
                       EntryId entry,
                       EntryId preferred,
                       const std::function<Status(const store::LotRow&, Amount)>& taken = {}) {
        Amount left = amount;
        int position = 0;
        for (int pass = preferred.is_set() ? 0 : 1; pass < 2 && left.is_positive(); ++pass) {
            while (left.is_positive()) {
                CANDOR_ASSIGN_OR_RETURN(auto lots,
                                        store_.LoadOpenLots(account, limits::kLotsPerDebitMax));
                bool progressed = false;
                for (const store::LotRow& lot : lots) {
                    if (!left.is_positive()) {
                        break;
                    }
                    if (pass == 0 && lot.entry != preferred) {
                        continue;
                    }
                    const Amount take = std::min(lot.remaining, left);
                    left = Amount(left.value() - take.value());
                    CANDOR_TRY(store_.UpdateLotRemaining(
                        lot.id, Amount(lot.remaining.value() - take.value())));
                    CANDOR_TRY(store_.InsertLotMove(
                        store::LotMoveRow{entry, lot.id, position++, take, Amount(0)}));
                    if (taken) {
                        CANDOR_TRY(taken(lot, take));
                    }
                    progressed = true;
                }
                // A pass over a full page that found nothing to take has seen every lot.
                if (!progressed || lots.size() < limits::kLotsPerDebitMax) {
                    break;
                }
            }
        }
        // The balance covered the amount and open lots always sum to the balance.
        CANDOR_ASSERT(!left.is_positive());
        return Ok();
    }

    // Gives back up to `amount` to the lots that `source` consumed on `account`, newest
    // consumption first, and records it as restored on those moves. Returns what was restored.
    Result<Amount> RestoreLots(EntryId source, AccountId account, Amount amount) {
        CANDOR_ASSIGN_OR_RETURN(auto moves, store_.LoadLotMoves(source));
        Amount left = amount;
        for (auto it = moves.rbegin(); it != moves.rend() && left.is_positive(); ++it) {
            const Amount open = Amount(it->amount.value() - it->restored.value());
            if (!open.is_positive()) {
                continue;
            }
            CANDOR_ASSIGN_OR_RETURN(auto lot, store_.LoadLot(it->lot));
            CANDOR_ASSERT(lot.has_value());
            if (lot->account != account) {
                continue;
            }
            const Amount give = std::min(open, left);
            left = Amount(left.value() - give.value());
            CANDOR_TRY(
                store_.UpdateLotRemaining(lot->id, Amount(lot->remaining.value() + give.value())));
            CANDOR_TRY(store_.UpdateLotMoveRestored(
                source, it->lot, Amount(it->restored.value() + give.value())));
        }
        return Amount(amount.value() - left.value());
    }

private:
    Status Apply(const Posting& posting, EntryId entry) {
        CANDOR_ASSIGN_OR_RETURN(AccountInfo info, ledger_.DescribeAccount(posting.account));
        if (info.asset != posting.asset) {
            return MakeError(ErrorCode::kAssetMismatch,
                             fmt::format("account {} holds {}, not {}",
                                         posting.account.value(),
                                         Name(info.asset),
                                         Name(posting.asset)));
        }
        // Spreading by entry id gives every shard of a busy account an equal share of writes.
        const int shard = static_cast<int>(entry.value() % info.shards);
        CANDOR_ASSIGN_OR_RETURN(auto balance, store_.LoadBalance(posting.account, shard));
        if (!balance) {
            return MakeError(
                info.member.is_set() ? ErrorCode::kUnknownMember : ErrorCode::kUnknownAccount,
                fmt::format("no account {}", posting.account.value()));
        }
        // Every shard stays within int64 / shards, so that the account's balance, the sum of
        // its shards that the store and Check compute, fits in int64 too.
        const std::int64_t shard_max = INT64_MAX / info.shards;
        const auto next = balance->Plus(posting.amount);
        if (!next || next->value() > shard_max || next->value() < -shard_max) {
            return MakeError(
                ErrorCode::kAmountOverflow,
                fmt::format("the balance of account {} would overflow", posting.account.value()));
        }
        if (!info.allows_negative && next->value() < 0) {
            CANDOR_ASSERT(info.shards == 1);
            const std::string owner = info.member.is_set()
                                          ? fmt::format("member {}", info.member.value())
                                          : fmt::format("account {}", info.code);
            return MakeError(ErrorCode::kInsufficientBalance,
                             fmt::format("{} has {} {} available, {} needed",
                                         owner,
                                         balance->value(),
                                         Name(info.asset),
                                         -posting.amount.value()));
        }
        return store_.StoreBalance(posting.account, shard, *next);
    }

    store::Store& store_;
    Ledger& ledger_;
};

Entry NewEntry(EntryId id, EntryKind kind, Timestamp now, Timestamp effective_at) {
    Entry entry;
    entry.id = id;
    entry.kind = kind;
    entry.created_at = now;
    entry.effective_at = effective_at;
    return entry;
}

Outcome EntryOutcome(Entry entry) {
    Outcome outcome;
    outcome.entry = std::move(entry);
    outcome.entries_written = 1;
    return outcome;
}

}  // namespace

Ledger::Ledger(store::Store& store, const Clock& clock, LedgerOptions options)
    : store_(store), clock_(clock), options_(options) {}

Status Ledger::Setup() {
    CANDOR_TRY(store_.Begin());
    const Timestamp now = clock_.Now();
    for (const ProgramAccountSpec& spec : kProgramAccounts) {
        auto existing = store_.FindSystemAccountByCode(spec.code);
        if (!existing) {
            (void)store_.Rollback();
            return std::move(existing).error();
        }
        if (existing->has_value()) {
            continue;
        }
        auto id = store_.NextSystemAccountId();
        if (!id) {
            (void)store_.Rollback();
            return std::move(id).error();
        }
        store::SystemAccountRow row{
            *id, spec.kind, spec.asset, spec.code, true, options_.program_account_shards, now};
        Status inserted = store_.InsertSystemAccount(row);
        for (int shard = 0; inserted && shard < row.shards; ++shard) {
            inserted = store_.InsertBalance(row.id, shard);
        }
        if (!inserted) {
            (void)store_.Rollback();
            return inserted;
        }
    }
    CANDOR_TRY(store_.Commit());
    program_accounts_.clear();
    return LoadProgramAccounts();
}

Status Ledger::LoadProgramAccounts() {
    CANDOR_ASSIGN_OR_RETURN(auto rows, store_.ListSystemAccounts());
    for (const store::SystemAccountRow& row : rows) {
        if (row.kind == AccountKind::kCampaignBudget) {
            continue;
        }
        AccountInfo info;
        info.id = row.id;
        info.kind = row.kind;
        info.asset = row.asset;
        info.allows_negative = row.allows_negative;
        info.shards = row.shards;
        info.code = row.code;
        program_accounts_[{row.kind, row.asset}] = info;
    }
    if (program_accounts_.size() < std::size(kProgramAccounts)) {
        return MakeError(ErrorCode::kInternal, "the ledger's program accounts are not set up");
    }
    return Ok();
}

Result<AccountId> Ledger::ProgramAccount(AccountKind kind, Asset asset) {
    if (program_accounts_.empty()) {
        CANDOR_TRY(LoadProgramAccounts());
    }
    auto it = program_accounts_.find({kind, asset});
    if (it == program_accounts_.end()) {
        return MakeError(ErrorCode::kInternal,
                         fmt::format("no {} account for {}", Name(kind), Name(asset)));
    }
    return it->second.id;
}

Result<AccountInfo> Ledger::DescribeAccount(AccountId id) {
    if (auto member = DescribeMemberAccount(id)) {
        return *member;
    }
    if (id.value() % 16 != kSystemSlot) {
        return MakeError(ErrorCode::kUnknownAccount, fmt::format("no account {}", id.value()));
    }
    for (const auto& [key, info] : program_accounts_) {
        if (info.id == id) {
            return info;
        }
    }
    CANDOR_ASSIGN_OR_RETURN(auto row, store_.FindSystemAccount(id));
    if (!row) {
        return MakeError(ErrorCode::kUnknownAccount, fmt::format("no account {}", id.value()));
    }
    AccountInfo info;
    info.id = row->id;
    info.kind = row->kind;
    info.asset = row->asset;
    info.allows_negative = row->allows_negative;
    info.shards = row->shards;
    info.code = row->code;
    return info;
}

Result<Outcome> Ledger::ExecuteNow(const Request& request) {
    CANDOR_TRY(store_.Begin());
    auto outcome = Execute(request);
    if (!outcome) {
        (void)store_.Rollback();
        return outcome;
    }
    if (Status committed = store_.Commit(); !committed) {
        (void)store_.Rollback();
        return committed.error();
    }
    return outcome;
}

Result<Outcome> Ledger::Execute(const Request& request) {
    if (request.client_id.empty() || request.client_id.size() > limits::kClientIdBytesMax) {
        return Invalid(fmt::format("client id must be 1-{} bytes", limits::kClientIdBytesMax));
    }
    if (request.idempotency_key.size() > limits::kIdempotencyKeyBytesMax) {
        return Invalid(fmt::format("idempotency key is longer than {} bytes",
                                   limits::kIdempotencyKeyBytesMax));
    }
    if (program_accounts_.empty()) {
        CANDOR_TRY(LoadProgramAccounts());
    }
    const Timestamp now = clock_.Now();
    if (request.idempotency_key.empty()) {
        CANDOR_ASSIGN_OR_RETURN(Outcome outcome, Dispatch(request.command, now));
        CANDOR_TRY(WriteAudit(request, now));
        return outcome;
    }
    const store::Digest fingerprint = Fingerprint(request.command);
    CANDOR_ASSIGN_OR_RETURN(auto previous,
                            store_.FindIdempotency(request.client_id, request.idempotency_key));
    if (previous) {
        if (previous->fingerprint != fingerprint) {
            return MakeError(ErrorCode::kIdempotencyConflict,
                             "this idempotency key was used before with a different request");
        }
        return Replay(*previous, request.command);
    }
    CANDOR_ASSIGN_OR_RETURN(Outcome outcome, Dispatch(request.command, now));
    std::int64_t result_id = 0;
    if (outcome.member.is_set()) {
        result_id = outcome.member.value();
    } else if (outcome.account.is_set()) {
        result_id = outcome.account.value();
    } else if (outcome.entry) {
        result_id = outcome.entry->id.value();
    }
    CANDOR_ASSIGN_OR_RETURN(
        bool inserted,
        store_.TryInsertIdempotency(store::IdempotencyRow{
            request.client_id, request.idempotency_key, fingerprint, result_id, now}));
    CANDOR_ASSERT(inserted);
    CANDOR_TRY(WriteAudit(request, now));
    return outcome;
}

Status Ledger::WriteAudit(const Request& request, Timestamp now) {
    if (!request.audit) {
        return Ok();
    }
    store::AuditRow row = *request.audit;
    row.at = now;
    CANDOR_TRY(store_.InsertAudit(row));
    return Ok();
}

Result<Outcome> Ledger::Replay(const store::IdempotencyRow& row, const Command& command) {
    Outcome outcome;
    outcome.is_replay = true;
    if (std::holds_alternative<EnrolMember>(command)) {
        outcome.member = MemberId(row.result_id);
        return outcome;
    }
    if (std::holds_alternative<OpenBudget>(command)) {
        outcome.account = AccountId(row.result_id);
        return outcome;
    }
    if (row.result_id == 0) {
        return outcome;
    }
    CANDOR_ASSIGN_OR_RETURN(auto entry_row, store_.LoadEntry(EntryId(row.result_id)));
    CANDOR_ASSERT(entry_row.has_value());
    CANDOR_ASSIGN_OR_RETURN(Entry entry, journal::Decode(entry_row->body));
    outcome.entry = std::move(entry);
    return outcome;
}

Result<Outcome> Ledger::Dispatch(const Command& command, Timestamp now) {
    return std::visit(
        [this, now](const auto& c) -> Result<Outcome> {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, EnrolMember>) {
                return DoEnrol(c, now);
            } else if constexpr (std::is_same_v<T, Earn>) {
                return DoEarn(c, now);
            } else if constexpr (std::is_same_v<T, Spend>) {
                return DoSpend(c, now);
            } else if constexpr (std::is_same_v<T, Hold>) {
                return DoHold(c, now);
            } else if constexpr (std::is_same_v<T, Capture>) {
                return DoCapture(c, now);
            } else if constexpr (std::is_same_v<T, Void>) {
                return DoVoid(c, now);
            } else if constexpr (std::is_same_v<T, Reverse>) {
                return DoReverse(c, now);
            } else if constexpr (std::is_same_v<T, Adjust>) {
                return DoAdjust(c, now);
            } else if constexpr (std::is_same_v<T, Transfer>) {
                return DoTransfer(c, now);
            } else if constexpr (std::is_same_v<T, OpenBudget>) {
                return DoOpenBudget(c, now);
            } else if constexpr (std::is_same_v<T, FundBudget>) {
                return DoFundBudget(c, now);
            } else if constexpr (std::is_same_v<T, ExpireLots>) {
                return DoExpireLots(c, now);
            } else if constexpr (std::is_same_v<T, VoidTimedOutHolds>) {
                return DoVoidTimedOutHolds(c, now);
            } else {
                static_assert(std::is_same_v<T, Decide>);
                return DoDecide(c, now);
            }
        },
        command);
}

Status Ledger::RequireMember(MemberId member) {
    if (!member.is_set() || member.value() < 0) {
        return MakeError(ErrorCode::kUnknownMember, "member id must be positive");
    }
    // A larger id has no account id (id * 16 + slot would overflow, and used to wrap onto
    // another member's accounts), so no such member can exist.
    if (member.value() > kMemberIdMax) {
        return MakeError(ErrorCode::kUnknownMember, fmt::format("no member {}", member.value()));
    }
    CANDOR_ASSIGN_OR_RETURN(auto balance,
                            store_.LoadBalance(MemberAccount(member, Asset::kPoints), 0));
    if (!balance) {
        return MakeError(ErrorCode::kUnknownMember, fmt::format("no member {}", member.value()));
    }
    return Ok();
}

Result<Outcome> Ledger::DoEnrol(const EnrolMember& c, Timestamp now) {
    CANDOR_TRY(ValidatePublicId(c.public_id, "public_id"));
    CANDOR_ASSIGN_OR_RETURN(auto existing, store_.FindMemberByPublicId(c.public_id));
    if (existing) {
        return MakeError(ErrorCode::kAlreadyExists,
                         fmt::format("member {} already exists", c.public_id));
    }
    CANDOR_ASSIGN_OR_RETURN(MemberId id, store_.NextMemberId());
    CANDOR_TRY(store_.InsertMember(store::MemberRow{id, c.public_id, now, {}}));
    for (Asset asset : kAssets) {
        CANDOR_TRY(store_.InsertBalance(MemberAccount(id, asset), 0));
        if (asset != Asset::kStatus) {
            CANDOR_TRY(store_.InsertBalance(MemberAccount(id, asset, true), 0));
        }
    }
    Outcome outcome;
    outcome.member = id;
    return outcome;
}

Result<Outcome> Ledger::DoEarn(const Earn& c, Timestamp now) {
    for (auto [amount, field] : {std::pair{c.points, "points"},
                                 std::pair{c.status, "status"},
                                 std::pair{c.cashback, "cashback"}}) {
        if (amount.value() < 0) {
            return MakeError(ErrorCode::kInvalidAmount,
                             fmt::format("{} must not be negative", field));
        }
    }
    if (c.points.is_zero() && c.status.is_zero() && c.cashback.is_zero()) {
        return MakeError(ErrorCode::kInvalidAmount,
                         "an earn credits at least one of points, status and cashback");
    }
    CANDOR_TRY(ValidateMeta(c.meta));
    CANDOR_TRY(RequireMember(c.member));
    CANDOR_ASSIGN_OR_RETURN(EntryId id, store_.NextEntryId());
    Entry entry = NewEntry(id, EntryKind::kEarn, now, OrNow(c.effective_at, now));
    entry.meta = c.meta;
    if (c.budget_draws.size() > limits::kEarnBudgetDrawsMax) {
        return Invalid(
            fmt::format("an earn draws on at most {} budgets", limits::kEarnBudgetDrawsMax));
    }
    std::int64_t drawn = 0;
    for (std::size_t i = 0; i < c.budget_draws.size(); ++i) {
        const BudgetDraw& draw = c.budget_draws[i];
        if (!draw.points.is_positive() || draw.points.value() > c.points.value() - drawn) {
            return MakeError(ErrorCode::kInvalidAmount,
                             "budget draws must be positive and add up to at most the points");
        }
        drawn += draw.points.value();
        for (std::size_t j = 0; j < i; ++j) {
            if (c.budget_draws[j].budget == draw.budget) {
                return Invalid("an earn draws on each budget once");
            }
        }
        CANDOR_ASSIGN_OR_RETURN(AccountInfo source, DescribeAccount(draw.budget));
        if (source.kind != AccountKind::kCampaignBudget) {
            return Invalid("a budget draw must name a campaign budget");
        }
    }
    if (c.points.is_positive()) {
        // Beyond this, effective_at + points_lifetime would overflow.
        if (c.expires_at == Timestamp{} &&
            entry.effective_at > Timestamp::max() - options_.points_lifetime) {
            return Invalid("effective_at is out of range");
        }
        entry.expires_at = c.expires_at == Timestamp{}
                               ? entry.effective_at + options_.points_lifetime
                               : c.expires_at;
        if (entry.expires_at <= now) {
            return Invalid("expires_at must be in the future");
        }
    }
    // Member legs first: reversals balance each asset on its last leg (see DoReverse).
    if (c.points.is_positive()) {
        entry.postings.push_back(
            {MemberAccount(c.member, Asset::kPoints), Asset::kPoints, c.points});
    }
    if (c.status.is_positive()) {
        entry.postings.push_back(
            {MemberAccount(c.member, Asset::kStatus), Asset::kStatus, c.status});
    }
    if (c.cashback.is_positive()) {
        entry.postings.push_back(
            {MemberAccount(c.member, Asset::kCashback), Asset::kCashback, c.cashback});
    }
    for (const BudgetDraw& draw : c.budget_draws) {
        entry.postings.push_back({draw.budget, Asset::kPoints, Amount(-draw.points.value())});
    }
    if (c.points.value() > drawn) {
        CANDOR_ASSIGN_OR_RETURN(AccountId issued,
                                ProgramAccount(AccountKind::kProgramIssued, Asset::kPoints));
        entry.postings.push_back({issued, Asset::kPoints, Amount(drawn - c.points.value())});
    }
    if (c.status.is_positive()) {
        CANDOR_ASSIGN_OR_RETURN(AccountId source,
                                ProgramAccount(AccountKind::kProgramIssued, Asset::kStatus));
        entry.postings.push_back({source, Asset::kStatus, Amount(-c.status.value())});
    }
    if (c.cashback.is_positive()) {
        CANDOR_ASSIGN_OR_RETURN(AccountId source,
                                ProgramAccount(AccountKind::kCashback, Asset::kCashback));
        entry.postings.push_back({source, Asset::kCashback, Amount(-c.cashback.value())});
    }
    Books books(store_, *this);
    CANDOR_ASSIGN_OR_RETURN(entry, books.Write(std::move(entry)));
    if (c.points.is_positive()) {
        CANDOR_TRY(books.CreateLot(
            MemberAccount(c.member, Asset::kPoints), id, c.points, entry.expires_at));
    }
    return EntryOutcome(std::move(entry));
}

Result<Outcome> Ledger::DoSpend(const Spend& c, Timestamp now) {
    CANDOR_TRY(RequireSpendable(c.asset));
    CANDOR_TRY(RequirePositive(c.amount, "amount"));
    CANDOR_TRY(ValidateMeta(c.meta));
    CANDOR_TRY(RequireMember(c.member));
    CANDOR_ASSIGN_OR_RETURN(AccountId redeemed,
                            ProgramAccount(AccountKind::kProgramRedeemed, c.asset));
    CANDOR_ASSIGN_OR_RETURN(EntryId id, store_.NextEntryId());
    Entry entry = NewEntry(id, EntryKind::kSpend, now, OrNow(c.effective_at, now));
    entry.meta = c.meta;
    const AccountId available = MemberAccount(c.member, c.asset);
    entry.postings.push_back({available, c.asset, Amount(-c.amount.value())});
    entry.postings.push_back({redeemed, c.asset, c.amount});
    Books books(store_, *this);
    CANDOR_ASSIGN_OR_RETURN(entry, books.Write(std::move(entry)));
    if (c.asset == Asset::kPoints) {
        CANDOR_TRY(books.ConsumeLots(available, c.amount, id, EntryId()));
    }
    return EntryOutcome(std::move(entry));
}

Result<Outcome> Ledger::DoHold(const Hold& c, Timestamp now) {
    CANDOR_TRY(RequireSpendable(c.asset));
    CANDOR_TRY(RequirePositive(c.amount, "amount"));
    CANDOR_TRY(ValidateMeta(c.meta));
    if (c.timeout <= Duration::zero() || c.timeout > options_.hold_timeout_max) {
        return Invalid(
            fmt::format("hold timeout must be between 1 microsecond and {} days",
                        std::chrono::floor<std::chrono::days>(options_.hold_timeout_max).count()));
    }
    CANDOR_TRY(RequireMember(c.member));
    CANDOR_ASSIGN_OR_RETURN(EntryId id, store_.NextEntryId());
    Entry entry = NewEntry(id, EntryKind::kHold, now, now);
    entry.meta = c.meta;
    const AccountId available = MemberAccount(c.member, c.asset);
    entry.postings.push_back({available, c.asset, Amount(-c.amount.value())});
    entry.postings.push_back({MemberAccount(c.member, c.asset, true), c.asset, c.amount});
    Books books(store_, *this);
    CANDOR_ASSIGN_OR_RETURN(entry, books.Write(std::move(entry)));
    if (c.asset == Asset::kPoints) {
        CANDOR_TRY(books.ConsumeLots(available, c.amount, id, EntryId()));
    }
    CANDOR_TRY(store_.InsertHold(store::HoldRow{id,
                                                c.member,
                                                c.asset,
                                                c.amount,
                                                now + c.timeout,
                                                store::HoldState::kOpen,
                                                EntryId(),
                                                c.store,
                                                c.channel}));
    return EntryOutcome(std::move(entry));
}

// Moves `amount` of an open hold back to available, restoring the lots it took, as a void
// entry. `capture` is set when this releases the rest of a partial capture.
Result<Entry> Ledger::ReleaseHold(const store::HoldRow& hold,
                                  Amount amount,
                                  EntryId capture,
                                  Timestamp now) {
    CANDOR_ASSIGN_OR_RETURN(EntryId id, store_.NextEntryId());
    Entry entry = NewEntry(id, EntryKind::kVoid, now, now);
    entry.reference = hold.id;
    const AccountId available = MemberAccount(hold.member, hold.asset);
    entry.postings.push_back({available, hold.asset, amount});
    entry.postings.push_back(
        {MemberAccount(hold.member, hold.asset, true), hold.asset, Amount(-amount.value())});
    Books books(store_, *this);
    CANDOR_ASSIGN_OR_RETURN(entry, books.Write(std::move(entry)));
    if (hold.asset == Asset::kPoints) {
        CANDOR_ASSIGN_OR_RETURN(Amount restored, books.RestoreLots(hold.id, available, amount));
        CANDOR_ASSERT(restored == amount);
    }
    if (!capture.is_set()) {
        CANDOR_TRY(store_.CloseHold(hold.id, store::HoldState::kVoided, id));
    }
    return entry;
}

namespace {

Result<store::HoldRow> LoadOpenHold(store::Store& store, EntryId id) {
    CANDOR_ASSIGN_OR_RETURN(auto hold, store.LoadHold(id));
    if (!hold) {
        return MakeError(ErrorCode::kUnknownHold, fmt::format("no hold {}", id.value()));
    }
    if (hold->state != store::HoldState::kOpen) {
        return MakeError(
            ErrorCode::kHoldClosed,
            fmt::format("hold {} was already {}",
                        id.value(),
                        hold->state == store::HoldState::kCaptured ? "captured" : "voided"));
    }
    return *hold;
}

}  // namespace

Result<Outcome> Ledger::DoCapture(const Capture& c, Timestamp now) {
    CANDOR_TRY(ValidateMeta(c.meta));
    CANDOR_ASSIGN_OR_RETURN(store::HoldRow hold, LoadOpenHold(store_, c.hold));
    if (hold.expires_at <= now) {
        return MakeError(
            ErrorCode::kHoldExpired,
            fmt::format(
                "hold {} timed out at {}", hold.id.value(), FormatRfc3339(hold.expires_at)));
    }
    const Amount amount = c.amount.value_or(hold.amount);
    CANDOR_TRY(RequirePositive(amount, "amount"));
    if (amount > hold.amount) {
        return MakeError(
            ErrorCode::kInvalidAmount,
            fmt::format(
                "capture of {} exceeds the hold of {}", amount.value(), hold.amount.value()));
    }
    CANDOR_ASSIGN_OR_RETURN(AccountId redeemed,
                            ProgramAccount(AccountKind::kProgramRedeemed, hold.asset));
    CANDOR_ASSIGN_OR_RETURN(EntryId id, store_.NextEntryId());
    Entry entry = NewEntry(id, EntryKind::kCapture, now, now);
    entry.reference = hold.id;
    entry.meta = c.meta;
    entry.postings.push_back(
        {MemberAccount(hold.member, hold.asset, true), hold.asset, Amount(-amount.value())});
    entry.postings.push_back({redeemed, hold.asset, amount});
    Books books(store_, *this);
    CANDOR_ASSIGN_OR_RETURN(entry, books.Write(std::move(entry)));
    Outcome outcome = EntryOutcome(entry);
    if (amount < hold.amount) {
        CANDOR_ASSIGN_OR_RETURN(
            Entry released,
            ReleaseHold(hold, Amount(hold.amount.value() - amount.value()), id, now));
        (void)released;
        outcome.entries_written = 2;
    }
    CANDOR_TRY(store_.CloseHold(hold.id, store::HoldState::kCaptured, id));
    return outcome;
}

Result<Outcome> Ledger::DoVoid(const Void& c, Timestamp now) {
    CANDOR_ASSIGN_OR_RETURN(store::HoldRow hold, LoadOpenHold(store_, c.hold));
    CANDOR_ASSIGN_OR_RETURN(Entry entry, ReleaseHold(hold, hold.amount, EntryId(), now));
    return EntryOutcome(std::move(entry));
}

Result<Outcome> Ledger::DoReverse(const Reverse& c, Timestamp now) {
    CANDOR_TRY(ValidateMeta(c.meta));
    if (c.whole <= 0 || c.part <= 0 || c.part > c.whole) {
        return Invalid("a reversal needs 0 < part <= whole");
    }
    CANDOR_ASSIGN_OR_RETURN(auto original_row, store_.LoadEntry(c.original));
    if (!original_row) {
        return MakeError(ErrorCode::kUnknownEntry, fmt::format("no entry {}", c.original.value()));
    }
    CANDOR_ASSIGN_OR_RETURN(Entry original, journal::Decode(original_row->body));
    switch (original.kind) {
        case EntryKind::kEarn:
        case EntryKind::kSpend:
        case EntryKind::kCapture:
        case EntryKind::kAdjust:
        case EntryKind::kTransfer:
            break;
        default:
            return MakeError(ErrorCode::kNotReversible,
                             fmt::format("{} entries cannot be reversed", Name(original.kind)));
    }
    CANDOR_ASSIGN_OR_RETURN(auto progress, store_.LoadReversal(c.original));
    const std::int64_t before = progress ? progress->reversed_part : 0;
    if (progress && progress->whole != c.whole) {
        return Invalid(fmt::format(
            "reversals of entry {} must use whole = {}", c.original.value(), progress->whole));
    }
    if (c.part > c.whole - before) {
        return MakeError(ErrorCode::kReversalExceedsOriginal,
                         fmt::format("only {} of {} of entry {} is left to reverse",
                                     c.whole - before,
                                     c.whole,
                                     c.original.value()));
    }
    const std::int64_t after = before + c.part;
    CANDOR_TRY(store_.StoreReversal(store::ReversalRow{c.original, c.whole, after}));

    // Each leg moves its cumulative share minus what earlier reversals moved, so that the
    // parts of several partial reversals add up exactly to the whole. The last leg of each
    // asset takes whatever balances that asset.
    std::vector<Posting> legs;
    std::map<Asset, std::size_t> last_leg;
    for (std::size_t i = 0; i < original.postings.size(); ++i) {
        last_leg[original.postings[i].asset] = i;
    }
    std::map<Asset, std::int64_t> sums;
    for (std::size_t i = 0; i < original.postings.size(); ++i) {
        const Posting& p = original.postings[i];
        AccountId account = p.account;
        // Reversing a capture returns points to the member's available account, not to held.
        if (auto info = DescribeMemberAccount(account);
            info && info->kind == AccountKind::kMemberHeld) {
            account = MemberAccount(info->member, info->asset);
        }
        std::int64_t moved = 0;
        if (i == last_leg[p.asset]) {
            moved = -sums[p.asset];
        } else {
            const std::int64_t magnitude =
                p.amount.value() < 0 ? -p.amount.value() : p.amount.value();
            const std::int64_t share =
                ScaleFloor(magnitude, after, c.whole) - ScaleFloor(magnitude, before, c.whole);
            moved = p.amount.value() < 0 ? share : -share;
            sums[p.asset] += moved;
        }
        if (moved != 0) {
            legs.push_back(Posting{account, p.asset, Amount(moved)});
        }
    }
    if (legs.empty()) {
        return Outcome{};
    }
    CANDOR_ASSIGN_OR_RETURN(EntryId id, store_.NextEntryId());
    Entry entry = NewEntry(id, EntryKind::kReversal, now, now);
    entry.reference = original.id;
    entry.meta = c.meta;
    entry.postings = legs;
    Books books(store_, *this);
    CANDOR_ASSIGN_OR_RETURN(entry, books.Write(std::move(entry)));
    // Lots follow the points: a debit takes back the lots the original credited first; a
    // credit restores the lots the original (or, for a capture, its hold) consumed.
    const EntryId consumer =
        original.kind == EntryKind::kCapture ? original.reference : original.id;
    for (const Posting& leg : entry.postings) {
        auto info = DescribeMemberAccount(leg.account);
        if (!info || info->kind != AccountKind::kMemberAvailable || leg.asset != Asset::kPoints) {
            continue;
        }
        if (leg.amount.value() < 0) {
            CANDOR_TRY(
                books.ConsumeLots(leg.account, Amount(-leg.amount.value()), id, original.id));
        } else {
            CANDOR_ASSIGN_OR_RETURN(Amount restored,
                                    books.RestoreLots(consumer, leg.account, leg.amount));
            // Points that never were in a lot of this account (none today) get a fresh lot.
            if (restored < leg.amount) {
                CANDOR_TRY(books.CreateLot(leg.account,
                                           id,
                                           Amount(leg.amount.value() - restored.value()),
                                           now + options_.points_lifetime));
            }
        }
    }
    return EntryOutcome(std::move(entry));
}

Result<Outcome> Ledger::DoAdjust(const Adjust& c, Timestamp now) {
    CANDOR_TRY(ValidateMeta(c.meta));
    if (c.delta.is_zero()) {
        return MakeError(ErrorCode::kInvalidAmount, "delta must not be zero");
    }
    if (!c.delta.Negated()) {
        return MakeError(ErrorCode::kInvalidAmount, "delta is out of range");
    }
    CANDOR_TRY(RequireMember(c.member));
    CANDOR_ASSIGN_OR_RETURN(AccountId adjustment,
                            ProgramAccount(AccountKind::kAdjustment, c.asset));
    CANDOR_ASSIGN_OR_RETURN(EntryId id, store_.NextEntryId());
    Entry entry = NewEntry(id, EntryKind::kAdjust, now, now);
    entry.meta = c.meta;
    const AccountId available = MemberAccount(c.member, c.asset);
    const bool is_credit = c.delta.is_positive();
    if (is_credit && c.asset == Asset::kPoints) {
        entry.expires_at =
            c.expires_at == Timestamp{} ? now + options_.points_lifetime : c.expires_at;
        if (entry.expires_at <= now) {
            return Invalid("expires_at must be in the future");
        }
    }
    entry.postings.push_back({available, c.asset, c.delta});
    entry.postings.push_back({adjustment, c.asset, *c.delta.Negated()});
    Books books(store_, *this);
    CANDOR_ASSIGN_OR_RETURN(entry, books.Write(std::move(entry)));
    if (c.asset == Asset::kPoints) {
        if (is_credit) {
            CANDOR_TRY(books.CreateLot(available, id, c.delta, entry.expires_at));
        } else {
            CANDOR_TRY(books.ConsumeLots(available, *c.delta.Negated(), id, EntryId()));
        }
    }
    return EntryOutcome(std::move(entry));
}

Result<Outcome> Ledger::DoTransfer(const Transfer& c, Timestamp now) {
    CANDOR_TRY(RequireSpendable(c.asset));
    CANDOR_TRY(RequirePositive(c.amount, "amount"));
    CANDOR_TRY(ValidateMeta(c.meta));
    if (c.from == c.to) {
        return Invalid("a transfer needs two different members");
    }
    CANDOR_TRY(RequireMember(c.from));
    CANDOR_TRY(RequireMember(c.to));
    CANDOR_ASSIGN_OR_RETURN(EntryId id, store_.NextEntryId());
    Entry entry = NewEntry(id, EntryKind::kTransfer, now, now);
    entry.meta = c.meta;
    const AccountId from = MemberAccount(c.from, c.asset);
    const AccountId to = MemberAccount(c.to, c.asset);
    entry.postings.push_back({from, c.asset, Amount(-c.amount.value())});
    entry.postings.push_back({to, c.asset, c.amount});
    Books books(store_, *this);
    CANDOR_ASSIGN_OR_RETURN(entry, books.Write(std::move(entry)));
    if (c.asset == Asset::kPoints) {
        // Each lot taken from the sender arrives as a lot with the same expiry.
        CANDOR_TRY(books.ConsumeLots(
            from, c.amount, id, EntryId(), [&](const store::LotRow& lot, Amount taken) {
                return books.CreateLot(to, id, taken, lot.expires_at);
            }));
    }
    return EntryOutcome(std::move(entry));
}

Result<Outcome> Ledger::DoOpenBudget(const OpenBudget& c, Timestamp now) {
    CANDOR_TRY(ValidatePublicId(c.code, "code"));
    CANDOR_TRY(RequireSpendable(c.asset));
    const std::string code = "campaign:" + c.code;
    CANDOR_ASSIGN_OR_RETURN(auto existing, store_.FindSystemAccountByCode(code));
    if (existing) {
        return MakeError(ErrorCode::kAlreadyExists,
                         fmt::format("budget {} already exists", c.code));
    }
    CANDOR_ASSIGN_OR_RETURN(AccountId id, store_.NextSystemAccountId());
    CANDOR_TRY(store_.InsertSystemAccount(
        store::SystemAccountRow{id, AccountKind::kCampaignBudget, c.asset, code, false, 1, now}));
    CANDOR_TRY(store_.InsertBalance(id, 0));
    Outcome outcome;
    outcome.account = id;
    return outcome;
}

Result<Outcome> Ledger::DoFundBudget(const FundBudget& c, Timestamp now) {
    CANDOR_TRY(RequirePositive(c.amount, "amount"));
    CANDOR_ASSIGN_OR_RETURN(AccountInfo budget, DescribeAccount(c.budget));
    if (budget.kind != AccountKind::kCampaignBudget) {
        return Invalid("only a campaign budget can be funded");
    }
    const AccountKind source_kind =
        budget.asset == Asset::kCashback ? AccountKind::kCashback : AccountKind::kProgramIssued;
    CANDOR_ASSIGN_OR_RETURN(AccountId source, ProgramAccount(source_kind, budget.asset));
    CANDOR_ASSIGN_OR_RETURN(EntryId id, store_.NextEntryId());
    Entry entry = NewEntry(id, EntryKind::kTransfer, now, now);
    entry.postings.push_back({c.budget, budget.asset, c.amount});
    entry.postings.push_back({source, budget.asset, Amount(-c.amount.value())});
    Books books(store_, *this);
    CANDOR_ASSIGN_OR_RETURN(entry, books.Write(std::move(entry)));
    return EntryOutcome(std::move(entry));
}

Result<Outcome> Ledger::DoExpireLots(const ExpireLots& c, Timestamp now) {
    const std::size_t accounts_max = std::min(c.accounts_max, limits::kSweepBatchMax);
    CANDOR_ASSIGN_OR_RETURN(AccountId expired,
                            ProgramAccount(AccountKind::kProgramExpired, Asset::kPoints));
    CANDOR_ASSIGN_OR_RETURN(auto accounts, store_.FindAccountsWithExpiredLots(now, accounts_max));
    Outcome outcome;
    Books books(store_, *this);
    for (AccountId account : accounts) {
        CANDOR_ASSIGN_OR_RETURN(auto lots, store_.LoadExpiredLots(account, now));
        Amount total;
        for (const store::LotRow& lot : lots) {
            // Open lots sum to the balance, an int64, so this cannot overflow: assert it.
            const auto sum = total.Plus(lot.remaining);
            CANDOR_ASSERT(sum.has_value());
            total = *sum;
        }
        CANDOR_ASSIGN_OR_RETURN(EntryId id, store_.NextEntryId());
        Entry entry = NewEntry(id, EntryKind::kExpire, now, now);
        entry.postings.push_back({account, Asset::kPoints, Amount(-total.value())});
        entry.postings.push_back({expired, Asset::kPoints, total});
        CANDOR_ASSIGN_OR_RETURN(entry, books.Write(std::move(entry)));
        int position = 0;
        for (const store::LotRow& lot : lots) {
            CANDOR_TRY(store_.UpdateLotRemaining(lot.id, Amount(0)));
            CANDOR_TRY(store_.InsertLotMove(
                store::LotMoveRow{id, lot.id, position++, lot.remaining, Amount(0)}));
        }
        if (!outcome.entry) {
            outcome.entry = std::move(entry);
        }
        ++outcome.entries_written;
    }
    return outcome;
}

Result<Outcome> Ledger::DoVoidTimedOutHolds(const VoidTimedOutHolds& c, Timestamp now) {
    const std::size_t holds_max = std::min(c.holds_max, limits::kSweepBatchMax);
    CANDOR_ASSIGN_OR_RETURN(auto holds, store_.FindTimedOutHolds(now, holds_max));
    Outcome outcome;
    for (const store::HoldRow& hold : holds) {
        CANDOR_ASSIGN_OR_RETURN(Entry entry, ReleaseHold(hold, hold.amount, EntryId(), now));
        if (!outcome.entry) {
            outcome.entry = std::move(entry);
        }
        ++outcome.entries_written;
    }
    return outcome;
}

Result<MemberBalances> Ledger::LoadBalances(MemberId member) {
    CANDOR_TRY(RequireMember(member));
    MemberBalances balances;
    balances.member = member;
    auto load = [this](AccountId account) -> Result<Amount> {
        CANDOR_ASSIGN_OR_RETURN(auto amount, store_.LoadBalance(account, 0));
        return amount.value_or(Amount(0));
    };
    CANDOR_ASSIGN_OR_RETURN(balances.points, load(MemberAccount(member, Asset::kPoints)));
    CANDOR_ASSIGN_OR_RETURN(balances.points_held,
                            load(MemberAccount(member, Asset::kPoints, true)));
    CANDOR_ASSIGN_OR_RETURN(balances.status, load(MemberAccount(member, Asset::kStatus)));
    CANDOR_ASSIGN_OR_RETURN(balances.cashback, load(MemberAccount(member, Asset::kCashback)));
    CANDOR_ASSIGN_OR_RETURN(balances.cashback_held,
                            load(MemberAccount(member, Asset::kCashback, true)));
    return balances;
}

Result<std::optional<store::MemberRow>> Ledger::FindMember(std::string_view public_id) {
    return store_.FindMemberByPublicId(public_id);
}

Result<std::vector<journal::Entry>> Ledger::LoadHistory(MemberId member,
                                                        EntryId before,
                                                        std::size_t limit) {
    CANDOR_TRY(RequireMember(member));
    const AccountId accounts[] = {MemberAccount(member, Asset::kPoints),
                                  MemberAccount(member, Asset::kPoints, true),
                                  MemberAccount(member, Asset::kStatus),
                                  MemberAccount(member, Asset::kCashback),
                                  MemberAccount(member, Asset::kCashback, true)};
    CANDOR_ASSIGN_OR_RETURN(
        auto rows,
        store_.LoadEntriesForAccounts(accounts, before, std::min(limit, limits::kHistoryPageMax)));
    std::vector<journal::Entry> entries;
    entries.reserve(rows.size());
    for (const store::EntryRow& row : rows) {
        CANDOR_ASSIGN_OR_RETURN(Entry entry, journal::Decode(row.body));
        entries.push_back(std::move(entry));
    }
    return entries;
}

Result<Outcome> Ledger::DoDecide(const Decide& c, Timestamp now) {
    if (!c.decide) {
        return Invalid("a Decide needs a decide function");
    }
    CANDOR_ASSIGN_OR_RETURN(std::optional<DecidedCommand> decided, c.decide(store_, now));
    if (!decided) {
        return Outcome{};
    }
    return std::visit([this, now](const auto& command) { return Dispatch(command, now); },
                      *decided);
}

}  // namespace candor::ledger
