// The transparency log: the journal's entries as leaves of an append-only Merkle tree, hashed
// exactly as RFC 9162 section 2.1 (= RFC 6962 section 2.1) defines, with inclusion and
// consistency proofs that anyone can check with the root hash alone.
//
// What it offers: tree hashing (leaf, node, empty root), the root of any prefix of a tree,
// inclusion proofs (PATH) and consistency proofs (PROOF) generated from any NodeSource, and
// their verification. Nodes come through NodeSource: MemoryTree keeps them in memory,
// StoredTree reads them from the store (leaves from the journal's entries, the nodes of
// kFirstStoredLevel and above from tree_nodes). Sequence integrates new journal entries
// into the stored tree and signs a tree head (Ed25519) after each batch; VerifyTreeHead checks
// one. The signed bytes are specified at EncodeTreeHead and in docs/transparency.md.
//
// What it never does: read personal data (leaves are journal entries, which are pseudonymous)
// or trust a proof: Verify* recompute everything from the proof and the roots.
//
// Thread-safety: the hashing and proof functions are pure and thread-safe. A MemoryTree or a
// StoredTree is used by one thread at a time (a StoredTree by the thread of its Store). A
// Signer is immutable and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "crypto/crypto.h"
#include "store/store.h"

namespace candor::translog {

using Hash = crypto::Sha256Digest;

// SHA-256(0x00 || data): the hash of a leaf (journal::HashLeaf computes the same for entries).
Hash HashLeaf(std::span<const std::uint8_t> data);

// SHA-256(0x01 || left || right).
Hash HashChildren(const Hash& left, const Hash& right);

// The root of the empty tree: SHA-256 of the empty string.
Hash EmptyRoot();

// Where proofs read subtree hashes from.
class NodeSource {
public:
    virtual ~NodeSource() = default;

    // Leaves the source holds.
    virtual std::uint64_t size() const = 0;

    // The hash of the complete subtree of 2^level leaves whose first leaf is index * 2^level.
    // REQUIRES: (index + 1) * 2^level <= size().
    virtual Result<Hash> Node(int level, std::uint64_t index) = 0;
};

// A tree held in memory, level by level: appending a leaf completes its parents, so every
// complete subtree is stored once and Node is a lookup.
class MemoryTree final : public NodeSource {
public:
    void Append(const Hash& leaf_hash);

    std::uint64_t size() const override;

    Result<Hash> Node(int level, std::uint64_t index) override;

private:
    std::vector<std::vector<Hash>> levels_;
};

// MTH(D[0:size]): the root of the first `size` leaves. kInvalidArgument if size > source size.
Result<Hash> RootAt(NodeSource& source, std::uint64_t size);

// PATH(index, D[0:size]) of RFC 9162 section 2.1.3.1, deepest sibling first.
// kInvalidArgument unless index < size <= source size.
Result<std::vector<Hash>> InclusionProof(NodeSource& source,
                                         std::uint64_t index,
                                         std::uint64_t size);

// PROOF(size1, D[0:size2]) of RFC 9162 section 2.1.4.1.
// kInvalidArgument unless 0 < size1 <= size2 <= source size.
Result<std::vector<Hash>> ConsistencyProof(NodeSource& source,
                                           std::uint64_t size1,
                                           std::uint64_t size2);

// Checks that `leaf_hash` is leaf `index` of the tree of `size` leaves whose root is `root`
// (RFC 9162 section 2.1.3.2). kProofInvalid when it is not or the proof is malformed.
Status VerifyInclusion(std::uint64_t index,
                       std::uint64_t size,
                       const Hash& leaf_hash,
                       std::span<const Hash> proof,
                       const Hash& root);

// Checks that the tree of size2 leaves with root2 extends the tree of size1 leaves with root1
// (RFC 9162 section 2.1.4.2). size1 == size2 holds only with an empty proof and equal roots; a
// proof from the empty tree (size1 == 0) is refused as meaningless. kProofInvalid otherwise.
Status VerifyConsistency(std::uint64_t size1,
                         std::uint64_t size2,
                         const Hash& root1,
                         const Hash& root2,
                         std::span<const Hash> proof);

// ---- The stored tree and signed tree heads

// The levels of the stored tree below this one are not stored as nodes: leaf i (level 0) is
// journal entry i + 1's leaf hash, read from the entries, and a node of level 1 is hashed from
// its two leaves when a proof needs it. tree_nodes holds the complete subtrees of
// 2^kFirstStoredLevel leaves and more: a quarter of the tree's nodes, so the sequencer writes
// one row per four leaves (and `candor verify` expects exactly these).
inline constexpr int kFirstStoredLevel = 2;

// The tree as stored: levels below kFirstStoredLevel come from the entries' leaf hashes, the
// others from tree_nodes, every complete subtree of the first size() leaves. Node reads one
// row (or one range of 2^level entries); a missing row is kCorruptDatabase.
class StoredTree final : public NodeSource {
public:
    // Reads the tree size from the store: the size of the latest signed head, so that nodes
    // appended without a head (Sequence always signs one in the same transaction) do not count.
    // kStorage when it cannot.
    static Result<StoredTree> Open(store::Store& store);

    std::uint64_t size() const override { return size_; }

    Result<Hash> Node(int level, std::uint64_t index) override;

    // Integrates leaf size() and stores every node from kFirstStoredLevel up that it completes,
    // as MemoryTree::Append does; the leaf itself is the journal's (entry size() + 1). The left
    // siblings it needs are the tree's right edge (one complete subtree per set bit of size()),
    // read once at the first Append and then kept, so appending only writes. After a failed
    // Append the caller rolls back and drops this StoredTree (Sequence does).
    // REQUIRES: the caller holds a transaction on the store.
    Status Append(const Hash& leaf_hash);

private:
    StoredTree(store::Store& store, std::uint64_t size) : store_(&store), size_(size) {}

    Status LoadEdge();

    // A node below kFirstStoredLevel, hashed from its 2^level leaves.
    Result<Hash> NodeFromLeaves(int level, std::uint64_t index);

    store::Store* store_;
    std::uint64_t size_;
    // edge_[level] is the node (level, (size_ >> level) - 1) when bit `level` of size_ is set.
    std::vector<Hash> edge_;
    bool is_edge_loaded_ = false;
};

// A signed tree head: the log's commitment to its first `size` leaves.
struct TreeHead {
    std::uint64_t size = 0;
    Hash root{};
    Timestamp timestamp;  // when it was signed
    std::string key_id;   // crypto::Ed25519KeyId of the signing key
    crypto::Ed25519Signature signature{};

    friend bool operator==(const TreeHead&, const TreeHead&) = default;
};

inline constexpr std::string_view kTreeHeadContext = "candor-tree-head-v1";

// The bytes a tree head signature covers, 19 + 8 + 32 + 8 = 67 bytes:
//   "candor-tree-head-v1" (ASCII, no terminator) || size (u64, big-endian) || root (32 bytes)
//   || timestamp (i64 microseconds since the Unix epoch, UTC, big-endian, two's complement).
// The key id is not signed: it only says which key to try.
std::vector<std::uint8_t> EncodeTreeHead(std::uint64_t size, const Hash& root, Timestamp timestamp);

// Signs tree heads with one Ed25519 key.
class Signer {
public:
    explicit Signer(const crypto::Ed25519Seed& seed);

    const crypto::Ed25519PublicKey& public_key() const { return key_pair_.public_key(); }

    const std::string& key_id() const { return key_id_; }

    TreeHead Sign(std::uint64_t size, const Hash& root, Timestamp timestamp) const;

private:
    crypto::Ed25519KeyPair key_pair_;
    std::string key_id_;
};

// Checks the signature of `head` under `public_key`, and that the key id names that key.
// kProofInvalid when either does not hold.
Status VerifyTreeHead(const TreeHead& head, const crypto::Ed25519PublicKey& public_key);

// Converts between a head and its stored row. FromRow answers kCorruptDatabase for a
// signature that is not 64 bytes.
store::TreeHeadRow ToRow(const TreeHead& head);
Result<TreeHead> FromRow(const store::TreeHeadRow& row);

struct SequenceReport {
    std::uint64_t leaves_added = 0;
    TreeHead head;  // the head of the tree after the batch (new, or the latest when unchanged)
};

// Integrates up to `batch_max` journal entries not yet in the tree (leaf i is entry i + 1) and
// signs a head of the new size with `clock`'s time, all in one transaction on `store` (which also
// records the signer's public key in signing_keys and each new leaf's key for FindLeafByHash). When
// no entry is waiting and a head of the current size exists, it signs nothing and answers that
// head. kCorruptDatabase when entry ids are not dense or a stored node is missing; kStorage
// when the database fails (the transaction is rolled back).
//
// Exactly one sequencer may run per database at a time, and that is the caller's job: with
// SQLite, Begin takes the single write lock, so concurrent calls serialize safely; with
// PostgreSQL the sequencer will take an advisory lock (TODO(#9)).
// REQUIRES: no transaction is open on `store`; 0 < batch_max <= limits::kSequenceBatchMax.
Result<SequenceReport> Sequence(store::Store& store,
                                const Signer& signer,
                                const Clock& clock,
                                std::size_t batch_max);

}  // namespace candor::translog
