// Identity and access: who is calling, and what they may do.
//
// What it offers: API keys for tills and partners (`ck_<public id>_<secret>`, shown once,
// stored as a digest, with scopes, an optional store and channel binding, a rate and
// revocation); staff accounts with a role, an Argon2id password and a required TOTP second
// factor with single-use recovery codes; member credentials (email or phone and password, TOTP
// optional); login throttling with a temporary lockout; opaque session tokens, stored as
// digests, with idle and absolute expiry; and the scope and role tables the HTTP layer uses to
// authorize a call. See docs/access.md.
//
// What it never does: HTTP (cookies, headers, Retry-After are the api's), rate counting (the
// api counts requests against ApiKeyPrincipal::rate_per_minute), or storing an email, phone,
// password, secret or token as given: emails and phones are kept only as keyed HMAC blind
// indexes (AccessKeys::index_key), so the database alone cannot tell who has an account.
//
// Errors: kUnauthenticated for any failed credential check, with one message per kind of
// credential whatever the cause (unknown account, wrong password, wrong code, revoked key or
// session), so answers never reveal which accounts exist; kTotpRequired when the password was
// right and a code is needed; kLocked after limits::kLoginFailuresMax failures in a row, until
// limits::kLoginLockoutMs have passed; kInvalidArgument for malformed input, naming the field;
// kAlreadyExists for a taken email, phone or member; kForbidden for a call the principal may not
// make; kUnknownStaff for a staff id that names no (enabled) account; kStorage from the store.
//
// Thread-safety: an Access is used by one thread at a time, like the store::Store it is given.
// Each call that writes runs its own store transaction: REQUIRES no transaction is open on the
// store when a call begins. Password hashing happens outside transactions, so a login never
// holds the database's write lock for the ~0.1 s an Argon2id hash takes.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/result.h"
#include "crypto/crypto.h"
#include "store/store.h"

namespace candor::access {

// ---- Scopes and roles

// What a credential may do. A closed set; the names are a public contract.
enum class Scope : std::uint8_t {
    kEventsWrite,       // "events:write": send purchases, refunds and other events
    kMembersRead,       // "members:read": read members, balances and history
    kMembersWrite,      // "members:write": enrol and update members
    kRedemptionsWrite,  // "redemptions:write": holds, captures, voids, reversals
    kProgramWrite,      // "program:write": edit and publish the program
    kAnalyticsRead,     // "analytics:read": KPIs, segments, exports
    kAdmin,             // "admin": everything, including keys and staff
};

inline constexpr std::array kAllScopes = {Scope::kEventsWrite,
                                          Scope::kMembersRead,
                                          Scope::kMembersWrite,
                                          Scope::kRedemptionsWrite,
                                          Scope::kProgramWrite,
                                          Scope::kAnalyticsRead,
                                          Scope::kAdmin};

std::string_view ScopeName(Scope scope);

// The scope named `name` exactly; kInvalidArgument naming it when there is none.
Result<Scope> ParseScope(std::string_view name);

// Staff roles. The role → scope table, which RoleHasScope implements:
//
//   | role    | scopes                                                  |
//   | ------- | ------------------------------------------------------- |
//   | admin   | every scope (admin implies all of them)                 |
//   | manager | program:write, members:read                             |
//   | analyst | analytics:read                                          |
//   | support | members:read, members:write                             |
//   | risk    | redemptions:write, members:read                         |
//
// events:write belongs to tills and platforms (API keys); only admin staff have it.
enum class Role : std::uint8_t { kAdmin = 1, kManager = 2, kAnalyst = 3, kSupport = 4, kRisk = 5 };

std::string_view RoleName(Role role);

// The role named `name` ("admin", "manager", ...); kInvalidArgument naming it when none is.
Result<Role> ParseRole(std::string_view name);

bool RoleHasScope(Role role, Scope scope);

// ---- Logins and blind indexes

// A login as Candor keeps it: trimmed; an email (anything with '@') lower-cased; a phone reduced
// to '+' and its digits (spaces, dashes, dots and brackets dropped; 7 to 15 digits, E.164; the
// digits are taken as an international number, no national prefix is guessed).
// kInvalidArgument for anything else.
Result<std::string> NormalizeLogin(std::string_view login);

// Keys the caller provides (later from the key file). Losing index_key makes every login
// unfindable; leaking it lets an attacker with the database test guessed emails and phones.
struct AccessKeys {
    std::array<std::uint8_t, 32> index_key{};
};

struct AccessOptions {
    // A session unused for this long ends. Activity is recorded at most once per
    // touch_interval, so a session may end up to that much sooner after its last use.
    Duration session_idle_timeout = std::chrono::minutes(30);
    // A session ends this long after login however active it is.
    Duration staff_session_lifetime = std::chrono::hours(12);
    Duration member_session_lifetime = std::chrono::hours(24 * 30);
    // The one-time session a staff member without TOTP gets to enrol it.
    Duration enrolment_session_lifetime = std::chrono::minutes(10);
    // Last-use times of keys and sessions are written at most this often.
    Duration touch_interval = std::chrono::minutes(1);
    // Shown by authenticator apps next to the account.
    std::string totp_issuer = "Candor";
};

// ---- Results

struct CreatedApiKey {
    ApiKeyId id;
    std::string public_id;
    std::string token;  // "ck_<public_id>_<secret>": shown once, never stored or recoverable
};

// The caller behind a valid API key.
struct ApiKeyPrincipal {
    ApiKeyId id;
    std::string public_id;
    std::string name;
    std::vector<Scope> scopes;    // as granted, in kAllScopes order
    std::string store_binding;    // "" when the key may act for any store
    std::string channel_binding;  // "" when the key may act for any channel
    std::int64_t rate_per_minute = 0;
};

// A key as ListApiKeys shows it: everything but the secret, which is not kept.
struct ApiKeyInfo {
    ApiKeyPrincipal key;
    Timestamp created_at;
    std::optional<Timestamp> revoked_at;
    std::optional<Timestamp> last_used_at;
};

using SubjectKind = store::SubjectKind;

// The person behind a valid session.
struct Principal {
    SubjectKind kind = SubjectKind::kMember;
    StaffId staff;             // set when kind is kStaff
    MemberId member;           // set when kind is kMember
    std::optional<Role> role;  // staff only, read from the account at each Authenticate
    SessionId session;
    // A staff member's one-time session to enrol TOTP: it allows BeginTotpEnrolment and
    // ConfirmTotp and nothing else (HasScope is false for every scope).
    bool is_enrolment_only = false;
    Timestamp expires_at;  // the absolute end of the session
};

struct Session {
    std::string token;  // opaque; shown once; send as a cookie or bearer token
    Principal principal;
};

struct TotpEnrolment {
    std::string secret_base32;  // for typing into an authenticator
    std::string otpauth_uri;    // for a QR code; contains the secret
};

// A staff account as ListStaff shows it: no email (not kept), no password or TOTP secret.
struct StaffInfo {
    StaffId id;
    std::string display_name;
    Role role = Role::kAdmin;
    bool is_totp_enrolled = false;
    Timestamp created_at;
    std::optional<Timestamp> disabled_at;
};

using AuditRow = store::AuditRow;

// ---- Authorization helpers

// True when the key was granted `scope`, or was granted admin.
bool HasScope(const ApiKeyPrincipal& key, Scope scope);

// True when a staff principal's role has `scope` (RoleHasScope). Always false for members (a
// member reaches only their own data, which the api checks by id) and for enrolment sessions.
bool HasScope(const Principal& principal, Scope scope);

// ---- Access

class Access {
public:
    // All references must outlive the Access.
    Access(store::Store& store,
           const Clock& clock,
           crypto::PasswordHasher& hasher,
           AccessKeys keys,
           AccessOptions options = {});

    // -- API keys

    // Creates a key. `scopes` are names ("events:write"), at least one; `store_binding` and
    // `channel_binding` may be empty (any); 0 <= rate_per_minute <= kApiKeyRatePerMinuteMax
    // (0: no limit of its own). kInvalidArgument naming an unknown scope or a bad field.
    // `audit`, when given, is written in the key's transaction with the key's public id as its
    // target (see RecordAudit); so are the audit rows of the calls below.
    Result<CreatedApiKey> CreateApiKey(std::string_view name,
                                       const std::vector<std::string>& scopes,
                                       std::string_view store_binding,
                                       std::string_view channel_binding,
                                       std::int64_t rate_per_minute,
                                       std::optional<AuditRow> audit = std::nullopt);

    // The key `token` belongs to. kUnauthenticated, with one message, when the token is
    // malformed, unknown, revoked or has the wrong secret. Records the last use at most once per
    // AccessOptions::touch_interval.
    Result<ApiKeyPrincipal> AuthenticateApiKey(std::string_view token);

    // Revokes a key at once. kUnknownApiKey for an unknown or already revoked public id.
    Status RevokeApiKey(std::string_view public_id, std::optional<AuditRow> audit = std::nullopt);

    // A page of keys, revoked ones too, oldest first: at most `limit` keys with ids above
    // `after` (unset: from the first). Never returns secrets (none are kept).
    Result<std::vector<ApiKeyInfo>> ListApiKeys(ApiKeyId after, std::size_t limit);

    // -- Staff

    // Creates a staff account; TOTP is enrolled at the first login. kAlreadyExists when the
    // email is taken; kInvalidArgument for a bad email or password. `audit` gets the new id as
    // its target.
    Result<StaffId> CreateStaff(std::string_view email,
                                std::string_view display_name,
                                std::string_view password,
                                Role role,
                                std::optional<AuditRow> audit = std::nullopt);

    // Logs a staff member in. `code` is a 6-digit TOTP code or a recovery code.
    // - no TOTP confirmed yet: a one-time enrolment session (is_enrolment_only), whatever `code`;
    // - TOTP confirmed and `code` empty: kTotpRequired;
    // - otherwise a full session, the code (or recovery code) being spent.
    // kUnauthenticated for a wrong email, password or code, alike; kLocked while locked.
    Result<Session> LoginStaff(std::string_view email,
                               std::string_view password,
                               std::string_view code);

    // A page of staff accounts, disabled ones too, oldest first: at most `limit` accounts with
    // ids above `after` (unset: from the first).
    Result<std::vector<StaffInfo>> ListStaff(StaffId after, std::size_t limit);

    // One staff account as ListStaff shows it, disabled or not; std::nullopt when unknown.
    Result<std::optional<StaffInfo>> FindStaff(StaffId staff);

    // Disables an account for good and ends its sessions: its logins and sessions answer
    // kUnauthenticated like a wrong password. kUnknownStaff for an unknown or already disabled
    // account.
    Status DisableStaff(StaffId staff, std::optional<AuditRow> audit = std::nullopt);

    // Gives an account another role; live sessions have it at their next request.
    // kUnknownStaff for an unknown account.
    Status ChangeRole(StaffId staff, Role role, std::optional<AuditRow> audit = std::nullopt);

    // -- Members

    // Gives an existing member a login (email or phone) and password. kUnknownMember,
    // kAlreadyExists when the member has credentials or the login is taken, kInvalidArgument.
    Status EnrolCredentials(MemberId member, std::string_view login, std::string_view password);

    // Logs a member in; `code` is needed only once the member has confirmed TOTP
    // (kTotpRequired when it is missing). Errors as LoginStaff.
    Result<Session> LoginMember(std::string_view login,
                                std::string_view password,
                                std::string_view code);

    // -- TOTP (staff and members)

    // Starts (or restarts, until confirmed) TOTP enrolment for the principal: a fresh secret.
    // kAlreadyExists once TOTP is confirmed.
    Result<TotpEnrolment> BeginTotpEnrolment(const Principal& principal);

    // Confirms enrolment with a code from the authenticator. For staff, returns
    // limits::kRecoveryCodesCount recovery codes, shown once, and ends every session of the
    // staff member (the enrolment session included): the next login needs a code. Members get
    // no recovery codes and keep their sessions. kUnauthenticated for a wrong code,
    // kInvalidArgument when enrolment was not begun, kAlreadyExists when already confirmed.
    Result<std::vector<std::string>> ConfirmTotp(const Principal& principal, std::string_view code);

    // -- Sessions

    // The principal of a session token. kUnauthenticated, with one message, when the token is
    // unknown, revoked (logout, password change), idle too long or past its lifetime.
    Result<Principal> Authenticate(std::string_view token);

    // Ends the session. kUnauthenticated when the token is not a live session.
    Status Logout(std::string_view token);

    // Changes the principal's password after checking the current one, and ends every session
    // of the subject. kUnauthenticated for a wrong current password (counted as a failed
    // login); kInvalidArgument for a bad new one; kForbidden for an enrolment session.
    Status ChangePassword(const Principal& principal,
                          std::string_view current_password,
                          std::string_view new_password);

    // -- Audit log (docs/access.md, "Audit log")

    // Appends `row` with its time set to now, on its own. The calls above take their row to
    // write it in their own transaction, so an action and its row commit together. REQUIRES:
    // actor_kind is "key", "staff" or "member"; nothing in `row` is personal data or a secret.
    Status RecordAudit(AuditRow row);

    // At most `limit` rows older than the row with id `before` (0: from the newest), newest
    // first.
    Result<std::vector<AuditRow>> ListAudit(std::int64_t before, std::size_t limit);

private:
    struct Account;

    Result<Session> Login(const Account& account, std::string_view password, std::string_view code);
    Result<std::optional<Account>> LoadAccount(SubjectKind kind, std::int64_t subject_id);
    Status SaveAuth(const Account& account);
    Status InsertAudit(std::optional<AuditRow> audit, std::string_view target = {});
    Status RecordFailure(const Account& account);
    Result<bool> CheckSecondFactor(const Account& account, std::string_view code);
    Result<Session> OpenSession(const Account& account,
                                store::SessionPurpose purpose,
                                std::optional<std::string> new_password_hash);
    Result<std::vector<std::string>> IssueRecoveryCodes(StaffId staff);
    store::Digest BlindIndex(std::string_view kind, std::string_view normalized) const;
    store::Digest RecoveryCodeHash(StaffId staff, std::string_view code) const;
    void VerifyDummyPassword(std::string_view password);
    template <class F>
    auto InTransaction(F&& body) -> decltype(body());

    store::Store& store_;
    const Clock& clock_;
    crypto::PasswordHasher& hasher_;
    AccessKeys keys_;
    AccessOptions options_;
    // An Argon2id hash of a random password, made at the first login for an unknown account,
    // so that such a login costs what a wrong password costs (no timing oracle).
    std::optional<std::string> dummy_hash_;
};

}  // namespace candor::access
