-- Candor schema 4: the audit log of administrative actions (docs/access.md, "Audit log"), and
-- disabled staff accounts.
-- audit_log: one row per action, only ever inserted. actor_kind is 'key', 'staff' or
-- 'member'; actor_id the key's public id, the staff id or the member's public id; action a
-- dotted name ("key.create", "staff.disable", "adjustment.create"); target the object's id;
-- reason the free text the action requires ("" when it takes none); request_id the request's
-- X-Request-Id. No email, phone, password, secret or token is ever written here.
-- staff.disabled_at: UTC microseconds when an admin disabled the account; NULL while enabled.

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_kind TEXT    NOT NULL CHECK (actor_kind IN ('key', 'staff', 'member')),
    actor_id   TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    target     TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    request_id TEXT    NOT NULL
);

ALTER TABLE staff ADD COLUMN disabled_at INTEGER;
