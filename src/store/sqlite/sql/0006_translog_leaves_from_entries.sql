-- Candor schema 6: levels 0 and 1 of the transparency log's tree are no longer stored in
-- tree_nodes. Leaf i is the leaf hash of entry i + 1, which entries.leaf_hash already holds
-- (and `candor verify` recomputes from the entry's bytes), and a level-1 node is the hash of two
-- adjacent leaves, which a proof reads in one range of entries; storing them cost the sequencer
-- three of every four inserts. tree_nodes now holds the complete subtrees of 4 leaves and more
-- (level >= 2, translog::kFirstStoredLevel); the tree's size is the size of its latest signed
-- head, which the sequencer stores in the transaction that stores the batch's nodes.
--
-- The lookup of a leaf by its hash (GET /v1/transparency/proof/inclusion?leaf_hash=...) moves
-- from the partial index of schema 5 to tree_leaf_keys: the first 8 bytes of each integrated
-- leaf hash, read as a big-endian two's complement 64-bit integer, and the leaf's index. An
-- integer key compares faster than a blob and binds without a copy. The sequencer alone writes
-- it (the committer's path pays nothing), in key order within a batch. A lookup compares the
-- whole hash in entries afterwards, so two leaves sharing a prefix are told apart.

CREATE TABLE tree_leaf_keys (
    prefix INTEGER NOT NULL,
    idx    INTEGER NOT NULL,
    PRIMARY KEY (prefix, idx)
) WITHOUT ROWID;

-- The prefix from the hex of the first 8 bytes, 4 bits per digit (<< wraps into the sign bit).
INSERT INTO tree_leaf_keys (prefix, idx)
    SELECT
        ((instr('0123456789ABCDEF', substr(h, 1, 1)) - 1) << 60) |
        ((instr('0123456789ABCDEF', substr(h, 2, 1)) - 1) << 56) |
        ((instr('0123456789ABCDEF', substr(h, 3, 1)) - 1) << 52) |
        ((instr('0123456789ABCDEF', substr(h, 4, 1)) - 1) << 48) |
        ((instr('0123456789ABCDEF', substr(h, 5, 1)) - 1) << 44) |
        ((instr('0123456789ABCDEF', substr(h, 6, 1)) - 1) << 40) |
        ((instr('0123456789ABCDEF', substr(h, 7, 1)) - 1) << 36) |
        ((instr('0123456789ABCDEF', substr(h, 8, 1)) - 1) << 32) |
        ((instr('0123456789ABCDEF', substr(h, 9, 1)) - 1) << 28) |
        ((instr('0123456789ABCDEF', substr(h, 10, 1)) - 1) << 24) |
        ((instr('0123456789ABCDEF', substr(h, 11, 1)) - 1) << 20) |
        ((instr('0123456789ABCDEF', substr(h, 12, 1)) - 1) << 16) |
        ((instr('0123456789ABCDEF', substr(h, 13, 1)) - 1) << 12) |
        ((instr('0123456789ABCDEF', substr(h, 14, 1)) - 1) << 8) |
        ((instr('0123456789ABCDEF', substr(h, 15, 1)) - 1) << 4) |
        ((instr('0123456789ABCDEF', substr(h, 16, 1)) - 1) << 0) AS prefix,
        idx
    FROM (SELECT hex(substr(hash, 1, 8)) AS h, idx FROM tree_nodes WHERE level = 0)
    ORDER BY 1, 2;

DROP INDEX tree_leaves_by_hash;
DELETE FROM tree_nodes WHERE level < 2;
