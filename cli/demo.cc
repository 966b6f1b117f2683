// `candor demo`: a walkthrough of the ledger on a fresh database, in the words of a café's
// loyalty program. It prints each step, the balances, and the result of `candor check`.
#include <fmt/format.h>

#include <filesystem>
#include <string>

#include "cli/commands.h"
#include "config/config.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "journal/journal.h"
#include "ledger/ledger.h"
#include "translog/translog.h"

namespace candor::cli {
namespace {

using ledger::Outcome;

// One point per 100 minor units (1 RUB), the rule a program engine will replace.
Amount PointsFor(std::int64_t amount_minor) {
    return Amount(amount_minor / 100);
}

std::string Rub(std::int64_t amount_minor) {
    return fmt::format("{}.{:02d} RUB", amount_minor / 100, amount_minor % 100);
}

class Demo {
public:
    Demo(store::Store& store, ManualClock& clock)
        : store_(store), clock_(clock), ledger_(store, clock) {}

    int Run() {
        if (auto setup = ledger_.Setup(); !setup) {
            PrintError(setup.error().message);
            return kExitInvalid;
        }
        Say("Café Candor opens its loyalty program: 1 point per RUB, points live 365 days,\n"
            "status points count towards tiers, and 3% cashback on the weekly special.");
        const MemberId anna = Enrol("m_anna");
        const MemberId boris = Enrol("m_boris");
        Say(fmt::format(
            "Enrolled Anna (member {}) and Boris (member {}).", anna.value(), boris.value()));

        Step("Anna buys lunch for " + Rub(150000) + ".");
        const Outcome lunch = Must(Purchase("till-1", "till-1-0001", anna, 150000, false));
        Step("Boris buys the weekly special for " + Rub(82050) + " (points and cashback).");
        Must(Purchase("till-2", "till-2-0001", boris, 82050, true));

        Step("Till 2 lost the network and sends Boris's purchase again with the same key.");
        const Outcome retry = Must(Purchase("till-2", "till-2-0001", boris, 82050, true));
        Say(fmt::format("  -> replay: {} (entry {} again, nothing added)",
                        retry.is_replay ? "yes" : "no",
                        retry.entry ? retry.entry->id.value() : 0));

        Step("At the till Anna redeems a 500-point dessert: the till holds 500 points.");
        const Outcome hold = Must(
            Submit("till-1",
                   "till-1-0002",
                   ledger::Hold{anna, Asset::kPoints, Amount(500), std::chrono::minutes(10), {}}));
        PrintBalances(anna, "Anna");
        Step("The dessert costs only 300 points: the till captures 300, 200 go back.");
        Must(Submit("till-1", "till-1-0003", ledger::Capture{hold.entry->id, Amount(300), {}}));

        Step("Boris starts a redemption of 200 points, then changes his mind: the till voids it.");
        const Outcome boris_hold = Must(
            Submit("till-2",
                   "till-2-0002",
                   ledger::Hold{boris, Asset::kPoints, Amount(200), std::chrono::minutes(10), {}}));
        Must(Submit("till-2", "till-2-0003", ledger::Void{boris_hold.entry->id}));

        Step("Anna returns part of her lunch worth " + Rub(50000) + " of " + Rub(150000) +
             ": a third of its points are reversed.");
        Must(Submit("till-1", "till-1-0004", ledger::Reverse{lunch.entry->id, 50000, 150000, {}}));

        Step("Boris tries to spend 5000 points he does not have.");
        auto refused =
            Submit("app", "app-0001", ledger::Spend{boris, Asset::kPoints, Amount(5000), {}, {}});
        Say(fmt::format(
            "  -> refused: {} ({})", refused.error().message, Describe(refused.error().code).slug));

        Step("Boris spends 200 points on a coffee.");
        Must(Submit("app", "app-0002", ledger::Spend{boris, Asset::kPoints, Amount(200), {}, {}}));

        Step("A year and a day pass. The expiry run moves unspent points to the expired account.");
        clock_.Advance(std::chrono::days(366));
        const Outcome expired = Must(Submit("jobs", "", ledger::ExpireLots{}));
        Say(fmt::format("  -> {} expiry entr{} written",
                        expired.entries_written,
                        expired.entries_written == 1 ? "y" : "ies"));

        Say("\nBalances now:");
        PrintBalances(anna, "Anna");
        PrintBalances(boris, "Boris");
        PrintHistory(anna, "Anna");

        Say("\n$ candor check");
        auto report = ledger::Check(store_);
        if (!report || !report->is_ok()) {
            PrintError(report ? report->violations.front() : report.error().message);
            return kExitInvalid;
        }
        Say(fmt::format("ok: {} entries, {} postings, {} accounts; every invariant holds",
                        report->entries,
                        report->postings,
                        report->accounts));
        if (lunch.entry) {
            Publish(lunch.entry->id);
        }
        return failures_ == 0 ? kExitOk : kExitInvalid;
    }

private:
    // Integrates the journal into the transparency log under a fresh key, prints the signed
    // head, and proves that `entry` (one of Anna's) is in it.
    void Publish(EntryId entry) {
        Say("\n$ candor sequence   (a fresh demo key; production keeps its key in a 0600 file)");
        crypto::Ed25519Seed seed{};
        crypto::RandomBytes(seed);
        const translog::Signer signer(seed);
        crypto::Wipe(seed);
        auto report = translog::Sequence(store_, signer, clock_, limits::kSequenceBatchMax);
        if (!report) {
            ++failures_;
            PrintError(report.error().message);
            return;
        }
        const translog::TreeHead& head = report->head;
        Say(fmt::format("signed tree head: size {}, root {}\n  time {}, key id {}\n  signature {}",
                        head.size,
                        crypto::ToHex(head.root),
                        FormatRfc3339(head.timestamp),
                        head.key_id,
                        crypto::ToHex(head.signature)));
        Say(fmt::format("public key {}", crypto::ToHex(signer.public_key())));
        ProveInclusion(entry, head, signer.public_key());
    }

    void ProveInclusion(EntryId entry,
                        const translog::TreeHead& head,
                        const crypto::Ed25519PublicKey& public_key) {
        auto row = store_.LoadEntry(entry);
        auto tree = translog::StoredTree::Open(store_);
        if (!row || !row->has_value() || !tree) {
            ++failures_;
            PrintError("cannot load the entry or the tree");
            return;
        }
        const auto index = static_cast<std::uint64_t>(entry.value() - 1);
        auto proof = translog::InclusionProof(*tree, index, head.size);
        if (!proof) {
            ++failures_;
            PrintError(proof.error().message);
            return;
        }
        const translog::Hash leaf = journal::HashLeaf((*row)->body);
        const bool is_proven =
            translog::VerifyTreeHead(head, public_key).has_value() &&
            translog::VerifyInclusion(index, head.size, leaf, *proof, head.root).has_value();
        Say(
            fmt::format("\nAnna's lunch (entry {}) is leaf {} of the signed tree: {} ({} proof "
                        "hashes, leaf hash {}…)",
                        entry.value(),
                        index,
                        is_proven ? "proven" : "NOT PROVEN",
                        proof->size(),
                        crypto::ToHex(leaf).substr(0, 16)));
        if (!is_proven) {
            ++failures_;
        }
    }

    static void Say(const std::string& text) { fmt::print("{}\n", text); }

    void Step(const std::string& text) { Say(fmt::format("\n{}. {}", ++step_, text)); }

    Result<Outcome> Submit(const std::string& client,
                           const std::string& key,
                           ledger::Command command) {
        clock_.Advance(std::chrono::minutes(7));
        return ledger_.ExecuteNow(ledger::Request{client, key, std::move(command)});
    }

    Result<Outcome> Purchase(const std::string& till,
                             const std::string& key,
                             MemberId member,
                             std::int64_t amount_minor,
                             bool cashback) {
        ledger::Earn earn;
        earn.member = member;
        earn.points = PointsFor(amount_minor);
        earn.status = PointsFor(amount_minor);
        earn.cashback = cashback ? Amount(amount_minor * 3 / 100) : Amount(0);
        return Submit(till, key, earn);
    }

    Outcome Must(Result<Outcome> outcome) {
        if (!outcome) {
            ++failures_;
            PrintError(outcome.error().message);
            return Outcome{};
        }
        if (outcome->entry) {
            const auto& entry = *outcome->entry;
            Say(fmt::format(
                "  -> entry {} ({}), leaf hash {}…",
                entry.id.value(),
                Name(entry.kind),
                crypto::ToHex(journal::HashLeaf(journal::Encode(entry))).substr(0, 16)));
        }
        return std::move(outcome).value();
    }

    MemberId Enrol(const std::string& public_id) {
        return Must(Submit("admin", "enrol-" + public_id, ledger::EnrolMember{public_id})).member;
    }

    void PrintBalances(MemberId member, const std::string& name) {
        auto balances = ledger_.LoadBalances(member);
        if (!balances) {
            PrintError(balances.error().message);
            return;
        }
        Say(fmt::format("  {:<6} points {:>6}  held {:>4}  status {:>6}  cashback {}",
                        name,
                        balances->points.value(),
                        balances->points_held.value(),
                        balances->status.value(),
                        Rub(balances->cashback.value())));
    }

    void PrintHistory(MemberId member, const std::string& name) {
        auto history = ledger_.LoadHistory(member, EntryId(), 20);
        if (!history) {
            PrintError(history.error().message);
            return;
        }
        Say(fmt::format("\n{}'s history, newest first:", name));
        for (const journal::Entry& entry : *history) {
            std::string moves;
            for (const journal::Posting& posting : entry.postings) {
                auto info = ledger::DescribeMemberAccount(posting.account);
                if (info && info->member == member) {
                    moves += fmt::format(" {:+} {}{}",
                                         posting.amount.value(),
                                         Name(posting.asset),
                                         info->kind == AccountKind::kMemberHeld ? " (held)" : "");
                }
            }
            Say(fmt::format("  #{:<3} {:<9} {}{}",
                            entry.id.value(),
                            Name(entry.kind),
                            FormatRfc3339(entry.created_at),
                            moves));
        }
    }

    store::Store& store_;
    ManualClock& clock_;
    ledger::Ledger ledger_;
    int step_ = 0;
    int failures_ = 0;
};

}  // namespace

int RunDemo(const DemoOptions& options) {
    const std::filesystem::path path(options.db);
    std::error_code error;
    // The demo recreates its database: never one that `candor init` made a deployment of.
    if (auto keys_file = config::DefaultKeysFile(options.db);
        keys_file && std::filesystem::exists(*keys_file, error)) {
        PrintError(fmt::format(
            "{} belongs to a deployment ({} exists); the demo recreates its database, so give it "
            "another path, or run it before `candor init`",
            options.db,
            *keys_file));
        return kExitInvalid;
    }
    if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), error);
    }
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::remove(path.string() + suffix, error);
    }
    auto store = store::Open(options.db);
    if (!store) {
        PrintError(store.error().message);
        return kExitInvalid;
    }
    fmt::print("Candor demo on {} (a fresh database)\n\n", options.db);
    SystemClock system;
    ManualClock clock(system.Now());
    return Demo(**store, clock).Run();
}

}  // namespace candor::cli
