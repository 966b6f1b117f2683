#include "ledger/ledger.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <future>
#include <limits>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "core/error_code.h"
#include "core/limits.h"
#include "journal/journal.h"
#include "testkit/testkit.h"

namespace candor::ledger {
namespace {

using testkit::TestEpoch;
using testkit::TestLedger;

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

Timestamp Day(int n) {
    return TestEpoch() + std::chrono::days(n);
}

// "ok", or the problem slug of the error: readable in failure messages.
template <class T>
std::string Slug(const Result<T>& result) {
    return result ? std::string("ok") : std::string(Describe(result.error().code).slug);
}

// Everything a command could change, in comparable form.
struct LedgerState {
    std::map<std::int64_t, std::int64_t> balances;  // account -> sum over shards
    std::int64_t entries = 0;
    std::int64_t members = 0;
    std::vector<std::pair<std::int64_t, std::int64_t>> lots;  // (id, remaining)
    std::vector<std::pair<std::int64_t, int>> holds;          // (id, state)

    friend bool operator==(const LedgerState&, const LedgerState&) = default;
};

void PrintTo(const LedgerState& s, std::ostream* os) {
    *os << "{entries " << s.entries << ", members " << s.members << ", balances";
    for (const auto& [account, amount] : s.balances) {
        *os << " " << account << ":" << amount;
    }
    *os << ", lots";
    for (const auto& [id, remaining] : s.lots) {
        *os << " " << id << ":" << remaining;
    }
    *os << ", holds";
    for (const auto& [id, state] : s.holds) {
        *os << " " << id << ":" << state;
    }
    *os << "}";
}

LedgerState StateOf(TestLedger& t) {
    LedgerState s;
    EXPECT_TRUE(t.store
                    ->ScanBalances([&](const store::AccountSum& sum) {
                        s.balances[sum.account.value()] = sum.amount.value();
                        return true;
                    })
                    .has_value());
    EXPECT_TRUE(t.store
                    ->ScanEntries([&](const store::EntryRow&) {
                        ++s.entries;
                        return true;
                    })
                    .has_value());
    auto members = t.store->CountMembers();
    EXPECT_TRUE(members.has_value());
    s.members = members ? *members : -1;
    EXPECT_TRUE(t.store
                    ->ScanLots([&](const store::LotRow& lot) {
                        s.lots.emplace_back(lot.id.value(), lot.remaining.value());
                        return true;
                    })
                    .has_value());
    EXPECT_TRUE(t.store
                    ->ScanHolds([&](const store::HoldRow& hold) {
                        s.holds.emplace_back(hold.id.value(), static_cast<int>(hold.state));
                        return true;
                    })
                    .has_value());
    return s;
}

// Runs `command`, expects the error `slug`, and expects the database to be exactly as before.
void ExpectRejected(TestLedger& t, Command command, std::string_view slug) {
    const LedgerState before = StateOf(t);
    auto outcome = t.Run(std::move(command));
    EXPECT_EQ(Slug(outcome), slug) << (outcome ? "" : outcome.error().message);
    EXPECT_EQ(StateOf(t), before);
}

// Runs `command`, expects success with a main entry, and returns that entry's id.
EntryId RunEntry(TestLedger& t, Command command) {
    auto outcome = t.Run(std::move(command));
    EXPECT_EQ(Slug(outcome), "ok") << (outcome ? "" : outcome.error().message);
    if (!outcome || !outcome->entry) {
        ADD_FAILURE() << "no entry was written";
        return {};
    }
    return outcome->entry->id;
}

MemberBalances BalancesOf(TestLedger& t, MemberId member) {
    auto balances = t.ledger->LoadBalances(member);
    EXPECT_TRUE(balances.has_value());
    return balances ? *balances : MemberBalances{};
}

std::int64_t PointsOf(TestLedger& t, MemberId member) {
    return BalancesOf(t, member).points.value();
}

std::int64_t HeldOf(TestLedger& t, MemberId member) {
    return BalancesOf(t, member).points_held.value();
}

std::int64_t AccountBalance(TestLedger& t, AccountId account) {
    auto sum = t.store->SumBalance(account);
    EXPECT_TRUE(sum.has_value() && sum->has_value());
    return sum && *sum ? (*sum)->value() : -1;
}

// The member's open lots, oldest first, as (remaining, expiry day after TestEpoch).
std::vector<std::pair<std::int64_t, std::int64_t>> OpenLots(TestLedger& t, MemberId member) {
    std::vector<std::pair<std::int64_t, std::int64_t>> lots;
    auto rows = t.store->LoadOpenLots(MemberAccount(member, Asset::kPoints), 100);
    EXPECT_TRUE(rows.has_value());
    if (rows) {
        for (const store::LotRow& lot : *rows) {
            lots.emplace_back(
                lot.remaining.value(),
                std::chrono::floor<std::chrono::days>(lot.expires_at - TestEpoch()).count());
        }
    }
    return lots;
}

std::optional<store::HoldRow> HoldOf(TestLedger& t, EntryId id) {
    auto hold = t.store->LoadHold(id);
    EXPECT_TRUE(hold.has_value());
    return hold ? *hold : std::nullopt;
}

Earn PointsEarn(MemberId member, std::int64_t points, Timestamp expires_at = Timestamp{}) {
    Earn earn;
    earn.member = member;
    earn.points = Amount(points);
    earn.expires_at = expires_at;
    return earn;
}

Spend PointsSpend(MemberId member, std::int64_t points) {
    Spend spend;
    spend.member = member;
    spend.amount = Amount(points);
    return spend;
}

Hold PointsHold(MemberId member, std::int64_t points, Duration timeout = std::chrono::hours(1)) {
    Hold hold;
    hold.member = member;
    hold.amount = Amount(points);
    hold.timeout = timeout;
    return hold;
}

// Runs an expiry sweep and returns the number of entries it wrote.
std::size_t Sweep(TestLedger& t) {
    auto outcome = t.Run(ExpireLots{});
    EXPECT_EQ(Slug(outcome), "ok");
    return outcome ? outcome->entries_written : 0;
}

// ---- Enrol --------------------------------------------------------------------------------

// Enrolling creates a findable member with zero balances and writes no journal entry.
TEST(EnrolTest, CreatesMemberWithZeroBalances) {
    TestLedger t;
    auto outcome = t.Run(EnrolMember{"m_alice"});
    ASSERT_EQ(Slug(outcome), "ok");
    EXPECT_TRUE(outcome->member.is_set());
    EXPECT_FALSE(outcome->entry.has_value());
    auto found = t.ledger->FindMember("m_alice");
    ASSERT_TRUE(found.has_value() && found->has_value());
    EXPECT_EQ((*found)->id, outcome->member);
    const MemberBalances b = BalancesOf(t, outcome->member);
    EXPECT_EQ(b.points.value(), 0);
    EXPECT_EQ(b.points_held.value(), 0);
    EXPECT_EQ(b.status.value(), 0);
    EXPECT_EQ(b.cashback.value(), 0);
    EXPECT_EQ(b.cashback_held.value(), 0);
    EXPECT_EQ(StateOf(t).entries, 0);
    EXPECT_NE(t.Enrol("m_bob"), outcome->member);
}

// A public id that is taken is kAlreadyExists and enrols nobody.
TEST(EnrolTest, DuplicatePublicIdIsAlreadyExists) {
    TestLedger t;
    t.Enrol("m_alice");
    ExpectRejected(t, EnrolMember{"m_alice"}, "already-exists");
}

// Public ids are 1-64 characters from [A-Za-z0-9_.:-]; anything else is kInvalidArgument.
TEST(EnrolTest, InvalidPublicIdIsInvalidArgument) {
    TestLedger t;
    for (const std::string& id : {std::string(),
                                  std::string(limits::kPublicIdBytesMax + 1, 'a'),
                                  std::string("has space"),
                                  std::string("semi;colon"),
                                  std::string("caf\xc3\xa9")}) {
        SCOPED_TRACE(id);
        ExpectRejected(t, EnrolMember{id}, "invalid-argument");
    }
    EXPECT_EQ(Slug(t.Run(EnrolMember{std::string(limits::kPublicIdBytesMax, 'z')})), "ok");
    EXPECT_EQ(Slug(t.Run(EnrolMember{"A-z_0.9:x"})), "ok");
}

// ---- Earn ---------------------------------------------------------------------------------

// An earn of points writes one entry and one lot that expires a year after it took effect.
TEST(EarnTest, PointsCreateOneEntryAndOneLotExpiringInAYear) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    auto outcome = t.Run(PointsEarn(m, 100));
    ASSERT_EQ(Slug(outcome), "ok");
    EXPECT_EQ(outcome->entries_written, 1U);
    ASSERT_TRUE(outcome->entry.has_value());
    EXPECT_EQ(outcome->entry->kind, EntryKind::kEarn);
    EXPECT_EQ(outcome->entry->expires_at, Day(365));
    EXPECT_EQ(StateOf(t).entries, 1);
    EXPECT_EQ(PointsOf(t, m), 100);
    EXPECT_EQ(OpenLots(t, m), (std::vector<std::pair<std::int64_t, std::int64_t>>{{100, 365}}));

    // The lot survives until its expiry, then goes whole.
    t.clock.Set(Day(365) - std::chrono::microseconds(1));
    EXPECT_EQ(Sweep(t), 0U);
    EXPECT_EQ(PointsOf(t, m), 100);
    t.clock.Set(Day(365));
    EXPECT_EQ(Sweep(t), 1U);
    EXPECT_EQ(PointsOf(t, m), 0);
    EXPECT_EQ(t.CheckViolations(), "");
}

// A late event's lot expires a year after its effective time; an explicit expiry wins.
TEST(EarnTest, ExpiryFollowsEffectiveAtOrExplicitExpiry) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    t.clock.Set(Day(20));
    Earn late = PointsEarn(m, 10);
    late.effective_at = Day(5);
    const EntryId late_id = RunEntry(t, late);
    RunEntry(t, PointsEarn(m, 20, Day(50)));
    EXPECT_EQ(OpenLots(t, m),
              (std::vector<std::pair<std::int64_t, std::int64_t>>{{10, 370}, {20, 50}}));
    auto history = t.ledger->LoadHistory(m, EntryId(), 10);
    ASSERT_TRUE(history.has_value());
    ASSERT_EQ(history->size(), 2U);
    EXPECT_EQ(history->back().id, late_id);
    EXPECT_EQ(history->back().effective_at, Day(5));
    EXPECT_EQ(history->back().created_at, Day(20));
}

// Status points and cashback are credited in the same single entry, without lots.
TEST(EarnTest, StatusAndCashbackShareTheEntryWithoutLots) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    Earn earn;
    earn.member = m;
    earn.points = Amount(100);
    earn.status = Amount(40);
    earn.cashback = Amount(2500);
    auto outcome = t.Run(earn);
    ASSERT_EQ(Slug(outcome), "ok");
    EXPECT_EQ(outcome->entries_written, 1U);
    EXPECT_EQ(outcome->entry->postings.size(), 6U);
    Earn status_only;
    status_only.member = m;
    status_only.status = Amount(7);
    RunEntry(t, status_only);
    const MemberBalances b = BalancesOf(t, m);
    EXPECT_EQ(b.points.value(), 100);
    EXPECT_EQ(b.status.value(), 47);
    EXPECT_EQ(b.cashback.value(), 2500);
    EXPECT_EQ(StateOf(t).entries, 2);
    EXPECT_EQ(StateOf(t).lots.size(), 1U);
    EXPECT_EQ(t.CheckViolations(), "");
}

// An earn of nothing, or of a negative amount of anything, is kInvalidAmount.
TEST(EarnTest, ZeroOrNegativeAmountsAreInvalidAmount) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    ExpectRejected(t, PointsEarn(m, 0), "invalid-amount");
    ExpectRejected(t, PointsEarn(m, -5), "invalid-amount");
    Earn negative_status = PointsEarn(m, 10);
    negative_status.status = Amount(-1);
    ExpectRejected(t, negative_status, "invalid-amount");
    Earn negative_cashback;
    negative_cashback.member = m;
    negative_cashback.cashback = Amount(-1);
    ExpectRejected(t, negative_cashback, "invalid-amount");
    Earn min_points = PointsEarn(m, kInt64Min);
    ExpectRejected(t, min_points, "invalid-amount");
}

// A credit that would overflow a member's balance is kAmountOverflow and changes nothing.
TEST(EarnTest, OverflowingBalanceIsAmountOverflow) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    // Sixteen earns of int64/16 land on the sixteen shards of the issued account, one each.
    constexpr std::int64_t kShare = kInt64Max / 16;
    for (int i = 0; i < 16; ++i) {
        Earn earn;
        earn.member = m;
        earn.status = Amount(kShare);
        RunEntry(t, earn);
    }
    EXPECT_EQ(BalancesOf(t, m).status.value(), kInt64Max - 15);
    ExpectRejected(t, Adjust{m, Asset::kStatus, Amount(16), Timestamp{}, ""}, "amount-overflow");
    RunEntry(t, Adjust{m, Asset::kStatus, Amount(15), Timestamp{}, ""});
    EXPECT_EQ(BalancesOf(t, m).status.value(), kInt64Max);
    EXPECT_EQ(t.CheckViolations(), "");
}

// An earn that would take a program account's total (its shards' sum) past int64 overflows.
TEST(EarnTest, ProgramAccountTotalCannotOverflow) {
    TestLedger t;
    const MemberId a = t.Enrol("a");
    const MemberId b = t.Enrol("b");
    ExpectRejected(t, PointsEarn(a, kInt64Max - 1), "amount-overflow");
    RunEntry(t, PointsEarn(a, kInt64Max / 16));
    RunEntry(t, PointsEarn(b, kInt64Max / 16));
    EXPECT_EQ(PointsOf(t, b), kInt64Max / 16);
    EXPECT_EQ(t.CheckViolations(), "");
}

// An earn for a member that does not exist is kUnknownMember.
TEST(EarnTest, UnknownMemberIsUnknownMember) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    ExpectRejected(t, PointsEarn(MemberId(m.value() + 1), 10), "unknown-member");
    ExpectRejected(t, PointsEarn(MemberId(), 10), "unknown-member");
    ExpectRejected(t, PointsEarn(MemberId(-3), 10), "unknown-member");
}

// A member id too large for account ids is unknown, never wrapped onto another member's.
TEST(EarnTest, OutOfRangeMemberIdIsUnknownMember) {
    // 2^60 + m times 16 wraps to m's account ids: such an earn used to credit member m.
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100));
    const MemberId alias((std::int64_t{1} << 60) + m.value());
    for (MemberId id : {alias, MemberId(kMemberIdMax + 1), MemberId(kInt64Max)}) {
        SCOPED_TRACE(id.value());
        ExpectRejected(t, PointsEarn(id, 10), "unknown-member");
        ExpectRejected(t, PointsSpend(id, 10), "unknown-member");
        ExpectRejected(t, Transfer{id, m, Asset::kPoints, Amount(10), ""}, "unknown-member");
        ExpectRejected(t, Transfer{m, id, Asset::kPoints, Amount(10), ""}, "unknown-member");
        EXPECT_EQ(Slug(t.ledger->LoadBalances(id)), "unknown-member");
    }
    EXPECT_EQ(PointsOf(t, m), 100);
}

// An expiry not in the future or out of range, or oversized meta, is kInvalidArgument.
TEST(EarnTest, PastExpiryAndLongMetaAreInvalidArgument) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    ExpectRejected(t, PointsEarn(m, 10, TestEpoch()), "invalid-argument");
    ExpectRejected(t, PointsEarn(m, 10, Day(-1)), "invalid-argument");
    Earn late = PointsEarn(m, 10);
    late.effective_at = Day(-366);  // a year and a day ago: its points have already expired
    ExpectRejected(t, late, "invalid-argument");
    Earn far = PointsEarn(m, 10);
    far.effective_at = Timestamp::max() - std::chrono::days(1);  // its expiry would overflow
    ExpectRejected(t, far, "invalid-argument");
    Earn meta = PointsEarn(m, 10);
    meta.meta = std::string(limits::kEntryMetaBytesMax + 1, 'x');
    ExpectRejected(t, meta, "invalid-argument");
    meta.meta.pop_back();
    RunEntry(t, meta);
}

// ---- Campaign budgets ------------------------------------------------------------------------

// Earns drawn from a campaign budget reduce it, and can never take it below zero.
TEST(BudgetTest, EarnFromBudgetCannotGoBelowZero) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    auto opened = t.Run(OpenBudget{"spring-2026"});
    ASSERT_EQ(Slug(opened), "ok");
    const AccountId budget = opened->account;
    EXPECT_EQ(AccountBalance(t, budget), 0);

    Earn from_budget = PointsEarn(m, 60);
    from_budget.budget_draws = {{budget, Amount(60)}};
    ExpectRejected(t, from_budget, "insufficient-balance");  // not funded yet

    RunEntry(t, FundBudget{budget, Amount(100)});
    EXPECT_EQ(AccountBalance(t, budget), 100);
    RunEntry(t, from_budget);
    EXPECT_EQ(AccountBalance(t, budget), 40);
    ExpectRejected(t, from_budget, "insufficient-balance");
    from_budget.points = Amount(40);
    from_budget.budget_draws = {{budget, Amount(40)}};
    RunEntry(t, from_budget);
    EXPECT_EQ(AccountBalance(t, budget), 0);
    EXPECT_EQ(PointsOf(t, m), 100);
    EXPECT_EQ(t.CheckViolations(), "");
}

// One earn may draw part of its points from budgets and the rest from the issued account, in
// one entry whose postings say where each part came from.
TEST(BudgetTest, EarnSplitsItsPointsAcrossBudgetsAndIssued) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    auto a = t.Run(OpenBudget{"a"});
    auto b = t.Run(OpenBudget{"b"});
    ASSERT_EQ(Slug(a), "ok");
    ASSERT_EQ(Slug(b), "ok");
    RunEntry(t, FundBudget{a->account, Amount(50)});
    RunEntry(t, FundBudget{b->account, Amount(50)});
    auto issued = t.ledger->ProgramAccount(AccountKind::kProgramIssued, Asset::kPoints);
    ASSERT_TRUE(issued.has_value());
    const std::int64_t issued_before = AccountBalance(t, *issued);

    Earn earn = PointsEarn(m, 100);
    earn.budget_draws = {{a->account, Amount(30)}, {b->account, Amount(20)}};
    RunEntry(t, earn);
    EXPECT_EQ(PointsOf(t, m), 100);
    EXPECT_EQ(AccountBalance(t, a->account), 20);
    EXPECT_EQ(AccountBalance(t, b->account), 30);
    EXPECT_EQ(AccountBalance(t, *issued), issued_before - 50);
    EXPECT_EQ(OpenLots(t, m).size(), 1U);

    Earn all_drawn = PointsEarn(m, 20);
    all_drawn.budget_draws = {{a->account, Amount(20)}};
    RunEntry(t, all_drawn);
    EXPECT_EQ(AccountBalance(t, a->account), 0);
    EXPECT_EQ(AccountBalance(t, *issued), issued_before - 50);
    EXPECT_EQ(t.CheckViolations(), "");
}

// Budgets: no duplicates, no status budgets, only budgets are funded or used as a source.
TEST(BudgetTest, BadBudgetRequestsAreRejected) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    auto opened = t.Run(OpenBudget{"b1"});
    ASSERT_EQ(Slug(opened), "ok");
    ExpectRejected(t, OpenBudget{"b1"}, "already-exists");
    ExpectRejected(t, OpenBudget{"b2", Asset::kStatus}, "invalid-argument");
    ExpectRejected(t, OpenBudget{"bad code"}, "invalid-argument");
    ExpectRejected(t, FundBudget{opened->account, Amount(0)}, "invalid-amount");
    ExpectRejected(t, FundBudget{MemberAccount(m, Asset::kPoints), Amount(10)}, "invalid-argument");
    ExpectRejected(
        t, FundBudget{AccountId(opened->account.value() + 16), Amount(10)}, "unknown-account");
    RunEntry(t, FundBudget{opened->account, Amount(100)});
    Earn from_member = PointsEarn(m, 10);
    from_member.budget_draws = {{MemberAccount(m, Asset::kPoints), Amount(10)}};
    ExpectRejected(t, from_member, "invalid-argument");
    Earn from_unknown = PointsEarn(m, 10);
    from_unknown.budget_draws = {{AccountId(opened->account.value() + 16), Amount(10)}};
    ExpectRejected(t, from_unknown, "unknown-account");
    Earn overdrawn = PointsEarn(m, 10);
    overdrawn.budget_draws = {{opened->account, Amount(11)}};
    ExpectRejected(t, overdrawn, "invalid-amount");
    Earn zero_draw = PointsEarn(m, 10);
    zero_draw.budget_draws = {{opened->account, Amount(0)}};
    ExpectRejected(t, zero_draw, "invalid-amount");
    Earn twice = PointsEarn(m, 10);
    twice.budget_draws = {{opened->account, Amount(5)}, {opened->account, Amount(5)}};
    ExpectRejected(t, twice, "invalid-argument");
}

// ---- Spend --------------------------------------------------------------------------------

// A spend takes the oldest lot first: what remains expires with the newer lot's date.
TEST(SpendTest, ConsumesLotsFirstInFirstOut) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100, Day(100)));
    RunEntry(t, PointsEarn(m, 100, Day(200)));
    auto spent = t.Run(PointsSpend(m, 150));
    ASSERT_EQ(Slug(spent), "ok");
    EXPECT_EQ(spent->entry->kind, EntryKind::kSpend);
    EXPECT_EQ(PointsOf(t, m), 50);
    EXPECT_EQ(OpenLots(t, m), (std::vector<std::pair<std::int64_t, std::int64_t>>{{50, 200}}));

    t.clock.Set(Day(100));
    EXPECT_EQ(Sweep(t), 0U);  // the first lot was used up
    EXPECT_EQ(PointsOf(t, m), 50);
    t.clock.Set(Day(200));
    EXPECT_EQ(Sweep(t), 1U);
    EXPECT_EQ(PointsOf(t, m), 0);
    EXPECT_EQ(t.CheckViolations(), "");
}

// First-in means first earned, not first to expire: a newer, sooner-expiring lot waits.
TEST(SpendTest, OrderIsByEarningNotByExpiry) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100, Day(200)));
    RunEntry(t, PointsEarn(m, 100, Day(100)));
    RunEntry(t, PointsSpend(m, 150));
    t.clock.Set(Day(100));
    EXPECT_EQ(Sweep(t), 1U);
    EXPECT_EQ(PointsOf(t, m), 0);
}

// A spend larger than the available points is kInsufficientBalance and changes nothing.
TEST(SpendTest, MoreThanAvailableIsInsufficientBalance) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    ExpectRejected(t, PointsSpend(m, 1), "insufficient-balance");
    RunEntry(t, PointsEarn(m, 100));
    ExpectRejected(t, PointsSpend(m, 101), "insufficient-balance");
    RunEntry(t, PointsSpend(m, 100));
    EXPECT_EQ(PointsOf(t, m), 0);
}

// Status points cannot be spent; a zero spend or an unknown member is rejected too.
TEST(SpendTest, BadSpendsAreRejected) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    Earn earn = PointsEarn(m, 100);
    earn.status = Amount(100);
    RunEntry(t, earn);
    Spend status = PointsSpend(m, 10);
    status.asset = Asset::kStatus;
    ExpectRejected(t, status, "invalid-argument");
    ExpectRejected(t, PointsSpend(m, 0), "invalid-amount");
    ExpectRejected(t, PointsSpend(m, -1), "invalid-amount");
    ExpectRejected(t, PointsSpend(MemberId(m.value() + 1), 1), "unknown-member");
}

// Cashback is spent from its own balance, with its own insufficient-balance limit.
TEST(SpendTest, CashbackSpendUsesCashbackBalance) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    Earn earn = PointsEarn(m, 100);
    earn.cashback = Amount(500);
    RunEntry(t, earn);
    Spend spend = PointsSpend(m, 200);
    spend.asset = Asset::kCashback;
    RunEntry(t, spend);
    EXPECT_EQ(BalancesOf(t, m).cashback.value(), 300);
    EXPECT_EQ(PointsOf(t, m), 100);
    spend.amount = Amount(301);
    ExpectRejected(t, spend, "insufficient-balance");
    EXPECT_EQ(t.CheckViolations(), "");
}

// ---- Holds --------------------------------------------------------------------------------

// Authorizing moves points from available to held and records an open hold.
TEST(HoldTest, AuthorizeMovesAvailableToHeld) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100));
    const EntryId hold = RunEntry(t, PointsHold(m, 70));
    EXPECT_EQ(PointsOf(t, m), 30);
    EXPECT_EQ(HeldOf(t, m), 70);
    auto row = HoldOf(t, hold);
    ASSERT_TRUE(row.has_value());
    EXPECT_EQ(row->state, store::HoldState::kOpen);
    EXPECT_EQ(row->expires_at, TestEpoch() + std::chrono::hours(1));
    ExpectRejected(t, PointsSpend(m, 31), "insufficient-balance");  // held points are not spendable
    EXPECT_EQ(t.CheckViolations(), "");
}

// A hold keeps the store and channel it was placed for; naming them changes its fingerprint.
TEST(HoldTest, HoldKeepsItsStoreAndChannel) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100));
    Hold placed{m, Asset::kPoints, Amount(10), std::chrono::hours(1), ""};
    placed.store = "s1";
    placed.channel = "till";
    auto held = t.ledger->ExecuteNow(Request{"pos", "h1", placed});
    ASSERT_EQ(Slug(held), "ok");
    auto row = HoldOf(t, held->entry->id);
    ASSERT_TRUE(row.has_value());
    EXPECT_EQ(row->store, "s1");
    EXPECT_EQ(row->channel, "till");
    placed.store = "s2";
    EXPECT_EQ(Slug(t.ledger->ExecuteNow(Request{"pos", "h1", placed})), "idempotency-conflict");
    const EntryId unplaced = RunEntry(t, PointsHold(m, 5));
    row = HoldOf(t, unplaced);
    ASSERT_TRUE(row.has_value());
    EXPECT_EQ(row->store, "");
    EXPECT_EQ(row->channel, "");
}

// A full capture redeems the held points and closes the hold as captured.
TEST(HoldTest, CaptureRedeemsTheWholeHold) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100));
    const EntryId hold = RunEntry(t, PointsHold(m, 70));
    auto captured = t.Run(Capture{hold, std::nullopt, ""});
    ASSERT_EQ(Slug(captured), "ok");
    EXPECT_EQ(captured->entries_written, 1U);
    EXPECT_EQ(captured->entry->kind, EntryKind::kCapture);
    EXPECT_EQ(captured->entry->reference, hold);
    EXPECT_EQ(PointsOf(t, m), 30);
    EXPECT_EQ(HeldOf(t, m), 0);
    EXPECT_EQ(HoldOf(t, hold)->state, store::HoldState::kCaptured);
    EXPECT_EQ(HoldOf(t, hold)->closed_by, captured->entry->id);
    EXPECT_EQ(t.CheckViolations(), "");
}

// A partial capture redeems part and releases the rest in a second, void, entry.
TEST(HoldTest, PartialCaptureReleasesTheRest) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100));
    const EntryId hold = RunEntry(t, PointsHold(m, 80));
    const std::int64_t entries = StateOf(t).entries;
    auto captured = t.Run(Capture{hold, Amount(30), ""});
    ASSERT_EQ(Slug(captured), "ok");
    EXPECT_EQ(captured->entries_written, 2U);
    EXPECT_EQ(StateOf(t).entries, entries + 2);
    EXPECT_EQ(PointsOf(t, m), 70);
    EXPECT_EQ(HeldOf(t, m), 0);
    auto release = t.store->LoadEntry(EntryId(captured->entry->id.value() + 1));
    ASSERT_TRUE(release.has_value() && release->has_value());
    EXPECT_EQ((*release)->kind, EntryKind::kVoid);
    EXPECT_EQ((*release)->reference, hold);
    EXPECT_EQ(HoldOf(t, hold)->state, store::HoldState::kCaptured);
    ExpectRejected(t, Capture{hold, Amount(10), ""}, "hold-closed");
    EXPECT_EQ(t.CheckViolations(), "");
}

// A void gives back the very lots the hold took, so their expiry dates are unchanged.
TEST(HoldTest, VoidRestoresTheSameLots) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100, Day(100)));
    RunEntry(t, PointsEarn(m, 100, Day(200)));
    const EntryId hold = RunEntry(t, PointsHold(m, 150));
    EXPECT_EQ(OpenLots(t, m), (std::vector<std::pair<std::int64_t, std::int64_t>>{{50, 200}}));
    auto voided = t.Run(Void{hold});
    ASSERT_EQ(Slug(voided), "ok");
    EXPECT_EQ(voided->entry->kind, EntryKind::kVoid);
    EXPECT_EQ(HoldOf(t, hold)->state, store::HoldState::kVoided);
    EXPECT_EQ(PointsOf(t, m), 200);
    EXPECT_EQ(HeldOf(t, m), 0);
    EXPECT_EQ(OpenLots(t, m),
              (std::vector<std::pair<std::int64_t, std::int64_t>>{{100, 100}, {100, 200}}));
    t.clock.Set(Day(100));
    EXPECT_EQ(Sweep(t), 1U);
    EXPECT_EQ(PointsOf(t, m), 100);
    t.clock.Set(Day(200));
    EXPECT_EQ(Sweep(t), 1U);
    EXPECT_EQ(PointsOf(t, m), 0);
    EXPECT_EQ(t.CheckViolations(), "");
}

// The rest of a partial capture goes back to the lots taken last, keeping their dates.
TEST(HoldTest, PartialCaptureReleasesNewestLotsFirst) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100, Day(100)));
    RunEntry(t, PointsEarn(m, 100, Day(200)));
    const EntryId hold = RunEntry(t, PointsHold(m, 150));
    RunEntry(t, Capture{hold, Amount(60), ""});
    // The capture used 60 of the first lot; the second lot got all its 100 back.
    EXPECT_EQ(OpenLots(t, m),
              (std::vector<std::pair<std::int64_t, std::int64_t>>{{40, 100}, {100, 200}}));
    EXPECT_EQ(t.CheckViolations(), "");
}

// A closed hold cannot be captured or voided again: kHoldClosed, nothing changes.
TEST(HoldTest, ClosedHoldIsHoldClosed) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100));
    const EntryId captured = RunEntry(t, PointsHold(m, 10));
    RunEntry(t, Capture{captured, std::nullopt, ""});
    ExpectRejected(t, Capture{captured, std::nullopt, ""}, "hold-closed");
    ExpectRejected(t, Void{captured}, "hold-closed");
    const EntryId voided = RunEntry(t, PointsHold(m, 10));
    RunEntry(t, Void{voided});
    ExpectRejected(t, Capture{voided, std::nullopt, ""}, "hold-closed");
    ExpectRejected(t, Void{voided}, "hold-closed");
    EXPECT_EQ(PointsOf(t, m), 90);
}

// A capture after the timeout is kHoldExpired: the hold stays open and the points held.
TEST(HoldTest, CaptureAfterTimeoutIsHoldExpired) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100));
    const EntryId hold = RunEntry(t, PointsHold(m, 40, std::chrono::minutes(15)));
    t.clock.Advance(std::chrono::minutes(15));
    ExpectRejected(t, Capture{hold, std::nullopt, ""}, "hold-expired");
    ExpectRejected(t, Capture{hold, Amount(10), ""}, "hold-expired");
    EXPECT_EQ(HoldOf(t, hold)->state, store::HoldState::kOpen);
    EXPECT_EQ(HeldOf(t, m), 40);
}

// The timeout sweep voids exactly the holds whose time has come, restoring their points.
TEST(HoldTest, VoidTimedOutHoldsVoidsOnlyTimedOutHolds) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100));
    const EntryId short_hold = RunEntry(t, PointsHold(m, 10, std::chrono::hours(1)));
    const EntryId long_hold = RunEntry(t, PointsHold(m, 20, std::chrono::days(2)));
    auto nothing = t.Run(VoidTimedOutHolds{});
    ASSERT_EQ(Slug(nothing), "ok");
    EXPECT_EQ(nothing->entries_written, 0U);
    EXPECT_FALSE(nothing->entry.has_value());

    t.clock.Advance(std::chrono::days(1));
    auto swept = t.Run(VoidTimedOutHolds{});
    ASSERT_EQ(Slug(swept), "ok");
    EXPECT_EQ(swept->entries_written, 1U);
    EXPECT_EQ(swept->entry->kind, EntryKind::kVoid);
    EXPECT_EQ(swept->entry->reference, short_hold);
    EXPECT_EQ(HoldOf(t, short_hold)->state, store::HoldState::kVoided);
    EXPECT_EQ(HoldOf(t, long_hold)->state, store::HoldState::kOpen);
    EXPECT_EQ(PointsOf(t, m), 80);
    EXPECT_EQ(HeldOf(t, m), 20);
    ExpectRejected(t, Capture{short_hold, std::nullopt, ""}, "hold-closed");
    RunEntry(t, Capture{long_hold, std::nullopt, ""});
    EXPECT_EQ(t.CheckViolations(), "");
}

// A timeout must be positive and at most 30 days.
TEST(HoldTest, TimeoutOutOfRangeIsInvalidArgument) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100));
    ExpectRejected(t, PointsHold(m, 10, Duration::zero()), "invalid-argument");
    ExpectRejected(t, PointsHold(m, 10, -std::chrono::hours(1)), "invalid-argument");
    ExpectRejected(t,
                   PointsHold(m, 10, std::chrono::days(30) + std::chrono::microseconds(1)),
                   "invalid-argument");
    RunEntry(t, PointsHold(m, 10, std::chrono::days(30)));
}

// Holds: unknown ids, bad amounts, status points and overdrafts are all rejected.
TEST(HoldTest, BadHoldRequestsAreRejected) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    const EntryId earn = RunEntry(t, PointsEarn(m, 100));
    ExpectRejected(t, Capture{EntryId(999), std::nullopt, ""}, "unknown-hold");
    ExpectRejected(t, Void{EntryId(999)}, "unknown-hold");
    ExpectRejected(t, Void{earn}, "unknown-hold");  // an entry, but not a hold
    ExpectRejected(t, PointsHold(m, 101), "insufficient-balance");
    ExpectRejected(t, PointsHold(m, 0), "invalid-amount");
    Hold status = PointsHold(m, 10);
    status.asset = Asset::kStatus;
    ExpectRejected(t, status, "invalid-argument");
    ExpectRejected(t, PointsHold(MemberId(m.value() + 1), 1), "unknown-member");
    const EntryId hold = RunEntry(t, PointsHold(m, 50));
    ExpectRejected(t, Capture{hold, Amount(51), ""}, "invalid-amount");
    ExpectRejected(t, Capture{hold, Amount(0), ""}, "invalid-amount");
    ExpectRejected(t, Capture{hold, Amount(-1), ""}, "invalid-amount");
}

// Cashback can be held and captured like points, through its own held balance.
TEST(HoldTest, CashbackHoldAndCapture) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    Earn earn;
    earn.member = m;
    earn.cashback = Amount(1000);
    RunEntry(t, earn);
    Hold hold = PointsHold(m, 600);
    hold.asset = Asset::kCashback;
    const EntryId id = RunEntry(t, hold);
    EXPECT_EQ(BalancesOf(t, m).cashback.value(), 400);
    EXPECT_EQ(BalancesOf(t, m).cashback_held.value(), 600);
    auto captured = t.Run(Capture{id, Amount(250), ""});
    ASSERT_EQ(Slug(captured), "ok");
    EXPECT_EQ(captured->entries_written, 2U);
    EXPECT_EQ(BalancesOf(t, m).cashback.value(), 750);
    EXPECT_EQ(BalancesOf(t, m).cashback_held.value(), 0);
    EXPECT_EQ(t.CheckViolations(), "");
}

// ---- Reversal -----------------------------------------------------------------------------

// A full reversal of an earn takes back its points, status points, cashback and lot.
TEST(ReversalTest, FullReversalOfEarnUndoesIt) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    Earn earn = PointsEarn(m, 100);
    earn.status = Amount(10);
    earn.cashback = Amount(50);
    const EntryId id = RunEntry(t, earn);
    auto reversed = t.Run(Reverse{id, 1, 1, ""});
    ASSERT_EQ(Slug(reversed), "ok");
    EXPECT_EQ(reversed->entry->kind, EntryKind::kReversal);
    EXPECT_EQ(reversed->entry->reference, id);
    const MemberBalances b = BalancesOf(t, m);
    EXPECT_EQ(b.points.value(), 0);
    EXPECT_EQ(b.status.value(), 0);
    EXPECT_EQ(b.cashback.value(), 0);
    EXPECT_TRUE(OpenLots(t, m).empty());
    ExpectRejected(t, Reverse{id, 1, 1, ""}, "reversal-exceeds-original");
    EXPECT_EQ(t.CheckViolations(), "");
}

// Three reversals of a third each give back exactly the whole earn: rounding is cumulative.
TEST(ReversalTest, ThreeThirdsAddUpExactly) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    Earn earn = PointsEarn(m, 100);
    earn.cashback = Amount(10);
    const EntryId id = RunEntry(t, earn);
    std::vector<std::int64_t> points;
    std::vector<std::int64_t> cashback;
    for (int i = 0; i < 3; ++i) {
        RunEntry(t, Reverse{id, 1, 3, ""});
        points.push_back(PointsOf(t, m));
        cashback.push_back(BalancesOf(t, m).cashback.value());
    }
    EXPECT_EQ(points, (std::vector<std::int64_t>{67, 34, 0}));
    EXPECT_EQ(cashback, (std::vector<std::int64_t>{7, 4, 0}));
    ExpectRejected(t, Reverse{id, 1, 3, ""}, "reversal-exceeds-original");
    EXPECT_EQ(t.CheckViolations(), "");
}

// A refund of 300 of a 1000 purchase reverses 30% of the spend, with the rest refundable.
TEST(ReversalTest, PartialReversalOfSpend) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 500));
    const EntryId spend = RunEntry(t, PointsSpend(m, 200));
    RunEntry(t, Reverse{spend, 300, 1000, ""});
    EXPECT_EQ(PointsOf(t, m), 360);
    ExpectRejected(t, Reverse{spend, 701, 1000, ""}, "reversal-exceeds-original");
    ExpectRejected(t, Reverse{spend, 100, 999, ""}, "invalid-argument");
    RunEntry(t, Reverse{spend, 700, 1000, ""});
    EXPECT_EQ(PointsOf(t, m), 500);
    EXPECT_EQ(t.CheckViolations(), "");
}

// A reversal needs 0 < part <= whole.
TEST(ReversalTest, BadFractionIsInvalidArgument) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    const EntryId id = RunEntry(t, PointsEarn(m, 100));
    ExpectRejected(t, Reverse{id, 0, 1, ""}, "invalid-argument");
    ExpectRejected(t, Reverse{id, 1, 0, ""}, "invalid-argument");
    ExpectRejected(t, Reverse{id, 2, 1, ""}, "invalid-argument");
    ExpectRejected(t, Reverse{id, -1, 2, ""}, "invalid-argument");
    ExpectRejected(t, Reverse{id, 1, -2, ""}, "invalid-argument");
}

// Holds, voids, expiries and reversals are not reversible; unknown entries are unknown.
TEST(ReversalTest, NotReversibleKindsAndUnknownEntries) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    const EntryId earn = RunEntry(t, PointsEarn(m, 100, Day(10)));
    const EntryId hold = RunEntry(t, PointsHold(m, 10));
    const EntryId void_entry = RunEntry(t, Void{hold});
    const EntryId reversal = RunEntry(t, Reverse{earn, 1, 2, ""});
    t.clock.Set(Day(10));
    const EntryId expire = RunEntry(t, ExpireLots{});
    for (EntryId id : {hold, void_entry, reversal, expire}) {
        SCOPED_TRACE(id.value());
        ExpectRejected(t, Reverse{id, 1, 1, ""}, "not-reversible");
    }
    ExpectRejected(t, Reverse{EntryId(expire.value() + 1), 1, 1, ""}, "unknown-entry");
}

// Reversing a spend gives the points back to the lots it took, newest first, with their dates.
TEST(ReversalTest, ReversingSpendRestoresLots) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100, Day(100)));
    RunEntry(t, PointsEarn(m, 100, Day(200)));
    const EntryId spend = RunEntry(t, PointsSpend(m, 150));
    RunEntry(t, Reverse{spend, 1, 3, ""});  // 50 back, to the second lot
    EXPECT_EQ(OpenLots(t, m), (std::vector<std::pair<std::int64_t, std::int64_t>>{{100, 200}}));
    RunEntry(t, Reverse{spend, 2, 3, ""});  // the rest, to the first lot
    EXPECT_EQ(OpenLots(t, m),
              (std::vector<std::pair<std::int64_t, std::int64_t>>{{100, 100}, {100, 200}}));
    t.clock.Set(Day(100));
    EXPECT_EQ(Sweep(t), 1U);
    EXPECT_EQ(PointsOf(t, m), 100);
    EXPECT_EQ(t.CheckViolations(), "");
}

// Reversing a capture credits the available balance, not the held one, with the hold's lots.
TEST(ReversalTest, ReversingCaptureCreditsAvailable) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100, Day(50)));
    const EntryId hold = RunEntry(t, PointsHold(m, 100));
    const EntryId capture = RunEntry(t, Capture{hold, Amount(80), ""});
    EXPECT_EQ(PointsOf(t, m), 20);
    RunEntry(t, Reverse{capture, 1, 1, ""});
    EXPECT_EQ(PointsOf(t, m), 100);
    EXPECT_EQ(HeldOf(t, m), 0);
    EXPECT_EQ(OpenLots(t, m), (std::vector<std::pair<std::int64_t, std::int64_t>>{{100, 50}}));
    t.clock.Set(Day(50));
    EXPECT_EQ(Sweep(t), 1U);
    EXPECT_EQ(PointsOf(t, m), 0);
    EXPECT_EQ(t.CheckViolations(), "");
}

// An earn whose points were spent cannot be reversed beyond what is left.
TEST(ReversalTest, ReversingSpentEarnIsInsufficientBalance) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    const EntryId earn = RunEntry(t, PointsEarn(m, 100));
    RunEntry(t, PointsSpend(m, 80));
    ExpectRejected(t, Reverse{earn, 1, 1, ""}, "insufficient-balance");
    ExpectRejected(t, Reverse{earn, 1, 4, ""}, "insufficient-balance");  // 25 > 20
    RunEntry(t, Reverse{earn, 1, 5, ""});
    EXPECT_EQ(PointsOf(t, m), 0);
    EXPECT_EQ(t.CheckViolations(), "");
}

// Reversing an earn takes back its own lot first, even when it is not the oldest.
TEST(ReversalTest, ReversingEarnTakesItsOwnLotFirst) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100, Day(100)));
    const EntryId second = RunEntry(t, PointsEarn(m, 100, Day(200)));
    RunEntry(t, Reverse{second, 1, 2, ""});
    EXPECT_EQ(OpenLots(t, m),
              (std::vector<std::pair<std::int64_t, std::int64_t>>{{100, 100}, {50, 200}}));
}

// Transfers and adjustments are reversible; a transfer's reversal restores both lot sets.
TEST(ReversalTest, ReversingTransferAndAdjust) {
    TestLedger t;
    const MemberId a = t.Enrol("a");
    const MemberId b = t.Enrol("b");
    RunEntry(t, PointsEarn(a, 100, Day(100)));
    const EntryId transfer = RunEntry(t, Transfer{a, b, Asset::kPoints, Amount(60), ""});
    RunEntry(t, Reverse{transfer, 1, 1, ""});
    EXPECT_EQ(PointsOf(t, a), 100);
    EXPECT_EQ(PointsOf(t, b), 0);
    EXPECT_EQ(OpenLots(t, a), (std::vector<std::pair<std::int64_t, std::int64_t>>{{100, 100}}));
    const EntryId debit = RunEntry(t, Adjust{a, Asset::kPoints, Amount(-30), Timestamp{}, ""});
    EXPECT_EQ(PointsOf(t, a), 70);
    RunEntry(t, Reverse{debit, 1, 1, ""});
    EXPECT_EQ(PointsOf(t, a), 100);
    EXPECT_EQ(OpenLots(t, a), (std::vector<std::pair<std::int64_t, std::int64_t>>{{100, 100}}));
    EXPECT_EQ(t.CheckViolations(), "");
}

// ---- Adjust -------------------------------------------------------------------------------

// A positive adjustment credits a lot; a negative one debits, never below zero.
TEST(AdjustTest, CreditsAndDebits) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    auto credit = t.Run(Adjust{m, Asset::kPoints, Amount(100), Day(30), ""});
    ASSERT_EQ(Slug(credit), "ok");
    EXPECT_EQ(credit->entry->kind, EntryKind::kAdjust);
    EXPECT_EQ(OpenLots(t, m), (std::vector<std::pair<std::int64_t, std::int64_t>>{{100, 30}}));
    RunEntry(t, Adjust{m, Asset::kPoints, Amount(-40), Timestamp{}, ""});
    EXPECT_EQ(PointsOf(t, m), 60);
    EXPECT_EQ(OpenLots(t, m), (std::vector<std::pair<std::int64_t, std::int64_t>>{{60, 30}}));
    ExpectRejected(
        t, Adjust{m, Asset::kPoints, Amount(-61), Timestamp{}, ""}, "insufficient-balance");
    RunEntry(t, Adjust{m, Asset::kStatus, Amount(5), Timestamp{}, ""});
    RunEntry(t, Adjust{m, Asset::kCashback, Amount(9), Timestamp{}, ""});
    RunEntry(t, Adjust{m, Asset::kStatus, Amount(-5), Timestamp{}, ""});
    ExpectRejected(
        t, Adjust{m, Asset::kCashback, Amount(-10), Timestamp{}, ""}, "insufficient-balance");
    const MemberBalances b = BalancesOf(t, m);
    EXPECT_EQ(b.status.value(), 0);
    EXPECT_EQ(b.cashback.value(), 9);
    EXPECT_EQ(t.CheckViolations(), "");
}

// A request's audit row commits with its command: written once, with the ledger's time, when
// the adjustment succeeds; not at all when it fails or is replayed.
TEST(AdjustTest, AuditRowCommitsWithTheAdjustmentOnly) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    store::AuditRow audit;
    audit.actor_kind = "staff";
    audit.actor_id = "7";
    audit.action = "adjustment.create";
    audit.target = "m1";
    audit.reason = "goodwill";
    audit.request_id = "req-1";
    const Request debit{
        "staff:7", "adj-1", Adjust{m, Asset::kPoints, Amount(-10), Timestamp{}, ""}, audit};
    EXPECT_EQ(Slug(t.ledger->ExecuteNow(debit)), "insufficient-balance");
    auto rows = t.store->ListAudit(0, 10);
    ASSERT_TRUE(rows.has_value());
    EXPECT_TRUE(rows->empty());
    EXPECT_EQ(PointsOf(t, m), 0);

    const Request credit{
        "staff:7", "adj-2", Adjust{m, Asset::kPoints, Amount(25), Timestamp{}, ""}, audit};
    auto first = t.ledger->ExecuteNow(credit);
    ASSERT_EQ(Slug(first), "ok");
    auto replayed = t.ledger->ExecuteNow(credit);
    ASSERT_EQ(Slug(replayed), "ok");
    EXPECT_TRUE(replayed->is_replay);
    rows = t.store->ListAudit(0, 10);
    ASSERT_TRUE(rows.has_value());
    ASSERT_EQ(rows->size(), 1U);
    EXPECT_EQ(rows->front().action, "adjustment.create");
    EXPECT_EQ(rows->front().actor_kind, "staff");
    EXPECT_EQ(rows->front().actor_id, "7");
    EXPECT_EQ(rows->front().target, "m1");
    EXPECT_EQ(rows->front().reason, "goodwill");
    EXPECT_EQ(rows->front().request_id, "req-1");
    EXPECT_EQ(rows->front().at, first->entry->created_at);
    EXPECT_EQ(PointsOf(t, m), 25);
}

// Zero or unrepresentable deltas, past expiry and unknown members are rejected.
TEST(AdjustTest, BadAdjustmentsAreRejected) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    ExpectRejected(t, Adjust{m, Asset::kPoints, Amount(0), Timestamp{}, ""}, "invalid-amount");
    ExpectRejected(
        t, Adjust{m, Asset::kPoints, Amount(kInt64Min), Timestamp{}, ""}, "invalid-amount");
    ExpectRejected(t, Adjust{m, Asset::kPoints, Amount(5), TestEpoch(), ""}, "invalid-argument");
    ExpectRejected(t,
                   Adjust{MemberId(m.value() + 1), Asset::kPoints, Amount(5), Timestamp{}, ""},
                   "unknown-member");
}

// ---- Transfer -----------------------------------------------------------------------------

// Transferred points arrive as lots with the sender's expiry dates.
TEST(TransferTest, KeepsExpiryOfLots) {
    TestLedger t;
    const MemberId a = t.Enrol("a");
    const MemberId b = t.Enrol("b");
    RunEntry(t, PointsEarn(a, 100, Day(100)));
    RunEntry(t, PointsEarn(a, 100, Day(200)));
    auto moved = t.Run(Transfer{a, b, Asset::kPoints, Amount(150), ""});
    ASSERT_EQ(Slug(moved), "ok");
    EXPECT_EQ(moved->entry->kind, EntryKind::kTransfer);
    EXPECT_EQ(PointsOf(t, a), 50);
    EXPECT_EQ(PointsOf(t, b), 150);
    EXPECT_EQ(OpenLots(t, b),
              (std::vector<std::pair<std::int64_t, std::int64_t>>{{100, 100}, {50, 200}}));
    t.clock.Set(Day(100));
    EXPECT_EQ(Sweep(t), 1U);
    EXPECT_EQ(PointsOf(t, a), 50);
    EXPECT_EQ(PointsOf(t, b), 50);
    t.clock.Set(Day(200));
    EXPECT_EQ(Sweep(t), 2U);
    EXPECT_EQ(PointsOf(t, a), 0);
    EXPECT_EQ(PointsOf(t, b), 0);
    EXPECT_EQ(t.CheckViolations(), "");
}

// Transfers to oneself, of status points, beyond the balance or to nobody are rejected.
TEST(TransferTest, BadTransfersAreRejected) {
    TestLedger t;
    const MemberId a = t.Enrol("a");
    const MemberId b = t.Enrol("b");
    Earn earn = PointsEarn(a, 100);
    earn.status = Amount(10);
    RunEntry(t, earn);
    ExpectRejected(t, Transfer{a, a, Asset::kPoints, Amount(10), ""}, "invalid-argument");
    ExpectRejected(t, Transfer{a, b, Asset::kStatus, Amount(10), ""}, "invalid-argument");
    ExpectRejected(t, Transfer{a, b, Asset::kPoints, Amount(101), ""}, "insufficient-balance");
    ExpectRejected(t, Transfer{a, b, Asset::kPoints, Amount(0), ""}, "invalid-amount");
    ExpectRejected(
        t, Transfer{a, MemberId(b.value() + 1), Asset::kPoints, Amount(10), ""}, "unknown-member");
    ExpectRejected(t, Transfer{a, b, Asset::kCashback, Amount(1), ""}, "insufficient-balance");
}

// Cashback moves between members without lots.
TEST(TransferTest, CashbackTransfer) {
    TestLedger t;
    const MemberId a = t.Enrol("a");
    const MemberId b = t.Enrol("b");
    Earn earn;
    earn.member = a;
    earn.cashback = Amount(300);
    RunEntry(t, earn);
    RunEntry(t, Transfer{a, b, Asset::kCashback, Amount(120), ""});
    EXPECT_EQ(BalancesOf(t, a).cashback.value(), 180);
    EXPECT_EQ(BalancesOf(t, b).cashback.value(), 120);
    EXPECT_EQ(t.CheckViolations(), "");
}

// ---- Expiry -------------------------------------------------------------------------------

// A sweep writes one entry per member, however many of its lots are due.
TEST(ExpiryTest, OneEntryPerMemberPerSweep) {
    TestLedger t;
    const MemberId a = t.Enrol("a");
    const MemberId b = t.Enrol("b");
    RunEntry(t, PointsEarn(a, 10, Day(5)));
    RunEntry(t, PointsEarn(a, 20, Day(6)));
    RunEntry(t, PointsEarn(a, 30, Day(7)));
    RunEntry(t, PointsEarn(a, 40, Day(90)));
    RunEntry(t, PointsEarn(b, 5, Day(7)));
    t.clock.Set(Day(7));
    const std::int64_t entries = StateOf(t).entries;
    auto swept = t.Run(ExpireLots{});
    ASSERT_EQ(Slug(swept), "ok");
    EXPECT_EQ(swept->entries_written, 2U);
    EXPECT_EQ(swept->entry->kind, EntryKind::kExpire);
    EXPECT_EQ(StateOf(t).entries, entries + 2);
    EXPECT_EQ(PointsOf(t, a), 40);
    EXPECT_EQ(PointsOf(t, b), 0);
    auto again = t.Run(ExpireLots{});
    ASSERT_EQ(Slug(again), "ok");
    EXPECT_EQ(again->entries_written, 0U);
    EXPECT_FALSE(again->entry.has_value());
    EXPECT_EQ(t.CheckViolations(), "");
}

// Points under a hold do not expire while held; voided after their date, they expire next.
TEST(ExpiryTest, HeldPointsDoNotExpireWhileHeld) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    RunEntry(t, PointsEarn(m, 100, Day(10)));
    const EntryId hold = RunEntry(t, PointsHold(m, 60, std::chrono::days(30)));
    t.clock.Set(Day(10));
    EXPECT_EQ(Sweep(t), 1U);
    EXPECT_EQ(PointsOf(t, m), 0);
    EXPECT_EQ(HeldOf(t, m), 60);
    RunEntry(t, Void{hold});
    EXPECT_EQ(PointsOf(t, m), 60);
    EXPECT_EQ(Sweep(t), 1U);
    EXPECT_EQ(PointsOf(t, m), 0);
    EXPECT_EQ(t.CheckViolations(), "");
}

// ---- Idempotency ----------------------------------------------------------------------------

// The same client, key and command replays the first outcome and writes nothing new.
TEST(IdempotencyTest, ReplayReturnsTheSameEntry) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    const Request request{"pos-1", "till-17-000381", PointsEarn(m, 100)};
    auto first = t.ledger->ExecuteNow(request);
    ASSERT_EQ(Slug(first), "ok");
    EXPECT_FALSE(first->is_replay);
    const LedgerState after_first = StateOf(t);
    auto second = t.ledger->ExecuteNow(request);
    ASSERT_EQ(Slug(second), "ok");
    EXPECT_TRUE(second->is_replay);
    ASSERT_TRUE(second->entry.has_value());
    EXPECT_EQ(second->entry->id, first->entry->id);
    EXPECT_EQ(*second->entry, *first->entry);
    EXPECT_EQ(second->entries_written, 0U);
    EXPECT_EQ(StateOf(t), after_first);
    EXPECT_EQ(PointsOf(t, m), 100);
}

// Replays of an enrolment and of a partial capture return their first results.
TEST(IdempotencyTest, ReplayOfEnrolAndCapture) {
    TestLedger t;
    const Request enrol{"web", "enrol-1", EnrolMember{"m1"}};
    auto first = t.ledger->ExecuteNow(enrol);
    ASSERT_EQ(Slug(first), "ok");
    auto again = t.ledger->ExecuteNow(enrol);
    ASSERT_EQ(Slug(again), "ok");
    EXPECT_TRUE(again->is_replay);
    EXPECT_EQ(again->member, first->member);
    const MemberId m = first->member;
    RunEntry(t, PointsEarn(m, 100));
    const EntryId hold = RunEntry(t, PointsHold(m, 50));
    const Request capture{"pos", "cap-1", Capture{hold, Amount(20), ""}};
    auto captured = t.ledger->ExecuteNow(capture);
    ASSERT_EQ(Slug(captured), "ok");
    const LedgerState state = StateOf(t);
    auto replayed = t.ledger->ExecuteNow(capture);
    ASSERT_EQ(Slug(replayed), "ok");
    EXPECT_TRUE(replayed->is_replay);
    EXPECT_EQ(replayed->entry->id, captured->entry->id);
    EXPECT_EQ(StateOf(t), state);
}

// The same key with a different command is kIdempotencyConflict and changes nothing.
TEST(IdempotencyTest, SameKeyDifferentCommandIsConflict) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    ASSERT_EQ(Slug(t.ledger->ExecuteNow(Request{"pos", "k", PointsEarn(m, 100)})), "ok");
    const LedgerState state = StateOf(t);
    EXPECT_EQ(Slug(t.ledger->ExecuteNow(Request{"pos", "k", PointsEarn(m, 101)})),
              "idempotency-conflict");
    Earn with_meta = PointsEarn(m, 100);
    with_meta.meta = "rule:7";
    EXPECT_EQ(Slug(t.ledger->ExecuteNow(Request{"pos", "k", with_meta})), "idempotency-conflict");
    EXPECT_EQ(Slug(t.ledger->ExecuteNow(Request{"pos", "k", PointsSpend(m, 100)})),
              "idempotency-conflict");
    EXPECT_EQ(StateOf(t), state);
}

// Keys are scoped per client: another client's identical key runs the command anew.
TEST(IdempotencyTest, KeysAreIndependentPerClient) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    auto a = t.ledger->ExecuteNow(Request{"pos-a", "k", PointsEarn(m, 100)});
    auto b = t.ledger->ExecuteNow(Request{"pos-b", "k", PointsEarn(m, 100)});
    ASSERT_EQ(Slug(a), "ok");
    ASSERT_EQ(Slug(b), "ok");
    EXPECT_FALSE(b->is_replay);
    EXPECT_NE(a->entry->id, b->entry->id);
    EXPECT_EQ(PointsOf(t, m), 200);
}

// A command that failed leaves no trace: its key can be used again once it would succeed.
TEST(IdempotencyTest, FailedCommandDoesNotTakeTheKey) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    const Request spend{"pos", "spend-1", PointsSpend(m, 50)};
    EXPECT_EQ(Slug(t.ledger->ExecuteNow(spend)), "insufficient-balance");
    RunEntry(t, PointsEarn(m, 100));
    auto retried = t.ledger->ExecuteNow(spend);
    ASSERT_EQ(Slug(retried), "ok");
    EXPECT_FALSE(retried->is_replay);
    EXPECT_EQ(PointsOf(t, m), 50);
}

// Client ids must be 1-128 bytes and keys at most 255 bytes.
TEST(IdempotencyTest, BadClientIdOrKeyIsInvalidArgument) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    EXPECT_EQ(Slug(t.ledger->ExecuteNow(Request{"", "k", PointsEarn(m, 1)})), "invalid-argument");
    EXPECT_EQ(Slug(t.ledger->ExecuteNow(
                  Request{std::string(limits::kClientIdBytesMax + 1, 'c'), "k", PointsEarn(m, 1)})),
              "invalid-argument");
    EXPECT_EQ(Slug(t.ledger->ExecuteNow(Request{
                  "c", std::string(limits::kIdempotencyKeyBytesMax + 1, 'k'), PointsEarn(m, 1)})),
              "invalid-argument");
    EXPECT_EQ(PointsOf(t, m), 0);
}

// ---- Decide -------------------------------------------------------------------------------

// A Decide whose decision earns `points` and counts its runs in *runs.
Decide CountingEarn(MemberId member, std::int64_t points, int* runs) {
    return Decide{
        [member, points, runs](store::Store&, Timestamp) -> Result<std::optional<DecidedCommand>> {
            ++*runs;
            return std::optional<DecidedCommand>(PointsEarn(member, points));
        },
        "event-1"};
}

// A Decide runs its decision in the transaction and writes what it decided; a replay answers
// the first entry without deciding again.
TEST(DecideTest, RunsTheDecisionOnceAndReplaysItsEntry) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    int runs = 0;
    const Request request{"pos", "event-1", CountingEarn(m, 70, &runs)};
    auto first = t.ledger->ExecuteNow(request);
    ASSERT_EQ(Slug(first), "ok");
    ASSERT_TRUE(first->entry.has_value());
    EXPECT_EQ(PointsOf(t, m), 70);
    EXPECT_EQ(runs, 1);
    const LedgerState state = StateOf(t);
    auto again = t.ledger->ExecuteNow(request);
    ASSERT_EQ(Slug(again), "ok");
    EXPECT_TRUE(again->is_replay);
    ASSERT_TRUE(again->entry.has_value());
    EXPECT_EQ(again->entry->id, first->entry->id);
    EXPECT_EQ(runs, 1);
    EXPECT_EQ(StateOf(t), state);
}

// The fingerprint is the Decide's own: the same key with another fingerprint is a conflict,
// even when the decision would be the same.
TEST(DecideTest, SameKeyOtherFingerprintIsConflict) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    int runs = 0;
    ASSERT_EQ(Slug(t.ledger->ExecuteNow(Request{"pos", "k", CountingEarn(m, 5, &runs)})), "ok");
    Decide other = CountingEarn(m, 5, &runs);
    other.fingerprint = "event-2";
    const LedgerState state = StateOf(t);
    EXPECT_EQ(Slug(t.ledger->ExecuteNow(Request{"pos", "k", other})), "idempotency-conflict");
    EXPECT_EQ(runs, 1);
    EXPECT_EQ(StateOf(t), state);
}

// A decision of nothing succeeds with no entry and still takes the key; a failing decision,
// or a decided command that fails, writes nothing and leaves the key free.
TEST(DecideTest, NothingTakesTheKeyAndFailuresLeaveNoTrace) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    const Decide nothing{[](store::Store&, Timestamp) -> Result<std::optional<DecidedCommand>> {
                             return std::optional<DecidedCommand>();
                         },
                         "small purchase"};
    auto none = t.ledger->ExecuteNow(Request{"pos", "n", nothing});
    ASSERT_EQ(Slug(none), "ok");
    EXPECT_FALSE(none->entry.has_value());
    auto replay = t.ledger->ExecuteNow(Request{"pos", "n", nothing});
    ASSERT_EQ(Slug(replay), "ok");
    EXPECT_TRUE(replay->is_replay);
    EXPECT_FALSE(replay->entry.has_value());

    const LedgerState state = StateOf(t);
    const Decide failing{[](store::Store&, Timestamp) -> Result<std::optional<DecidedCommand>> {
                             return MakeError(ErrorCode::kInvalidArgument, "no such rule");
                         },
                         "f"};
    ExpectRejected(t, failing, "invalid-argument");
    const Decide overspend{[m](store::Store&, Timestamp) -> Result<std::optional<DecidedCommand>> {
                               return std::optional<DecidedCommand>(PointsSpend(m, 10));
                           },
                           "s"};
    EXPECT_EQ(Slug(t.ledger->ExecuteNow(Request{"pos", "s", overspend})), "insufficient-balance");
    EXPECT_EQ(StateOf(t), state);
    int runs = 0;
    Decide earn = CountingEarn(m, 10, &runs);
    earn.fingerprint = "s";
    auto retried = t.ledger->ExecuteNow(Request{"pos", "s", earn});
    ASSERT_EQ(Slug(retried), "ok");
    EXPECT_FALSE(retried->is_replay);
}

// The decision reads the store inside the transaction: two decisions in a row see each other's
// writes, so a decision can keep a running total (a cap) that concurrent events cannot pass.
TEST(DecideTest, DecisionsSeeEarlierWritesOfTheSameBatch) {
    TestLedger t;
    const MemberId m = t.Enrol("m1");
    constexpr std::int64_t kCap = 25;
    // Earns 10, but never more than kCap in total, judged from the member's balance.
    auto capped = [m](std::string fingerprint) {
        return Decide{[m](store::Store& store, Timestamp) -> Result<std::optional<DecidedCommand>> {
                          CANDOR_ASSIGN_OR_RETURN(
                              auto balance, store.SumBalance(MemberAccount(m, Asset::kPoints)));
                          const std::int64_t have = balance ? balance->value() : 0;
                          const std::int64_t points = std::min<std::int64_t>(10, kCap - have);
                          if (points <= 0) {
                              return std::optional<DecidedCommand>();
                          }
                          return std::optional<DecidedCommand>(PointsEarn(m, points));
                      },
                      std::move(fingerprint)};
    };
    Committer committer(*t.store, *t.ledger);
    std::vector<std::future<Result<Outcome>>> outcomes;
    for (int i = 0; i < 5; ++i) {
        const std::string key = "e" + std::to_string(i);
        outcomes.push_back(committer.Submit(Request{"pos", key, capped(key)}));
    }
    for (auto& outcome : outcomes) {
        EXPECT_EQ(Slug(outcome.get()), "ok");
    }
    committer.Stop();
    EXPECT_EQ(PointsOf(t, m), kCap);
    EXPECT_EQ(t.CheckViolations(), "");
}

// ---- Journal ------------------------------------------------------------------------------

// Every stored entry decodes, matches its leaf hash and postings, and each asset sums to zero.
TEST(JournalTest, StoredEntriesDecodeHashAndBalance) {
    TestLedger t;
    const MemberId a = t.Enrol("a");
    const MemberId b = t.Enrol("b");
    Earn earn = PointsEarn(a, 1000, Day(20));
    earn.status = Amount(30);
    earn.cashback = Amount(70);
    earn.meta = "rule:1;v:3";
    const EntryId first = RunEntry(t, earn);
    RunEntry(t, PointsSpend(a, 100));
    const EntryId hold = RunEntry(t, PointsHold(a, 200));
    RunEntry(t, Capture{hold, Amount(50), ""});
    RunEntry(t, Transfer{a, b, Asset::kPoints, Amount(300), ""});
    RunEntry(t, Reverse{first, 1, 7, ""});
    RunEntry(t, Adjust{b, Asset::kCashback, Amount(5), Timestamp{}, ""});
    t.clock.Set(Day(20));
    RunEntry(t, ExpireLots{});

    std::int64_t entries = 0;
    ASSERT_TRUE(t.store
                    ->ScanEntries([&](const store::EntryRow& row) {
                        ++entries;
                        EXPECT_EQ(row.id.value(), entries);
                        EXPECT_EQ(journal::HashLeaf(row.body), row.leaf_hash);
                        auto entry = journal::Decode(row.body);
                        EXPECT_TRUE(entry.has_value()) << "entry " << row.id.value();
                        if (!entry) {
                            return true;
                        }
                        EXPECT_EQ(entry->id, row.id);
                        EXPECT_EQ(entry->kind, row.kind);
                        EXPECT_EQ(journal::Encode(*entry), row.body);
                        std::map<Asset, std::int64_t> sums;
                        int leg = 0;
                        for (const journal::Posting& p : entry->postings) {
                            sums[p.asset] += p.amount.value();
                            auto stored = t.store->FindPosting(p.account, entry->id, leg++);
                            EXPECT_TRUE(stored.has_value() && stored->has_value());
                            if (stored && *stored) {
                                EXPECT_EQ((*stored)->amount, p.amount);
                            }
                        }
                        for (const auto& [asset, sum] : sums) {
                            EXPECT_EQ(sum, 0) << "entry " << row.id.value();
                        }
                        return true;
                    })
                    .has_value());
    EXPECT_EQ(entries, 10);  // the partial capture and the sweep wrote two entries each
    std::map<Asset, std::int64_t> totals;
    ASSERT_TRUE(t.store
                    ->ScanBalances([&](const store::AccountSum& sum) {
                        auto info = t.ledger->DescribeAccount(sum.account);
                        EXPECT_TRUE(info.has_value());
                        if (info) {
                            totals[info->asset] += sum.amount.value();
                        }
                        return true;
                    })
                    .has_value());
    EXPECT_EQ(totals.size(), 3U);
    for (const auto& [asset, total] : totals) {
        EXPECT_EQ(total, 0) << Name(asset);
    }
    auto history = t.ledger->LoadHistory(b, EntryId(), 10);
    ASSERT_TRUE(history.has_value());
    ASSERT_EQ(history->size(), 3U);  // adjust, transfer and b's share of the sweep
    EXPECT_EQ(history->front().kind, EntryKind::kExpire);
    EXPECT_EQ(history->back().kind, EntryKind::kTransfer);
    EXPECT_EQ(t.CheckViolations(), "");
}

}  // namespace
}  // namespace candor::ledger
