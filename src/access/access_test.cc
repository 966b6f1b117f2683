// Unit tests for access/: API keys, staff logins with TOTP and recovery codes, member logins,
// lockout, sessions, and what reaches the database file. Every Argon2id hash or verify costs
// about 65 ms, so each test spends as few as its claim needs (under 40 in all).
#include "access/access.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "core/limits.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "testkit/testkit.h"

namespace candor::access {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::string_view kPassword = "correct horse battery staple";
constexpr std::string_view kEmail = "Ada.Lovelace@Example.org";

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

template <class R>
std::optional<ErrorCode> CodeOf(const R& result) {
    if (result.has_value()) {
        return std::nullopt;
    }
    return result.error().code;
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

crypto::PasswordHasher& Hasher() {
    // One per process, as in candord; concurrency 2 as limits::kPasswordHashesConcurrentMax.
    static crypto::PasswordHasher hasher(
        2);  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)
    return hasher;
}

AccessKeys TestKeys() {
    AccessKeys keys;
    for (std::size_t i = 0; i < keys.index_key.size(); ++i) {
        keys.index_key.at(i) = static_cast<std::uint8_t>(i * 7 + 1);
    }
    return keys;
}

class AccessTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(crypto::InitCrypto().has_value());
        db_path_ = dir_.File("candor.db");
        store_ = testkit::OpenStore(db_path_);
        access_ = std::make_unique<Access>(*store_, clock_, Hasher(), TestKeys(), Options());
    }

    virtual AccessOptions Options() const { return {}; }

    // The database as it sits on disk: the main file and its write-ahead log.
    std::string DatabaseBytes() const { return ReadFile(db_path_) + ReadFile(db_path_ + "-wal"); }

    std::int64_t UnixNow() const { return ToMicros(clock_.Now()) / 1'000'000; }

    MemberId AddMember(const std::string& public_id) {
        auto id = store_->NextMemberId();
        EXPECT_TRUE(id.has_value());
        EXPECT_TRUE(store_->InsertMember(store::MemberRow{*id, public_id, clock_.Now(), {}}));
        return *id;
    }

    // A staff member with TOTP confirmed (two Argon2id calls). Returns the TOTP secret.
    std::vector<std::uint8_t> EnrolStaff(Role role, std::vector<std::string>* recovery_codes) {
        auto created = access_->CreateStaff(kEmail, "Ada", kPassword, role);
        EXPECT_TRUE(created.has_value());
        auto session = access_->LoginStaff(kEmail, kPassword, "");
        EXPECT_TRUE(session.has_value());
        if (!session) {
            return {};
        }
        auto enrolment = access_->BeginTotpEnrolment(session->principal);
        EXPECT_TRUE(enrolment.has_value());
        auto secret = crypto::Base32Decode(enrolment->secret_base32);
        EXPECT_TRUE(secret.has_value());
        auto codes = access_->ConfirmTotp(session->principal, crypto::TotpCode(*secret, UnixNow()));
        EXPECT_TRUE(codes.has_value());
        if (codes) {
            *recovery_codes = *codes;
        }
        // Past the step the confirmation spent, so the next login has a fresh code.
        clock_.Advance(seconds(30));
        return *secret;
    }

    testkit::TempDir dir_;
    std::string db_path_;
    ManualClock clock_{testkit::TestEpoch()};
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<Access> access_;
};

// ---- API keys

// A key is ck_<12 hex>_<43 base64url>; it authenticates with its scopes and bindings; the
// secret is nowhere in the database file or the key list.
TEST_F(AccessTest, ApiKeyFormatPrincipalAndShownOnce) {
    CANDOR_ASSERT_OK_AND_ASSIGN(
        const CreatedApiKey key,
        access_->CreateApiKey(
            "till 17", {"members:read", "events:write", "events:write"}, "s-17", "pos", 600));
    EXPECT_TRUE(std::regex_match(key.token, std::regex("ck_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")))
        << key.token;
    EXPECT_EQ(key.token.substr(3, 12), key.public_id);
    const std::string secret = key.token.substr(16);

    CANDOR_ASSERT_OK_AND_ASSIGN(const ApiKeyPrincipal principal,
                                access_->AuthenticateApiKey(key.token));
    EXPECT_EQ(principal.id, key.id);
    EXPECT_EQ(principal.name, "till 17");
    EXPECT_EQ(principal.store_binding, "s-17");
    EXPECT_EQ(principal.channel_binding, "pos");
    EXPECT_EQ(principal.rate_per_minute, 600);
    EXPECT_EQ(principal.scopes, (std::vector<Scope>{Scope::kEventsWrite, Scope::kMembersRead}));
    EXPECT_TRUE(HasScope(principal, Scope::kEventsWrite));
    EXPECT_FALSE(HasScope(principal, Scope::kMembersWrite));

    const std::string bytes = DatabaseBytes();
    EXPECT_NE(bytes.find(key.public_id), std::string::npos);  // the search can find things
    EXPECT_EQ(bytes.find(secret), std::string::npos);
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto listed, access_->ListApiKeys(ApiKeyId(), 10));
    ASSERT_EQ(listed.size(), 1U);
    EXPECT_EQ(listed[0].key.public_id, key.public_id);
    EXPECT_EQ(listed[0].key.name.find(secret), std::string::npos);
}

// Scopes are a closed set: an unknown one is refused by name, and so is an empty list.
TEST_F(AccessTest, ApiKeyScopesAreValidated) {
    auto unknown = access_->CreateApiKey("k", {"events:write", "points:mint"}, "", "", 0);
    ASSERT_EQ(CodeOf(unknown), ErrorCode::kInvalidArgument);
    EXPECT_NE(unknown.error().message.find("points:mint"), std::string::npos);
    EXPECT_EQ(CodeOf(access_->CreateApiKey("k", {}, "", "", 0)), ErrorCode::kInvalidArgument);
    EXPECT_EQ(CodeOf(access_->CreateApiKey("k", {"admin"}, "s 17", "", 0)),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(CodeOf(access_->CreateApiKey("k", {"admin"}, "", "", -1)),
              ErrorCode::kInvalidArgument);
    for (const Scope scope : kAllScopes) {
        CANDOR_ASSERT_OK_AND_ASSIGN(const Scope parsed, ParseScope(ScopeName(scope)));
        EXPECT_EQ(parsed, scope);
    }
}

// Wrong secrets, unknown ids, malformed tokens and revoked keys all fail alike.
TEST_F(AccessTest, ApiKeyWrongSecretUnknownMalformedAndRevokedAreRefusedAlike) {
    CANDOR_ASSERT_OK_AND_ASSIGN(const CreatedApiKey key,
                                access_->CreateApiKey("admin key", {"admin"}, "", "", 0));
    std::string wrong_secret = key.token;
    wrong_secret.back() = wrong_secret.back() == 'A' ? 'B' : 'A';
    std::string unknown_id = key.token;
    unknown_id[3] = unknown_id[3] == '0' ? '1' : '0';
    auto wrong = access_->AuthenticateApiKey(wrong_secret);
    ASSERT_EQ(CodeOf(wrong), ErrorCode::kUnauthenticated);
    for (const std::string& token : {unknown_id,
                                     std::string(),
                                     std::string("ck_abc"),
                                     key.token + "x",
                                     "Bearer " + key.token}) {
        auto refused = access_->AuthenticateApiKey(token);
        ASSERT_EQ(CodeOf(refused), ErrorCode::kUnauthenticated) << token;
        EXPECT_EQ(refused.error().message, wrong.error().message);
    }

    CANDOR_ASSERT_OK_AND_ASSIGN(const ApiKeyPrincipal admin,
                                access_->AuthenticateApiKey(key.token));
    for (const Scope scope : kAllScopes) {
        EXPECT_TRUE(HasScope(admin, scope));
    }
    CANDOR_ASSERT_OK(access_->RevokeApiKey(key.public_id));
    auto revoked = access_->AuthenticateApiKey(key.token);
    ASSERT_EQ(CodeOf(revoked), ErrorCode::kUnauthenticated);
    EXPECT_EQ(revoked.error().message, wrong.error().message);
    EXPECT_EQ(CodeOf(access_->RevokeApiKey(key.public_id)), ErrorCode::kUnknownApiKey);
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto listed, access_->ListApiKeys(ApiKeyId(), 10));
    ASSERT_EQ(listed.size(), 1U);
    EXPECT_TRUE(listed[0].revoked_at.has_value());
}

// Last use is written at most once a minute, not on every request.
TEST_F(AccessTest, ApiKeyLastUseIsRecordedAtMostOncePerMinute) {
    CANDOR_ASSERT_OK_AND_ASSIGN(const CreatedApiKey key,
                                access_->CreateApiKey("k", {"events:write"}, "", "", 0));
    const Timestamp first = clock_.Now();
    CANDOR_ASSERT_OK(access_->AuthenticateApiKey(key.token));
    clock_.Advance(seconds(30));
    CANDOR_ASSERT_OK(access_->AuthenticateApiKey(key.token));
    CANDOR_ASSERT_OK_AND_ASSIGN(auto listed, access_->ListApiKeys(ApiKeyId(), 10));
    EXPECT_EQ(listed.at(0).last_used_at, std::optional<Timestamp>(first));
    clock_.Advance(seconds(31));
    CANDOR_ASSERT_OK(access_->AuthenticateApiKey(key.token));
    CANDOR_ASSERT_OK_AND_ASSIGN(listed, access_->ListApiKeys(ApiKeyId(), 10));
    EXPECT_EQ(listed.at(0).last_used_at, std::optional<Timestamp>(clock_.Now()));
}

// ---- Roles

// The documented role table: admin everything, the others exactly their scopes.
TEST(RoleTest, RoleScopeTableMatchesTheDocumentation) {
    for (const Scope scope : kAllScopes) {
        EXPECT_TRUE(RoleHasScope(Role::kAdmin, scope));
    }
    EXPECT_TRUE(RoleHasScope(Role::kManager, Scope::kProgramWrite));
    EXPECT_TRUE(RoleHasScope(Role::kManager, Scope::kMembersRead));
    EXPECT_FALSE(RoleHasScope(Role::kManager, Scope::kAdmin));
    EXPECT_TRUE(RoleHasScope(Role::kAnalyst, Scope::kAnalyticsRead));
    EXPECT_FALSE(RoleHasScope(Role::kAnalyst, Scope::kMembersRead));
    EXPECT_TRUE(RoleHasScope(Role::kSupport, Scope::kMembersWrite));
    EXPECT_FALSE(RoleHasScope(Role::kSupport, Scope::kRedemptionsWrite));
    EXPECT_TRUE(RoleHasScope(Role::kRisk, Scope::kRedemptionsWrite));
    EXPECT_FALSE(RoleHasScope(Role::kRisk, Scope::kEventsWrite));
    for (const Role role :
         {Role::kAdmin, Role::kManager, Role::kAnalyst, Role::kSupport, Role::kRisk}) {
        CANDOR_ASSERT_OK_AND_ASSIGN(const Role parsed, ParseRole(RoleName(role)));
        EXPECT_EQ(parsed, role);
    }
    EXPECT_EQ(CodeOf(ParseRole("root")), ErrorCode::kInvalidArgument);
}

// ---- Staff

// A new staff member gets only an enrolment session; after TOTP is confirmed a login needs a
// code; a code is accepted once, one step either side is accepted, two steps are not. The
// password and email never reach the database file.
TEST_F(AccessTest, StaffTotpIsRequiredAndCodesAreSingleUse) {
    CANDOR_ASSERT_OK(access_->CreateStaff(kEmail, "Ada", kPassword, Role::kManager));
    CANDOR_ASSERT_OK_AND_ASSIGN(const Session enrolment,
                                access_->LoginStaff(kEmail, kPassword, "123456"));
    EXPECT_TRUE(enrolment.principal.is_enrolment_only);
    EXPECT_FALSE(HasScope(enrolment.principal, Scope::kMembersRead));
    EXPECT_EQ(CodeOf(access_->ChangePassword(enrolment.principal, kPassword, "another password")),
              ErrorCode::kForbidden);

    CANDOR_ASSERT_OK_AND_ASSIGN(const TotpEnrolment totp,
                                access_->BeginTotpEnrolment(enrolment.principal));
    EXPECT_TRUE(totp.otpauth_uri.starts_with("otpauth://totp/Candor:Ada?secret="));
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto secret, crypto::Base32Decode(totp.secret_base32));
    EXPECT_EQ(CodeOf(access_->ConfirmTotp(enrolment.principal, "000000")),
              ErrorCode::kUnauthenticated);
    CANDOR_ASSERT_OK_AND_ASSIGN(
        const auto codes,
        access_->ConfirmTotp(enrolment.principal, crypto::TotpCode(secret, UnixNow())));
    EXPECT_EQ(codes.size(), limits::kRecoveryCodesCount);
    EXPECT_EQ(CodeOf(access_->Authenticate(enrolment.token)), ErrorCode::kUnauthenticated);

    clock_.Advance(seconds(30));
    EXPECT_EQ(CodeOf(access_->LoginStaff(kEmail, kPassword, "")), ErrorCode::kTotpRequired);
    const std::string code = crypto::TotpCode(secret, UnixNow());
    CANDOR_ASSERT_OK_AND_ASSIGN(const Session session,
                                access_->LoginStaff(" ada.lovelace@EXAMPLE.org", kPassword, code));
    EXPECT_FALSE(session.principal.is_enrolment_only);
    EXPECT_EQ(session.principal.role, std::optional<Role>(Role::kManager));
    EXPECT_TRUE(HasScope(session.principal, Scope::kProgramWrite));
    EXPECT_FALSE(HasScope(session.principal, Scope::kAnalyticsRead));
    EXPECT_EQ(CodeOf(access_->LoginStaff(kEmail, kPassword, code)), ErrorCode::kUnauthenticated);

    // Two steps on, the previous step (-1) is accepted, then the next (+1), never +2.
    clock_.Advance(seconds(60));
    CANDOR_ASSERT_OK(
        access_->LoginStaff(kEmail, kPassword, crypto::TotpCode(secret, UnixNow() - 30)));
    CANDOR_ASSERT_OK(
        access_->LoginStaff(kEmail, kPassword, crypto::TotpCode(secret, UnixNow() + 30)));
    EXPECT_EQ(
        CodeOf(access_->LoginStaff(kEmail, kPassword, crypto::TotpCode(secret, UnixNow() + 60))),
        ErrorCode::kUnauthenticated);

    const std::string bytes = DatabaseBytes();
    EXPECT_EQ(bytes.find(kPassword), std::string::npos);
    EXPECT_EQ(bytes.find("ada.lovelace"), std::string::npos);
    EXPECT_EQ(bytes.find("Ada.Lovelace"), std::string::npos);
    EXPECT_EQ(bytes.find(session.token), std::string::npos);
}

// A recovery code logs in once, typed in any case with or without dashes; never twice.
TEST_F(AccessTest, StaffRecoveryCodesAreSingleUse) {
    std::vector<std::string> codes;
    EnrolStaff(Role::kSupport, &codes);
    ASSERT_EQ(codes.size(), limits::kRecoveryCodesCount);
    EXPECT_TRUE(std::regex_match(codes[0], std::regex("[a-z2-7]{4}(-[a-z2-7]{4}){3}")));
    std::string typed;
    for (const char c : codes[0]) {
        if (c != '-') {
            typed.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
        }
    }
    CANDOR_ASSERT_OK(access_->LoginStaff(kEmail, kPassword, typed));
    EXPECT_EQ(CodeOf(access_->LoginStaff(kEmail, kPassword, codes[0])),
              ErrorCode::kUnauthenticated);
    EXPECT_EQ(DatabaseBytes().find(codes[2]), std::string::npos);
}

// Five failures lock the account for 15 minutes, even against the right password; afterwards
// the right password works again.
TEST_F(AccessTest, StaffLockoutAfterFiveFailuresAndUnlockAfterLockout) {
    CANDOR_ASSERT_OK(access_->CreateStaff(kEmail, "", kPassword, Role::kAdmin));
    for (std::int64_t i = 0; i < limits::kLoginFailuresMax; ++i) {
        EXPECT_EQ(CodeOf(access_->LoginStaff(kEmail, "wrong password", "")),
                  ErrorCode::kUnauthenticated);
    }
    auto locked = access_->LoginStaff(kEmail, kPassword, "");
    ASSERT_EQ(CodeOf(locked), ErrorCode::kLocked);
    EXPECT_EQ(Describe(ErrorCode::kLocked).http_status, 429);
    clock_.Advance(std::chrono::milliseconds(limits::kLoginLockoutMs) - seconds(1));
    EXPECT_EQ(CodeOf(access_->LoginStaff(kEmail, kPassword, "")), ErrorCode::kLocked);
    clock_.Advance(seconds(1));
    CANDOR_ASSERT_OK(access_->LoginStaff(kEmail, kPassword, ""));
}

// An unknown email and a wrong password give the same code and message (no enumeration).
TEST_F(AccessTest, UnknownEmailAndWrongPasswordAreIndistinguishable) {
    CANDOR_ASSERT_OK(access_->CreateStaff(kEmail, "Ada", kPassword, Role::kAnalyst));
    auto wrong_password = access_->LoginStaff(kEmail, "not the password", "");
    auto unknown_email = access_->LoginStaff("nobody@example.org", kPassword, "");
    ASSERT_EQ(CodeOf(wrong_password), ErrorCode::kUnauthenticated);
    ASSERT_EQ(CodeOf(unknown_email), ErrorCode::kUnauthenticated);
    EXPECT_EQ(wrong_password.error().message, unknown_email.error().message);
    EXPECT_EQ(CodeOf(access_->CreateStaff("ADA.lovelace@example.org", "", kPassword, Role::kRisk)),
              ErrorCode::kAlreadyExists);
}

// ---- Members

// Members log in by email in any case or by phone in any spelling; neither is in the file;
// TOTP is optional for them.
TEST_F(AccessTest, MemberLoginByEmailAndPhone) {
    const MemberId alice = AddMember("m_alice");
    const MemberId boris = AddMember("m_boris");
    CANDOR_ASSERT_OK(access_->EnrolCredentials(alice, " Alice@Example.COM ", kPassword));
    CANDOR_ASSERT_OK(access_->EnrolCredentials(boris, "+7 (912) 345-67-89", kPassword));
    CANDOR_ASSERT_OK_AND_ASSIGN(const Session by_email,
                                access_->LoginMember("alice@example.com", kPassword, ""));
    EXPECT_EQ(by_email.principal.kind, SubjectKind::kMember);
    EXPECT_EQ(by_email.principal.member, alice);
    EXPECT_FALSE(HasScope(by_email.principal, Scope::kMembersRead));
    CANDOR_ASSERT_OK_AND_ASSIGN(const Session by_phone,
                                access_->LoginMember("+79123456789", kPassword, ""));
    EXPECT_EQ(by_phone.principal.member, boris);
    EXPECT_EQ(CodeOf(access_->EnrolCredentials(MemberId(999), "x@example.org", kPassword)),
              ErrorCode::kUnknownMember);
    EXPECT_EQ(CodeOf(access_->EnrolCredentials(alice, "not a login", kPassword)),
              ErrorCode::kInvalidArgument);

    const std::string bytes = DatabaseBytes();
    for (const char* plain : {"alice@example.com", "Alice@Example", "79123456789", "912"}) {
        EXPECT_EQ(bytes.find(plain), std::string::npos) << plain;
    }

    // TOTP is optional for members: once turned on, the session stays and logins need a code.
    CANDOR_ASSERT_OK_AND_ASSIGN(const TotpEnrolment totp,
                                access_->BeginTotpEnrolment(by_email.principal));
    CANDOR_ASSERT_OK_AND_ASSIGN(const auto secret, crypto::Base32Decode(totp.secret_base32));
    CANDOR_ASSERT_OK_AND_ASSIGN(
        const auto codes,
        access_->ConfirmTotp(by_email.principal, crypto::TotpCode(secret, UnixNow())));
    EXPECT_TRUE(codes.empty());
    CANDOR_ASSERT_OK(access_->Authenticate(by_email.token));
    clock_.Advance(seconds(30));
    EXPECT_EQ(CodeOf(access_->LoginMember("alice@example.com", kPassword, "")),
              ErrorCode::kTotpRequired);
    CANDOR_ASSERT_OK(
        access_->LoginMember("alice@example.com", kPassword, crypto::TotpCode(secret, UnixNow())));
}

// ---- Sessions

class ShortSessionTest : public AccessTest {
protected:
    AccessOptions Options() const override {
        AccessOptions options;
        options.member_session_lifetime = std::chrono::hours(1);
        return options;
    }
};

// A session ends after 30 idle minutes, and after its lifetime however active it is; a
// logged-out token is refused.
TEST_F(ShortSessionTest, IdleAndAbsoluteExpiryAndLogout) {
    const MemberId member = AddMember("m_sessions");
    CANDOR_ASSERT_OK(access_->EnrolCredentials(member, "s@example.org", kPassword));

    CANDOR_ASSERT_OK_AND_ASSIGN(const Session idle,
                                access_->LoginMember("s@example.org", kPassword, ""));
    CANDOR_ASSERT_OK_AND_ASSIGN(const Session active,
                                access_->LoginMember("s@example.org", kPassword, ""));
    EXPECT_NE(idle.token, active.token);

    for (int i = 0; i < 2; ++i) {
        clock_.Advance(minutes(20));
        CANDOR_ASSERT_OK(access_->Authenticate(active.token));
    }
    EXPECT_EQ(CodeOf(access_->Authenticate(idle.token)), ErrorCode::kUnauthenticated);
    clock_.Advance(minutes(19));
    CANDOR_ASSERT_OK(access_->Authenticate(active.token));
    clock_.Advance(minutes(1));  // an hour after login
    EXPECT_EQ(CodeOf(access_->Authenticate(active.token)), ErrorCode::kUnauthenticated);

    CANDOR_ASSERT_OK_AND_ASSIGN(const Session fresh,
                                access_->LoginMember("s@example.org", kPassword, ""));
    CANDOR_ASSERT_OK(access_->Logout(fresh.token));
    EXPECT_EQ(CodeOf(access_->Authenticate(fresh.token)), ErrorCode::kUnauthenticated);
    EXPECT_EQ(CodeOf(access_->Logout(fresh.token)), ErrorCode::kUnauthenticated);
}

// Changing the password ends every session of the member; the old password stops working.
TEST_F(AccessTest, PasswordChangeRevokesAllSessions) {
    const MemberId member = AddMember("m_change");
    CANDOR_ASSERT_OK(access_->EnrolCredentials(member, "c@example.org", kPassword));
    CANDOR_ASSERT_OK_AND_ASSIGN(const Session first,
                                access_->LoginMember("c@example.org", kPassword, ""));
    CANDOR_ASSERT_OK_AND_ASSIGN(const Session second,
                                access_->LoginMember("c@example.org", kPassword, ""));
    EXPECT_EQ(CodeOf(access_->ChangePassword(first.principal, kPassword, "short")),
              ErrorCode::kInvalidArgument);
    CANDOR_ASSERT_OK(access_->ChangePassword(first.principal, kPassword, "a new passphrase"));
    EXPECT_EQ(CodeOf(access_->Authenticate(first.token)), ErrorCode::kUnauthenticated);
    EXPECT_EQ(CodeOf(access_->Authenticate(second.token)), ErrorCode::kUnauthenticated);
    EXPECT_EQ(CodeOf(access_->LoginMember("c@example.org", kPassword, "")),
              ErrorCode::kUnauthenticated);
    CANDOR_ASSERT_OK(access_->LoginMember("c@example.org", "a new passphrase", ""));
}

// Logins are normalized: trimmed, emails lower-cased, phones to + and digits.
TEST(NormalizeLoginTest, EmailsAndPhones) {
    EXPECT_EQ(NormalizeLogin("  Bob@Example.ORG\t").value(), "bob@example.org");
    EXPECT_EQ(NormalizeLogin("+7 (912) 345-67-89").value(), "+79123456789");
    EXPECT_EQ(NormalizeLogin("7.912.345.67.89").value(), "+79123456789");
    EXPECT_EQ(CodeOf(NormalizeLogin("")), ErrorCode::kInvalidArgument);
    EXPECT_EQ(CodeOf(NormalizeLogin("a@b@c")), ErrorCode::kInvalidArgument);
    EXPECT_EQ(CodeOf(NormalizeLogin("@example.org")), ErrorCode::kInvalidArgument);
    EXPECT_EQ(CodeOf(NormalizeLogin("12345")), ErrorCode::kInvalidArgument);
    EXPECT_EQ(CodeOf(NormalizeLogin("+7 912 abc")), ErrorCode::kInvalidArgument);
    EXPECT_EQ(CodeOf(NormalizeLogin(std::string(300, 'a') + "@x.org")),
              ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace candor::access

namespace candor::access {
namespace {

class AccessStaffAdminTest : public AccessTest {};

TEST_F(AccessStaffAdminTest, DisabledStaffCannotLogInAndLoseTheirSessions) {
    // Proves DisableStaff ends a live session at once, makes the right password and code answer
    // the one unauthenticated message, shows in ListStaff and FindStaff, and cannot be done twice.
    std::vector<std::string> codes;
    const std::vector<std::uint8_t> secret = EnrolStaff(Role::kSupport, &codes);
    auto session = access_->LoginStaff(kEmail, kPassword, crypto::TotpCode(secret, UnixNow()));
    ASSERT_TRUE(session.has_value());
    auto staff = access_->ListStaff(StaffId(), 10);
    ASSERT_TRUE(staff.has_value());
    ASSERT_EQ(staff->size(), 1U);
    EXPECT_EQ((*staff)[0].role, Role::kSupport);
    EXPECT_TRUE((*staff)[0].is_totp_enrolled);
    EXPECT_FALSE((*staff)[0].disabled_at.has_value());
    const StaffId id = (*staff)[0].id;

    ASSERT_TRUE(access_->ChangeRole(id, Role::kRisk).has_value());
    auto principal = access_->Authenticate(session->token);
    ASSERT_TRUE(principal.has_value());
    EXPECT_EQ(principal->role, std::optional<Role>(Role::kRisk));

    ASSERT_TRUE(access_->DisableStaff(id).has_value());
    EXPECT_EQ(CodeOf(access_->Authenticate(session->token)), ErrorCode::kUnauthenticated);
    clock_.Advance(seconds(30));
    EXPECT_EQ(CodeOf(access_->LoginStaff(kEmail, kPassword, crypto::TotpCode(secret, UnixNow()))),
              ErrorCode::kUnauthenticated);
    EXPECT_EQ(CodeOf(access_->DisableStaff(id)), ErrorCode::kUnknownStaff);
    EXPECT_EQ(CodeOf(access_->ChangeRole(id, Role::kAdmin)), ErrorCode::kUnknownStaff);
    EXPECT_EQ(CodeOf(access_->DisableStaff(StaffId(404))), ErrorCode::kUnknownStaff);
    staff = access_->ListStaff(StaffId(), 10);
    ASSERT_TRUE(staff.has_value());
    EXPECT_EQ((*staff)[0].disabled_at, std::optional<Timestamp>(clock_.Now() - seconds(30)));
    const auto found = access_->FindStaff(id);
    ASSERT_TRUE(found.has_value() && found->has_value());
    EXPECT_EQ((*found)->role, Role::kRisk);
    EXPECT_EQ((*found)->disabled_at, (*staff)[0].disabled_at);
    const auto unknown = access_->FindStaff(StaffId(404));
    ASSERT_TRUE(unknown.has_value());
    EXPECT_FALSE(unknown->has_value());
}

TEST_F(AccessStaffAdminTest, AuditRowsCommitWithTheirActionOrNotAtAll) {
    // Proves an action's audit row is written in the action's transaction: a created key's row
    // names the new key; a failed action (unknown key) writes no row; and a row the store
    // refuses (an actor kind outside the CHECK) undoes its action (the key stays live).
    AuditRow audit;
    audit.actor_kind = "staff";
    audit.actor_id = "1";
    audit.action = "key.create";
    audit.request_id = "req-2";
    auto created = access_->CreateApiKey("till", {"events:write"}, "", "", 0, audit);
    ASSERT_TRUE(created.has_value());
    audit.action = "key.revoke";
    EXPECT_EQ(CodeOf(access_->RevokeApiKey("000000000000", audit)), ErrorCode::kUnknownApiKey);
    EXPECT_EQ(CodeOf(access_->DisableStaff(StaffId(404), audit)), ErrorCode::kUnknownStaff);
    AuditRow refused = audit;
    refused.actor_kind = "robot";
    EXPECT_FALSE(access_->RevokeApiKey(created->public_id, refused).has_value());
    EXPECT_TRUE(access_->AuthenticateApiKey(created->token).has_value());
    auto rows = access_->ListAudit(0, 10);
    ASSERT_TRUE(rows.has_value());
    ASSERT_EQ(rows->size(), 1U);
    EXPECT_EQ((*rows)[0].action, "key.create");
    EXPECT_EQ((*rows)[0].target, created->public_id);
    EXPECT_EQ((*rows)[0].at, clock_.Now());
}

TEST_F(AccessStaffAdminTest, AuditRowsAreStampedWithTheClock) {
    // Proves RecordAudit stamps the row with the Clock's time and ListAudit pages newest first.
    AuditRow row;
    row.actor_kind = "key";
    row.actor_id = "0123456789ab";
    row.action = "key.create";
    row.target = "ba9876543210";
    row.request_id = "req-1";
    ASSERT_TRUE(access_->RecordAudit(row).has_value());
    clock_.Advance(seconds(5));
    row.action = "key.revoke";
    ASSERT_TRUE(access_->RecordAudit(row).has_value());
    auto rows = access_->ListAudit(0, 10);
    ASSERT_TRUE(rows.has_value());
    ASSERT_EQ(rows->size(), 2U);
    EXPECT_EQ((*rows)[0].action, "key.revoke");
    EXPECT_EQ((*rows)[0].at, clock_.Now());
    EXPECT_EQ((*rows)[1].at, clock_.Now() - seconds(5));
    auto older = access_->ListAudit((*rows)[0].id, 10);
    ASSERT_TRUE(older.has_value());
    ASSERT_EQ(older->size(), 1U);
    EXPECT_EQ((*older)[0].action, "key.create");
}

}  // namespace
}  // namespace candor::access
