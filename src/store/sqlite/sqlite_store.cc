#include "store/sqlite/sqlite_store.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/assert.h"
#include "store/sqlite/migrations.h"

namespace candor::store::sqlite {
namespace {

// "Cand" in ASCII; marks a file as a Candor database (PRAGMA application_id).
constexpr std::int32_t kApplicationId = 0x43616e64;

Error StorageError(sqlite3* db, int rc, std::string_view what) {
    const int primary = rc & 0xff;
    const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if (primary == SQLITE_CORRUPT) {
        return MakeError(ErrorCode::kCorruptDatabase,
                         fmt::format("database file is corrupt ({}: {})", what, detail));
    }
    if (primary == SQLITE_NOTADB) {
        return MakeError(ErrorCode::kForeignDatabase,
                         "file is not a Candor database: it is not an SQLite database");
    }
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
        return MakeError(ErrorCode::kAlreadyExists, fmt::format("{}: already exists", what));
    }
    if (primary == SQLITE_CONSTRAINT) {
        // A CHECK or NOT NULL violation is a bad value, not a duplicate.
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("{}: violates a constraint ({})", what, detail));
    }
    return MakeError(ErrorCode::kStorage, fmt::format("{}: {}", what, detail));
}

// The statements of the store, prepared once per connection. Only bound values vary.
enum Sql : std::size_t {
    kBegin,
    kCommit,
    kRollback,
    kSavepoint,
    kRelease,
    kRollbackTo,
    kNextMemberId,
    kInsertMember,
    kFindMember,
    kFindMemberByPublicId,
    kCountMembers,
    kUpdateMemberSettings,
    kNextSystemAccountId,
    kInsertSystemAccount,
    kFindSystemAccount,
    kFindSystemAccountByCode,
    kListSystemAccounts,
    kInsertBalance,
    kLoadBalance,
    kStoreBalance,
    kSumBalance,
    kNextEntryId,
    kInsertEntry,
    kInsertPosting,
    kLoadEntry,
    kFindPosting,
    kEntryIdsForAccount,
    kInsertLot,
    kLoadLot,
    kLoadOpenLots,
    kLoadExpiredLots,
    kAccountsWithExpiredLots,
    kUpdateLotRemaining,
    kInsertLotMove,
    kLoadLotMoves,
    kUpdateLotMoveRestored,
    kInsertHold,
    kLoadHold,
    kCloseHold,
    kTimedOutHolds,
    kLoadReversal,
    kStoreReversal,
    kInsertIdempotency,
    kFindIdempotency,
    kScanEntries,
    kScanPostings,
    kScanBalances,
    kScanOpenLotSums,
    kScanHolds,
    kScanLotMoves,
    kScanLots,
    // Identity and access (schema 2).
    kInsertApiKey,
    kFindApiKeyByPublicId,
    kListApiKeys,
    kRevokeApiKey,
    kTouchApiKey,
    kInsertStaff,
    kFindStaff,
    kFindStaffByEmailIndex,
    kUpdateStaffAuth,
    kDeleteRecoveryCodes,
    kInsertRecoveryCode,
    kUseRecoveryCode,
    kCountUnusedRecoveryCodes,
    kCountStaff,
    kInsertMemberCredentials,
    kFindMemberCredentials,
    kFindMemberCredentialsByLoginIndex,
    kUpdateMemberAuth,
    kInsertSession,
    kFindSessionByTokenHash,
    kTouchSession,
    kRevokeSession,
    kRevokeSessionsOf,
    // Transparency log (schema 3).
    kLoadTreeSize,
    kInsertTreeNode,
    kLoadTreeNode,
    kInsertTreeHead,
    kLoadTreeHead,
    kLatestTreeHead,
    kLoadLeafHashes,
    kScanTreeNodes,
    kScanTreeHeads,
    // Audit log and staff administration (schema 4).
    kListStaff,
    kDisableStaff,
    kUpdateStaffRole,
    kInsertAudit,
    kListAudit,
    // Transparency log lookups (schema 5).
    kFindLeafByHash,
    kInsertSigningKey,
    kListSigningKeys,
    // Leaf keys (schema 6).
    kInsertLeafKey,
    kInsertLeafKeys16,
    // Program (schema 9).
    kSaveProgramDraft,
    kLoadProgramDraft,
    kPublishProgramVersion,
    kLatestProgramVersionNumber,
    kLoadProgramVersion,
    kLoadLatestProgramVersion,
    kListProgramVersions,
    kLoadCounter,
    kUpsertCounter,
    kAddToCounter,
    kLoadMemberFacts,
    kRecordPurchase,
    kStoreMemberTier,
    kSqlCount,
};

constexpr std::array<const char*, kSqlCount> kSqlText = {
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT candor_command",
    "RELEASE candor_command",
    "ROLLBACK TO candor_command",
    "SELECT COALESCE(MAX(id), 0) + 1 FROM members",
    "INSERT INTO members (id, public_id, created_at, language, time_zone) "
    "VALUES (?1, ?2, ?3, ?4, ?5)",
    "SELECT id, public_id, created_at, language, time_zone FROM members WHERE id = ?1",
    "SELECT id, public_id, created_at, language, time_zone FROM members WHERE public_id = ?1",
    "SELECT COUNT(*) FROM members",
    // Settings (schema 8): a NULL binding keeps the column's value.
    "UPDATE members SET language = COALESCE(?2, language), time_zone = COALESCE(?3, time_zone) "
    "WHERE id = ?1",
    "SELECT COALESCE(MAX(id), 15) + 16 FROM system_accounts",
    "INSERT INTO system_accounts (id, kind, asset, code, allows_negative, shards, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    "SELECT id, kind, asset, code, allows_negative, shards, created_at FROM system_accounts "
    "WHERE id = ?1",
    "SELECT id, kind, asset, code, allows_negative, shards, created_at FROM system_accounts "
    "WHERE code = ?1",
    "SELECT id, kind, asset, code, allows_negative, shards, created_at FROM system_accounts "
    "ORDER BY id",
    "INSERT INTO balances (account_id, shard, balance) VALUES (?1, ?2, 0)",
    "SELECT balance FROM balances WHERE account_id = ?1 AND shard = ?2",
    "UPDATE balances SET balance = ?3 WHERE account_id = ?1 AND shard = ?2",
    "SELECT COUNT(*), SUM(balance) FROM balances WHERE account_id = ?1",
    "SELECT COALESCE(MAX(id), 0) + 1 FROM entries",
    "INSERT INTO entries (id, kind, created_at, reference, body, leaf_hash) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    "INSERT INTO postings (account_id, entry_id, leg, asset, amount) VALUES (?1, ?2, ?3, ?4, ?5)",
    "SELECT id, kind, created_at, reference, body, leaf_hash FROM entries WHERE id = ?1",
    "SELECT account_id, entry_id, leg, asset, amount FROM postings "
    "WHERE account_id = ?1 AND entry_id = ?2 AND leg = ?3",
    "SELECT DISTINCT entry_id FROM postings WHERE account_id = ?1 AND entry_id < ?2 "
    "ORDER BY entry_id DESC LIMIT ?3",
    "INSERT INTO lots (account_id, entry_id, amount, remaining, expires_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5)",
    "SELECT id, account_id, entry_id, amount, remaining, expires_at FROM lots WHERE id = ?1",
    "SELECT id, account_id, entry_id, amount, remaining, expires_at FROM lots "
    "WHERE account_id = ?1 AND remaining > 0 ORDER BY id LIMIT ?2",
    "SELECT id, account_id, entry_id, amount, remaining, expires_at FROM lots "
    "WHERE account_id = ?1 AND remaining > 0 AND expires_at <= ?2 ORDER BY id",
    "SELECT account_id FROM lots WHERE remaining > 0 AND expires_at <= ?1 "
    "ORDER BY expires_at LIMIT ?2",
    "UPDATE lots SET remaining = ?2 WHERE id = ?1",
    "INSERT INTO lot_moves (entry_id, lot_id, position, amount, restored) "
    "VALUES (?1, ?2, ?3, ?4, ?5)",
    "SELECT entry_id, lot_id, position, amount, restored FROM lot_moves WHERE entry_id = ?1 "
    "ORDER BY position",
    "UPDATE lot_moves SET restored = ?3 WHERE entry_id = ?1 AND lot_id = ?2",
    "INSERT INTO holds (id, member_id, asset, amount, expires_at, state, closed_by, store, "
    "channel) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    "SELECT id, member_id, asset, amount, expires_at, state, closed_by, store, channel "
    "FROM holds WHERE id = ?1",
    "UPDATE holds SET state = ?2, closed_by = ?3 WHERE id = ?1",
    "SELECT id, member_id, asset, amount, expires_at, state, closed_by, store, channel "
    "FROM holds WHERE state = 0 AND expires_at <= ?1 ORDER BY expires_at, id LIMIT ?2",
    "SELECT original_id, whole, reversed_part FROM reversals WHERE original_id = ?1",
    "INSERT INTO reversals (original_id, whole, reversed_part) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (original_id) DO UPDATE SET whole = excluded.whole, "
    "reversed_part = excluded.reversed_part",
    "INSERT INTO idempotency (client_id, key, fingerprint, result_id, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
    "SELECT client_id, key, fingerprint, result_id, created_at FROM idempotency "
    "WHERE client_id = ?1 AND key = ?2",
    "SELECT id, kind, created_at, reference, body, leaf_hash FROM entries ORDER BY id",
    "SELECT account_id, entry_id, leg, asset, amount FROM postings "
    "ORDER BY account_id, entry_id, leg",
    "SELECT account_id, SUM(balance) FROM balances GROUP BY account_id ORDER BY account_id",
    "SELECT account_id, SUM(remaining) FROM lots WHERE remaining > 0 GROUP BY account_id "
    "ORDER BY account_id",
    "SELECT id, member_id, asset, amount, expires_at, state, closed_by, store, channel "
    "FROM holds ORDER BY id",
    "SELECT entry_id, lot_id, position, amount, restored FROM lot_moves "
    "ORDER BY entry_id, position",
    "SELECT id, account_id, entry_id, amount, remaining, expires_at FROM lots ORDER BY id",
    // Identity and access (schema 2).
    "INSERT INTO api_keys (public_id, secret_hash, name, scopes, store_binding, channel_binding, "
    "rate_per_minute, created_at, revoked_at, last_used_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
    "SELECT id, public_id, secret_hash, name, scopes, store_binding, channel_binding, "
    "rate_per_minute, created_at, revoked_at, last_used_at FROM api_keys WHERE public_id = ?1",
    "SELECT id, public_id, secret_hash, name, scopes, store_binding, channel_binding, "
    "rate_per_minute, created_at, revoked_at, last_used_at FROM api_keys WHERE id > ?1 "
    "ORDER BY id LIMIT ?2",
    "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
    "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1",
    "INSERT INTO staff (email_index, display_name, role, password_hash, totp_secret, "
    "totp_confirmed, totp_last_step, failed_logins, locked_until, password_changed_at, "
    "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
    "SELECT id, email_index, display_name, role, password_hash, totp_secret, totp_confirmed, "
    "totp_last_step, failed_logins, locked_until, password_changed_at, created_at, disabled_at "
    "FROM staff WHERE id = ?1",
    "SELECT id, email_index, display_name, role, password_hash, totp_secret, totp_confirmed, "
    "totp_last_step, failed_logins, locked_until, password_changed_at, created_at, disabled_at "
    "FROM staff WHERE email_index = ?1",
    "UPDATE staff SET password_hash = ?2, totp_secret = ?3, totp_confirmed = ?4, "
    "totp_last_step = ?5, failed_logins = ?6, locked_until = ?7, password_changed_at = ?8 "
    "WHERE id = ?1",
    "DELETE FROM recovery_codes WHERE staff_id = ?1",
    "INSERT INTO recovery_codes (staff_id, code_hash, used_at) VALUES (?1, ?2, NULL)",
    "UPDATE recovery_codes SET used_at = ?3 "
    "WHERE staff_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
    "SELECT COUNT(*) FROM recovery_codes WHERE staff_id = ?1 AND used_at IS NULL",
    "SELECT COUNT(*) FROM staff",
    "INSERT INTO member_credentials (member_id, login_index, password_hash, totp_secret, "
    "totp_confirmed, totp_last_step, failed_logins, locked_until, password_changed_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    "SELECT member_id, login_index, password_hash, totp_secret, totp_confirmed, totp_last_step, "
    "failed_logins, locked_until, password_changed_at FROM member_credentials "
    "WHERE member_id = ?1",
    "SELECT member_id, login_index, password_hash, totp_secret, totp_confirmed, totp_last_step, "
    "failed_logins, locked_until, password_changed_at FROM member_credentials "
    "WHERE login_index = ?1",
    "UPDATE member_credentials SET password_hash = ?2, totp_secret = ?3, totp_confirmed = ?4, "
    "totp_last_step = ?5, failed_logins = ?6, locked_until = ?7, password_changed_at = ?8 "
    "WHERE member_id = ?1",
    "INSERT INTO sessions (token_hash, subject_kind, subject_id, purpose, created_at, "
    "last_seen_at, expires_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
    "SELECT id, token_hash, subject_kind, subject_id, purpose, created_at, last_seen_at, "
    "expires_at, revoked_at FROM sessions WHERE token_hash = ?1",
    "UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1",
    "UPDATE sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
    "UPDATE sessions SET revoked_at = ?3 "
    "WHERE subject_kind = ?1 AND subject_id = ?2 AND revoked_at IS NULL",
    // Transparency log (schema 3).
    "SELECT COALESCE(MAX(size), 0) FROM tree_heads",
    "INSERT INTO tree_nodes (level, idx, hash) VALUES (?1, ?2, ?3)",
    "SELECT hash FROM tree_nodes WHERE level = ?1 AND idx = ?2",
    "INSERT INTO tree_heads (size, root, timestamp, key_id, signature) "
    "VALUES (?1, ?2, ?3, ?4, ?5)",
    "SELECT size, root, timestamp, key_id, signature FROM tree_heads WHERE size = ?1",
    "SELECT size, root, timestamp, key_id, signature FROM tree_heads ORDER BY size DESC LIMIT 1",
    "SELECT id, leaf_hash FROM entries WHERE id >= ?1 ORDER BY id LIMIT ?2",
    "SELECT level, idx, hash FROM tree_nodes ORDER BY level, idx",
    "SELECT size, root, timestamp, key_id, signature FROM tree_heads ORDER BY size",
    // Audit log and staff administration (schema 4).
    "SELECT id, email_index, display_name, role, password_hash, totp_secret, totp_confirmed, "
    "totp_last_step, failed_logins, locked_until, password_changed_at, created_at, disabled_at "
    "FROM staff WHERE id > ?1 ORDER BY id LIMIT ?2",
    "UPDATE staff SET disabled_at = ?2 WHERE id = ?1 AND disabled_at IS NULL",
    "UPDATE staff SET role = ?2 WHERE id = ?1",
    "INSERT INTO audit_log (at, actor_kind, actor_id, action, target, reason, request_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
    "SELECT id, at, actor_kind, actor_id, action, target, reason, request_id FROM audit_log "
    "WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
    // Transparency log lookups (schema 5).
    "SELECT k.idx FROM tree_leaf_keys AS k JOIN entries AS e ON e.id = k.idx + 1 "
    "WHERE k.prefix = ?1 AND e.leaf_hash = ?2 ORDER BY k.idx LIMIT 1",
    "INSERT INTO signing_keys (key_id, public_key, created_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (key_id) DO NOTHING",
    "SELECT key_id, public_key, created_at FROM signing_keys ORDER BY created_at, key_id",
    // Leaf keys (schema 6).
    "INSERT INTO tree_leaf_keys (prefix, idx) VALUES (?1, ?2)",
    // kLeafKeysPerInsert rows per statement: one step instead of sixteen.
    "INSERT INTO tree_leaf_keys (prefix, idx) VALUES (?1, ?2), (?3, ?4), (?5, ?6), "
    "(?7, ?8), (?9, ?10), (?11, ?12), (?13, ?14), (?15, ?16), (?17, ?18), (?19, ?20), "
    "(?21, ?22), (?23, ?24), (?25, ?26), (?27, ?28), (?29, ?30), (?31, ?32)",
    // Program (schema 9).
    "INSERT INTO program_draft (id, document, updated_at, updated_by) VALUES (1, ?1, ?2, ?3) "
    "ON CONFLICT (id) DO UPDATE SET document = excluded.document, "
    "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    "SELECT document, updated_at, updated_by FROM program_draft WHERE id = 1",
    // Inserts only when ?1 is still the newest version: the check and the insert are one step.
    "INSERT INTO program_versions (version, document, published_at, published_by, note) "
    "SELECT ?1 + 1, ?2, ?3, ?4, ?5 "
    "WHERE (SELECT COALESCE(MAX(version), 0) FROM program_versions) = ?1",
    "SELECT COALESCE(MAX(version), 0) FROM program_versions",
    "SELECT version, published_at, published_by, note, document FROM program_versions "
    "WHERE version = ?1",
    "SELECT version, published_at, published_by, note, document FROM program_versions "
    "ORDER BY version DESC LIMIT 1",
    "SELECT version, published_at, published_by, note FROM program_versions "
    "WHERE version < ?1 ORDER BY version DESC LIMIT ?2",
    "SELECT value FROM counters WHERE scope = ?1 AND period_start = ?2",
    // ?3 is the delta; the update applies only while ?4 <= value <= ?5 (AddToCounter).
    "INSERT INTO counters (scope, period_start, value) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (scope, period_start) DO UPDATE SET value = counters.value + excluded.value "
    "WHERE counters.value BETWEEN ?4 AND ?5 RETURNING value",
    "UPDATE counters SET value = value + ?3 "
    "WHERE scope = ?1 AND period_start = ?2 AND value BETWEEN ?4 AND ?5 RETURNING value",
    "SELECT member_id, purchases_count, visits_count, first_purchase_at, last_purchase_at, "
    "last_visit_day, tier, tier_since FROM member_facts WHERE member_id = ?1",
    // ?2 is the purchase time, ?3 its local day. Every right-hand side reads the row as it was.
    "INSERT INTO member_facts (member_id, purchases_count, visits_count, first_purchase_at, "
    "last_purchase_at, last_visit_day, tier, tier_since) VALUES (?1, 1, 1, ?2, ?2, ?3, '', NULL) "
    "ON CONFLICT (member_id) DO UPDATE SET "
    "purchases_count = member_facts.purchases_count + 1, "
    "visits_count = member_facts.visits_count + CASE WHEN member_facts.last_visit_day IS NULL "
    "OR ?3 > member_facts.last_visit_day THEN 1 ELSE 0 END, "
    "first_purchase_at = CASE WHEN member_facts.first_purchase_at IS NULL "
    "OR ?2 < member_facts.first_purchase_at THEN ?2 ELSE member_facts.first_purchase_at END, "
    "last_purchase_at = CASE WHEN member_facts.last_purchase_at IS NULL "
    "OR ?2 > member_facts.last_purchase_at THEN ?2 ELSE member_facts.last_purchase_at END, "
    "last_visit_day = CASE WHEN member_facts.last_visit_day IS NULL "
    "OR ?3 > member_facts.last_visit_day THEN ?3 ELSE member_facts.last_visit_day END",
    "INSERT INTO member_facts (member_id, purchases_count, visits_count, tier, tier_since) "
    "VALUES (?1, 0, 0, ?2, ?3) ON CONFLICT (member_id) DO UPDATE SET "
    "tier = excluded.tier, tier_since = excluded.tier_since",
};

// A prepared statement in use: binds values, steps, reads columns, and resets itself when it
// goes out of scope so that the cached statement is ready for its next use.
class Query {
public:
    Query(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;

    ~Query() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

    Query& Bind(int index, std::int64_t value) {
        sqlite3_bind_int64(stmt_, index, value);
        return *this;
    }

    // Binds a text; an empty one is '' even from a default string_view (a null pointer would
    // bind NULL).
    Query& Bind(int index, std::string_view text) {
        sqlite3_bind_text(stmt_,
                          index,
                          text.data() == nullptr ? "" : text.data(),
                          static_cast<int>(text.size()),
                          SQLITE_TRANSIENT);
        return *this;
    }

    Query& BindBlob(int index, std::span<const std::uint8_t> bytes) {
        sqlite3_bind_blob(
            stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
        return *this;
    }

    // Binds a blob that may be empty: an empty span with a null pointer would bind NULL.
    Query& BindBytes(int index, std::span<const std::uint8_t> bytes) {
        static constexpr std::uint8_t kNoBytes = 0;
        sqlite3_bind_blob(stmt_,
                          index,
                          bytes.empty() ? &kNoBytes : bytes.data(),
                          static_cast<int>(bytes.size()),
                          SQLITE_TRANSIENT);
        return *this;
    }

    // Binds a text, or NULL when unset.
    Query& BindOptional(int index, const std::optional<std::string>& text) {
        if (text.has_value()) {
            return Bind(index, std::string_view(*text));
        }
        sqlite3_bind_null(stmt_, index);
        return *this;
    }

    // Binds a time, or NULL for "never".
    Query& BindTime(int index, const std::optional<Timestamp>& time) {
        if (time.has_value()) {
            sqlite3_bind_int64(stmt_, index, ToMicros(*time));
        } else {
            sqlite3_bind_null(stmt_, index);
        }
        return *this;
    }

    // True when a row is ready, false when the statement is done.
    Result<bool> Step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) {
            return true;
        }
        if (rc == SQLITE_DONE) {
            return false;
        }
        return StorageError(db_, sqlite3_extended_errcode(db_), sqlite3_sql(stmt_));
    }

    Status Run() {
        auto stepped = Step();
        if (!stepped) {
            return std::move(stepped).error();
        }
        return Ok();
    }

    std::int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }

    bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

    std::string Text(int column) const {
        const auto* text = sqlite3_column_text(stmt_, column);
        const int bytes = sqlite3_column_bytes(stmt_, column);
        return text == nullptr ? std::string()
                               : std::string(reinterpret_cast<const char*>(text),  // NOLINT
                                             static_cast<std::size_t>(bytes));
    }

    std::vector<std::uint8_t> Blob(int column) const {
        const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
        const auto bytes = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
        return data == nullptr ? std::vector<std::uint8_t>()
                               : std::vector<std::uint8_t>(data, data + bytes);
    }

    Digest DigestAt(int column) const {
        Digest digest{};
        const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
        const auto bytes = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
        if (data != nullptr && bytes == digest.size()) {
            std::memcpy(digest.data(), data, digest.size());
        }
        return digest;
    }

    int Changes() const { return sqlite3_changes(db_); }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_;
};

MemberRow ReadMember(const Query& q) {
    return MemberRow{
        MemberId(q.Int(0)), q.Text(1), FromMicros(q.Int(2)), MemberSettings{q.Text(3), q.Text(4)}};
}

SystemAccountRow ReadSystemAccount(const Query& q) {
    return SystemAccountRow{AccountId(q.Int(0)),
                            static_cast<AccountKind>(q.Int(1)),
                            static_cast<Asset>(q.Int(2)),
                            q.Text(3),
                            q.Int(4) != 0,
                            static_cast<int>(q.Int(5)),
                            FromMicros(q.Int(6))};
}

EntryRow ReadEntry(const Query& q) {
    return EntryRow{EntryId(q.Int(0)),
                    static_cast<EntryKind>(q.Int(1)),
                    FromMicros(q.Int(2)),
                    EntryId(q.Int(3)),
                    q.Blob(4),
                    q.DigestAt(5)};
}

PostingRow ReadPosting(const Query& q) {
    return PostingRow{AccountId(q.Int(0)),
                      EntryId(q.Int(1)),
                      static_cast<int>(q.Int(2)),
                      static_cast<Asset>(q.Int(3)),
                      Amount(q.Int(4))};
}

LotRow ReadLot(const Query& q) {
    return LotRow{LotId(q.Int(0)),
                  AccountId(q.Int(1)),
                  EntryId(q.Int(2)),
                  Amount(q.Int(3)),
                  Amount(q.Int(4)),
                  FromMicros(q.Int(5))};
}

LotMoveRow ReadLotMove(const Query& q) {
    return LotMoveRow{EntryId(q.Int(0)),
                      LotId(q.Int(1)),
                      static_cast<int>(q.Int(2)),
                      Amount(q.Int(3)),
                      Amount(q.Int(4))};
}

HoldRow ReadHold(const Query& q) {
    return HoldRow{EntryId(q.Int(0)),
                   MemberId(q.Int(1)),
                   static_cast<Asset>(q.Int(2)),
                   Amount(q.Int(3)),
                   FromMicros(q.Int(4)),
                   static_cast<HoldState>(q.Int(5)),
                   EntryId(q.Int(6)),
                   q.Text(7),
                   q.Text(8)};
}

std::optional<Timestamp> OptionalTime(const Query& q, int column) {
    if (q.IsNull(column)) {
        return std::nullopt;
    }
    return FromMicros(q.Int(column));
}

ApiKeyRow ReadApiKey(const Query& q) {
    return ApiKeyRow{ApiKeyId(q.Int(0)),
                     q.Text(1),
                     q.DigestAt(2),
                     q.Text(3),
                     q.Text(4),
                     q.Text(5),
                     q.Text(6),
                     q.Int(7),
                     FromMicros(q.Int(8)),
                     OptionalTime(q, 9),
                     OptionalTime(q, 10)};
}

// Reads the seven AuthState columns that start at `first`, in the order of the tables.
AuthState ReadAuthState(const Query& q, int first) {
    return AuthState{q.Text(first),
                     q.Blob(first + 1),
                     q.Int(first + 2) != 0,
                     q.Int(first + 3),
                     q.Int(first + 4),
                     FromMicros(q.Int(first + 5)),
                     FromMicros(q.Int(first + 6))};
}

// Binds the seven AuthState values to ?first.. in the order of the tables.
void BindAuthState(Query& q, int first, const AuthState& auth) {
    q.Bind(first, auth.password_hash)
        .BindBytes(first + 1, auth.totp_secret)
        .Bind(first + 2, auth.totp_confirmed ? 1 : 0)
        .Bind(first + 3, auth.totp_last_step)
        .Bind(first + 4, auth.failed_logins)
        .Bind(first + 5, ToMicros(auth.locked_until))
        .Bind(first + 6, ToMicros(auth.password_changed_at));
}

StaffRow ReadStaff(const Query& q) {
    return StaffRow{StaffId(q.Int(0)),
                    q.DigestAt(1),
                    q.Text(2),
                    q.Int(3),
                    ReadAuthState(q, 4),
                    FromMicros(q.Int(11)),
                    OptionalTime(q, 12)};
}

AuditRow ReadAudit(const Query& q) {
    return AuditRow{q.Int(0),
                    FromMicros(q.Int(1)),
                    q.Text(2),
                    q.Text(3),
                    q.Text(4),
                    q.Text(5),
                    q.Text(6),
                    q.Text(7)};
}

MemberCredentialRow ReadMemberCredentials(const Query& q) {
    return MemberCredentialRow{MemberId(q.Int(0)), q.DigestAt(1), ReadAuthState(q, 2)};
}

SessionRow ReadSession(const Query& q) {
    return SessionRow{SessionId(q.Int(0)),
                      q.DigestAt(1),
                      static_cast<SubjectKind>(q.Int(2)),
                      q.Int(3),
                      static_cast<SessionPurpose>(q.Int(4)),
                      FromMicros(q.Int(5)),
                      FromMicros(q.Int(6)),
                      FromMicros(q.Int(7)),
                      OptionalTime(q, 8)};
}

TreeHeadRow ReadTreeHead(const Query& q) {
    return TreeHeadRow{static_cast<std::uint64_t>(q.Int(0)),
                       q.DigestAt(1),
                       FromMicros(q.Int(2)),
                       q.Text(3),
                       q.Blob(4)};
}

ProgramVersionInfo ReadProgramVersionInfo(const Query& q) {
    return ProgramVersionInfo{q.Int(0), FromMicros(q.Int(1)), q.Text(2), q.Text(3)};
}

ProgramVersionRow ReadProgramVersion(const Query& q) {
    return ProgramVersionRow{ReadProgramVersionInfo(q), q.Text(4)};
}

TreeNodeRow ReadTreeNode(const Query& q) {
    return TreeNodeRow{
        static_cast<int>(q.Int(0)), static_cast<std::uint64_t>(q.Int(1)), q.DigestAt(2)};
}

// tree_leaf_keys keys a leaf by the first 8 bytes of its hash as a big-endian two's complement
// integer (schema 6).
std::int64_t LeafKey(const Digest& leaf_hash) {
    std::uint64_t key = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        key = (key << 8U) | leaf_hash[i];
    }
    return static_cast<std::int64_t>(key);
}

// Rows of kInsertLeafKeys16.
constexpr std::size_t kLeafKeysPerInsert = 16;

// Tree sizes and indexes are below 2^63: the sequencer counts entries, whose ids are int64.
std::int64_t TreeInt(std::uint64_t value) {
    CANDOR_ASSERT(value <= static_cast<std::uint64_t>(INT64_MAX));
    return static_cast<std::int64_t>(value);
}

std::int64_t Limit(std::size_t limit) {
    return static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
}

class SqliteStore final : public Store {
public:
    explicit SqliteStore(sqlite3* db) : db_(db) {}

    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    ~SqliteStore() override {
        for (sqlite3_stmt* stmt : statements_) {
            sqlite3_finalize(stmt);
        }
        sqlite3_close(db_);
    }

    Status Initialize(const OpenOptions& options, bool is_memory) {
        CANDOR_TRY(Exec(fmt::format("PRAGMA busy_timeout = {}", options.busy_timeout_ms)));
        CANDOR_TRY(CheckOwnership());
        if (options.read_only) {
            CANDOR_TRY(CheckMigrated());
        } else {
            if (!is_memory) {
                CANDOR_TRY(Exec("PRAGMA journal_mode = WAL"));
            }
            CANDOR_TRY(Exec(options.synchronous_full ? "PRAGMA synchronous = FULL"
                                                     : "PRAGMA synchronous = NORMAL"));
            CANDOR_TRY(Migrate());
        }
        // 64 MiB of page cache: the hot parts of the balance and lot indexes stay resident.
        CANDOR_TRY(Exec("PRAGMA cache_size = -65536"));
        CANDOR_TRY(Exec("PRAGMA temp_store = MEMORY"));
        return Prepare();
    }

    Status Begin() override { return Plain(kBegin); }

    Status Commit() override { return Plain(kCommit); }

    Status Rollback() override { return Plain(kRollback); }

    Status Savepoint() override { return Plain(kSavepoint); }

    Status Release() override { return Plain(kRelease); }

    Status RollbackToSavepoint() override {
        // ROLLBACK TO keeps the savepoint open; release it so that savepoints do not pile up.
        CANDOR_TRY(Plain(kRollbackTo));
        return Plain(kRelease);
    }

    Result<MemberId> NextMemberId() override {
        auto q = Use(kNextMemberId);
        CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
        CANDOR_ASSERT(row);
        return MemberId(q.Int(0));
    }

    Status InsertMember(const MemberRow& member) override {
        auto q = Use(kInsertMember);
        q.Bind(1, member.id.value())
            .Bind(2, member.public_id)
            .Bind(3, ToMicros(member.created_at))
            .Bind(4, member.settings.language)
            .Bind(5, member.settings.time_zone);
        return q.Run();
    }

    Result<std::optional<MemberRow>> FindMember(MemberId id) override {
        auto q = Use(kFindMember);
        q.Bind(1, id.value());
        return One<MemberRow>(q, ReadMember);
    }

    Result<std::optional<MemberRow>> FindMemberByPublicId(std::string_view public_id) override {
        auto q = Use(kFindMemberByPublicId);
        q.Bind(1, public_id);
        return One<MemberRow>(q, ReadMember);
    }

    Result<std::int64_t> CountMembers() override {
        auto q = Use(kCountMembers);
        CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
        CANDOR_ASSERT(row);
        return q.Int(0);
    }

    Result<bool> UpdateMemberSettings(MemberId id, const MemberSettingsUpdate& update) override {
        auto q = Use(kUpdateMemberSettings);
        q.Bind(1, id.value()).BindOptional(2, update.language).BindOptional(3, update.time_zone);
        CANDOR_TRY(q.Run());
        return q.Changes() == 1;
    }

    Result<AccountId> NextSystemAccountId() override {
        auto q = Use(kNextSystemAccountId);
        CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
        CANDOR_ASSERT(row);
        return AccountId(q.Int(0));
    }

    Status InsertSystemAccount(const SystemAccountRow& account) override {
        auto q = Use(kInsertSystemAccount);
        q.Bind(1, account.id.value())
            .Bind(2, static_cast<std::int64_t>(account.kind))
            .Bind(3, static_cast<std::int64_t>(account.asset))
            .Bind(4, account.code)
            .Bind(5, account.allows_negative ? 1 : 0)
            .Bind(6, account.shards)
            .Bind(7, ToMicros(account.created_at));
        return q.Run();
    }

    Result<std::optional<SystemAccountRow>> FindSystemAccount(AccountId id) override {
        auto q = Use(kFindSystemAccount);
        q.Bind(1, id.value());
        return One<SystemAccountRow>(q, ReadSystemAccount);
    }

    Result<std::optional<SystemAccountRow>> FindSystemAccountByCode(
        std::string_view code) override {
        auto q = Use(kFindSystemAccountByCode);
        q.Bind(1, code);
        return One<SystemAccountRow>(q, ReadSystemAccount);
    }

    Result<std::vector<SystemAccountRow>> ListSystemAccounts() override {
        auto q = Use(kListSystemAccounts);
        return All<SystemAccountRow>(q, ReadSystemAccount);
    }

    Status InsertBalance(AccountId account, int shard) override {
        auto q = Use(kInsertBalance);
        q.Bind(1, account.value()).Bind(2, shard);
        return q.Run();
    }

    Result<std::optional<Amount>> LoadBalance(AccountId account, int shard) override {
        auto q = Use(kLoadBalance);
        q.Bind(1, account.value()).Bind(2, shard);
        return One<Amount>(q, [](const Query& row) { return Amount(row.Int(0)); });
    }

    Status StoreBalance(AccountId account, int shard, Amount balance) override {
        auto q = Use(kStoreBalance);
        q.Bind(1, account.value()).Bind(2, shard).Bind(3, balance.value());
        CANDOR_TRY(q.Run());
        CANDOR_ASSERT(q.Changes() == 1);
        return Ok();
    }

    Result<std::optional<Amount>> SumBalance(AccountId account) override {
        auto q = Use(kSumBalance);
        q.Bind(1, account.value());
        CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
        CANDOR_ASSERT(row);
        if (q.Int(0) == 0) {
            return std::optional<Amount>();
        }
        return std::optional<Amount>(Amount(q.Int(1)));
    }

    Result<EntryId> NextEntryId() override {
        auto q = Use(kNextEntryId);
        CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
        CANDOR_ASSERT(row);
        return EntryId(q.Int(0));
    }

    Status AppendEntry(const EntryRow& entry, std::span<const PostingRow> postings) override {
        {
            auto q = Use(kInsertEntry);
            q.Bind(1, entry.id.value())
                .Bind(2, static_cast<std::int64_t>(entry.kind))
                .Bind(3, ToMicros(entry.created_at))
                .Bind(4, entry.reference.value())
                .BindBlob(5, entry.body)
                .BindBlob(6, entry.leaf_hash);
            CANDOR_TRY(q.Run());
        }
        for (const PostingRow& posting : postings) {
            auto q = Use(kInsertPosting);
            q.Bind(1, posting.account.value())
                .Bind(2, posting.entry.value())
                .Bind(3, posting.leg)
                .Bind(4, static_cast<std::int64_t>(posting.asset))
                .Bind(5, posting.amount.value());
            CANDOR_TRY(q.Run());
        }
        return Ok();
    }

    Result<std::optional<EntryRow>> LoadEntry(EntryId id) override {
        auto q = Use(kLoadEntry);
        q.Bind(1, id.value());
        return One<EntryRow>(q, ReadEntry);
    }

    Result<std::optional<PostingRow>> FindPosting(AccountId account,
                                                  EntryId entry,
                                                  int leg) override {
        auto q = Use(kFindPosting);
        q.Bind(1, account.value()).Bind(2, entry.value()).Bind(3, leg);
        return One<PostingRow>(q, ReadPosting);
    }

    Result<std::vector<EntryRow>> LoadEntriesForAccounts(std::span<const AccountId> accounts,
                                                         EntryId before,
                                                         std::size_t limit) override {
        const std::int64_t below = before.is_set() ? before.value() : INT64_MAX;
        std::vector<std::int64_t> ids;
        for (AccountId account : accounts) {
            auto q = Use(kEntryIdsForAccount);
            q.Bind(1, account.value()).Bind(2, below).Bind(3, Limit(limit));
            for (;;) {
                CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
                if (!row) {
                    break;
                }
                ids.push_back(q.Int(0));
            }
        }
        std::sort(ids.begin(), ids.end(), std::greater<>());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        if (ids.size() > limit) {
            ids.resize(limit);
        }
        std::vector<EntryRow> entries;
        entries.reserve(ids.size());
        for (std::int64_t id : ids) {
            CANDOR_ASSIGN_OR_RETURN(auto entry, LoadEntry(EntryId(id)));
            CANDOR_ASSERT(entry.has_value());
            entries.push_back(std::move(*entry));
        }
        return entries;
    }

    Result<LotId> InsertLot(const LotRow& lot) override {
        auto q = Use(kInsertLot);
        q.Bind(1, lot.account.value())
            .Bind(2, lot.entry.value())
            .Bind(3, lot.amount.value())
            .Bind(4, lot.remaining.value())
            .Bind(5, ToMicros(lot.expires_at));
        CANDOR_TRY(q.Run());
        return LotId(sqlite3_last_insert_rowid(db_));
    }

    Result<std::optional<LotRow>> LoadLot(LotId id) override {
        auto q = Use(kLoadLot);
        q.Bind(1, id.value());
        return One<LotRow>(q, ReadLot);
    }

    Result<std::vector<LotRow>> LoadOpenLots(AccountId account, std::size_t limit) override {
        auto q = Use(kLoadOpenLots);
        q.Bind(1, account.value()).Bind(2, Limit(limit));
        return All<LotRow>(q, ReadLot);
    }

    Result<std::vector<LotRow>> LoadExpiredLots(AccountId account, Timestamp now) override {
        auto q = Use(kLoadExpiredLots);
        q.Bind(1, account.value()).Bind(2, ToMicros(now));
        return All<LotRow>(q, ReadLot);
    }

    Result<std::vector<AccountId>> FindAccountsWithExpiredLots(Timestamp now,
                                                               std::size_t limit) override {
        // Walking the expiry index in order reads only due lots; sorting all due lots by
        // account would make every sweep batch cost as much as the whole backlog.
        auto q = Use(kAccountsWithExpiredLots);
        q.Bind(1, ToMicros(now)).Bind(2, Limit(limit));
        CANDOR_ASSIGN_OR_RETURN(auto accounts, All<AccountId>(q, [](const Query& row) {
                                    return AccountId(row.Int(0));
                                }));
        std::sort(accounts.begin(), accounts.end());
        accounts.erase(std::unique(accounts.begin(), accounts.end()), accounts.end());
        return accounts;
    }

    Status UpdateLotRemaining(LotId id, Amount remaining) override {
        auto q = Use(kUpdateLotRemaining);
        q.Bind(1, id.value()).Bind(2, remaining.value());
        CANDOR_TRY(q.Run());
        CANDOR_ASSERT(q.Changes() == 1);
        return Ok();
    }

    Status InsertLotMove(const LotMoveRow& move) override {
        auto q = Use(kInsertLotMove);
        q.Bind(1, move.entry.value())
            .Bind(2, move.lot.value())
            .Bind(3, move.position)
            .Bind(4, move.amount.value())
            .Bind(5, move.restored.value());
        return q.Run();
    }

    Result<std::vector<LotMoveRow>> LoadLotMoves(EntryId entry) override {
        auto q = Use(kLoadLotMoves);
        q.Bind(1, entry.value());
        return All<LotMoveRow>(q, ReadLotMove);
    }

    Status UpdateLotMoveRestored(EntryId entry, LotId lot, Amount restored) override {
        auto q = Use(kUpdateLotMoveRestored);
        q.Bind(1, entry.value()).Bind(2, lot.value()).Bind(3, restored.value());
        CANDOR_TRY(q.Run());
        CANDOR_ASSERT(q.Changes() == 1);
        return Ok();
    }

    Status InsertHold(const HoldRow& hold) override {
        auto q = Use(kInsertHold);
        q.Bind(1, hold.id.value())
            .Bind(2, hold.member.value())
            .Bind(3, static_cast<std::int64_t>(hold.asset))
            .Bind(4, hold.amount.value())
            .Bind(5, ToMicros(hold.expires_at))
            .Bind(6, static_cast<std::int64_t>(hold.state))
            .Bind(7, hold.closed_by.value())
            .Bind(8, hold.store)
            .Bind(9, hold.channel);
        return q.Run();
    }

    Result<std::optional<HoldRow>> LoadHold(EntryId id) override {
        auto q = Use(kLoadHold);
        q.Bind(1, id.value());
        return One<HoldRow>(q, ReadHold);
    }

    Status CloseHold(EntryId id, HoldState state, EntryId closed_by) override {
        auto q = Use(kCloseHold);
        q.Bind(1, id.value()).Bind(2, static_cast<std::int64_t>(state)).Bind(3, closed_by.value());
        CANDOR_TRY(q.Run());
        CANDOR_ASSERT(q.Changes() == 1);
        return Ok();
    }

    Result<std::vector<HoldRow>> FindTimedOutHolds(Timestamp now, std::size_t limit) override {
        auto q = Use(kTimedOutHolds);
        q.Bind(1, ToMicros(now)).Bind(2, Limit(limit));
        return All<HoldRow>(q, ReadHold);
    }

    Result<std::optional<ReversalRow>> LoadReversal(EntryId original) override {
        auto q = Use(kLoadReversal);
        q.Bind(1, original.value());
        return One<ReversalRow>(q, [](const Query& row) {
            return ReversalRow{EntryId(row.Int(0)), row.Int(1), row.Int(2)};
        });
    }

    Status StoreReversal(const ReversalRow& reversal) override {
        auto q = Use(kStoreReversal);
        q.Bind(1, reversal.original.value())
            .Bind(2, reversal.whole)
            .Bind(3, reversal.reversed_part);
        return q.Run();
    }

    Result<bool> TryInsertIdempotency(const IdempotencyRow& row) override {
        auto q = Use(kInsertIdempotency);
        q.Bind(1, row.client_id)
            .Bind(2, row.key)
            .BindBlob(3, row.fingerprint)
            .Bind(4, row.result_id)
            .Bind(5, ToMicros(row.created_at));
        CANDOR_TRY(q.Run());
        return q.Changes() == 1;
    }

    Result<std::optional<IdempotencyRow>> FindIdempotency(std::string_view client_id,
                                                          std::string_view key) override {
        auto q = Use(kFindIdempotency);
        q.Bind(1, client_id).Bind(2, key);
        return One<IdempotencyRow>(q, [](const Query& row) {
            return IdempotencyRow{
                row.Text(0), row.Text(1), row.DigestAt(2), row.Int(3), FromMicros(row.Int(4))};
        });
    }

    Status ScanEntries(const std::function<bool(const EntryRow&)>& visit) override {
        return Scan<EntryRow>(kScanEntries, ReadEntry, visit);
    }

    Status ScanPostings(const std::function<bool(const PostingRow&)>& visit) override {
        return Scan<PostingRow>(kScanPostings, ReadPosting, visit);
    }

    Status ScanBalances(const std::function<bool(const AccountSum&)>& visit) override {
        return Scan<AccountSum>(
            kScanBalances,
            [](const Query& q) {
                return AccountSum{AccountId(q.Int(0)), Amount(q.Int(1))};
            },
            visit);
    }

    Status ScanOpenLotSums(const std::function<bool(const AccountSum&)>& visit) override {
        return Scan<AccountSum>(
            kScanOpenLotSums,
            [](const Query& q) {
                return AccountSum{AccountId(q.Int(0)), Amount(q.Int(1))};
            },
            visit);
    }

    Status ScanHolds(const std::function<bool(const HoldRow&)>& visit) override {
        return Scan<HoldRow>(kScanHolds, ReadHold, visit);
    }

    Status ScanLotMoves(const std::function<bool(const LotMoveRow&)>& visit) override {
        return Scan<LotMoveRow>(kScanLotMoves, ReadLotMove, visit);
    }

    Status ScanLots(const std::function<bool(const LotRow&)>& visit) override {
        return Scan<LotRow>(kScanLots, ReadLot, visit);
    }

    Status CheckIntegrity() override {
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v2(db_, "PRAGMA quick_check", -1, &stmt, nullptr);
        if (rc != SQLITE_OK) {
            return StorageError(db_, rc, "quick_check");
        }
        std::string first;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            const auto* text = sqlite3_column_text(stmt, 0);
            if (first.empty() && text != nullptr) {
                first = reinterpret_cast<const char*>(text);  // NOLINT: SQLite text is UTF-8
            }
        }
        sqlite3_finalize(stmt);
        if (rc != SQLITE_DONE) {
            return StorageError(db_, rc, "quick_check");
        }
        if (first != "ok") {
            return MakeError(ErrorCode::kCorruptDatabase,
                             fmt::format("database file is corrupt: {}", first));
        }
        return Ok();
    }

    // ---- Identity and access

    Result<ApiKeyId> InsertApiKey(const ApiKeyRow& key) override {
        auto q = Use(kInsertApiKey);
        q.Bind(1, key.public_id)
            .BindBlob(2, key.secret_hash)
            .Bind(3, key.name)
            .Bind(4, key.scopes)
            .Bind(5, key.store_binding)
            .Bind(6, key.channel_binding)
            .Bind(7, key.rate_per_minute)
            .Bind(8, ToMicros(key.created_at))
            .BindTime(9, key.revoked_at)
            .BindTime(10, key.last_used_at);
        CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
        CANDOR_ASSERT(row);
        return ApiKeyId(q.Int(0));
    }

    Result<std::optional<ApiKeyRow>> FindApiKeyByPublicId(std::string_view public_id) override {
        auto q = Use(kFindApiKeyByPublicId);
        q.Bind(1, public_id);
        return One<ApiKeyRow>(q, ReadApiKey);
    }

    Result<std::vector<ApiKeyRow>> ListApiKeys(ApiKeyId after, std::size_t limit) override {
        auto q = Use(kListApiKeys);
        q.Bind(1, after.value()).Bind(2, Limit(limit));
        return All<ApiKeyRow>(q, ReadApiKey);
    }

    Result<bool> RevokeApiKey(ApiKeyId id, Timestamp now) override {
        auto q = Use(kRevokeApiKey);
        q.Bind(1, id.value()).Bind(2, ToMicros(now));
        CANDOR_TRY(q.Run());
        return q.Changes() == 1;
    }

    Status TouchApiKey(ApiKeyId id, Timestamp now) override {
        auto q = Use(kTouchApiKey);
        q.Bind(1, id.value()).Bind(2, ToMicros(now));
        return q.Run();
    }

    Result<StaffId> InsertStaff(const StaffRow& staff) override {
        auto q = Use(kInsertStaff);
        q.BindBlob(1, staff.email_index).Bind(2, staff.display_name).Bind(3, staff.role);
        BindAuthState(q, 4, staff.auth);
        q.Bind(11, ToMicros(staff.created_at));
        CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
        CANDOR_ASSERT(row);
        return StaffId(q.Int(0));
    }

    Result<std::optional<StaffRow>> FindStaff(StaffId id) override {
        auto q = Use(kFindStaff);
        q.Bind(1, id.value());
        return One<StaffRow>(q, ReadStaff);
    }

    Result<std::optional<StaffRow>> FindStaffByEmailIndex(const Digest& email_index) override {
        auto q = Use(kFindStaffByEmailIndex);
        q.BindBlob(1, email_index);
        return One<StaffRow>(q, ReadStaff);
    }

    Status UpdateStaffAuth(StaffId id, const AuthState& auth) override {
        auto q = Use(kUpdateStaffAuth);
        q.Bind(1, id.value());
        BindAuthState(q, 2, auth);
        return q.Run();
    }

    Result<std::vector<StaffRow>> ListStaff(StaffId after, std::size_t limit) override {
        auto q = Use(kListStaff);
        q.Bind(1, after.value()).Bind(2, Limit(limit));
        return All<StaffRow>(q, ReadStaff);
    }

    Result<bool> DisableStaff(StaffId id, Timestamp now) override {
        auto q = Use(kDisableStaff);
        q.Bind(1, id.value()).Bind(2, ToMicros(now));
        CANDOR_TRY(q.Run());
        return q.Changes() == 1;
    }

    Result<bool> UpdateStaffRole(StaffId id, std::int64_t role) override {
        auto q = Use(kUpdateStaffRole);
        q.Bind(1, id.value()).Bind(2, role);
        CANDOR_TRY(q.Run());
        return q.Changes() == 1;
    }

    Result<std::int64_t> InsertAudit(const AuditRow& row) override {
        auto q = Use(kInsertAudit);
        q.Bind(1, ToMicros(row.at))
            .Bind(2, row.actor_kind)
            .Bind(3, row.actor_id)
            .Bind(4, row.action)
            .Bind(5, row.target)
            .Bind(6, row.reason)
            .Bind(7, row.request_id);
        CANDOR_ASSIGN_OR_RETURN(bool has_row, q.Step());
        CANDOR_ASSERT(has_row);
        return q.Int(0);
    }

    Result<std::vector<AuditRow>> ListAudit(std::int64_t before, std::size_t limit) override {
        auto q = Use(kListAudit);
        q.Bind(1, before > 0 ? before : INT64_MAX).Bind(2, static_cast<std::int64_t>(limit));
        return All<AuditRow>(q, ReadAudit);
    }

    Status ReplaceRecoveryCodes(StaffId staff, std::span<const Digest> code_hashes) override {
        {
            auto q = Use(kDeleteRecoveryCodes);
            q.Bind(1, staff.value());
            CANDOR_TRY(q.Run());
        }
        for (const Digest& code_hash : code_hashes) {
            auto q = Use(kInsertRecoveryCode);
            q.Bind(1, staff.value()).BindBlob(2, code_hash);
            CANDOR_TRY(q.Run());
        }
        return Ok();
    }

    Result<bool> UseRecoveryCode(StaffId staff, const Digest& code_hash, Timestamp now) override {
        auto q = Use(kUseRecoveryCode);
        q.Bind(1, staff.value()).BindBlob(2, code_hash).Bind(3, ToMicros(now));
        CANDOR_TRY(q.Run());
        return q.Changes() == 1;
    }

    Result<std::int64_t> CountUnusedRecoveryCodes(StaffId staff) override {
        auto q = Use(kCountUnusedRecoveryCodes);
        q.Bind(1, staff.value());
        CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
        CANDOR_ASSERT(row);
        return q.Int(0);
    }

    Result<std::int64_t> CountStaff() override {
        auto q = Use(kCountStaff);
        CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
        CANDOR_ASSERT(row);
        return q.Int(0);
    }

    Status InsertMemberCredentials(const MemberCredentialRow& credentials) override {
        auto q = Use(kInsertMemberCredentials);
        q.Bind(1, credentials.member.value()).BindBlob(2, credentials.login_index);
        BindAuthState(q, 3, credentials.auth);
        return q.Run();
    }

    Result<std::optional<MemberCredentialRow>> FindMemberCredentials(MemberId member) override {
        auto q = Use(kFindMemberCredentials);
        q.Bind(1, member.value());
        return One<MemberCredentialRow>(q, ReadMemberCredentials);
    }

    Result<std::optional<MemberCredentialRow>> FindMemberCredentialsByLoginIndex(
        const Digest& login_index) override {
        auto q = Use(kFindMemberCredentialsByLoginIndex);
        q.BindBlob(1, login_index);
        return One<MemberCredentialRow>(q, ReadMemberCredentials);
    }

    Status UpdateMemberAuth(MemberId member, const AuthState& auth) override {
        auto q = Use(kUpdateMemberAuth);
        q.Bind(1, member.value());
        BindAuthState(q, 2, auth);
        return q.Run();
    }

    Result<SessionId> InsertSession(const SessionRow& session) override {
        auto q = Use(kInsertSession);
        q.BindBlob(1, session.token_hash)
            .Bind(2, static_cast<std::int64_t>(session.subject_kind))
            .Bind(3, session.subject_id)
            .Bind(4, static_cast<std::int64_t>(session.purpose))
            .Bind(5, ToMicros(session.created_at))
            .Bind(6, ToMicros(session.last_seen_at))
            .Bind(7, ToMicros(session.expires_at))
            .BindTime(8, session.revoked_at);
        CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
        CANDOR_ASSERT(row);
        return SessionId(q.Int(0));
    }

    Result<std::optional<SessionRow>> FindSessionByTokenHash(const Digest& token_hash) override {
        auto q = Use(kFindSessionByTokenHash);
        q.BindBlob(1, token_hash);
        return One<SessionRow>(q, ReadSession);
    }

    Status TouchSession(SessionId id, Timestamp now) override {
        auto q = Use(kTouchSession);
        q.Bind(1, id.value()).Bind(2, ToMicros(now));
        return q.Run();
    }

    Result<bool> RevokeSession(SessionId id, Timestamp now) override {
        auto q = Use(kRevokeSession);
        q.Bind(1, id.value()).Bind(2, ToMicros(now));
        CANDOR_TRY(q.Run());
        return q.Changes() == 1;
    }

    Result<std::int64_t> RevokeSessionsOf(SubjectKind kind,
                                          std::int64_t subject_id,
                                          Timestamp now) override {
        auto q = Use(kRevokeSessionsOf);
        q.Bind(1, static_cast<std::int64_t>(kind)).Bind(2, subject_id).Bind(3, ToMicros(now));
        CANDOR_TRY(q.Run());
        return std::int64_t{q.Changes()};
    }

    Result<std::uint64_t> LoadTreeSize() override {
        auto q = Use(kLoadTreeSize);
        CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
        CANDOR_ASSERT(row);
        CANDOR_ASSERT(q.Int(0) >= 0);
        return static_cast<std::uint64_t>(q.Int(0));
    }

    Status InsertTreeNode(const TreeNodeRow& node) override {
        CANDOR_ASSERT(node.level >= 1);
        auto q = Use(kInsertTreeNode);
        q.Bind(1, node.level).Bind(2, TreeInt(node.index)).BindBlob(3, node.hash);
        return q.Run();
    }

    Result<std::optional<Digest>> LoadTreeNode(int level, std::uint64_t index) override {
        CANDOR_ASSERT(level >= 1);
        auto q = Use(kLoadTreeNode);
        q.Bind(1, level).Bind(2, TreeInt(index));
        return One<Digest>(q, [](const Query& row) { return row.DigestAt(0); });
    }

    // Sorted by key, so that consecutive inserts land on neighbouring pages, and sixteen rows
    // per statement.
    Status InsertLeafKeys(std::uint64_t first_index, std::span<const Digest> leaf_hashes) override {
        std::vector<std::pair<std::int64_t, std::int64_t>> keys;
        keys.reserve(leaf_hashes.size());
        for (std::size_t i = 0; i < leaf_hashes.size(); ++i) {
            keys.emplace_back(LeafKey(leaf_hashes[i]), TreeInt(first_index + i));
        }
        std::sort(keys.begin(), keys.end());
        std::size_t next = 0;
        for (; next + kLeafKeysPerInsert <= keys.size(); next += kLeafKeysPerInsert) {
            auto q = Use(kInsertLeafKeys16);
            for (std::size_t row = 0; row < kLeafKeysPerInsert; ++row) {
                const int column = 2 * static_cast<int>(row) + 1;
                q.Bind(column, keys[next + row].first).Bind(column + 1, keys[next + row].second);
            }
            CANDOR_TRY(q.Run());
        }
        for (; next < keys.size(); ++next) {
            auto q = Use(kInsertLeafKey);
            q.Bind(1, keys[next].first).Bind(2, keys[next].second);
            CANDOR_TRY(q.Run());
        }
        return Ok();
    }

    Status InsertTreeHead(const TreeHeadRow& head) override {
        auto q = Use(kInsertTreeHead);
        q.Bind(1, TreeInt(head.size))
            .BindBlob(2, head.root)
            .Bind(3, ToMicros(head.timestamp))
            .Bind(4, head.key_id)
            .BindBytes(5, head.signature);
        return q.Run();
    }

    Result<std::optional<TreeHeadRow>> LoadTreeHead(std::uint64_t size) override {
        auto q = Use(kLoadTreeHead);
        q.Bind(1, TreeInt(size));
        return One<TreeHeadRow>(q, ReadTreeHead);
    }

    Result<std::optional<TreeHeadRow>> LatestTreeHead() override {
        auto q = Use(kLatestTreeHead);
        return One<TreeHeadRow>(q, ReadTreeHead);
    }

    Result<std::vector<LeafRow>> LoadLeafHashes(EntryId from, std::size_t limit) override {
        auto q = Use(kLoadLeafHashes);
        q.Bind(1, from.value()).Bind(2, Limit(limit));
        return All<LeafRow>(q, [](const Query& row) {
            return LeafRow{EntryId(row.Int(0)), row.DigestAt(1)};
        });
    }

    Status ScanTreeNodes(const std::function<bool(const TreeNodeRow&)>& visit) override {
        return Scan<TreeNodeRow>(kScanTreeNodes, ReadTreeNode, visit);
    }

    Status ScanTreeHeads(const std::function<bool(const TreeHeadRow&)>& visit) override {
        return Scan<TreeHeadRow>(kScanTreeHeads, ReadTreeHead, visit);
    }

    Result<std::optional<std::uint64_t>> FindLeafByHash(const Digest& leaf_hash) override {
        auto q = Use(kFindLeafByHash);
        q.Bind(1, LeafKey(leaf_hash)).BindBlob(2, leaf_hash);
        return One<std::uint64_t>(
            q, [](const Query& row) { return static_cast<std::uint64_t>(row.Int(0)); });
    }

    Status InsertSigningKey(const SigningKeyRow& key) override {
        auto q = Use(kInsertSigningKey);
        q.Bind(1, key.key_id).BindBlob(2, key.public_key).Bind(3, ToMicros(key.created_at));
        return q.Run();
    }

    Result<std::vector<SigningKeyRow>> ListSigningKeys() override {
        auto q = Use(kListSigningKeys);
        return All<SigningKeyRow>(q, [](const Query& row) {
            return SigningKeyRow{row.Text(0), row.DigestAt(1), FromMicros(row.Int(2))};
        });
    }

    Status SaveProgramDraft(const ProgramDraftRow& draft) override {
        auto q = Use(kSaveProgramDraft);
        q.Bind(1, draft.document).Bind(2, ToMicros(draft.updated_at)).Bind(3, draft.updated_by);
        return q.Run();
    }

    Result<std::optional<ProgramDraftRow>> LoadProgramDraft() override {
        auto q = Use(kLoadProgramDraft);
        return One<ProgramDraftRow>(q, [](const Query& row) {
            return ProgramDraftRow{row.Text(0), FromMicros(row.Int(1)), row.Text(2)};
        });
    }

    Result<std::int64_t> PublishProgramVersion(std::int64_t latest,
                                               const ProgramVersionRow& version) override {
        if (latest < 0 || latest == INT64_MAX) {
            return MakeError(ErrorCode::kInvalidArgument, "no program version has this number");
        }
        {
            auto q = Use(kPublishProgramVersion);
            q.Bind(1, latest)
                .Bind(2, version.document)
                .Bind(3, ToMicros(version.info.published_at))
                .Bind(4, version.info.published_by)
                .Bind(5, version.info.note);
            CANDOR_TRY(q.Run());
            if (q.Changes() == 1) {
                return latest + 1;
            }
        }
        // Nothing was inserted: tell a lost race from a number that was never published.
        auto q = Use(kLatestProgramVersionNumber);
        CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
        CANDOR_ASSERT(row);
        if (q.Int(0) > latest) {
            return MakeError(ErrorCode::kAlreadyExists,
                             fmt::format("program version {} was published meanwhile", latest + 1));
        }
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("program version {} was never published", latest));
    }

    Result<std::optional<ProgramVersionRow>> LoadProgramVersion(std::int64_t version) override {
        auto q = Use(kLoadProgramVersion);
        q.Bind(1, version);
        return One<ProgramVersionRow>(q, ReadProgramVersion);
    }

    Result<std::optional<ProgramVersionRow>> LoadLatestProgramVersion() override {
        auto q = Use(kLoadLatestProgramVersion);
        return One<ProgramVersionRow>(q, ReadProgramVersion);
    }

    Result<std::vector<ProgramVersionInfo>> ListProgramVersions(std::int64_t before,
                                                                std::size_t limit) override {
        auto q = Use(kListProgramVersions);
        q.Bind(1, before > 0 ? before : INT64_MAX).Bind(2, Limit(limit));
        return All<ProgramVersionInfo>(q, ReadProgramVersionInfo);
    }

    Result<std::vector<std::int64_t>> LoadCounters(std::span<const CounterKey> keys) override {
        std::vector<std::int64_t> values;
        values.reserve(keys.size());
        for (const CounterKey& key : keys) {
            CANDOR_ASSIGN_OR_RETURN(const std::int64_t value, LoadCounter(key));
            values.push_back(value);
        }
        return values;
    }

    Result<CounterUpdate> AddToCounter(const CounterKey& key,
                                       std::int64_t delta,
                                       std::int64_t max) override {
        // The add applies while low <= value <= high: then value + delta fits int64 and is at most
        // `max`. Bounds beyond int64 are clamped; a high below every int64 refuses every value.
        const Int128 high = Int128{max} - delta;
        const Int128 low = Int128{INT64_MIN} - delta;
        if (high < INT64_MIN) {
            CANDOR_ASSIGN_OR_RETURN(const std::int64_t value, LoadCounter(key));
            return CounterUpdate{false, value};
        }
        const auto bound = [](Int128 v) {
            return v < INT64_MIN   ? INT64_MIN
                   : v > INT64_MAX ? INT64_MAX
                                   : static_cast<std::int64_t>(v);
        };
        // A counter without a row is 0: when 0 may take the delta, one upsert adds it either way;
        // otherwise only an existing row (say, below 0 after a give-back) can.
        const bool may_insert = Int128{0} <= high;
        std::optional<std::int64_t> applied;
        {
            auto q = Use(may_insert ? kUpsertCounter : kAddToCounter);
            q.Bind(1, key.scope)
                .Bind(2, ToMicros(key.period_start))
                .Bind(3, delta)
                .Bind(4, bound(low))
                .Bind(5, bound(high));
            // The write happens at the first step, which also yields the RETURNING row.
            CANDOR_ASSIGN_OR_RETURN(
                applied, One<std::int64_t>(q, [](const Query& row) { return row.Int(0); }));
        }
        if (applied) {
            return CounterUpdate{true, *applied};
        }
        CANDOR_ASSIGN_OR_RETURN(const std::int64_t value, LoadCounter(key));
        return CounterUpdate{false, value};
    }

    Result<MemberFactsRow> LoadMemberFacts(MemberId member) override {
        auto q = Use(kLoadMemberFacts);
        q.Bind(1, member.value());
        CANDOR_ASSIGN_OR_RETURN(
            std::optional<MemberFactsRow> facts, One<MemberFactsRow>(q, [](const Query& row) {
                return MemberFactsRow{
                    MemberId(row.Int(0)),
                    row.Int(1),
                    row.Int(2),
                    OptionalTime(row, 3),
                    OptionalTime(row, 4),
                    row.IsNull(5) ? std::nullopt : std::optional<std::int64_t>(row.Int(5)),
                    row.Text(6),
                    OptionalTime(row, 7)};
            }));
        if (!facts) {
            facts.emplace();
            facts->member = member;
        }
        return std::move(*facts);
    }

    Status RecordPurchase(MemberId member, Timestamp at, std::int64_t local_day) override {
        auto q = Use(kRecordPurchase);
        q.Bind(1, member.value()).Bind(2, ToMicros(at)).Bind(3, local_day);
        return q.Run();
    }

    Status StoreMemberTier(MemberId member, std::string_view tier, Timestamp since) override {
        auto q = Use(kStoreMemberTier);
        q.Bind(1, member.value()).Bind(2, tier).Bind(3, ToMicros(since));
        return q.Run();
    }

private:
    Status Exec(const std::string& sql) {
        char* message = nullptr;
        const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
        sqlite3_free(message);
        if (rc != SQLITE_OK) {
            return StorageError(db_, sqlite3_extended_errcode(db_), sql.substr(0, 60));
        }
        return Ok();
    }

    Result<std::int64_t> PragmaInt(const char* sql) {
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr);
        if (rc != SQLITE_OK) {
            return StorageError(db_, sqlite3_extended_errcode(db_), sql);
        }
        rc = sqlite3_step(stmt);
        const std::int64_t value = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
        sqlite3_finalize(stmt);
        if (rc != SQLITE_ROW) {
            return StorageError(db_, sqlite3_extended_errcode(db_), sql);
        }
        return value;
    }

    // A fresh file is ours to claim; any other SQLite file must carry our application id.
    Status CheckOwnership() {
        CANDOR_ASSIGN_OR_RETURN(std::int64_t application_id, PragmaInt("PRAGMA application_id"));
        CANDOR_ASSIGN_OR_RETURN(std::int64_t version, PragmaInt("PRAGMA user_version"));
        CANDOR_ASSIGN_OR_RETURN(std::int64_t objects,
                                PragmaInt("SELECT COUNT(*) FROM sqlite_schema"));
        if (application_id == 0 && version == 0 && objects == 0) {
            return Ok();
        }
        if (application_id != kApplicationId) {
            return MakeError(ErrorCode::kForeignDatabase,
                             "file is not a Candor database: it belongs to another application");
        }
        if (version > LatestSchemaVersion()) {
            return MakeError(
                ErrorCode::kSchemaTooNew,
                fmt::format("database schema {} is newer than this build understands ({})",
                            version,
                            LatestSchemaVersion()));
        }
        return Ok();
    }

    // A read-only connection cannot migrate, and this build's statements need the latest
    // schema: an older Candor database must be opened read-write once first.
    Status CheckMigrated() {
        CANDOR_ASSIGN_OR_RETURN(std::int64_t version, PragmaInt("PRAGMA user_version"));
        if (version == 0 || version >= LatestSchemaVersion()) {
            return Ok();
        }
        return MakeError(ErrorCode::kSchemaTooOld,
                         fmt::format("database schema {} is older than this build's ({}); open "
                                     "it read-write once to migrate it (start candord on it, or "
                                     "run `candor sequence`)",
                                     version,
                                     LatestSchemaVersion()));
    }

    Status Migrate() {
        CANDOR_ASSIGN_OR_RETURN(std::int64_t version, PragmaInt("PRAGMA user_version"));
        const auto& migrations = Migrations();
        for (std::size_t i = static_cast<std::size_t>(version); i < migrations.size(); ++i) {
            CANDOR_TRY(Exec("BEGIN IMMEDIATE"));
            auto applied = Exec(std::string(migrations[i].content));
            if (applied) {
                applied = Exec(fmt::format("PRAGMA application_id = {}", kApplicationId));
            }
            if (applied) {
                applied = Exec(fmt::format("PRAGMA user_version = {}", i + 1));
            }
            if (applied) {
                applied = Exec("COMMIT");
            }
            if (!applied) {
                (void)Exec("ROLLBACK");
                return applied;
            }
        }
        return Ok();
    }

    Status Prepare() {
        for (std::size_t i = 0; i < kSqlCount; ++i) {
            const int rc = sqlite3_prepare_v3(
                db_, kSqlText.at(i), -1, SQLITE_PREPARE_PERSISTENT, &statements_.at(i), nullptr);
            if (rc != SQLITE_OK) {
                return StorageError(db_, sqlite3_extended_errcode(db_), kSqlText.at(i));
            }
        }
        return Ok();
    }

    Query Use(Sql sql) { return Query(db_, statements_.at(sql)); }

    Result<std::int64_t> LoadCounter(const CounterKey& key) {
        auto q = Use(kLoadCounter);
        q.Bind(1, key.scope).Bind(2, ToMicros(key.period_start));
        CANDOR_ASSIGN_OR_RETURN(const std::optional<std::int64_t> value,
                                One<std::int64_t>(q, [](const Query& row) { return row.Int(0); }));
        return value.value_or(0);
    }

    Status Plain(Sql sql) {
        auto q = Use(sql);
        return q.Run();
    }

    template <class T, class Read>
    Result<std::optional<T>> One(Query& q, Read read) {
        CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) {
            return std::optional<T>();
        }
        return std::optional<T>(read(q));
    }

    template <class T, class Read>
    Result<std::vector<T>> All(Query& q, Read read) {
        std::vector<T> rows;
        for (;;) {
            CANDOR_ASSIGN_OR_RETURN(bool row, q.Step());
            if (!row) {
                return rows;
            }
            rows.push_back(read(q));
        }
    }

    template <class T, class Read>
    Status Scan(Sql sql, Read read, const std::function<bool(const T&)>& visit) {
        // Scans use their own statement so that a visitor may call other store methods.
        sqlite3_stmt* stmt = nullptr;
        const int rc = sqlite3_prepare_v3(
            db_, kSqlText.at(sql), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) {
            return StorageError(db_, sqlite3_extended_errcode(db_), kSqlText.at(sql));
        }
        Status result = Ok();
        {
            Query q(db_, stmt);
            for (;;) {
                auto row = q.Step();
                if (!row) {
                    result = std::move(row).error();
                    break;
                }
                if (!*row || !visit(read(q))) {
                    break;
                }
            }
        }
        sqlite3_finalize(stmt);
        return result;
    }

    sqlite3* db_;
    std::array<sqlite3_stmt*, kSqlCount> statements_{};
};

}  // namespace

int LatestSchemaVersion() {
    return static_cast<int>(Migrations().size());
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const OpenOptions& options) {
    int flags = SQLITE_OPEN_NOMUTEX;
    if (options.read_only) {
        flags |= SQLITE_OPEN_READONLY;
    } else {
        flags |= SQLITE_OPEN_READWRITE;
        if (options.create) {
            flags |= SQLITE_OPEN_CREATE;
        }
    }
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        Error error = StorageError(db, rc, fmt::format("cannot open database {}", path));
        sqlite3_close(db);
        return error;
    }
    sqlite3_extended_result_codes(db, 1);
    auto store = std::make_unique<SqliteStore>(db);
    CANDOR_TRY(store->Initialize(options, path == ":memory:"));
    return std::unique_ptr<Store>(std::move(store));
}

}  // namespace candor::store::sqlite
