// candord's sequencer on a real SQLite file: it integrates and signs on its interval and on
// Stop, and two sequencers racing on one file (two candords, or candord and `candor sequence`)
// leave exactly the tree of the journal, every head's root right and signed.
#include "app/sequencer.h"

#include <gtest/gtest.h>

#include <bit>
#include <chrono>
#include <thread>
#include <vector>

#include "journal/journal.h"
#include "testkit/testkit.h"

namespace candor::app {
namespace {

crypto::Ed25519Seed SeedOf(std::uint8_t byte) {
    crypto::Ed25519Seed seed{};
    seed.fill(byte);
    return seed;
}

void Earn(testkit::TestLedger& ledger, MemberId member, int count) {
    for (int i = 0; i < count; ++i) {
        ledger::Earn earn;
        earn.member = member;
        earn.points = Amount(1 + i);
        ASSERT_TRUE(ledger.Run(earn).has_value());
    }
}

std::uint64_t EntryCount(store::Store& store) {
    std::uint64_t count = 0;
    EXPECT_TRUE(store
                    .ScanEntries([&count](const store::EntryRow&) {
                        ++count;
                        return true;
                    })
                    .has_value());
    return count;
}

// Checks the stored log against the journal: every node is the rebuilt tree's, the tree holds
// every entry, and every head's root is right and signed by one of `signers`.
void ExpectLogMatchesJournal(store::Store& store,
                             const std::vector<const translog::Signer*>& signers) {
    translog::MemoryTree tree;
    ASSERT_TRUE(store
                    .ScanEntries([&tree](const store::EntryRow& entry) {
                        tree.Append(journal::HashLeaf(entry.body));
                        return true;
                    })
                    .has_value());
    auto size = store.LoadTreeSize();
    ASSERT_TRUE(size.has_value());
    EXPECT_EQ(*size, tree.size());
    std::uint64_t nodes = 0;
    ASSERT_TRUE(store
                    .ScanTreeNodes([&](const store::TreeNodeRow& node) {
                        auto rebuilt = tree.Node(node.level, node.index);
                        EXPECT_TRUE(rebuilt.has_value() && *rebuilt == node.hash)
                            << node.level << " " << node.index;
                        ++nodes;
                        return true;
                    })
                    .has_value());
    // Only the levels from kFirstStoredLevel up are stored: n / 4 + n / 8 + ... nodes.
    std::uint64_t expected = 0;
    for (std::uint64_t count = tree.size() >> static_cast<unsigned>(translog::kFirstStoredLevel);
         count > 0;
         count >>= 1U) {
        expected += count;
    }
    EXPECT_EQ(nodes, expected);
    std::uint64_t heads = 0;
    ASSERT_TRUE(store
                    .ScanTreeHeads([&](const store::TreeHeadRow& row) {
                        auto head = translog::FromRow(row);
                        EXPECT_TRUE(head.has_value());
                        auto root = translog::RootAt(tree, row.size);
                        EXPECT_TRUE(root.has_value() && *root == row.root) << row.size;
                        bool is_signed = false;
                        for (const translog::Signer* signer : signers) {
                            is_signed =
                                is_signed ||
                                translog::VerifyTreeHead(*head, signer->public_key()).has_value();
                        }
                        EXPECT_TRUE(is_signed) << row.size;
                        ++heads;
                        return true;
                    })
                    .has_value());
    EXPECT_GT(heads, 0U);
}

TEST(SequencerTest, StopRunsALastPassOverEverything) {
    // Proves that with a long interval, the entries written after Start are integrated and
    // signed by the last pass that Stop runs.
    testkit::TestLedger ledger;
    const MemberId member = ledger.Enrol("m_seq");
    SequencerOptions options;
    options.interval = std::chrono::hours(1);
    Sequencer sequencer(ledger.db_path, SeedOf(1), ledger.clock, options);
    ASSERT_TRUE(sequencer.Start().has_value());
    Earn(ledger, member, 7);
    sequencer.Stop();
    const std::uint64_t entries = EntryCount(*ledger.store);
    EXPECT_EQ(sequencer.stats().tree_size, entries);
    auto head = ledger.store->LatestTreeHead();
    ASSERT_TRUE(head.has_value() && head->has_value());
    EXPECT_EQ((*head)->size, entries);
    ExpectLogMatchesJournal(*ledger.store, {&sequencer.signer()});
}

TEST(SequencerTest, IntegratesOnItsIntervalWhileRunning) {
    // Proves the thread sequences new entries by itself, without Stop, within its interval.
    testkit::TestLedger ledger;
    const MemberId member = ledger.Enrol("m_seq");
    SequencerOptions options;
    options.interval = std::chrono::milliseconds(10);
    Sequencer sequencer(ledger.db_path, SeedOf(2), ledger.clock, options);
    ASSERT_TRUE(sequencer.Start().has_value());
    Earn(ledger, member, 5);
    const std::uint64_t entries = EntryCount(*ledger.store);
    for (int i = 0; i < 500 && sequencer.stats().tree_size < entries; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(sequencer.stats().tree_size, entries);
    EXPECT_EQ(sequencer.stats().failures, 0U);
    sequencer.Stop();
}

TEST(SequencerTest, TwoSequencersRacingOnOneFileKeepTheTreeRight) {
    // Proves that two sequencers with different keys and tiny batches, racing on one SQLite
    // file while entries are written, never corrupt the tree: each batch is one write
    // transaction that re-reads the tree size.
    testkit::TestLedger ledger;
    const MemberId member = ledger.Enrol("m_race");
    SequencerOptions options;
    options.batch_max = 3;
    options.interval = std::chrono::milliseconds(1);
    Sequencer first(ledger.db_path, SeedOf(3), ledger.clock, options);
    Sequencer second(ledger.db_path, SeedOf(4), ledger.clock, options);
    ASSERT_TRUE(first.Start().has_value());
    ASSERT_TRUE(second.Start().has_value());
    for (int round = 0; round < 20; ++round) {
        Earn(ledger, member, 5);
        ledger.clock.Advance(std::chrono::milliseconds(1));
    }
    first.Stop();
    second.Stop();
    EXPECT_EQ(first.stats().failures + second.stats().failures, 0U);
    EXPECT_EQ(first.stats().leaves + second.stats().leaves, EntryCount(*ledger.store));
    ExpectLogMatchesJournal(*ledger.store, {&first.signer(), &second.signer()});
}

}  // namespace
}  // namespace candor::app
