// Local time in the program's zone (Howard Hinnant's date/tz over the system's time zone
// database), decimals in micro-units, counter keys, and the number and money formats of the
// explanations.
#include <date/tz.h>
#include <fmt/format.h>

#include <array>
#include <charconv>
#include <chrono>
#include <exception>
#include <string>

#include "program/internal.h"

namespace candor::program {
namespace {

constexpr std::int64_t kMinutesPerDay = 24 * 60;

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

std::chrono::year_month_day Civil(std::int64_t day) {
    return std::chrono::year_month_day(
        std::chrono::sys_days(std::chrono::days(static_cast<std::int32_t>(day))));
}

}  // namespace

const date::time_zone* FindZone(std::string_view name) {
    if (name.empty()) {
        return nullptr;
    }
    // date::locate_zone throws for an unknown name (and when the database cannot be read):
    // converted here, the one place that calls it.
    try {
        return date::locate_zone(name);
    } catch (const std::exception&) {
        return nullptr;
    }
}

LocalTime ToLocal(const date::time_zone* zone, Timestamp t) {
    const auto local = zone->to_local(std::chrono::time_point_cast<std::chrono::seconds>(t));
    LocalTime result;
    result.minutes = FloorDiv(local.time_since_epoch().count(), 60);
    result.day = FloorDiv(result.minutes, kMinutesPerDay);
    result.minute_of_day = static_cast<int>(result.minutes - result.day * kMinutesPerDay);
    const std::chrono::weekday weekday{
        std::chrono::sys_days(std::chrono::days(static_cast<std::int32_t>(result.day)))};
    result.weekday = static_cast<int>(weekday.iso_encoding());
    const std::chrono::year_month_day date = Civil(result.day);
    result.year = static_cast<int>(date.year());
    result.month = static_cast<unsigned>(date.month());
    result.month_day = static_cast<unsigned>(date.day());
    return result;
}

Timestamp FromLocal(const date::time_zone* zone, std::int64_t minutes) {
    const date::local_seconds local{std::chrono::seconds(minutes * 60)};
    const auto sys = zone->to_sys(local, date::choose::earliest);
    return std::chrono::time_point_cast<Duration>(sys);
}

void AppendInteger(std::string* out, std::int64_t value, int width) {
    std::array<char, 24> digits{};
    const auto [end, error] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    CANDOR_ASSERT(error == std::errc());
    const auto length = static_cast<int>(end - digits.data());
    for (int i = length; i < width; ++i) {
        out->push_back('0');
    }
    out->append(digits.data(), end);
}

std::string FormatDay(std::int64_t day) {
    const std::chrono::year_month_day date = Civil(day);
    std::string text;
    text.reserve(10);
    AppendInteger(&text, static_cast<int>(date.year()), 4);
    text += '-';
    AppendInteger(&text, static_cast<unsigned>(date.month()), 2);
    text += '-';
    AppendInteger(&text, static_cast<unsigned>(date.day()), 2);
    return text;
}

std::string FormatMonth(const LocalTime& local) {
    std::string text;
    text.reserve(7);
    AppendInteger(&text, local.year, 4);
    text += '-';
    AppendInteger(&text, local.month, 2);
    return text;
}

bool ParseLocalBound(std::string_view text, LocalBound* bound) {
    if (text.size() != 10 && text.size() != 16) {
        return false;
    }
    // Borrow the RFC 3339 parser: a date gets midnight and an offset of zero.
    const std::string full =
        text.size() == 10 ? std::string(text) + "T00:00:00Z" : std::string(text) + ":00Z";
    if (text.size() == 16 && text[10] != 'T') {
        return false;
    }
    Timestamp t;
    if (!ParseRfc3339(full, &t)) {
        return false;
    }
    bound->minutes = FloorDiv(ToMicros(t), std::int64_t{60'000'000});
    bound->has_time = text.size() == 16;
    return true;
}

std::string FormatLocalBound(const LocalBound& bound) {
    const std::int64_t day = FloorDiv(bound.minutes, kMinutesPerDay);
    if (!bound.has_time) {
        return FormatDay(day);
    }
    const std::int64_t minute = bound.minutes - day * kMinutesPerDay;
    return fmt::format("{}T{:02d}:{:02d}", FormatDay(day), minute / 60, minute % 60);
}

bool ParseDecimal(std::string_view text, std::int64_t* micros) {
    std::int64_t whole = 0;
    std::size_t at = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
        if (at >= 12) {
            return false;  // beyond 10^12 the micro-units would not fit comfortably
        }
        whole = whole * 10 + (text[at] - '0');
        ++at;
    }
    if (at == 0) {
        return false;
    }
    std::int64_t fraction = 0;
    std::int64_t scale = 1'000'000;
    if (at < text.size()) {
        if (text[at] != '.' || at + 1 == text.size()) {
            return false;
        }
        for (++at; at < text.size(); ++at) {
            if (text[at] < '0' || text[at] > '9' || scale == 1) {
                return false;
            }
            scale /= 10;
            fraction += (text[at] - '0') * scale;
        }
    }
    *micros = whole * 1'000'000 + fraction;
    return true;
}

std::string FormatDecimal(std::int64_t micros, bool comma) {
    std::string text = std::to_string(micros / 1'000'000);
    std::int64_t fraction = micros % 1'000'000;
    if (fraction < 0) {
        fraction = -fraction;
    }
    if (fraction != 0) {
        std::string digits = fmt::format("{:06d}", fraction);
        while (digits.back() == '0') {
            digits.pop_back();
        }
        text += (comma ? "," : ".") + digits;
    }
    return text;
}

std::string GroupThousands(std::int64_t value, Language language) {
    // U+202F NARROW NO-BREAK SPACE groups Russian thousands ("1 500"); English uses a comma.
    const std::string_view separator = language == Language::kRu ? "\u202f" : ",";
    std::string digits = std::to_string(value);
    std::string out;
    if (digits.front() == '-') {
        out = "-";
        digits.erase(0, 1);
    }
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out += separator;
        }
        out += digits[i];
    }
    return out;
}

namespace {

struct CurrencyInfo {
    std::string_view code;
    int exponent;
    std::string_view ru_sign;  // how Russian text writes it, "" for the code
};

constexpr std::array<CurrencyInfo, 14> kCurrencies = {{
    {"RUB", 2, "₽"},
    {"BYN", 2, ""},
    {"KZT", 2, "₸"},
    {"UZS", 2, ""},
    {"AMD", 2, ""},
    {"GEL", 2, ""},
    {"KGS", 2, ""},
    {"AZN", 2, ""},
    {"USD", 2, "$"},
    {"EUR", 2, "€"},
    {"CNY", 2, ""},
    {"TRY", 2, ""},
    {"AED", 2, ""},
    {"JPY", 0, ""},
}};

const CurrencyInfo* FindCurrency(std::string_view code) {
    for (const CurrencyInfo& info : kCurrencies) {
        if (info.code == code) {
            return &info;
        }
    }
    return nullptr;
}

}  // namespace

bool IsKnownCurrency(std::string_view currency) {
    return FindCurrency(currency) != nullptr;
}

int CurrencyExponent(std::string_view currency) {
    const CurrencyInfo* info = FindCurrency(currency);
    return info == nullptr ? 2 : info->exponent;
}

std::string FormatMoney(std::int64_t minor, std::string_view currency, Language language) {
    const CurrencyInfo* info = FindCurrency(currency);
    const int exponent = info == nullptr ? 2 : info->exponent;
    std::int64_t unit = 1;
    for (int i = 0; i < exponent; ++i) {
        unit *= 10;
    }
    std::string text = GroupThousands(minor / unit, language);
    const std::int64_t cents = minor % unit;
    if (cents != 0) {
        text += fmt::format("{}{:0{}d}",
                            language == Language::kRu ? "," : ".",
                            cents < 0 ? -cents : cents,
                            exponent);
    }
    if (language == Language::kRu && info != nullptr && !info->ru_sign.empty()) {
        return text + "\u00a0" + std::string(info->ru_sign);  // NO-BREAK SPACE before the sign
    }
    return text + (language == Language::kRu ? "\u00a0" : " ") + std::string(currency);
}

std::string_view Name(Rounding rounding) {
    switch (rounding) {
        case Rounding::kFloor:
            return "floor";
        case Rounding::kRound:
            return "round";
        case Rounding::kCeil:
            return "ceil";
    }
    return "floor";
}

std::string_view Name(Stacking stacking) {
    switch (stacking) {
        case Stacking::kStackable:
            return "stackable";
        case Stacking::kExclusive:
            return "exclusive";
        case Stacking::kPriority:
            return "priority";
    }
    return "stackable";
}

std::string_view Name(EarnBase base) {
    return base == EarnBase::kNet ? "net" : "amount";
}

std::string_view Name(TierMetric metric) {
    switch (metric) {
        case TierMetric::kStatusPoints:
            return "status_points";
        case TierMetric::kSpend:
            return "spend";
        case TierMetric::kVisits:
            return "visits";
        case TierMetric::kPurchases:
            return "purchases";
    }
    return "status_points";
}

std::string_view Name(PeriodEnd end) {
    switch (end) {
        case PeriodEnd::kNone:
            return "none";
        case PeriodEnd::kMonth:
            return "month";
        case PeriodEnd::kQuarter:
            return "quarter";
        case PeriodEnd::kYear:
            return "year";
    }
    return "none";
}

}  // namespace candor::program
