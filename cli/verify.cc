// `candor verify`: rebuilds the transparency log from the journal and compares it with what the
// database stores. Every leaf hash is recomputed from its entry's bytes, the tree is rebuilt in
// memory from those leaves, and every stored node and signed tree head is compared with it.
// The first difference is named and the exit code is 1.
//
// Two offline modes check what candord serves: --receipt checks a member's receipt (entry bytes,
// inclusion proof, signed head) with the log's public key alone; --consistency checks that the
// log of a database grew from one saved head to another without rewriting anything.
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
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
            auto decoded = journal::Decode(entry.body);
            if (!decoded) {
                failure = Invalid(fmt::format(
                    "entry {}: its bytes do not decode: {}", expected, decoded.error().message));
                return false;
            }
            // The bytes carry the entry's id, so entries moved to other rows are caught here,
            // with their place, before the tree comparison could only say a leaf differs.
            if (decoded->id != entry.id) {
                failure = Invalid(fmt::format(
                    "entry {}: its bytes are those of entry {} (entries reordered or renumbered)",
                    expected,
                    decoded->id.value()));
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

    // tree_nodes holds exactly the complete subtrees of 2^kFirstStoredLevel leaves or more of its
    // first tree_size_ leaves, in order, each equal to the rebuilt one. (The levels below are the
    // entries' leaf hashes, checked against the entries' bytes by CheckEntries, and hashes of
    // them.)
    Status CheckNodes() {
        CANDOR_ASSIGN_OR_RETURN(tree_size_, store_.LoadTreeSize());
        if (tree_size_ > tree_.size()) {
            return Invalid(fmt::format(
                "the log has {} leaves but the journal only {} entries", tree_size_, tree_.size()));
        }
        int level = translog::kFirstStoredLevel;
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
        for (std::uint64_t count = tree_size_ >> static_cast<unsigned>(translog::kFirstStoredLevel);
             count > 0;
             count >>= 1U) {
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

// ---- Saved JSON documents (receipts and heads as candord serves them)

Result<nlohmann::json> ReadJsonFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return MakeError(ErrorCode::kInvalidArgument, fmt::format("cannot read {}", path));
    }
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        return Invalid(fmt::format("{} is not a JSON object", path));
    }
    return json;
}

// Member `name` of `object` as an unsigned integer; kProofInvalid naming it otherwise.
Result<std::uint64_t> ReadCount(const nlohmann::json& object, const std::string& name) {
    const auto it = object.find(name);
    if (it == object.end() || !it->is_number_unsigned()) {
        return Invalid(fmt::format("\"{}\" is missing or not a non-negative integer", name));
    }
    return it->get<std::uint64_t>();
}

// Member `name` as hex of exactly `size` bytes.
Result<std::vector<std::uint8_t>> ReadHex(const nlohmann::json& object,
                                          const std::string& name,
                                          std::size_t size = 0) {
    const auto it = object.find(name);
    if (it == object.end() || !it->is_string()) {
        return Invalid(fmt::format("\"{}\" is missing or not a string", name));
    }
    auto bytes = crypto::FromHex(it->get<std::string>());
    if (!bytes || (size != 0 && bytes->size() != size)) {
        return Invalid(size != 0 ? fmt::format("\"{}\" is not {} hex digits", name, 2 * size)
                                 : fmt::format("\"{}\" is not hex", name));
    }
    return std::move(bytes).value();
}

template <std::size_t N>
Result<std::array<std::uint8_t, N>> ReadFixedHex(const nlohmann::json& object,
                                                 const std::string& name) {
    CANDOR_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes, ReadHex(object, name, N));
    std::array<std::uint8_t, N> out{};
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
}

// A head as GET /v1/transparency/head serves it: size, root_hash, timestamp_us, key_id and
// signature (the RFC 3339 "timestamp" is for people; the signature covers timestamp_us).
Result<translog::TreeHead> ReadHead(const nlohmann::json& json) {
    if (!json.is_object()) {
        return Invalid("the tree head is not a JSON object");
    }
    translog::TreeHead head;
    CANDOR_ASSIGN_OR_RETURN(head.size, ReadCount(json, "size"));
    CANDOR_ASSIGN_OR_RETURN(head.root, ReadFixedHex<32>(json, "root_hash"));
    const auto timestamp = json.find("timestamp_us");
    if (timestamp == json.end() || !timestamp->is_number_integer()) {
        return Invalid("\"timestamp_us\" is missing or not an integer");
    }
    head.timestamp = FromMicros(timestamp->get<std::int64_t>());
    const auto key_id = json.find("key_id");
    if (key_id == json.end() || !key_id->is_string()) {
        return Invalid("\"key_id\" is missing or not a string");
    }
    head.key_id = key_id->get<std::string>();
    CANDOR_ASSIGN_OR_RETURN(head.signature, ReadFixedHex<64>(json, "signature"));
    return head;
}

Result<std::vector<translog::Hash>> ReadHashes(const nlohmann::json& json) {
    const auto it = json.find("hashes");
    if (it == json.end() || !it->is_array()) {
        return Invalid("\"hashes\" is missing or not an array");
    }
    std::vector<translog::Hash> hashes;
    for (const nlohmann::json& item : *it) {
        CANDOR_ASSIGN_OR_RETURN(translog::Hash hash,
                                ReadFixedHex<32>(nlohmann::json{{"hash", item}}, "hash"));
        hashes.push_back(hash);
    }
    return hashes;
}

// The head's signature under the one key that names it.
Status CheckSignature(const translog::TreeHead& head,
                      const std::vector<crypto::Ed25519PublicKey>& keys) {
    for (const crypto::Ed25519PublicKey& key : keys) {
        if (head.key_id == crypto::Ed25519KeyId(key)) {
            return translog::VerifyTreeHead(head, key);
        }
    }
    return Invalid(fmt::format("the tree head of size {} is signed by key {}, which no --key names",
                               head.size,
                               head.key_id));
}

// Everything a receipt claims: its bytes are a journal entry whose leaf hash it states, that
// leaf is at its index in the tree of the head, and the head is signed by one of `keys`.
Result<std::string> CheckReceipt(const nlohmann::json& receipt,
                                 const std::vector<crypto::Ed25519PublicKey>& keys) {
    CANDOR_ASSIGN_OR_RETURN(const std::uint64_t index, ReadCount(receipt, "index"));
    CANDOR_ASSIGN_OR_RETURN(const std::vector<std::uint8_t> bytes, ReadHex(receipt, "bytes"));
    CANDOR_ASSIGN_OR_RETURN(const translog::Hash leaf_hash, ReadFixedHex<32>(receipt, "leaf_hash"));
    CANDOR_ASSIGN_OR_RETURN(const std::vector<translog::Hash> hashes, ReadHashes(receipt));
    const auto head_json = receipt.find("head");
    if (head_json == receipt.end()) {
        return Invalid("\"head\" is missing");
    }
    CANDOR_ASSIGN_OR_RETURN(const translog::TreeHead head, ReadHead(*head_json));

    auto entry = journal::Decode(bytes);
    if (!entry) {
        return Invalid(fmt::format("the entry bytes do not decode: {}", entry.error().message));
    }
    if (static_cast<std::uint64_t>(entry->id.value()) != index + 1) {
        return Invalid(fmt::format("the entry bytes are entry {}, but leaf {} is entry {}",
                                   entry->id.value(),
                                   index,
                                   index + 1));
    }
    if (journal::HashLeaf(bytes) != leaf_hash) {
        return Invalid("the leaf hash is not the hash of the entry bytes");
    }
    CANDOR_TRY(CheckSignature(head, keys));
    if (auto included = translog::VerifyInclusion(index, head.size, leaf_hash, hashes, head.root);
        !included) {
        return Invalid(fmt::format("entry {} is not leaf {} of the signed tree of size {}: {}",
                                   entry->id.value(),
                                   index,
                                   head.size,
                                   included.error().message));
    }
    return fmt::format("ok: entry {} is leaf {} of the tree of size {} signed at {} by key {}",
                       entry->id.value(),
                       index,
                       head.size,
                       FormatRfc3339(head.timestamp),
                       head.key_id);
}

int VerifyReceipt(const VerifyOptions& options) {
    auto keys = ParseKeys(options.keys);
    if (!keys || keys->empty()) {
        PrintError(keys ? "verify --receipt needs --key (the log's public key)"
                        : keys.error().message);
        return kExitUsage;
    }
    auto receipt = ReadJsonFile(options.receipt);
    if (!receipt) {
        PrintError(receipt.error().message);
        return receipt.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitInvalid;
    }
    auto checked = CheckReceipt(*receipt, *keys);
    if (!checked) {
        PrintError(fmt::format("receipt {}: {}", options.receipt, checked.error().message));
        return kExitInvalid;
    }
    fmt::print("{}\n", *checked);
    return kExitOk;
}

// The stored tree proves that the new head's tree extends the old one's: the proof is built
// from the database and checked against the two saved roots, so a log that rewrote anything
// under the old head cannot produce one.
Result<std::string> CheckConsistency(store::Store& store,
                                     const translog::TreeHead& old_head,
                                     const translog::TreeHead& new_head,
                                     const std::vector<crypto::Ed25519PublicKey>& keys) {
    if (!keys.empty()) {
        CANDOR_TRY(CheckSignature(old_head, keys));
        CANDOR_TRY(CheckSignature(new_head, keys));
    }
    if (new_head.size < old_head.size) {
        return Invalid(fmt::format("the new head (size {}) is smaller than the old one (size {})",
                                   new_head.size,
                                   old_head.size));
    }
    CANDOR_ASSIGN_OR_RETURN(translog::StoredTree tree, translog::StoredTree::Open(store));
    if (new_head.size > tree.size()) {
        return Invalid(fmt::format(
            "the new head has {} leaves but the log only {}", new_head.size, tree.size()));
    }
    if (old_head.size == 0) {
        CANDOR_ASSIGN_OR_RETURN(translog::Hash root, translog::RootAt(tree, new_head.size));
        if (old_head.root != translog::EmptyRoot() || root != new_head.root) {
            return Invalid("the log's root differs from a saved head's");
        }
    } else {
        CANDOR_ASSIGN_OR_RETURN(std::vector<translog::Hash> proof,
                                translog::ConsistencyProof(tree, old_head.size, new_head.size));
        if (auto consistent = translog::VerifyConsistency(
                old_head.size, new_head.size, old_head.root, new_head.root, proof);
            !consistent) {
            return Invalid(fmt::format("the log of size {} does not extend the head of size {}: {}",
                                       new_head.size,
                                       old_head.size,
                                       consistent.error().message));
        }
    }
    return fmt::format(
        "ok: the tree of size {} extends the tree of size {}{}",
        new_head.size,
        old_head.size,
        keys.empty() ? " (signatures not checked: no --key)" : ", both heads signed");
}

int VerifyConsistency(const VerifyOptions& options) {
    auto keys = ParseKeys(options.keys);
    if (!keys) {
        PrintError(keys.error().message);
        return kExitUsage;
    }
    std::vector<translog::TreeHead> heads;
    for (const std::string& path : options.consistency) {
        auto json = ReadJsonFile(path);
        if (!json) {
            PrintError(json.error().message);
            return json.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitInvalid;
        }
        auto head = ReadHead(*json);
        if (!head) {
            PrintError(fmt::format("{}: {}", path, head.error().message));
            return kExitInvalid;
        }
        heads.push_back(*head);
    }
    auto store = OpenReadOnly(options.db);
    if (!store) {
        PrintError(store.error().message);
        return kExitInvalid;
    }
    auto checked = CheckConsistency(**store, heads[0], heads[1], *keys);
    if (!checked) {
        PrintError(checked.error().message);
        return kExitInvalid;
    }
    fmt::print("{}\n", *checked);
    return kExitOk;
}

}  // namespace

int RunVerify(const VerifyOptions& options) {
    if (!options.receipt.empty()) {
        return VerifyReceipt(options);
    }
    if (options.db.empty()) {
        PrintError("verify: --db is required (or --receipt FILE --key HEX)");
        return kExitUsage;
    }
    if (!options.consistency.empty()) {
        return VerifyConsistency(options);
    }
    auto keys = ParseKeys(options.keys);
    if (!keys) {
        PrintError(keys.error().message);
        return kExitUsage;
    }
    auto store = OpenReadOnly(options.db);
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
