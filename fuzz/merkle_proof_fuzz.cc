// Fuzzes Merkle proof verification, the check members and auditors run on what a server sends.
// The input picks a tree (1-64 leaves, each the hash of its index), a leaf and two sizes, and
// supplies a proof of its own. Properties: nothing crashes; the proofs the tree generates
// verify; an input proof that verifies for a real leaf or a real pair of sizes is exactly the
// generated one (anything else would be a second preimage of SHA-256); a generated proof with
// one bit flipped never verifies.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/assert.h"
#include "translog/translog.h"

namespace {

using candor::translog::Hash;

std::vector<Hash> ReadHashes(std::span<const std::uint8_t> bytes) {
    std::vector<Hash> hashes(bytes.size() / 32);
    for (std::size_t i = 0; i < hashes.size(); ++i) {
        std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(32 * i), 32, hashes[i].begin());
    }
    return hashes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace translog = candor::translog;
    if (size < 4) {
        return 0;
    }
    const std::uint64_t leaves = data[0] % 64 + 1;
    const std::uint64_t index = data[1] % leaves;
    const std::uint64_t size1 = data[2] % leaves + 1;
    const std::size_t flip = data[3];
    const std::vector<Hash> proof = ReadHashes(std::span(data + 4, size - 4));

    translog::MemoryTree tree;
    for (std::uint64_t i = 0; i < leaves; ++i) {
        const std::uint8_t byte = static_cast<std::uint8_t>(i);
        tree.Append(translog::HashLeaf(std::span(&byte, 1)));
    }
    auto root = translog::RootAt(tree, leaves);
    auto root1 = translog::RootAt(tree, size1);
    auto leaf = tree.Node(0, index);
    CANDOR_ASSERT(root.has_value() && root1.has_value() && leaf.has_value());

    auto inclusion = translog::InclusionProof(tree, index, leaves);
    CANDOR_ASSERT(inclusion.has_value());
    CANDOR_ASSERT(translog::VerifyInclusion(index, leaves, *leaf, *inclusion, *root).has_value());
    if (translog::VerifyInclusion(index, leaves, *leaf, proof, *root)) {
        CANDOR_ASSERT(proof == *inclusion);
    }
    if (!inclusion->empty()) {
        std::vector<Hash> flipped = *inclusion;
        const std::size_t bit = flip % (flipped.size() * 256);
        flipped[bit / 256][bit % 256 / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
        CANDOR_ASSERT(!translog::VerifyInclusion(index, leaves, *leaf, flipped, *root));
    }

    auto consistency = translog::ConsistencyProof(tree, size1, leaves);
    CANDOR_ASSERT(consistency.has_value());
    CANDOR_ASSERT(
        translog::VerifyConsistency(size1, leaves, *root1, *root, *consistency).has_value());
    if (translog::VerifyConsistency(size1, leaves, *root1, *root, proof)) {
        CANDOR_ASSERT(proof == *consistency);
    }
    // Arbitrary sizes and indexes from the input must be refused or checked, never crash.
    const std::uint64_t any = (static_cast<std::uint64_t>(data[1]) << 56) | data[2];
    (void)translog::VerifyInclusion(any, any + data[0], *leaf, proof, *root);
    (void)translog::VerifyConsistency(any, any + data[3], *root1, *root, proof);
    return 0;
}
