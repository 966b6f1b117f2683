-- Candor schema 1: members, accounts and balances, the journal, lots, holds, idempotency.
-- Balances are kept per (account, shard): a busy program account spreads its updates over
-- many rows so that no single row is written by every earn.

CREATE TABLE members (
    id         INTEGER PRIMARY KEY,
    public_id  TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE system_accounts (
    id              INTEGER PRIMARY KEY,
    kind            INTEGER NOT NULL,
    asset           INTEGER NOT NULL,
    code            TEXT    NOT NULL UNIQUE,
    allows_negative INTEGER NOT NULL,
    shards          INTEGER NOT NULL CHECK (shards BETWEEN 1 AND 256),
    created_at      INTEGER NOT NULL
);

CREATE TABLE balances (
    account_id INTEGER NOT NULL,
    shard      INTEGER NOT NULL,
    balance    INTEGER NOT NULL,
    PRIMARY KEY (account_id, shard)
) WITHOUT ROWID;

CREATE TABLE entries (
    id         INTEGER PRIMARY KEY,
    kind       INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    reference  INTEGER NOT NULL,
    body       BLOB    NOT NULL,
    leaf_hash  BLOB    NOT NULL
);

-- Clustered by account, so that history and per-account sums read contiguous pages.
CREATE TABLE postings (
    account_id INTEGER NOT NULL,
    entry_id   INTEGER NOT NULL,
    leg        INTEGER NOT NULL,
    asset      INTEGER NOT NULL,
    amount     INTEGER NOT NULL,
    PRIMARY KEY (account_id, entry_id, leg)
) WITHOUT ROWID;

CREATE TABLE lots (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    entry_id   INTEGER NOT NULL,
    amount     INTEGER NOT NULL,
    remaining  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
-- Spent lots drop out of both indexes, which stay as small as the open lots.
CREATE INDEX lots_open ON lots (account_id, id) WHERE remaining > 0;
CREATE INDEX lots_expiry ON lots (expires_at) WHERE remaining > 0;

CREATE TABLE lot_moves (
    entry_id INTEGER NOT NULL,
    lot_id   INTEGER NOT NULL,
    position INTEGER NOT NULL,
    amount   INTEGER NOT NULL,
    restored INTEGER NOT NULL,
    PRIMARY KEY (entry_id, lot_id)
) WITHOUT ROWID;

CREATE TABLE holds (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL,
    asset      INTEGER NOT NULL,
    amount     INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    state      INTEGER NOT NULL,
    closed_by  INTEGER NOT NULL
);
CREATE INDEX holds_open ON holds (expires_at) WHERE state = 0;

CREATE TABLE reversals (
    original_id   INTEGER PRIMARY KEY,
    whole         INTEGER NOT NULL,
    reversed_part INTEGER NOT NULL
);

CREATE TABLE idempotency (
    client_id   TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    fingerprint BLOB    NOT NULL,
    result_id   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (client_id, key)
) WITHOUT ROWID;
