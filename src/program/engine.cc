// Evaluate: one event, one member, one program version -> a Decision. Everything an earning
// depends on comes in as arguments, so a simulation and the real earning are the same call.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "core/amount.h"
#include "core/json.h"
#include "core/limits.h"
#include "program/internal.h"

namespace candor::program {
namespace {

using rules::Kind;
using rules::Value;

constexpr std::int64_t kMicro = 1'000'000;

// Items whose values live inside the activation; an event with more (up to kEventItemsMax)
// puts them on the heap. Most purchases have a few lines, and every Value is written when the
// activation is made, so the inline part is kept small.
constexpr std::size_t kInlineItems = 16;

// The values the rules read, built without allocating for events of up to kInlineItems items
// and members without segments. Holds pointers into itself and into the event and facts:
// neither copied nor moved.
struct Activation {
    std::array<Value, kEventSlots> event{};
    std::array<std::array<Value, kItemSlots>, kInlineItems> inline_fields{};
    std::array<Value, kInlineItems> inline_items{};
    std::vector<std::array<Value, kItemSlots>> heap_fields;
    std::vector<Value> heap_items;
    std::span<Value> items;
    std::array<Value, kMemberSlots> member{};
    std::vector<Value> segments;
    std::array<Value, 3> variables{};

    std::span<const Value> Variables() const { return {variables.data(), 2}; }

    std::span<const Value> ItemVariables(std::size_t item) {
        variables[kVariableItem] = items[item];
        return {variables.data(), 3};
    }
};

Value OptionalString(const std::string& text) {
    return text.empty() ? Value::Unset(Kind::kString) : Value::String(text);
}

Value OptionalTime(Timestamp t) {
    return ToMicros(t) == 0 ? Value::Unset(Kind::kTimestamp) : Value::Time(ToMicros(t));
}

bool HasAmountField(EventType type) {
    return type == EventType::kPurchase || type == EventType::kRefund || type == EventType::kBet ||
           type == EventType::kGameRound || type == EventType::kCustom;
}

void FillActivation(const Event& event, const MemberFacts& facts, bool is_birthday, Activation* a) {
    a->event[kEventType] = Value::String(Name(event.type));
    a->event[kEventAmount] = HasAmountField(event.type) && event.amount > 0
                                 ? Value::Int(event.amount)
                                 : Value::Unset(Kind::kInt);
    a->event[kEventCurrency] = OptionalString(event.currency);
    a->event[kEventChannel] = OptionalString(event.channel);
    a->event[kEventStore] = OptionalString(event.store);
    a->event[kEventTime] = Value::Time(ToMicros(event.occurred_at));
    const std::size_t count = std::min(event.items.size(), limits::kEventItemsMax);
    std::span<std::array<Value, kItemSlots>> fields(a->inline_fields.data(),
                                                    std::min(count, kInlineItems));
    a->items = std::span<Value>(a->inline_items.data(), fields.size());
    if (count > kInlineItems) {
        a->heap_fields.resize(count);
        a->heap_items.resize(count);
        fields = a->heap_fields;
        a->items = a->heap_items;
    }
    for (std::size_t i = 0; i < count; ++i) {
        const Item& item = event.items[i];
        fields[i][kItemSku] = OptionalString(item.sku);
        fields[i][kItemCategory] = OptionalString(item.category);
        fields[i][kItemQty] = Value::Int(item.qty);
        fields[i][kItemAmount] = Value::Int(item.amount);
        a->items[i] = Value::Record(fields[i]);
    }
    a->event[kEventItems] =
        count == 0 ? Value::Unset(Kind::kList) : Value::List(std::span<const Value>(a->items));
    a->event[kEventOriginal] = OptionalString(event.original);
    a->event[kEventGame] = OptionalString(event.game);
    const bool is_gaming = event.type == EventType::kBet || event.type == EventType::kGameRound;
    a->event[kEventWin] = is_gaming ? Value::Int(event.win) : Value::Unset(Kind::kInt);
    a->event[kEventRating] = event.rating > 0 ? Value::Int(event.rating) : Value::Unset(Kind::kInt);
    a->event[kEventSurvey] = OptionalString(event.survey);
    a->event[kEventName] = OptionalString(event.name);

    a->member[kMemberTier] = OptionalString(facts.tier);
    a->member[kMemberPurchasesCount] = Value::Int(facts.purchases_count);
    a->member[kMemberVisitsCount] = Value::Int(facts.visits_count);
    a->member[kMemberStatusPoints] = Value::Int(facts.status_points);
    a->member[kMemberPointsBalance] = Value::Int(facts.points_balance);
    a->member[kMemberSpendTotal] = Value::Int(facts.spend_total);
    a->member[kMemberEnrolledAt] = OptionalTime(facts.enrolled_at);
    a->member[kMemberLastPurchaseAt] = OptionalTime(facts.last_purchase_at);
    a->member[kMemberTimeZone] = OptionalString(facts.time_zone);
    a->member[kMemberIsBirthday] =
        facts.birthday.empty() ? Value::Unset(Kind::kBool) : Value::Bool(is_birthday);
    if (!facts.segments.empty()) {
        a->segments.reserve(facts.segments.size());
        for (const std::string& segment : facts.segments) {
            a->segments.push_back(Value::String(segment));
        }
    }
    a->member[kMemberSegments] = Value::List(a->segments);

    a->variables[kVariableEvent] = Value::Record(a->event);
    a->variables[kVariableMember] = Value::Record(a->member);
    a->variables[kVariableItem] = Value::Unset(Kind::kRecord);
}

// Whether a member born on facts.birthday ("MM-DD") has their birthday on the local day; a
// 29 February birthday falls on 28 February in other years.
bool IsBirthday(std::string_view birthday, const LocalTime& local) {
    if (birthday.size() != 5 || birthday[2] != '-') {
        return false;
    }
    const auto digits = [&](std::size_t at) {
        return static_cast<unsigned>((birthday[at] - '0') * 10 + (birthday[at + 1] - '0'));
    };
    unsigned month = digits(0);
    unsigned day = digits(3);
    const bool is_leap = std::chrono::year(local.year).is_leap();
    if (month == 2 && day == 29 && !is_leap) {
        day = 28;
    }
    return local.month == month && local.month_day == day;
}

bool InWindow(const Window& window, const LocalTime& local) {
    if (window.days != 0 && (window.days & (1U << (local.weekday - 1))) == 0) {
        return false;
    }
    if (window.hours_from >= 0) {
        const int minute = local.minute_of_day;
        const bool in_hours = window.hours_from < window.hours_to
                                  ? window.hours_from <= minute && minute < window.hours_to
                                  : minute >= window.hours_from || minute < window.hours_to;
        if (!in_hours) {
            return false;
        }
    }
    if (window.dates) {
        const std::int64_t from = window.dates->from.minutes;
        const std::int64_t to = window.dates->to.has_time ? window.dates->to.minutes
                                                          : window.dates->to.minutes + 24 * 60;
        if (local.minutes < from || local.minutes >= to) {
            return false;
        }
    }
    return true;
}

// num/den rounded per the policy; false when it does not fit int64. REQUIRES: num >= 0, den > 0.
bool RoundQuotient(Int128 num, Int128 den, Rounding rounding, std::int64_t* out) {
    Int128 quotient = num / den;
    const Int128 remainder = num % den;
    if (rounding == Rounding::kCeil && remainder != 0) {
        quotient += 1;
    } else if (rounding == Rounding::kRound && remainder * 2 >= den) {
        quotient += 1;
    }
    if (quotient > INT64_MAX) {
        return false;
    }
    *out = static_cast<std::int64_t>(quotient);
    return true;
}

// The value of counter `key` as given plus what this event already added.
struct Pending {
    std::vector<CounterIncrement> entries;

    std::int64_t Get(std::string_view key) const {
        for (const CounterIncrement& entry : entries) {
            if (entry.key == key) {
                return entry.delta;
            }
        }
        return 0;
    }

    void Add(std::string_view key, std::int64_t delta) {
        for (CounterIncrement& entry : entries) {
            if (entry.key == key) {
                entry.delta += delta;
                return;
            }
        }
        entries.push_back({std::string(key), delta, 0});
    }
};

std::int64_t Lookup(const std::map<std::string, std::int64_t, std::less<>>& map,
                    std::string_view key) {
    const auto it = map.find(key);
    return it == map.end() ? 0 : it->second;
}

// The date parts of the counter keys at one local time ("2026-11-21", the week's Monday,
// "2026-11"), formatted once per event.
struct PeriodDates {
    std::string day;
    std::string week;
    std::string month;

    explicit PeriodDates(const LocalTime& local)
        : day(FormatDay(local.day)),
          week(FormatDay(local.day - (local.weekday - 1))),
          month(FormatMonth(local)) {}
};

// Calls visit(key, cap) for each per-member counter of `caps` under `prefix` (no per_event).
template <class Visit>
void ForEachCounter(const Caps& caps,
                    std::string_view prefix,
                    const PeriodDates& dates,
                    Visit&& visit) {
    const auto key = [&](std::string_view period, std::string_view date) {
        std::string text;
        text.reserve(prefix.size() + period.size() + date.size() + 1);
        text += prefix;
        text += period;
        if (!date.empty()) {
            text += ':';
            text += date;
        }
        return text;
    };
    if (caps.day > 0) {
        visit(key("day", dates.day), caps.day);
    }
    if (caps.week > 0) {
        visit(key("week", dates.week), caps.week);
    }
    if (caps.month > 0) {
        visit(key("month", dates.month), caps.month);
    }
    if (caps.total > 0) {
        visit(key("total", ""), caps.total);
    }
}

// The planned amount of one rule before caps, and how it was computed.
struct Planned {
    std::int64_t amount = 0;
    std::int64_t base = 0;
    std::int64_t units = 0;
    std::size_t items_matched = 0;
    std::int64_t tier_multiplier_micro = kMicro;
    bool tier_applied = false;
    Reason reason = Reason::kZeroAmount;  // when amount is 0
    std::string detail;
    std::int64_t value = 0;  // kExpression: its value (micro-units when value_is_decimal)
    bool value_is_decimal = false;
};

class Engine {
public:
    Engine(const Program& program,
           const Event& event,
           const MemberFacts& facts,
           const Counters& counters,
           const EvaluateOptions& options)
        : program_(program),
          compiled_(program.compiled()),
          event_(event),
          facts_(facts),
          counters_(counters),
          options_(options) {}

    Result<Decision> Run();

private:
    void Skip(std::size_t rule, Reason reason, std::string detail = {}) {
        if (options_.list_skipped) {
            decision_.skipped.push_back({rule, reason, std::move(detail), {}});
        }
    }

    const PeriodDates& Dates() {
        if (!dates_) {
            dates_.emplace(local_);
        }
        return *dates_;
    }

    void AddIncrement(std::string key, std::int64_t delta, std::int64_t cap) {
        for (CounterIncrement& increment : decision_.increments) {
            if (increment.key == key) {
                increment.delta += delta;
                return;
            }
        }
        decision_.increments.push_back({std::move(key), delta, cap});
    }

    // Whether campaign `index` applies to this event: decided once per campaign and event. When
    // it does not, *reason is kOutsideSchedule, kNotTargeted or kError and *detail says which
    // campaign (or the target's error).
    bool CampaignApplies(std::size_t index, Reason* reason, std::string* detail);
    bool PlanAmount(const CompiledRule& rule, Planned* planned);
    // Limits `amount` by the rule's and its campaign's caps and the budget; Fire then counts
    // the keys it checked.
    std::int64_t Limit(const CompiledRule& rule,
                       std::int64_t amount,
                       std::string* limited_by,
                       Reason* reason);
    void Fire(const CompiledRule& rule,
              const Planned& planned,
              std::int64_t amount,
              std::string limited_by);
    void TraceRule(const CompiledRule& rule, const Planned& planned, Earning* earning);
    std::string Formula(const CompiledRule& compiled, const Planned& planned) const;
    // Sums the earnings into the decision's credit; kAmountOverflow when a sum passes int64.
    Status BuildCredit();

    const Program& program_;
    const Compiled& compiled_;
    const Event& event_;
    const MemberFacts& facts_;
    const Counters& counters_;
    const EvaluateOptions& options_;
    Activation activation_;
    LocalTime local_;
    std::optional<PeriodDates> dates_;  // formatted when a capped rule first needs them
    const Tier* tier_ = nullptr;
    // Per campaign: 0 undecided, 1 applies, 2 does not (campaign_reason_ says why).
    std::array<std::int8_t, limits::kProgramCampaignsMax> campaign_state_{};
    std::array<Reason, limits::kProgramCampaignsMax> campaign_reason_{};
    std::vector<std::pair<std::size_t, std::string>> campaign_errors_;
    Pending pending_;  // counters, per-event campaign totals and budgets used by this event

    // The counter and budget keys the last Limit checked.
    struct LimitKey {
        std::string key;
        bool is_stored = false;  // a counter the caller stores (Decision::increments)
        std::int64_t cap = 0;
    };

    std::vector<LimitKey> limit_keys_;
    Decision decision_;
};

bool Engine::CampaignApplies(std::size_t index, Reason* reason, std::string* detail) {
    const CompiledCampaign& campaign = compiled_.campaigns[index];
    if (campaign_state_[index] == 0) {
        campaign_state_[index] = 1;
        if (local_.minutes < campaign.from_minutes || local_.minutes >= campaign.to_minutes) {
            campaign_state_[index] = 2;
            campaign_reason_[index] = Reason::kOutsideSchedule;
        } else if (campaign.target) {
            auto target = campaign.target->Evaluate(activation_.Variables());
            if (!target) {
                campaign_state_[index] = 2;
                campaign_reason_[index] = Reason::kError;
                campaign_errors_.emplace_back(index, target.error().message);
            } else if (!target->boolean) {
                campaign_state_[index] = 2;
                campaign_reason_[index] = Reason::kNotTargeted;
            }
        }
    }
    if (campaign_state_[index] == 1) {
        return true;
    }
    *reason = campaign_reason_[index];
    *detail = campaign.campaign->id;
    for (const auto& [campaign_index, message] : campaign_errors_) {
        if (campaign_index == index) {
            *detail = message;
        }
    }
    return false;
}

bool Engine::PlanAmount(const CompiledRule& compiled, Planned* planned) {
    const Rule& rule = *compiled.rule;
    const Earn& earn = rule.earn;
    planned->base = event_.amount;
    planned->units = 1;
    if (earn.base == EarnBase::kNet) {
        planned->base = std::max<std::int64_t>(0, event_.amount - event_.win);
    }
    if (compiled.items) {
        planned->base = 0;
        planned->units = 0;
        const std::size_t count = std::min(event_.items.size(), limits::kEventItemsMax);
        for (std::size_t i = 0; i < count; ++i) {
            auto match = compiled.items->Evaluate(activation_.ItemVariables(i));
            if (!match) {
                planned->reason = Reason::kError;
                planned->detail = match.error().message;
                return false;
            }
            if (match->boolean) {
                ++planned->items_matched;
                planned->base += event_.items[i].amount;
                planned->units += event_.items[i].qty;
            }
        }
        if (planned->items_matched == 0) {
            planned->reason = Reason::kNoMatchingItems;
            return false;
        }
    }
    Int128 num = 0;
    Int128 den = 1;
    switch (earn.kind) {
        case EarnKind::kRate:
            num = static_cast<Int128>(planned->base) * earn.points;
            den = earn.per;
            break;
        case EarnKind::kPercent:
            num = static_cast<Int128>(planned->base) * earn.percent_micro;
            den = 100 * kMicro;
            break;
        case EarnKind::kFixed:
            num = static_cast<Int128>(earn.points) * planned->units;
            break;
        case EarnKind::kExpression: {
            auto value = compiled.amount->Evaluate(activation_.Variables());
            if (!value) {
                planned->reason = Reason::kError;
                planned->detail = value.error().message;
                return false;
            }
            num = value->integer;
            planned->value = value->integer;
            planned->value_is_decimal = value->kind == Kind::kDecimal;
            den = planned->value_is_decimal ? kMicro : 1;
            break;
        }
    }
    // Every factor is bounded (amounts by kEventAmountMax, rates, percentages and multipliers by
    // the checks in compile.cc), but an expression's value is not: check each product.
    bool fits = !__builtin_mul_overflow(num, static_cast<Int128>(earn.multiplier_micro), &num);
    den *= kMicro;
    if (earn.tier_multiplier && tier_ != nullptr) {
        planned->tier_multiplier_micro = tier_->multiplier_micro;
        planned->tier_applied = true;
        fits = fits &&
               !__builtin_mul_overflow(num, static_cast<Int128>(tier_->multiplier_micro), &num);
        den *= kMicro;
    }
    if (num <= 0) {
        planned->reason = Reason::kZeroAmount;
        return false;
    }
    if (!fits || !RoundQuotient(num, den, compiled_.definition.rounding, &planned->amount)) {
        planned->reason = Reason::kError;
        planned->detail = "the amount does not fit in 64 bits";
        return false;
    }
    if (planned->amount == 0) {
        planned->reason = Reason::kZeroAmount;
        return false;
    }
    return true;
}

std::int64_t Engine::Limit(const CompiledRule& compiled,
                           std::int64_t amount,
                           std::string* limited_by,
                           Reason* reason) {
    const Rule& rule = *compiled.rule;
    limit_keys_.clear();
    // Looks `key` up (the caller's value plus this event's), limits the amount to what `cap`
    // leaves, and keeps the key for Fire; `increment`: a counter the caller stores.
    const auto check =
        [&](std::string key, std::int64_t cap, std::int64_t stored, bool increment, Reason why) {
            const std::int64_t remaining =
                std::max<std::int64_t>(0, cap - stored - pending_.Get(key));
            if (remaining < amount) {
                amount = remaining;
                *limited_by = key;
                *reason = why;
            }
            limit_keys_.push_back({std::move(key), increment, cap});
        };
    if (rule.caps.per_event > 0 && rule.caps.per_event < amount) {
        amount = rule.caps.per_event;
        *limited_by = "per_event";
        *reason = Reason::kCapped;
    }
    ForEachCounter(
        rule.caps, compiled.counter_prefix, Dates(), [&](std::string key, std::int64_t cap) {
            const std::int64_t stored = Lookup(counters_.values, key);
            check(std::move(key), cap, stored, true, Reason::kCapped);
        });
    if (compiled.campaign >= 0) {
        const CompiledCampaign& campaign =
            compiled_.campaigns[static_cast<std::size_t>(compiled.campaign)];
        const Caps& caps = campaign.campaign->caps;
        if (caps.per_event > 0) {
            check(campaign.counter_prefix + "event", caps.per_event, 0, false, Reason::kCapped);
        }
        ForEachCounter(
            caps, campaign.counter_prefix, Dates(), [&](std::string key, std::int64_t cap) {
                const std::int64_t stored = Lookup(counters_.values, key);
                check(std::move(key), cap, stored, true, Reason::kCapped);
            });
        const std::string& budget = campaign.campaign->budget;
        if (!budget.empty()) {
            check("budget:" + budget,
                  Lookup(counters_.budgets, budget),
                  0,
                  false,
                  Reason::kBudgetExhausted);
        }
    }
    return amount;
}

// How the amount came out: "150000 × 1/100 × 2 × 1.25 (gold) → 3750 (floor)".
std::string Engine::Formula(const CompiledRule& compiled, const Planned& planned) const {
    const Earn& earn = compiled.rule->earn;
    std::string text;
    text.reserve(64);
    auto out = std::back_inserter(text);
    switch (earn.kind) {
        case EarnKind::kRate:
            fmt::format_to(out, "{} × {}/{}", planned.base, earn.points, earn.per);
            break;
        case EarnKind::kPercent:
            fmt::format_to(out, "{} × {}%", planned.base, FormatDecimal(earn.percent_micro));
            break;
        case EarnKind::kFixed:
            fmt::format_to(out, "{}", earn.points);
            if (compiled.items) {
                fmt::format_to(out, " × {}", planned.units);
            }
            break;
        case EarnKind::kExpression:
            text += planned.value_is_decimal ? FormatDecimal(planned.value)
                                             : std::to_string(planned.value);
            break;
    }
    if (earn.multiplier_micro != kMicro) {
        fmt::format_to(out, " × {}", FormatDecimal(earn.multiplier_micro));
    }
    if (planned.tier_applied) {
        fmt::format_to(out, " × {} ({})", FormatDecimal(tier_->multiplier_micro), tier_->id);
    }
    fmt::format_to(out, " → {} ({})", planned.amount, Name(compiled_.definition.rounding));
    return text;
}

void Engine::TraceRule(const CompiledRule& compiled, const Planned& planned, Earning* earning) {
    std::vector<rules::TraceStep> trace;
    if (compiled.campaign >= 0) {
        const CompiledCampaign& campaign =
            compiled_.campaigns[static_cast<std::size_t>(compiled.campaign)];
        if (campaign.target) {
            (void)campaign.target->Explain(activation_.Variables(), &trace);
        }
    }
    if (compiled.condition) {
        (void)compiled.condition->Explain(activation_.Variables(), &trace);
    }
    if (compiled.amount) {
        (void)compiled.amount->Explain(activation_.Variables(), &trace);
    }
    earning->trace.reserve(trace.size() + 2);
    for (rules::TraceStep& step : trace) {
        earning->trace.push_back({std::move(step.source), std::move(step.value)});
    }
    if (compiled.items) {
        earning->trace.push_back({compiled.rule->items,
                                  std::to_string(planned.items_matched) + " of " +
                                      std::to_string(event_.items.size()) + " items"});
    }
    earning->trace.push_back({"amount", Formula(compiled, planned)});
}

void Engine::Fire(const CompiledRule& compiled,
                  const Planned& planned,
                  std::int64_t amount,
                  std::string limited_by) {
    const Rule& rule = *compiled.rule;
    Earning& earning = decision_.earnings.emplace_back();
    earning.rule = compiled.index;
    earning.rule_id = rule.id;
    earning.asset = rule.asset;
    earning.amount = amount;
    earning.planned = planned.amount;
    earning.limited_by = std::move(limited_by);
    earning.base = planned.base;
    earning.units = planned.units;
    earning.items_matched = planned.items_matched;
    earning.multiplier_micro = rule.earn.multiplier_micro;
    earning.tier_multiplier_micro = planned.tier_multiplier_micro;
    if (planned.tier_applied) {
        earning.tier = tier_->id;
    }
    // The keys Limit just looked at: this event's use of them grows by the amount.
    for (LimitKey& limit : limit_keys_) {
        pending_.Add(limit.key, amount);
        if (limit.is_stored) {
            AddIncrement(std::move(limit.key), amount, limit.cap);
        }
    }
    if (compiled.campaign >= 0) {
        const CompiledCampaign& campaign =
            compiled_.campaigns[static_cast<std::size_t>(compiled.campaign)];
        earning.campaign = campaign.campaign->id;
        earning.budget = campaign.campaign->budget;
    }
    if (options_.trace_earnings) {
        TraceRule(compiled, planned, &earning);
    }
}

Result<Decision> Engine::Run() {
    std::string field;
    CANDOR_TRY(CheckEvent(program_, event_, &field));
    if (ToMicros(event_.occurred_at) == 0) {
        return Invalid("The event's time (occurred_at) must be set before it is evaluated.");
    }
    decision_.program_version = compiled_.version;
    decision_.event_type = event_.type;
    tier_ = program_.FindTier(facts_.tier);
    if (tier_ != nullptr) {
        decision_.tier = tier_->id;
    }
    if (event_.type == EventType::kRefund) {
        if (event_.original_amount <= 0) {
            return Invalid("A refund needs the original purchase's amount (original_amount).");
        }
        if (event_.amount > event_.original_amount) {
            return MakeError(ErrorCode::kReversalExceedsOriginal,
                             "The refund's amount is above the original purchase's amount.");
        }
        decision_.reversal =
            Reversal{event_.original, event_.amount, event_.original_amount, std::string()};
        decision_.reversal->meta = EntryMeta(program_, event_, decision_);
        return std::move(decision_);
    }
    if (compiled_.needs_local_time || !facts_.birthday.empty()) {
        local_ = ToLocal(compiled_.zone, event_.occurred_at);
    }
    FillActivation(event_, facts_, IsBirthday(facts_.birthday, local_), &activation_);
    std::array<int, limits::kProgramGroupsMax> group_fired;
    std::array<int, limits::kProgramGroupsMax> group_stopped;
    group_fired.fill(-1);
    group_stopped.fill(-1);
    if (options_.list_skipped) {
        decision_.skipped.reserve(compiled_.rules.size());
    }
    decision_.earnings.reserve(8);
    decision_.increments.reserve(8);
    for (const std::size_t index : compiled_.order) {
        const CompiledRule& compiled = compiled_.rules[index];
        const Rule& rule = *compiled.rule;
        if ((compiled.event_mask & EventBit(event_.type)) == 0) {
            Skip(index, Reason::kWrongEventType);
            continue;
        }
        if (compiled.campaign >= 0) {
            Reason reason = Reason::kOutsideSchedule;
            std::string detail;
            if (!CampaignApplies(static_cast<std::size_t>(compiled.campaign), &reason, &detail)) {
                Skip(index, reason, std::move(detail));
                continue;
            }
        }
        if (rule.window && !InWindow(*rule.window, local_)) {
            Skip(index, Reason::kOutsideWindow);
            continue;
        }
        const auto group = static_cast<std::size_t>(compiled.group);
        if (compiled.group >= 0 && group_fired[group] >= 0 &&
            compiled_.definition.groups[group].stacking == Stacking::kExclusive) {
            Skip(index,
                 Reason::kSuperseded,
                 compiled_.rule_list[static_cast<std::size_t>(group_fired[group])]->id);
            continue;
        }
        if (compiled.group >= 0 && group_stopped[group] >= 0) {
            Skip(index,
                 Reason::kStopped,
                 compiled_.rule_list[static_cast<std::size_t>(group_stopped[group])]->id);
            continue;
        }
        if (compiled.condition) {
            auto holds = compiled.condition->Evaluate(activation_.Variables());
            if (!holds) {
                Skip(index, Reason::kError, holds.error().message);
                continue;
            }
            if (!holds->boolean) {
                Skip(index, Reason::kConditionFalse);
                if (options_.list_skipped && options_.trace_skipped) {
                    std::vector<rules::TraceStep> trace;
                    (void)compiled.condition->Explain(activation_.Variables(), &trace);
                    for (rules::TraceStep& step : trace) {
                        decision_.skipped.back().trace.push_back(
                            {std::move(step.source), std::move(step.value)});
                    }
                }
                continue;
            }
        }
        Planned planned;
        if (!PlanAmount(compiled, &planned)) {
            Skip(index, planned.reason, std::move(planned.detail));
            continue;
        }
        std::string limited_by;
        Reason why = Reason::kCapped;
        const std::int64_t amount = Limit(compiled, planned.amount, &limited_by, &why);
        if (amount == 0) {
            Skip(index, why, std::move(limited_by));
            continue;
        }
        Fire(compiled, planned, amount, std::move(limited_by));
        if (compiled.group >= 0) {
            group_fired[group] =
                group_fired[group] < 0 ? static_cast<int>(index) : group_fired[group];
            if (rule.stop) {
                group_stopped[group] = static_cast<int>(index);
            }
        }
    }
    CANDOR_TRY(BuildCredit());
    return std::move(decision_);
}

Status Engine::BuildCredit() {
    if (decision_.earnings.empty()) {
        return Ok();
    }
    Credit& credit = decision_.credit.emplace();
    for (const Earning& earning : decision_.earnings) {
        // An expression's amount is bounded by int64 only, so the sums are checked.
        std::int64_t* total = &credit.points;
        if (earning.asset == Asset::kStatus) {
            total = &credit.status;
        } else if (earning.asset == Asset::kCashback) {
            total = &credit.cashback;
        }
        if (__builtin_add_overflow(*total, earning.amount, total)) {
            return MakeError(ErrorCode::kAmountOverflow,
                             "The event's earnings add up to more than 64 bits.");
        }
        if (earning.budget.empty()) {
            continue;
        }
        // A campaign with a budget earns points only (compile.cc).
        CANDOR_ASSERT(earning.asset == Asset::kPoints);
        auto draw = std::find_if(credit.budget_draws.begin(),
                                 credit.budget_draws.end(),
                                 [&](const BudgetDraw& d) { return d.budget == earning.budget; });
        if (draw == credit.budget_draws.end()) {
            credit.budget_draws.push_back({earning.budget, 0});
            draw = credit.budget_draws.end() - 1;
        }
        draw->points += earning.amount;  // at most credit.points, which did not overflow
    }
    credit.meta = EntryMeta(program_, event_, decision_);
    return Ok();
}

}  // namespace

std::string_view Name(Reason reason) {
    switch (reason) {
        case Reason::kWrongEventType:
            return "wrong_event_type";
        case Reason::kOutsideSchedule:
            return "outside_schedule";
        case Reason::kNotTargeted:
            return "not_targeted";
        case Reason::kOutsideWindow:
            return "outside_window";
        case Reason::kConditionFalse:
            return "condition_false";
        case Reason::kNoMatchingItems:
            return "no_matching_items";
        case Reason::kZeroAmount:
            return "zero_amount";
        case Reason::kCapped:
            return "capped";
        case Reason::kBudgetExhausted:
            return "budget_exhausted";
        case Reason::kSuperseded:
            return "superseded";
        case Reason::kStopped:
            return "stopped";
        case Reason::kError:
            return "error";
    }
    return "error";
}

Result<Decision> Evaluate(const Program& program,
                          const Event& event,
                          const MemberFacts& facts,
                          const Counters& counters,
                          const EvaluateOptions& options) {
    Engine engine(program, event, facts, counters, options);
    return engine.Run();
}

std::vector<std::string> CounterKeys(const Program& program, const Event& event) {
    const Compiled& compiled = program.compiled();
    const LocalTime local = ToLocal(compiled.zone, event.occurred_at);
    const PeriodDates dates(local);
    std::vector<std::string> keys;
    const auto add = [&keys](std::string key, std::int64_t) {
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
            keys.push_back(std::move(key));
        }
    };
    for (const CompiledRule& rule : compiled.rules) {
        if ((rule.event_mask & EventBit(event.type)) == 0) {
            continue;
        }
        ForEachCounter(rule.rule->caps, rule.counter_prefix, dates, add);
        if (rule.campaign >= 0) {
            const CompiledCampaign& campaign =
                compiled.campaigns[static_cast<std::size_t>(rule.campaign)];
            if (local.minutes >= campaign.from_minutes && local.minutes < campaign.to_minutes) {
                ForEachCounter(campaign.campaign->caps, campaign.counter_prefix, dates, add);
            }
        }
    }
    return keys;
}

CounterPeriod CounterPeriodOf(const Program& program, std::string_view key) {
    // Keys are "<rule|campaign>:<id>:<period>" and, but for "total", ":<date>" after it; ids
    // have no ':' (compile.cc), so the date is what follows the third ':'.
    std::size_t colons = 0;
    std::size_t date_at = std::string_view::npos;
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (key[i] == ':' && ++colons == 3) {
            date_at = i;
            break;
        }
    }
    CounterPeriod period;
    period.scope = std::string(key.substr(0, date_at));
    if (date_at == std::string_view::npos) {
        return period;  // "total": never resets
    }
    std::string date(key.substr(date_at + 1));
    if (date.size() == 7) {
        date += "-01";  // a month starts on its first day
    }
    LocalBound bound;
    const bool is_date = ParseLocalBound(date, &bound);
    CANDOR_ASSERT(is_date);
    period.start = FromLocal(program.compiled().zone, bound.minutes);
    return period;
}

std::vector<std::string> BudgetCodes(const Program& program, const Event& event) {
    const Compiled& compiled = program.compiled();
    std::vector<std::string> codes;
    std::optional<LocalTime> local;
    for (const CompiledRule& rule : compiled.rules) {
        if (rule.campaign < 0 || (rule.event_mask & EventBit(event.type)) == 0) {
            continue;
        }
        const CompiledCampaign& campaign =
            compiled.campaigns[static_cast<std::size_t>(rule.campaign)];
        const std::string& budget = campaign.campaign->budget;
        if (budget.empty() || std::find(codes.begin(), codes.end(), budget) != codes.end()) {
            continue;
        }
        if (!local) {
            local = ToLocal(compiled.zone, event.occurred_at);
        }
        if (local->minutes >= campaign.from_minutes && local->minutes < campaign.to_minutes) {
            codes.push_back(budget);
        }
    }
    return codes;
}

}  // namespace candor::program
