#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "journal/journal.h"
#include "ledger/ledger.h"
#include "testkit/testkit.h"

namespace candor::ledger {
namespace {

using testing::HasSubstr;
using testing::Not;
using testkit::TestEpoch;
using testkit::TestLedger;

// The ids a mixed workload leaves behind, for naming what a tampering should report.
struct Workload {
    MemberId a;
    MemberId b;
    EntryId spend;      // a spends 100
    EntryId capture;    // a captures 150 of a 200 hold
    EntryId open_hold;  // b's points hold, still open
    LotId b_lot;        // b's earned lot, 200 of 300 left
};

// Runs a command of the workload, which must succeed with an entry.
EntryId MustRun(TestLedger& t, Command command) {
    auto outcome = t.Run(std::move(command));
    if (!outcome || !outcome->entry) {
        ADD_FAILURE() << "workload command failed: "
                      << (outcome ? "no entry" : outcome.error().message);
        return {};
    }
    return outcome->entry->id;
}

// Every kind of command, leaving 15 entries with 38 postings, 20 accounts with balances,
// 2 accounts with open lots and 3 holds.
Workload RunWorkload(TestLedger& t) {
    Workload w;
    w.a = t.Enrol("a");
    w.b = t.Enrol("b");
    auto budget = t.Run(OpenBudget{"promo"});
    EXPECT_TRUE(budget.has_value());
    if (!budget) {
        return w;
    }
    MustRun(t, FundBudget{budget->account, Amount(500)});  // 1
    Earn earn;
    earn.member = w.a;
    earn.points = Amount(1000);
    earn.status = Amount(50);
    earn.cashback = Amount(200);
    earn.expires_at = TestEpoch() + std::chrono::days(30);
    const EntryId a_earn = MustRun(t, earn);  // 2
    Earn from_budget;
    from_budget.member = w.b;
    from_budget.points = Amount(300);
    from_budget.budget_draws = {{budget->account, from_budget.points}};
    MustRun(t, from_budget);                                                         // 3
    w.spend = MustRun(t, Spend{w.a, Asset::kPoints, Amount(100), Timestamp{}, ""});  // 4
    const EntryId hold =
        MustRun(t, Hold{w.a, Asset::kPoints, Amount(200), std::chrono::hours(1), ""});  // 5
    w.capture = MustRun(t, Capture{hold, Amount(150), ""});                             // 6 and 7
    w.open_hold =
        MustRun(t, Hold{w.b, Asset::kPoints, Amount(100), std::chrono::days(30), ""});  // 8
    MustRun(t, Transfer{w.a, w.b, Asset::kPoints, Amount(200), ""});                    // 9
    MustRun(t, Reverse{a_earn, 1, 4, ""});                                              // 10
    MustRun(t, Adjust{w.b, Asset::kCashback, Amount(30), Timestamp{}, ""});             // 11
    MustRun(t, Hold{w.a, Asset::kCashback, Amount(100), std::chrono::days(30), ""});    // 12
    t.clock.Advance(std::chrono::days(30));
    MustRun(t, ExpireLots{});  // 13 and 14
    Earn late;
    late.member = w.a;
    late.points = Amount(10);
    MustRun(t, late);  // 15
    w.b_lot = LotId(2);
    return w;
}

// Runs SQL on a second connection, as an attacker with file access would, and expects it
// to change exactly one row (any number when `rows` is 0).
void Tamper(const std::string& path, const std::string& sql, int rows = 1) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "");
    if (rows != 0) {
        EXPECT_EQ(sqlite3_changes(db), rows) << sql;
    }
    sqlite3_free(error);
    sqlite3_close(db);
}

std::vector<std::uint8_t> LoadBody(const std::string& path, EntryId id) {
    sqlite3* db = nullptr;
    std::vector<std::uint8_t> body;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT body FROM entries WHERE id = ?1", -1, &stmt, nullptr),
              SQLITE_OK);
    sqlite3_bind_int64(stmt, 1, id.value());
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, 0));
        body.assign(data, data + sqlite3_column_bytes(stmt, 0));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    EXPECT_FALSE(body.empty());
    return body;
}

// Replaces an entry's stored bytes and, when `hash` is set, its leaf hash too.
void StoreBody(const std::string& path,
               EntryId id,
               const std::vector<std::uint8_t>& body,
               const journal::LeafHash* hash) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    const char* sql = hash != nullptr ? "UPDATE entries SET body = ?2, leaf_hash = ?3 WHERE id = ?1"
                                      : "UPDATE entries SET body = ?2 WHERE id = ?1";
    ASSERT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK);
    sqlite3_bind_int64(stmt, 1, id.value());
    sqlite3_bind_blob(stmt, 2, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
    if (hash != nullptr) {
        sqlite3_bind_blob(stmt, 3, hash->data(), static_cast<int>(hash->size()), SQLITE_TRANSIENT);
    }
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE);
    EXPECT_EQ(sqlite3_changes(db), 1);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

std::int64_t Account(MemberId member, Asset asset, bool held = false) {
    return MemberAccount(member, asset, held).value();
}

// A ledger after every kind of command passes every check, and the report counts it all.
TEST(CheckTest, CleanLedgerHasNoViolationsAndCountsEverything) {
    TestLedger t;
    RunWorkload(t);
    auto report = Check(*t.store);
    ASSERT_TRUE(report.has_value());
    EXPECT_TRUE(report->is_ok());
    EXPECT_EQ(report->violations, std::vector<std::string>{});
    EXPECT_EQ(report->entries, 15);
    EXPECT_EQ(report->postings, 38);
    EXPECT_EQ(report->accounts, 20);  // 9 program accounts, 1 budget, 2 members x 5
    EXPECT_EQ(report->open_lots_accounts, 2);
    EXPECT_EQ(report->holds, 3);
    EXPECT_EQ(t.CheckViolations(), "");
}

// An empty ledger is clean and counts only the program accounts.
TEST(CheckTest, EmptyLedgerIsClean) {
    TestLedger t;
    auto report = Check(*t.store);
    ASSERT_TRUE(report.has_value());
    EXPECT_TRUE(report->is_ok());
    EXPECT_EQ(report->entries, 0);
    EXPECT_EQ(report->accounts, 9);
}

// A posting changed in the postings table no longer matches the journal or its balance.
TEST(CheckTest, ChangedPostingAmountIsReported) {
    TestLedger t;
    const Workload w = RunWorkload(t);
    Tamper(t.db_path,
           fmt::format("UPDATE postings SET amount = amount - 1 WHERE entry_id = {} AND leg = 0",
                       w.spend.value()));
    const std::string violations = t.CheckViolations();
    EXPECT_THAT(violations,
                HasSubstr(fmt::format("entry {} leg 0: postings table differs from the journal",
                                      w.spend.value())));
    EXPECT_THAT(violations,
                HasSubstr(fmt::format("account {}: balance", Account(w.a, Asset::kPoints))));
}

// A balance changed behind the ledger's back differs from its postings and breaks the sum.
TEST(CheckTest, ChangedBalanceIsReported) {
    TestLedger t;
    const Workload w = RunWorkload(t);
    Tamper(t.db_path,
           fmt::format("UPDATE balances SET balance = balance + 5 WHERE account_id = {}",
                       Account(w.b, Asset::kCashback)));
    const std::string violations = t.CheckViolations();
    EXPECT_THAT(violations,
                HasSubstr(fmt::format("account {}: balance 35 but its postings sum to 30",
                                      Account(w.b, Asset::kCashback))));
    EXPECT_THAT(violations, HasSubstr("cashback balances sum to 5, not 0"));
}

// A deleted entry leaves a gap in the ids and postings without a journal entry.
TEST(CheckTest, DeletedEntryIsReported) {
    TestLedger t;
    const Workload w = RunWorkload(t);
    Tamper(t.db_path, fmt::format("DELETE FROM entries WHERE id = {}", w.spend.value()));
    const std::string violations = t.CheckViolations();
    EXPECT_THAT(violations,
                HasSubstr(fmt::format("entry ids are not dense: expected {}, found {}",
                                      w.spend.value(),
                                      w.spend.value() + 1)));
    EXPECT_THAT(violations, HasSubstr("the postings table has 38 rows, the journal 36 postings"));
}

// One byte of an entry's stored encoding changed: its leaf hash no longer matches.
TEST(CheckTest, ChangedEntryByteBreaksLeafHash) {
    TestLedger t;
    const Workload w = RunWorkload(t);
    std::vector<std::uint8_t> body = LoadBody(t.db_path, w.capture);
    ASSERT_GT(body.size(), 25U);
    body[25] ^= 0x01;  // the last byte of effective_at: still decodes
    StoreBody(t.db_path, w.capture, body, nullptr);
    EXPECT_THAT(
        t.CheckViolations(),
        HasSubstr(fmt::format("entry {}: leaf hash does not match its bytes", w.capture.value())));
}

// A forged entry with a recomputed leaf hash still disagrees with the postings table.
TEST(CheckTest, ForgedEntryWithValidHashDisagreesWithPostings) {
    TestLedger t;
    const Workload w = RunWorkload(t);
    auto entry = journal::Decode(LoadBody(t.db_path, w.spend));
    ASSERT_TRUE(entry.has_value());
    ASSERT_EQ(entry->postings.size(), 2U);
    entry->postings[0].amount = Amount(entry->postings[0].amount.value() + 60);
    entry->postings[1].amount = Amount(entry->postings[1].amount.value() - 60);
    const std::vector<std::uint8_t> forged = journal::Encode(*entry);
    const journal::LeafHash hash = journal::HashLeaf(forged);
    StoreBody(t.db_path, w.spend, forged, &hash);
    const std::string violations = t.CheckViolations();
    EXPECT_THAT(violations, Not(HasSubstr("leaf hash")));
    EXPECT_THAT(violations,
                HasSubstr(fmt::format("entry {} leg 0: postings table differs from the journal",
                                      w.spend.value())));
}

// A lot's remaining points changed: the lot and its account's open lots no longer add up.
TEST(CheckTest, ChangedLotRemainingIsReported) {
    TestLedger t;
    const Workload w = RunWorkload(t);
    Tamper(t.db_path,
           fmt::format("UPDATE lots SET remaining = remaining - 1 WHERE id = {}", w.b_lot.value()));
    const std::string violations = t.CheckViolations();
    EXPECT_THAT(
        violations,
        HasSubstr(fmt::format("lot {}: 101 used but moves account for 100", w.b_lot.value())));
    EXPECT_THAT(violations,
                HasSubstr(fmt::format("account {}: open lots hold 199 but the balance is 200",
                                      Account(w.b, Asset::kPoints))));
}

// A closed hold reopened no longer matches the member's held balance.
TEST(CheckTest, ReopenedHoldIsReported) {
    TestLedger t;
    const Workload w = RunWorkload(t);
    auto capture = t.store->LoadEntry(w.capture);
    ASSERT_TRUE(capture.has_value() && capture->has_value());
    const EntryId hold = (*capture)->reference;
    Tamper(t.db_path, fmt::format("UPDATE holds SET state = 0 WHERE id = {}", hold.value()));
    EXPECT_THAT(t.CheckViolations(),
                HasSubstr(fmt::format("account {}: open holds sum to 200 but 0 is held",
                                      Account(w.a, Asset::kPoints, true))));
}

// A hold's recorded amount changed no longer matches the held balance.
TEST(CheckTest, ChangedHoldAmountIsReported) {
    TestLedger t;
    const Workload w = RunWorkload(t);
    Tamper(t.db_path,
           fmt::format("UPDATE holds SET amount = 99 WHERE id = {}", w.open_hold.value()));
    EXPECT_THAT(t.CheckViolations(),
                HasSubstr(fmt::format("account {}: open holds sum to 99 but 100 is held",
                                      Account(w.b, Asset::kPoints, true))));
}

// Postings tampered to amounts whose sum overflows int64 are reported, not overflowed.
TEST(CheckTest, HugeTamperedPostingsAreReported) {
    TestLedger t;
    const Workload w = RunWorkload(t);
    Tamper(t.db_path,
           fmt::format("UPDATE postings SET amount = 9223372036854775807 "
                       "WHERE account_id = {} AND entry_id IN (2, {})",
                       Account(w.a, Asset::kPoints),
                       w.spend.value()),
           2);
    const std::string violations = t.CheckViolations();
    EXPECT_THAT(violations,
                HasSubstr(fmt::format("account {}: balance 10 but its postings sum to ",
                                      Account(w.a, Asset::kPoints))));
}

// However much is wrong, the report keeps at most 20 violations.
TEST(CheckTest, ViolationsAreCapped) {
    TestLedger t;
    RunWorkload(t);
    Tamper(t.db_path, "UPDATE balances SET balance = balance + 1", 0);
    auto reader = testkit::OpenStore(t.db_path);
    auto report = Check(*reader);
    ASSERT_TRUE(report.has_value());
    EXPECT_FALSE(report->is_ok());
    EXPECT_EQ(report->violations.size(), 20U);
}

}  // namespace
}  // namespace candor::ledger
