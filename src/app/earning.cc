#include "app/earning.h"

#include <algorithm>
#include <array>
#include <limits>
#include <string>
#include <utility>

#include "core/assert.h"
#include "core/json.h"

namespace candor::app {
namespace {

// 9999-12-31T23:59:59Z in microseconds since the epoch.
constexpr std::int64_t kNeverExpiresMicros = 253'402'300'799'000'000;

// "member:<id>:": a member's counters are stored next to each other, so the few an event
// touches share a page.
std::string MemberScope(MemberId member) {
    return "member:" + std::to_string(member.value()) + ":";
}

// The member's lifetime spend: a counter that never resets.
store::CounterKey SpendKey(MemberId member) {
    return store::CounterKey{MemberScope(member) + "spend", Timestamp{}};
}

Result<std::int64_t> LoadBalanceOf(store::Store& store, MemberId member, Asset asset) {
    CANDOR_ASSIGN_OR_RETURN(const std::optional<Amount> balance,
                            store.LoadBalance(ledger::MemberAccount(member, asset), 0));
    return balance ? balance->value() : 0;
}

// The program's qualifying metric for the member of `record`.
std::int64_t TierMetric(const program::Program& program, const MemberRecord& record) {
    switch (program.definition().tiers.metric) {
        case program::TierMetric::kStatusPoints:
            return record.status_balance;
        case program::TierMetric::kSpend:
            return record.spend_total;
        case program::TierMetric::kVisits:
            return record.facts.visits_count;
        case program::TierMetric::kPurchases:
            return record.facts.purchases_count;
    }
    return 0;
}

// The member's tier as `program` knows it: the stored one when the program has it, else the
// one the member qualifies for now ("" for none).
std::string EffectiveTier(const program::Program& program, const MemberRecord& record) {
    if (program.FindTier(record.facts.tier) != nullptr) {
        return record.facts.tier;
    }
    const program::Tier* qualifying = program::QualifyingTier(program, TierMetric(program, record));
    return qualifying == nullptr ? std::string() : qualifying->id;
}

bool IsMembersEntry(const journal::Entry& entry, MemberId member) {
    return std::any_of(entry.postings.begin(), entry.postings.end(), [&](const auto& posting) {
        return posting.account == ledger::MemberAccount(member, posting.asset);
    });
}

Error UnknownOriginal(EventResult* result) {
    result->field = "original";
    return MakeError(ErrorCode::kUnknownEntry,
                     "No purchase of this member has this id (from this client).");
}

// A refund: the Reverse of its purchase's entry, part/whole of it.
Result<std::optional<ledger::DecidedCommand>> DecideRefund(store::Store& store,
                                                           const program::Program& program,
                                                           const EventRequest& request,
                                                           EventResult* result) {
    program::Event event = request.event;
    CANDOR_ASSIGN_OR_RETURN(const std::optional<store::IdempotencyRow> row,
                            store.FindIdempotency(request.client_id, event.original));
    if (!row) {
        return UnknownOriginal(result);
    }
    if (row->result_id == 0) {
        return std::optional<ledger::DecidedCommand>();  // the purchase earned nothing
    }
    CANDOR_ASSIGN_OR_RETURN(const std::optional<store::EntryRow> entry_row,
                            store.LoadEntry(EntryId(row->result_id)));
    if (!entry_row || entry_row->kind != EntryKind::kEarn) {
        return UnknownOriginal(result);
    }
    CANDOR_ASSIGN_OR_RETURN(const journal::Entry original, journal::Decode(entry_row->body));
    auto meta = program::ParseMeta(original.meta);
    if (!IsMembersEntry(original, request.member.id) || !meta ||
        meta->event_type != program::EventType::kPurchase || meta->amount <= 0) {
        return UnknownOriginal(result);
    }
    event.original_amount = meta->amount;
    CANDOR_ASSIGN_OR_RETURN(MemberRecord record,
                            LoadMemberRecord(store, request.member, request.default_time_zone));
    auto decision = program::Evaluate(program, event, FactsOf(program, record), {});
    if (!decision) {
        result->field =
            decision.error().code == ErrorCode::kReversalExceedsOriginal ? "amount" : "";
        return std::move(decision).error();
    }
    CANDOR_ASSIGN_OR_RETURN(const Changes changes, ChangesOf(program, event, *decision, record));
    CANDOR_TRY(ApplyChanges(store, program, request.member.id, changes));
    CANDOR_ASSERT(decision->reversal.has_value());
    const program::Reversal& reversal = *decision->reversal;
    ledger::Reverse reverse{original.id, reversal.part, reversal.whole, reversal.meta};
    result->decision = std::move(*decision);
    return std::optional<ledger::DecidedCommand>(std::move(reverse));
}

// What happened, in plain words, for an entry without program meta.
EntryTexts PlainTexts(const journal::Entry& entry) {
    const std::string reference = std::to_string(entry.reference.value());
    switch (entry.kind) {
        case EntryKind::kEarn:
            return {std::nullopt, "Начисление", "Points credited"};
        case EntryKind::kSpend:
            return {std::nullopt, "Баллы потрачены", "Points spent"};
        case EntryKind::kHold:
            return {std::nullopt, "Баллы зарезервированы для оплаты", "Points held for a payment"};
        case EntryKind::kCapture:
            return {std::nullopt,
                    "Оплата баллами по резерву " + reference,
                    "Payment with the points held by hold " + reference};
        case EntryKind::kVoid:
            return {std::nullopt,
                    "Резерв " + reference + " отменён: баллы возвращены",
                    "Hold " + reference + " released: the points are back"};
        case EntryKind::kReversal:
            return {std::nullopt,
                    "Сторно записи " + reference + " (полностью или частично)",
                    "Reversal of entry " + reference + " (in whole or in part)"};
        case EntryKind::kExpire:
            return {std::nullopt, "Баллы сгорели по сроку", "Points expired"};
        case EntryKind::kAdjust:
            return {std::nullopt, "Корректировка сотрудником", "Staff adjustment"};
        case EntryKind::kTransfer:
            return {std::nullopt, "Перевод баллов", "Points transferred"};
    }
    return {std::nullopt, "", ""};
}

}  // namespace

Timestamp NeverExpires() {
    return FromMicros(kNeverExpiresMicros);
}

Result<MemberRecord> LoadMemberRecord(store::Store& store,
                                      const store::MemberRow& row,
                                      std::string_view default_time_zone) {
    const MemberId member = row.id;
    MemberRecord record;
    record.member = member;
    record.enrolled_at = row.created_at;
    record.time_zone =
        row.settings.time_zone.empty() ? std::string(default_time_zone) : row.settings.time_zone;
    CANDOR_ASSIGN_OR_RETURN(record.facts, store.LoadMemberFacts(member));
    CANDOR_ASSIGN_OR_RETURN(record.points_balance, LoadBalanceOf(store, member, Asset::kPoints));
    CANDOR_ASSIGN_OR_RETURN(record.status_balance, LoadBalanceOf(store, member, Asset::kStatus));
    const std::array keys = {SpendKey(member)};
    CANDOR_ASSIGN_OR_RETURN(const std::vector<std::int64_t> spend, store.LoadCounters(keys));
    record.spend_total = spend.at(0);
    return record;
}

Status LoadEventCounters(store::Store& store,
                         const program::Program& program,
                         const program::Event& event,
                         MemberRecord* record) {
    std::vector<std::string> missing;
    for (std::string& key : program::CounterKeys(program, event)) {
        if (!record->counters.contains(key)) {
            missing.push_back(std::move(key));
        }
    }
    if (!missing.empty() && record->member.is_set()) {
        std::vector<store::CounterKey> keys;
        keys.reserve(missing.size());
        for (const std::string& key : missing) {
            keys.push_back(StoredCounterKey(program, key, record->member));
        }
        CANDOR_ASSIGN_OR_RETURN(const std::vector<std::int64_t> values, store.LoadCounters(keys));
        for (std::size_t i = 0; i < missing.size(); ++i) {
            record->counters.emplace(std::move(missing[i]), values.at(i));
        }
    } else {
        for (std::string& key : missing) {
            record->counters.emplace(std::move(key), 0);
        }
    }
    for (std::string& code : program::BudgetCodes(program, event)) {
        if (record->budgets.contains(code)) {
            continue;
        }
        CANDOR_ASSIGN_OR_RETURN(const std::optional<store::SystemAccountRow> account,
                                store.FindSystemAccountByCode("campaign:" + code));
        std::int64_t balance = 0;
        if (account && account->kind == AccountKind::kCampaignBudget &&
            account->asset == Asset::kPoints) {
            CANDOR_ASSIGN_OR_RETURN(const std::optional<Amount> sum, store.SumBalance(account->id));
            balance = sum ? sum->value() : 0;
            record->budget_accounts.emplace(code, account->id);
        }
        record->budgets.emplace(std::move(code), balance);
    }
    return Ok();
}

program::MemberFacts FactsOf(const program::Program& program, const MemberRecord& record) {
    program::MemberFacts facts;
    facts.tier = EffectiveTier(program, record);
    facts.purchases_count = record.facts.purchases_count;
    facts.visits_count = record.facts.visits_count;
    facts.status_points = record.status_balance;
    facts.points_balance = record.points_balance;
    facts.spend_total = record.spend_total;
    facts.enrolled_at = record.enrolled_at;
    facts.last_purchase_at = record.facts.last_purchase_at.value_or(Timestamp{});
    facts.time_zone = record.time_zone;
    facts.birthday = record.birthday;
    facts.segments = record.segments;
    return facts;
}

program::Counters CountersOf(const MemberRecord& record) {
    return program::Counters{record.counters, record.budgets};
}

store::CounterKey StoredCounterKey(const program::Program& program,
                                   std::string_view key,
                                   MemberId member) {
    program::CounterPeriod period = program::CounterPeriodOf(program, key);
    return store::CounterKey{MemberScope(member) + period.scope, period.start};
}

Result<Changes> ChangesOf(const program::Program& program,
                          const program::Event& event,
                          const program::Decision& decision,
                          const MemberRecord& record) {
    Changes changes;
    for (const program::CounterIncrement& increment : decision.increments) {
        changes.counters.push_back({increment.key, increment.delta, increment.cap});
    }
    if (decision.credit) {
        changes.points_delta = decision.credit->points;
        changes.status_delta = decision.credit->status;
        changes.budget_draws = decision.credit->budget_draws;
    }
    if (event.type == program::EventType::kRefund) {
        // Purchases recorded before candord kept the spend total cannot take it below zero.
        changes.spend_delta =
            -std::min(event.amount, std::max<std::int64_t>(record.spend_total, 0));
        return changes;
    }
    MemberRecord after = record;
    if (event.type == program::EventType::kPurchase) {
        const std::optional<std::int64_t> day =
            program::LocalDay(record.time_zone, event.occurred_at);
        if (!day) {
            // Member settings and the deployment's default are checked against the same zone
            // database when they are set.
            return MakeError(ErrorCode::kInternal, "unknown time zone " + record.time_zone);
        }
        changes.is_purchase = true;
        changes.purchase_at = event.occurred_at;
        changes.visit_day = *day;
        changes.spend_delta = event.amount;
    }
    Advance(changes, &after);
    if (!program.definition().tiers.levels.empty()) {
        const program::TierState state =
            program::UpgradeTier(program,
                                 program::TierState{EffectiveTier(program, record), Timestamp{}},
                                 TierMetric(program, after));
        if (state.tier != record.facts.tier) {
            changes.tier = state.tier;
            changes.tier_since = event.occurred_at;
        }
    }
    return changes;
}

Status ApplyChanges(store::Store& store,
                    const program::Program& program,
                    MemberId member,
                    const Changes& changes) {
    for (const Changes::Counter& counter : changes.counters) {
        CANDOR_ASSIGN_OR_RETURN(
            const store::CounterUpdate update,
            store.AddToCounter(
                StoredCounterKey(program, counter.key, member), counter.delta, counter.cap));
        if (!update.is_applied) {
            // Evaluate read this counter in the same transaction and kept within its cap.
            return MakeError(
                ErrorCode::kInternal,
                "counter " + counter.key + " would pass its cap " + std::to_string(counter.cap));
        }
    }
    if (changes.is_purchase) {
        CANDOR_TRY(store.RecordPurchase(member, changes.purchase_at, changes.visit_day));
    }
    if (changes.spend_delta != 0) {
        CANDOR_ASSIGN_OR_RETURN(
            const store::CounterUpdate update,
            store.AddToCounter(
                SpendKey(member), changes.spend_delta, std::numeric_limits<std::int64_t>::max()));
        if (!update.is_applied) {
            return MakeError(ErrorCode::kAmountOverflow, "the member's spend total overflows");
        }
    }
    if (changes.tier) {
        CANDOR_TRY(store.StoreMemberTier(member, *changes.tier, changes.tier_since));
    }
    return Ok();
}

void Advance(const Changes& changes, MemberRecord* record) {
    for (const Changes::Counter& counter : changes.counters) {
        record->counters[counter.key] += counter.delta;
    }
    if (changes.is_purchase) {
        // As store::RecordPurchase records it.
        store::MemberFactsRow& facts = record->facts;
        ++facts.purchases_count;
        if (!facts.first_purchase_at || changes.purchase_at < *facts.first_purchase_at) {
            facts.first_purchase_at = changes.purchase_at;
        }
        if (!facts.last_purchase_at || changes.purchase_at > *facts.last_purchase_at) {
            facts.last_purchase_at = changes.purchase_at;
        }
        if (!facts.last_visit_day || changes.visit_day > *facts.last_visit_day) {
            ++facts.visits_count;
            facts.last_visit_day = changes.visit_day;
        }
    }
    record->spend_total += changes.spend_delta;
    record->points_balance += changes.points_delta;
    record->status_balance += changes.status_delta;
    for (const program::BudgetDraw& draw : changes.budget_draws) {
        record->budgets[draw.budget] -= draw.points;
    }
    if (changes.tier) {
        record->facts.tier = *changes.tier;
        record->facts.tier_since = changes.tier_since;
    }
}

Result<std::optional<ledger::Earn>> EarnOf(const program::Program& program,
                                           const program::Event& event,
                                           const program::Decision& decision,
                                           const MemberRecord& record) {
    if (!decision.credit) {
        return std::optional<ledger::Earn>();
    }
    const program::Credit& credit = *decision.credit;
    ledger::Earn earn;
    earn.member = record.member;
    earn.points = Amount(credit.points);
    earn.status = Amount(credit.status);
    earn.cashback = Amount(credit.cashback);
    earn.effective_at = event.occurred_at;
    if (credit.points > 0) {
        earn.expires_at =
            program::PointsExpireAt(program, event.occurred_at).value_or(NeverExpires());
    }
    for (const program::BudgetDraw& draw : credit.budget_draws) {
        const auto account = record.budget_accounts.find(draw.budget);
        if (account == record.budget_accounts.end()) {
            return MakeError(ErrorCode::kInternal, "no account for budget " + draw.budget);
        }
        earn.budget_draws.push_back(ledger::BudgetDraw{account->second, Amount(draw.points)});
    }
    earn.meta = credit.meta;
    return std::optional(std::move(earn));
}

Result<std::optional<ledger::DecidedCommand>> DecideEvent(store::Store& store,
                                                          ProgramCache& programs,
                                                          const EventRequest& request,
                                                          Timestamp now,
                                                          EventResult* result) {
    *result = EventResult{};
    CANDOR_ASSIGN_OR_RETURN(program::Program program, programs.InForce(store));
    result->program = program;
    const program::Event& event = request.event;
    CANDOR_TRY(program::CheckEvent(program, event, &result->field));
    if (event.type == program::EventType::kRefund) {
        return DecideRefund(store, program, request, result);
    }
    CANDOR_ASSIGN_OR_RETURN(MemberRecord record,
                            LoadMemberRecord(store, request.member, request.default_time_zone));
    CANDOR_TRY(LoadEventCounters(store, program, event, &record));
    // Only what is posted: the explanations come from the entry's meta.
    program::EvaluateOptions options;
    options.trace_earnings = false;
    options.list_skipped = false;
    CANDOR_ASSIGN_OR_RETURN(
        program::Decision decision,
        program::Evaluate(program, event, FactsOf(program, record), CountersOf(record), options));
    CANDOR_ASSIGN_OR_RETURN(std::optional<ledger::Earn> earn,
                            EarnOf(program, event, decision, record));
    if (earn && earn->points.is_positive() && earn->expires_at <= now) {
        result->field = "occurred_at";
        return Invalid("The event is so old that the points it earns would have expired.");
    }
    CANDOR_ASSIGN_OR_RETURN(const Changes changes, ChangesOf(program, event, decision, record));
    CANDOR_TRY(ApplyChanges(store, program, request.member.id, changes));
    result->decision = std::move(decision);
    if (!earn) {
        return std::optional<ledger::DecidedCommand>();
    }
    return std::optional<ledger::DecidedCommand>(std::move(*earn));
}

Result<EntryTexts> ExplainEntry(store::Store& store,
                                ProgramCache& programs,
                                const journal::Entry& entry) {
    if (entry.meta.empty()) {
        return PlainTexts(entry);
    }
    auto meta = program::ParseMeta(entry.meta);
    if (!meta) {
        return PlainTexts(entry);
    }
    CANDOR_ASSIGN_OR_RETURN(const std::optional<program::Program> program,
                            programs.Find(store, meta->program_version));
    if (!program) {
        return PlainTexts(entry);
    }
    return EntryTexts{
        meta->program_version,
        program::ExplainMeta(*program, *meta, entry.effective_at, program::Language::kRu),
        program::ExplainMeta(*program, *meta, entry.effective_at, program::Language::kEn)};
}

EntryAmounts AmountsOf(const journal::Entry& entry, MemberId member) {
    EntryAmounts amounts;
    for (const journal::Posting& posting : entry.postings) {
        if (posting.account != ledger::MemberAccount(member, posting.asset)) {
            continue;
        }
        switch (posting.asset) {
            case Asset::kPoints:
                amounts.points += posting.amount.value();
                break;
            case Asset::kStatus:
                amounts.status += posting.amount.value();
                break;
            case Asset::kCashback:
                amounts.cashback += posting.amount.value();
                break;
        }
    }
    return amounts;
}

}  // namespace candor::app
