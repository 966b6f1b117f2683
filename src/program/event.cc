// Events: their names, strict JSON decoding (docs/program.md, "Events") and the check against a
// program.
#include <array>
#include <string>
#include <utility>

#include "core/json.h"
#include "core/limits.h"
#include "program/internal.h"

namespace candor::program {
namespace {

constexpr std::array<std::string_view, 8> kEventTypeNames = {"purchase",
                                                             "refund",
                                                             "bet",
                                                             "game_round",
                                                             "review",
                                                             "survey_answered",
                                                             "referral_completed",
                                                             "custom"};

bool HasAmount(EventType type) {
    return type == EventType::kPurchase || type == EventType::kRefund || type == EventType::kBet ||
           type == EventType::kGameRound || type == EventType::kCustom;
}

bool NeedsAmount(EventType type) {
    return HasAmount(type) && type != EventType::kCustom;
}

// The members an event of `type` may have.
std::vector<std::string_view> AllowedFields(EventType type) {
    std::vector<std::string_view> allowed = {
        "id", "type", "member", "occurred_at", "channel", "store"};
    if (HasAmount(type)) {
        allowed.insert(allowed.end(), {"amount", "currency"});
    }
    switch (type) {
        case EventType::kPurchase:
            allowed.emplace_back("items");
            break;
        case EventType::kRefund:
            allowed.insert(allowed.end(), {"items", "original"});
            break;
        case EventType::kBet:
        case EventType::kGameRound:
            allowed.insert(allowed.end(), {"game", "win"});
            break;
        case EventType::kReview:
            allowed.emplace_back("rating");
            break;
        case EventType::kSurveyAnswered:
            allowed.emplace_back("survey");
            break;
        case EventType::kReferralCompleted:
            allowed.emplace_back("referred");
            break;
        case EventType::kCustom:
            allowed.emplace_back("name");
            break;
    }
    return allowed;
}

Error InvalidAmount(std::string message) {
    return MakeError(ErrorCode::kInvalidAmount, std::move(message));
}

// An optional short string: left empty when absent.
Status ReadOptionalString(const nlohmann::json& json,
                          std::string_view name,
                          std::size_t bytes_max,
                          std::string* out,
                          std::string* field) {
    if (Has(json, name)) {
        CANDOR_ASSIGN_OR_RETURN(*out, ReadString(json, name, 1, bytes_max, field));
    }
    return Ok();
}

// An amount in minor units: 0..kEventAmountMax (1.. when `positive`).
Result<std::int64_t> ReadAmount(const nlohmann::json& json,
                                std::string_view name,
                                bool positive,
                                std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(const std::int64_t value, ReadInteger(json, name, field));
    if (value < (positive ? 1 : 0)) {
        return InvalidAmount(positive ? "Must be positive." : "Must not be negative.");
    }
    if (value > limits::kEventAmountMax) {
        return InvalidAmount("Must be at most " + std::to_string(limits::kEventAmountMax) +
                             " minor units.");
    }
    return value;
}

bool IsName(std::string_view text) {
    for (const char c : text) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return !text.empty();
}

Result<Item> ReadItem(const nlohmann::json& json, std::string* field) {
    CANDOR_TRY(CheckObject(json, {"sku", "category", "qty", "amount"}, field));
    Item item;
    CANDOR_TRY(ReadOptionalString(json, "sku", limits::kEventFieldBytesMax, &item.sku, field));
    CANDOR_TRY(
        ReadOptionalString(json, "category", limits::kEventFieldBytesMax, &item.category, field));
    if (Has(json, "qty")) {
        CANDOR_ASSIGN_OR_RETURN(item.qty, ReadInteger(json, "qty", field));
        if (item.qty < 1 || item.qty > limits::kItemQtyMax) {
            return Invalid("Must be 1-" + std::to_string(limits::kItemQtyMax) + ".");
        }
    }
    CANDOR_ASSIGN_OR_RETURN(item.amount, ReadAmount(json, "amount", false, field));
    return item;
}

Status ReadItems(const nlohmann::json& json, Event* event, std::string* field) {
    *field = "items";
    const nlohmann::json& items = *json.find("items");
    if (!items.is_array() || items.empty() || items.size() > limits::kEventItemsMax) {
        return Invalid("Must be an array of 1-" + std::to_string(limits::kEventItemsMax) +
                       " items.");
    }
    std::int64_t total = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto item = ReadItem(items[i], field);
        const std::string prefix = "items[" + std::to_string(i) + "]";
        if (!item) {
            *field = field->empty() || *field == "body" ? prefix : prefix + "." + *field;
            if (!items[i].is_object()) {
                return Invalid("Must be an object: {\"sku\", \"category\", \"qty\", \"amount\"}.");
            }
            return std::move(item).error();
        }
        // Each amount is at most kEventAmountMax and there are at most kEventItemsMax, so the sum
        // cannot overflow.
        total += item->amount;
        event->items.push_back(std::move(*item));
    }
    if (total > event->amount) {
        *field = "items";
        return InvalidAmount("The items' amounts add up to " + std::to_string(total) +
                             ", more than the event's amount " + std::to_string(event->amount) +
                             ".");
    }
    return Ok();
}

// The members that only some types have.
Status ReadTypeFields(const nlohmann::json& json, Event* event, std::string* field) {
    const EventType type = event->type;
    if (type == EventType::kRefund) {
        CANDOR_ASSIGN_OR_RETURN(
            event->original,
            ReadString(json, "original", 1, limits::kIdempotencyKeyBytesMax, field));
    } else if (type == EventType::kBet || type == EventType::kGameRound) {
        CANDOR_TRY(
            ReadOptionalString(json, "game", limits::kEventFieldBytesMax, &event->game, field));
        if (Has(json, "win")) {
            CANDOR_ASSIGN_OR_RETURN(event->win, ReadAmount(json, "win", false, field));
        }
    } else if (type == EventType::kReview && Has(json, "rating")) {
        CANDOR_ASSIGN_OR_RETURN(event->rating, ReadInteger(json, "rating", field));
        if (event->rating < 1 || event->rating > 5) {
            return Invalid("Must be 1-5.");
        }
    } else if (type == EventType::kSurveyAnswered) {
        CANDOR_ASSIGN_OR_RETURN(event->survey,
                                ReadString(json, "survey", 1, limits::kEventFieldBytesMax, field));
    } else if (type == EventType::kReferralCompleted) {
        CANDOR_ASSIGN_OR_RETURN(event->referred,
                                ReadString(json, "referred", 1, limits::kPublicIdBytesMax, field));
    } else if (type == EventType::kCustom) {
        CANDOR_ASSIGN_OR_RETURN(event->name,
                                ReadString(json, "name", 1, limits::kEventFieldBytesMax, field));
        if (!IsName(event->name)) {
            return Invalid("Must be lower-case letters, digits and '_'.");
        }
    }
    return Ok();
}

}  // namespace

std::string_view Name(EventType type) {
    return kEventTypeNames[static_cast<std::size_t>(type)];
}

bool ParseEventType(std::string_view name, EventType* type) {
    for (std::size_t i = 0; i < kEventTypeNames.size(); ++i) {
        if (kEventTypeNames[i] == name) {
            *type = static_cast<EventType>(i);
            return true;
        }
    }
    return false;
}

Result<Event> ReadEvent(const nlohmann::json& json, std::string* field) {
    *field = "body";
    if (!json.is_object()) {
        return Invalid("The body must be a JSON object.");
    }
    Event event;
    CANDOR_ASSIGN_OR_RETURN(const std::string type, ReadString(json, "type", 1, 64, field));
    if (!ParseEventType(type, &event.type)) {
        return Invalid(
            "Unknown event type; one of purchase, refund, bet, game_round, review, "
            "survey_answered, referral_completed, custom.");
    }
    CANDOR_TRY(
        CheckObject(json, std::span<const std::string_view>(AllowedFields(event.type)), field));
    CANDOR_ASSIGN_OR_RETURN(event.id,
                            ReadString(json, "id", 1, limits::kIdempotencyKeyBytesMax, field));
    CANDOR_ASSIGN_OR_RETURN(event.member,
                            ReadString(json, "member", 1, limits::kMemberReferenceBytesMax, field));
    if (Has(json, "occurred_at")) {
        CANDOR_ASSIGN_OR_RETURN(const std::string text,
                                ReadString(json, "occurred_at", 1, 64, field));
        if (!ParseRfc3339(text, &event.occurred_at) || ToMicros(event.occurred_at) <= 0 ||
            ToMicros(event.occurred_at) >= limits::kEventTimeMaxMicros) {
            return Invalid(
                "Must be an RFC 3339 date-time with an offset before the year 2200, e.g. "
                "2026-11-21T18:03:11+03:00.");
        }
    }
    if (NeedsAmount(event.type) || Has(json, "amount")) {
        CANDOR_ASSIGN_OR_RETURN(event.amount, ReadAmount(json, "amount", true, field));
    }
    if (Has(json, "currency")) {
        CANDOR_ASSIGN_OR_RETURN(event.currency, ReadString(json, "currency", 3, 3, field));
        for (const char c : event.currency) {
            if (c < 'A' || c > 'Z') {
                return Invalid("Must be an ISO 4217 code such as RUB.");
            }
        }
    }
    CANDOR_TRY(
        ReadOptionalString(json, "channel", limits::kEventFieldBytesMax, &event.channel, field));
    CANDOR_TRY(ReadOptionalString(json, "store", limits::kEventFieldBytesMax, &event.store, field));
    if (Has(json, "items")) {
        CANDOR_TRY(ReadItems(json, &event, field));
    }
    CANDOR_TRY(ReadTypeFields(json, &event, field));
    field->clear();
    return event;
}

Result<Event> ParseEvent(std::string_view body, std::string* field) {
    CANDOR_ASSIGN_OR_RETURN(const nlohmann::json json, ParseJson(body, field));
    return ReadEvent(json, field);
}

nlohmann::json EventJson(const Event& event) {
    // nlohmann::json keeps an object's members sorted, so the text is canonical whatever the
    // order of the calls below.
    nlohmann::json json = {{"id", event.id}, {"type", Name(event.type)}, {"member", event.member}};
    const auto set = [&json](std::string_view name, const std::string& value) {
        if (!value.empty()) {
            json[std::string(name)] = value;
        }
    };
    if (ToMicros(event.occurred_at) != 0) {
        json["occurred_at"] = FormatRfc3339(event.occurred_at);
    }
    if (event.amount > 0) {
        json["amount"] = event.amount;
    }
    set("currency", event.currency);
    set("channel", event.channel);
    set("store", event.store);
    if (!event.items.empty()) {
        nlohmann::json items = nlohmann::json::array();
        for (const Item& item : event.items) {
            nlohmann::json line = {{"qty", item.qty}, {"amount", item.amount}};
            if (!item.sku.empty()) {
                line["sku"] = item.sku;
            }
            if (!item.category.empty()) {
                line["category"] = item.category;
            }
            items.push_back(std::move(line));
        }
        json["items"] = std::move(items);
    }
    set("original", event.original);
    set("game", event.game);
    if (event.type == EventType::kBet || event.type == EventType::kGameRound) {
        json["win"] = event.win;
    }
    if (event.rating > 0) {
        json["rating"] = event.rating;
    }
    set("survey", event.survey);
    set("referred", event.referred);
    set("name", event.name);
    return json;
}

Status CheckEvent(const Program& program, const Event& event, std::string* field) {
    const std::string& currency = program.definition().currency;
    if (!event.currency.empty() && event.currency != currency) {
        *field = "currency";
        return Invalid("Must be the program's currency, " + currency + ".");
    }
    field->clear();
    return Ok();
}

}  // namespace candor::program
