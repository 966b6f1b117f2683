// CompileProgram: every check of a definition that is not about JSON types (ranges, ids,
// references, what a rule kind needs), the rules' schema, and the compiled form.
#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "core/limits.h"
#include "program/internal.h"

namespace candor::program {
namespace {

using rules::Kind;
using rules::Type;

rules::Schema BuildSchema(bool with_item) {
    rules::Schema schema;
    const rules::RecordTypeId item = schema.AddRecord("item");
    CANDOR_ASSERT(schema.AddField(item, "sku", Type::String()) == kItemSku);
    CANDOR_ASSERT(schema.AddField(item, "category", Type::String()) == kItemCategory);
    CANDOR_ASSERT(schema.AddField(item, "qty", Type::Int()) == kItemQty);
    CANDOR_ASSERT(schema.AddField(item, "amount", Type::Int()) == kItemAmount);

    const rules::RecordTypeId event = schema.AddRecord("event");
    CANDOR_ASSERT(schema.AddField(event, "type", Type::String()) == kEventType);
    CANDOR_ASSERT(schema.AddField(event, "amount", Type::Int()) == kEventAmount);
    CANDOR_ASSERT(schema.AddField(event, "currency", Type::String()) == kEventCurrency);
    CANDOR_ASSERT(schema.AddField(event, "channel", Type::String()) == kEventChannel);
    CANDOR_ASSERT(schema.AddField(event, "store", Type::String()) == kEventStore);
    CANDOR_ASSERT(schema.AddField(event, "time", Type::Timestamp()) == kEventTime);
    CANDOR_ASSERT(schema.AddField(event, "items", Type::ListOf(item)) == kEventItems);
    CANDOR_ASSERT(schema.AddField(event, "original", Type::String()) == kEventOriginal);
    CANDOR_ASSERT(schema.AddField(event, "game", Type::String()) == kEventGame);
    CANDOR_ASSERT(schema.AddField(event, "win", Type::Int()) == kEventWin);
    CANDOR_ASSERT(schema.AddField(event, "rating", Type::Int()) == kEventRating);
    CANDOR_ASSERT(schema.AddField(event, "survey", Type::String()) == kEventSurvey);
    CANDOR_ASSERT(schema.AddField(event, "name", Type::String()) == kEventName);

    const rules::RecordTypeId member = schema.AddRecord("member");
    CANDOR_ASSERT(schema.AddField(member, "tier", Type::String()) == kMemberTier);
    CANDOR_ASSERT(schema.AddField(member, "purchases_count", Type::Int()) == kMemberPurchasesCount);
    CANDOR_ASSERT(schema.AddField(member, "visits_count", Type::Int()) == kMemberVisitsCount);
    CANDOR_ASSERT(schema.AddField(member, "status_points", Type::Int()) == kMemberStatusPoints);
    CANDOR_ASSERT(schema.AddField(member, "points_balance", Type::Int()) == kMemberPointsBalance);
    CANDOR_ASSERT(schema.AddField(member, "spend_total", Type::Int()) == kMemberSpendTotal);
    CANDOR_ASSERT(schema.AddField(member, "enrolled_at", Type::Timestamp()) == kMemberEnrolledAt);
    CANDOR_ASSERT(schema.AddField(member, "last_purchase_at", Type::Timestamp()) ==
                  kMemberLastPurchaseAt);
    CANDOR_ASSERT(schema.AddField(member, "time_zone", Type::String()) == kMemberTimeZone);
    CANDOR_ASSERT(schema.AddField(member, "is_birthday", Type::Bool()) == kMemberIsBirthday);
    CANDOR_ASSERT(schema.AddField(member, "segments", Type::List(Kind::kString)) ==
                  kMemberSegments);

    CANDOR_ASSERT(schema.AddVariable("event", event) == kVariableEvent);
    CANDOR_ASSERT(schema.AddVariable("member", member) == kVariableMember);
    if (with_item) {
        CANDOR_ASSERT(schema.AddVariable("item", item) == kVariableItem);
    }
    return schema;
}

// Ids of rules, groups, campaigns and tiers: [a-z0-9_-]{1,kProgramIdBytesMax}.
bool IsId(std::string_view id) {
    if (id.empty() || id.size() > limits::kProgramIdBytesMax) {
        return false;
    }
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

// Budget codes as the ledger takes them (OpenBudget): [A-Za-z0-9_.:-]{1,64}.
bool IsBudgetCode(std::string_view code) {
    if (code.empty() || code.size() > limits::kPublicIdBytesMax) {
        return false;
    }
    return std::all_of(code.begin(), code.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == ':' || c == '-';
    });
}

constexpr std::int64_t kMultiplierMax = 100'000'000;  // 100.0
constexpr std::int64_t kRatePointsMax = 1'000'000;
constexpr std::int64_t kRatePerMax = 1'000'000'000'000;
constexpr std::int64_t kFixedMax = 1'000'000'000;
constexpr std::int64_t kPriorityMax = 1'000'000;
constexpr std::int64_t kMonthsMax = 120;
constexpr std::int64_t kMinutesPerDay = 24 * 60;

// Checks a definition and fills in the compiled parts of `out`.
class Checker {
public:
    Checker(Compiled* out, ProgramError* where) : out_(out), where_(where) {}

    Status Run();

private:
    Error Fail(const std::string& path, std::string message) {
        return FailAt(where_, path, std::move(message));
    }

    Status CheckText(const Text& text, const std::string& path) {
        for (const auto& [language, value] :
             {std::pair{"ru", &text.ru}, std::pair{"en", &text.en}}) {
            if (value->empty() || value->size() > limits::kProgramNameBytesMax) {
                return Fail(
                    JoinPath(path, language),
                    "Must be 1-" + std::to_string(limits::kProgramNameBytesMax) + " bytes.");
            }
        }
        return Ok();
    }

    Status CheckId(std::string_view id, const std::string& path, std::set<std::string>* seen) {
        if (!IsId(id)) {
            return Fail(JoinPath(path, "id"),
                        "Must be 1-" + std::to_string(limits::kProgramIdBytesMax) +
                            " characters from a-z, 0-9, '_' and '-'.");
        }
        if (!seen->insert(std::string(id)).second) {
            return Fail(JoinPath(path, "id"), "Another one has the id '" + std::string(id) + "'.");
        }
        return Ok();
    }

    // Compiles `source` (at `path`) into *out, or names its line and column.
    Status CompileExpression(const std::string& source,
                             const std::string& path,
                             const rules::Schema& schema,
                             Kind kind,
                             std::optional<rules::Expression>* out) {
        rules::Diagnostic diagnostic;
        auto expression = rules::Expression::Compile(source, schema, kind, &diagnostic);
        if (!expression) {
            return FailAt(where_,
                          path,
                          diagnostic.message,
                          expression.error().code,
                          diagnostic.line,
                          diagnostic.column);
        }
        *out = std::move(*expression);
        return Ok();
    }

    Status CheckRange(const LocalRange& range,
                      const std::string& path,
                      std::int64_t* from,
                      std::int64_t* to) {
        *from = range.from.minutes;
        *to = range.to.has_time ? range.to.minutes : range.to.minutes + kMinutesPerDay;
        if (*to <= *from) {
            return Fail(JoinPath(path, "to"), "Must come after from.");
        }
        return Ok();
    }

    Status CheckCaps(const Caps& caps, const std::string& path, bool is_campaign) {
        for (const std::int64_t value :
             {caps.per_event, caps.day, caps.week, caps.month, caps.total}) {
            if (value < 0) {
                return Fail(JoinPath(path, "caps"), "Caps must not be negative (0: no cap).");
            }
        }
        if (caps.total != 0 && !is_campaign) {
            return Fail(JoinPath(JoinPath(path, "caps"), "total"),
                        "A total cap is for campaigns; rules have per_event, day, week, month.");
        }
        return Ok();
    }

    Status CheckWindow(const Window& window, const std::string& path);
    Status CheckEarn(const Rule& rule, const std::string& path, CompiledRule* compiled);
    Status CheckRule(const Rule& rule, const std::string& path, CompiledRule* compiled);
    Status CheckTiers();
    Status CheckCampaign(std::size_t index);

    Compiled* out_;
    ProgramError* where_;
    std::set<std::string> rule_ids_;
};

Status Checker::CheckWindow(const Window& window, const std::string& path) {
    if ((window.hours_from < 0) != (window.hours_to < 0)) {
        return Fail(JoinPath(path, "hours"), "Must have from and to.");
    }
    if (window.hours_from >= 0 && window.hours_from == window.hours_to) {
        return Fail(JoinPath(path, "hours"), "from and to must differ.");
    }
    if (window.hours_from >= kMinutesPerDay || window.hours_to > kMinutesPerDay) {
        return Fail(JoinPath(path, "hours"), "Must be times of day.");
    }
    if (window.days >= (1U << 7)) {
        return Fail(JoinPath(path, "days"), "Must be days mon-sun.");
    }
    if (window.dates) {
        std::int64_t from = 0;
        std::int64_t to = 0;
        CANDOR_TRY(CheckRange(*window.dates, JoinPath(path, "dates"), &from, &to));
    }
    if (window.days == 0 && window.hours_from < 0 && !window.dates) {
        return Fail(path, "Must have days, hours or dates.");
    }
    return Ok();
}

Status Checker::CheckEarn(const Rule& rule, const std::string& rule_path, CompiledRule* compiled) {
    const Earn& earn = rule.earn;
    const std::string path = JoinPath(rule_path, "earn");
    const bool has_amount = std::all_of(rule.events.begin(), rule.events.end(), [](EventType t) {
        return t == EventType::kPurchase || t == EventType::kBet || t == EventType::kGameRound ||
               t == EventType::kCustom;
    });
    switch (earn.kind) {
        case EarnKind::kRate:
            if (earn.points < 1 || earn.points > kRatePointsMax) {
                return Fail(JoinPath(path, "rate.points"),
                            "Must be 1-" + std::to_string(kRatePointsMax) + ".");
            }
            if (earn.per < 1 || earn.per > kRatePerMax) {
                return Fail(JoinPath(path, "rate.per"),
                            "Must be 1-" + std::to_string(kRatePerMax) + " minor units.");
            }
            break;
        case EarnKind::kPercent:
            if (earn.percent_micro <= 0 || earn.percent_micro > 100'000'000) {
                return Fail(JoinPath(path, "percent"), "Must be above 0 and at most 100.");
            }
            break;
        case EarnKind::kFixed:
            if (earn.points < 1 || earn.points > kFixedMax) {
                return Fail(JoinPath(path, "fixed"),
                            "Must be 1-" + std::to_string(kFixedMax) + ".");
            }
            break;
        case EarnKind::kExpression:
            if (!rule.items.empty()) {
                return Fail(JoinPath(path, "expression"),
                            "An amount expression cannot be combined with an item filter; sum "
                            "over event.items in the expression instead.");
            }
            CANDOR_TRY(CompileExpression(earn.expression,
                                         JoinPath(path, "expression"),
                                         EventSchema(),
                                         Kind::kDecimal,
                                         &compiled->amount));
            break;
    }
    if ((earn.kind == EarnKind::kRate || earn.kind == EarnKind::kPercent) && !has_amount) {
        return Fail(path,
                    "A rate or percentage needs an amount: only purchase, bet, game_round and "
                    "custom events have one.");
    }
    if (earn.multiplier_micro <= 0 || earn.multiplier_micro > kMultiplierMax) {
        return Fail(JoinPath(path, "multiplier"), "Must be above 0 and at most 100.");
    }
    if (earn.base == EarnBase::kNet) {
        const bool gaming = std::all_of(rule.events.begin(), rule.events.end(), [](EventType t) {
            return t == EventType::kBet || t == EventType::kGameRound;
        });
        if (!gaming || earn.kind == EarnKind::kFixed || earn.kind == EarnKind::kExpression) {
            return Fail(JoinPath(path, "base"),
                        "\"net\" is for a rate or percentage on bet and game_round events.");
        }
    }
    if (earn.tier_multiplier && out_->definition.tiers.levels.empty()) {
        return Fail(JoinPath(path, "tier_multiplier"), "The program has no tiers.");
    }
    return Ok();
}

Status Checker::CheckRule(const Rule& rule, const std::string& path, CompiledRule* compiled) {
    CANDOR_TRY(CheckId(rule.id, path, &rule_ids_));
    CANDOR_TRY(CheckText(rule.name, JoinPath(path, "name")));
    if (rule.events.empty()) {
        return Fail(JoinPath(path, "events"), "Must name at least one event type.");
    }
    for (std::size_t i = 0; i < rule.events.size(); ++i) {
        const EventType type = rule.events[i];
        if (type == EventType::kRefund) {
            return Fail(IndexPath(JoinPath(path, "events"), i),
                        "No rule earns on a refund: a refund reverses what its purchase earned.");
        }
        if ((compiled->event_mask & EventBit(type)) != 0) {
            return Fail(IndexPath(JoinPath(path, "events"), i), "Listed twice.");
        }
        compiled->event_mask |= EventBit(type);
    }
    if (!rule.condition.empty()) {
        CANDOR_TRY(CompileExpression(rule.condition,
                                     JoinPath(path, "condition"),
                                     EventSchema(),
                                     Kind::kBool,
                                     &compiled->condition));
    }
    if (!rule.items.empty()) {
        if (compiled->event_mask != EventBit(EventType::kPurchase)) {
            return Fail(JoinPath(path, "items"),
                        "An item filter is for rules on purchases only (events: [\"purchase\"]).");
        }
        CANDOR_TRY(CompileExpression(
            rule.items, JoinPath(path, "items"), ItemSchema(), Kind::kBool, &compiled->items));
    }
    if (rule.window) {
        CANDOR_TRY(CheckWindow(*rule.window, JoinPath(path, "window")));
        out_->needs_local_time = true;
    }
    CANDOR_TRY(CheckEarn(rule, path, compiled));
    if (!rule.group.empty()) {
        const auto& groups = out_->definition.groups;
        const auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& group) {
            return group.id == rule.group;
        });
        if (it == groups.end()) {
            return Fail(JoinPath(path, "group"),
                        "Unknown group '" + rule.group + "'; declare it in groups.");
        }
        compiled->group = static_cast<int>(it - groups.begin());
    }
    if (rule.stop && (compiled->group < 0 ||
                      out_->definition.groups[static_cast<std::size_t>(compiled->group)].stacking !=
                          Stacking::kPriority)) {
        return Fail(JoinPath(path, "stop"), "stop works in a group with priority stacking.");
    }
    if (rule.priority < -kPriorityMax || rule.priority > kPriorityMax) {
        return Fail(JoinPath(path, "priority"),
                    "Must be from -" + std::to_string(kPriorityMax) + " to " +
                        std::to_string(kPriorityMax) + ".");
    }
    CANDOR_TRY(CheckCaps(rule.caps, path, false));
    if (rule.caps.day + rule.caps.week + rule.caps.month != 0) {
        out_->needs_local_time = true;
    }
    compiled->rule = &rule;
    compiled->counter_prefix = "rule:" + rule.id + ":";
    return Ok();
}

Status Checker::CheckTiers() {
    const Tiers& tiers = out_->definition.tiers;
    if (tiers.period_months < 1 || tiers.period_months > kMonthsMax) {
        return Fail("tiers.period_months", "Must be 1-" + std::to_string(kMonthsMax) + ".");
    }
    if (tiers.grace_months < 0 || tiers.grace_months > kMonthsMax) {
        return Fail("tiers.grace_months", "Must be 0-" + std::to_string(kMonthsMax) + ".");
    }
    std::set<std::string> ids;
    for (std::size_t i = 0; i < tiers.levels.size(); ++i) {
        const Tier& tier = tiers.levels[i];
        const std::string path = IndexPath("tiers.levels", i);
        CANDOR_TRY(CheckId(tier.id, path, &ids));
        CANDOR_TRY(CheckText(tier.name, JoinPath(path, "name")));
        if (tier.threshold < 0 || (i > 0 && tier.threshold <= tiers.levels[i - 1].threshold)) {
            return Fail(JoinPath(path, "threshold"),
                        "Thresholds must not be negative and must rise from tier to tier.");
        }
        if (tier.multiplier_micro <= 0 || tier.multiplier_micro > kMultiplierMax) {
            return Fail(JoinPath(path, "multiplier"), "Must be above 0 and at most 100.");
        }
    }
    return Ok();
}

Status Checker::CheckCampaign(std::size_t index) {
    const Campaign& campaign = out_->definition.campaigns[index];
    const std::string path = IndexPath("campaigns", index);
    CompiledCampaign& compiled = out_->campaigns[index];
    compiled.campaign = &campaign;
    compiled.counter_prefix = "campaign:" + campaign.id + ":";
    CANDOR_TRY(CheckText(campaign.name, JoinPath(path, "name")));
    CANDOR_TRY(CheckRange(campaign.schedule,
                          JoinPath(path, "schedule"),
                          &compiled.from_minutes,
                          &compiled.to_minutes));
    if (!campaign.target.empty()) {
        CANDOR_TRY(CompileExpression(campaign.target,
                                     JoinPath(path, "target"),
                                     EventSchema(),
                                     Kind::kBool,
                                     &compiled.target));
    }
    if (!campaign.budget.empty() && !IsBudgetCode(campaign.budget)) {
        return Fail(JoinPath(path, "budget"),
                    "Must be a ledger budget code: 1-64 characters from A-Z, a-z, 0-9, '_', '.', "
                    "':' and '-'.");
    }
    CANDOR_TRY(CheckCaps(campaign.caps, path, true));
    compiled.is_capped = campaign.caps.is_set();
    if (!campaign.budget.empty() || compiled.is_capped) {
        for (std::size_t i = 0; i < campaign.rules.size(); ++i) {
            if (campaign.rules[i].asset != Asset::kPoints) {
                return Fail(JoinPath(IndexPath(JoinPath(path, "rules"), i), "asset"),
                            "A campaign with a budget or caps earns points only: budgets and "
                            "campaign caps count points.");
            }
        }
    }
    out_->needs_local_time = true;
    return Ok();
}

Status Checker::Run() {
    Definition& definition = out_->definition;
    if (definition.schema_version != 1) {
        return Fail("schema_version", "Must be 1, the only schema version so far.");
    }
    CANDOR_TRY(CheckText(definition.name, "name"));
    if (!IsKnownCurrency(definition.currency)) {
        return Fail("currency",
                    "Unknown currency; one of RUB, BYN, KZT, UZS, AMD, GEL, KGS, AZN, USD, EUR, "
                    "CNY, TRY, AED, JPY.");
    }
    out_->zone = FindZone(definition.time_zone);
    if (out_->zone == nullptr) {
        return Fail("time_zone", "Unknown IANA time zone (such as Europe/Moscow).");
    }
    if (definition.expiry.months < 0 || definition.expiry.months > kMonthsMax) {
        return Fail("expiry.months", "Must be 0-" + std::to_string(kMonthsMax) + ".");
    }
    CANDOR_TRY(CheckTiers());
    std::set<std::string> group_ids;
    for (std::size_t i = 0; i < definition.groups.size(); ++i) {
        CANDOR_TRY(CheckId(definition.groups[i].id, IndexPath("groups", i), &group_ids));
    }
    std::set<std::string> campaign_ids;
    std::size_t rule_count = definition.rules.size();
    for (std::size_t i = 0; i < definition.campaigns.size(); ++i) {
        CANDOR_TRY(CheckId(definition.campaigns[i].id, IndexPath("campaigns", i), &campaign_ids));
        rule_count += definition.campaigns[i].rules.size();
    }
    if (rule_count > limits::kProgramRulesMax ||
        definition.groups.size() > limits::kProgramGroupsMax ||
        definition.campaigns.size() > limits::kProgramCampaignsMax ||
        definition.tiers.levels.size() > limits::kProgramTiersMax) {
        return Fail("",
                    "At most " + std::to_string(limits::kProgramRulesMax) + " rules, " +
                        std::to_string(limits::kProgramGroupsMax) + " groups, " +
                        std::to_string(limits::kProgramCampaignsMax) + " campaigns and " +
                        std::to_string(limits::kProgramTiersMax) + " tiers.");
    }
    out_->campaigns.resize(definition.campaigns.size());
    out_->rules.reserve(rule_count);
    for (std::size_t i = 0; i < definition.rules.size(); ++i) {
        CompiledRule compiled;
        compiled.index = out_->rules.size();
        CANDOR_TRY(CheckRule(definition.rules[i], IndexPath("rules", i), &compiled));
        out_->rules.push_back(std::move(compiled));
    }
    for (std::size_t c = 0; c < definition.campaigns.size(); ++c) {
        CANDOR_TRY(CheckCampaign(c));
        const std::string path = JoinPath(IndexPath("campaigns", c), "rules");
        for (std::size_t i = 0; i < definition.campaigns[c].rules.size(); ++i) {
            CompiledRule compiled;
            compiled.index = out_->rules.size();
            compiled.campaign = static_cast<int>(c);
            CANDOR_TRY(CheckRule(definition.campaigns[c].rules[i], IndexPath(path, i), &compiled));
            out_->rules.push_back(std::move(compiled));
        }
    }
    for (const CompiledRule& rule : out_->rules) {
        out_->rule_list.push_back(rule.rule);
        out_->order.push_back(rule.index);
    }
    std::stable_sort(out_->order.begin(), out_->order.end(), [this](std::size_t a, std::size_t b) {
        return out_->rule_list[a]->priority > out_->rule_list[b]->priority;
    });
    return Ok();
}

}  // namespace

const rules::Schema& EventSchema() {
    static const rules::Schema schema = BuildSchema(false);
    return schema;
}

const rules::Schema& ItemSchema() {
    static const rules::Schema schema = BuildSchema(true);
    return schema;
}

Result<Program> CompileProgram(Definition definition, std::int64_t version, ProgramError* error) {
    // The compiled parts point into the definition, so it moves into its final place first.
    auto compiled = std::make_shared<Compiled>();
    compiled->definition = std::move(definition);
    compiled->version = version;
    ProgramError where;
    Checker checker(compiled.get(), &where);
    Status status = checker.Run();
    if (!status) {
        if (error != nullptr) {
            *error = std::move(where);
        }
        return std::move(status).error();
    }
    return Program(std::move(compiled));
}

const Definition& Program::definition() const {
    return compiled_->definition;
}

std::int64_t Program::version() const {
    return compiled_->version;
}

const std::vector<const Rule*>& Program::rules() const {
    return compiled_->rule_list;
}

const Campaign* Program::CampaignOf(std::size_t rule_index) const {
    CANDOR_ASSERT(rule_index < compiled_->rules.size());
    const int campaign = compiled_->rules[rule_index].campaign;
    return campaign < 0 ? nullptr
                        : &compiled_->definition.campaigns[static_cast<std::size_t>(campaign)];
}

const Tier* Program::FindTier(std::string_view id) const {
    for (const Tier& tier : compiled_->definition.tiers.levels) {
        if (tier.id == id) {
            return &tier;
        }
    }
    return nullptr;
}

}  // namespace candor::program
