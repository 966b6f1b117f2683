// Tiers: qualification, progress, upgrades and the review with a grace period; points expiry;
// the embedded template programs. Pure functions of the program and the numbers given.
#include <chrono>
#include <string>

#include "program/internal.h"
#include "program/templates.h"

namespace candor::program {
namespace {

// The index of tier `id` in the levels, or -1.
int TierIndex(const Program& program, std::string_view id) {
    const auto& levels = program.definition().tiers.levels;
    for (std::size_t i = 0; i < levels.size(); ++i) {
        if (levels[i].id == id) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

int QualifyingIndex(const Program& program, std::int64_t metric) {
    const auto& levels = program.definition().tiers.levels;
    int index = -1;
    for (std::size_t i = 0; i < levels.size(); ++i) {
        if (levels[i].threshold <= metric) {
            index = static_cast<int>(i);
        }
    }
    return index;
}

std::string TierId(const Program& program, int index) {
    return index < 0 ? std::string()
                     : program.definition().tiers.levels[static_cast<std::size_t>(index)].id;
}

// Local calendar arithmetic: the local day `day` plus `months`, the day of month clamped to the
// target month's length (31 January + 1 month is 28 or 29 February).
std::int64_t AddMonths(std::int64_t day, std::int64_t months) {
    const std::chrono::year_month_day date{
        std::chrono::sys_days(std::chrono::days(static_cast<std::int32_t>(day)))};
    const std::int64_t index =
        static_cast<int>(date.year()) * 12LL + static_cast<unsigned>(date.month()) - 1 + months;
    const std::chrono::year year(static_cast<int>(index / 12));
    const std::chrono::month month(static_cast<unsigned>(index % 12) + 1);
    const std::chrono::day last =
        std::chrono::year_month_day_last(year, month / std::chrono::last).day();
    const std::chrono::day clamped = date.day() > last ? last : date.day();
    return std::chrono::sys_days(std::chrono::year_month_day(year, month, clamped))
        .time_since_epoch()
        .count();
}

// The first local day after the end of the month, quarter or year that contains `day`.
std::int64_t AfterPeriodEnd(std::int64_t day, PeriodEnd end) {
    const std::chrono::year_month_day date{
        std::chrono::sys_days(std::chrono::days(static_cast<std::int32_t>(day)))};
    const int year = static_cast<int>(date.year());
    const unsigned month = static_cast<unsigned>(date.month());
    unsigned months_to_add = 1;  // kMonth: the first of next month
    if (end == PeriodEnd::kQuarter) {
        months_to_add = 3 - (month - 1) % 3;
    } else if (end == PeriodEnd::kYear) {
        months_to_add = 13 - month;
    }
    const std::chrono::year_month_day first{
        std::chrono::year(year), std::chrono::month(month), std::chrono::day(1)};
    return AddMonths(std::chrono::sys_days(first).time_since_epoch().count(), months_to_add);
}

}  // namespace

const Tier* QualifyingTier(const Program& program, std::int64_t metric) {
    const int index = QualifyingIndex(program, metric);
    return index < 0 ? nullptr
                     : &program.definition().tiers.levels[static_cast<std::size_t>(index)];
}

TierProgress ProgressToNextTier(const Program& program,
                                std::string_view current,
                                std::int64_t metric) {
    const auto& levels = program.definition().tiers.levels;
    TierProgress progress;
    const int index = TierIndex(program, current);
    progress.current = index < 0 ? nullptr : &levels[static_cast<std::size_t>(index)];
    const auto next = static_cast<std::size_t>(index + 1);
    if (next < levels.size()) {
        progress.next = &levels[next];
        progress.remaining = std::max<std::int64_t>(0, levels[next].threshold - metric);
    }
    return progress;
}

TierState UpgradeTier(const Program& program, const TierState& state, std::int64_t metric) {
    const int current = TierIndex(program, state.tier);
    const int qualifying = QualifyingIndex(program, metric);
    if (qualifying > current) {
        return TierState{TierId(program, qualifying), Timestamp{}};
    }
    if (qualifying == current && current >= 0) {
        return TierState{state.tier, Timestamp{}};
    }
    return state;
}

TierState ReviewTier(const Program& program,
                     const TierState& state,
                     std::int64_t metric,
                     Timestamp review_at) {
    const int current = TierIndex(program, state.tier);
    const int qualifying = QualifyingIndex(program, metric);
    if (qualifying >= current) {
        return TierState{TierId(program, qualifying), Timestamp{}};
    }
    const std::int64_t grace_months = program.definition().tiers.grace_months;
    const bool in_grace = ToMicros(state.grace_until) != 0;
    if (grace_months > 0 && !in_grace) {
        const Compiled& compiled = program.compiled();
        const LocalTime local = ToLocal(compiled.zone, review_at);
        const std::int64_t day = AddMonths(local.day, grace_months);
        const std::int64_t minutes = day * 24 * 60 + local.minute_of_day;
        return TierState{state.tier, FromLocal(compiled.zone, minutes)};
    }
    if (grace_months > 0 && review_at < state.grace_until) {
        return state;
    }
    return TierState{TierId(program, current - 1), Timestamp{}};
}

std::optional<Timestamp> PointsExpireAt(const Program& program, Timestamp earned_at) {
    const Expiry& expiry = program.definition().expiry;
    if (expiry.months == 0 && expiry.at_end_of == PeriodEnd::kNone) {
        return std::nullopt;
    }
    const Compiled& compiled = program.compiled();
    const LocalTime local = ToLocal(compiled.zone, earned_at);
    std::int64_t day = AddMonths(local.day, expiry.months);
    if (expiry.at_end_of == PeriodEnd::kNone) {
        return FromLocal(compiled.zone, day * 24 * 60 + local.minute_of_day);
    }
    // The end of the period is the start of the next one's first day, local midnight.
    day = AfterPeriodEnd(day, expiry.at_end_of);
    return FromLocal(compiled.zone, day * 24 * 60);
}

std::optional<std::int64_t> LocalDay(std::string_view time_zone, Timestamp t) {
    const date::time_zone* zone = FindZone(time_zone);
    if (zone == nullptr) {
        return std::nullopt;
    }
    return ToLocal(zone, t).day;
}

std::vector<std::string> TemplateNames() {
    std::vector<std::string> names;
    for (const EmbeddedFile& file : Templates()) {
        const std::string_view name = file.name;
        names.emplace_back(name.substr(0, name.rfind('.')));
    }
    return names;
}

std::optional<std::string_view> TemplateJson(std::string_view name) {
    for (const EmbeddedFile& file : Templates()) {
        if (file.name.substr(0, file.name.rfind('.')) == name) {
            return file.content;
        }
    }
    return std::nullopt;
}

}  // namespace candor::program
