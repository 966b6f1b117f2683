// Contract tests for the identity and access operations of store::Store (schema 2): API keys,
// staff, recovery codes, member credentials and sessions, and the upgrade of a schema 1 file.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "testkit/testkit.h"

namespace candor::store {
namespace {

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

Timestamp At(std::int64_t seconds) {
    return testkit::TestEpoch() + std::chrono::seconds(seconds);
}

Digest DigestOf(std::uint8_t fill) {
    Digest digest{};
    digest.fill(fill);
    return digest;
}

AuthState SomeAuth() {
    AuthState auth;
    auth.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    auth.password_changed_at = At(1);
    return auth;
}

class AccessStoreTest : public ::testing::Test {
protected:
    void SetUp() override { store_ = testkit::OpenStore(dir_.File("candor.db")); }

    testkit::TempDir dir_;
    std::unique_ptr<Store> store_;
};

// An API key round-trips; its public id is unique; revocation happens once; touch records use.
TEST_F(AccessStoreTest, ApiKeyRoundTripRevokeAndTouch) {
    ApiKeyRow key;
    key.public_id = "0123456789ab";
    key.secret_hash = DigestOf(7);
    key.name = "till 17";
    key.scopes = "events:write members:read";
    key.store_binding = "s-17";
    key.channel_binding = "pos";
    key.rate_per_minute = 600;
    key.created_at = At(10);
    CANDOR_ASSERT_OK_AND_ASSIGN(const ApiKeyId id, store_->InsertApiKey(key));
    EXPECT_TRUE(id.is_set());

    CANDOR_ASSERT_OK_AND_ASSIGN(const auto found, store_->FindApiKeyByPublicId("0123456789ab"));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, id);
    EXPECT_EQ(found->secret_hash, key.secret_hash);
    EXPECT_EQ(found->scopes, key.scopes);
    EXPECT_EQ(found->store_binding, "s-17");
    EXPECT_EQ(found->channel_binding, "pos");
    EXPECT_EQ(found->rate_per_minute, 600);
    EXPECT_EQ(found->created_at, At(10));
    EXPECT_FALSE(found->revoked_at.has_value());
    EXPECT_FALSE(found->last_used_at.has_value());

    auto duplicate = store_->InsertApiKey(key);
    ASSERT_FALSE(duplicate.has_value());
    EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);

    CANDOR_ASSERT_OK(store_->TouchApiKey(id, At(20)));
    CANDOR_ASSERT_OK_AND_ASSIGN(const bool revoked, store_->RevokeApiKey(id, At(30)));
    EXPECT_TRUE(revoked);
    CANDOR_ASSERT_OK_AND_ASSIGN(const bool again, store_->RevokeApiKey(id, At(40)));
    EXPECT_FALSE(again);
    CANDOR_ASSERT_OK_AND_ASSIGN(const bool unknown, store_->RevokeApiKey(ApiKeyId(999), At(40)));
    EXPECT_FALSE(unknown);

    CANDOR_ASSERT_OK_AND_ASSIGN(const auto all, store_->ListApiKeys(ApiKeyId(), 10));
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all[0].last_used_at, std::optional<Timestamp>(At(20)));
    EXPECT_EQ(all[0].revoked_at, std::optional<Timestamp>(At(30)));
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto missing, store_->FindApiKeyByPublicId("nope"));
    EXPECT_FALSE(missing.has_value());
}

// Staff rows are counted, found by id and by blind index; auth updates replace the whole
// AuthState; the blind index is unique.
TEST_F(AccessStoreTest, StaffRoundTripAndAuthUpdate) {
    CANDOR_ASSERT_OK_AND_ASSIGN(const std::int64_t none, store_->CountStaff());
    EXPECT_EQ(none, 0);
    StaffRow staff;
    staff.email_index = DigestOf(1);
    staff.display_name = "Ada";
    staff.role = 2;
    staff.auth = SomeAuth();
    staff.created_at = At(1);
    CANDOR_ASSERT_OK_AND_ASSIGN(const StaffId id, store_->InsertStaff(staff));
    CANDOR_ASSERT_OK_AND_ASSIGN(const std::int64_t one, store_->CountStaff());
    EXPECT_EQ(one, 1);

    CANDOR_ASSERT_OK_AND_ASSIGN(const auto by_index, store_->FindStaffByEmailIndex(DigestOf(1)));
    ASSERT_TRUE(by_index.has_value());
    EXPECT_EQ(by_index->id, id);
    EXPECT_EQ(by_index->display_name, "Ada");
    EXPECT_EQ(by_index->role, 2);
    EXPECT_EQ(by_index->auth.password_hash, staff.auth.password_hash);
    EXPECT_TRUE(by_index->auth.totp_secret.empty());
    EXPECT_EQ(by_index->auth.totp_last_step, -1);

    AuthState changed = SomeAuth();
    changed.totp_secret = {1, 2, 3};
    changed.totp_confirmed = true;
    changed.totp_last_step = 12345;
    changed.failed_logins = 3;
    changed.locked_until = At(99);
    CANDOR_ASSERT_OK(store_->UpdateStaffAuth(id, changed));
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto by_id, store_->FindStaff(id));
    ASSERT_TRUE(by_id.has_value());
    EXPECT_EQ(by_id->auth.totp_secret, changed.totp_secret);
    EXPECT_TRUE(by_id->auth.totp_confirmed);
    EXPECT_EQ(by_id->auth.totp_last_step, 12345);
    EXPECT_EQ(by_id->auth.failed_logins, 3);
    EXPECT_EQ(by_id->auth.locked_until, At(99));

    auto duplicate = store_->InsertStaff(staff);
    ASSERT_FALSE(duplicate.has_value());
    EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto missing, store_->FindStaffByEmailIndex(DigestOf(2)));
    EXPECT_FALSE(missing.has_value());
}

// A recovery code works once; replacing the codes drops the old ones.
TEST_F(AccessStoreTest, StaffAreListedDisabledOnceAndChangeRole) {
    // Proves ListStaff returns every account in id order with disabled_at, DisableStaff sets it
    // once (false for a second call and an unknown id), and UpdateStaffRole changes the role.
    std::vector<StaffId> ids;
    for (std::uint8_t i = 1; i <= 2; ++i) {
        StaffRow staff;
        staff.email_index = DigestOf(i);
        staff.display_name = i == 1 ? "Ada" : "Bob";
        staff.role = 1;
        staff.auth = SomeAuth();
        staff.created_at = At(i);
        CANDOR_ASSERT_OK_AND_ASSIGN(const StaffId id, store_->InsertStaff(staff));
        ids.push_back(id);
    }
    CANDOR_ASSERT_OK_AND_ASSIGN(const bool disabled, store_->DisableStaff(ids[1], At(5)));
    EXPECT_TRUE(disabled);
    CANDOR_ASSERT_OK_AND_ASSIGN(const bool again, store_->DisableStaff(ids[1], At(6)));
    EXPECT_FALSE(again);
    CANDOR_ASSERT_OK_AND_ASSIGN(const bool unknown, store_->DisableStaff(StaffId(99), At(6)));
    EXPECT_FALSE(unknown);
    CANDOR_ASSERT_OK_AND_ASSIGN(const bool changed, store_->UpdateStaffRole(ids[0], 4));
    EXPECT_TRUE(changed);
    CANDOR_ASSERT_OK_AND_ASSIGN(const bool no_such, store_->UpdateStaffRole(StaffId(99), 4));
    EXPECT_FALSE(no_such);

    CANDOR_ASSERT_OK_AND_ASSIGN(const std::vector<StaffRow> staff,
                                store_->ListStaff(StaffId(), 10));
    ASSERT_EQ(staff.size(), 2U);
    EXPECT_EQ(staff[0].id, ids[0]);
    EXPECT_EQ(staff[0].role, 4);
    EXPECT_FALSE(staff[0].disabled_at.has_value());
    EXPECT_EQ(staff[1].display_name, "Bob");
    EXPECT_EQ(staff[1].disabled_at, std::optional<Timestamp>(At(5)));
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto found, store_->FindStaff(ids[1]));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->disabled_at, std::optional<Timestamp>(At(5)));
}

TEST_F(AccessStoreTest, ApiKeysAndStaffPageInIdOrder) {
    // Proves ListApiKeys and ListStaff answer at most `limit` rows with ids above `after`,
    // ascending, so that pages taken with the last id of the previous one cover every row once.
    std::vector<ApiKeyId> keys;
    std::vector<StaffId> staff;
    for (std::uint8_t i = 1; i <= 5; ++i) {
        ApiKeyRow key;
        key.public_id = "key-" + std::to_string(i);
        key.secret_hash = DigestOf(i);
        key.name = "k";
        key.scopes = "admin";
        key.created_at = At(i);
        CANDOR_ASSERT_OK_AND_ASSIGN(const ApiKeyId key_id, store_->InsertApiKey(key));
        keys.push_back(key_id);
        StaffRow row;
        row.email_index = DigestOf(i);
        row.display_name = "s" + std::to_string(i);
        row.auth = SomeAuth();
        row.created_at = At(i);
        CANDOR_ASSERT_OK_AND_ASSIGN(const StaffId staff_id, store_->InsertStaff(row));
        staff.push_back(staff_id);
    }
    std::vector<ApiKeyId> paged_keys;
    std::vector<StaffId> paged_staff;
    for (int pages = 0; pages < 3; ++pages) {
        const ApiKeyId key_after = paged_keys.empty() ? ApiKeyId() : paged_keys.back();
        CANDOR_ASSERT_OK_AND_ASSIGN(const auto key_page, store_->ListApiKeys(key_after, 2));
        EXPECT_EQ(key_page.size(), pages < 2 ? 2U : 1U);
        for (const ApiKeyRow& row : key_page) {
            paged_keys.push_back(row.id);
        }
        const StaffId staff_after = paged_staff.empty() ? StaffId() : paged_staff.back();
        CANDOR_ASSERT_OK_AND_ASSIGN(const auto staff_page, store_->ListStaff(staff_after, 2));
        EXPECT_EQ(staff_page.size(), pages < 2 ? 2U : 1U);
        for (const StaffRow& row : staff_page) {
            paged_staff.push_back(row.id);
        }
    }
    EXPECT_EQ(paged_keys, keys);
    EXPECT_EQ(paged_staff, staff);
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto no_keys, store_->ListApiKeys(keys.back(), 2));
    EXPECT_TRUE(no_keys.empty());
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto no_staff, store_->ListStaff(staff.back(), 2));
    EXPECT_TRUE(no_staff.empty());
}

TEST_F(AccessStoreTest, AuditRowsPageNewestFirst) {
    // Proves InsertAudit keeps every field and answers ascending ids, and ListAudit pages from
    // the newest down with `before` as the cursor.
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 5; ++i) {
        AuditRow row;
        row.at = At(i);
        row.actor_kind = "staff";
        row.actor_id = "7";
        row.action = "key.create";
        row.target = "k" + std::to_string(i);
        row.reason = i == 0 ? "" : "because";
        row.request_id = "r" + std::to_string(i);
        CANDOR_ASSERT_OK_AND_ASSIGN(const std::int64_t id, store_->InsertAudit(row));
        ids.push_back(id);
    }
    EXPECT_LT(ids[0], ids[4]);
    CANDOR_ASSERT_OK_AND_ASSIGN(const std::vector<AuditRow> first, store_->ListAudit(0, 2));
    ASSERT_EQ(first.size(), 2U);
    EXPECT_EQ(first[0].id, ids[4]);
    EXPECT_EQ(first[0].target, "k4");
    EXPECT_EQ(first[0].at, At(4));
    EXPECT_EQ(first[0].actor_kind, "staff");
    EXPECT_EQ(first[0].actor_id, "7");
    EXPECT_EQ(first[0].action, "key.create");
    EXPECT_EQ(first[0].reason, "because");
    EXPECT_EQ(first[0].request_id, "r4");
    EXPECT_EQ(first[1].id, ids[3]);
    CANDOR_ASSERT_OK_AND_ASSIGN(const std::vector<AuditRow> rest, store_->ListAudit(ids[3], 10));
    ASSERT_EQ(rest.size(), 3U);
    EXPECT_EQ(rest[2].id, ids[0]);
    EXPECT_EQ(rest[2].reason, "");
    AuditRow bad;
    bad.actor_kind = "robot";
    EXPECT_FALSE(store_->InsertAudit(bad).has_value());
}

TEST_F(AccessStoreTest, RecoveryCodesAreSingleUseAndReplaced) {
    const StaffId staff(1);
    const std::vector<Digest> first = {DigestOf(1), DigestOf(2)};
    CANDOR_ASSERT_OK(store_->ReplaceRecoveryCodes(staff, first));
    CANDOR_ASSERT_OK_AND_ASSIGN(const std::int64_t unused, store_->CountUnusedRecoveryCodes(staff));
    EXPECT_EQ(unused, 2);
    CANDOR_ASSERT_OK_AND_ASSIGN(const bool used,
                                store_->UseRecoveryCode(staff, DigestOf(1), At(5)));
    EXPECT_TRUE(used);
    CANDOR_ASSERT_OK_AND_ASSIGN(const bool reused,
                                store_->UseRecoveryCode(staff, DigestOf(1), At(6)));
    EXPECT_FALSE(reused);
    CANDOR_ASSERT_OK_AND_ASSIGN(const bool other_staff,
                                store_->UseRecoveryCode(StaffId(2), DigestOf(2), At(6)));
    EXPECT_FALSE(other_staff);

    const std::vector<Digest> second = {DigestOf(3)};
    CANDOR_ASSERT_OK(store_->ReplaceRecoveryCodes(staff, second));
    CANDOR_ASSERT_OK_AND_ASSIGN(const bool old_code,
                                store_->UseRecoveryCode(staff, DigestOf(2), At(7)));
    EXPECT_FALSE(old_code);
    CANDOR_ASSERT_OK_AND_ASSIGN(const std::int64_t left, store_->CountUnusedRecoveryCodes(staff));
    EXPECT_EQ(left, 1);
}

// Member credentials: one row per member, a unique login index, auth updates.
TEST_F(AccessStoreTest, MemberCredentialsRoundTrip) {
    MemberCredentialRow row{MemberId(5), DigestOf(9), SomeAuth()};
    CANDOR_ASSERT_OK(store_->InsertMemberCredentials(row));
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto by_index,
                                store_->FindMemberCredentialsByLoginIndex(DigestOf(9)));
    ASSERT_TRUE(by_index.has_value());
    EXPECT_EQ(by_index->member, MemberId(5));

    AuthState changed = SomeAuth();
    changed.failed_logins = 4;
    CANDOR_ASSERT_OK(store_->UpdateMemberAuth(MemberId(5), changed));
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto by_member, store_->FindMemberCredentials(MemberId(5)));
    ASSERT_TRUE(by_member.has_value());
    EXPECT_EQ(by_member->auth.failed_logins, 4);

    MemberCredentialRow same_login{MemberId(6), DigestOf(9), SomeAuth()};
    auto taken = store_->InsertMemberCredentials(same_login);
    ASSERT_FALSE(taken.has_value());
    EXPECT_EQ(taken.error().code, ErrorCode::kAlreadyExists);
    MemberCredentialRow same_member{MemberId(5), DigestOf(10), SomeAuth()};
    auto twice = store_->InsertMemberCredentials(same_member);
    ASSERT_FALSE(twice.has_value());
    EXPECT_EQ(twice.error().code, ErrorCode::kAlreadyExists);
}

// Sessions: found by token hash, touched, revoked one at a time or all of one subject only.
TEST_F(AccessStoreTest, SessionsTouchAndRevoke) {
    const auto insert = [&](std::uint8_t fill, SubjectKind kind, std::int64_t subject) {
        SessionRow row;
        row.token_hash = DigestOf(fill);
        row.subject_kind = kind;
        row.subject_id = subject;
        row.purpose = SessionPurpose::kTotpEnrolment;
        row.created_at = At(1);
        row.last_seen_at = At(1);
        row.expires_at = At(1000);
        return store_->InsertSession(row);
    };
    CANDOR_ASSERT_OK_AND_ASSIGN(const SessionId a, insert(1, SubjectKind::kStaff, 7));
    CANDOR_ASSERT_OK_AND_ASSIGN(const SessionId b, insert(2, SubjectKind::kStaff, 7));
    CANDOR_ASSERT_OK_AND_ASSIGN(const SessionId c, insert(3, SubjectKind::kMember, 7));
    EXPECT_NE(a, b);
    ASSERT_FALSE(insert(1, SubjectKind::kMember, 8).has_value());

    CANDOR_ASSERT_OK(store_->TouchSession(a, At(50)));
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto found, store_->FindSessionByTokenHash(DigestOf(1)));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, a);
    EXPECT_EQ(found->subject_kind, SubjectKind::kStaff);
    EXPECT_EQ(found->subject_id, 7);
    EXPECT_EQ(found->purpose, SessionPurpose::kTotpEnrolment);
    EXPECT_EQ(found->last_seen_at, At(50));
    EXPECT_EQ(found->expires_at, At(1000));
    EXPECT_FALSE(found->revoked_at.has_value());

    CANDOR_ASSERT_OK_AND_ASSIGN(const bool revoked, store_->RevokeSession(a, At(60)));
    EXPECT_TRUE(revoked);
    CANDOR_ASSERT_OK_AND_ASSIGN(const bool again, store_->RevokeSession(a, At(61)));
    EXPECT_FALSE(again);
    CANDOR_ASSERT_OK_AND_ASSIGN(const std::int64_t count,
                                store_->RevokeSessionsOf(SubjectKind::kStaff, 7, At(70)));
    EXPECT_EQ(count, 1);  // b only: a was already revoked, c is a member's
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto member_session,
                                store_->FindSessionByTokenHash(DigestOf(3)));
    ASSERT_TRUE(member_session.has_value());
    EXPECT_EQ(member_session->id, c);
    EXPECT_FALSE(member_session->revoked_at.has_value());
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto first, store_->FindSessionByTokenHash(DigestOf(1)));
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->revoked_at, std::optional<Timestamp>(At(60)));
}

// The access operations join a transaction like every other write: a rollback undoes them.
TEST_F(AccessStoreTest, RollbackUndoesAccessWrites) {
    CANDOR_ASSERT_OK(store_->Begin());
    MemberCredentialRow row{MemberId(5), DigestOf(9), SomeAuth()};
    CANDOR_ASSERT_OK(store_->InsertMemberCredentials(row));
    CANDOR_ASSERT_OK(store_->Rollback());
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto found, store_->FindMemberCredentials(MemberId(5)));
    EXPECT_FALSE(found.has_value());
}

// A file written by a schema-1 build opens, is migrated to the latest schema, and keeps its
// data.
TEST(AccessStoreMigrationTest, SchemaOneFileIsUpgradedOnOpen) {
    testkit::TempDir dir;
    const std::string path = dir.File("v1.db");
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        const std::string v1(sqlite::Migrations().at(0).content);
        const std::string script = v1 +
                                   ";PRAGMA application_id = 1130458724;PRAGMA user_version = 1;"
                                   "INSERT INTO members (id, public_id, created_at) "
                                   "VALUES (1, 'm_old', 0);";
        EXPECT_EQ(sqlite3_exec(db, script.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
            << sqlite3_errmsg(db);
        sqlite3_close(db);
    }
    EXPECT_GE(sqlite::LatestSchemaVersion(), 2);
    auto opened = Open(path);
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    auto& store = *opened.value();
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto member, store.FindMemberByPublicId("m_old"));
    EXPECT_TRUE(member.has_value());
    MemberCredentialRow row{MemberId(1), DigestOf(9), SomeAuth()};
    CANDOR_ASSERT_OK(store.InsertMemberCredentials(row));
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto keys, store.ListApiKeys(ApiKeyId(), 10));
    EXPECT_TRUE(keys.empty());
}

}  // namespace
}  // namespace candor::store
