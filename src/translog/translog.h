// The transparency log: the journal's entries as leaves of an append-only Merkle tree, hashed
// exactly as RFC 9162 section 2.1 (= RFC 6962 section 2.1) defines, with inclusion and
// consistency proofs that anyone can check with the root hash alone.
//
// What it offers now: tree hashing (leaf, node, empty root), the root of any prefix of a tree,
// inclusion proofs (PATH) and consistency proofs (PROOF) generated from any NodeSource, and
// their verification. Nodes come through NodeSource: MemoryTree keeps them in memory; the
// stored tree (tree_nodes) and signed tree heads come with the sequencer (TODO(#6)).
//
// What it never does: read personal data (leaves are journal entries, which are pseudonymous)
// or trust a proof: Verify* recompute everything from the proof and the roots.
//
// Thread-safety: the free functions are pure and thread-safe. A MemoryTree is used by one
// thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "crypto/crypto.h"

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

}  // namespace candor::translog
