// A program's JSON (docs/program.md) read into a Definition, and written back canonically.
// Types and unknown members are checked here; ranges, references and expressions are checked
// by CompileProgram (compile.cc), so definitions built in code get the same checks.
#include <fmt/format.h>

#include <array>
#include <string>
#include <utility>

#include "core/json.h"
#include "core/limits.h"
#include "program/internal.h"

namespace candor::program {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr std::array<std::string_view, 7> kDayNames = {
    "mon", "tue", "wed", "thu", "fri", "sat", "sun"};

// Reads one JSON document into a Definition, remembering where the first mistake is.
class Reader {
public:
    explicit Reader(ProgramError* where) : where_(where) {}

    Result<Definition> Program(const Json& json);

private:
    Error Fail(const std::string& path, std::string message) {
        return FailAt(where_, path, std::move(message));
    }

    // `json` at `path` is an object whose members are all in `allowed`.
    Status Members(const Json& json,
                   const std::string& path,
                   std::initializer_list<std::string_view> allowed) {
        if (!json.is_object()) {
            return Fail(path, "Must be an object.");
        }
        std::string field;
        if (!CheckObject(json, allowed, &field).has_value()) {
            return Fail(JoinPath(path, field), "Unknown field.");
        }
        return Ok();
    }

    const Json* Find(const Json& object, std::string_view name) {
        const auto it = object.find(name);
        return it == object.end() ? nullptr : &*it;
    }

    Result<const Json*> Required(const Json& object,
                                 const std::string& path,
                                 std::string_view name) {
        const Json* value = Find(object, name);
        if (value == nullptr) {
            return Fail(JoinPath(path, name), "Missing.");
        }
        return value;
    }

    Status String(const Json& object,
                  const std::string& path,
                  std::string_view name,
                  std::string* out) {
        const Json* value = Find(object, name);
        if (value == nullptr) {
            return Ok();
        }
        if (!value->is_string()) {
            return Fail(JoinPath(path, name), "Must be a string.");
        }
        *out = value->get<std::string>();
        return Ok();
    }

    Status RequiredString(const Json& object,
                          const std::string& path,
                          std::string_view name,
                          std::string* out) {
        CANDOR_TRY(Required(object, path, name));
        return String(object, path, name, out);
    }

    Status Integer(const Json& object,
                   const std::string& path,
                   std::string_view name,
                   std::int64_t* out) {
        if (Find(object, name) == nullptr) {
            return Ok();
        }
        std::string field;
        auto value = ReadInteger(object, name, &field);
        if (!value) {
            return Fail(JoinPath(path, name), value.error().message);
        }
        *out = *value;
        return Ok();
    }

    Status Bool(const Json& object, const std::string& path, std::string_view name, bool* out) {
        const Json* value = Find(object, name);
        if (value == nullptr) {
            return Ok();
        }
        if (!value->is_boolean()) {
            return Fail(JoinPath(path, name), "Must be true or false.");
        }
        *out = value->get<bool>();
        return Ok();
    }

    // A decimal: a JSON integer, or a string such as "1.25" (JSON numbers with a fraction are
    // refused: they pass through binary floating point).
    Status Decimal(const Json& object,
                   const std::string& path,
                   std::string_view name,
                   std::int64_t* micros) {
        const Json* value = Find(object, name);
        if (value == nullptr) {
            return Ok();
        }
        const std::string at = JoinPath(path, name);
        if (value->is_number_integer()) {
            const std::int64_t whole =
                value->is_number_unsigned() && value->get<std::uint64_t>() > 1'000'000'000'000
                    ? -1
                    : value->get<std::int64_t>();
            if (whole < 0 || whole > 1'000'000'000'000) {
                return Fail(at, "Must be a decimal from 0 to 10^12.");
            }
            *micros = whole * 1'000'000;
            return Ok();
        }
        if (!value->is_string() || !ParseDecimal(value->get<std::string>(), micros)) {
            return Fail(at,
                        "Must be a decimal written as a string (\"1.25\", at most six decimals) "
                        "or an integer.");
        }
        return Ok();
    }

    template <class Enum, std::size_t N>
    Status Choice(const Json& object,
                  const std::string& path,
                  std::string_view name,
                  const std::array<std::pair<std::string_view, Enum>, N>& choices,
                  Enum* out) {
        std::string text;
        CANDOR_TRY(String(object, path, name, &text));
        if (Find(object, name) == nullptr) {
            return Ok();
        }
        std::string expected;
        for (const auto& [choice, value] : choices) {
            if (choice == text) {
                *out = value;
                return Ok();
            }
            expected += (expected.empty() ? "" : ", ") + std::string(choice);
        }
        return Fail(JoinPath(path, name), "Must be one of " + expected + ".");
    }

    Status ReadText(const Json& object, const std::string& path, std::string_view name, Text* out) {
        CANDOR_ASSIGN_OR_RETURN(const Json* value, Required(object, path, name));
        const std::string at = JoinPath(path, name);
        CANDOR_TRY(Members(*value, at, {"ru", "en"}));
        CANDOR_TRY(RequiredString(*value, at, "ru", &out->ru));
        return RequiredString(*value, at, "en", &out->en);
    }

    Result<const Json*> Array(const Json& object,
                              const std::string& path,
                              std::string_view name,
                              std::size_t count_max) {
        const Json* value = Find(object, name);
        if (value == nullptr) {
            return nullptr;
        }
        if (!value->is_array() || value->size() > count_max) {
            return Fail(JoinPath(path, name),
                        "Must be an array of at most " + std::to_string(count_max) + ".");
        }
        return value;
    }

    Status ReadCaps(const Json& object, const std::string& path, Caps* caps);
    Status ReadRange(const Json& object, const std::string& path, LocalRange* range);
    Status ReadWindow(const Json& object, const std::string& path, Window* window);
    Status ReadEarn(const Json& object, const std::string& path, Earn* earn);
    Result<Rule> ReadRule(const Json& json, const std::string& path);
    Status ReadRules(const Json& object, const std::string& path, std::vector<Rule>* rules);
    Result<Campaign> ReadCampaign(const Json& json, const std::string& path);
    Status ReadTiers(const Json& object, const std::string& path, Tiers* tiers);

    ProgramError* where_;
};

constexpr std::array<std::pair<std::string_view, Rounding>, 3> kRoundings = {{
    {"floor", Rounding::kFloor},
    {"round", Rounding::kRound},
    {"ceil", Rounding::kCeil},
}};
constexpr std::array<std::pair<std::string_view, Stacking>, 3> kStackings = {{
    {"stackable", Stacking::kStackable},
    {"exclusive", Stacking::kExclusive},
    {"priority", Stacking::kPriority},
}};
constexpr std::array<std::pair<std::string_view, EarnBase>, 2> kBases = {{
    {"amount", EarnBase::kAmount},
    {"net", EarnBase::kNet},
}};
constexpr std::array<std::pair<std::string_view, Asset>, 3> kAssetNames = {{
    {"points", Asset::kPoints},
    {"status", Asset::kStatus},
    {"cashback", Asset::kCashback},
}};
constexpr std::array<std::pair<std::string_view, TierMetric>, 4> kMetrics = {{
    {"status_points", TierMetric::kStatusPoints},
    {"spend", TierMetric::kSpend},
    {"visits", TierMetric::kVisits},
    {"purchases", TierMetric::kPurchases},
}};
constexpr std::array<std::pair<std::string_view, PeriodEnd>, 4> kPeriodEnds = {{
    {"none", PeriodEnd::kNone},
    {"month", PeriodEnd::kMonth},
    {"quarter", PeriodEnd::kQuarter},
    {"year", PeriodEnd::kYear},
}};

Status Reader::ReadCaps(const Json& object, const std::string& path, Caps* caps) {
    const Json* value = Find(object, "caps");
    if (value == nullptr) {
        return Ok();
    }
    const std::string at = JoinPath(path, "caps");
    CANDOR_TRY(Members(*value, at, {"per_event", "day", "week", "month", "total"}));
    CANDOR_TRY(Integer(*value, at, "per_event", &caps->per_event));
    CANDOR_TRY(Integer(*value, at, "day", &caps->day));
    CANDOR_TRY(Integer(*value, at, "week", &caps->week));
    CANDOR_TRY(Integer(*value, at, "month", &caps->month));
    return Integer(*value, at, "total", &caps->total);
}

Status Reader::ReadRange(const Json& object, const std::string& path, LocalRange* range) {
    CANDOR_TRY(Members(object, path, {"from", "to"}));
    std::string from;
    std::string to;
    CANDOR_TRY(RequiredString(object, path, "from", &from));
    CANDOR_TRY(RequiredString(object, path, "to", &to));
    constexpr std::string_view kForm =
        "Must be a local date \"2026-12-31\" or \"2026-12-31T18:00\".";
    if (!ParseLocalBound(from, &range->from)) {
        return Fail(JoinPath(path, "from"), std::string(kForm));
    }
    if (!ParseLocalBound(to, &range->to)) {
        return Fail(JoinPath(path, "to"), std::string(kForm));
    }
    return Ok();
}

// "HH:MM" into minutes of the day; "24:00" only when `end`.
bool ParseClock(std::string_view text, bool end, int* minutes) {
    if (text.size() != 5 || text[2] != ':') {
        return false;
    }
    for (const std::size_t i : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{4}}) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
    }
    const int hours = (text[0] - '0') * 10 + (text[1] - '0');
    const int mins = (text[3] - '0') * 10 + (text[4] - '0');
    if (mins > 59 || hours > 24 || (hours == 24 && (mins != 0 || !end))) {
        return false;
    }
    *minutes = hours * 60 + mins;
    return true;
}

Status Reader::ReadWindow(const Json& object, const std::string& path, Window* window) {
    CANDOR_TRY(Members(object, path, {"days", "hours", "dates"}));
    if (const Json* days = Find(object, "days"); days != nullptr) {
        const std::string at = JoinPath(path, "days");
        if (!days->is_array() || days->empty() || days->size() > kDayNames.size()) {
            return Fail(at, "Must be an array of days: mon, tue, wed, thu, fri, sat, sun.");
        }
        for (std::size_t i = 0; i < days->size(); ++i) {
            const Json& day = (*days)[i];
            std::size_t found = kDayNames.size();
            for (std::size_t d = 0; d < kDayNames.size(); ++d) {
                if (day.is_string() && day.get<std::string>() == kDayNames[d]) {
                    found = d;
                }
            }
            const auto bit = static_cast<std::uint8_t>(1U << found);
            if (found == kDayNames.size() || (window->days & bit) != 0) {
                return Fail(IndexPath(at, i),
                            "Must be one of mon, tue, wed, thu, fri, sat, sun, each once.");
            }
            window->days = static_cast<std::uint8_t>(window->days | bit);
        }
    }
    if (const Json* hours = Find(object, "hours"); hours != nullptr) {
        const std::string at = JoinPath(path, "hours");
        CANDOR_TRY(Members(*hours, at, {"from", "to"}));
        std::string from;
        std::string to;
        CANDOR_TRY(RequiredString(*hours, at, "from", &from));
        CANDOR_TRY(RequiredString(*hours, at, "to", &to));
        if (!ParseClock(from, false, &window->hours_from)) {
            return Fail(JoinPath(at, "from"), "Must be a time of day \"HH:MM\" (00:00-23:59).");
        }
        if (!ParseClock(to, true, &window->hours_to)) {
            return Fail(JoinPath(at, "to"), "Must be a time of day \"HH:MM\" (00:00-24:00).");
        }
    }
    if (const Json* dates = Find(object, "dates"); dates != nullptr) {
        window->dates.emplace();
        CANDOR_TRY(ReadRange(*dates, JoinPath(path, "dates"), &*window->dates));
    }
    return Ok();
}

Status Reader::ReadEarn(const Json& object, const std::string& path, Earn* earn) {
    CANDOR_TRY(Members(
        object,
        path,
        {"rate", "percent", "fixed", "expression", "multiplier", "tier_multiplier", "base"}));
    int kinds = 0;
    if (const Json* rate = Find(object, "rate"); rate != nullptr) {
        ++kinds;
        earn->kind = EarnKind::kRate;
        const std::string at = JoinPath(path, "rate");
        CANDOR_TRY(Members(*rate, at, {"points", "per"}));
        CANDOR_TRY(Required(*rate, at, "points"));
        CANDOR_TRY(Required(*rate, at, "per"));
        CANDOR_TRY(Integer(*rate, at, "points", &earn->points));
        CANDOR_TRY(Integer(*rate, at, "per", &earn->per));
    }
    if (Find(object, "percent") != nullptr) {
        ++kinds;
        earn->kind = EarnKind::kPercent;
        CANDOR_TRY(Decimal(object, path, "percent", &earn->percent_micro));
    }
    if (Find(object, "fixed") != nullptr) {
        ++kinds;
        earn->kind = EarnKind::kFixed;
        CANDOR_TRY(Integer(object, path, "fixed", &earn->points));
    }
    if (Find(object, "expression") != nullptr) {
        ++kinds;
        earn->kind = EarnKind::kExpression;
        CANDOR_TRY(String(object, path, "expression", &earn->expression));
    }
    if (kinds != 1) {
        return Fail(path, "Must have exactly one of rate, percent, fixed, expression.");
    }
    CANDOR_TRY(Decimal(object, path, "multiplier", &earn->multiplier_micro));
    CANDOR_TRY(Bool(object, path, "tier_multiplier", &earn->tier_multiplier));
    return Choice(object, path, "base", kBases, &earn->base);
}

Result<Rule> Reader::ReadRule(const Json& json, const std::string& path) {
    CANDOR_TRY(Members(json,
                       path,
                       {"id",
                        "name",
                        "events",
                        "condition",
                        "items",
                        "window",
                        "asset",
                        "earn",
                        "group",
                        "priority",
                        "stop",
                        "caps"}));
    Rule rule;
    CANDOR_TRY(RequiredString(json, path, "id", &rule.id));
    CANDOR_TRY(ReadText(json, path, "name", &rule.name));
    CANDOR_ASSIGN_OR_RETURN(const Json* events, Required(json, path, "events"));
    const std::string events_path = JoinPath(path, "events");
    if (!events->is_array()) {
        return Fail(events_path, "Must be an array of event types.");
    }
    for (std::size_t i = 0; i < events->size(); ++i) {
        EventType type = EventType::kPurchase;
        if (!(*events)[i].is_string() || !ParseEventType((*events)[i].get<std::string>(), &type)) {
            return Fail(IndexPath(events_path, i),
                        "Must be an event type: purchase, bet, game_round, review, "
                        "survey_answered, referral_completed or custom.");
        }
        rule.events.push_back(type);
    }
    CANDOR_TRY(String(json, path, "condition", &rule.condition));
    CANDOR_TRY(String(json, path, "items", &rule.items));
    if (const Json* window = Find(json, "window"); window != nullptr) {
        rule.window.emplace();
        CANDOR_TRY(ReadWindow(*window, JoinPath(path, "window"), &*rule.window));
    }
    CANDOR_TRY(Choice(json, path, "asset", kAssetNames, &rule.asset));
    CANDOR_ASSIGN_OR_RETURN(const Json* earn, Required(json, path, "earn"));
    CANDOR_TRY(ReadEarn(*earn, JoinPath(path, "earn"), &rule.earn));
    CANDOR_TRY(String(json, path, "group", &rule.group));
    CANDOR_TRY(Integer(json, path, "priority", &rule.priority));
    CANDOR_TRY(Bool(json, path, "stop", &rule.stop));
    CANDOR_TRY(ReadCaps(json, path, &rule.caps));
    return rule;
}

Status Reader::ReadRules(const Json& object, const std::string& path, std::vector<Rule>* rules) {
    CANDOR_ASSIGN_OR_RETURN(const Json* array,
                            Array(object, path, "rules", limits::kProgramRulesMax));
    if (array == nullptr) {
        return Ok();
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        CANDOR_ASSIGN_OR_RETURN(Rule rule,
                                ReadRule((*array)[i], IndexPath(JoinPath(path, "rules"), i)));
        rules->push_back(std::move(rule));
    }
    return Ok();
}

Result<Campaign> Reader::ReadCampaign(const Json& json, const std::string& path) {
    CANDOR_TRY(
        Members(json, path, {"id", "name", "schedule", "target", "budget", "caps", "rules"}));
    Campaign campaign;
    CANDOR_TRY(RequiredString(json, path, "id", &campaign.id));
    CANDOR_TRY(ReadText(json, path, "name", &campaign.name));
    CANDOR_ASSIGN_OR_RETURN(const Json* schedule, Required(json, path, "schedule"));
    CANDOR_TRY(ReadRange(*schedule, JoinPath(path, "schedule"), &campaign.schedule));
    CANDOR_TRY(String(json, path, "target", &campaign.target));
    CANDOR_TRY(String(json, path, "budget", &campaign.budget));
    CANDOR_TRY(ReadCaps(json, path, &campaign.caps));
    CANDOR_TRY(ReadRules(json, path, &campaign.rules));
    return campaign;
}

Status Reader::ReadTiers(const Json& object, const std::string& path, Tiers* tiers) {
    CANDOR_TRY(Members(object, path, {"metric", "period_months", "grace_months", "levels"}));
    CANDOR_TRY(Choice(object, path, "metric", kMetrics, &tiers->metric));
    CANDOR_TRY(Integer(object, path, "period_months", &tiers->period_months));
    CANDOR_TRY(Integer(object, path, "grace_months", &tiers->grace_months));
    CANDOR_ASSIGN_OR_RETURN(const Json* levels,
                            Array(object, path, "levels", limits::kProgramTiersMax));
    if (levels == nullptr) {
        return Ok();
    }
    for (std::size_t i = 0; i < levels->size(); ++i) {
        const std::string at = IndexPath(JoinPath(path, "levels"), i);
        const Json& level = (*levels)[i];
        CANDOR_TRY(Members(level, at, {"id", "name", "threshold", "multiplier"}));
        Tier tier;
        CANDOR_TRY(RequiredString(level, at, "id", &tier.id));
        CANDOR_TRY(ReadText(level, at, "name", &tier.name));
        CANDOR_TRY(Required(level, at, "threshold"));
        CANDOR_TRY(Integer(level, at, "threshold", &tier.threshold));
        CANDOR_TRY(Decimal(level, at, "multiplier", &tier.multiplier_micro));
        tiers->levels.push_back(std::move(tier));
    }
    return Ok();
}

Result<Definition> Reader::Program(const Json& json) {
    CANDOR_TRY(Members(json,
                       "",
                       {"schema_version",
                        "name",
                        "currency",
                        "time_zone",
                        "rounding",
                        "expiry",
                        "tiers",
                        "groups",
                        "rules",
                        "campaigns"}));
    Definition definition;
    CANDOR_TRY(Required(json, "", "schema_version"));
    CANDOR_TRY(Integer(json, "", "schema_version", &definition.schema_version));
    CANDOR_TRY(ReadText(json, "", "name", &definition.name));
    CANDOR_TRY(String(json, "", "currency", &definition.currency));
    CANDOR_TRY(String(json, "", "time_zone", &definition.time_zone));
    CANDOR_TRY(Choice(json, "", "rounding", kRoundings, &definition.rounding));
    if (const Json* expiry = Find(json, "expiry"); expiry != nullptr) {
        CANDOR_TRY(Members(*expiry, "expiry", {"months", "at_end_of"}));
        CANDOR_TRY(Integer(*expiry, "expiry", "months", &definition.expiry.months));
        CANDOR_TRY(
            Choice(*expiry, "expiry", "at_end_of", kPeriodEnds, &definition.expiry.at_end_of));
    }
    if (const Json* tiers = Find(json, "tiers"); tiers != nullptr) {
        CANDOR_TRY(ReadTiers(*tiers, "tiers", &definition.tiers));
    }
    CANDOR_ASSIGN_OR_RETURN(const Json* groups,
                            Array(json, "", "groups", limits::kProgramGroupsMax));
    for (std::size_t i = 0; groups != nullptr && i < groups->size(); ++i) {
        const std::string at = IndexPath("groups", i);
        CANDOR_TRY(Members((*groups)[i], at, {"id", "stacking"}));
        Group group;
        CANDOR_TRY(RequiredString((*groups)[i], at, "id", &group.id));
        CANDOR_TRY(Choice((*groups)[i], at, "stacking", kStackings, &group.stacking));
        definition.groups.push_back(std::move(group));
    }
    CANDOR_TRY(ReadRules(json, "", &definition.rules));
    CANDOR_ASSIGN_OR_RETURN(const Json* campaigns,
                            Array(json, "", "campaigns", limits::kProgramCampaignsMax));
    for (std::size_t i = 0; campaigns != nullptr && i < campaigns->size(); ++i) {
        CANDOR_ASSIGN_OR_RETURN(Campaign campaign,
                                ReadCampaign((*campaigns)[i], IndexPath("campaigns", i)));
        definition.campaigns.push_back(std::move(campaign));
    }
    return definition;
}

// ---- Writing --------------------------------------------------------------------------------

OrderedJson TextJson(const Text& text) {
    return OrderedJson{{"ru", text.ru}, {"en", text.en}};
}

// A decimal as the reader takes it: an integer when whole, else a string.
OrderedJson DecimalJson(std::int64_t micros) {
    if (micros % 1'000'000 == 0) {
        return micros / 1'000'000;
    }
    return FormatDecimal(micros);
}

std::string ClockText(int minutes) {
    return fmt::format("{:02d}:{:02d}", minutes / 60, minutes % 60);
}

OrderedJson RangeJson(const LocalRange& range) {
    return OrderedJson{{"from", FormatLocalBound(range.from)}, {"to", FormatLocalBound(range.to)}};
}

void PutCaps(const Caps& caps, OrderedJson* json) {
    if (!caps.is_set()) {
        return;
    }
    OrderedJson out = OrderedJson::object();
    const std::array<std::pair<std::string_view, std::int64_t>, 5> values = {{
        {"per_event", caps.per_event},
        {"day", caps.day},
        {"week", caps.week},
        {"month", caps.month},
        {"total", caps.total},
    }};
    for (const auto& [name, value] : values) {
        if (value != 0) {
            out[std::string(name)] = value;
        }
    }
    (*json)["caps"] = std::move(out);
}

OrderedJson EarnJson(const Earn& earn) {
    OrderedJson out = OrderedJson::object();
    switch (earn.kind) {
        case EarnKind::kRate:
            out["rate"] = OrderedJson{{"points", earn.points}, {"per", earn.per}};
            break;
        case EarnKind::kPercent:
            out["percent"] = DecimalJson(earn.percent_micro);
            break;
        case EarnKind::kFixed:
            out["fixed"] = earn.points;
            break;
        case EarnKind::kExpression:
            out["expression"] = earn.expression;
            break;
    }
    out["multiplier"] = DecimalJson(earn.multiplier_micro);
    out["tier_multiplier"] = earn.tier_multiplier;
    out["base"] = std::string(Name(earn.base));
    return out;
}

OrderedJson RuleJson(const Rule& rule) {
    OrderedJson out = OrderedJson::object();
    out["id"] = rule.id;
    out["name"] = TextJson(rule.name);
    OrderedJson events = OrderedJson::array();
    for (const EventType type : rule.events) {
        events.push_back(std::string(Name(type)));
    }
    out["events"] = std::move(events);
    if (!rule.condition.empty()) {
        out["condition"] = rule.condition;
    }
    if (!rule.items.empty()) {
        out["items"] = rule.items;
    }
    if (rule.window) {
        OrderedJson window = OrderedJson::object();
        if (rule.window->days != 0) {
            OrderedJson days = OrderedJson::array();
            for (std::size_t d = 0; d < kDayNames.size(); ++d) {
                if ((rule.window->days & (1U << d)) != 0) {
                    days.push_back(std::string(kDayNames[d]));
                }
            }
            window["days"] = std::move(days);
        }
        if (rule.window->hours_from >= 0) {
            window["hours"] = OrderedJson{{"from", ClockText(rule.window->hours_from)},
                                          {"to", ClockText(rule.window->hours_to)}};
        }
        if (rule.window->dates) {
            window["dates"] = RangeJson(*rule.window->dates);
        }
        out["window"] = std::move(window);
    }
    out["asset"] = std::string(candor::Name(rule.asset));
    out["earn"] = EarnJson(rule.earn);
    if (!rule.group.empty()) {
        out["group"] = rule.group;
    }
    out["priority"] = rule.priority;
    if (rule.stop) {
        out["stop"] = true;
    }
    PutCaps(rule.caps, &out);
    return out;
}

OrderedJson RulesJson(const std::vector<Rule>& rules) {
    OrderedJson out = OrderedJson::array();
    for (const Rule& rule : rules) {
        out.push_back(RuleJson(rule));
    }
    return out;
}

}  // namespace

std::string JoinPath(std::string_view path, std::string_view name) {
    return path.empty() ? std::string(name) : std::string(path) + "." + std::string(name);
}

std::string IndexPath(std::string_view path, std::size_t index) {
    return std::string(path) + "[" + std::to_string(index) + "]";
}

Error FailAt(ProgramError* where,
             const std::string& path,
             std::string message,
             ErrorCode code,
             int line,
             int column) {
    where->path = path;
    where->line = line;
    where->column = column;
    where->message = std::move(message);
    std::string text = path.empty() ? "" : path + ": ";
    if (line > 0) {
        text += std::to_string(line) + ":" + std::to_string(column) + ": ";
    }
    return MakeError(code, text + where->message);
}

Result<Definition> ReadDefinition(std::string_view json, ProgramError* where) {
    if (json.size() > limits::kProgramBytesMax) {
        return FailAt(
            where,
            "",
            "The program is larger than " + std::to_string(limits::kProgramBytesMax) + " bytes.");
    }
    const Json document = Json::parse(json, nullptr, false);
    if (document.is_discarded()) {
        return FailAt(where, "", "Not valid JSON (or not valid UTF-8).");
    }
    Reader reader(where);
    return reader.Program(document);
}

std::string ProgramJson(const Definition& definition) {
    OrderedJson out = OrderedJson::object();
    out["schema_version"] = definition.schema_version;
    out["name"] = TextJson(definition.name);
    out["currency"] = definition.currency;
    out["time_zone"] = definition.time_zone;
    out["rounding"] = std::string(Name(definition.rounding));
    out["expiry"] = OrderedJson{{"months", definition.expiry.months},
                                {"at_end_of", std::string(Name(definition.expiry.at_end_of))}};
    if (!definition.tiers.levels.empty()) {
        OrderedJson levels = OrderedJson::array();
        for (const Tier& tier : definition.tiers.levels) {
            levels.push_back(OrderedJson{{"id", tier.id},
                                         {"name", TextJson(tier.name)},
                                         {"threshold", tier.threshold},
                                         {"multiplier", DecimalJson(tier.multiplier_micro)}});
        }
        out["tiers"] = OrderedJson{{"metric", std::string(Name(definition.tiers.metric))},
                                   {"period_months", definition.tiers.period_months},
                                   {"grace_months", definition.tiers.grace_months},
                                   {"levels", std::move(levels)}};
    }
    OrderedJson groups = OrderedJson::array();
    for (const Group& group : definition.groups) {
        groups.push_back(
            OrderedJson{{"id", group.id}, {"stacking", std::string(Name(group.stacking))}});
    }
    out["groups"] = std::move(groups);
    out["rules"] = RulesJson(definition.rules);
    OrderedJson campaigns = OrderedJson::array();
    for (const Campaign& campaign : definition.campaigns) {
        OrderedJson item = OrderedJson::object();
        item["id"] = campaign.id;
        item["name"] = TextJson(campaign.name);
        item["schedule"] = RangeJson(campaign.schedule);
        if (!campaign.target.empty()) {
            item["target"] = campaign.target;
        }
        if (!campaign.budget.empty()) {
            item["budget"] = campaign.budget;
        }
        PutCaps(campaign.caps, &item);
        item["rules"] = RulesJson(campaign.rules);
        campaigns.push_back(std::move(item));
    }
    out["campaigns"] = std::move(campaigns);
    return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Result<Program> ParseProgram(std::string_view json, std::int64_t version, ProgramError* error) {
    ProgramError where;
    auto definition = ReadDefinition(json, &where);
    if (!definition) {
        if (error != nullptr) {
            *error = std::move(where);
        }
        return std::move(definition).error();
    }
    return CompileProgram(std::move(*definition), version, error);
}

}  // namespace candor::program
