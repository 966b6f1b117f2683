// Explanations in plain Russian and English, the journal meta of an earning, and the JSON of a
// decision. Every sentence comes from one place (Line), whether it explains a fresh Decision
// or a journal entry's meta in a member's history.
#include <fmt/format.h>

#include <array>
#include <string>
#include <utility>

#include "core/amount.h"
#include "core/json.h"
#include "core/limits.h"
#include "program/internal.h"

namespace candor::program {
namespace {

using Json = nlohmann::json;

bool IsRu(Language language) {
    return language == Language::kRu;
}

// Russian noun forms for 1, 2-4 and 5+ (11-14 take the last).
std::string_view Plural(std::int64_t n,
                        std::string_view one,
                        std::string_view few,
                        std::string_view many) {
    const std::int64_t tens = n % 100;
    const std::int64_t units = n % 10;
    if (tens >= 11 && tens <= 14) {
        return many;
    }
    if (units == 1) {
        return one;
    }
    if (units >= 2 && units <= 4) {
        return few;
    }
    return many;
}

std::string Quoted(std::string_view text, Language language) {
    return IsRu(language) ? fmt::format("«{}»", text) : fmt::format("'{}'", text);
}

// "+30 points", "+30 баллов", "+75 RUB cashback", "+75 ₽ кешбэка".
std::string AmountText(Asset asset,
                       std::int64_t amount,
                       const std::string& currency,
                       Language language) {
    const std::string number = "+" + GroupThousands(amount, language);
    switch (asset) {
        case Asset::kPoints:
            return IsRu(language)
                       ? number + " " + std::string(Plural(amount, "балл", "балла", "баллов"))
                       : number + (amount == 1 ? " point" : " points");
        case Asset::kStatus:
            return IsRu(language)
                       ? number + " " +
                             std::string(Plural(
                                 amount, "статусный балл", "статусных балла", "статусных баллов"))
                       : number + (amount == 1 ? " status point" : " status points");
        case Asset::kCashback:
            return "+" + FormatMoney(amount, currency, language) +
                   (IsRu(language) ? " кешбэка" : " cashback");
    }
    return number;
}

// "purchase of 1,500 RUB", "покупка на 1 500 ₽", ...
std::string EventText(EventType type,
                      std::int64_t amount,
                      std::string_view name,
                      const std::string& currency,
                      Language language) {
    const std::string money = FormatMoney(amount, currency, language);
    const bool ru = IsRu(language);
    switch (type) {
        case EventType::kPurchase:
            return ru ? "покупка на " + money : "purchase of " + money;
        case EventType::kRefund:
            return ru ? "возврат " + money : "refund of " + money;
        case EventType::kBet:
            return ru ? "ставка " + money : "bet of " + money;
        case EventType::kGameRound:
            return ru ? "игровой раунд с оборотом " + money
                      : "game round with a turnover of " + money;
        case EventType::kReview:
            return ru ? "отзыв" : "review";
        case EventType::kSurveyAnswered:
            return ru ? "ответ на опрос" : "survey answered";
        case EventType::kReferralCompleted:
            return ru ? "приглашённый друг" : "referral completed";
        case EventType::kCustom: {
            std::string text =
                ru ? "событие " + Quoted(name, language) : "event " + Quoted(name, language);
            if (amount > 0) {
                text += (ru ? " на " : " of ") + money;
            }
            return text;
        }
    }
    return std::string();
}

constexpr std::array<std::string_view, 7> kWeekdaysEn = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
// Accusative, after "в" / "во".
constexpr std::array<std::string_view, 7> kWeekdaysRu = {"в понедельник",
                                                         "во вторник",
                                                         "в среду",
                                                         "в четверг",
                                                         "в пятницу",
                                                         "в субботу",
                                                         "в воскресенье"};
constexpr std::array<std::string_view, 12> kMonthsEn = {"January",
                                                        "February",
                                                        "March",
                                                        "April",
                                                        "May",
                                                        "June",
                                                        "July",
                                                        "August",
                                                        "September",
                                                        "October",
                                                        "November",
                                                        "December"};
// Genitive: "27 ноября".
constexpr std::array<std::string_view, 12> kMonthsRu = {"января",
                                                        "февраля",
                                                        "марта",
                                                        "апреля",
                                                        "мая",
                                                        "июня",
                                                        "июля",
                                                        "августа",
                                                        "сентября",
                                                        "октября",
                                                        "ноября",
                                                        "декабря"};

// " on Saturday at 13:05 on 27 November 2026": only the parts the rule's window (or its
// campaign) depends on, so the sentence names what made it apply.
std::string WhenText(const Rule& rule,
                     bool in_campaign,
                     const LocalTime& local,
                     Language language) {
    std::string text;
    const bool ru = IsRu(language);
    const auto weekday = static_cast<std::size_t>(local.weekday - 1);
    const bool days = rule.window && rule.window->days != 0;
    const bool hours = rule.window && rule.window->hours_from >= 0;
    const bool dates = (rule.window && rule.window->dates) || in_campaign;
    if (days) {
        text += ru ? " " + std::string(kWeekdaysRu[weekday])
                   : " on " + std::string(kWeekdaysEn[weekday]);
    }
    if (hours) {
        text += fmt::format(" {}{:02d}:{:02d}",
                            ru ? "в " : "at ",
                            local.minute_of_day / 60,
                            local.minute_of_day % 60);
    }
    if (dates) {
        const std::size_t month = local.month - 1;
        text += ru ? fmt::format(" {} {} {}", local.month_day, kMonthsRu[month], local.year)
                   : fmt::format(" on {} {} {}", local.month_day, kMonthsEn[month], local.year);
    }
    return text;
}

// Which limit an earning's limited_by (or a capped rule's detail) names: "per_event", "day",
// "week", "month", "total" or "budget". Keys are "<rule|campaign>:<id>:<period>[:<date>]" and
// "budget:<code>"; ids have no ':', so the period is the third part ("event" for a campaign's
// per-event cap).
std::string_view LimitKind(std::string_view limited_by) {
    if (limited_by.rfind("budget:", 0) == 0) {
        return "budget";
    }
    const std::size_t first = limited_by.find(':');
    const std::size_t second =
        first == std::string_view::npos ? first : limited_by.find(':', first + 1);
    if (second == std::string_view::npos) {
        return "per_event";
    }
    const std::string_view period = limited_by.substr(second + 1);
    for (const std::string_view kind : {"day", "week", "month", "total"}) {
        if (period.substr(0, period.find(':')) == kind) {
            return kind;
        }
    }
    return "per_event";
}

// "the daily cap" / "дневным лимитом" for a LimitKind.
std::string LimitText(std::string_view kind, Language language) {
    const bool ru = IsRu(language);
    if (kind == "budget") {
        return ru ? "бюджетом акции" : "the campaign budget";
    }
    if (kind == "day") {
        return ru ? "дневным лимитом" : "the daily cap";
    }
    if (kind == "week") {
        return ru ? "недельным лимитом" : "the weekly cap";
    }
    if (kind == "month") {
        return ru ? "месячным лимитом" : "the monthly cap";
    }
    if (kind == "total") {
        return ru ? "общим лимитом акции" : "the campaign's total cap";
    }
    return ru ? "лимитом на одно событие" : "the per-event cap";
}

// The parts of one explanation line, from an Earning or from a journal meta.
struct Line {
    Asset asset = Asset::kPoints;
    std::int64_t amount = 0;
    EventType type = EventType::kPurchase;
    std::int64_t event_amount = 0;
    std::string_view event_name;
    const Rule* rule = nullptr;
    std::string_view rule_id;
    const Campaign* campaign = nullptr;
    const Tier* tier = nullptr;  // when the rule applied the tier's multiplier
    const LocalTime* local = nullptr;
    std::size_t items_matched = 0;
    std::int64_t items_base = 0;
    bool is_net = false;
    std::int64_t base = 0;
    std::int64_t planned = 0;
    std::string_view limit_kind;  // LimitKind
};

std::string RenderLine(const Program& program, const Line& line, Language language) {
    const bool ru = IsRu(language);
    const std::string& currency = program.definition().currency;
    std::string text = AmountText(line.asset, line.amount, currency, language) + ": " +
                       EventText(line.type, line.event_amount, line.event_name, currency, language);
    if (line.rule != nullptr && line.local != nullptr) {
        text += WhenText(*line.rule, line.campaign != nullptr, *line.local, language);
    }
    if (line.items_matched > 0) {
        const std::int64_t n = static_cast<std::int64_t>(line.items_matched);
        text += ru ? fmt::format(
                         ", за {} {} ({})",
                         n,
                         Plural(n, "подходящий товар", "подходящих товара", "подходящих товаров"),
                         FormatMoney(line.items_base, currency, language))
                   : fmt::format(", on {} matching item{} ({})",
                                 n,
                                 n == 1 ? "" : "s",
                                 FormatMoney(line.items_base, currency, language));
    }
    if (line.is_net) {
        text += (ru ? ", чистый проигрыш " : ", net loss ") +
                FormatMoney(line.base, currency, language);
    }
    if (line.rule != nullptr) {
        text += (ru ? ", правило " : ", rule ") + Quoted(line.rule->name.In(language), language);
        if (line.rule->earn.multiplier_micro != 1'000'000) {
            text += " ×" + FormatDecimal(line.rule->earn.multiplier_micro, ru);
        }
    } else {
        text += (ru ? ", правило " : ", rule ") + Quoted(line.rule_id, language);
    }
    if (line.campaign != nullptr) {
        text +=
            (ru ? ", акция " : ", campaign ") + Quoted(line.campaign->name.In(language), language);
    }
    if (line.tier != nullptr) {
        text += (ru ? ", уровень " : ", tier ") + Quoted(line.tier->name.In(language), language) +
                " ×" + FormatDecimal(line.tier->multiplier_micro, ru);
    }
    if (!line.limit_kind.empty() && line.planned > line.amount) {
        text += ru ? fmt::format(", ограничено {} (было бы {})",
                                 LimitText(line.limit_kind, language),
                                 GroupThousands(line.planned, language))
                   : fmt::format(", limited by {} (would be {})",
                                 LimitText(line.limit_kind, language),
                                 GroupThousands(line.planned, language));
    }
    return text;
}

// The rule with `id` and its index, or nullptr.
const Rule* FindRule(const Program& program, std::string_view id, std::size_t* index) {
    const auto& rules = program.rules();
    for (std::size_t i = 0; i < rules.size(); ++i) {
        if (rules[i]->id == id) {
            *index = i;
            return rules[i];
        }
    }
    return nullptr;
}

// "30%" or "33.3%" (one decimal, half up).
std::string PercentText(std::int64_t part, std::int64_t whole, Language language) {
    const auto tenths = static_cast<std::int64_t>((static_cast<Int128>(part) * 2000 + whole) /
                                                  (static_cast<Int128>(whole) * 2));
    std::string text = std::to_string(tenths / 10);
    if (tenths % 10 != 0) {
        text += (IsRu(language) ? "," : ".") + std::to_string(tenths % 10);
    }
    return text + "%";
}

std::string RefundText(const Program& program,
                       std::string_view original,
                       std::int64_t part,
                       std::int64_t whole,
                       Language language) {
    const std::string& currency = program.definition().currency;
    const bool ru = IsRu(language);
    std::string text = (ru ? "Возврат " : "Refund of ") + FormatMoney(part, currency, language);
    if (whole > 0) {
        text += fmt::format("{}{} ({})",
                            ru ? " из " : " of ",
                            FormatMoney(whole, currency, language),
                            PercentText(part, whole, language));
    }
    text += ru ? " по покупке " + Quoted(original, language) +
                     ": начисленное за неё списывается пропорционально"
               : " for purchase " + Quoted(original, language) +
                     ": what it earned is reversed in proportion";
    return text;
}

}  // namespace

std::string EntryMeta(const Program& program, const Event& event, const Decision& decision) {
    // Written by hand rather than through a JSON library: it is on every earning's path. Rule
    // and tier ids are [a-z0-9_-] (compile.cc) and custom event names [a-z0-9_] (event.cc), so
    // only a refund's original id needs escaping.
    std::string meta;
    meta.reserve(160);
    meta += R"({"v":)";
    AppendInteger(&meta, program.version());
    meta += R"(,"e":")";
    meta += Name(event.type);
    meta += '"';
    if (event.amount > 0) {
        meta += R"(,"a":)";
        AppendInteger(&meta, event.amount);
    }
    if (!decision.tier.empty()) {
        meta += R"(,"t":")";
        meta += decision.tier;
        meta += '"';
    }
    if (event.type == EventType::kCustom && !event.name.empty()) {
        meta += R"(,"m":")";
        meta += event.name;
        meta += '"';
    }
    if (event.type == EventType::kRefund) {
        meta += R"(,"o":)";
        meta += Json(event.original).dump(-1, ' ', false, Json::error_handler_t::replace);
        meta += R"(,"w":)";
        AppendInteger(&meta, event.original_amount);
        meta += '}';
        CANDOR_ASSERT(meta.size() <= limits::kEntryMetaBytesMax);
        return meta;
    }
    meta += R"(,"r":[)";
    // Many rules firing at once could outgrow the journal's bound: the last ones are left out
    // and counted ("n"), so the meta always fits and still says how many there were. The
    // margin covers the closing `],"n":NNN}`.
    constexpr std::size_t kClosingBytesMax = 32;
    std::int64_t listed = 0;
    std::int64_t omitted = 0;
    for (const Earning& earning : decision.earnings) {
        if (omitted > 0) {
            ++omitted;
            continue;
        }
        const std::size_t before = meta.size();
        meta += listed == 0 ? R"([")" : R"(,[")";
        meta += earning.rule_id;
        meta += R"(",")";
        meta += candor::Name(earning.asset);
        meta += R"(",)";
        AppendInteger(&meta, earning.amount);
        // What the explanation needs besides the amount (docs/program.md, "Journal meta").
        const Rule& rule = *program.rules()[earning.rule];
        const bool is_limited = !earning.limited_by.empty() && earning.planned > earning.amount;
        const bool has_items = !rule.items.empty() && earning.items_matched > 0;
        const bool has_base = has_items || rule.earn.base == EarnBase::kNet;
        if (is_limited || has_base) {
            meta += ",{";
            if (is_limited) {
                meta += R"("p":)";
                AppendInteger(&meta, earning.planned);
                meta += R"(,"l":")";
                meta += LimitKind(earning.limited_by);
                meta += '"';
            }
            if (has_items) {
                meta += is_limited ? R"(,"i":)" : R"("i":)";
                AppendInteger(&meta, static_cast<std::int64_t>(earning.items_matched));
            }
            if (has_base) {
                meta += is_limited || has_items ? R"(,"b":)" : R"("b":)";
                AppendInteger(&meta, earning.base);
            }
            meta += '}';
        }
        meta += ']';
        if (meta.size() + kClosingBytesMax > limits::kEntryMetaBytesMax) {
            meta.resize(before);
            ++omitted;
            continue;
        }
        ++listed;
    }
    meta += ']';
    if (omitted > 0) {
        meta += R"(,"n":)";
        AppendInteger(&meta, omitted);
    }
    meta += '}';
    CANDOR_ASSERT(meta.size() <= limits::kEntryMetaBytesMax);
    return meta;
}

namespace {

// The optional fourth member of a meta rule: {"p", "l", "i", "b"}; false when malformed.
bool ReadMetaRuleDetail(const Json& detail, MetaRule* rule) {
    if (!detail.is_object()) {
        return false;
    }
    for (const auto& [name, value] : detail.items()) {
        if (name == "l") {
            if (!value.is_string()) {
                return false;
            }
            rule->limited_by = value.get<std::string>();
            continue;
        }
        if (!value.is_number_integer()) {
            return false;
        }
        const auto number = value.get<std::int64_t>();
        if (name == "p") {
            rule->planned = number;
        } else if (name == "i" && number >= 0) {
            rule->items_matched = static_cast<std::size_t>(number);
        } else if (name == "b") {
            rule->base = number;
        } else {
            return false;
        }
    }
    return true;
}

}  // namespace

Result<Meta> ParseMeta(std::string_view text) {
    const Json json = Json::parse(text, nullptr, false);
    const Error bad = Invalid("Not a program meta.");
    if (!json.is_object() || !json.contains("v") || !json["v"].is_number_integer() ||
        !json.contains("e") || !json["e"].is_string()) {
        return bad;
    }
    Meta meta;
    meta.program_version = json["v"].get<std::int64_t>();
    if (!ParseEventType(json["e"].get<std::string>(), &meta.event_type)) {
        return bad;
    }
    if (json.contains("a")) {
        if (!json["a"].is_number_integer()) {
            return bad;
        }
        meta.amount = json["a"].get<std::int64_t>();
    }
    if (json.contains("t")) {
        if (!json["t"].is_string()) {
            return bad;
        }
        meta.tier = json["t"].get<std::string>();
    }
    if (json.contains("m")) {
        if (!json["m"].is_string()) {
            return bad;
        }
        meta.name = json["m"].get<std::string>();
    }
    if (json.contains("o")) {
        if (!json["o"].is_string()) {
            return bad;
        }
        meta.original = json["o"].get<std::string>();
    }
    if (json.contains("w")) {
        if (!json["w"].is_number_integer()) {
            return bad;
        }
        meta.whole = json["w"].get<std::int64_t>();
    }
    if (json.contains("n")) {
        if (!json["n"].is_number_integer()) {
            return bad;
        }
        meta.rules_omitted = json["n"].get<std::int64_t>();
    }
    if (json.contains("r")) {
        if (!json["r"].is_array()) {
            return bad;
        }
        for (const Json& rule : json["r"]) {
            if (!rule.is_array() || rule.size() < 3 || rule.size() > 4 || !rule[0].is_string() ||
                !rule[1].is_string() || !rule[2].is_number_integer()) {
                return bad;
            }
            MetaRule item;
            item.id = rule[0].get<std::string>();
            if (!ParseAsset(rule[1].get<std::string>(), &item.asset)) {
                return bad;
            }
            item.amount = rule[2].get<std::int64_t>();
            if (rule.size() == 4 && !ReadMetaRuleDetail(rule[3], &item)) {
                return bad;
            }
            meta.rules.push_back(std::move(item));
        }
    }
    return meta;
}

std::string ExplainEarning(const Program& program,
                           const Event& event,
                           const Earning& earning,
                           Language language) {
    CANDOR_ASSERT(earning.rule < program.rules().size());
    const Rule* rule = program.rules()[earning.rule];
    const LocalTime local = ToLocal(program.compiled().zone, event.occurred_at);
    Line line;
    line.asset = earning.asset;
    line.amount = earning.amount;
    line.type = event.type;
    line.event_amount = event.amount;
    line.event_name = event.name;
    line.rule = rule;
    line.campaign = program.CampaignOf(earning.rule);
    line.tier = earning.tier.empty() ? nullptr : program.FindTier(earning.tier);
    line.local = &local;
    line.items_matched = rule->items.empty() ? 0 : earning.items_matched;
    line.items_base = earning.base;
    line.is_net = rule->earn.base == EarnBase::kNet;
    line.base = earning.base;
    line.planned = earning.planned;
    line.limit_kind = earning.limited_by.empty() ? "" : LimitKind(earning.limited_by);
    return RenderLine(program, line, language);
}

std::string ExplainSkipped(const Program& program, const Skipped& skipped, Language language) {
    CANDOR_ASSERT(skipped.rule < program.rules().size());
    const Rule& rule = *program.rules()[skipped.rule];
    const bool ru = IsRu(language);
    std::string text = (ru ? "Правило " : "Rule ") + Quoted(rule.name.In(language), language) +
                       (ru ? " не сработало: " : " did not apply: ");
    const auto campaign_name = [&]() {
        const Campaign* campaign = program.CampaignOf(skipped.rule);
        return campaign == nullptr ? std::string() : Quoted(campaign->name.In(language), language);
    };
    const auto rule_name = [&](std::string_view id) {
        std::size_t index = 0;
        const Rule* other = FindRule(program, id, &index);
        return Quoted(other == nullptr ? id : std::string_view(other->name.In(language)), language);
    };
    switch (skipped.reason) {
        case Reason::kWrongEventType:
            return text + (ru ? "оно для других событий" : "it is for other events");
        case Reason::kOutsideSchedule:
            return text + (ru ? "акция " + campaign_name() + " в это время не идёт"
                              : "campaign " + campaign_name() + " is not running then");
        case Reason::kNotTargeted:
            return text + (ru ? "акция " + campaign_name() + " не для этого участника"
                              : "campaign " + campaign_name() + " is not for this member");
        case Reason::kOutsideWindow:
            return text + (ru ? "не его день, час или даты" : "outside its days, hours or dates");
        case Reason::kConditionFalse:
            return text + (ru ? "условие не выполнено: " : "its condition is false: ") +
                   rule.condition;
        case Reason::kNoMatchingItems:
            return text + (ru ? "ни один товар не подошёл" : "no item matched its filter");
        case Reason::kZeroAmount:
            return text + (ru ? "начислять нечего" : "it would earn nothing");
        case Reason::kCapped:
            return text + (ru ? "исчерпан лимит (" : "the limit is reached (") +
                   LimitText(LimitKind(skipped.detail), language) + ")";
        case Reason::kBudgetExhausted:
            return text + (ru ? "бюджет акции исчерпан" : "the campaign budget is exhausted");
        case Reason::kSuperseded:
            return text + (ru ? "вместо него сработало правило " + rule_name(skipped.detail)
                              : "rule " + rule_name(skipped.detail) + " applied instead");
        case Reason::kStopped:
            return text + (ru ? "правило " + rule_name(skipped.detail) + " остановило следующие"
                              : "rule " + rule_name(skipped.detail) + " stops the rules after it");
        case Reason::kError:
            return text + (ru ? "его не удалось вычислить: " : "it could not be computed: ") +
                   skipped.detail;
    }
    return text;
}

std::string Explain(const Program& program,
                    const Event& event,
                    const Decision& decision,
                    Language language) {
    std::string text;
    for (const Earning& earning : decision.earnings) {
        text += (text.empty() ? "" : "\n") + ExplainEarning(program, event, earning, language);
    }
    if (decision.reversal) {
        text += (text.empty() ? "" : "\n") + RefundText(program,
                                                        decision.reversal->original,
                                                        decision.reversal->part,
                                                        decision.reversal->whole,
                                                        language);
    }
    if (text.empty()) {
        text = IsRu(language) ? "Ничего не начислено: ни одно правило не сработало."
                              : "Nothing earned: no rule applied.";
    }
    return text;
}

std::string ExplainMeta(const Program& program,
                        const Meta& meta,
                        Timestamp effective_at,
                        Language language) {
    if (meta.event_type == EventType::kRefund) {
        return RefundText(program, meta.original, meta.amount, meta.whole, language);
    }
    const LocalTime local = ToLocal(program.compiled().zone, effective_at);
    const Tier* tier = meta.tier.empty() ? nullptr : program.FindTier(meta.tier);
    std::string text;
    for (const MetaRule& item : meta.rules) {
        std::size_t index = 0;
        Line line;
        line.asset = item.asset;
        line.amount = item.amount;
        line.type = meta.event_type;
        line.event_amount = meta.amount;
        line.event_name = meta.name;
        line.rule = FindRule(program, item.id, &index);
        line.rule_id = item.id;
        line.planned = item.planned;
        line.limit_kind = item.limited_by;
        if (line.rule != nullptr) {
            line.campaign = program.CampaignOf(index);
            line.tier = line.rule->earn.tier_multiplier ? tier : nullptr;
            line.local = &local;
            line.items_matched = line.rule->items.empty() ? 0 : item.items_matched;
            line.items_base = item.base;
            line.is_net = line.rule->earn.base == EarnBase::kNet;
            line.base = item.base;
        }
        text += (text.empty() ? "" : "\n") + RenderLine(program, line, language);
    }
    if (meta.rules_omitted > 0) {
        text += IsRu(language) ? fmt::format("\nи ещё правил: {}", meta.rules_omitted)
                               : fmt::format("\nand {} more rules", meta.rules_omitted);
    }
    return text;
}

namespace {

Json TraceJson(const std::vector<TraceStep>& trace) {
    Json out = Json::array();
    for (const TraceStep& step : trace) {
        out.push_back({{"source", step.source}, {"value", step.value}});
    }
    return out;
}

Json Texts(const std::string& ru, const std::string& en) {
    return {{"ru", ru}, {"en", en}};
}

}  // namespace

nlohmann::json DecisionJson(const Program& program, const Event& event, const Decision& decision) {
    Json earnings = Json::array();
    for (const Earning& earning : decision.earnings) {
        earnings.push_back({{"rule", earning.rule_id},
                            {"campaign", earning.campaign},
                            {"asset", std::string(candor::Name(earning.asset))},
                            {"amount", earning.amount},
                            {"planned", earning.planned},
                            {"limited_by", earning.limited_by},
                            {"budget", earning.budget},
                            {"trace", TraceJson(earning.trace)},
                            {"explanation",
                             Texts(ExplainEarning(program, event, earning, Language::kRu),
                                   ExplainEarning(program, event, earning, Language::kEn))}});
    }
    Json skipped = Json::array();
    for (const Skipped& item : decision.skipped) {
        skipped.push_back({{"rule", program.rules()[item.rule]->id},
                           {"reason", std::string(Name(item.reason))},
                           {"detail", item.detail},
                           {"trace", TraceJson(item.trace)},
                           {"explanation",
                            Texts(ExplainSkipped(program, item, Language::kRu),
                                  ExplainSkipped(program, item, Language::kEn))}});
    }
    Json credit = nullptr;
    if (decision.credit) {
        Json draws = Json::array();
        for (const BudgetDraw& draw : decision.credit->budget_draws) {
            draws.push_back({{"budget", draw.budget}, {"points", draw.points}});
        }
        credit = {{"points", decision.credit->points},
                  {"status", decision.credit->status},
                  {"cashback", decision.credit->cashback},
                  {"budget_draws", std::move(draws)},
                  {"meta", decision.credit->meta}};
    }
    Json increments = Json::array();
    for (const CounterIncrement& increment : decision.increments) {
        increments.push_back(
            {{"key", increment.key}, {"delta", increment.delta}, {"cap", increment.cap}});
    }
    Json reversal = nullptr;
    if (decision.reversal) {
        reversal = {{"original", decision.reversal->original},
                    {"part", decision.reversal->part},
                    {"whole", decision.reversal->whole},
                    {"meta", decision.reversal->meta}};
    }
    return {{"program_version", decision.program_version},
            {"event_type", std::string(Name(decision.event_type))},
            {"tier", decision.tier},
            {"earnings", std::move(earnings)},
            {"skipped", std::move(skipped)},
            {"credit", std::move(credit)},
            {"increments", std::move(increments)},
            {"reversal", std::move(reversal)},
            {"explanation",
             Texts(Explain(program, event, decision, Language::kRu),
                   Explain(program, event, decision, Language::kEn))}};
}

}  // namespace candor::program
