// Private to the program module: the schema the rules see, the compiled form of a program,
// local time in the program's zone, and the small formatting helpers the explanations share.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "program/program.h"
#include "program/rules/rules.h"

namespace date {
class time_zone;
}  // namespace date

namespace candor::program {

// ---- The rules' schema (docs/program.md, "Rule fields") --------------------------------------
// Slots of each record, in the order the schema declares them.

enum EventSlot : std::size_t {
    kEventType,
    kEventAmount,
    kEventCurrency,
    kEventChannel,
    kEventStore,
    kEventTime,
    kEventItems,
    kEventOriginal,
    kEventGame,
    kEventWin,
    kEventRating,
    kEventSurvey,
    kEventName,
    kEventSlots,
};

enum ItemSlot : std::size_t {
    kItemSku,
    kItemCategory,
    kItemQty,
    kItemAmount,
    kItemSlots,
};

enum MemberSlot : std::size_t {
    kMemberTier,
    kMemberPurchasesCount,
    kMemberVisitsCount,
    kMemberStatusPoints,
    kMemberPointsBalance,
    kMemberSpendTotal,
    kMemberEnrolledAt,
    kMemberLastPurchaseAt,
    kMemberTimeZone,
    kMemberIsBirthday,
    kMemberSegments,
    kMemberSlots,
};

// Variables: event (0) and member (1); the item schema adds item (2).
inline constexpr std::size_t kVariableEvent = 0;
inline constexpr std::size_t kVariableMember = 1;
inline constexpr std::size_t kVariableItem = 2;

// Conditions, amounts and campaign targets see event and member; item filters also see item.
const rules::Schema& EventSchema();
const rules::Schema& ItemSchema();

// ---- Local time -----------------------------------------------------------------------------

struct LocalTime {
    std::int64_t minutes = 0;  // local minutes since 1970-01-01T00:00
    std::int64_t day = 0;      // local days since 1970-01-01
    int weekday = 1;           // ISO: 1 Monday ... 7 Sunday
    int minute_of_day = 0;
    int year = 1970;
    unsigned month = 1;
    unsigned month_day = 1;
};

// The zone named `name`, or nullptr when the system's time zone database has none.
const date::time_zone* FindZone(std::string_view name);
LocalTime ToLocal(const date::time_zone* zone, Timestamp t);
// The instant at local minutes `minutes` in `zone` (the earlier one when the local time occurs
// twice, the moment the gap ends when it does not occur).
Timestamp FromLocal(const date::time_zone* zone, std::int64_t minutes);

// Appends `value` in decimal, zero-padded to `width` digits.
void AppendInteger(std::string* out, std::int64_t value, int width = 0);
// "2026-11-21" for a local day number; "2026-11" for the month of a local time.
std::string FormatDay(std::int64_t day);
std::string FormatMonth(const LocalTime& local);
// "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" into *bound; false when malformed or impossible.
bool ParseLocalBound(std::string_view text, LocalBound* bound);
std::string FormatLocalBound(const LocalBound& bound);

// ---- Decimals -------------------------------------------------------------------------------

// "1.25" -> 1'250'000 (up to six decimals, no sign, no exponent); false otherwise.
bool ParseDecimal(std::string_view text, std::int64_t* micros);
// 1'250'000 -> "1.25", 2'000'000 -> "2" (`comma` for Russian: "1,25").
std::string FormatDecimal(std::int64_t micros, bool comma = false);

// ---- Definitions and their errors ------------------------------------------------------------

// "rules[2]" + "condition" -> "rules[2].condition"; "" + "name" -> "name".
std::string JoinPath(std::string_view path, std::string_view name);
// "rules" + 2 -> "rules[2]".
std::string IndexPath(std::string_view path, std::size_t index);

// Records where a definition is wrong in *where and returns the error whose message is
// "path: [line:column: ]message".
Error FailAt(ProgramError* where,
             const std::string& path,
             std::string message,
             ErrorCode code = ErrorCode::kInvalidArgument,
             int line = 0,
             int column = 0);

// The JSON of a program read into a Definition: types and unknown members checked, nothing else.
Result<Definition> ReadDefinition(std::string_view json, ProgramError* where);

// ---- The compiled program -------------------------------------------------------------------

struct CompiledRule {
    const Rule* rule = nullptr;
    std::size_t index = 0;
    int campaign = -1;  // index in Definition::campaigns, or -1
    int group = -1;     // index in Definition::groups, or -1 for a group of its own
    std::uint32_t event_mask = 0;
    std::optional<rules::Expression> condition;
    std::optional<rules::Expression> items;
    std::optional<rules::Expression> amount;
    std::string counter_prefix;  // "rule:<id>:"
};

struct CompiledCampaign {
    const Campaign* campaign = nullptr;
    std::optional<rules::Expression> target;
    std::int64_t from_minutes = 0;  // local, inclusive
    std::int64_t to_minutes = 0;    // local, exclusive
    std::string counter_prefix;     // "campaign:<id>:"
    bool is_capped = false;
};

struct Compiled {
    Definition definition;
    std::int64_t version = 0;
    const date::time_zone* zone = nullptr;
    std::vector<const Rule*> rule_list;
    std::vector<CompiledRule> rules;  // as rule_list
    std::vector<std::size_t> order;   // evaluation order: priority descending, then as listed
    std::vector<CompiledCampaign> campaigns;
    bool needs_local_time = false;  // a window, cap or campaign needs the event's local time
};

inline std::uint32_t EventBit(EventType type) {
    return std::uint32_t{1} << static_cast<unsigned>(type);
}

// The journal meta of a decision's credit (all its earnings), or of a refund's reversal
// (docs/program.md, "Journal meta"). At most limits::kEntryMetaBytesMax bytes.
std::string EntryMeta(const Program& program, const Event& event, const Decision& decision);

// ---- Formatting shared by the explanations ---------------------------------------------------

// 1500 -> "1,500" (en) or "1 500" with U+202F NARROW NO-BREAK SPACE (ru).
std::string GroupThousands(std::int64_t value, Language language);
// Minor units as money: "1,500.50 RUB" (en), "1 500,50 ₽" (ru); whole amounts without decimals.
std::string FormatMoney(std::int64_t minor, std::string_view currency, Language language);
// Decimal places of a currency's minor unit (2 for RUB; 0 for JPY, KRW, ...).
int CurrencyExponent(std::string_view currency);
bool IsKnownCurrency(std::string_view currency);

// Names of the closed vocabularies in JSON.
std::string_view Name(Rounding rounding);
std::string_view Name(Stacking stacking);
std::string_view Name(EarnBase base);
std::string_view Name(TierMetric metric);
std::string_view Name(PeriodEnd end);

}  // namespace candor::program
