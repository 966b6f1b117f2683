#include "translog/translog.h"

#include <fmt/format.h>

#include <bit>

namespace candor::translog {
namespace {

// The largest power of two smaller than n (RFC 9162's k). REQUIRES: n > 1.
std::uint64_t SplitPoint(std::uint64_t n) {
    CANDOR_ASSERT(n > 1);
    return std::bit_floor(n - 1);
}

Error ProofInvalid(std::string_view why) {
    return MakeError(ErrorCode::kProofInvalid, fmt::format("proof does not verify: {}", why));
}

// MTH(D[begin:end]). Every left part of the recursion is a complete subtree aligned to its
// size, so it is one node of the source; only the ragged right edge is hashed here.
Result<Hash> RangeRoot(NodeSource& source, std::uint64_t begin, std::uint64_t end) {
    const std::uint64_t n = end - begin;
    CANDOR_ASSERT(n > 0);
    if (std::has_single_bit(n) && begin % n == 0) {
        return source.Node(std::countr_zero(n), begin / n);
    }
    const std::uint64_t k = SplitPoint(n);
    CANDOR_ASSIGN_OR_RETURN(Hash left, RangeRoot(source, begin, begin + k));
    CANDOR_ASSIGN_OR_RETURN(Hash right, RangeRoot(source, begin + k, end));
    return HashChildren(left, right);
}

// PATH(m, D[begin:end]) appended to `proof`, deepest first.
Status Path(NodeSource& source,
            std::uint64_t m,
            std::uint64_t begin,
            std::uint64_t end,
            std::vector<Hash>* proof) {
    const std::uint64_t n = end - begin;
    if (n <= 1) {
        return Ok();
    }
    const std::uint64_t k = SplitPoint(n);
    if (m < k) {
        CANDOR_TRY(Path(source, m, begin, begin + k, proof));
        CANDOR_ASSIGN_OR_RETURN(Hash sibling, RangeRoot(source, begin + k, end));
        proof->push_back(sibling);
    } else {
        CANDOR_TRY(Path(source, m - k, begin + k, end, proof));
        CANDOR_ASSIGN_OR_RETURN(Hash sibling, RangeRoot(source, begin, begin + k));
        proof->push_back(sibling);
    }
    return Ok();
}

// SUBPROOF(m, D[begin:end], b) appended to `proof`.
Status Subproof(NodeSource& source,
                std::uint64_t m,
                std::uint64_t begin,
                std::uint64_t end,
                bool is_whole_old_tree,
                std::vector<Hash>* proof) {
    const std::uint64_t n = end - begin;
    if (m == n) {
        if (!is_whole_old_tree) {
            CANDOR_ASSIGN_OR_RETURN(Hash root, RangeRoot(source, begin, end));
            proof->push_back(root);
        }
        return Ok();
    }
    const std::uint64_t k = SplitPoint(n);
    if (m <= k) {
        CANDOR_TRY(Subproof(source, m, begin, begin + k, is_whole_old_tree, proof));
        CANDOR_ASSIGN_OR_RETURN(Hash right, RangeRoot(source, begin + k, end));
        proof->push_back(right);
    } else {
        CANDOR_TRY(Subproof(source, m - k, begin + k, end, false, proof));
        CANDOR_ASSIGN_OR_RETURN(Hash left, RangeRoot(source, begin, begin + k));
        proof->push_back(left);
    }
    return Ok();
}

// Shifts fn and sn right until fn's lowest bit is set or fn is zero (RFC 9162's loops).
void ShiftWhileEven(std::uint64_t* fn, std::uint64_t* sn) {
    while ((*fn & 1U) == 0 && *fn != 0) {
        *fn >>= 1U;
        *sn >>= 1U;
    }
}

}  // namespace

Hash HashLeaf(std::span<const std::uint8_t> data) {
    return crypto::Sha256WithPrefix(0x00, data);
}

Hash HashChildren(const Hash& left, const Hash& right) {
    std::array<std::uint8_t, 64> both{};
    std::copy(left.begin(), left.end(), both.begin());
    std::copy(right.begin(), right.end(), both.begin() + 32);
    return crypto::Sha256WithPrefix(0x01, both);
}

Hash EmptyRoot() {
    return crypto::Sha256({});
}

void MemoryTree::Append(const Hash& leaf_hash) {
    Hash carry = leaf_hash;
    for (std::size_t level = 0;; ++level) {
        if (levels_.size() == level) {
            levels_.emplace_back();
        }
        levels_[level].push_back(carry);
        // A node whose index is odd completes its parent.
        if (levels_[level].size() % 2 != 0) {
            return;
        }
        const std::size_t count = levels_[level].size();
        carry = HashChildren(levels_[level][count - 2], levels_[level][count - 1]);
    }
}

std::uint64_t MemoryTree::size() const {
    return levels_.empty() ? 0 : levels_[0].size();
}

Result<Hash> MemoryTree::Node(int level, std::uint64_t index) {
    const auto at = static_cast<std::size_t>(level);
    if (level < 0 || at >= levels_.size() || index >= levels_[at].size()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("no complete subtree at level {} index {}", level, index));
    }
    return levels_[at][index];
}

Result<Hash> RootAt(NodeSource& source, std::uint64_t size) {
    if (size > source.size()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("the tree has {} leaves, not {}", source.size(), size));
    }
    if (size == 0) {
        return EmptyRoot();
    }
    return RangeRoot(source, 0, size);
}

Result<std::vector<Hash>> InclusionProof(NodeSource& source,
                                         std::uint64_t index,
                                         std::uint64_t size) {
    if (index >= size || size > source.size()) {
        return MakeError(
            ErrorCode::kInvalidArgument,
            fmt::format("no leaf {} in a tree of {} (the log has {})", index, size, source.size()));
    }
    std::vector<Hash> proof;
    CANDOR_TRY(Path(source, index, 0, size, &proof));
    return proof;
}

Result<std::vector<Hash>> ConsistencyProof(NodeSource& source,
                                           std::uint64_t size1,
                                           std::uint64_t size2) {
    if (size1 == 0 || size1 > size2 || size2 > source.size()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("no consistency proof from size {} to {} (the log has {})",
                                     size1,
                                     size2,
                                     source.size()));
    }
    std::vector<Hash> proof;
    CANDOR_TRY(Subproof(source, size1, 0, size2, true, &proof));
    return proof;
}

Status VerifyInclusion(std::uint64_t index,
                       std::uint64_t size,
                       const Hash& leaf_hash,
                       std::span<const Hash> proof,
                       const Hash& root) {
    if (index >= size) {
        return ProofInvalid("the leaf index is not below the tree size");
    }
    std::uint64_t fn = index;
    std::uint64_t sn = size - 1;
    Hash r = leaf_hash;
    for (const Hash& p : proof) {
        if (sn == 0) {
            return ProofInvalid("the proof is longer than the tree is deep");
        }
        if ((fn & 1U) != 0 || fn == sn) {
            r = HashChildren(p, r);
            ShiftWhileEven(&fn, &sn);
        } else {
            r = HashChildren(r, p);
        }
        fn >>= 1U;
        sn >>= 1U;
    }
    if (sn != 0) {
        return ProofInvalid("the proof is shorter than the tree is deep");
    }
    if (r != root) {
        return ProofInvalid("the recomputed root differs");
    }
    return Ok();
}

Status VerifyConsistency(std::uint64_t size1,
                         std::uint64_t size2,
                         const Hash& root1,
                         const Hash& root2,
                         std::span<const Hash> proof) {
    if (size2 < size1) {
        return ProofInvalid("the second tree is smaller than the first");
    }
    if (size1 == 0) {
        return ProofInvalid("a proof from the empty tree proves nothing");
    }
    if (size1 == size2) {
        if (!proof.empty()) {
            return ProofInvalid("equal sizes need an empty proof");
        }
        if (root1 != root2) {
            return ProofInvalid("equal sizes with different roots");
        }
        return Ok();
    }
    if (proof.empty()) {
        return ProofInvalid("the proof is empty");
    }
    // When size1 is a power of two, the old root is itself a node of the new tree and the
    // proof leaves it out: start from it.
    std::vector<Hash> path;
    if (std::has_single_bit(size1)) {
        path.push_back(root1);
    }
    path.insert(path.end(), proof.begin(), proof.end());
    std::uint64_t fn = size1 - 1;
    std::uint64_t sn = size2 - 1;
    while ((fn & 1U) != 0) {
        fn >>= 1U;
        sn >>= 1U;
    }
    Hash fr = path[0];
    Hash sr = path[0];
    for (std::size_t i = 1; i < path.size(); ++i) {
        const Hash& c = path[i];
        if (sn == 0) {
            return ProofInvalid("the proof is longer than the tree is deep");
        }
        if ((fn & 1U) != 0 || fn == sn) {
            fr = HashChildren(c, fr);
            sr = HashChildren(c, sr);
            ShiftWhileEven(&fn, &sn);
        } else {
            sr = HashChildren(sr, c);
        }
        fn >>= 1U;
        sn >>= 1U;
    }
    if (sn != 0) {
        return ProofInvalid("the proof is shorter than the tree is deep");
    }
    if (fr != root1) {
        return ProofInvalid("the recomputed old root differs");
    }
    if (sr != root2) {
        return ProofInvalid("the recomputed new root differs");
    }
    return Ok();
}

}  // namespace candor::translog
