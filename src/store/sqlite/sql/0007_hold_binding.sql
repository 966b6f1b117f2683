-- Candor schema 7 (6 until the transparency log's 0006 merges; versions count files): the store
-- and channel a hold was placed for (docs/access.md, "Store and channel bindings"), so that a
-- key bound to another store or channel cannot capture or void it. '' when the hold named none
-- (an unbound key or a session that named no store); holds placed before this schema have ''.

ALTER TABLE holds ADD COLUMN store TEXT NOT NULL DEFAULT '';
ALTER TABLE holds ADD COLUMN channel TEXT NOT NULL DEFAULT '';
