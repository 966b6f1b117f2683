#include "program/rules/values.h"

#include <date/date.h>
#include <fmt/format.h>

#include <cstddef>
#include <limits>

#include "program/rules/time_zone.h"

namespace candor::program::rules {
namespace {

// Elements of a list that a rendered value shows before "...".
constexpr std::size_t kRenderedElementsMax = 10;

bool ReadDigits(std::string_view text, std::size_t* at, std::size_t count, int* value) {
    *value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (*at >= text.size() || text[*at] < '0' || text[*at] > '9') {
            return false;
        }
        *value = *value * 10 + (text[*at] - '0');
        ++*at;
    }
    return true;
}

bool Expect(std::string_view text, std::size_t* at, char c) {
    if (*at < text.size() && text[*at] == c) {
        ++*at;
        return true;
    }
    return false;
}

// Trims trailing zeros of a fraction of `digits` digits; "" when it is zero.
std::string Fraction(std::int64_t value, int digits) {
    if (value == 0) {
        return "";
    }
    std::string text = fmt::format("{:0{}}", value, digits);
    while (!text.empty() && text.back() == '0') {
        text.pop_back();
    }
    return "." + text;
}

std::string RenderItems(std::span<const Value> items, const Type& type, const Schema& schema);

}  // namespace

std::string_view KindName(Kind kind) {
    switch (kind) {
        case Kind::kBool:
            return "bool";
        case Kind::kInt:
            return "int";
        case Kind::kDecimal:
            return "decimal";
        case Kind::kString:
            return "string";
        case Kind::kTimestamp:
            return "timestamp";
        case Kind::kDuration:
            return "duration";
        case Kind::kRecord:
            return "record";
        case Kind::kList:
            return "list";
    }
    return "?";
}

std::string TypeName(const Type& type, const Schema& schema) {
    if (type.kind == Kind::kRecord) {
        return type.record < schema.records().size() ? schema.records()[type.record].name
                                                     : "record";
    }
    if (type.kind == Kind::kList) {
        Type element{type.element};
        element.record = type.record;
        return fmt::format("list({})", TypeName(element, schema));
    }
    return std::string(KindName(type.kind));
}

bool ParseTimestamp(std::string_view text, std::int64_t* micros, std::string* error) {
    *error = fmt::format(
        "timestamp() needs RFC 3339 text such as \"2026-12-01T00:00:00+03:00\" or "
        "\"2026-12-01T00:00:00Z\", found {}",
        QuoteString(text));
    std::size_t at = 0;
    int year = 0;
    int month = 0;
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (!ReadDigits(text, &at, 4, &year) || !Expect(text, &at, '-') ||
        !ReadDigits(text, &at, 2, &month) || !Expect(text, &at, '-') ||
        !ReadDigits(text, &at, 2, &day) || !(Expect(text, &at, 'T') || Expect(text, &at, 't')) ||
        !ReadDigits(text, &at, 2, &hour) || !Expect(text, &at, ':') ||
        !ReadDigits(text, &at, 2, &minute) || !Expect(text, &at, ':') ||
        !ReadDigits(text, &at, 2, &second)) {
        return false;
    }
    std::int64_t fraction = 0;
    if (Expect(text, &at, '.')) {
        int digits = 0;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            if (++digits > 6) {
                *error = "timestamp() takes at most 6 fractional digits (microseconds)";
                return false;
            }
            fraction = fraction * 10 + (text[at] - '0');
            ++at;
        }
        if (digits == 0) {
            return false;
        }
        for (; digits < 6; ++digits) {
            fraction *= 10;
        }
    }
    std::int64_t offset_s = 0;
    if (Expect(text, &at, 'Z') || Expect(text, &at, 'z')) {
        offset_s = 0;
    } else {
        const bool is_negative = at < text.size() && text[at] == '-';
        int offset_hours = 0;
        int offset_minutes = 0;
        if (!(Expect(text, &at, '+') || Expect(text, &at, '-')) ||
            !ReadDigits(text, &at, 2, &offset_hours) || !Expect(text, &at, ':') ||
            !ReadDigits(text, &at, 2, &offset_minutes) || offset_hours > 23 ||
            offset_minutes > 59) {
            return false;
        }
        offset_s = (std::int64_t{offset_hours} * 3600 + std::int64_t{offset_minutes} * 60) *
                   (is_negative ? -1 : 1);
    }
    const date::year_month_day civil{date::year{year},
                                     date::month{static_cast<unsigned>(month)},
                                     date::day{static_cast<unsigned>(day)}};
    if (at != text.size() || year == 0 || !civil.ok() || hour > 23 || minute > 59 || second > 59) {
        return false;
    }
    const std::int64_t days = date::sys_days{civil}.time_since_epoch().count();
    const std::int64_t seconds =
        days * kSecondsPerDay + std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 + second;
    *micros = (seconds - offset_s) * kMicrosPerSecond + fraction;
    if (*micros < kTimestampMinMicros || *micros > kTimestampMaxMicros) {
        *error = "timestamp() is outside the years 0001 to 9999 in UTC";
        return false;
    }
    error->clear();
    return true;
}

bool ParseDuration(std::string_view text, std::int64_t* micros, std::string* error) {
    *error = fmt::format(
        "duration() needs numbers with units d, h, m, s, ms or us, such as \"90m\", \"2h\", "
        "\"7d\" or \"1h30m\", found {}",
        QuoteString(text));
    std::size_t at = 0;
    const bool is_negative = Expect(text, &at, '-');
    if (at == text.size()) {
        return false;
    }
    if (text.substr(at) == "0") {
        *micros = 0;
        error->clear();
        return true;
    }
    std::int64_t total = 0;
    while (at < text.size()) {
        std::int64_t number = 0;
        const std::size_t begin = at;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            if (__builtin_mul_overflow(number, 10, &number) ||
                __builtin_add_overflow(number, text[at] - '0', &number)) {
                *error = "duration() is too long";
                return false;
            }
            ++at;
        }
        if (at == begin) {
            return false;
        }
        std::int64_t unit = 0;
        const std::string_view rest = text.substr(at);
        if (rest.starts_with("ms")) {
            unit = 1'000;
            at += 2;
        } else if (rest.starts_with("us")) {
            unit = 1;
            at += 2;
        } else if (rest.starts_with("d")) {
            unit = kSecondsPerDay * kMicrosPerSecond;
            at += 1;
        } else if (rest.starts_with("h")) {
            unit = 3600 * kMicrosPerSecond;
            at += 1;
        } else if (rest.starts_with("m")) {
            unit = 60 * kMicrosPerSecond;
            at += 1;
        } else if (rest.starts_with("s")) {
            unit = kMicrosPerSecond;
            at += 1;
        } else {
            return false;
        }
        std::int64_t part = 0;
        if (__builtin_mul_overflow(number, unit, &part) ||
            __builtin_add_overflow(total, part, &total)) {
            *error = "duration() is too long";
            return false;
        }
    }
    *micros = is_negative ? -total : total;
    error->clear();
    return true;
}

std::string FormatDecimal(std::int64_t micros) {
    const bool is_negative = micros < 0;
    // The magnitude as unsigned, so that INT64_MIN has one.
    const std::uint64_t magnitude =
        is_negative ? ~static_cast<std::uint64_t>(micros) + 1 : static_cast<std::uint64_t>(micros);
    const auto scale = static_cast<std::uint64_t>(kDecimalScale);
    const std::string fraction = Fraction(static_cast<std::int64_t>(magnitude % scale), 6);
    return fmt::format(
        "{}{}{}", is_negative ? "-" : "", magnitude / scale, fraction.empty() ? ".0" : fraction);
}

std::string FormatTimestamp(std::int64_t micros) {
    if (micros < kTimestampMinMicros || micros > kTimestampMaxMicros) {
        return fmt::format("timestamp({}us)", micros);
    }
    const std::int64_t seconds = FloorDivide(micros, kMicrosPerSecond);
    const std::int64_t days = FloorDivide(seconds, kSecondsPerDay);
    const std::int64_t second_of_day = seconds - days * kSecondsPerDay;
    const date::year_month_day civil{date::sys_days{date::days{days}}};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}Z",
                       static_cast<int>(civil.year()),
                       static_cast<unsigned>(civil.month()),
                       static_cast<unsigned>(civil.day()),
                       second_of_day / 3600,
                       second_of_day % 3600 / 60,
                       second_of_day % 60,
                       Fraction(micros - seconds * kMicrosPerSecond, 6));
}

std::string FormatDuration(std::int64_t micros) {
    if (micros == 0) {
        return "0s";
    }
    std::string text = micros < 0 ? "-" : "";
    std::uint64_t rest =
        micros < 0 ? ~static_cast<std::uint64_t>(micros) + 1 : static_cast<std::uint64_t>(micros);
    constexpr std::uint64_t kSecond = 1'000'000;
    const std::uint64_t whole_seconds = rest / kSecond;
    const std::uint64_t fraction = rest % kSecond;
    rest = whole_seconds;
    const std::uint64_t days = rest / 86'400;
    const std::uint64_t hours = rest % 86'400 / 3600;
    const std::uint64_t minutes = rest % 3600 / 60;
    const std::uint64_t seconds = rest % 60;
    if (days != 0) {
        text += fmt::format("{}d", days);
    }
    if (hours != 0) {
        text += fmt::format("{}h", hours);
    }
    if (minutes != 0) {
        text += fmt::format("{}m", minutes);
    }
    if (seconds != 0 || fraction != 0) {
        text += fmt::format("{}{}s", seconds, Fraction(static_cast<std::int64_t>(fraction), 6));
    }
    return text;
}

std::string QuoteString(std::string_view text) {
    std::string quoted = "\"";
    for (const char c : text) {
        switch (c) {
            case '"':
                quoted += "\\\"";
                break;
            case '\\':
                quoted += "\\\\";
                break;
            case '\n':
                quoted += "\\n";
                break;
            case '\r':
                quoted += "\\r";
                break;
            case '\t':
                quoted += "\\t";
                break;
            default:
                quoted.push_back(c);
        }
    }
    quoted.push_back('"');
    return quoted;
}

namespace {

std::string RenderItems(std::span<const Value> items, const Type& type, const Schema& schema) {
    std::string text = "[";
    Type element{type.element};
    if (type.element == Kind::kRecord) {
        element = Type::Record(type.record);
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i == kRenderedElementsMax) {
            text += fmt::format(", ... ({} more)", items.size() - i);
            break;
        }
        text += (i == 0 ? "" : ", ") + RenderValue(items[i], element, schema);
    }
    return text + "]";
}

}  // namespace

std::string RenderValue(const Value& value, const Type& type, const Schema& schema) {
    // An unset value renders as its zero value, which is what rules read.
    const bool is_set = value.is_set && value.kind == type.kind;
    switch (type.kind) {
        case Kind::kBool:
            return is_set && value.boolean ? "true" : "false";
        case Kind::kInt:
            return fmt::format("{}", is_set ? value.integer : 0);
        case Kind::kDecimal:
            return FormatDecimal(is_set ? value.integer : 0);
        case Kind::kString:
            return QuoteString(is_set ? value.string : std::string_view());
        case Kind::kTimestamp:
            return FormatTimestamp(is_set ? value.integer : 0);
        case Kind::kDuration:
            return FormatDuration(is_set ? value.integer : 0);
        case Kind::kList:
            return RenderItems(is_set ? value.items : std::span<const Value>(), type, schema);
        case Kind::kRecord:
            break;
    }
    if (type.record >= schema.records().size()) {
        return "{}";
    }
    const Schema::Record& record = schema.records()[type.record];
    std::string text = "{";
    for (std::size_t i = 0; i < record.fields.size(); ++i) {
        const Value field = is_set && i < value.items.size() ? value.items[i] : Value();
        text += fmt::format("{}{}: {}",
                            i == 0 ? "" : ", ",
                            record.fields[i].name,
                            RenderValue(field, record.fields[i].type, schema));
    }
    return text + "}";
}

}  // namespace candor::program::rules
