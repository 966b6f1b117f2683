-- Candor schema 2: identity and access (module access/). API keys, staff accounts, recovery
-- codes, member credentials and sessions. No secret is stored as it was given: API key secrets
-- and session tokens as SHA-256 digests, passwords as Argon2id strings, recovery codes as keyed
-- HMACs, and emails and phones only as keyed HMAC blind indexes (the vault comes with #7).
-- Times are UTC microseconds; NULL (or 0 for locked_until) means "never".

CREATE TABLE api_keys (
    id              INTEGER PRIMARY KEY,
    public_id       TEXT    NOT NULL UNIQUE,
    secret_hash     BLOB    NOT NULL,
    name            TEXT    NOT NULL,
    scopes          TEXT    NOT NULL,
    store_binding   TEXT    NOT NULL,
    channel_binding TEXT    NOT NULL,
    rate_per_minute INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER,
    last_used_at    INTEGER
);

-- TODO(#7): totp_secret is stored in the clear; encrypt it with the vault.
CREATE TABLE staff (
    id                  INTEGER PRIMARY KEY,
    email_index         BLOB    NOT NULL UNIQUE,
    display_name        TEXT    NOT NULL,
    password_hash       TEXT    NOT NULL,
    role                INTEGER NOT NULL,
    totp_secret         BLOB    NOT NULL,
    totp_confirmed      INTEGER NOT NULL,
    totp_last_step      INTEGER NOT NULL,
    failed_logins       INTEGER NOT NULL,
    locked_until        INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL,
    created_at          INTEGER NOT NULL
);

CREATE TABLE recovery_codes (
    staff_id  INTEGER NOT NULL,
    code_hash BLOB    NOT NULL,
    used_at   INTEGER,
    PRIMARY KEY (staff_id, code_hash)
) WITHOUT ROWID;

-- TODO(#7): totp_secret is stored in the clear; encrypt it with the vault.
CREATE TABLE member_credentials (
    member_id           INTEGER PRIMARY KEY,
    login_index         BLOB    NOT NULL UNIQUE,
    password_hash       TEXT    NOT NULL,
    totp_secret         BLOB    NOT NULL,
    totp_confirmed      INTEGER NOT NULL,
    totp_last_step      INTEGER NOT NULL,
    failed_logins       INTEGER NOT NULL,
    locked_until        INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   BLOB    NOT NULL UNIQUE,
    subject_kind INTEGER NOT NULL,
    subject_id   INTEGER NOT NULL,
    purpose      INTEGER NOT NULL,  -- 0: full access, 1: TOTP enrolment only
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
-- Revoking every session of a subject (password change) reads only that subject's rows.
CREATE INDEX sessions_subject ON sessions (subject_kind, subject_id) WHERE revoked_at IS NULL;
