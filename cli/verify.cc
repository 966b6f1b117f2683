// `candor verify`: rebuilds the transparency log from the journal and compares it with what the
// database stores. Every leaf hash is recomputed from its entry's bytes, the tree is rebuilt in
// memory from those leaves, and every stored node and signed tree head is compared with it.
// The first difference is named and the exit code is 1.
#include <fmt/format.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "crypto/crypto.h"
#include "journal/journal.h"
#include "translog/translog.h"

namespace candor::cli {
namespace {

Result<std::vector<crypto::Ed25519PublicKey>> ParseKeys(const std::vector<std::string>& hexes) {
    std::vector<crypto::Ed25519PublicKey> keys;
    for (const std::string& hex : hexes) {
        auto bytes = crypto::FromHex(hex);
        if (!bytes || bytes->size() != crypto::Ed25519PublicKey{}.size()) {
            return MakeError(
                ErrorCode::kInvalidArgument,
                fmt::format("--key {} is not 64 hex digits (an Ed25519 public key)", hex));
        }
        crypto::Ed25519PublicKey key{};
        std::copy(bytes->begin(), bytes->end(), key.begin());
        keys.push_back(key);
    }
    return keys;
}

Error Invalid(std::string message) {
    return MakeError(ErrorCode::kProofInvalid, std::move(message));
}

class Verifier {
public:
    Verifier(store::Store& store, std::vector<crypto::Ed25519PublicKey> keys)
        : store_(store), keys_(std::move(keys)) {}

    Status Run() {
        CANDOR_TRY(CheckEntries());
        CANDOR_TRY(CheckNodes());
        return CheckHeads();
    }

    std::string Summary() const {
        return fmt::format(
            "ok: {} entries, {} integrated into the log ({} tree nodes), {} signed tree heads{}",
            tree_.size(),
            tree_size_,
            nodes_,
            heads_,
            keys_.empty() ? " (signatures not checked: no --key)" : ", every signature valid");
    }

private:
    // Entry ids are dense from 1 and every stored leaf hash is the hash of the entry's bytes.
    Status CheckEntries() {
        std::optional<Error> failure;
        CANDOR_TRY(store_.ScanEntries([&](const store::EntryRow& entry) {
            const auto expected = static_cast<std::int64_t>(tree_.size()) + 1;
            if (entry.id.value() != expected) {
                failure = Invalid(fmt::format(
                    "entry {} is missing (the next entry is {})", expected, entry.id.value()));
                return false;
            }
            if (auto decoded = journal::Decode(entry.body); !decoded) {
                failure = Invalid(fmt::format(
                    "entry {}: its bytes do not decode: {}", expected, decoded.error().message));
                return false;
            }
            const translog::Hash leaf = journal::HashLeaf(entry.body);
            if (leaf != entry.leaf_hash) {
                failure = Invalid(fmt::format(
                    "entry {}: the stored leaf hash differs from the hash of its bytes", expected));
                return false;
            }
            tree_.Append(leaf);
            return true;
        }));
        if (failure) {
            return *failure;
        }
        return Ok();
    }

    // tree_nodes holds exactly the complete subtrees of its first tree_size_ leaves, in order,
    // each equal to the rebuilt one.
    Status CheckNodes() {
        CANDOR_ASSIGN_OR_RETURN(tree_size_, store_.LoadTreeSize());
        if (tree_size_ > tree_.size()) {
            return Invalid(fmt::format(
                "the log has {} leaves but the journal only {} entries", tree_size_, tree_.size()));
        }
        int level = 0;
        std::uint64_t index = 0;
        std::optional<Error> failure;
        CANDOR_TRY(store_.ScanTreeNodes([&](const store::TreeNodeRow& node) {
            while (index >= (tree_size_ >> static_cast<unsigned>(level)) && level < 63) {
                ++level;
                index = 0;
            }
            if (node.level != level || node.index != index) {
                const bool is_skipped = std::pair(node.level, node.index) > std::pair(level, index);
                failure = Invalid(
                    is_skipped
                        ? fmt::format("tree node at level {} index {} is missing", level, index)
                        : fmt::format("tree node at level {} index {} should not exist",
                                      node.level,
                                      node.index));
                return false;
            }
            auto rebuilt = tree_.Node(level, index);
            if (!rebuilt || *rebuilt != node.hash) {
                failure = Invalid(fmt::format(
                    "tree node at level {} index {} differs from the rebuilt tree", level, index));
                return false;
            }
            ++nodes_;
            ++index;
            return true;
        }));
        if (failure) {
            return *failure;
        }
        return CheckNodeCount();
    }

    Status CheckNodeCount() const {
        std::uint64_t expected = 0;
        for (std::uint64_t count = tree_size_; count > 0; count >>= 1U) {
            expected += count;
        }
        if (nodes_ != expected) {
            return Invalid(fmt::format(
                "the log stores {} tree nodes; a tree of {} leaves has {} (the last are missing)",
                nodes_,
                tree_size_,
                expected));
        }
        return Ok();
    }

    Status CheckHeads() {
        std::optional<Error> failure;
        CANDOR_TRY(store_.ScanTreeHeads([&](const store::TreeHeadRow& row) {
            failure = CheckHead(row);
            ++heads_;
            return !failure.has_value();
        }));
        if (failure) {
            return *failure;
        }
        return Ok();
    }

    std::optional<Error> CheckHead(const store::TreeHeadRow& row) {
        if (row.size > tree_size_) {
            return Invalid(fmt::format(
                "tree head of size {} is beyond the log ({} leaves)", row.size, tree_size_));
        }
        auto root = translog::RootAt(tree_, row.size);
        if (!root || *root != row.root) {
            return Invalid(fmt::format(
                "tree head of size {}: its root differs from the rebuilt tree's", row.size));
        }
        if (keys_.empty()) {
            return std::nullopt;
        }
        auto head = translog::FromRow(row);
        if (!head) {
            return head.error();
        }
        for (const crypto::Ed25519PublicKey& key : keys_) {
            if (head->key_id == crypto::Ed25519KeyId(key)) {
                auto verified = translog::VerifyTreeHead(*head, key);
                if (!verified) {
                    return verified.error();
                }
                return std::nullopt;
            }
        }
        return Invalid(fmt::format("tree head of size {} is signed by key {}, which no --key names",
                                   row.size,
                                   head->key_id));
    }

    store::Store& store_;
    std::vector<crypto::Ed25519PublicKey> keys_;
    translog::MemoryTree tree_;
    std::uint64_t tree_size_ = 0;
    std::uint64_t nodes_ = 0;
    std::uint64_t heads_ = 0;
};

}  // namespace

int RunVerify(const VerifyOptions& options) {
    auto keys = ParseKeys(options.keys);
    if (!keys) {
        PrintError(keys.error().message);
        return kExitUsage;
    }
    store::OpenOptions open;
    open.read_only = true;
    auto store = store::Open(options.db, open);
    if (!store) {
        PrintError(store.error().message);
        return kExitInvalid;
    }
    Verifier verifier(**store, std::move(keys).value());
    if (auto verified = verifier.Run(); !verified) {
        PrintError(verified.error().message);
        return kExitInvalid;
    }
    fmt::print("{}\n", verifier.Summary());
    return kExitOk;
}

}  // namespace candor::cli
