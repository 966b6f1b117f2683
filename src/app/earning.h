// Earning through the program engine (docs/program.md, "How candord earns"): what an event's
// decision reads about its member, the changes that go with the decision (cap counters, the
// member's facts, the spend total, a tier upgrade), the one ledger command it makes, and the
// explanations of journal entries. POST /v1/events runs DecideEvent inside the committer's
// transaction (a ledger::Decide); POST /v1/program/simulate runs the same reads and the same
// ChangesOf on a read-only connection and applies the changes in memory instead, so a
// simulation decides exactly as the real earning would. Pure functions of what they are given
// and what the store holds; thread-safe as their arguments are. Private to app/.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/program_cache.h"
#include "core/ids.h"
#include "core/result.h"
#include "journal/journal.h"
#include "ledger/ledger.h"
#include "program/program.h"
#include "store/store.h"

namespace candor::app {

// When points expire under a program that never lets them (Expiry "never"): the ledger needs a
// time, and this one is past any real one (9999-12-31T23:59:59Z).
Timestamp NeverExpires();

// What the store holds about a member that an event's decision reads. The cap counters and
// budgets are those of the events loaded so far (LoadEventCounters).
struct MemberRecord {
    MemberId member;  // unset for a simulation with given facts
    Timestamp enrolled_at;
    std::string time_zone;  // the member's, or the deployment's default when they chose none
    store::MemberFactsRow facts;
    std::int64_t points_balance = 0;
    std::int64_t status_balance = 0;
    std::int64_t spend_total = 0;  // lifetime purchases less refunds, minor units
    std::vector<std::string> segments;
    std::string birthday;  // "MM-DD" or "" (candord keeps none yet)
    // Cap counters by the engine's key (program::CounterKeys), and the campaign budgets by code
    // with their accounts (a budget account that does not exist has 0 and no id).
    std::map<std::string, std::int64_t, std::less<>> counters;
    std::map<std::string, std::int64_t, std::less<>> budgets;
    std::map<std::string, AccountId, std::less<>> budget_accounts;
};

// The record of `member` (its row, read by the caller) without counters: its enrolment time and
// time zone, facts, balances and spend total. `default_time_zone` is the deployment's.
Result<MemberRecord> LoadMemberRecord(store::Store& store,
                                      const store::MemberRow& member,
                                      std::string_view default_time_zone);

// Loads the cap counters and campaign budgets `event` reads under `program` that `record` does
// not hold yet (a record without a member reads every counter as 0). REQUIRES: occurred_at set.
Status LoadEventCounters(store::Store& store,
                         const program::Program& program,
                         const program::Event& event,
                         MemberRecord* record);

// The facts the rules see (member.*): the record's, with the member's tier as the program
// knows it, or, for a tier the program does not have (none yet, or one of an older version),
// the tier the member qualifies for now.
program::MemberFacts FactsOf(const program::Program& program, const MemberRecord& record);
program::Counters CountersOf(const MemberRecord& record);

// Where a cap counter of the engine (program::CounterKeys) is stored for `member`: scope
// "member:<id>:<the key's scope>" (so a member's counters sit together), its period's start.
store::CounterKey StoredCounterKey(const program::Program& program,
                                   std::string_view key,
                                   MemberId member);

// What a decision changes besides the ledger's postings.
struct Changes {
    struct Counter {
        std::string key;  // the engine's
        std::int64_t delta = 0;
        std::int64_t cap = 0;
    };

    std::vector<Counter> counters;
    bool is_purchase = false;         // a purchase to record in the member's facts
    Timestamp purchase_at;            // its time
    std::int64_t visit_day = 0;       // its local day in the member's time zone
    std::int64_t spend_delta = 0;     // purchases add their amount, refunds take theirs off
    std::optional<std::string> tier;  // the member's new tier, when it changes
    Timestamp tier_since;             // when it was reached: the event's time
    std::int64_t points_delta = 0;    // what the credit adds (the ledger posts it)
    std::int64_t status_delta = 0;
    std::vector<program::BudgetDraw> budget_draws;
};

// The changes of `decision` for the member of `record`: its counters, the purchase and a visit
// (a local day later than the last one counted), the spend total, and UpgradeTier on the
// program's qualifying metric after the event. kInvalidArgument (field "member") when the
// member's time zone is unknown to the system.
Result<Changes> ChangesOf(const program::Program& program,
                          const program::Event& event,
                          const program::Decision& decision,
                          const MemberRecord& record);

// Writes `changes` through `store` in the caller's transaction: AddToCounter with the cap as
// its max (a refused add means the decision passed a cap, a bug: kInternal), RecordPurchase,
// the spend counter, StoreMemberTier.
Status ApplyChanges(store::Store& store,
                    const program::Program& program,
                    MemberId member,
                    const Changes& changes);

// Applies `changes` to `record` in memory, as ApplyChanges and the ledger apply them to the
// store, so the next simulated event decides on what this one left.
void Advance(const Changes& changes, MemberRecord* record);

// The ledger Earn of a decision's credit: its points, status points and cashback, the budget
// draws on the accounts of `record`, effective at the event's time, expiring when the program
// says. std::nullopt when the decision credits nothing. kInternal when a budget it draws on has
// no account (Evaluate plans nothing from a budget without one).
Result<std::optional<ledger::Earn>> EarnOf(const program::Program& program,
                                           const program::Event& event,
                                           const program::Decision& decision,
                                           const MemberRecord& record);

// One event as POST /v1/events received it.
struct EventRequest {
    std::string client_id;  // the idempotency namespace, where a refund finds its purchase
    // The event's member as the handler found it (its id, enrolment time and settings; a
    // member is never deleted and its time zone changes only by PATCH, which an event racing
    // it may see either way).
    store::MemberRow member;
    program::Event event;  // occurred_at set (the receive time when the client sent none)
    std::string default_time_zone;
};

// What DecideEvent decided, for the answer (the last run's, when the committer ran it twice).
struct EventResult {
    std::optional<program::Program> program;  // the version in force
    std::optional<program::Decision> decision;
    std::string field;  // the field an error names ("currency", "original", ...), or ""
};

// The decide function of POST /v1/events, run by the committer inside the event's transaction:
// the program in force, the member's record and counters, Evaluate, the changes applied, and
// the command: an Earn of the credit, a Reverse of the original purchase's entry for a refund,
// or none. A refund finds its purchase by the idempotency row of `original` for the same
// client: kUnknownEntry (field "original") when there is none, the purchase belongs to another
// member or is not a purchase; nothing to reverse when the purchase earned nothing. An event
// whose points would expire at or before `now` (the committer's time) is kInvalidArgument
// (field "occurred_at"). *result tells the answer what was decided.
Result<std::optional<ledger::DecidedCommand>> DecideEvent(store::Store& store,
                                                          ProgramCache& programs,
                                                          const EventRequest& request,
                                                          Timestamp now,
                                                          EventResult* result);

// The texts of a journal entry in both languages: ExplainMeta against the program version that
// wrote its meta (found through `programs`), or a plain sentence of what happened for entries
// without program meta (adjustments, spends, holds, captures, voids, expiries, transfers,
// reversals through the API) or whose version cannot be found.
struct EntryTexts {
    std::optional<std::int64_t> program_version;
    std::string ru;
    std::string en;
};

Result<EntryTexts> ExplainEntry(store::Store& store,
                                ProgramCache& programs,
                                const journal::Entry& entry);

// The points, status points and cashback an entry moved on `member`'s available accounts
// (negative for what it took).
struct EntryAmounts {
    std::int64_t points = 0;
    std::int64_t status = 0;
    std::int64_t cashback = 0;
};

EntryAmounts AmountsOf(const journal::Entry& entry, MemberId member);

}  // namespace candor::app
