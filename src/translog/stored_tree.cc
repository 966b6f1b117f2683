// The stored tree, signed tree heads and the sequencer.
#include <fmt/format.h>

#include <algorithm>

#include "core/assert.h"
#include "core/limits.h"
#include "translog/translog.h"

namespace candor::translog {
namespace {

void PutBigEndian(std::uint64_t value, std::vector<std::uint8_t>* out) {
    for (int shift = 56; shift >= 0; shift -= 8) {
        out->push_back(static_cast<std::uint8_t>(value >> static_cast<unsigned>(shift)));
    }
}

// Appends the batch and signs its head; the caller owns the transaction.
Result<SequenceReport> SequenceInTransaction(store::Store& store,
                                             const Signer& signer,
                                             const Clock& clock,
                                             std::size_t batch_max) {
    CANDOR_ASSIGN_OR_RETURN(StoredTree tree, StoredTree::Open(store));
    const std::uint64_t size_before = tree.size();
    const EntryId first(static_cast<std::int64_t>(size_before) + 1);
    CANDOR_ASSIGN_OR_RETURN(std::vector<store::LeafRow> leaves,
                            store.LoadLeafHashes(first, batch_max));
    for (const store::LeafRow& leaf : leaves) {
        // Leaf i is entry i + 1: a gap would give every later entry the wrong index.
        const auto expected = static_cast<std::int64_t>(tree.size()) + 1;
        if (leaf.entry.value() != expected) {
            return MakeError(ErrorCode::kCorruptDatabase,
                             fmt::format("journal entry {} is missing (found entry {} next); "
                                         "the log cannot integrate past it",
                                         expected,
                                         leaf.entry.value()));
        }
        CANDOR_TRY(tree.Append(leaf.leaf_hash));
    }
    std::vector<Hash> leaf_hashes;
    leaf_hashes.reserve(leaves.size());
    for (const store::LeafRow& leaf : leaves) {
        leaf_hashes.push_back(leaf.leaf_hash);
    }
    CANDOR_TRY(store.InsertLeafKeys(size_before, leaf_hashes));
    CANDOR_ASSERT(tree.size() == size_before + leaves.size());
    if (leaves.empty()) {
        CANDOR_ASSIGN_OR_RETURN(auto latest, store.LoadTreeHead(tree.size()));
        if (latest.has_value()) {
            CANDOR_ASSIGN_OR_RETURN(TreeHead head, FromRow(*latest));
            return SequenceReport{0, std::move(head)};
        }
    }
    CANDOR_ASSIGN_OR_RETURN(Hash root, RootAt(tree, tree.size()));
    TreeHead head = signer.Sign(tree.size(), root, clock.Now());
    CANDOR_TRY(store.InsertSigningKey(
        store::SigningKeyRow{signer.key_id(), signer.public_key(), head.timestamp}));
    CANDOR_TRY(store.InsertTreeHead(ToRow(head)));
    return SequenceReport{leaves.size(), std::move(head)};
}

}  // namespace

Result<StoredTree> StoredTree::Open(store::Store& store) {
    CANDOR_ASSIGN_OR_RETURN(std::uint64_t size, store.LoadTreeSize());
    return StoredTree(store, size);
}

Result<Hash> StoredTree::Node(int level, std::uint64_t index) {
    if (level < 0 || level >= 64 || index >= (size_ >> static_cast<unsigned>(level))) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("no complete subtree at level {} index {}", level, index));
    }
    if (level < kFirstStoredLevel) {
        return NodeFromLeaves(level, index);
    }
    CANDOR_ASSIGN_OR_RETURN(std::optional<Hash> hash, store_->LoadTreeNode(level, index));
    if (!hash.has_value()) {
        return MakeError(
            ErrorCode::kCorruptDatabase,
            fmt::format(
                "tree node at level {} index {} is missing from the database", level, index));
    }
    return *hash;
}

Result<Hash> StoredTree::NodeFromLeaves(int level, std::uint64_t index) {
    const std::uint64_t width = std::uint64_t{1} << static_cast<unsigned>(level);
    const auto first = static_cast<std::int64_t>(index * width) + 1;
    CANDOR_ASSIGN_OR_RETURN(std::vector<store::LeafRow> leaves,
                            store_->LoadLeafHashes(EntryId(first), width));
    std::vector<Hash> hashes;
    for (const store::LeafRow& leaf : leaves) {
        if (leaf.entry.value() != first + static_cast<std::int64_t>(hashes.size())) {
            break;
        }
        hashes.push_back(leaf.leaf_hash);
    }
    if (hashes.size() != width) {
        return MakeError(ErrorCode::kCorruptDatabase,
                         fmt::format("journal entry {} (leaf {} of the log) is missing",
                                     first + static_cast<std::int64_t>(hashes.size()),
                                     index * width + hashes.size()));
    }
    for (std::size_t count = hashes.size(); count > 1; count /= 2) {
        for (std::size_t i = 0; i < count / 2; ++i) {
            hashes[i] = HashChildren(hashes[2 * i], hashes[2 * i + 1]);
        }
    }
    return hashes[0];
}

Status StoredTree::LoadEdge() {
    edge_.assign(64, Hash{});
    for (int level = 0; level < 64; ++level) {
        const std::uint64_t count = size_ >> static_cast<unsigned>(level);
        if ((count & 1U) != 0) {
            CANDOR_ASSIGN_OR_RETURN(edge_[static_cast<std::size_t>(level)], Node(level, count - 1));
        }
    }
    is_edge_loaded_ = true;
    return Ok();
}

Status StoredTree::Append(const Hash& leaf_hash) {
    if (!is_edge_loaded_) {
        CANDOR_TRY(LoadEdge());
    }
    // Levels below kFirstStoredLevel are the journal's leaf hashes and hashes of them: only the
    // nodes from there up are stored. A node whose index is odd completes its parent with the
    // edge node to its left; an even one becomes the edge at its level.
    std::uint64_t index = size_;
    Hash carry = leaf_hash;
    for (std::size_t level = 0;; ++level) {
        if (level >= static_cast<std::size_t>(kFirstStoredLevel)) {
            CANDOR_TRY(
                store_->InsertTreeNode(store::TreeNodeRow{static_cast<int>(level), index, carry}));
        }
        if ((index & 1U) == 0) {
            edge_[level] = carry;
            break;
        }
        carry = HashChildren(edge_[level], carry);
        index >>= 1U;
    }
    ++size_;
    return Ok();
}

std::vector<std::uint8_t> EncodeTreeHead(std::uint64_t size,
                                         const Hash& root,
                                         Timestamp timestamp) {
    std::vector<std::uint8_t> bytes(kTreeHeadContext.begin(), kTreeHeadContext.end());
    PutBigEndian(size, &bytes);
    bytes.insert(bytes.end(), root.begin(), root.end());
    PutBigEndian(static_cast<std::uint64_t>(ToMicros(timestamp)), &bytes);
    CANDOR_ASSERT(bytes.size() == kTreeHeadContext.size() + 8 + 32 + 8);
    return bytes;
}

Signer::Signer(const crypto::Ed25519Seed& seed)
    : key_pair_(seed), key_id_(crypto::Ed25519KeyId(key_pair_.public_key())) {}

TreeHead Signer::Sign(std::uint64_t size, const Hash& root, Timestamp timestamp) const {
    return TreeHead{
        size, root, timestamp, key_id_, key_pair_.Sign(EncodeTreeHead(size, root, timestamp))};
}

Status VerifyTreeHead(const TreeHead& head, const crypto::Ed25519PublicKey& public_key) {
    if (head.key_id != crypto::Ed25519KeyId(public_key)) {
        return MakeError(ErrorCode::kProofInvalid,
                         fmt::format("tree head of size {} names key {}, not key {}",
                                     head.size,
                                     head.key_id,
                                     crypto::Ed25519KeyId(public_key)));
    }
    if (!crypto::Ed25519Verify(
            public_key, EncodeTreeHead(head.size, head.root, head.timestamp), head.signature)) {
        return MakeError(
            ErrorCode::kProofInvalid,
            fmt::format("tree head of size {}: the signature does not verify", head.size));
    }
    return Ok();
}

store::TreeHeadRow ToRow(const TreeHead& head) {
    return store::TreeHeadRow{head.size,
                              head.root,
                              head.timestamp,
                              head.key_id,
                              {head.signature.begin(), head.signature.end()}};
}

Result<TreeHead> FromRow(const store::TreeHeadRow& row) {
    TreeHead head{row.size, row.root, row.timestamp, row.key_id, {}};
    if (row.signature.size() != head.signature.size()) {
        return MakeError(
            ErrorCode::kCorruptDatabase,
            fmt::format(
                "tree head of size {} has a {}-byte signature", row.size, row.signature.size()));
    }
    std::copy(row.signature.begin(), row.signature.end(), head.signature.begin());
    return head;
}

Result<SequenceReport> Sequence(store::Store& store,
                                const Signer& signer,
                                const Clock& clock,
                                std::size_t batch_max) {
    CANDOR_ASSERT(batch_max > 0);
    CANDOR_ASSERT(batch_max <= limits::kSequenceBatchMax);
    CANDOR_TRY(store.Begin());
    auto report = SequenceInTransaction(store, signer, clock, batch_max);
    if (!report) {
        (void)store.Rollback();
        return report;
    }
    if (auto committed = store.Commit(); !committed) {
        (void)store.Rollback();
        return std::move(committed).error();
    }
    return report;
}

}  // namespace candor::translog
