-- Candor schema 9: what the program engine (module program/) keeps in the database
-- (docs/storage.md, "Program").
--
-- program_draft: the one draft of the program being edited, as JSON text (the program module
-- parses and checks it; the store keeps it as given), with when and by whom it was last saved
-- (an actor as the audit log names one: "staff:7", "key:<public id>"). At most one row (id 1).
-- program_versions: every published version, numbered 1, 2, 3, ... in publishing order and never
-- changed or deleted; restoring an old version saves its document as the draft and publishes it
-- again under a new number.

CREATE TABLE program_draft (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    document   TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT    NOT NULL
);

CREATE TABLE program_versions (
    version      INTEGER PRIMARY KEY CHECK (version >= 1),
    document     TEXT    NOT NULL,
    published_at INTEGER NOT NULL,
    published_by TEXT    NOT NULL,
    note         TEXT    NOT NULL
);

-- counters: how much of a cap is used (docs/storage.md, "Counters"), per (scope, period start):
-- the scope names what is capped ("rule:weekend:member:42", "campaign:xmas") and period_start is
-- the start of the period the cap counts (UTC microseconds; 0 for a cap that never resets). A
-- missing row counts 0. Changed only by a conditional add that keeps the value at or below the
-- cap, so no interleaving of writers can exceed it.
CREATE TABLE counters (
    scope        TEXT    NOT NULL,
    period_start INTEGER NOT NULL,
    value        INTEGER NOT NULL,
    PRIMARY KEY (scope, period_start)
) WITHOUT ROWID;

-- member_facts: what the program's rules and tiers read about a member besides balances
-- (docs/storage.md, "Member facts"): purchases counted, visits (local days with a purchase,
-- last_visit_day being the latest such day counted, in days since 1970-01-01 of the member's
-- time zone), the first and latest purchase times, and the tier with the time it was reached
-- ('' and NULL until the program gives one). A member without a row has no purchases and no
-- tier. Written in the committer's transaction, by relative updates.
CREATE TABLE member_facts (
    member_id         INTEGER PRIMARY KEY,
    purchases_count   INTEGER NOT NULL,
    visits_count      INTEGER NOT NULL,
    first_purchase_at INTEGER,
    last_purchase_at  INTEGER,
    last_visit_day    INTEGER,
    tier              TEXT    NOT NULL,
    tier_since        INTEGER
);
