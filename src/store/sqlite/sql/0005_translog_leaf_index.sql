-- Candor schema 5: find a leaf of the transparency log by its hash (GET
-- /v1/transparency/proof/inclusion?leaf_hash=...). A partial index over level 0 of tree_nodes,
-- written by the sequencer only, so the committer's path (entries, postings) pays nothing. It
-- keys on the hash's first 8 bytes, not all 32: a smaller index stays in the page cache, which
-- keeps the sequencer's random inserts cheap; a lookup compares the whole hash afterwards.
-- Schema 4 is another change's; this file is numbered 5 so that both merge in either order.

CREATE INDEX tree_leaves_by_hash ON tree_nodes (substr(hash, 1, 8)) WHERE level = 0;

-- The public keys that signed tree heads, so that heads signed before a key rotation stay
-- verifiable (GET /v1/transparency/keys). The sequencer adds its key in the transaction of the
-- first head it signs. key_id is the hex of the first 8 bytes of SHA-256(public key).
CREATE TABLE signing_keys (
    key_id     TEXT    PRIMARY KEY,
    public_key BLOB    NOT NULL CHECK (length(public_key) = 32),
    created_at INTEGER NOT NULL
);
