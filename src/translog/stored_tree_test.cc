#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "core/limits.h"
#include "core/random.h"
#include "testkit/testkit.h"
#include "translog/translog.h"

namespace candor::translog {
namespace {

crypto::Ed25519Seed SeedOf(std::uint8_t byte) {
    crypto::Ed25519Seed seed{};
    seed.fill(byte);
    return seed;
}

Hash RandomHash(Random& random) {
    Hash hash{};
    for (auto& byte : hash) {
        byte = static_cast<std::uint8_t>(random.Below(256));
    }
    return hash;
}

std::unique_ptr<store::Store> MemoryStore() {
    auto store = store::Open("sqlite::memory:");
    CANDOR_ASSERT(store.has_value());
    return std::move(store).value();
}

// A ledger with `earns` earn entries besides the setup and enrolment entries.
void AddEntries(testkit::TestLedger& ledger, int earns) {
    const MemberId member = ledger.Enrol("m_tree");
    for (int i = 0; i < earns; ++i) {
        ledger::Earn earn;
        earn.member = member;
        earn.points = Amount(10 + i);
        ASSERT_TRUE(ledger.Run(earn).has_value());
    }
}

// The leaf hashes of every entry, recomputed from their bodies, in a MemoryTree.
MemoryTree TreeOfEntries(store::Store& store) {
    MemoryTree tree;
    EXPECT_TRUE(store
                    .ScanEntries([&](const store::EntryRow& entry) {
                        tree.Append(HashLeaf(entry.body));
                        return true;
                    })
                    .has_value());
    return tree;
}

// Proofs and roots read from the store (leaves from entries, the nodes above from tree_nodes)
// are exactly those of the same tree held in memory, for trees of many sizes integrated in
// batches of random sizes (so that the right edge is reloaded at odd sizes), and every leaf and
// prefix.
TEST(StoredTreeTest, ProofsEqualMemoryTreeProofs) {
    Random random(6);
    const Signer signer(SeedOf(2));
    const ManualClock clock(FromMicros(1'700'000'000'000'000));
    for (int round = 0; round < 12; ++round) {
        const std::uint64_t size =
            round < 4 ? static_cast<std::uint64_t>(round + 1) : 1 + random.Below(70);
        auto store = MemoryStore();
        MemoryTree memory;
        // The sequencer never decodes bodies: any bytes with any leaf hash make a leaf.
        ASSERT_TRUE(store->Begin().has_value());
        for (std::uint64_t i = 0; i < size; ++i) {
            store::EntryRow entry;
            entry.id = EntryId(static_cast<std::int64_t>(i + 1));
            entry.body = {static_cast<std::uint8_t>(i)};
            entry.leaf_hash = RandomHash(random);
            memory.Append(entry.leaf_hash);
            ASSERT_TRUE(store->AppendEntry(entry, {}).has_value());
        }
        ASSERT_TRUE(store->Commit().has_value());
        for (std::uint64_t sequenced = 0; sequenced < size;) {
            auto report = Sequence(*store, signer, clock, 1 + random.Below(9));
            ASSERT_TRUE(report.has_value());
            ASSERT_GT(report->leaves_added, 0U);
            sequenced += report->leaves_added;
        }
        auto reopened = StoredTree::Open(*store);
        ASSERT_TRUE(reopened.has_value());
        ASSERT_EQ(reopened->size(), size);
        for (std::uint64_t m = 1; m <= size; ++m) {
            EXPECT_EQ(*RootAt(*reopened, m), *RootAt(memory, m)) << "size " << size;
            EXPECT_EQ(*ConsistencyProof(*reopened, m, size), *ConsistencyProof(memory, m, size));
        }
        for (std::uint64_t index = 0; index < size; ++index) {
            EXPECT_EQ(*InclusionProof(*reopened, index, size),
                      *InclusionProof(memory, index, size));
        }
        EXPECT_FALSE(InclusionProof(*reopened, size, size).has_value());
    }
}

// Integrating the journal in small batches gives the same tree, root and heads as integrating
// it at once, and every head verifies under the signer's key.
TEST(SequenceTest, BatchesGiveTheSameRootAsOneBatch) {
    testkit::TestLedger ledger;
    AddEntries(ledger, 10);
    MemoryTree reference = TreeOfEntries(*ledger.store);
    const Signer signer(SeedOf(1));

    std::uint64_t sequenced = 0;
    for (;;) {
        ledger.clock.Advance(std::chrono::seconds(1));
        auto report = Sequence(*ledger.store, signer, ledger.clock, 3);
        ASSERT_TRUE(report.has_value()) << report.error().message;
        if (report->leaves_added == 0) {
            break;
        }
        sequenced += report->leaves_added;
        EXPECT_EQ(report->head.size, sequenced);
        EXPECT_EQ(report->head.root, *RootAt(reference, sequenced));
        EXPECT_TRUE(VerifyTreeHead(report->head, signer.public_key()).has_value());
    }
    EXPECT_EQ(sequenced, reference.size());

    testkit::TestLedger other;
    AddEntries(other, 10);
    auto once = Sequence(*other.store, signer, other.clock, limits::kSequenceBatchMax);
    ASSERT_TRUE(once.has_value());
    auto latest = ledger.store->LatestTreeHead();
    ASSERT_TRUE(latest.has_value() && latest->has_value());
    EXPECT_EQ((*latest)->size, once->head.size);
    EXPECT_EQ((*latest)->root, once->head.root);
}

// With nothing new to integrate the sequencer answers the latest head and signs nothing.
TEST(SequenceTest, NothingNewSignsNothing) {
    testkit::TestLedger ledger;
    AddEntries(ledger, 2);
    const Signer signer(SeedOf(2));
    auto first = Sequence(*ledger.store, signer, ledger.clock, 100);
    ASSERT_TRUE(first.has_value());
    ledger.clock.Advance(std::chrono::seconds(5));
    auto second = Sequence(*ledger.store, signer, ledger.clock, 100);
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->leaves_added, 0U);
    EXPECT_EQ(second->head, first->head);
}

// A head whose signature, size, root or time was changed, or checked under another key, fails.
TEST(TreeHeadTest, TamperedHeadFails) {
    ASSERT_TRUE(crypto::InitCrypto().has_value());
    const Signer signer(SeedOf(3));
    const TreeHead head = signer.Sign(7, HashLeaf({}), testkit::TestEpoch());
    ASSERT_TRUE(VerifyTreeHead(head, signer.public_key()).has_value());

    TreeHead bad_signature = head;
    bad_signature.signature[10] ^= 1U;
    EXPECT_EQ(VerifyTreeHead(bad_signature, signer.public_key()).error().code,
              ErrorCode::kProofInvalid);
    TreeHead bad_size = head;
    bad_size.size = 8;
    EXPECT_FALSE(VerifyTreeHead(bad_size, signer.public_key()).has_value());
    TreeHead bad_root = head;
    bad_root.root[0] ^= 1U;
    EXPECT_FALSE(VerifyTreeHead(bad_root, signer.public_key()).has_value());
    TreeHead bad_time = head;
    bad_time.timestamp += std::chrono::microseconds(1);
    EXPECT_FALSE(VerifyTreeHead(bad_time, signer.public_key()).has_value());
    EXPECT_FALSE(VerifyTreeHead(head, Signer(SeedOf(4)).public_key()).has_value());
}

// The signed bytes are exactly the documented encoding (docs/transparency.md).
TEST(TreeHeadTest, EncodingIsTheDocumentedOne) {
    Hash root{};
    root.fill(0xab);
    const auto bytes = EncodeTreeHead(0x0102, root, FromMicros(0x0304));
    const std::string context(bytes.begin(), bytes.begin() + 19);
    EXPECT_EQ(context, "candor-tree-head-v1");
    ASSERT_EQ(bytes.size(), 67U);
    EXPECT_EQ(crypto::ToHex(std::span(bytes).subspan(19, 8)), "0000000000000102");
    EXPECT_EQ(crypto::ToHex(std::span(bytes).subspan(27, 32)), crypto::ToHex(root));
    EXPECT_EQ(crypto::ToHex(std::span(bytes).subspan(59, 8)), "0000000000000304");
}

// A gap in entry ids stops the sequencer with kCorruptDatabase, writing nothing.
TEST(SequenceTest, MissingEntryIsCorrupt) {
    testkit::TestLedger ledger;
    AddEntries(ledger, 3);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(ledger.db_path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DELETE FROM entries WHERE id = 2", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    auto report = Sequence(*ledger.store, Signer(SeedOf(5)), ledger.clock, 100);
    ASSERT_FALSE(report.has_value());
    EXPECT_EQ(report.error().code, ErrorCode::kCorruptDatabase);
    EXPECT_EQ(*ledger.store->LoadTreeSize(), 0U);
}

// A sequenced leaf is found by its hash (the first leaf with that hash); an unknown hash is not.
// Each signing key is recorded once, with the time of its first head, and a rotated key joins it.
TEST(SequenceTest, LeavesAreFoundByHashAndSigningKeysRecorded) {
    testkit::TestLedger ledger;
    AddEntries(ledger, 4);
    const Signer first_key(SeedOf(6));
    ASSERT_TRUE(Sequence(*ledger.store, first_key, ledger.clock, 100).has_value());
    MemoryTree tree = TreeOfEntries(*ledger.store);
    for (std::uint64_t index = 0; index < tree.size(); ++index) {
        auto leaf = tree.Node(0, index);
        ASSERT_TRUE(leaf.has_value());
        auto found = ledger.store->FindLeafByHash(*leaf);
        ASSERT_TRUE(found.has_value());
        EXPECT_EQ(*found, std::optional<std::uint64_t>(index));
    }
    Hash unknown{};
    unknown.fill(0x5a);
    EXPECT_EQ(*ledger.store->FindLeafByHash(unknown), std::nullopt);

    const Timestamp first_time = ledger.clock.Now();
    ledger.clock.Advance(std::chrono::seconds(1));
    auto member = ledger.store->FindMemberByPublicId("m_tree");
    ASSERT_TRUE(member.has_value() && member->has_value());
    ledger::Earn earn;
    earn.member = (*member)->id;
    earn.points = Amount(5);
    ASSERT_TRUE(ledger.Run(earn).has_value());
    ASSERT_TRUE(Sequence(*ledger.store, first_key, ledger.clock, 100).has_value());
    const Signer second_key(SeedOf(7));
    ASSERT_TRUE(ledger.Run(earn).has_value());
    ASSERT_TRUE(Sequence(*ledger.store, second_key, ledger.clock, 100).has_value());
    auto keys = ledger.store->ListSigningKeys();
    ASSERT_TRUE(keys.has_value());
    ASSERT_EQ(keys->size(), 2U);
    EXPECT_EQ((*keys)[0].key_id, first_key.key_id());
    EXPECT_EQ((*keys)[0].public_key, first_key.public_key());
    EXPECT_EQ((*keys)[0].created_at, first_time);
    EXPECT_EQ((*keys)[1].key_id, second_key.key_id());
}

}  // namespace
}  // namespace candor::translog
