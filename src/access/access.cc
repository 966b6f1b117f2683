#include "access/access.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "core/limits.h"

namespace candor::access {
namespace {

constexpr std::string_view kApiKeyPrefix = "ck_";
constexpr std::size_t kApiKeyPublicIdBytes = 6;  // 12 hex characters, 48 bits
constexpr std::size_t kApiKeyPublicIdChars = kApiKeyPublicIdBytes * 2;
constexpr std::size_t kApiKeySecretBytes = 32;
constexpr std::size_t kApiKeySecretChars = 43;  // RandomToken(32)
constexpr std::size_t kApiKeyTokenChars =
    kApiKeyPrefix.size() + kApiKeyPublicIdChars + 1 + kApiKeySecretChars;
constexpr std::size_t kSessionTokenBytes = 32;
constexpr std::size_t kSessionTokenCharsMax = 64;
constexpr std::size_t kTotpSecretBytes = 20;    // RFC 4226's recommended 160 bits
constexpr std::size_t kRecoveryCodeBytes = 10;  // 80 bits: 16 Base32 characters
constexpr std::size_t kRecoveryCodeChars = 16;
constexpr int kTotpDigits = 6;

// One message per kind of credential, whatever went wrong, so that no answer tells an unknown
// account from a wrong password.
constexpr std::string_view kBadKey = "the API key is not valid";
constexpr std::string_view kBadLogin = "the login, password or code is wrong";
constexpr std::string_view kBadSession = "the session is not valid; log in again";

Error Unauthenticated(std::string_view message) {
    return MakeError(ErrorCode::kUnauthenticated, std::string(message));
}

constexpr std::array<std::string_view, kAllScopes.size()> kScopeNames = {
    "events:write",
    "members:read",
    "members:write",
    "redemptions:write",
    "program:write",
    "analytics:read",
    "admin",
};

constexpr std::array<std::string_view, 5> kRoleNames = {
    "admin", "manager", "analyst", "support", "risk"};

std::span<const std::uint8_t> Bytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()),  // NOLINT: bytes of text
            text.size()};
}

bool IsAsciiDigit(char c) {
    return c >= '0' && c <= '9';
}

std::string_view Trim(std::string_view text) {
    const auto is_space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

bool IsTotpShaped(std::string_view code) {
    return code.size() == static_cast<std::size_t>(kTotpDigits) &&
           std::all_of(code.begin(), code.end(), IsAsciiDigit);
}

// Printable ASCII without spaces: store and channel bindings are identifiers.
bool IsIdentifier(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

std::int64_t UnixSeconds(Timestamp t) {
    return std::max<std::int64_t>(0, ToMicros(t) / 1'000'000);
}

// Recovery codes as people type them: any case, with or without the dashes and spaces.
std::string NormalizeRecoveryCode(std::string_view code) {
    std::string normalized;
    for (const char c : code) {
        if (c == '-' || c == ' ') {
            continue;
        }
        normalized.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return normalized;
}

Status CheckNewPassword(std::string_view password) {
    if (password.size() < limits::kPasswordBytesMin) {
        return MakeError(
            ErrorCode::kInvalidArgument,
            fmt::format("password: must be at least {} bytes long", limits::kPasswordBytesMin));
    }
    if (password.size() > limits::kPasswordBytesMax) {
        return MakeError(
            ErrorCode::kInvalidArgument,
            fmt::format("password: must be at most {} bytes long", limits::kPasswordBytesMax));
    }
    return Ok();
}

// Counts one failed login on `auth`, locking the account at the limit.
void ApplyFailure(store::AuthState& auth, Timestamp now) {
    auth.failed_logins += 1;
    if (auth.failed_logins >= limits::kLoginFailuresMax) {
        auth.failed_logins = 0;
        auth.locked_until = now + std::chrono::milliseconds(limits::kLoginLockoutMs);
    }
}

Error Locked(Timestamp locked_until, Timestamp now) {
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(locked_until - now).count();
    return MakeError(ErrorCode::kLocked,
                     fmt::format("too many failed logins; try again in {} s", seconds));
}

Result<std::vector<Scope>> ParseScopes(const std::vector<std::string>& names) {
    if (names.empty()) {
        return MakeError(ErrorCode::kInvalidArgument, "scopes: at least one scope is needed");
    }
    std::vector<Scope> scopes;
    for (const std::string& name : names) {
        CANDOR_ASSIGN_OR_RETURN(const Scope scope, ParseScope(name));
        if (std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) {
            scopes.push_back(scope);
        }
    }
    std::sort(scopes.begin(), scopes.end());
    return scopes;
}

std::string JoinScopes(const std::vector<Scope>& scopes) {
    std::string joined;
    for (const Scope scope : scopes) {
        if (!joined.empty()) {
            joined.push_back(' ');
        }
        joined.append(ScopeName(scope));
    }
    return joined;
}

Result<std::vector<Scope>> SplitScopes(std::string_view joined) {
    std::vector<Scope> scopes;
    while (!joined.empty()) {
        const std::size_t space = joined.find(' ');
        const std::string_view name = joined.substr(0, space);
        auto scope = ParseScope(name);
        if (!scope) {
            return MakeError(ErrorCode::kCorruptDatabase, "an API key has an unknown scope");
        }
        scopes.push_back(*scope);
        joined.remove_prefix(space == std::string_view::npos ? joined.size() : space + 1);
    }
    return scopes;
}

Result<ApiKeyPrincipal> ToPrincipal(const store::ApiKeyRow& row) {
    CANDOR_ASSIGN_OR_RETURN(std::vector<Scope> scopes, SplitScopes(row.scopes));
    return ApiKeyPrincipal{row.id,
                           row.public_id,
                           row.name,
                           std::move(scopes),
                           row.store_binding,
                           row.channel_binding,
                           row.rate_per_minute};
}

Result<std::string> NormalizeEmail(std::string_view email) {
    const std::size_t at = email.find('@');
    if (at == 0 || at + 1 >= email.size() || email.find('@', at + 1) != std::string_view::npos) {
        return MakeError(ErrorCode::kInvalidArgument, "login: not a valid email address");
    }
    std::string normalized;
    for (const char c : email) {
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
            return MakeError(ErrorCode::kInvalidArgument, "login: not a valid email address");
        }
        normalized.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return normalized;
}

Result<std::string> NormalizePhone(std::string_view phone) {
    std::string normalized = "+";
    if (phone.starts_with('+')) {
        phone.remove_prefix(1);
    }
    for (const char c : phone) {
        if (IsAsciiDigit(c)) {
            normalized.push_back(c);
        } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
            return MakeError(ErrorCode::kInvalidArgument,
                             "login: not a valid email address or phone number");
        }
    }
    const std::size_t digits = normalized.size() - 1;
    if (digits < 7 || digits > 15) {
        return MakeError(ErrorCode::kInvalidArgument, "login: a phone number has 7 to 15 digits");
    }
    return normalized;
}

}  // namespace

// ---- Scopes and roles

std::string_view ScopeName(Scope scope) {
    return kScopeNames.at(static_cast<std::size_t>(scope));
}

Result<Scope> ParseScope(std::string_view name) {
    for (const Scope scope : kAllScopes) {
        if (ScopeName(scope) == name) {
            return scope;
        }
    }
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("scopes: unknown scope \"{}\"", name));
}

std::string_view RoleName(Role role) {
    const auto index = static_cast<std::size_t>(role);
    CANDOR_ASSERT(index >= 1 && index <= kRoleNames.size());
    return kRoleNames.at(index - 1);
}

Result<Role> ParseRole(std::string_view name) {
    for (std::size_t i = 0; i < kRoleNames.size(); ++i) {
        if (kRoleNames.at(i) == name) {
            return static_cast<Role>(i + 1);
        }
    }
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("role: unknown role \"{}\"", name));
}

bool RoleHasScope(Role role, Scope scope) {
    switch (role) {
        case Role::kAdmin:
            return true;
        case Role::kManager:
            return scope == Scope::kProgramWrite || scope == Scope::kMembersRead;
        case Role::kAnalyst:
            return scope == Scope::kAnalyticsRead;
        case Role::kSupport:
            return scope == Scope::kMembersRead || scope == Scope::kMembersWrite;
        case Role::kRisk:
            return scope == Scope::kRedemptionsWrite || scope == Scope::kMembersRead;
    }
    return false;
}

bool HasScope(const ApiKeyPrincipal& key, Scope scope) {
    return std::any_of(key.scopes.begin(), key.scopes.end(), [scope](Scope granted) {
        return granted == scope || granted == Scope::kAdmin;
    });
}

bool HasScope(const Principal& principal, Scope scope) {
    return principal.kind == SubjectKind::kStaff && !principal.is_enrolment_only &&
           principal.role.has_value() && RoleHasScope(*principal.role, scope);
}

Result<std::string> NormalizeLogin(std::string_view login) {
    if (login.size() > limits::kLoginBytesMax) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("login: longer than {} bytes", limits::kLoginBytesMax));
    }
    login = Trim(login);
    if (login.empty()) {
        return MakeError(ErrorCode::kInvalidArgument, "login: is empty");
    }
    if (login.find('@') != std::string_view::npos) {
        return NormalizeEmail(login);
    }
    return NormalizePhone(login);
}

// ---- Access

struct Access::Account {
    SubjectKind kind = SubjectKind::kMember;
    std::int64_t id = 0;
    std::optional<Role> role;  // staff only
    std::string label;         // the account name shown in authenticator apps
    store::AuthState auth;
};

Access::Access(store::Store& store,
               const Clock& clock,
               crypto::PasswordHasher& hasher,
               AccessKeys keys,
               AccessOptions options)
    : store_(store), clock_(clock), hasher_(hasher), keys_(keys), options_(std::move(options)) {}

template <class F>
auto Access::InTransaction(F&& body) -> decltype(body()) {
    CANDOR_TRY(store_.Begin());
    auto result = std::forward<F>(body)();
    if (!result.has_value()) {
        (void)store_.Rollback();
        return result;
    }
    auto committed = store_.Commit();
    if (!committed) {
        (void)store_.Rollback();
        return std::move(committed).error();
    }
    return result;
}

store::Digest Access::BlindIndex(std::string_view kind, std::string_view normalized) const {
    // Domain-separated, so a staff email and a member login never share an index value.
    const std::string message = fmt::format("candor/blind-index/v1:{}:{}", kind, normalized);
    return crypto::HmacSha256(keys_.index_key, Bytes(message));
}

store::Digest Access::RecoveryCodeHash(StaffId staff, std::string_view code) const {
    // Keyed, so that a stolen database alone cannot be searched for the 80-bit codes.
    const std::string message = fmt::format("candor/recovery-code/v1:{}:{}", staff.value(), code);
    return crypto::HmacSha256(keys_.index_key, Bytes(message));
}

void Access::VerifyDummyPassword(std::string_view password) {
    if (!dummy_hash_.has_value()) {
        auto hash = hasher_.Hash(crypto::RandomToken(16));
        if (!hash) {
            return;
        }
        dummy_hash_ = std::move(hash).value();
    }
    (void)hasher_.Verify(*dummy_hash_, password);
}

// -- API keys

Result<CreatedApiKey> Access::CreateApiKey(std::string_view name,
                                           const std::vector<std::string>& scopes,
                                           std::string_view store_binding,
                                           std::string_view channel_binding,
                                           std::int64_t rate_per_minute,
                                           std::optional<AuditRow> audit) {
    if (Trim(name).empty() || name.size() > limits::kApiKeyNameBytesMax) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("name: must be 1 to {} bytes", limits::kApiKeyNameBytesMax));
    }
    CANDOR_ASSIGN_OR_RETURN(const std::vector<Scope> granted, ParseScopes(scopes));
    for (const auto& [field, value] : {std::pair{"store_binding", store_binding},
                                       std::pair{"channel_binding", channel_binding}}) {
        if (value.size() > limits::kApiKeyBindingBytesMax || !IsIdentifier(value)) {
            return MakeError(ErrorCode::kInvalidArgument,
                             fmt::format("{}: must be at most {} printable characters, no spaces",
                                         field,
                                         limits::kApiKeyBindingBytesMax));
        }
    }
    if (rate_per_minute < 0 || rate_per_minute > limits::kApiKeyRatePerMinuteMax) {
        return MakeError(
            ErrorCode::kInvalidArgument,
            fmt::format("rate_per_minute: must be 0 to {}", limits::kApiKeyRatePerMinuteMax));
    }
    const std::string secret = crypto::RandomToken(kApiKeySecretBytes);
    store::ApiKeyRow row;
    row.secret_hash = crypto::ApiKeySecretHash(secret);
    row.name = std::string(name);
    row.scopes = JoinScopes(granted);
    row.store_binding = std::string(store_binding);
    row.channel_binding = std::string(channel_binding);
    row.rate_per_minute = rate_per_minute;
    row.created_at = clock_.Now();
    for (int attempt = 0; attempt < limits::kApiKeyIdAttemptsMax; ++attempt) {
        std::array<std::uint8_t, kApiKeyPublicIdBytes> id_bytes{};
        crypto::RandomBytes(id_bytes);
        row.public_id = crypto::ToHex(id_bytes);
        auto id = InTransaction([&]() -> Result<ApiKeyId> {
            CANDOR_ASSIGN_OR_RETURN(const ApiKeyId inserted, store_.InsertApiKey(row));
            CANDOR_TRY(InsertAudit(audit, row.public_id));
            return inserted;
        });
        if (id) {
            return CreatedApiKey{
                *id, row.public_id, fmt::format("{}{}_{}", kApiKeyPrefix, row.public_id, secret)};
        }
        if (id.error().code != ErrorCode::kAlreadyExists) {
            return std::move(id).error();
        }
    }
    return MakeError(ErrorCode::kInternal, "could not draw an unused API key id");
}

Result<ApiKeyPrincipal> Access::AuthenticateApiKey(std::string_view token) {
    if (token.size() != kApiKeyTokenChars || !token.starts_with(kApiKeyPrefix) ||
        token[kApiKeyPrefix.size() + kApiKeyPublicIdChars] != '_') {
        return Unauthenticated(kBadKey);
    }
    const std::string_view public_id = token.substr(kApiKeyPrefix.size(), kApiKeyPublicIdChars);
    const std::string_view secret = token.substr(kApiKeyTokenChars - kApiKeySecretChars);
    CANDOR_ASSIGN_OR_RETURN(const auto row, store_.FindApiKeyByPublicId(public_id));
    if (!row.has_value() || row->revoked_at.has_value()) {
        return Unauthenticated(kBadKey);
    }
    const crypto::Sha256Digest presented = crypto::ApiKeySecretHash(secret);
    if (!crypto::EqualConstantTime(presented, row->secret_hash)) {
        return Unauthenticated(kBadKey);
    }
    const Timestamp now = clock_.Now();
    // Recording every use would add a write to every request; once a minute is enough for "last
    // used" and costs nothing measurable.
    if (!row->last_used_at.has_value() || now - *row->last_used_at >= options_.touch_interval) {
        CANDOR_TRY(store_.TouchApiKey(row->id, now));
    }
    return ToPrincipal(*row);
}

Status Access::RevokeApiKey(std::string_view public_id, std::optional<AuditRow> audit) {
    return InTransaction([&]() -> Status {
        CANDOR_ASSIGN_OR_RETURN(const auto row, store_.FindApiKeyByPublicId(public_id));
        if (!row.has_value()) {
            return MakeError(ErrorCode::kUnknownApiKey, "no live API key has this id");
        }
        CANDOR_ASSIGN_OR_RETURN(const bool revoked, store_.RevokeApiKey(row->id, clock_.Now()));
        if (!revoked) {
            return MakeError(ErrorCode::kUnknownApiKey, "no live API key has this id");
        }
        return InsertAudit(std::move(audit), public_id);
    });
}

Result<std::vector<ApiKeyInfo>> Access::ListApiKeys(ApiKeyId after, std::size_t limit) {
    CANDOR_ASSIGN_OR_RETURN(const auto rows, store_.ListApiKeys(after, limit));
    std::vector<ApiKeyInfo> keys;
    keys.reserve(rows.size());
    for (const auto& row : rows) {
        CANDOR_ASSIGN_OR_RETURN(ApiKeyPrincipal key, ToPrincipal(row));
        keys.push_back(
            ApiKeyInfo{std::move(key), row.created_at, row.revoked_at, row.last_used_at});
    }
    return keys;
}

// -- Accounts

Result<std::optional<Access::Account>> Access::LoadAccount(SubjectKind kind,
                                                           std::int64_t subject_id) {
    if (kind == SubjectKind::kStaff) {
        CANDOR_ASSIGN_OR_RETURN(const auto staff, store_.FindStaff(StaffId(subject_id)));
        if (!staff.has_value() || staff->disabled_at.has_value()) {
            return std::optional<Account>();
        }
        std::string label = staff->display_name.empty() ? fmt::format("staff-{}", staff->id.value())
                                                        : staff->display_name;
        return std::optional<Account>(Account{
            kind, subject_id, static_cast<Role>(staff->role), std::move(label), staff->auth});
    }
    CANDOR_ASSIGN_OR_RETURN(const auto member, store_.FindMemberCredentials(MemberId(subject_id)));
    if (!member.has_value()) {
        return std::optional<Account>();
    }
    return std::optional<Account>(Account{
        kind, subject_id, std::nullopt, fmt::format("member-{}", subject_id), member->auth});
}

Status Access::SaveAuth(const Account& account) {
    if (account.kind == SubjectKind::kStaff) {
        return store_.UpdateStaffAuth(StaffId(account.id), account.auth);
    }
    return store_.UpdateMemberAuth(MemberId(account.id), account.auth);
}

Status Access::RecordFailure(const Account& account) {
    // Re-read inside the transaction, so concurrent failures on other connections all count.
    return InTransaction([&]() -> Status {
        CANDOR_ASSIGN_OR_RETURN(auto fresh, LoadAccount(account.kind, account.id));
        if (!fresh.has_value()) {
            return Ok();
        }
        ApplyFailure(fresh->auth, clock_.Now());
        return SaveAuth(*fresh);
    });
}

// -- Staff

Result<StaffId> Access::CreateStaff(std::string_view email,
                                    std::string_view display_name,
                                    std::string_view password,
                                    Role role,
                                    std::optional<AuditRow> audit) {
    CANDOR_ASSIGN_OR_RETURN(const std::string normalized, NormalizeLogin(email));
    if (normalized.find('@') == std::string::npos) {
        return MakeError(ErrorCode::kInvalidArgument, "email: not a valid email address");
    }
    if (display_name.size() > limits::kDisplayNameBytesMax) {
        return MakeError(
            ErrorCode::kInvalidArgument,
            fmt::format("display_name: longer than {} bytes", limits::kDisplayNameBytesMax));
    }
    if (role < Role::kAdmin || role > Role::kRisk) {
        return MakeError(ErrorCode::kInvalidArgument, "role: unknown role");
    }
    CANDOR_TRY(CheckNewPassword(password));
    const store::Digest email_index = BlindIndex("staff-email", normalized);
    // Checked before hashing so a taken email costs no Argon2id; the insert checks again.
    CANDOR_ASSIGN_OR_RETURN(const auto taken, store_.FindStaffByEmailIndex(email_index));
    if (taken.has_value()) {
        return MakeError(ErrorCode::kAlreadyExists, "a staff account with this email exists");
    }
    CANDOR_ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(password));
    const Timestamp now = clock_.Now();
    store::StaffRow row;
    row.email_index = email_index;
    row.display_name = std::string(display_name);
    row.role = static_cast<std::int64_t>(role);
    row.auth.password_hash = std::move(hash);
    row.auth.totp_last_step = crypto::kTotpNoStepUsed;
    row.auth.password_changed_at = now;
    row.created_at = now;
    auto id = InTransaction([&]() -> Result<StaffId> {
        CANDOR_ASSIGN_OR_RETURN(const StaffId inserted, store_.InsertStaff(row));
        CANDOR_TRY(InsertAudit(audit, std::to_string(inserted.value())));
        return inserted;
    });
    if (!id && id.error().code == ErrorCode::kAlreadyExists) {
        return MakeError(ErrorCode::kAlreadyExists, "a staff account with this email exists");
    }
    return id;
}

Result<Session> Access::LoginStaff(std::string_view email,
                                   std::string_view password,
                                   std::string_view code) {
    auto normalized = NormalizeLogin(email);
    if (!normalized) {
        return Unauthenticated(kBadLogin);
    }
    CANDOR_ASSIGN_OR_RETURN(const auto staff,
                            store_.FindStaffByEmailIndex(BlindIndex("staff-email", *normalized)));
    if (!staff.has_value() || staff->disabled_at.has_value()) {
        VerifyDummyPassword(password);
        return Unauthenticated(kBadLogin);
    }
    std::string label = staff->display_name.empty() ? fmt::format("staff-{}", staff->id.value())
                                                    : staff->display_name;
    return Login(Account{SubjectKind::kStaff,
                         staff->id.value(),
                         static_cast<Role>(staff->role),
                         std::move(label),
                         staff->auth},
                 password,
                 code);
}

namespace {

StaffInfo ToStaffInfo(const store::StaffRow& row) {
    return StaffInfo{row.id,
                     row.display_name,
                     static_cast<Role>(row.role),
                     row.auth.totp_confirmed,
                     row.created_at,
                     row.disabled_at};
}

}  // namespace

Result<std::vector<StaffInfo>> Access::ListStaff(StaffId after, std::size_t limit) {
    CANDOR_ASSIGN_OR_RETURN(const auto rows, store_.ListStaff(after, limit));
    std::vector<StaffInfo> staff;
    staff.reserve(rows.size());
    for (const store::StaffRow& row : rows) {
        staff.push_back(ToStaffInfo(row));
    }
    return staff;
}

Result<std::optional<StaffInfo>> Access::FindStaff(StaffId staff) {
    CANDOR_ASSIGN_OR_RETURN(const std::optional<store::StaffRow> row, store_.FindStaff(staff));
    if (!row) {
        return std::optional<StaffInfo>();
    }
    return std::optional<StaffInfo>(ToStaffInfo(*row));
}

Status Access::DisableStaff(StaffId staff, std::optional<AuditRow> audit) {
    return InTransaction([&]() -> Status {
        const Timestamp now = clock_.Now();
        CANDOR_ASSIGN_OR_RETURN(const bool disabled, store_.DisableStaff(staff, now));
        if (!disabled) {
            return MakeError(ErrorCode::kUnknownStaff, "no enabled staff account has this id");
        }
        CANDOR_TRY(store_.RevokeSessionsOf(SubjectKind::kStaff, staff.value(), now));
        return InsertAudit(std::move(audit), std::to_string(staff.value()));
    });
}

Status Access::ChangeRole(StaffId staff, Role role, std::optional<AuditRow> audit) {
    return InTransaction([&]() -> Status {
        CANDOR_ASSIGN_OR_RETURN(const auto row, store_.FindStaff(staff));
        if (!row.has_value() || row->disabled_at.has_value()) {
            return MakeError(ErrorCode::kUnknownStaff, "no enabled staff account has this id");
        }
        CANDOR_ASSIGN_OR_RETURN(const bool changed,
                                store_.UpdateStaffRole(staff, static_cast<std::int64_t>(role)));
        if (!changed) {
            return MakeError(ErrorCode::kUnknownStaff, "no enabled staff account has this id");
        }
        return InsertAudit(std::move(audit), std::to_string(staff.value()));
    });
}

Status Access::InsertAudit(std::optional<AuditRow> audit, std::string_view target) {
    if (!audit.has_value()) {
        return Ok();
    }
    audit->at = clock_.Now();
    if (!target.empty()) {
        audit->target = std::string(target);
    }
    CANDOR_ASSIGN_OR_RETURN(const std::int64_t id, store_.InsertAudit(*audit));
    static_cast<void>(id);
    return Ok();
}

Status Access::RecordAudit(AuditRow row) {
    return InsertAudit(std::move(row));
}

Result<std::vector<AuditRow>> Access::ListAudit(std::int64_t before, std::size_t limit) {
    return store_.ListAudit(before, limit);
}

// -- Members

Status Access::EnrolCredentials(MemberId member,
                                std::string_view login,
                                std::string_view password) {
    CANDOR_ASSIGN_OR_RETURN(const std::string normalized, NormalizeLogin(login));
    CANDOR_TRY(CheckNewPassword(password));
    CANDOR_ASSIGN_OR_RETURN(const auto found, store_.FindMember(member));
    if (!found.has_value()) {
        return MakeError(ErrorCode::kUnknownMember, "no member has this id");
    }
    CANDOR_ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(password));
    store::MemberCredentialRow row;
    row.member = member;
    row.login_index = BlindIndex("member-login", normalized);
    row.auth.password_hash = std::move(hash);
    row.auth.totp_last_step = crypto::kTotpNoStepUsed;
    row.auth.password_changed_at = clock_.Now();
    auto inserted = store_.InsertMemberCredentials(row);
    if (!inserted && inserted.error().code == ErrorCode::kAlreadyExists) {
        return MakeError(ErrorCode::kAlreadyExists,
                         "the member already has a login, or the login is taken");
    }
    return inserted;
}

Result<Session> Access::LoginMember(std::string_view login,
                                    std::string_view password,
                                    std::string_view code) {
    auto normalized = NormalizeLogin(login);
    if (!normalized) {
        return Unauthenticated(kBadLogin);
    }
    CANDOR_ASSIGN_OR_RETURN(
        const auto credentials,
        store_.FindMemberCredentialsByLoginIndex(BlindIndex("member-login", *normalized)));
    if (!credentials.has_value()) {
        VerifyDummyPassword(password);
        return Unauthenticated(kBadLogin);
    }
    return Login(Account{SubjectKind::kMember,
                         credentials->member.value(),
                         std::nullopt,
                         fmt::format("member-{}", credentials->member.value()),
                         credentials->auth},
                 password,
                 code);
}

// -- Login, shared by staff and members

Result<Session> Access::Login(const Account& account,
                              std::string_view password,
                              std::string_view code) {
    const Timestamp now = clock_.Now();
    if (account.auth.locked_until > now) {
        return Locked(account.auth.locked_until, now);
    }
    if (!hasher_.Verify(account.auth.password_hash, password)) {
        CANDOR_TRY(RecordFailure(account));
        return Unauthenticated(kBadLogin);
    }
    // A hash made at an older cost is replaced now that the password is at hand; OpenSession
    // stores it with the session.
    std::optional<std::string> rehashed;
    if (hasher_.NeedsRehash(account.auth.password_hash)) {
        auto hash = hasher_.Hash(password);
        if (hash) {
            rehashed = std::move(hash).value();
        }
    }
    if (!account.auth.totp_confirmed) {
        // Staff must enrol a second factor before anything else; members may go without.
        return OpenSession(account,
                           account.kind == SubjectKind::kStaff
                               ? store::SessionPurpose::kTotpEnrolment
                               : store::SessionPurpose::kFull,
                           std::move(rehashed));
    }
    if (Trim(code).empty()) {
        return MakeError(ErrorCode::kTotpRequired, "a one-time code is required");
    }
    CANDOR_ASSIGN_OR_RETURN(const bool accepted, CheckSecondFactor(account, Trim(code)));
    if (!accepted) {
        return Unauthenticated(kBadLogin);
    }
    return OpenSession(account, store::SessionPurpose::kFull, std::move(rehashed));
}

Result<bool> Access::CheckSecondFactor(const Account& account, std::string_view code) {
    // Inside one transaction with a fresh read, so that two logins racing with the same code
    // cannot both spend it.
    return InTransaction([&]() -> Result<bool> {
        CANDOR_ASSIGN_OR_RETURN(auto fresh, LoadAccount(account.kind, account.id));
        if (!fresh.has_value()) {
            return false;
        }
        const Timestamp now = clock_.Now();
        bool accepted = false;
        if (IsTotpShaped(code)) {
            const auto step = crypto::VerifyTotp(fresh->auth.totp_secret,
                                                 code,
                                                 UnixSeconds(now),
                                                 fresh->auth.totp_last_step,
                                                 1,
                                                 kTotpDigits);
            if (step.has_value()) {
                fresh->auth.totp_last_step = *step;
                accepted = true;
            }
        } else if (account.kind == SubjectKind::kStaff) {
            const std::string normalized = NormalizeRecoveryCode(code);
            if (normalized.size() == kRecoveryCodeChars) {
                CANDOR_ASSIGN_OR_RETURN(
                    accepted,
                    store_.UseRecoveryCode(StaffId(account.id),
                                           RecoveryCodeHash(StaffId(account.id), normalized),
                                           now));
            }
        }
        if (!accepted) {
            ApplyFailure(fresh->auth, now);
        }
        CANDOR_TRY(SaveAuth(*fresh));
        return accepted;
    });
}

Result<Session> Access::OpenSession(const Account& account,
                                    store::SessionPurpose purpose,
                                    std::optional<std::string> new_password_hash) {
    const Timestamp now = clock_.Now();
    Duration lifetime = options_.member_session_lifetime;
    if (purpose == store::SessionPurpose::kTotpEnrolment) {
        lifetime = options_.enrolment_session_lifetime;
    } else if (account.kind == SubjectKind::kStaff) {
        lifetime = options_.staff_session_lifetime;
    }
    std::string token = crypto::RandomToken(kSessionTokenBytes);
    store::SessionRow row;
    row.token_hash = crypto::Sha256(Bytes(token));
    row.subject_kind = account.kind;
    row.subject_id = account.id;
    row.purpose = purpose;
    row.created_at = now;
    row.last_seen_at = now;
    row.expires_at = now + lifetime;
    CANDOR_ASSIGN_OR_RETURN(
        const SessionId id, InTransaction([&]() -> Result<SessionId> {
            // A successful login clears the failure count.
            CANDOR_ASSIGN_OR_RETURN(auto fresh, LoadAccount(account.kind, account.id));
            if (fresh.has_value() && (fresh->auth.failed_logins != 0 || new_password_hash)) {
                fresh->auth.failed_logins = 0;
                if (new_password_hash) {
                    fresh->auth.password_hash = *new_password_hash;
                }
                CANDOR_TRY(SaveAuth(*fresh));
            }
            return store_.InsertSession(row);
        }));
    Principal principal;
    principal.kind = account.kind;
    if (account.kind == SubjectKind::kStaff) {
        principal.staff = StaffId(account.id);
    } else {
        principal.member = MemberId(account.id);
    }
    principal.role = account.role;
    principal.session = id;
    principal.is_enrolment_only = purpose == store::SessionPurpose::kTotpEnrolment;
    principal.expires_at = row.expires_at;
    return Session{std::move(token), principal};
}

// -- TOTP

Result<TotpEnrolment> Access::BeginTotpEnrolment(const Principal& principal) {
    const std::int64_t id =
        principal.kind == SubjectKind::kStaff ? principal.staff.value() : principal.member.value();
    std::array<std::uint8_t, kTotpSecretBytes> secret{};
    crypto::RandomBytes(secret);
    std::string label;
    CANDOR_TRY(InTransaction([&]() -> Status {
        CANDOR_ASSIGN_OR_RETURN(auto account, LoadAccount(principal.kind, id));
        if (!account.has_value()) {
            return Unauthenticated(kBadSession);
        }
        if (account->auth.totp_confirmed) {
            return MakeError(ErrorCode::kAlreadyExists, "TOTP is already set up");
        }
        account->auth.totp_secret.assign(secret.begin(), secret.end());
        account->auth.totp_last_step = crypto::kTotpNoStepUsed;
        label = account->label;
        return SaveAuth(*account);
    }));
    return TotpEnrolment{crypto::Base32Encode(secret),
                         crypto::OtpauthUri(options_.totp_issuer, label, secret)};
}

Result<std::vector<std::string>> Access::ConfirmTotp(const Principal& principal,
                                                     std::string_view code) {
    const bool is_staff = principal.kind == SubjectKind::kStaff;
    const std::int64_t id = is_staff ? principal.staff.value() : principal.member.value();
    return InTransaction([&]() -> Result<std::vector<std::string>> {
        CANDOR_ASSIGN_OR_RETURN(auto account, LoadAccount(principal.kind, id));
        if (!account.has_value()) {
            return Unauthenticated(kBadSession);
        }
        if (account->auth.totp_confirmed) {
            return MakeError(ErrorCode::kAlreadyExists, "TOTP is already set up");
        }
        if (account->auth.totp_secret.empty()) {
            return MakeError(ErrorCode::kInvalidArgument, "begin TOTP enrolment first");
        }
        const Timestamp now = clock_.Now();
        const auto step = crypto::VerifyTotp(account->auth.totp_secret,
                                             Trim(code),
                                             UnixSeconds(now),
                                             account->auth.totp_last_step,
                                             1,
                                             kTotpDigits);
        if (!step.has_value()) {
            return Unauthenticated("the code is wrong");
        }
        account->auth.totp_confirmed = true;
        account->auth.totp_last_step = *step;
        CANDOR_TRY(SaveAuth(*account));
        if (!is_staff) {
            return std::vector<std::string>();
        }
        CANDOR_ASSIGN_OR_RETURN(auto codes, IssueRecoveryCodes(principal.staff));
        CANDOR_TRY(store_.RevokeSessionsOf(SubjectKind::kStaff, id, now));
        return codes;
    });
}

Result<std::vector<std::string>> Access::IssueRecoveryCodes(StaffId staff) {
    std::vector<std::string> codes;
    std::vector<store::Digest> hashes;
    for (std::size_t i = 0; i < limits::kRecoveryCodesCount; ++i) {
        std::array<std::uint8_t, kRecoveryCodeBytes> bytes{};
        crypto::RandomBytes(bytes);
        const std::string plain = NormalizeRecoveryCode(crypto::Base32Encode(bytes));
        CANDOR_ASSERT(plain.size() == kRecoveryCodeChars);
        hashes.push_back(RecoveryCodeHash(staff, plain));
        codes.push_back(fmt::format("{}-{}-{}-{}",
                                    plain.substr(0, 4),
                                    plain.substr(4, 4),
                                    plain.substr(8, 4),
                                    plain.substr(12, 4)));
    }
    CANDOR_TRY(store_.ReplaceRecoveryCodes(staff, hashes));
    return codes;
}

// -- Sessions

Result<Principal> Access::Authenticate(std::string_view token) {
    if (token.empty() || token.size() > kSessionTokenCharsMax) {
        return Unauthenticated(kBadSession);
    }
    CANDOR_ASSIGN_OR_RETURN(const auto row,
                            store_.FindSessionByTokenHash(crypto::Sha256(Bytes(token))));
    const Timestamp now = clock_.Now();
    if (!row.has_value() || row->revoked_at.has_value() || now >= row->expires_at ||
        now - row->last_seen_at >= options_.session_idle_timeout) {
        return Unauthenticated(kBadSession);
    }
    Principal principal;
    principal.kind = row->subject_kind;
    principal.session = row->id;
    principal.is_enrolment_only = row->purpose == store::SessionPurpose::kTotpEnrolment;
    principal.expires_at = row->expires_at;
    if (row->subject_kind == SubjectKind::kStaff) {
        // The role is read each time, so a role change applies to live sessions at once.
        CANDOR_ASSIGN_OR_RETURN(const auto staff, store_.FindStaff(StaffId(row->subject_id)));
        if (!staff.has_value() || staff->disabled_at.has_value()) {
            return Unauthenticated(kBadSession);
        }
        principal.staff = staff->id;
        principal.role = static_cast<Role>(staff->role);
    } else {
        principal.member = MemberId(row->subject_id);
    }
    if (now - row->last_seen_at >= options_.touch_interval) {
        CANDOR_TRY(store_.TouchSession(row->id, now));
    }
    return principal;
}

Status Access::Logout(std::string_view token) {
    CANDOR_ASSIGN_OR_RETURN(const Principal principal, Authenticate(token));
    CANDOR_ASSIGN_OR_RETURN(const bool revoked,
                            store_.RevokeSession(principal.session, clock_.Now()));
    if (!revoked) {
        return Unauthenticated(kBadSession);
    }
    return Ok();
}

Status Access::ChangePassword(const Principal& principal,
                              std::string_view current_password,
                              std::string_view new_password) {
    if (principal.is_enrolment_only) {
        return MakeError(ErrorCode::kForbidden, "set up TOTP before changing the password");
    }
    CANDOR_TRY(CheckNewPassword(new_password));
    const std::int64_t id =
        principal.kind == SubjectKind::kStaff ? principal.staff.value() : principal.member.value();
    CANDOR_ASSIGN_OR_RETURN(const auto account, LoadAccount(principal.kind, id));
    if (!account.has_value()) {
        return Unauthenticated(kBadSession);
    }
    const Timestamp now = clock_.Now();
    if (account->auth.locked_until > now) {
        return Locked(account->auth.locked_until, now);
    }
    if (!hasher_.Verify(account->auth.password_hash, current_password)) {
        CANDOR_TRY(RecordFailure(*account));
        return Unauthenticated(kBadLogin);
    }
    CANDOR_ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(new_password));
    return InTransaction([&]() -> Status {
        CANDOR_ASSIGN_OR_RETURN(auto fresh, LoadAccount(principal.kind, id));
        if (!fresh.has_value()) {
            return Unauthenticated(kBadSession);
        }
        fresh->auth.password_hash = hash;
        fresh->auth.password_changed_at = now;
        fresh->auth.failed_logins = 0;
        CANDOR_TRY(SaveAuth(*fresh));
        CANDOR_TRY(store_.RevokeSessionsOf(principal.kind, id, now));
        return Ok();
    });
}

}  // namespace candor::access
