// The loyalty program: its definition (earn rules, rule groups, campaigns, tiers), the events it
// earns on, and the earn engine that turns one event into earnings, each with its explanation.
//
// What it offers:
// - Events: ReadEvent/ParseEvent decode an event's JSON strictly (docs/program.md, "Events"),
//   naming the offending field; CheckEvent checks it against a program (its currency).
// - Definitions: ParseProgram reads a program's JSON (docs/program.md), validates it and
//   compiles its expressions once, naming the JSON path (and line and column inside an
//   expression) of the first mistake; ProgramJson writes a definition back canonically.
// - Earning: Evaluate runs one event for one member against one program version and returns a
//   Decision: the earnings (asset, amount, the campaign budget they come from), the rules that
//   did not fire and why, the counter increments for caps (with their caps), the one ledger
//   credit it makes (points, status points and cashback, the points drawn from campaign
//   budgets, one journal `meta` for all of it), and for a refund the part of the original to
//   reverse. Simulating an event and earning on it are the same call; the caller only decides
//   whether to post the credit.
// - Explanations: plain Russian and English sentences for a Decision or for a journal entry's
//   meta; DecisionJson for API answers.
// - Tiers: the qualifying tier, progress to the next one, and the review with a grace period.
// - Templates: example programs (retail, cafe, gaming) embedded in the library.
//
// What it never does: I/O, clock reads or randomness (time comes in with the event), floating
// point (amounts, rates and multipliers are integers or micro-unit fixed point), or posting to
// the ledger (the caller turns Decision::credit or Decision::reversal into a ledger command).
//
// Thread-safety: a Program is immutable once made and may be shared by any number of threads;
// every function here is pure and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/kinds.h"
#include "core/result.h"

namespace candor::program {

enum class Language : std::uint8_t { kRu, kEn };

// ---- Events ---------------------------------------------------------------------------------

enum class EventType : std::uint8_t {
    kPurchase,
    kRefund,
    kBet,
    kGameRound,
    kReview,
    kSurveyAnswered,
    kReferralCompleted,
    kCustom,
};

inline constexpr EventType kEventTypes[] = {
    EventType::kPurchase,
    EventType::kRefund,
    EventType::kBet,
    EventType::kGameRound,
    EventType::kReview,
    EventType::kSurveyAnswered,
    EventType::kReferralCompleted,
    EventType::kCustom,
};

// "purchase", "refund", "bet", "game_round", "review", "survey_answered",
// "referral_completed", "custom".
std::string_view Name(EventType type);
bool ParseEventType(std::string_view name, EventType* type);

// One line of a purchase or refund.
struct Item {
    std::string sku;
    std::string category;
    std::int64_t qty = 1;     // 1..kItemQtyMax
    std::int64_t amount = 0;  // the line's total in minor units, >= 0

    friend bool operator==(const Item&, const Item&) = default;
};

// An event as a till, shop or game platform sends it. Strings the client left out are empty
// (rules see them as unset: has(event.store) is false).
struct Event {
    std::string id;  // the client's id for it, which is also its idempotency key
    EventType type = EventType::kPurchase;
    std::string member;  // as sent: a member id, card number or QR token for the caller to resolve
    // When it happened. The decoder leaves it unset (the epoch) when the client sent none; the
    // caller then sets the time it received the event. Evaluate needs it set.
    Timestamp occurred_at{};
    // Minor units: a purchase's or refund's total, a bet's stake, a game round's turnover (the
    // sum of its stakes); 0 when the type has none.
    std::int64_t amount = 0;
    std::string currency;  // "" when not sent: the program's currency
    std::string channel;   // "pos", "app", "web", ... as the client names it
    std::string store;
    std::vector<Item> items;  // purchase and refund only
    std::string original;     // refund: the id of the purchase it refunds
    // refund: the original purchase's amount. Never read from JSON: the caller sets it from the
    // original's journal meta (ParseMeta(...).amount) before Evaluate.
    std::int64_t original_amount = 0;
    std::string game;         // bet, game_round: the game or its category ("slots", "sports")
    std::int64_t win = 0;     // bet, game_round: what was paid out, minor units, >= 0
    std::int64_t rating = 0;  // review: 1..5, 0 when not sent
    std::string survey;       // survey_answered: the survey's id
    std::string referred;     // referral_completed: the referred member's public id
    std::string name;         // custom: the event's name, [a-z0-9_]+

    friend bool operator==(const Event&, const Event&) = default;
};

// Decodes one event (docs/program.md, "Events"). Unknown fields (including fields of another
// type), wrong types, bad values and inconsistent items are refused with *field naming the
// offending member ("items[1].qty"; "body" when `json` is not an object): kInvalidArgument, or
// kInvalidAmount for an amount (or win) that is not positive (negative), above
// limits::kEventAmountMax or beyond 64 bits, and for items whose amounts add up to more than
// the event's. A missing required amount is kInvalidArgument.
Result<Event> ReadEvent(const nlohmann::json& json, std::string* field);

// As ReadEvent, from the request body's text.
Result<Event> ParseEvent(std::string_view body, std::string* field);

// The event's canonical JSON: the members ReadEvent reads, sorted by name, only those that are
// set (win always for bets and game rounds, qty always for items), occurred_at in UTC
// ("2026-11-21T15:03:11Z", FormatRfc3339; left out when unset), original_amount never.
// ReadEvent(EventJson(e)) gives e again (original_amount aside), and two bodies that mean the same
// event give the same text: an idempotency fingerprint.
nlohmann::json EventJson(const Event& event);

class Program;

// What ReadEvent cannot know: the event's currency is the program's (kInvalidArgument, field
// "currency"). Evaluate calls it too.
Status CheckEvent(const Program& program, const Event& event, std::string* field);

// ---- Program definition ---------------------------------------------------------------------
// The plain model of docs/program.md. Decimals (rates, multipliers) are micro-units: 1.25 is
// 1'250'000. A definition is checked and compiled into a Program by CompileProgram.

struct Text {
    std::string ru;
    std::string en;

    const std::string& In(Language language) const { return language == Language::kRu ? ru : en; }

    friend bool operator==(const Text&, const Text&) = default;
};

// How a rule's amount becomes a whole number of points (or minor units of cashback), once per
// earning: down, half away from zero ("round"), or up.
enum class Rounding : std::uint8_t { kFloor, kRound, kCeil };

// How the rules of one group combine (docs/program.md, "Stacking").
enum class Stacking : std::uint8_t {
    kStackable,  // every rule that fires earns
    kExclusive,  // only the highest-priority rule that fires earns
    kPriority,   // rules fire in priority order until one with `stop` fires
};

enum class EarnKind : std::uint8_t {
    kRate,        // `points` per `per` minor units of the base
    kPercent,     // `percent` of the base (cashback: minor units)
    kFixed,       // `points` per event, or per unit of the matching items
    kExpression,  // the value of an int or decimal expression
};

// What a rate or percentage is of, for bets and game rounds: the stake or turnover ("amount"),
// or what the member lost ("net": amount - win, at least 0).
enum class EarnBase : std::uint8_t { kAmount, kNet };

// A moment in the program's time zone: minutes since 1970-01-01T00:00 local time. A bound
// written as a date has no time: as `from` it starts the day, as `to` it includes the day.
struct LocalBound {
    std::int64_t minutes = 0;
    bool has_time = false;

    friend bool operator==(const LocalBound&, const LocalBound&) = default;
};

struct LocalRange {
    LocalBound from;
    LocalBound to;

    friend bool operator==(const LocalRange&, const LocalRange&) = default;
};

// When a rule applies, in the program's time zone; every part that is set must hold.
struct Window {
    std::uint8_t days = 0;  // bit d-1 for ISO weekday d (1 Monday ... 7 Sunday); 0: every day
    // [hours_from, hours_to) in minutes of the local day; from > to spans midnight; -1: all day.
    int hours_from = -1;
    int hours_to = -1;
    std::optional<LocalRange> dates;

    friend bool operator==(const Window&, const Window&) = default;
};

// Limits per member, in the units of the asset earned; 0 is no limit. Days, weeks (Monday to
// Sunday) and months are calendar periods in the program's time zone. `total` is for campaigns
// (the whole campaign).
struct Caps {
    std::int64_t per_event = 0;
    std::int64_t day = 0;
    std::int64_t week = 0;
    std::int64_t month = 0;
    std::int64_t total = 0;

    bool is_set() const { return per_event + day + week + month + total != 0; }

    friend bool operator==(const Caps&, const Caps&) = default;
};

struct Earn {
    EarnKind kind = EarnKind::kRate;
    std::int64_t points = 0;         // kRate, kFixed
    std::int64_t per = 0;            // kRate: minor units
    std::int64_t percent_micro = 0;  // kPercent
    std::string expression;          // kExpression
    std::int64_t multiplier_micro = 1'000'000;
    bool tier_multiplier = false;  // times the member's tier multiplier
    EarnBase base = EarnBase::kAmount;

    friend bool operator==(const Earn&, const Earn&) = default;
};

struct Rule {
    std::string id;  // [a-z0-9_-]{1,32}, unique in the program (campaign rules included)
    Text name;
    std::vector<EventType> events;
    std::string condition;  // a bool expression; "" always holds
    // A bool expression over `item`: the rule earns on the items it matches (their amount,
    // or their units for kFixed) instead of the whole event. "" is the whole event.
    std::string items;
    std::optional<Window> window;
    Asset asset = Asset::kPoints;
    Earn earn;
    std::string group;  // "" is a group of its own
    std::int64_t priority = 0;
    bool stop = false;  // in a kPriority group: when it fires, lower-priority rules do not
    Caps caps;

    friend bool operator==(const Rule&, const Rule&) = default;
};

struct Group {
    std::string id;
    Stacking stacking = Stacking::kStackable;

    friend bool operator==(const Group&, const Group&) = default;
};

struct Campaign {
    std::string id;
    Text name;
    LocalRange schedule;
    std::string target;  // a bool expression over member (and event); "" targets everyone
    // The ledger budget code (account "campaign:" + code) its points come from; "" is the
    // program's issued account. Evaluate never plans more than the budget's remaining balance.
    std::string budget;
    Caps caps;  // per member, in points, over the campaign's rules together
    std::vector<Rule> rules;

    friend bool operator==(const Campaign&, const Campaign&) = default;
};

enum class TierMetric : std::uint8_t { kStatusPoints, kSpend, kVisits, kPurchases };

struct Tier {
    std::string id;
    Text name;
    std::int64_t threshold = 0;  // the metric's value from which a member qualifies
    std::int64_t multiplier_micro = 1'000'000;

    friend bool operator==(const Tier&, const Tier&) = default;
};

struct Tiers {
    TierMetric metric = TierMetric::kStatusPoints;
    std::int64_t period_months = 12;  // the qualifying metric counts this many months back
    std::int64_t grace_months = 0;    // a member below their tier at review keeps it this long
    std::vector<Tier> levels;         // ascending thresholds; none: the program has no tiers

    friend bool operator==(const Tiers&, const Tiers&) = default;
};

enum class PeriodEnd : std::uint8_t { kNone, kMonth, kQuarter, kYear };

// When earned points expire: `months` after earning (0: never), then moved on to the end of
// the month, quarter or year that contains that day. Stored and validated; the ledger's lots
// carry the date (PointsExpireAt).
struct Expiry {
    std::int64_t months = 0;
    PeriodEnd at_end_of = PeriodEnd::kNone;

    friend bool operator==(const Expiry&, const Expiry&) = default;
};

struct Definition {
    std::int64_t schema_version = 1;
    Text name;
    std::string currency = "RUB";
    std::string time_zone = "Europe/Moscow";  // IANA
    Rounding rounding = Rounding::kFloor;
    Expiry expiry;
    Tiers tiers;
    std::vector<Group> groups;
    std::vector<Rule> rules;
    std::vector<Campaign> campaigns;

    friend bool operator==(const Definition&, const Definition&) = default;
};

// Where a definition is wrong, for the editor: the JSON path ("rules[2].condition", "" for the
// whole document), and inside an expression the 1-based line and column (0 otherwise).
struct ProgramError {
    std::string path;
    int line = 0;
    int column = 0;
    std::string message;
};

struct Compiled;  // private: compiled expressions, the time zone, the evaluation order

// A checked, compiled definition at one version (0 for a draft). Cheap to copy (shared).
class Program {
public:
    // Made by CompileProgram (Compiled is private to this module).
    explicit Program(std::shared_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}

    const Definition& definition() const;
    std::int64_t version() const;

    // For this module's own code (Compiled is defined in program/internal.h).
    const Compiled& compiled() const { return *compiled_; }

    // Every rule, program rules first, then each campaign's in order; Skipped::rule indexes it.
    const std::vector<const Rule*>& rules() const;
    // The campaign of rules()[index], or nullptr.
    const Campaign* CampaignOf(std::size_t rule_index) const;
    const Tier* FindTier(std::string_view id) const;

private:
    std::shared_ptr<const Compiled> compiled_;
};

// Reads, checks and compiles a program's JSON. Errors: kInvalidArgument, or kInvalidRule for an
// expression that does not parse or type-check; the message starts with the path and, for an
// expression, line:column ("rules[2].condition: 1:17: unknown field 'amout' of event; did you
// mean 'amount'?"), and *error, when given, holds the parts.
Result<Program> ParseProgram(std::string_view json,
                             std::int64_t version = 0,
                             ProgramError* error = nullptr);

// Checks and compiles a definition built in code; errors as ParseProgram's.
Result<Program> CompileProgram(Definition definition,
                               std::int64_t version = 0,
                               ProgramError* error = nullptr);

// The definition's canonical JSON: members in a fixed order, defaults written out, absent
// options left out. ParseProgram(ProgramJson(d)) gives d again.
std::string ProgramJson(const Definition& definition);

// The template programs embedded in the library ("cafe", "gaming", "retail"), and the JSON of
// one; std::nullopt for an unknown name.
std::vector<std::string> TemplateNames();
std::optional<std::string_view> TemplateJson(std::string_view name);

// When points earned at `earned_at` expire under the program's expiry policy, in its time zone;
// std::nullopt when they never do.
std::optional<Timestamp> PointsExpireAt(const Program& program, Timestamp earned_at);

// The local calendar day of `t` in the IANA zone `time_zone`, in days since 1970-01-01 (what a
// member's visits are counted in); std::nullopt for a zone the system does not know.
std::optional<std::int64_t> LocalDay(std::string_view time_zone, Timestamp t);

// ---- Earning --------------------------------------------------------------------------------

// What the caller knows about the member when the event arrives, before it counts. The rules
// see these as member.* (docs/program.md, "Rule fields"). Pseudonymous: no name, no contact.
struct MemberFacts {
    std::string tier;                  // tier id, "" for none
    std::int64_t purchases_count = 0;  // purchases before this event
    std::int64_t visits_count = 0;     // visits (purchases on distinct local days) before it
    std::int64_t status_points = 0;
    std::int64_t points_balance = 0;
    std::int64_t spend_total = 0;  // lifetime purchase total, minor units
    Timestamp enrolled_at{};       // unset: rules see it as unset
    Timestamp last_purchase_at{};  // unset when none
    std::string time_zone;         // the member's IANA zone, "" when unknown
    std::string birthday;          // "MM-DD", "" when unknown (member.is_birthday derives from it)
    std::vector<std::string> segments;
};

// The current values of the member's cap counters (keys from CounterKeys; a missing key is 0)
// and the remaining balance of each campaign budget by code (a budget not listed has nothing
// left).
struct Counters {
    std::map<std::string, std::int64_t, std::less<>> values;
    std::map<std::string, std::int64_t, std::less<>> budgets;
};

// The counter keys Evaluate reads for this event: "rule:<id>:day:2026-11-21",
// "rule:<id>:week:2026-11-16" (the week's Monday), "rule:<id>:month:2026-11",
// "campaign:<id>:total", ... for the capped rules and campaigns that could apply. Keys are
// stable strings for the caller to store per member.
// REQUIRES: event.occurred_at is set.
std::vector<std::string> CounterKeys(const Program& program, const Event& event);

// A counter key split for storage: what is counted ("rule:<id>:day", "campaign:<id>:total") and
// the start of the period it counts (the local midnight that starts the day, the week's Monday
// or the month, in the program's time zone; the epoch for "total", which never resets).
struct CounterPeriod {
    std::string scope;
    Timestamp start{};
};

// The CounterPeriod of a key CounterKeys (or a CounterIncrement) named.
// REQUIRES: `key` came from CounterKeys or Decision::increments of this program.
CounterPeriod CounterPeriodOf(const Program& program, std::string_view key);

// The budget codes of the campaigns that could earn on this event (one of their rules is for its
// type, and they run at its time): the budgets whose remaining balance Evaluate reads from
// Counters::budgets, each once.
// REQUIRES: event.occurred_at is set.
std::vector<std::string> BudgetCodes(const Program& program, const Event& event);

struct TraceStep {
    std::string source;  // a sub-expression as written, or a named step ("base", "tier")
    std::string value;   // its value, rendered
};

// Why a rule did not earn.
enum class Reason : std::uint8_t {
    kWrongEventType,   // the rule is for other event types
    kOutsideSchedule,  // the campaign is not running at the event's time
    kNotTargeted,      // the campaign's target is false for this member
    kOutsideWindow,    // days, hours or dates of the rule's window
    kConditionFalse,   // the condition is false (trace: why)
    kNoMatchingItems,  // no item matched the rule's item filter
    kZeroAmount,       // it would earn nothing (a purchase too small, a zero expression)
    kCapped,           // a cap is reached (detail: which)
    kBudgetExhausted,  // the campaign budget has nothing left
    kSuperseded,       // exclusive group: a higher-priority rule fired (detail: its id)
    kStopped,          // priority group: a rule with stop fired (detail: its id)
    kError,            // evaluation failed: division by zero, overflow (detail: the message)
};

std::string_view Name(Reason reason);

// One rule's earning in one asset.
struct Earning {
    std::size_t rule = 0;  // index in Program::rules()
    std::string rule_id;
    std::string campaign;  // the campaign's id, "" for a program rule
    Asset asset = Asset::kPoints;
    std::int64_t amount = 0;  // > 0, after caps and budget
    // Before caps and budget; amount < planned when a cap or the budget limited it, which
    // `limited_by` names ("rule:<id>:day:...", "budget:<code>", "per_event").
    std::int64_t planned = 0;
    std::string limited_by;
    std::string budget;      // the campaign budget code the points come from, or ""
    std::int64_t base = 0;   // what a rate or percentage applied to, minor units
    std::int64_t units = 0;  // kFixed with an item filter: matching units
    std::size_t items_matched = 0;
    std::int64_t multiplier_micro = 1'000'000;
    std::string tier;  // the tier whose multiplier applied, "" when none did
    std::int64_t tier_multiplier_micro = 1'000'000;
    std::vector<TraceStep> trace;  // the condition's, the item filter's and the amount's
};

struct Skipped {
    std::size_t rule = 0;  // index in Program::rules()
    Reason reason = Reason::kConditionFalse;
    std::string detail;
    std::vector<TraceStep> trace;  // kConditionFalse with EvaluateOptions::trace_skipped
};

// Add `delta` to counter `key` when the credit posts; `cap` is what the counter may reach (the
// cap that Evaluate respected: the caller's add must refuse to pass it, store::AddToCounter's
// max).
struct CounterIncrement {
    std::string key;
    std::int64_t delta = 0;
    std::int64_t cap = 0;
};

// Points of a credit that come from a campaign budget (the ledger account "campaign:" + code).
struct BudgetDraw {
    std::string budget;
    std::int64_t points = 0;
};

// The one ledger Earn of a decision: its earnings summed per asset, the points among them drawn
// from campaign budgets (each budget once, in the order of the earnings; the rest comes from
// the program's issued account), and `meta`, the entry's journal metadata for all of its
// earnings (at most limits::kEntryMetaBytesMax bytes, pseudonymous; docs/program.md, "Journal
// meta").
struct Credit {
    std::int64_t points = 0;
    std::int64_t status = 0;
    std::int64_t cashback = 0;
    std::vector<BudgetDraw> budget_draws;
    std::string meta;
};

// A refund's effect: reverse every entry the original event made by part/whole (ledger
// Reverse{entry, part, whole, meta}); a refund of 300 of a 1000 purchase is {300, 1000}.
struct Reversal {
    std::string original;  // the original event's id
    std::int64_t part = 0;
    std::int64_t whole = 0;
    std::string meta;
};

struct Decision {
    std::int64_t program_version = 0;
    EventType event_type = EventType::kPurchase;
    std::string tier;  // the member's tier as the program knows it ("" for none or unknown)
    std::vector<Earning> earnings;
    std::vector<Skipped> skipped;              // empty unless EvaluateOptions::list_skipped
    std::vector<CounterIncrement> increments;  // add to the counters when the credit posts
    std::optional<Credit> credit;              // post this; none when nothing was earned
    std::optional<Reversal> reversal;          // refunds only
};

// What Evaluate records besides the decision itself. Neither changes an amount, an earning, a
// credit or an increment: a simulation and the real earning decide alike.
struct EvaluateOptions {
    // Each earning's trace (Earning::trace): its campaign target's, condition's and amount's
    // sub-expressions and how the amount came out. On by default, so that what is posted can
    // store why; off for callers that only need the numbers (backtests, the engine benchmark).
    bool trace_earnings = true;
    // Decision::skipped: every rule that did not earn and why. On by default; off for callers
    // that post and need no account of what did not happen.
    bool list_skipped = true;
    // The condition traces of rules whose condition was false (simulations; needs list_skipped).
    bool trace_skipped = false;
};

// Decides what `event` earns for a member with `facts` and `counters` under `program`: rules in
// priority order (higher first, then as listed), each checked for event type, campaign schedule
// and target, window, condition, item filter; its amount computed in 128-bit fixed point,
// multiplied, rounded once per the program's policy, then limited by its caps, its campaign's
// caps and budget (never beyond them); groups combine per their stacking. A refund decides only
// its reversal. Errors: CheckEvent's; kInvalidArgument when occurred_at is unset, or for a
// refund without original_amount; kReversalExceedsOriginal when a refund's amount is above
// original_amount. A rule whose expression fails is skipped (Reason::kError), not an error.
Result<Decision> Evaluate(const Program& program,
                          const Event& event,
                          const MemberFacts& facts,
                          const Counters& counters,
                          const EvaluateOptions& options = {});

// ---- Explanations ---------------------------------------------------------------------------

// "+30 points: purchase of 1,500 RUB on Saturday, rule 'Weekend double' ×2, gold tier ×1.25";
// in Russian "+30 баллов: покупка на 1 500 ₽ в субботу, правило
// «Двойные выходные» ×2, уровень «Золото» ×1,25" (thousands separated by a narrow no-break space).
// Deterministic.
std::string ExplainEarning(const Program& program,
                           const Event& event,
                           const Earning& earning,
                           Language language);

// "Rule 'Coffee ×3' did not apply: no item matched its filter".
std::string ExplainSkipped(const Program& program, const Skipped& skipped, Language language);

// Every earning's line, or the refund's, one per line; a decision with neither says so.
std::string Explain(const Program& program,
                    const Event& event,
                    const Decision& decision,
                    Language language);

// {"program_version", "event_type", "tier", "earnings": [{"rule", "campaign", "asset", "amount",
// "planned", "limited_by", "budget", "trace": [{"source", "value"}], "explanation": {"ru",
// "en"}}], "skipped": [{"rule", "reason", "detail", "trace", "explanation"}], "credit": {"points",
// "status", "cashback", "budget_draws": [{"budget", "points"}], "meta"} or null, "increments":
// [{"key", "delta", "cap"}], "reversal", "explanation": {"ru", "en"}}: the answer of a
// simulation, and what a caller stores per event.
nlohmann::json DecisionJson(const Program& program, const Event& event, const Decision& decision);

// What a journal entry's meta says: the program version, the event's type and amount, the
// member's tier then, and what each rule earned with what its explanation needs (what it would
// have earned without a cap, the matching items). Rules beyond what fits the meta's bound are
// counted in rules_omitted.
struct MetaRule {
    std::string id;
    Asset asset = Asset::kPoints;
    std::int64_t amount = 0;
    // When a cap or the budget cut the amount: the uncut amount and which limit ("per_event",
    // "day", "week", "month", "total" or "budget"); else 0 and "".
    std::int64_t planned = 0;
    std::string limited_by;
    std::size_t items_matched = 0;  // rules with an item filter
    std::int64_t base = 0;          // rules with an item filter or on the net: their base
};

struct Meta {
    std::int64_t program_version = 0;
    EventType event_type = EventType::kPurchase;
    std::int64_t amount = 0;
    std::string tier;
    std::string name;        // custom events: the event's name
    std::string original;    // refunds: the original event's id
    std::int64_t whole = 0;  // refunds: the original event's amount
    std::vector<MetaRule> rules;
    std::int64_t rules_omitted = 0;
};

// Reads a meta written by Evaluate; kInvalidArgument for anything else.
Result<Meta> ParseMeta(std::string_view meta);

// An entry's explanation from its meta alone, against the program version that wrote it (the
// history of a member): one line per rule, word for word as ExplainEarning (and Explain, for a
// refund) put it when the decision was made, the event's day and time taken from
// `effective_at` (the event's occurred_at, which the caller posts as the entry's effective_at).
std::string ExplainMeta(const Program& program,
                        const Meta& meta,
                        Timestamp effective_at,
                        Language language);

// ---- Tiers ----------------------------------------------------------------------------------

// The highest tier whose threshold is at most `metric`, or nullptr (no tiers, or below all).
const Tier* QualifyingTier(const Program& program, std::int64_t metric);

// The next tier above `current` ("" for none) and how much more of the metric it needs.
struct TierProgress {
    const Tier* current = nullptr;
    const Tier* next = nullptr;  // nullptr at the top
    std::int64_t remaining = 0;  // metric still needed for `next`; 0 at the top
};

TierProgress ProgressToNextTier(const Program& program,
                                std::string_view current,
                                std::int64_t metric);

// A member's tier between reviews: an upgrade happens at once (UpgradeTier); at a review a
// member below their tier keeps it for the program's grace months, then drops one level.
struct TierState {
    std::string tier;         // "" for none
    Timestamp grace_until{};  // unset when not in grace
};

// The tier after an event raised the metric: the qualifying tier when it is higher, else the
// same state. A member whose metric qualifies for their tier again leaves grace.
TierState UpgradeTier(const Program& program, const TierState& state, std::int64_t metric);

// The tier at a review at `review_at`. A member who qualifies for their tier or a higher one
// gets the qualifying tier and leaves grace. A member below their tier: with no grace running,
// grace starts (until review_at + grace_months, calendar months in the program's time zone)
// and the tier stays; while review_at < grace_until the tier stays; once grace is over, or
// when grace_months is 0, the member drops exactly one level (never more at one review) and
// grace ends (the next review decides again).
TierState ReviewTier(const Program& program,
                     const TierState& state,
                     std::int64_t metric,
                     Timestamp review_at);

}  // namespace candor::program
