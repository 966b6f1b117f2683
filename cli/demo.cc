// `candor demo`: a walkthrough of the ledger on a fresh database, in the words of a café's
// loyalty program: the cafe template program, published as version 1, decides what each purchase
// earns and says why. It prints each step, the balances, and the result of `candor check`.
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "config/config.h"
#include "core/json.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "journal/journal.h"
#include "ledger/ledger.h"
#include "translog/translog.h"

namespace candor::cli {
namespace {

using ledger::Outcome;

constexpr std::string_view kTemplate = "cafe";

std::string Rub(std::int64_t amount_minor) {
    return fmt::format("{}.{:02d} RUB", amount_minor / 100, amount_minor % 100);
}

// The IANA zone `name`, or nullptr. date::locate_zone throws for an unknown name: converted here.
const date::time_zone* FindZone(std::string_view name) {
    try {
        return date::locate_zone(name);
    } catch (const std::exception&) {
        return nullptr;
    }
}

// Days since 1970-01-01 of the local day of `at` in `zone`: the day a visit counts for.
std::int64_t LocalDay(const date::time_zone& zone, Timestamp at) {
    const auto local = zone.to_local(at);
    return std::chrono::floor<date::days>(local).time_since_epoch().count();
}

// The latest weekday 15:10 in `zone` at or before `now`: the demo's day starts in the cafe
// template's happy hours (weekdays 15:00-17:00), whatever the day it runs.
Timestamp HappyHourStart(const date::time_zone& zone, Timestamp now) {
    const auto local_now = zone.to_local(now);
    auto day = std::chrono::floor<date::days>(local_now);
    for (;;) {
        const date::weekday weekday{day};
        const auto start = day + std::chrono::hours(15) + std::chrono::minutes(10);
        if (weekday != date::Saturday && weekday != date::Sunday && start <= local_now) {
            return zone.to_sys(start, date::choose::earliest);
        }
        day -= date::days(1);
    }
}

program::Item Line(std::string sku, std::string category, std::int64_t qty, std::int64_t amount) {
    return program::Item{std::move(sku), std::move(category), qty, amount};
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
        auto published = PublishTemplate(store_, ledger_, clock_, kTemplate, "candor demo");
        if (!published) {
            PrintError(published.error().message);
            return kExitInvalid;
        }
        program_ = std::make_unique<program::Program>(published->program);
        zone_ = FindZone(program_->definition().time_zone);
        if (zone_ == nullptr) {
            PrintError("the time zone database has no " + program_->definition().time_zone);
            return kExitInvalid;
        }
        clock_.Set(HappyHourStart(*zone_, clock_.Now()));
        Say(fmt::format(
            "Café Candor opens its loyalty program: the {} template (candor init --template {}),\n"
            "published as version {}. 1 point per 10 RUB, coffee earns twice in happy hours\n"
            "(weekdays 15:00-17:00), 150 points every tenth visit; points live 6 months.\n"
            "It is {} in {}: happy hours.",
            kTemplate,
            kTemplate,
            published->version,
            date::format("%A %d %B %Y, %H:%M", zone_->to_local(clock_.Now())),
            program_->definition().time_zone));
        const MemberId anna = Enrol("m_anna");
        const MemberId boris = Enrol("m_boris");
        Say(fmt::format(
            "Enrolled Anna (member {}) and Boris (member {}).", anna.value(), boris.value()));

        Step("Anna buys lunch for " + Rub(150000) + ", two cappuccinos included.");
        const std::vector<program::Item> lunch_items = {Line("lunch", "food", 1, 120000),
                                                        Line("cappuccino", "coffee", 2, 30000)};
        const Outcome lunch =
            Must(Purchase("till-1", "till-1-0001", anna, "m_anna", 150000, lunch_items));
        Step("Boris buys a cake and a flat white for " + Rub(82050) + ".");
        const std::vector<program::Item> boris_items = {Line("cake", "dessert", 1, 52050),
                                                        Line("flat-white", "coffee", 1, 30000)};
        Must(Purchase("till-2", "till-2-0001", boris, "m_boris", 82050, boris_items));

        Step("Till 2 lost the network and sends Boris's purchase again with the same key.");
        const Outcome retry =
            Must(Purchase("till-2", "till-2-0001", boris, "m_boris", 82050, boris_items));
        Say(fmt::format("  -> replay: {} (entry {} again, nothing added)",
                        retry.is_replay ? "yes" : "no",
                        retry.entry ? retry.entry->id.value() : 0));

        Step("At the till Anna redeems a 100-point dessert: the till holds 100 points.");
        const Outcome hold = Must(
            Submit("till-1",
                   "till-1-0002",
                   ledger::Hold{anna, Asset::kPoints, Amount(100), std::chrono::minutes(10), {}}));
        PrintBalances(anna, "Anna");
        Step("The dessert costs only 60 points: the till captures 60, 40 go back.");
        Must(Submit("till-1", "till-1-0003", ledger::Capture{hold.entry->id, Amount(60), {}}));

        Step("Boris starts a redemption of 50 points, then changes his mind: the till voids it.");
        const Outcome boris_hold = Must(
            Submit("till-2",
                   "till-2-0002",
                   ledger::Hold{boris, Asset::kPoints, Amount(50), std::chrono::minutes(10), {}}));
        Must(Submit("till-2", "till-2-0003", ledger::Void{boris_hold.entry->id}));

        Step("Anna returns part of her lunch worth " + Rub(50000) + " of " + Rub(150000) +
             ": a third of its points are reversed.");
        Must(Refund("till-1", "till-1-0004", "till-1-0001", 50000, lunch));

        Step("Boris tries to spend 5000 points he does not have.");
        auto refused =
            Submit("app", "app-0001", ledger::Spend{boris, Asset::kPoints, Amount(5000), {}, {}});
        Say(fmt::format(
            "  -> refused: {} ({})", refused.error().message, Describe(refused.error().code).slug));

        Step("Boris spends 50 points on a coffee.");
        Must(Submit("app", "app-0002", ledger::Spend{boris, Asset::kPoints, Amount(50), {}, {}}));

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

    // Each line of `text`, indented under the step.
    static void SayIndented(const std::string& text) {
        std::size_t start = 0;
        while (start < text.size()) {
            const std::size_t end = std::min(text.find('\n', start), text.size());
            Say("  " + text.substr(start, end - start));
            start = end + 1;
        }
    }

    void Step(const std::string& text) { Say(fmt::format("\n{}. {}", ++step_, text)); }

    Result<Outcome> Submit(const std::string& client,
                           const std::string& key,
                           ledger::Command command) {
        clock_.Advance(std::chrono::minutes(7));
        return ledger_.ExecuteNow(ledger::Request{client, key, std::move(command)});
    }

    // A purchase as a till sends it, earned under the program: the engine decides inside the
    // ledger's transaction (ledger::Decide) from the member's facts there, records the purchase
    // (a visit on a new local day) and posts what it decided; the explanation is printed.
    Result<Outcome> Purchase(const std::string& till,
                             const std::string& key,
                             MemberId member,
                             const std::string& public_id,
                             std::int64_t amount_minor,
                             const std::vector<program::Item>& items) {
        program::Event event;
        event.id = key;
        event.type = program::EventType::kPurchase;
        event.member = public_id;
        event.amount = amount_minor;
        event.channel = "pos";
        event.store = "cafe-1";
        event.items = items;
        ledger::Decide decide;
        // The idempotency fingerprint: the event as received (its time is the till's now).
        decide.fingerprint =
            fmt::format("purchase {} {} {}", public_id, amount_minor, items.size());
        for (const program::Item& item : items) {
            decide.fingerprint +=
                fmt::format(" {}:{}:{}:{}", item.sku, item.category, item.qty, item.amount);
        }
        auto explanation = std::make_shared<std::string>();
        decide.decide = [this, member, event, explanation](
                            store::Store& store,
                            Timestamp now) -> Result<std::optional<ledger::DecidedCommand>> {
            program::Event at_now = event;
            at_now.occurred_at = now;
            return Earn(store, member, at_now, explanation.get());
        };
        auto outcome = Submit(till, key, std::move(decide));
        if (outcome && !outcome->is_replay && !explanation->empty()) {
            SayIndented(*explanation);
        }
        return outcome;
    }

    // What `event` earns `member` under the program, with the facts `store` holds now.
    Result<std::optional<ledger::DecidedCommand>> Earn(store::Store& store,
                                                       MemberId member,
                                                       const program::Event& event,
                                                       std::string* explanation) {
        CANDOR_ASSIGN_OR_RETURN(const store::MemberFactsRow row, store.LoadMemberFacts(member));
        program::MemberFacts facts;
        facts.tier = row.tier;
        facts.purchases_count = row.purchases_count;
        facts.visits_count = row.visits_count;
        if (row.last_purchase_at) {
            facts.last_purchase_at = *row.last_purchase_at;
        }
        CANDOR_ASSIGN_OR_RETURN(const auto points,
                                store.SumBalance(ledger::MemberAccount(member, Asset::kPoints)));
        CANDOR_ASSIGN_OR_RETURN(const auto status,
                                store.SumBalance(ledger::MemberAccount(member, Asset::kStatus)));
        facts.points_balance = points ? points->value() : 0;
        facts.status_points = status ? status->value() : 0;
        CANDOR_ASSIGN_OR_RETURN(const program::Decision decision,
                                program::Evaluate(*program_, event, facts, program::Counters{}));
        // The cafe template's purchase rules have no caps and its campaigns no budgets, so the
        // demo keeps no counters and draws on no budget; a program that needs them is refused
        // here rather than earning past its limits.
        if (!decision.increments.empty() ||
            (decision.credit && !decision.credit->budget_draws.empty())) {
            return Invalid("the demo keeps no cap counters or campaign budgets");
        }
        CANDOR_TRY(
            store.RecordPurchase(member, event.occurred_at, LocalDay(*zone_, event.occurred_at)));
        *explanation = program::Explain(*program_, event, decision, program::Language::kEn);
        if (!decision.credit) {
            return std::optional<ledger::DecidedCommand>();
        }
        const program::Credit& credit = *decision.credit;
        ledger::Earn earn;
        earn.member = member;
        earn.points = Amount(credit.points);
        earn.status = Amount(credit.status);
        earn.cashback = Amount(credit.cashback);
        earn.effective_at = event.occurred_at;
        if (auto expires_at = program::PointsExpireAt(*program_, event.occurred_at)) {
            earn.expires_at = *expires_at;
        }
        earn.meta = credit.meta;
        return std::optional<ledger::DecidedCommand>(std::move(earn));
    }

    // A refund of `amount_minor` of the purchase `original` (whose outcome is `purchase`): the
    // engine decides the share of its entry to reverse.
    Result<Outcome> Refund(const std::string& till,
                           const std::string& key,
                           const std::string& original,
                           std::int64_t amount_minor,
                           const Outcome& purchase) {
        if (!purchase.entry) {
            return Invalid("the purchase wrote no entry");
        }
        CANDOR_ASSIGN_OR_RETURN(const program::Meta meta, program::ParseMeta(purchase.entry->meta));
        program::Event event;
        event.id = key;
        event.type = program::EventType::kRefund;
        event.member = "m_anna";
        event.amount = amount_minor;
        event.original = original;
        event.original_amount = meta.amount;
        event.occurred_at = clock_.Now();
        CANDOR_ASSIGN_OR_RETURN(
            const program::Decision decision,
            program::Evaluate(*program_, event, program::MemberFacts{}, program::Counters{}));
        if (!decision.reversal) {
            return Invalid("a refund decides a reversal");
        }
        SayIndented(program::Explain(*program_, event, decision, program::Language::kEn));
        const program::Reversal& reversal = *decision.reversal;
        return Submit(
            till,
            key,
            ledger::Reverse{purchase.entry->id, reversal.part, reversal.whole, reversal.meta});
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
    std::unique_ptr<program::Program> program_;  // the published template
    const date::time_zone* zone_ = nullptr;      // the program's
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
