// Contract tests for store::Store. The parameterized suite runs against every backend through
// an opener, so that a PostgreSQL backend joins by adding one instance; the SqliteStoreFileTest
// suite covers what only the SQLite backend has: files, headers and pages.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/random.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "testkit/testkit.h"

namespace candor::store {
namespace {

using testkit::TempDir;

#define CANDOR_ASSERT_OK(expr)                                                               \
    do {                                                                                     \
        const auto& candor_test_status_ = (expr);                                            \
        ASSERT_TRUE(candor_test_status_.has_value()) << candor_test_status_.error().message; \
    } while (false)

#define CANDOR_ASSERT_OK_AND_ASSIGN(decl, expr) \
    CANDOR_ASSERT_OK_AND_ASSIGN_IMPL(CANDOR_CONCAT(candor_test_result_, __LINE__), decl, expr)

// NOLINTBEGIN(bugprone-macro-parentheses): `tmp` and `decl` are declarations, as in result.h.
#define CANDOR_ASSERT_OK_AND_ASSIGN_IMPL(tmp, decl, expr) \
    auto tmp = (expr);                                    \
    ASSERT_TRUE(tmp.has_value()) << tmp.error().message;  \
    decl = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

// The error code of a failed call, or std::nullopt when it succeeded.
template <class R>
std::optional<ErrorCode> CodeOf(const R& result) {
    if (result.has_value()) {
        return std::nullopt;
    }
    return result.error().code;
}

Timestamp At(std::int64_t seconds) {
    return testkit::TestEpoch() + std::chrono::seconds(seconds);
}

// Rows as tuples, so that gtest compares every field and prints both sides on failure.
auto Tie(const MemberRow& m) {
    return std::tuple(m.id.value(),
                      m.public_id,
                      ToMicros(m.created_at),
                      m.settings.language,
                      m.settings.time_zone);
}

auto Tie(const SystemAccountRow& a) {
    return std::tuple(a.id.value(),
                      static_cast<int>(a.kind),
                      static_cast<int>(a.asset),
                      a.code,
                      a.allows_negative,
                      a.shards,
                      ToMicros(a.created_at));
}

auto Tie(const EntryRow& e) {
    return std::tuple(e.id.value(),
                      static_cast<int>(e.kind),
                      ToMicros(e.created_at),
                      e.reference.value(),
                      e.body,
                      e.leaf_hash);
}

auto Tie(const PostingRow& p) {
    return std::tuple(
        p.account.value(), p.entry.value(), p.leg, static_cast<int>(p.asset), p.amount.value());
}

auto Tie(const LotRow& l) {
    return std::tuple(l.id.value(),
                      l.account.value(),
                      l.entry.value(),
                      l.amount.value(),
                      l.remaining.value(),
                      ToMicros(l.expires_at));
}

auto Tie(const LotMoveRow& m) {
    return std::tuple(
        m.entry.value(), m.lot.value(), m.position, m.amount.value(), m.restored.value());
}

auto Tie(const HoldRow& h) {
    return std::tuple(h.id.value(),
                      h.member.value(),
                      static_cast<int>(h.asset),
                      h.amount.value(),
                      ToMicros(h.expires_at),
                      static_cast<int>(h.state),
                      h.closed_by.value(),
                      h.store,
                      h.channel);
}

auto Tie(const ReversalRow& r) {
    return std::tuple(r.original.value(), r.whole, r.reversed_part);
}

auto Tie(const IdempotencyRow& r) {
    return std::tuple(r.client_id, r.key, r.fingerprint, r.result_id, ToMicros(r.created_at));
}

template <class Row>
auto Ties(const std::vector<Row>& rows) {
    std::vector<decltype(Tie(rows.front()))> ties;
    ties.reserve(rows.size());
    for (const Row& row : rows) {
        ties.push_back(Tie(row));
    }
    return ties;
}

template <class Row>
std::vector<std::int64_t> IdsOf(const std::vector<Row>& rows) {
    std::vector<std::int64_t> ids;
    ids.reserve(rows.size());
    for (const Row& row : rows) {
        ids.push_back(row.id.value());
    }
    return ids;
}

std::vector<std::int64_t> IdsOf(const std::vector<AccountId>& accounts) {
    std::vector<std::int64_t> ids;
    ids.reserve(accounts.size());
    for (AccountId account : accounts) {
        ids.push_back(account.value());
    }
    return ids;
}

MemberRow Member(std::int64_t id, std::string public_id) {
    return MemberRow{MemberId(id), std::move(public_id), At(id), {}};
}

// An entry row with a body and leaf hash unique to `id`; the store treats both as opaque.
EntryRow Entry(std::int64_t id, EntryKind kind = EntryKind::kEarn, std::int64_t reference = 0) {
    EntryRow row;
    row.id = EntryId(id);
    row.kind = kind;
    row.created_at = At(id);
    row.reference = EntryId(reference);
    row.body = {0x01, static_cast<std::uint8_t>(id), static_cast<std::uint8_t>(id >> 8U), 0xee};
    row.leaf_hash.fill(static_cast<std::uint8_t>(id * 7));
    return row;
}

PostingRow Leg(std::int64_t account, std::int64_t entry, int leg, std::int64_t amount) {
    return PostingRow{AccountId(account), EntryId(entry), leg, Asset::kPoints, Amount(amount)};
}

// How a backend is reached: `fresh_url` names an empty database reserved for one test.
struct Backend {
    std::string name;
    std::function<std::string(const TempDir&)> fresh_url;
};

void PrintTo(const Backend& backend, std::ostream* out) {
    *out << backend.name;
}

class StoreContractTest : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        url_ = GetParam().fresh_url(dir_);
        ASSERT_NO_FATAL_FAILURE(Reopen());
    }

    // Closes the store (dropping any open transaction) and opens the same database again.
    void Reopen() {
        store_.reset();
        auto opened = Open(url_, Options());
        ASSERT_TRUE(opened.has_value()) << opened.error().message;
        store_ = std::move(opened).value();
    }

    // A second connection to the same database.
    std::unique_ptr<Store> OpenAnother() {
        auto opened = Open(url_, Options());
        EXPECT_TRUE(opened.has_value()) << opened.error().message;
        return opened.has_value() ? std::move(opened).value() : nullptr;
    }

    static OpenOptions Options() {
        OpenOptions options;
        options.synchronous_full = false;
        return options;
    }

    void AppendWithLegs(std::int64_t entry, const std::vector<std::int64_t>& accounts) {
        std::vector<PostingRow> postings;
        for (std::size_t i = 0; i < accounts.size(); ++i) {
            postings.push_back(Leg(accounts[i], entry, static_cast<int>(i), i % 2 == 0 ? 5 : -5));
        }
        CANDOR_ASSERT_OK(store_->AppendEntry(Entry(entry), postings));
    }

    Result<std::vector<std::int64_t>> HistoryIds(const std::vector<std::int64_t>& accounts,
                                                 std::int64_t before,
                                                 std::size_t limit) {
        std::vector<AccountId> ids;
        ids.reserve(accounts.size());
        for (std::int64_t account : accounts) {
            ids.emplace_back(account);
        }
        CANDOR_ASSIGN_OR_RETURN(auto rows,
                                store_->LoadEntriesForAccounts(ids, EntryId(before), limit));
        return IdsOf(rows);
    }

    LotId InsertLotOrDie(std::int64_t account,
                         std::int64_t amount,
                         std::int64_t remaining,
                         std::int64_t expires_s) {
        auto id = store_->InsertLot(LotRow{LotId(),
                                           AccountId(account),
                                           EntryId(1),
                                           Amount(amount),
                                           Amount(remaining),
                                           At(expires_s)});
        EXPECT_TRUE(id.has_value()) << id.error().message;
        return id.has_value() ? *id : LotId();
    }

    TempDir dir_;
    std::string url_;
    std::unique_ptr<Store> store_;
};

// A fresh database has every table, empty, and id sequences at their start.
TEST_P(StoreContractTest, FreshDatabaseIsMigratedAndEmpty) {
    CANDOR_ASSERT_OK_AND_ASSIGN(auto members, store_->CountMembers());
    EXPECT_EQ(members, 0);
    CANDOR_ASSERT_OK_AND_ASSIGN(auto member_id, store_->NextMemberId());
    EXPECT_EQ(member_id, MemberId(1));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto entry_id, store_->NextEntryId());
    EXPECT_EQ(entry_id, EntryId(1));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto accounts, store_->ListSystemAccounts());
    EXPECT_TRUE(accounts.empty());
    int visited = 0;
    auto count = [&visited](const auto&) {
        ++visited;
        return true;
    };
    CANDOR_ASSERT_OK(store_->ScanEntries(count));
    CANDOR_ASSERT_OK(store_->ScanPostings(count));
    CANDOR_ASSERT_OK(store_->ScanBalances(count));
    CANDOR_ASSERT_OK(store_->ScanOpenLotSums(count));
    CANDOR_ASSERT_OK(store_->ScanHolds(count));
    CANDOR_ASSERT_OK(store_->ScanLotMoves(count));
    CANDOR_ASSERT_OK(store_->ScanLots(count));
    EXPECT_EQ(visited, 0);
    CANDOR_ASSERT_OK(store_->CheckIntegrity());
}

// Committed rows of every kind survive closing and reopening the database.
TEST_P(StoreContractTest, ReopenKeepsCommittedData) {
    CANDOR_ASSERT_OK(store_->Begin());
    CANDOR_ASSERT_OK(store_->InsertMember(Member(1, "m_one")));
    const SystemAccountRow account{AccountId(31),
                                   AccountKind::kProgramIssued,
                                   Asset::kPoints,
                                   "issued:points",
                                   true,
                                   2,
                                   At(0)};
    CANDOR_ASSERT_OK(store_->InsertSystemAccount(account));
    CANDOR_ASSERT_OK(store_->InsertBalance(AccountId(31), 0));
    CANDOR_ASSERT_OK(store_->StoreBalance(AccountId(31), 0, Amount(-100)));
    const std::vector<PostingRow> postings = {Leg(31, 1, 0, -100), Leg(16, 1, 1, 100)};
    CANDOR_ASSERT_OK(store_->AppendEntry(Entry(1), postings));
    CANDOR_ASSERT_OK_AND_ASSIGN(
        LotId lot,
        store_->InsertLot(
            LotRow{LotId(), AccountId(16), EntryId(1), Amount(100), Amount(100), At(3600)}));
    CANDOR_ASSERT_OK(store_->Commit());

    ASSERT_NO_FATAL_FAILURE(Reopen());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto member, store_->FindMember(MemberId(1)));
    ASSERT_TRUE(member.has_value());
    EXPECT_EQ(Tie(*member), Tie(Member(1, "m_one")));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto found, store_->FindSystemAccount(AccountId(31)));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(Tie(*found), Tie(account));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto balance, store_->LoadBalance(AccountId(31), 0));
    EXPECT_EQ(balance, Amount(-100));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto entry, store_->LoadEntry(EntryId(1)));
    ASSERT_TRUE(entry.has_value());
    EXPECT_EQ(Tie(*entry), Tie(Entry(1)));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto posting, store_->FindPosting(AccountId(16), EntryId(1), 1));
    ASSERT_TRUE(posting.has_value());
    EXPECT_EQ(Tie(*posting), Tie(postings[1]));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto lots, store_->LoadOpenLots(AccountId(16), 10));
    ASSERT_EQ(lots.size(), 1U);
    EXPECT_EQ(lots[0].id, lot);
}

// A transaction left open when the store closes is rolled back, not half applied.
TEST_P(StoreContractTest, ReopenDropsUncommittedTransaction) {
    CANDOR_ASSERT_OK(store_->InsertMember(Member(1, "m_one")));
    CANDOR_ASSERT_OK(store_->Begin());
    CANDOR_ASSERT_OK(store_->InsertMember(Member(2, "m_two")));
    CANDOR_ASSERT_OK(store_->AppendEntry(Entry(1), std::vector{Leg(16, 1, 0, 5)}));
    ASSERT_NO_FATAL_FAILURE(Reopen());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto count, store_->CountMembers());
    EXPECT_EQ(count, 1);
    CANDOR_ASSERT_OK_AND_ASSIGN(auto entry, store_->LoadEntry(EntryId(1)));
    EXPECT_FALSE(entry.has_value());
}

// Members are found by id and by public id; unknown ones are absent, not errors.
TEST_P(StoreContractTest, MembersInsertAndFind) {
    CANDOR_ASSERT_OK(store_->InsertMember(Member(1, "m_one")));
    CANDOR_ASSERT_OK(store_->InsertMember(Member(2, "m_two")));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto by_id, store_->FindMember(MemberId(1)));
    ASSERT_TRUE(by_id.has_value());
    EXPECT_EQ(Tie(*by_id), Tie(Member(1, "m_one")));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto by_public_id, store_->FindMemberByPublicId("m_two"));
    ASSERT_TRUE(by_public_id.has_value());
    EXPECT_EQ(Tie(*by_public_id), Tie(Member(2, "m_two")));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto missing, store_->FindMember(MemberId(3)));
    EXPECT_FALSE(missing.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto missing_public, store_->FindMemberByPublicId("m_TWO"));
    EXPECT_FALSE(missing_public.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto count, store_->CountMembers());
    EXPECT_EQ(count, 2);
    CANDOR_ASSERT_OK_AND_ASSIGN(auto next, store_->NextMemberId());
    EXPECT_EQ(next, MemberId(3));
}

// Settings start as inserted ("" by default); an update changes only the fields it sets, "" goes
// back to the default, and an unknown member answers false.
TEST_P(StoreContractTest, MemberSettingsMergeAndDefault) {
    MemberRow chosen = Member(1, "m_one");
    chosen.settings = MemberSettings{"en", "Asia/Tokyo"};
    CANDOR_ASSERT_OK(store_->InsertMember(chosen));
    CANDOR_ASSERT_OK(store_->InsertMember(Member(2, "m_two")));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto one, store_->FindMember(MemberId(1)));
    ASSERT_TRUE(one.has_value());
    EXPECT_EQ(Tie(*one), Tie(chosen));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto two, store_->FindMemberByPublicId("m_two"));
    ASSERT_TRUE(two.has_value());
    EXPECT_EQ(two->settings.language, "");
    EXPECT_EQ(two->settings.time_zone, "");

    CANDOR_ASSERT_OK_AND_ASSIGN(bool updated,
                                store_->UpdateMemberSettings(MemberId(2), {"ru", std::nullopt}));
    EXPECT_TRUE(updated);
    CANDOR_ASSERT_OK_AND_ASSIGN(updated,
                                store_->UpdateMemberSettings(MemberId(2), {std::nullopt, "UTC"}));
    EXPECT_TRUE(updated);
    CANDOR_ASSERT_OK_AND_ASSIGN(two, store_->FindMember(MemberId(2)));
    ASSERT_TRUE(two.has_value());
    EXPECT_EQ(two->settings.language, "ru");
    EXPECT_EQ(two->settings.time_zone, "UTC");
    CANDOR_ASSERT_OK_AND_ASSIGN(updated,
                                store_->UpdateMemberSettings(MemberId(2), {std::nullopt, ""}));
    EXPECT_TRUE(updated);
    CANDOR_ASSERT_OK_AND_ASSIGN(two, store_->FindMember(MemberId(2)));
    ASSERT_TRUE(two.has_value());
    EXPECT_EQ(two->settings.language, "ru");
    EXPECT_EQ(two->settings.time_zone, "");
    // Nothing set: nothing changes, and the member still counts as found.
    CANDOR_ASSERT_OK_AND_ASSIGN(updated, store_->UpdateMemberSettings(MemberId(1), {}));
    EXPECT_TRUE(updated);
    CANDOR_ASSERT_OK_AND_ASSIGN(one, store_->FindMember(MemberId(1)));
    ASSERT_TRUE(one.has_value());
    EXPECT_EQ(Tie(*one), Tie(chosen));
    CANDOR_ASSERT_OK_AND_ASSIGN(updated, store_->UpdateMemberSettings(MemberId(3), {"en", "UTC"}));
    EXPECT_FALSE(updated);
    CANDOR_ASSERT_OK_AND_ASSIGN(auto count, store_->CountMembers());
    EXPECT_EQ(count, 2);
}

// A taken id or public id is kAlreadyExists and leaves the first member as it was.
TEST_P(StoreContractTest, DuplicateMemberIsAlreadyExists) {
    CANDOR_ASSERT_OK(store_->InsertMember(Member(1, "m_one")));
    EXPECT_EQ(CodeOf(store_->InsertMember(Member(1, "m_other"))), ErrorCode::kAlreadyExists);
    EXPECT_EQ(CodeOf(store_->InsertMember(Member(2, "m_one"))), ErrorCode::kAlreadyExists);
    CANDOR_ASSERT_OK_AND_ASSIGN(auto count, store_->CountMembers());
    EXPECT_EQ(count, 1);
    CANDOR_ASSERT_OK_AND_ASSIGN(auto member, store_->FindMember(MemberId(1)));
    ASSERT_TRUE(member.has_value());
    EXPECT_EQ(member->public_id, "m_one");
    CANDOR_ASSERT_OK_AND_ASSIGN(auto other, store_->FindMemberByPublicId("m_other"));
    EXPECT_FALSE(other.has_value());
}

// System accounts are found by id and code, listed in id order, and unique in both.
TEST_P(StoreContractTest, SystemAccountsInsertFindAndList) {
    CANDOR_ASSERT_OK_AND_ASSIGN(AccountId first_id, store_->NextSystemAccountId());
    EXPECT_TRUE(first_id.value() > 0);
    const SystemAccountRow issued{
        first_id, AccountKind::kProgramIssued, Asset::kPoints, "issued:points", true, 16, At(0)};
    CANDOR_ASSERT_OK(store_->InsertSystemAccount(issued));
    CANDOR_ASSERT_OK_AND_ASSIGN(AccountId second_id, store_->NextSystemAccountId());
    EXPECT_GT(second_id, first_id);
    const SystemAccountRow budget{second_id,
                                  AccountKind::kCampaignBudget,
                                  Asset::kCashback,
                                  "campaign:spring-2026",
                                  false,
                                  1,
                                  At(5)};
    CANDOR_ASSERT_OK(store_->InsertSystemAccount(budget));

    CANDOR_ASSERT_OK_AND_ASSIGN(auto by_id, store_->FindSystemAccount(second_id));
    ASSERT_TRUE(by_id.has_value());
    EXPECT_EQ(Tie(*by_id), Tie(budget));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto by_code, store_->FindSystemAccountByCode("issued:points"));
    ASSERT_TRUE(by_code.has_value());
    EXPECT_EQ(Tie(*by_code), Tie(issued));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto unknown, store_->FindSystemAccountByCode("issued:status"));
    EXPECT_FALSE(unknown.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto listed, store_->ListSystemAccounts());
    EXPECT_EQ(Ties(listed), Ties(std::vector{issued, budget}));

    SystemAccountRow same_code = budget;
    CANDOR_ASSERT_OK_AND_ASSIGN(same_code.id, store_->NextSystemAccountId());
    EXPECT_EQ(CodeOf(store_->InsertSystemAccount(same_code)), ErrorCode::kAlreadyExists);
    SystemAccountRow same_id = budget;
    same_id.code = "campaign:autumn-2026";
    EXPECT_EQ(CodeOf(store_->InsertSystemAccount(same_id)), ErrorCode::kAlreadyExists);
}

// A shard count outside 1..256 breaks the store's structure: it is refused, and not mistaken
// for a duplicate.
TEST_P(StoreContractTest, SystemAccountShardsOutOfRangeIsInvalidArgument) {
    for (int shards : {0, 257}) {
        const SystemAccountRow account{AccountId(31),
                                       AccountKind::kProgramIssued,
                                       Asset::kPoints,
                                       "issued",
                                       false,
                                       shards,
                                       At(0)};
        EXPECT_EQ(CodeOf(store_->InsertSystemAccount(account)), ErrorCode::kInvalidArgument)
            << shards;
    }
    CANDOR_ASSERT_OK_AND_ASSIGN(auto listed, store_->ListSystemAccounts());
    EXPECT_TRUE(listed.empty());
}

// Balance rows start at zero, store any int64, and SumBalance adds every shard of the account.
TEST_P(StoreContractTest, BalancesPerShardAndSum) {
    for (int shard = 0; shard < 3; ++shard) {
        CANDOR_ASSERT_OK(store_->InsertBalance(AccountId(31), shard));
    }
    CANDOR_ASSERT_OK(store_->InsertBalance(AccountId(47), 0));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto initial, store_->LoadBalance(AccountId(31), 0));
    EXPECT_EQ(initial, Amount(0));
    CANDOR_ASSERT_OK(store_->StoreBalance(AccountId(31), 1, Amount(250)));
    CANDOR_ASSERT_OK(store_->StoreBalance(AccountId(31), 2, Amount(-50)));
    CANDOR_ASSERT_OK(store_->StoreBalance(AccountId(47), 0, Amount(kMin)));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto shard_one, store_->LoadBalance(AccountId(31), 1));
    EXPECT_EQ(shard_one, Amount(250));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto sum, store_->SumBalance(AccountId(31)));
    EXPECT_EQ(sum, Amount(200));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto extreme, store_->SumBalance(AccountId(47)));
    EXPECT_EQ(extreme, Amount(kMin));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto no_shard, store_->LoadBalance(AccountId(31), 3));
    EXPECT_FALSE(no_shard.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto no_account, store_->LoadBalance(AccountId(63), 0));
    EXPECT_FALSE(no_account.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto no_rows, store_->SumBalance(AccountId(63)));
    EXPECT_FALSE(no_rows.has_value());
    EXPECT_EQ(CodeOf(store_->InsertBalance(AccountId(31), 1)), ErrorCode::kAlreadyExists);
    CANDOR_ASSERT_OK_AND_ASSIGN(auto kept, store_->LoadBalance(AccountId(31), 1));
    EXPECT_EQ(kept, Amount(250));
}

// Appended entries load back byte for byte, ids stay dense, and a taken id is refused.
TEST_P(StoreContractTest, EntriesAppendLoadAndDenseIds) {
    for (std::int64_t id = 1; id <= 3; ++id) {
        CANDOR_ASSERT_OK_AND_ASSIGN(EntryId next, store_->NextEntryId());
        EXPECT_EQ(next, EntryId(id));
        CANDOR_ASSERT_OK(store_->AppendEntry(Entry(id, EntryKind::kReversal, id - 1),
                                             std::vector{Leg(16, id, 0, 5), Leg(31, id, 1, -5)}));
    }
    CANDOR_ASSERT_OK_AND_ASSIGN(auto loaded, store_->LoadEntry(EntryId(2)));
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(Tie(*loaded), Tie(Entry(2, EntryKind::kReversal, 1)));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto missing, store_->LoadEntry(EntryId(4)));
    EXPECT_FALSE(missing.has_value());
    EXPECT_EQ(CodeOf(store_->AppendEntry(Entry(2), std::vector{Leg(17, 2, 0, 1)})),
              ErrorCode::kAlreadyExists);
    CANDOR_ASSERT_OK_AND_ASSIGN(auto unchanged, store_->LoadEntry(EntryId(2)));
    ASSERT_TRUE(unchanged.has_value());
    EXPECT_EQ(unchanged->kind, EntryKind::kReversal);

    // An entry rolled back leaves no gap: its id is handed out again.
    CANDOR_ASSERT_OK(store_->Begin());
    CANDOR_ASSERT_OK(store_->AppendEntry(Entry(4), std::vector{Leg(16, 4, 0, 5)}));
    CANDOR_ASSERT_OK(store_->Rollback());
    CANDOR_ASSERT_OK_AND_ASSIGN(EntryId after_rollback, store_->NextEntryId());
    EXPECT_EQ(after_rollback, EntryId(4));
}

// FindPosting matches the exact (account, entry, leg) triple and nothing else.
TEST_P(StoreContractTest, FindPostingMatchesExactKey) {
    const std::vector<PostingRow> postings = {
        Leg(31, 1, 0, -100),
        PostingRow{AccountId(16), EntryId(1), 1, Asset::kStatus, Amount(kMax)},
        Leg(16, 1, 2, 100)};
    CANDOR_ASSERT_OK(store_->AppendEntry(Entry(1), postings));
    for (const PostingRow& posting : postings) {
        CANDOR_ASSERT_OK_AND_ASSIGN(
            auto found, store_->FindPosting(posting.account, posting.entry, posting.leg));
        ASSERT_TRUE(found.has_value());
        EXPECT_EQ(Tie(*found), Tie(posting));
    }
    CANDOR_ASSERT_OK_AND_ASSIGN(auto wrong_leg, store_->FindPosting(AccountId(31), EntryId(1), 1));
    EXPECT_FALSE(wrong_leg.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto wrong_entry,
                                store_->FindPosting(AccountId(16), EntryId(2), 1));
    EXPECT_FALSE(wrong_entry.has_value());
}

// History of several accounts comes newest first, each entry once, even when an entry
// touches two of the accounts or one account twice; other accounts' entries are left out.
TEST_P(StoreContractTest, LoadEntriesForAccountsOrdersAndDedupes) {
    ASSERT_NO_FATAL_FAILURE(AppendWithLegs(1, {16, 31}));
    ASSERT_NO_FATAL_FAILURE(AppendWithLegs(2, {17, 31}));
    ASSERT_NO_FATAL_FAILURE(AppendWithLegs(3, {16, 17}));
    ASSERT_NO_FATAL_FAILURE(AppendWithLegs(4, {18, 31}));
    ASSERT_NO_FATAL_FAILURE(AppendWithLegs(5, {16, 16}));
    ASSERT_NO_FATAL_FAILURE(AppendWithLegs(6, {31, 17}));
    using Ids = std::vector<std::int64_t>;
    EXPECT_EQ(HistoryIds({16, 17}, 0, 100).value(), (Ids{6, 5, 3, 2, 1}));
    EXPECT_EQ(HistoryIds({17, 16}, 0, 100).value(), (Ids{6, 5, 3, 2, 1}));
    EXPECT_EQ(HistoryIds({16, 16}, 0, 100).value(), (Ids{5, 3, 1}));
    EXPECT_EQ(HistoryIds({18}, 0, 100).value(), (Ids{4}));
    EXPECT_EQ(HistoryIds({99}, 0, 100).value(), Ids{});
    EXPECT_EQ(HistoryIds({}, 0, 100).value(), Ids{});
    CANDOR_ASSERT_OK_AND_ASSIGN(
        auto rows, store_->LoadEntriesForAccounts(std::vector{AccountId(18)}, EntryId(), 10));
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(Tie(rows[0]), Tie(Entry(4)));
}

// `before` and `limit` page through history without gaps or repeats.
TEST_P(StoreContractTest, LoadEntriesForAccountsPages) {
    for (std::int64_t id = 1; id <= 9; ++id) {
        ASSERT_NO_FATAL_FAILURE(AppendWithLegs(id, {id % 3 == 0 ? 18 : 16 + id % 2, 31}));
    }
    using Ids = std::vector<std::int64_t>;
    // Account 16 has entries 2, 4, 8; account 17 has 1, 5, 7; account 18 has 3, 6, 9.
    EXPECT_EQ(HistoryIds({16, 17}, 0, 2).value(), (Ids{8, 7}));
    EXPECT_EQ(HistoryIds({16, 17}, 7, 2).value(), (Ids{5, 4}));
    EXPECT_EQ(HistoryIds({16, 17}, 4, 2).value(), (Ids{2, 1}));
    EXPECT_EQ(HistoryIds({16, 17}, 1, 2).value(), Ids{});
    EXPECT_EQ(HistoryIds({16, 17}, 0, 0).value(), Ids{});
    Ids all;
    std::int64_t before = 0;
    for (int page = 0; page < 20; ++page) {
        CANDOR_ASSERT_OK_AND_ASSIGN(Ids ids, HistoryIds({16, 17, 18}, before, 4));
        if (ids.empty()) {
            break;
        }
        EXPECT_LE(ids.size(), 4U);
        all.insert(all.end(), ids.begin(), ids.end());
        before = ids.back();
    }
    EXPECT_EQ(all, (Ids{9, 8, 7, 6, 5, 4, 3, 2, 1}));
}

// Lots load back whole; open lots come oldest first, leave out spent lots, and honour limit.
TEST_P(StoreContractTest, LotsInsertLoadAndOpenOrder) {
    const LotId first = InsertLotOrDie(16, 100, 100, 10);
    const LotId spent = InsertLotOrDie(16, 50, 0, 5);
    const LotId third = InsertLotOrDie(16, 30, 30, 20);
    const LotId other = InsertLotOrDie(32, 10, 10, 10);
    EXPECT_LT(first, spent);
    EXPECT_LT(spent, third);
    EXPECT_LT(third, other);
    CANDOR_ASSERT_OK_AND_ASSIGN(auto loaded, store_->LoadLot(third));
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(Tie(*loaded),
              Tie(LotRow{third, AccountId(16), EntryId(1), Amount(30), Amount(30), At(20)}));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto missing, store_->LoadLot(LotId(other.value() + 1)));
    EXPECT_FALSE(missing.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto open, store_->LoadOpenLots(AccountId(16), 10));
    EXPECT_EQ(IdsOf(open), (std::vector{first.value(), third.value()}));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto one, store_->LoadOpenLots(AccountId(16), 1));
    EXPECT_EQ(IdsOf(one), (std::vector{first.value()}));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto none, store_->LoadOpenLots(AccountId(17), 10));
    EXPECT_TRUE(none.empty());
}

// Expiry queries include a lot expiring exactly at `now`, exclude spent lots, and list each
// account once, in ascending order.
TEST_P(StoreContractTest, ExpiredLotsAndAccountsWithExpiredLots) {
    const LotId first = InsertLotOrDie(16, 100, 100, 10);
    InsertLotOrDie(16, 50, 0, 5);
    const LotId third = InsertLotOrDie(16, 30, 30, 20);
    InsertLotOrDie(32, 10, 10, 10);
    using Ids = std::vector<std::int64_t>;
    CANDOR_ASSERT_OK_AND_ASSIGN(auto before_any, store_->LoadExpiredLots(AccountId(16), At(9)));
    EXPECT_TRUE(before_any.empty()) << "the spent lot expiring at 5 must not appear";
    CANDOR_ASSERT_OK_AND_ASSIGN(auto at_ten, store_->LoadExpiredLots(AccountId(16), At(10)));
    EXPECT_EQ(IdsOf(at_ten), (Ids{first.value()}));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto at_twenty, store_->LoadExpiredLots(AccountId(16), At(20)));
    EXPECT_EQ(IdsOf(at_twenty), (Ids{first.value(), third.value()}));

    CANDOR_ASSERT_OK_AND_ASSIGN(auto none, store_->FindAccountsWithExpiredLots(At(9), 10));
    EXPECT_TRUE(none.empty());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto both, store_->FindAccountsWithExpiredLots(At(20), 10));
    EXPECT_EQ(IdsOf(both), (Ids{16, 32}));
}

// FindAccountsWithExpiredLots draws its accounts from the `limit` lots that fell due first,
// so that a sweep batch handles the oldest backlog, and still answers in account order.
TEST_P(StoreContractTest, AccountsWithExpiredLotsComeFromEarliestDueLots) {
    InsertLotOrDie(16, 10, 10, 3);
    InsertLotOrDie(16, 10, 10, 4);
    InsertLotOrDie(40, 10, 10, 1);
    InsertLotOrDie(32, 10, 10, 2);
    InsertLotOrDie(48, 10, 0, 0);
    using Ids = std::vector<std::int64_t>;
    auto accounts = [this](std::size_t limit) {
        auto found = store_->FindAccountsWithExpiredLots(At(10), limit);
        EXPECT_TRUE(found.has_value());
        return found.has_value() ? IdsOf(*found) : Ids{-1};
    };
    EXPECT_EQ(accounts(1), (Ids{40}));
    EXPECT_EQ(accounts(2), (Ids{32, 40}));
    EXPECT_EQ(accounts(3), (Ids{16, 32, 40}));
    EXPECT_EQ(accounts(100), (Ids{16, 32, 40}));
}

// A lot whose remaining drops to zero leaves every open-lot query (the partial indexes), and
// comes back when a void or reversal restores part of it; a lot inserted spent can return too.
TEST_P(StoreContractTest, LotsMoveInAndOutOfOpenQueries) {
    const LotId first = InsertLotOrDie(16, 100, 100, 10);
    const LotId spent = InsertLotOrDie(16, 50, 0, 5);
    const LotId third = InsertLotOrDie(16, 30, 30, 20);
    InsertLotOrDie(32, 10, 10, 10);
    using Ids = std::vector<std::int64_t>;

    CANDOR_ASSERT_OK(store_->UpdateLotRemaining(first, Amount(0)));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto open, store_->LoadOpenLots(AccountId(16), 10));
    EXPECT_EQ(IdsOf(open), (Ids{third.value()}));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto expired, store_->LoadExpiredLots(AccountId(16), At(10)));
    EXPECT_TRUE(expired.empty());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto accounts, store_->FindAccountsWithExpiredLots(At(10), 10));
    EXPECT_EQ(IdsOf(accounts), (Ids{32}));

    CANDOR_ASSERT_OK(store_->UpdateLotRemaining(first, Amount(40)));
    CANDOR_ASSERT_OK(store_->UpdateLotRemaining(spent, Amount(5)));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto reopened, store_->LoadOpenLots(AccountId(16), 10));
    EXPECT_EQ(IdsOf(reopened), (Ids{first.value(), spent.value(), third.value()}));
    EXPECT_EQ(reopened.at(0).remaining, Amount(40));
    EXPECT_EQ(reopened.at(0).amount, Amount(100));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto expired_again, store_->LoadExpiredLots(AccountId(16), At(10)));
    EXPECT_EQ(IdsOf(expired_again), (Ids{first.value(), spent.value()}));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto accounts_again,
                                store_->FindAccountsWithExpiredLots(At(10), 10));
    EXPECT_EQ(IdsOf(accounts_again), (Ids{16, 32}));
}

// Lot moves load in consumption order whatever the insert order, and record restorations.
TEST_P(StoreContractTest, LotMovesOrderAndRestore) {
    const LotId older = InsertLotOrDie(16, 100, 100, 10);
    const LotId newer = InsertLotOrDie(16, 30, 30, 20);
    const LotMoveRow second{EntryId(5), newer, 1, Amount(10), Amount(0)};
    const LotMoveRow first{EntryId(5), older, 0, Amount(20), Amount(0)};
    const LotMoveRow later{EntryId(7), newer, 0, Amount(3), Amount(0)};
    CANDOR_ASSERT_OK(store_->InsertLotMove(later));
    CANDOR_ASSERT_OK(store_->InsertLotMove(second));
    CANDOR_ASSERT_OK(store_->InsertLotMove(first));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto moves, store_->LoadLotMoves(EntryId(5)));
    EXPECT_EQ(Ties(moves), Ties(std::vector{first, second}));
    CANDOR_ASSERT_OK(store_->UpdateLotMoveRestored(EntryId(5), newer, Amount(4)));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto restored, store_->LoadLotMoves(EntryId(5)));
    ASSERT_EQ(restored.size(), 2U);
    EXPECT_EQ(restored[1].restored, Amount(4));
    EXPECT_EQ(restored[0].restored, Amount(0));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto untouched, store_->LoadLotMoves(EntryId(7)));
    EXPECT_EQ(Ties(untouched), Ties(std::vector{later}));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto none, store_->LoadLotMoves(EntryId(6)));
    EXPECT_TRUE(none.empty());
    EXPECT_EQ(CodeOf(store_->InsertLotMove(first)), ErrorCode::kAlreadyExists);
}

// Holds load back whole (their store and channel too), close with their closing entry, and a
// taken id is refused.
TEST_P(StoreContractTest, HoldsInsertLoadAndClose) {
    const HoldRow hold{EntryId(11),
                       MemberId(1),
                       Asset::kCashback,
                       Amount(250),
                       At(10),
                       HoldState::kOpen,
                       EntryId(),
                       "s1",
                       "till"};
    CANDOR_ASSERT_OK(store_->InsertHold(hold));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto loaded, store_->LoadHold(EntryId(11)));
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(Tie(*loaded), Tie(hold));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto missing, store_->LoadHold(EntryId(12)));
    EXPECT_FALSE(missing.has_value());
    EXPECT_EQ(CodeOf(store_->InsertHold(hold)), ErrorCode::kAlreadyExists);

    CANDOR_ASSERT_OK(store_->CloseHold(EntryId(11), HoldState::kCaptured, EntryId(21)));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto closed, store_->LoadHold(EntryId(11)));
    ASSERT_TRUE(closed.has_value());
    EXPECT_EQ(closed->state, HoldState::kCaptured);
    EXPECT_EQ(closed->closed_by, EntryId(21));
    EXPECT_EQ(closed->amount, Amount(250));
    EXPECT_EQ(closed->store, "s1");
    EXPECT_EQ(closed->channel, "till");
}

// Timed-out holds are the open ones expiring at or before `now`, by expiry then id, up to
// the limit; closing a hold removes it.
TEST_P(StoreContractTest, TimedOutHoldsOrderAndFilter) {
    auto hold = [](std::int64_t id, std::int64_t expires_s, HoldState state) {
        return HoldRow{EntryId(id),
                       MemberId(1),
                       Asset::kPoints,
                       Amount(10),
                       At(expires_s),
                       state,
                       state == HoldState::kOpen ? EntryId() : EntryId(99),
                       "",
                       ""};
    };
    CANDOR_ASSERT_OK(store_->InsertHold(hold(10, 30, HoldState::kOpen)));
    CANDOR_ASSERT_OK(store_->InsertHold(hold(12, 10, HoldState::kOpen)));
    CANDOR_ASSERT_OK(store_->InsertHold(hold(11, 10, HoldState::kOpen)));
    CANDOR_ASSERT_OK(store_->InsertHold(hold(13, 5, HoldState::kCaptured)));
    CANDOR_ASSERT_OK(store_->InsertHold(hold(14, 5, HoldState::kVoided)));
    using Ids = std::vector<std::int64_t>;
    auto timed_out = [this](std::int64_t now_s, std::size_t limit) {
        auto holds = store_->FindTimedOutHolds(At(now_s), limit);
        EXPECT_TRUE(holds.has_value());
        return holds.has_value() ? IdsOf(*holds) : Ids{-1};
    };
    EXPECT_EQ(timed_out(9, 10), Ids{});
    EXPECT_EQ(timed_out(10, 10), (Ids{11, 12}));
    EXPECT_EQ(timed_out(30, 10), (Ids{11, 12, 10}));
    EXPECT_EQ(timed_out(30, 1), (Ids{11}));
    CANDOR_ASSERT_OK(store_->CloseHold(EntryId(11), HoldState::kVoided, EntryId(20)));
    EXPECT_EQ(timed_out(30, 10), (Ids{12, 10}));
}

// StoreReversal inserts the first time and updates in place afterwards, per original entry.
TEST_P(StoreContractTest, ReversalsUpsert) {
    CANDOR_ASSERT_OK_AND_ASSIGN(auto none, store_->LoadReversal(EntryId(42)));
    EXPECT_FALSE(none.has_value());
    CANDOR_ASSERT_OK(store_->StoreReversal(ReversalRow{EntryId(42), 100, 30}));
    CANDOR_ASSERT_OK(store_->StoreReversal(ReversalRow{EntryId(43), 7, 1}));
    CANDOR_ASSERT_OK(store_->StoreReversal(ReversalRow{EntryId(42), 100, 70}));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto updated, store_->LoadReversal(EntryId(42)));
    ASSERT_TRUE(updated.has_value());
    EXPECT_EQ(Tie(*updated), Tie(ReversalRow{EntryId(42), 100, 70}));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto other, store_->LoadReversal(EntryId(43)));
    ASSERT_TRUE(other.has_value());
    EXPECT_EQ(Tie(*other), Tie(ReversalRow{EntryId(43), 7, 1}));
}

// TryInsertIdempotency claims a free (client, key) pair; a taken pair answers false and
// keeps the first row, even right after another write changed a row.
TEST_P(StoreContractTest, IdempotencyTryInsertKeepsFirstRow) {
    IdempotencyRow first{"pos-1", std::string(255, 'k'), {}, 7, At(1)};
    first.fingerprint.fill(0xaa);
    CANDOR_ASSERT_OK_AND_ASSIGN(bool inserted, store_->TryInsertIdempotency(first));
    EXPECT_TRUE(inserted);

    CANDOR_ASSERT_OK(store_->InsertBalance(AccountId(31), 0));
    CANDOR_ASSERT_OK(store_->StoreBalance(AccountId(31), 0, Amount(5)));
    IdempotencyRow replay = first;
    replay.fingerprint.fill(0xbb);
    replay.result_id = 8;
    replay.created_at = At(2);
    CANDOR_ASSERT_OK_AND_ASSIGN(bool replay_inserted, store_->TryInsertIdempotency(replay));
    EXPECT_FALSE(replay_inserted);
    CANDOR_ASSERT_OK_AND_ASSIGN(auto kept, store_->FindIdempotency("pos-1", first.key));
    ASSERT_TRUE(kept.has_value());
    EXPECT_EQ(Tie(*kept), Tie(first));

    IdempotencyRow other_client = replay;
    other_client.client_id = "pos-2";
    CANDOR_ASSERT_OK_AND_ASSIGN(bool other_inserted, store_->TryInsertIdempotency(other_client));
    EXPECT_TRUE(other_inserted);
    IdempotencyRow other_key = replay;
    other_key.key = "k2";
    CANDOR_ASSERT_OK_AND_ASSIGN(bool key_inserted, store_->TryInsertIdempotency(other_key));
    EXPECT_TRUE(key_inserted);
    CANDOR_ASSERT_OK_AND_ASSIGN(auto unknown, store_->FindIdempotency("pos-3", "k2"));
    EXPECT_FALSE(unknown.has_value());
}

// Rollback undoes every write of the transaction.
TEST_P(StoreContractTest, RollbackUndoesTransaction) {
    CANDOR_ASSERT_OK(store_->InsertBalance(AccountId(31), 0));
    CANDOR_ASSERT_OK(store_->Begin());
    CANDOR_ASSERT_OK(store_->InsertMember(Member(1, "m_one")));
    CANDOR_ASSERT_OK(store_->StoreBalance(AccountId(31), 0, Amount(9)));
    CANDOR_ASSERT_OK(store_->AppendEntry(Entry(1), std::vector{Leg(16, 1, 0, 5)}));
    CANDOR_ASSERT_OK(store_->Rollback());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto member, store_->FindMember(MemberId(1)));
    EXPECT_FALSE(member.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto balance, store_->LoadBalance(AccountId(31), 0));
    EXPECT_EQ(balance, Amount(0));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto posting, store_->FindPosting(AccountId(16), EntryId(1), 0));
    EXPECT_FALSE(posting.has_value());
}

// RollbackToSavepoint undoes only the writes since the savepoint; the transaction goes on.
TEST_P(StoreContractTest, SavepointRollbackUndoesOnlyItsWrites) {
    CANDOR_ASSERT_OK(store_->InsertBalance(AccountId(31), 0));
    CANDOR_ASSERT_OK(store_->Begin());
    CANDOR_ASSERT_OK(store_->InsertMember(Member(1, "m_one")));
    CANDOR_ASSERT_OK(store_->StoreBalance(AccountId(31), 0, Amount(1)));
    CANDOR_ASSERT_OK(store_->Savepoint());
    CANDOR_ASSERT_OK(store_->InsertMember(Member(2, "m_two")));
    CANDOR_ASSERT_OK(store_->StoreBalance(AccountId(31), 0, Amount(2)));
    CANDOR_ASSERT_OK(store_->RollbackToSavepoint());
    CANDOR_ASSERT_OK(store_->InsertMember(Member(3, "m_three")));
    CANDOR_ASSERT_OK(store_->Commit());
    ASSERT_NO_FATAL_FAILURE(Reopen());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto one, store_->FindMember(MemberId(1)));
    EXPECT_TRUE(one.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto two, store_->FindMember(MemberId(2)));
    EXPECT_FALSE(two.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto three, store_->FindMember(MemberId(3)));
    EXPECT_TRUE(three.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto balance, store_->LoadBalance(AccountId(31), 0));
    EXPECT_EQ(balance, Amount(1));
}

// A failed AppendEntry inside a savepoint is undone whole by RollbackToSavepoint, the way the
// committer isolates one failing command of a batch.
TEST_P(StoreContractTest, SavepointRollbackUndoesPartialAppend) {
    CANDOR_ASSERT_OK(store_->Begin());
    CANDOR_ASSERT_OK(store_->AppendEntry(Entry(1), std::vector{Leg(16, 1, 0, 5)}));
    CANDOR_ASSERT_OK(store_->Savepoint());
    EXPECT_EQ(
        CodeOf(store_->AppendEntry(Entry(2), std::vector{Leg(16, 2, 0, 5), Leg(16, 2, 0, 6)})),
        ErrorCode::kAlreadyExists);
    CANDOR_ASSERT_OK(store_->RollbackToSavepoint());
    CANDOR_ASSERT_OK(store_->Commit());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto kept, store_->LoadEntry(EntryId(1)));
    EXPECT_TRUE(kept.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto dropped, store_->LoadEntry(EntryId(2)));
    EXPECT_FALSE(dropped.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto leg, store_->FindPosting(AccountId(16), EntryId(2), 0));
    EXPECT_FALSE(leg.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(EntryId next, store_->NextEntryId());
    EXPECT_EQ(next, EntryId(2));
}

// Savepoints nest: rolling back the inner one keeps the outer one's writes, releasing the
// inner one folds its writes into the outer one, and many savepoints in a row do not pile up.
TEST_P(StoreContractTest, SavepointsNest) {
    CANDOR_ASSERT_OK(store_->Begin());
    CANDOR_ASSERT_OK(store_->Savepoint());
    CANDOR_ASSERT_OK(store_->InsertMember(Member(1, "m_one")));
    CANDOR_ASSERT_OK(store_->Savepoint());
    CANDOR_ASSERT_OK(store_->InsertMember(Member(2, "m_two")));
    CANDOR_ASSERT_OK(store_->RollbackToSavepoint());
    CANDOR_ASSERT_OK(store_->InsertMember(Member(3, "m_three")));
    CANDOR_ASSERT_OK(store_->Release());

    CANDOR_ASSERT_OK(store_->Savepoint());
    CANDOR_ASSERT_OK(store_->InsertMember(Member(4, "m_four")));
    CANDOR_ASSERT_OK(store_->Savepoint());
    CANDOR_ASSERT_OK(store_->InsertMember(Member(5, "m_five")));
    CANDOR_ASSERT_OK(store_->Release());
    CANDOR_ASSERT_OK(store_->RollbackToSavepoint());

    for (std::int64_t id = 100; id < 200; ++id) {
        CANDOR_ASSERT_OK(store_->Savepoint());
        CANDOR_ASSERT_OK(store_->InsertMember(Member(id, "m_" + std::to_string(id))));
        CANDOR_ASSERT_OK(id % 2 == 0 ? store_->Release() : store_->RollbackToSavepoint());
    }
    CANDOR_ASSERT_OK(store_->Commit());
    for (std::int64_t id : {1, 3}) {
        CANDOR_ASSERT_OK_AND_ASSIGN(auto member, store_->FindMember(MemberId(id)));
        EXPECT_TRUE(member.has_value()) << id;
    }
    for (std::int64_t id : {2, 4, 5}) {
        CANDOR_ASSERT_OK_AND_ASSIGN(auto member, store_->FindMember(MemberId(id)));
        EXPECT_FALSE(member.has_value()) << id;
    }
    CANDOR_ASSERT_OK_AND_ASSIGN(auto count, store_->CountMembers());
    EXPECT_EQ(count, 2 + 50);
}

// A second connection sees a transaction's writes only once it commits.
TEST_P(StoreContractTest, OtherConnectionSeesOnlyCommittedWrites) {
    std::unique_ptr<Store> reader = OpenAnother();
    ASSERT_NE(reader, nullptr);
    CANDOR_ASSERT_OK(store_->Begin());
    CANDOR_ASSERT_OK(store_->InsertMember(Member(1, "m_one")));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto during, reader->CountMembers());
    EXPECT_EQ(during, 0);
    CANDOR_ASSERT_OK(store_->Commit());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto after, reader->CountMembers());
    EXPECT_EQ(after, 1);
}

// Scans visit rows in ascending order of their key whatever the insert order, stop when the
// visitor answers false, and let the visitor call the store.
TEST_P(StoreContractTest, ScansAreOrderedAndStoppable) {
    for (std::int64_t id : {3, 1, 2}) {
        CANDOR_ASSERT_OK(store_->AppendEntry(
            Entry(id), std::vector{Leg(47 - id, id, 1, -5), Leg(16 + id, id, 0, 5)}));
    }
    std::vector<std::int64_t> entry_ids;
    CANDOR_ASSERT_OK(store_->ScanEntries([&](const EntryRow& row) {
        auto loaded = store_->LoadEntry(row.id);
        EXPECT_TRUE(loaded.has_value() && loaded->has_value());
        entry_ids.push_back(row.id.value());
        return true;
    }));
    EXPECT_EQ(entry_ids, (std::vector<std::int64_t>{1, 2, 3}));

    std::vector<std::tuple<std::int64_t, std::int64_t, int>> keys;
    CANDOR_ASSERT_OK(store_->ScanPostings([&](const PostingRow& row) {
        keys.emplace_back(row.account.value(), row.entry.value(), row.leg);
        return true;
    }));
    std::vector<std::tuple<std::int64_t, std::int64_t, int>> sorted = keys;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(keys, sorted);
    EXPECT_EQ(keys.size(), 6U);

    int visited = 0;
    CANDOR_ASSERT_OK(store_->ScanEntries([&visited](const EntryRow&) {
        ++visited;
        return false;
    }));
    EXPECT_EQ(visited, 1);
}

// Balance and open-lot scans sum per account in account order; lots, holds and lot moves come
// in key order, spent lots included.
TEST_P(StoreContractTest, AggregateScansSumPerAccount) {
    for (int shard = 0; shard < 2; ++shard) {
        CANDOR_ASSERT_OK(store_->InsertBalance(AccountId(47), shard));
        CANDOR_ASSERT_OK(store_->StoreBalance(AccountId(47), shard, Amount(10 + shard)));
    }
    CANDOR_ASSERT_OK(store_->InsertBalance(AccountId(16), 0));
    CANDOR_ASSERT_OK(store_->StoreBalance(AccountId(16), 0, Amount(-4)));
    std::vector<std::tuple<std::int64_t, std::int64_t>> balances;
    CANDOR_ASSERT_OK(store_->ScanBalances([&](const AccountSum& sum) {
        balances.emplace_back(sum.account.value(), sum.amount.value());
        return true;
    }));
    EXPECT_EQ(balances, (std::vector<std::tuple<std::int64_t, std::int64_t>>{{16, -4}, {47, 21}}));

    const LotId a = InsertLotOrDie(32, 10, 10, 5);
    const LotId b = InsertLotOrDie(16, 10, 0, 5);
    const LotId c = InsertLotOrDie(16, 10, 7, 5);
    const LotId d = InsertLotOrDie(32, 10, 3, 5);
    std::vector<std::tuple<std::int64_t, std::int64_t>> lot_sums;
    CANDOR_ASSERT_OK(store_->ScanOpenLotSums([&](const AccountSum& sum) {
        lot_sums.emplace_back(sum.account.value(), sum.amount.value());
        return true;
    }));
    EXPECT_EQ(lot_sums, (std::vector<std::tuple<std::int64_t, std::int64_t>>{{16, 7}, {32, 13}}));
    std::vector<std::int64_t> lot_ids;
    CANDOR_ASSERT_OK(store_->ScanLots([&](const LotRow& lot) {
        lot_ids.push_back(lot.id.value());
        return true;
    }));
    EXPECT_EQ(lot_ids, (std::vector{a.value(), b.value(), c.value(), d.value()}));
}

// Holds scan by id and lot moves by entry then position, whatever the insert order.
TEST_P(StoreContractTest, HoldAndLotMoveScansAreOrdered) {
    for (std::int64_t id : {12, 10, 11}) {
        CANDOR_ASSERT_OK(store_->InsertHold(HoldRow{EntryId(id),
                                                    MemberId(1),
                                                    Asset::kPoints,
                                                    Amount(1),
                                                    At(id),
                                                    HoldState::kOpen,
                                                    EntryId(),
                                                    "",
                                                    ""}));
    }
    std::vector<std::int64_t> hold_ids;
    CANDOR_ASSERT_OK(store_->ScanHolds([&](const HoldRow& hold) {
        hold_ids.push_back(hold.id.value());
        return true;
    }));
    EXPECT_EQ(hold_ids, (std::vector<std::int64_t>{10, 11, 12}));

    const std::vector<LotMoveRow> moves = {{EntryId(9), LotId(1), 1, Amount(1), Amount(0)},
                                           {EntryId(8), LotId(2), 0, Amount(1), Amount(0)},
                                           {EntryId(9), LotId(3), 0, Amount(1), Amount(0)}};
    for (const LotMoveRow& move : moves) {
        CANDOR_ASSERT_OK(store_->InsertLotMove(move));
    }
    std::vector<std::tuple<std::int64_t, int>> order;
    CANDOR_ASSERT_OK(store_->ScanLotMoves([&](const LotMoveRow& move) {
        order.emplace_back(move.entry.value(), move.position);
        return true;
    }));
    EXPECT_EQ(order, (std::vector<std::tuple<std::int64_t, int>>{{8, 0}, {9, 0}, {9, 1}}));
}

INSTANTIATE_TEST_SUITE_P(
    Backends,
    StoreContractTest,
    ::testing::Values(Backend{"sqlite_file",
                              [](const TempDir& dir) { return "sqlite:" + dir.File("candor.db"); }},
                      Backend{"sqlite_bare_path",
                              [](const TempDir& dir) { return dir.File("bare.db"); }}),
    [](const ::testing::TestParamInfo<Backend>& param_info) { return param_info.param.name; });

// The transparency log's storage: the size follows the latest head, and a leaf is found by its
// whole hash even when another shares its key prefix (the first leaf wins for equal hashes).
TEST_P(StoreContractTest, TreeLeavesComeFromEntriesAndAreFoundByHash) {
    EntryRow first = Entry(1);
    EntryRow second = Entry(2);
    EntryRow third = Entry(3);
    EntryRow fourth = Entry(4);
    first.leaf_hash.fill(0x81);  // above 0x7f: a key prefix with the sign bit set
    second.leaf_hash = first.leaf_hash;
    second.leaf_hash[31] = 0x00;  // the same first 8 bytes, another hash
    third.leaf_hash = first.leaf_hash;
    fourth.leaf_hash.fill(0x05);
    CANDOR_ASSERT_OK(store_->Begin());
    for (const EntryRow& entry : {first, second, third, fourth}) {
        CANDOR_ASSERT_OK(store_->AppendEntry(entry, std::vector{Leg(16, entry.id.value(), 0, 1)}));
    }
    CANDOR_ASSERT_OK(store_->InsertTreeNode(TreeNodeRow{1, 0, Digest{}}));
    CANDOR_ASSERT_OK(
        store_->InsertLeafKeys(0, std::vector{first.leaf_hash, second.leaf_hash, third.leaf_hash}));
    EXPECT_EQ(CodeOf(store_->InsertLeafKeys(0, std::vector{first.leaf_hash})),
              ErrorCode::kAlreadyExists);
    CANDOR_ASSERT_OK_AND_ASSIGN(const std::uint64_t before_head, store_->LoadTreeSize());
    EXPECT_EQ(before_head, 0U);
    CANDOR_ASSERT_OK(store_->InsertTreeHead(
        TreeHeadRow{3, Digest{}, At(5), "k", std::vector<std::uint8_t>(64, 0x07)}));
    CANDOR_ASSERT_OK(store_->Commit());

    CANDOR_ASSERT_OK_AND_ASSIGN(const std::uint64_t size, store_->LoadTreeSize());
    EXPECT_EQ(size, 3U);
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto found_first, store_->FindLeafByHash(first.leaf_hash));
    EXPECT_EQ(found_first, std::optional<std::uint64_t>(0));
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto found_second, store_->FindLeafByHash(second.leaf_hash));
    EXPECT_EQ(found_second, std::optional<std::uint64_t>(1));
    // Entry 4 exists but has no key: it is not integrated.
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto not_integrated,
                                store_->FindLeafByHash(fourth.leaf_hash));
    EXPECT_EQ(not_integrated, std::nullopt);
}

// Keys inserted in bulk (more than one statement's worth, and a remainder) find every leaf.
TEST_P(StoreContractTest, ManyLeafKeysFindEveryLeaf) {
    constexpr std::int64_t kLeaves = 40;
    std::vector<Digest> hashes;
    CANDOR_ASSERT_OK(store_->Begin());
    for (std::int64_t id = 1; id <= kLeaves; ++id) {
        const EntryRow entry = Entry(id);
        CANDOR_ASSERT_OK(store_->AppendEntry(entry, std::vector{Leg(16, id, 0, 1)}));
        hashes.push_back(entry.leaf_hash);
    }
    CANDOR_ASSERT_OK(store_->InsertLeafKeys(0, hashes));
    CANDOR_ASSERT_OK(store_->Commit());
    for (std::int64_t id = 1; id <= kLeaves; ++id) {
        CANDOR_ASSERT_OK_AND_ASSIGN(
            const auto found, store_->FindLeafByHash(hashes[static_cast<std::size_t>(id - 1)]));
        EXPECT_EQ(found, std::optional<std::uint64_t>(id - 1)) << "entry " << id;
    }
}

// --- Program (schema 9) ------------------------------------------------------------------------

ProgramVersionRow Version(std::string document, std::int64_t at, std::string note = "") {
    return ProgramVersionRow{ProgramVersionInfo{0, At(at), "staff:7", std::move(note)},
                             std::move(document)};
}

auto Tie(const ProgramVersionInfo& v) {
    return std::tuple(v.version, ToMicros(v.published_at), v.published_by, v.note);
}

// There is no draft before the first save; a save creates it and the next replaces it whole.
TEST_P(StoreContractTest, ProgramDraftIsSavedAndReplaced) {
    CANDOR_ASSERT_OK_AND_ASSIGN(auto none, store_->LoadProgramDraft());
    EXPECT_FALSE(none.has_value());
    CANDOR_ASSERT_OK(store_->SaveProgramDraft({R"({"rules":[]})", At(1), "staff:7"}));
    CANDOR_ASSERT_OK(
        store_->SaveProgramDraft({R"({"rules":[{"id":"weekend"}]})", At(2), "key:k1"}));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto draft, store_->LoadProgramDraft());
    ASSERT_TRUE(draft.has_value());
    EXPECT_EQ(draft->document, R"({"rules":[{"id":"weekend"}]})");
    EXPECT_EQ(draft->updated_at, At(2));
    EXPECT_EQ(draft->updated_by, "key:k1");
    Reopen();
    CANDOR_ASSERT_OK_AND_ASSIGN(draft, store_->LoadProgramDraft());
    ASSERT_TRUE(draft.has_value());
    EXPECT_EQ(draft->updated_by, "key:k1");
}

// Versions are numbered 1, 2, ... after the newest the caller saw; a caller that saw an older
// newest (as the loser of a race does) or a number never published is refused, writing nothing.
TEST_P(StoreContractTest, ProgramVersionsPublishInOrderAndRefuseStaleCallers) {
    CANDOR_ASSERT_OK_AND_ASSIGN(auto none, store_->LoadLatestProgramVersion());
    EXPECT_FALSE(none.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(
        const std::int64_t first,
        store_->PublishProgramVersion(0, Version("{\"v\":1}", 10, "launch")));
    EXPECT_EQ(first, 1);
    CANDOR_ASSERT_OK_AND_ASSIGN(const std::int64_t second,
                                store_->PublishProgramVersion(1, Version("{\"v\":2}", 20)));
    EXPECT_EQ(second, 2);
    EXPECT_EQ(CodeOf(store_->PublishProgramVersion(1, Version("{\"v\":\"late\"}", 30))),
              ErrorCode::kAlreadyExists);
    EXPECT_EQ(CodeOf(store_->PublishProgramVersion(0, Version("{}", 30))),
              ErrorCode::kAlreadyExists);
    EXPECT_EQ(CodeOf(store_->PublishProgramVersion(5, Version("{}", 30))),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(CodeOf(store_->PublishProgramVersion(-1, Version("{}", 30))),
              ErrorCode::kInvalidArgument);

    CANDOR_ASSERT_OK_AND_ASSIGN(auto latest, store_->LoadLatestProgramVersion());
    ASSERT_TRUE(latest.has_value());
    EXPECT_EQ(Tie(latest->info), Tie(ProgramVersionInfo{2, At(20), "staff:7", ""}));
    EXPECT_EQ(latest->document, "{\"v\":2}");
    CANDOR_ASSERT_OK_AND_ASSIGN(auto one, store_->LoadProgramVersion(1));
    ASSERT_TRUE(one.has_value());
    EXPECT_EQ(Tie(one->info), Tie(ProgramVersionInfo{1, At(10), "staff:7", "launch"}));
    EXPECT_EQ(one->document, "{\"v\":1}");
    CANDOR_ASSERT_OK_AND_ASSIGN(auto missing, store_->LoadProgramVersion(3));
    EXPECT_FALSE(missing.has_value());

    // Restoring version 1: its document becomes the draft and is published as version 3.
    CANDOR_ASSERT_OK(store_->SaveProgramDraft({one->document, At(40), "staff:8"}));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto draft, store_->LoadProgramDraft());
    ASSERT_TRUE(draft.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(const std::int64_t third,
                                store_->PublishProgramVersion(2, Version(draft->document, 40)));
    EXPECT_EQ(third, 3);
    CANDOR_ASSERT_OK_AND_ASSIGN(latest, store_->LoadLatestProgramVersion());
    ASSERT_TRUE(latest.has_value());
    EXPECT_EQ(latest->info.version, 3);
    EXPECT_EQ(latest->document, "{\"v\":1}");
}

// Two connections that both saw no version publish one after the other: the first becomes
// version 1, the second is refused, so a lost race never overwrites or skips a number.
TEST_P(StoreContractTest, ConcurrentPublishersGetOneVersionEach) {
    std::unique_ptr<Store> other = OpenAnother();
    ASSERT_NE(other, nullptr);
    CANDOR_ASSERT_OK_AND_ASSIGN(auto seen_here, store_->LoadLatestProgramVersion());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto seen_there, other->LoadLatestProgramVersion());
    EXPECT_FALSE(seen_here.has_value());
    EXPECT_FALSE(seen_there.has_value());
    CANDOR_ASSERT_OK(store_->Begin());
    CANDOR_ASSERT_OK_AND_ASSIGN(const std::int64_t won,
                                store_->PublishProgramVersion(0, Version("{\"by\":\"here\"}", 1)));
    CANDOR_ASSERT_OK(store_->Commit());
    EXPECT_EQ(won, 1);
    CANDOR_ASSERT_OK(other->Begin());
    EXPECT_EQ(CodeOf(other->PublishProgramVersion(0, Version("{\"by\":\"there\"}", 1))),
              ErrorCode::kAlreadyExists);
    CANDOR_ASSERT_OK(other->Commit());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto latest, other->LoadLatestProgramVersion());
    ASSERT_TRUE(latest.has_value());
    EXPECT_EQ(latest->info.version, 1);
    EXPECT_EQ(latest->document, "{\"by\":\"here\"}");
    // A publish rolled back with its transaction leaves no version behind.
    CANDOR_ASSERT_OK(other->Begin());
    CANDOR_ASSERT_OK(other->PublishProgramVersion(1, Version("{}", 2)));
    CANDOR_ASSERT_OK(other->Rollback());
    CANDOR_ASSERT_OK_AND_ASSIGN(latest, store_->LoadLatestProgramVersion());
    ASSERT_TRUE(latest.has_value());
    EXPECT_EQ(latest->info.version, 1);
}

// Versions list newest first, without documents, in pages below `before`.
TEST_P(StoreContractTest, ProgramVersionsListNewestFirstInPages) {
    for (std::int64_t v = 0; v < 5; ++v) {
        CANDOR_ASSERT_OK(
            store_->PublishProgramVersion(v, Version("{}", v, "n" + std::to_string(v + 1))));
    }
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto first, store_->ListProgramVersions(0, 2));
    ASSERT_EQ(first.size(), 2U);
    EXPECT_EQ(Tie(first[0]), Tie(ProgramVersionInfo{5, At(4), "staff:7", "n5"}));
    EXPECT_EQ(first[1].version, 4);
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto rest, store_->ListProgramVersions(first[1].version, 10));
    ASSERT_EQ(rest.size(), 3U);
    EXPECT_EQ(rest[0].version, 3);
    EXPECT_EQ(rest[2].version, 1);
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto none, store_->ListProgramVersions(1, 10));
    EXPECT_TRUE(none.empty());
}

// --- Counters (schema 9) -----------------------------------------------------------------------

// A counter never added to is 0; counters of another scope or period are others.
TEST_P(StoreContractTest, CountersLoadInOrderAndStartAtZero) {
    const std::vector<CounterKey> keys = {{"rule:weekend:member:42", At(0)},
                                          {"rule:weekend:member:42", At(86400)},
                                          {"campaign:xmas", FromMicros(0)}};
    CANDOR_ASSERT_OK_AND_ASSIGN(auto values, store_->LoadCounters(keys));
    EXPECT_EQ(values, (std::vector<std::int64_t>{0, 0, 0}));
    CANDOR_ASSERT_OK(store_->AddToCounter(keys[1], 7, 100));
    CANDOR_ASSERT_OK(store_->AddToCounter(keys[2], 3, 100));
    CANDOR_ASSERT_OK_AND_ASSIGN(values, store_->LoadCounters(keys));
    EXPECT_EQ(values, (std::vector<std::int64_t>{0, 7, 3}));
    CANDOR_ASSERT_OK_AND_ASSIGN(values, store_->LoadCounters({}));
    EXPECT_TRUE(values.empty());
}

// A delta applies only while the counter stays at or below max; a refused one changes nothing,
// and giving back (a negative delta) makes room again.
TEST_P(StoreContractTest, AddToCounterNeverExceedsMax) {
    const CounterKey key{"rule:weekend:member:42", At(0)};
    auto add = [&](std::int64_t delta, std::int64_t max) {
        auto update = store_->AddToCounter(key, delta, max);
        EXPECT_TRUE(update.has_value()) << update.error().message;
        return update ? std::pair(update->is_applied, update->value) : std::pair(false, kMin);
    };
    EXPECT_EQ(add(6, 5), std::pair(false, std::int64_t{0}));  // a fresh counter too
    EXPECT_EQ(add(3, 5), std::pair(true, std::int64_t{3}));
    EXPECT_EQ(add(2, 5), std::pair(true, std::int64_t{5}));
    EXPECT_EQ(add(1, 5), std::pair(false, std::int64_t{5}));
    EXPECT_EQ(add(0, 5), std::pair(true, std::int64_t{5}));
    EXPECT_EQ(add(1, 6), std::pair(true, std::int64_t{6}));  // the caller's cap may grow
    EXPECT_EQ(add(-4, 5), std::pair(true, std::int64_t{2}));
    EXPECT_EQ(add(-7, 5), std::pair(true, std::int64_t{-5}));  // below zero is the caller's call
    // From below zero a delta above max still fits: only an existing row can take it.
    EXPECT_EQ(add(12, 10), std::pair(true, std::int64_t{7}));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto values, store_->LoadCounters(std::vector<CounterKey>{key}));
    EXPECT_EQ(values, (std::vector<std::int64_t>{7}));
}

// Sums that would leave int64 are refused rather than wrapped; bounds at the ends of int64 work.
TEST_P(StoreContractTest, AddToCounterRefusesOverflow) {
    const CounterKey high{"high", FromMicros(0)};
    const CounterKey low{"low", FromMicros(0)};
    CANDOR_ASSERT_OK_AND_ASSIGN(auto update, store_->AddToCounter(high, kMax, kMax));
    EXPECT_TRUE(update.is_applied);
    EXPECT_EQ(update.value, kMax);
    CANDOR_ASSERT_OK_AND_ASSIGN(update, store_->AddToCounter(high, 1, kMax));
    EXPECT_FALSE(update.is_applied);
    EXPECT_EQ(update.value, kMax);
    CANDOR_ASSERT_OK_AND_ASSIGN(update, store_->AddToCounter(high, -1, kMax));
    EXPECT_TRUE(update.is_applied);
    EXPECT_EQ(update.value, kMax - 1);
    CANDOR_ASSERT_OK_AND_ASSIGN(update, store_->AddToCounter(low, kMin, 0));
    EXPECT_TRUE(update.is_applied);
    EXPECT_EQ(update.value, kMin);
    CANDOR_ASSERT_OK_AND_ASSIGN(update, store_->AddToCounter(low, -1, 0));
    EXPECT_FALSE(update.is_applied);
    EXPECT_EQ(update.value, kMin);
    CANDOR_ASSERT_OK_AND_ASSIGN(update, store_->AddToCounter(low, 1, kMin));
    EXPECT_FALSE(update.is_applied);
    EXPECT_EQ(update.value, kMin);
    CANDOR_ASSERT_OK_AND_ASSIGN(update, store_->AddToCounter({"fresh", FromMicros(0)}, 1, kMin));
    EXPECT_FALSE(update.is_applied);
    EXPECT_EQ(update.value, 0);
}

// An add belongs to the caller's transaction: rolled back with it, it never happened.
TEST_P(StoreContractTest, AddToCounterRollsBackWithItsTransaction) {
    const CounterKey key{"campaign:xmas", FromMicros(0)};
    CANDOR_ASSERT_OK(store_->Begin());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto update, store_->AddToCounter(key, 4, 10));
    EXPECT_TRUE(update.is_applied);
    CANDOR_ASSERT_OK(store_->Savepoint());
    CANDOR_ASSERT_OK(store_->AddToCounter(key, 5, 10));
    CANDOR_ASSERT_OK(store_->RollbackToSavepoint());
    CANDOR_ASSERT_OK(store_->Commit());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto values, store_->LoadCounters(std::vector<CounterKey>{key}));
    EXPECT_EQ(values, (std::vector<std::int64_t>{4}));
    CANDOR_ASSERT_OK(store_->Begin());
    CANDOR_ASSERT_OK(store_->AddToCounter(key, 6, 10));
    CANDOR_ASSERT_OK(store_->Rollback());
    CANDOR_ASSERT_OK_AND_ASSIGN(values, store_->LoadCounters(std::vector<CounterKey>{key}));
    EXPECT_EQ(values, (std::vector<std::int64_t>{4}));
}

// Writers on four connections at once, each adding 1 in its own transactions far more often than
// the cap allows, take the counter exactly to the cap and never past it.
TEST_P(StoreContractTest, ConcurrentAddsNeverExceedTheCap) {
    constexpr std::int64_t kCap = 60;
    constexpr int kWriters = 4;
    constexpr int kTriesEach = 30;
    const CounterKey key{"campaign:budget", FromMicros(0)};
    std::atomic<std::int64_t> applied{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back([&] {
            std::unique_ptr<Store> store = OpenAnother();
            if (store == nullptr) {
                return;
            }
            for (int i = 0; i < kTriesEach; ++i) {
                EXPECT_TRUE(store->Begin().has_value());
                auto update = store->AddToCounter(key, 1, kCap);
                EXPECT_TRUE(update.has_value());
                EXPECT_TRUE(store->Commit().has_value());
                if (update && update->is_applied) {
                    EXPECT_LE(update->value, kCap);
                    applied.fetch_add(1);
                }
            }
        });
    }
    for (std::thread& writer : writers) {
        writer.join();
    }
    EXPECT_EQ(applied.load(), kCap);
    CANDOR_ASSERT_OK_AND_ASSIGN(auto values, store_->LoadCounters(std::vector<CounterKey>{key}));
    EXPECT_EQ(values, (std::vector<std::int64_t>{kCap}));
}

// --- Member facts (schema 9) -------------------------------------------------------------------

auto Tie(const MemberFactsRow& f) {
    return std::tuple(f.member.value(),
                      f.purchases_count,
                      f.visits_count,
                      f.first_purchase_at,
                      f.last_purchase_at,
                      f.last_visit_day,
                      f.tier,
                      f.tier_since);
}

// A member with nothing recorded has zero purchases and visits and no tier.
TEST_P(StoreContractTest, MemberFactsStartEmpty) {
    CANDOR_ASSERT_OK_AND_ASSIGN(const MemberFactsRow facts, store_->LoadMemberFacts(MemberId(42)));
    MemberFactsRow empty;
    empty.member = MemberId(42);
    EXPECT_EQ(Tie(facts), Tie(empty));
}

// Purchases count one each; a visit is a local day later than the last one counted; the first
// and last purchase times widen to include every purchase, late ones too.
TEST_P(StoreContractTest, RecordPurchaseCountsPurchasesAndVisits) {
    const MemberId member(7);
    CANDOR_ASSERT_OK(store_->RecordPurchase(member, At(1000), 100));
    CANDOR_ASSERT_OK_AND_ASSIGN(MemberFactsRow facts, store_->LoadMemberFacts(member));
    EXPECT_EQ(Tie(facts),
              Tie(MemberFactsRow{member, 1, 1, At(1000), At(1000), 100, "", std::nullopt}));
    CANDOR_ASSERT_OK(store_->RecordPurchase(member, At(2000), 100));   // the same day
    CANDOR_ASSERT_OK(store_->RecordPurchase(member, At(90000), 101));  // the next day
    CANDOR_ASSERT_OK(store_->RecordPurchase(member, At(500), 99));     // late, from an earlier day
    CANDOR_ASSERT_OK_AND_ASSIGN(facts, store_->LoadMemberFacts(member));
    EXPECT_EQ(Tie(facts), Tie(MemberFactsRow{member, 4, 2, At(500), At(90000), 101, "", {}}));
    CANDOR_ASSERT_OK_AND_ASSIGN(const MemberFactsRow other, store_->LoadMemberFacts(MemberId(8)));
    EXPECT_EQ(other.purchases_count, 0);
}

// The tier and its time are set on their own, for a member with or without purchases, and the
// other facts stay; facts roll back with the caller's transaction.
TEST_P(StoreContractTest, StoreMemberTierKeepsTheOtherFacts) {
    const MemberId buyer(7);
    const MemberId newcomer(9);
    CANDOR_ASSERT_OK(store_->RecordPurchase(buyer, At(1000), 100));
    CANDOR_ASSERT_OK(store_->StoreMemberTier(buyer, "gold", At(1500)));
    CANDOR_ASSERT_OK(store_->StoreMemberTier(newcomer, "silver", At(1600)));
    CANDOR_ASSERT_OK(store_->RecordPurchase(newcomer, At(1700), 101));
    CANDOR_ASSERT_OK_AND_ASSIGN(MemberFactsRow facts, store_->LoadMemberFacts(buyer));
    EXPECT_EQ(Tie(facts),
              Tie(MemberFactsRow{buyer, 1, 1, At(1000), At(1000), 100, "gold", At(1500)}));
    CANDOR_ASSERT_OK_AND_ASSIGN(facts, store_->LoadMemberFacts(newcomer));
    EXPECT_EQ(Tie(facts),
              Tie(MemberFactsRow{newcomer, 1, 1, At(1700), At(1700), 101, "silver", At(1600)}));
    CANDOR_ASSERT_OK(store_->StoreMemberTier(buyer, std::string_view(), At(1800)));
    CANDOR_ASSERT_OK(store_->Begin());
    CANDOR_ASSERT_OK(store_->RecordPurchase(buyer, At(9000), 105));
    CANDOR_ASSERT_OK(store_->StoreMemberTier(buyer, "platinum", At(9000)));
    CANDOR_ASSERT_OK(store_->Rollback());
    CANDOR_ASSERT_OK_AND_ASSIGN(facts, store_->LoadMemberFacts(buyer));
    EXPECT_EQ(Tie(facts), Tie(MemberFactsRow{buyer, 1, 1, At(1000), At(1000), 100, "", At(1800)}));
}

// --- SQLite files -----------------------------------------------------------------------------

// Runs `sql` on the SQLite file at `path` through the C API, outside Candor.
void ExecRaw(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    const std::string text = message != nullptr ? message : "";
    sqlite3_free(message);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << text;
}

// The first column of the first row of `sql` on the file at `path`, or -1 on any failure.
std::int64_t QueryRaw(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    std::int64_t value = -1;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
            sqlite3_step(stmt) == SQLITE_ROW) {
            value = sqlite3_column_int64(stmt, 0);
        }
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return value;
}

void WriteFile(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string RandomBytes(std::uint64_t seed, std::size_t size) {
    Random random(seed);
    std::string bytes;
    for (std::size_t i = 0; i < size; ++i) {
        bytes.push_back(static_cast<char>(random.Below(256)));
    }
    return bytes;
}

// The first `count` migrations as one script, for making a file of an older schema.
std::string MigrationsScript(std::size_t count) {
    std::string script;
    for (std::size_t i = 0; i < count; ++i) {
        script.append(sqlite::Migrations().at(i).content);
        script.append(";\n");
    }
    return script;
}

// Opens the Candor database at `path`, creating it; fails the test when that fails.
std::unique_ptr<Store> OpenOrFail(const std::string& path) {
    auto store = Open(path);
    EXPECT_TRUE(store.has_value()) << store.error().message;
    return store.has_value() ? std::move(store).value() : nullptr;
}

// A schema-5 file, whose tree_nodes holds every level and whose leaves are found through the
// partial index, is upgraded on open: levels 0 and 1 and the index are gone, every leaf is found by
// its hash through the keys the migration computed (the same keys the sequencer writes), and the
// size and the other nodes stay.
TEST(SqliteStoreFileTest, SchemaFiveLogIsUpgradedOnOpen) {
    TempDir dir;
    const std::string path = dir.File("v5.db");
    ASSERT_NO_FATAL_FAILURE(ExecRaw(path, MigrationsScript(5)));
    ASSERT_NO_FATAL_FAILURE(ExecRaw(
        path,
        "PRAGMA application_id = 1130458724; PRAGMA user_version = 5;"
        "INSERT INTO entries (id, kind, created_at, reference, body, leaf_hash) VALUES "
        "(1, 1, 0, 0, X'01', X'8123456789abcdef000000000000000000000000000000000000000000000001'),"
        "(2, 1, 0, 0, X'02', X'0123456789abcdef000000000000000000000000000000000000000000000002'),"
        "(3, 1, 0, 0, X'03', X'ff00000000000000000000000000000000000000000000000000000000000003'),"
        "(4, 1, 0, 0, X'04', X'8123456789abcdef000000000000000000000000000000000000000000000001');"
        "INSERT INTO tree_nodes (level, idx, hash) SELECT 0, id - 1, leaf_hash FROM entries;"
        "INSERT INTO tree_nodes (level, idx, hash) VALUES (1, 0, zeroblob(32)), "
        "(1, 1, zeroblob(32)), (2, 0, zeroblob(32));"
        "INSERT INTO tree_heads (size, root, timestamp, key_id, signature) "
        "VALUES (4, zeroblob(32), 0, 'k', zeroblob(64));"));
    auto store = OpenOrFail(path);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(QueryRaw(path, "PRAGMA user_version"), sqlite::LatestSchemaVersion());
    EXPECT_EQ(QueryRaw(path, "SELECT COUNT(*) FROM tree_nodes WHERE level < 2"), 0);
    EXPECT_EQ(QueryRaw(path, "SELECT COUNT(*) FROM tree_nodes WHERE level = 2"), 1);
    EXPECT_EQ(
        QueryRaw(path, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'tree_leaves_by_hash'"), 0);
    CANDOR_ASSERT_OK_AND_ASSIGN(const std::uint64_t size, store->LoadTreeSize());
    EXPECT_EQ(size, 4U);
    // Entry 4 repeats entry 1's hash: the first leaf with it is found.
    for (std::int64_t id = 1; id <= 4; ++id) {
        CANDOR_ASSERT_OK_AND_ASSIGN(const auto entry, store->LoadEntry(EntryId(id)));
        ASSERT_TRUE(entry.has_value());
        CANDOR_ASSERT_OK_AND_ASSIGN(const auto found, store->FindLeafByHash(entry->leaf_hash));
        EXPECT_EQ(found, std::optional<std::uint64_t>(id == 4 ? 0 : id - 1)) << "entry " << id;
    }
}

// A schema-7 file (before member settings and the program's tables) is upgraded on open: its
// members keep their rows with the default settings, and the new tables start empty.
TEST(SqliteStoreFileTest, SchemaSevenFileGainsSettingsAndProgramTables) {
    TempDir dir;
    const std::string path = dir.File("v7.db");
    ASSERT_NO_FATAL_FAILURE(ExecRaw(path, MigrationsScript(7)));
    ASSERT_NO_FATAL_FAILURE(ExecRaw(path,
                                    "PRAGMA application_id = 1130458724; PRAGMA user_version = 7;"
                                    "INSERT INTO members (id, public_id, created_at) "
                                    "VALUES (1, 'm_old', 5);"));
    auto store = OpenOrFail(path);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(QueryRaw(path, "PRAGMA user_version"), sqlite::LatestSchemaVersion());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto member, store->FindMemberByPublicId("m_old"));
    ASSERT_TRUE(member.has_value());
    EXPECT_EQ(member->created_at, FromMicros(5));
    EXPECT_EQ(member->settings.language, "");
    EXPECT_EQ(member->settings.time_zone, "");
    CANDOR_ASSERT_OK_AND_ASSIGN(const bool updated,
                                store->UpdateMemberSettings(MemberId(1), {"en", std::nullopt}));
    EXPECT_TRUE(updated);
    CANDOR_ASSERT_OK_AND_ASSIGN(auto draft, store->LoadProgramDraft());
    EXPECT_FALSE(draft.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(auto versions, store->ListProgramVersions(0, 10));
    EXPECT_TRUE(versions.empty());
    CANDOR_ASSERT_OK_AND_ASSIGN(const MemberFactsRow facts, store->LoadMemberFacts(MemberId(1)));
    EXPECT_EQ(facts.purchases_count, 0);
}

// Open marks a new file as Candor's (application_id "Cand") at the latest schema version.
TEST(SqliteStoreFileTest, NewFileCarriesApplicationIdAndSchemaVersion) {
    TempDir dir;
    const std::string path = dir.File("candor.db");
    ASSERT_NE(OpenOrFail(path), nullptr);
    EXPECT_EQ(QueryRaw(path, "PRAGMA application_id"), 0x43616e64);
    EXPECT_EQ(QueryRaw(path, "PRAGMA user_version"), sqlite::LatestSchemaVersion());
    EXPECT_GE(sqlite::LatestSchemaVersion(), 1);
    EXPECT_EQ(QueryRaw(path, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'entries'"), 1);
}

// An existing empty file is a fresh database, claimed and migrated.
TEST(SqliteStoreFileTest, EmptyFileIsClaimed) {
    TempDir dir;
    const std::string path = dir.File("empty.db");
    WriteFile(path, "");
    auto store = OpenOrFail(path);
    ASSERT_NE(store, nullptr);
    CANDOR_ASSERT_OK(store->InsertMember(Member(1, "m_one")));
}

// With create off, a missing file is an error and stays missing.
TEST(SqliteStoreFileTest, MissingFileWithoutCreateFails) {
    TempDir dir;
    const std::string path = dir.File("missing.db");
    OpenOptions options;
    options.create = false;
    auto store = Open(path, options);
    EXPECT_FALSE(store.has_value());
    EXPECT_FALSE(std::filesystem::exists(path));
}

// A file of random bytes is not an SQLite database: kForeignDatabase, and it is left alone.
TEST(SqliteStoreFileTest, RandomBytesAreForeignDatabase) {
    TempDir dir;
    const std::string path = dir.File("noise.db");
    const std::string noise = RandomBytes(99, std::size_t{64} * 1024);
    WriteFile(path, noise);
    auto store = Open(path);
    ASSERT_FALSE(store.has_value());
    EXPECT_EQ(store.error().code, ErrorCode::kForeignDatabase) << store.error().message;
    std::ifstream in(path, std::ios::binary);
    const std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(after, noise);
}

// A short text file is not an SQLite database either.
TEST(SqliteStoreFileTest, TextFileIsForeignDatabase) {
    TempDir dir;
    const std::string path = dir.File("notes.txt");
    WriteFile(path, std::string(600, 'x') + "\nnot a database\n");
    auto store = Open(path);
    ASSERT_FALSE(store.has_value());
    EXPECT_EQ(store.error().code, ErrorCode::kForeignDatabase) << store.error().message;
}

// Another application's SQLite database is kForeignDatabase and gets no Candor tables.
TEST(SqliteStoreFileTest, OtherApplicationsDatabaseIsForeign) {
    TempDir dir;
    const std::string path = dir.File("other.db");
    ASSERT_NO_FATAL_FAILURE(ExecRaw(path,
                                    "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
                                    "INSERT INTO notes (body) VALUES ('keep me');"));
    auto store = Open(path);
    ASSERT_FALSE(store.has_value());
    EXPECT_EQ(store.error().code, ErrorCode::kForeignDatabase) << store.error().message;
    EXPECT_EQ(QueryRaw(path, "SELECT COUNT(*) FROM sqlite_schema"), 1);
    EXPECT_EQ(QueryRaw(path, "PRAGMA user_version"), 0);
    EXPECT_EQ(QueryRaw(path, "PRAGMA application_id"), 0);
}

// An SQLite file stamped with another application id is foreign even with no tables.
TEST(SqliteStoreFileTest, OtherApplicationIdIsForeign) {
    TempDir dir;
    const std::string path = dir.File("stamped.db");
    ASSERT_NO_FATAL_FAILURE(ExecRaw(path, "PRAGMA application_id = 305419896;"));
    auto store = Open(path);
    ASSERT_FALSE(store.has_value());
    EXPECT_EQ(store.error().code, ErrorCode::kForeignDatabase) << store.error().message;
}

// A Candor database from a newer schema is kSchemaTooNew, and its version is left as it was.
TEST(SqliteStoreFileTest, NewerSchemaIsSchemaTooNew) {
    TempDir dir;
    const std::string path = dir.File("candor.db");
    ASSERT_NE(OpenOrFail(path), nullptr);
    ASSERT_NO_FATAL_FAILURE(ExecRaw(path, "PRAGMA user_version = 99;"));
    auto store = Open(path);
    ASSERT_FALSE(store.has_value());
    EXPECT_EQ(store.error().code, ErrorCode::kSchemaTooNew) << store.error().message;
    EXPECT_EQ(QueryRaw(path, "PRAGMA user_version"), 99);
}

// Fills a Candor database with enough entries to span many pages, then closes it.
void FillDatabase(const std::string& path) {
    auto store = OpenOrFail(path);
    ASSERT_NE(store, nullptr);
    CANDOR_ASSERT_OK(store->Begin());
    for (std::int64_t id = 1; id <= 2000; ++id) {
        EntryRow entry = Entry(id);
        entry.body.resize(200, static_cast<std::uint8_t>(id));
        CANDOR_ASSERT_OK(store->AppendEntry(entry, std::vector{Leg(16 + id % 50, id, 0, id)}));
    }
    CANDOR_ASSERT_OK(store->Commit());
}

// Reads every entry and posting; each read must succeed or answer kCorruptDatabase. Returns
// whether any read reported corruption.
bool ReadEverything(Store* store) {
    bool corrupt = false;
    auto note = [&corrupt](const Status& status) {
        if (!status.has_value()) {
            EXPECT_EQ(status.error().code, ErrorCode::kCorruptDatabase) << status.error().message;
            corrupt = true;
        }
    };
    note(store->ScanEntries([](const EntryRow&) { return true; }));
    note(store->ScanPostings([](const PostingRow&) { return true; }));
    for (std::int64_t id = 1; id <= 2000; ++id) {
        auto entry = store->LoadEntry(EntryId(id));
        if (!entry.has_value()) {
            note(Status(entry.error()));
        }
    }
    return corrupt;
}

// Garbage written over pages in the middle of a Candor database is reported as
// kCorruptDatabase by Open, CheckIntegrity or the reads, never a crash or a wrong success.
TEST(SqliteStoreFileTest, OverwrittenPagesAreCorruptDatabase) {
    TempDir dir;
    const std::string path = dir.File("candor.db");
    ASSERT_NO_FATAL_FAILURE(FillDatabase(path));
    ASSERT_FALSE(std::filesystem::exists(path + "-wal")) << "closing should checkpoint the WAL";
    constexpr std::size_t kPageBytes = 4096;
    ASSERT_EQ(QueryRaw(path, "PRAGMA page_size"), static_cast<std::int64_t>(kPageBytes));
    const auto size = std::filesystem::file_size(path);
    const std::size_t pages = size / kPageBytes;
    ASSERT_GE(pages, 50U);
    {
        std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
        const std::string garbage = RandomBytes(7, 2 * kPageBytes);
        file.seekp(static_cast<std::streamoff>(pages / 2 * kPageBytes));
        file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
        ASSERT_TRUE(file.good());
    }
    auto store = Open(path);
    if (!store.has_value()) {
        EXPECT_EQ(store.error().code, ErrorCode::kCorruptDatabase) << store.error().message;
        return;
    }
    auto checked = (*store)->CheckIntegrity();
    ASSERT_FALSE(checked.has_value());
    EXPECT_EQ(checked.error().code, ErrorCode::kCorruptDatabase) << checked.error().message;
    EXPECT_TRUE(ReadEverything(store->get()));
}

// An intact database passes CheckIntegrity and every read, the control for the test above.
TEST(SqliteStoreFileTest, IntactDatabasePassesIntegrityCheck) {
    TempDir dir;
    const std::string path = dir.File("candor.db");
    ASSERT_NO_FATAL_FAILURE(FillDatabase(path));
    auto store = OpenOrFail(path);
    ASSERT_NE(store, nullptr);
    CANDOR_ASSERT_OK(store->CheckIntegrity());
    EXPECT_FALSE(ReadEverything(store.get()));
}

// Open refuses URLs it cannot serve, with kInvalidArgument.
TEST(StoreOpenTest, RejectsUnsupportedUrls) {
    EXPECT_EQ(CodeOf(Open("")), ErrorCode::kInvalidArgument);
    EXPECT_EQ(CodeOf(Open("sqlite:")), ErrorCode::kInvalidArgument);
    EXPECT_EQ(CodeOf(Open("postgres://localhost/candor")), ErrorCode::kInvalidArgument);
    EXPECT_EQ(CodeOf(Open("postgresql://localhost/candor")), ErrorCode::kInvalidArgument);
}

// "sqlite::memory:" gives a private, migrated, working database.
TEST(StoreOpenTest, MemoryDatabaseWorks) {
    auto store = Open("sqlite::memory:");
    ASSERT_TRUE(store.has_value()) << store.error().message;
    CANDOR_ASSERT_OK((*store)->InsertMember(Member(1, "m_one")));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto count, (*store)->CountMembers());
    EXPECT_EQ(count, 1);
    auto other = Open("sqlite::memory:");
    ASSERT_TRUE(other.has_value()) << other.error().message;
    CANDOR_ASSERT_OK_AND_ASSIGN(auto other_count, (*other)->CountMembers());
    EXPECT_EQ(other_count, 0);
}

}  // namespace
}  // namespace candor::store
