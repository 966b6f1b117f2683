-- Candor schema 3: the transparency log (module translog/, docs/transparency.md).
-- tree_nodes holds every complete subtree of the Merkle tree over the journal: the node at
-- (level, idx) is the RFC 9162 hash of leaves idx * 2^level .. (idx + 1) * 2^level - 1, and
-- leaf i (level 0) is the leaf hash of entry i + 1. Rows are only ever inserted.
-- tree_heads holds the signed tree heads, one per tree size: the root, the signing time (UTC
-- microseconds), the Ed25519 key id (hex) and the 64-byte signature.

CREATE TABLE tree_nodes (
    level INTEGER NOT NULL CHECK (level >= 0 AND level < 64),
    idx   INTEGER NOT NULL CHECK (idx >= 0),
    hash  BLOB    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

CREATE TABLE tree_heads (
    size      INTEGER PRIMARY KEY CHECK (size >= 0),
    root      BLOB    NOT NULL CHECK (length(root) = 32),
    timestamp INTEGER NOT NULL,
    key_id    TEXT    NOT NULL,
    signature BLOB    NOT NULL CHECK (length(signature) = 64)
);
