// `candor gen`: deterministic synthetic members and events at any scale. The same seed, start
// and sizes give the same database content. Members fall into personas (frequent, regular,
// occasional buyers, and lapsed members who stop buying early), spend follows the seasons
// (a December peak, a summer dip), and the event mix includes redemptions, refunds, holds,
// captures, voids and daily expiry runs, so every ledger path is exercised.
#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>

#include "cli/commands.h"
#include "core/random.h"
#include "ledger/ledger.h"

namespace candor::cli {
namespace {

using namespace std::chrono_literals;

enum class Persona : std::uint8_t { kFrequent, kRegular, kOccasional, kLapsed };

struct PersonaSpec {
    Persona persona;
    std::uint64_t member_share;  // percent of members
    std::uint64_t event_share;   // percent of events
    std::int64_t basket_minor;   // typical purchase
};

constexpr std::array<PersonaSpec, 4> kPersonas = {{
    {Persona::kFrequent, 10, 45, 45'000},
    {Persona::kRegular, 30, 32, 90'000},
    {Persona::kOccasional, 40, 15, 150'000},
    {Persona::kLapsed, 20, 8, 70'000},
}};

// Spend by month, in percent of an average month.
constexpr std::array<std::int64_t, 12> kSeason = {
    85, 90, 95, 100, 100, 90, 85, 90, 100, 105, 120, 150};

// Lapsed members buy only in the first 40% of the period.
constexpr std::int64_t kLapseAtPercent = 40;

constexpr std::size_t kTransactionCommands = 1000;

Result<Timestamp> ParseDay(const std::string& text) {
    int y = 0;
    unsigned m = 0;
    unsigned d = 0;
    char tail = 0;
    if (std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) {
        return MakeError(ErrorCode::kInvalidArgument, "--start must be YYYY-MM-DD");
    }
    const std::chrono::year_month_day day{
        std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
    if (!day.ok()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("--start {} is not a date", text));
    }
    return Timestamp(std::chrono::sys_days(day));
}

class Generator {
public:
    Generator(const GenOptions& options, store::Store& store, Timestamp start)
        : options_(options),
          store_(store),
          clock_(start),
          ledger_(store, clock_),
          random_(options.seed),
          start_(start) {}

    int Run() {
        if (auto setup = ledger_.Setup(); !setup) {
            PrintError(setup.error().message);
            return kExitInvalid;
        }
        auto existing = store_.CountMembers();
        if (!existing) {
            PrintError(existing.error().message);
            return kExitInvalid;
        }
        offset_ = *existing;
        const Stopwatch stopwatch;
        if (!Enrol() || !Events()) {
            return kExitInvalid;
        }
        const double seconds = stopwatch.ElapsedSeconds();
        fmt::print(
            "generated {} members and {} events in {:.1f} s ({:.0f} commands/s): "
            "{} entries written, {} commands refused\n",
            members_.size(),
            options_.events,
            seconds,
            static_cast<double>(commands_) / std::max(seconds, 1e-9),
            entries_,
            refused_);
        for (const auto& [slug, count] : refusals_) {
            fmt::print("  refused {:>8} x {}\n", count, slug);
        }
        return kExitOk;
    }

private:
    bool Enrol() {
        members_.reserve(static_cast<std::size_t>(options_.members));
        for (std::int64_t i = 0; i < options_.members; ++i) {
            const std::string public_id = fmt::format("m_{:08d}", offset_ + i + 1);
            auto outcome = Submit(ledger::EnrolMember{public_id}, fmt::format("m{}", i));
            if (!outcome) {
                PrintError(fmt::format("cannot enrol {}: {}", public_id, outcome.error().message));
                return false;
            }
            members_.push_back(outcome->member);
            Progress("members", i + 1, options_.members);
        }
        return Flush();
    }

    bool Events() {
        const Duration period = std::chrono::days(options_.days);
        std::int64_t day = -1;
        for (std::int64_t i = 0; i < options_.events; ++i) {
            const auto offset =
                Duration(ScaleFloor(period.count(), i, std::max<std::int64_t>(options_.events, 1)));
            clock_.Set(start_ + offset);
            const std::int64_t today = std::chrono::floor<std::chrono::days>(offset).count();
            if (today != day) {
                day = today;
                Sweep(i);
            }
            if (!members_.empty()) {
                Event(i, offset * 100 / period);
            }
            Progress("events", i + 1, options_.events);
            if (failed_) {
                return false;
            }
        }
        return Flush();
    }

    void Sweep(std::int64_t i) {
        (void)Submit(ledger::ExpireLots{}, "");
        (void)Submit(ledger::VoidTimedOutHolds{}, "");
        (void)i;
    }

    MemberId PickMember(std::int64_t percent_of_period) {
        std::uint64_t roll = random_.Below(100);
        std::size_t persona = 0;
        while (roll >= kPersonas.at(persona).event_share) {
            roll -= kPersonas.at(persona).event_share;
            ++persona;
        }
        if (kPersonas.at(persona).persona == Persona::kLapsed &&
            percent_of_period >= kLapseAtPercent) {
            persona = 1;  // a lapsed member's event goes to a regular buyer instead
        }
        // Personas own contiguous slices of the member list, in table order.
        std::uint64_t first = 0;
        for (std::size_t p = 0; p < persona; ++p) {
            first += members_.size() * kPersonas.at(p).member_share / 100;
        }
        const std::uint64_t count =
            std::max<std::uint64_t>(1, members_.size() * kPersonas.at(persona).member_share / 100);
        const std::uint64_t index =
            std::min<std::uint64_t>(first + random_.Below(count), members_.size() - 1);
        last_persona_ = persona;
        return members_.at(index);
    }

    std::int64_t Basket(std::size_t persona) {
        const auto today =
            std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(clock_.Now()));
        const auto month = static_cast<unsigned>(today.month()) - 1;
        const std::int64_t base = kPersonas.at(persona).basket_minor * kSeason.at(month) / 100;
        // A factor between 0.3 and 3, denser near 1.
        const std::int64_t factor = 30 + random_.Between(0, 135) + random_.Between(0, 135);
        return std::max<std::int64_t>(100, base * factor / 100);
    }

    void Event(std::int64_t i, std::int64_t percent_of_period) {
        const MemberId member = PickMember(percent_of_period);
        const std::string key = fmt::format("e{}", i);
        const std::uint64_t roll = random_.Below(100);
        if (roll < 84 || recent_earns_.empty()) {
            const std::int64_t basket = Basket(last_persona_);
            ledger::Earn earn;
            earn.member = member;
            earn.points = Amount(basket / 100);
            earn.status = Amount(basket / 100);
            earn.cashback = random_.Chance(1, 10) ? Amount(basket * 3 / 100) : Amount(0);
            if (earn.points.is_zero() && earn.cashback.is_zero()) {
                earn.points = Amount(1);
            }
            auto outcome = Submit(earn, key);
            if (outcome && outcome->entry) {
                recent_earns_.push_back({outcome->entry->id, basket});
                if (recent_earns_.size() > 1000) {
                    recent_earns_.pop_front();
                }
            }
        } else if (roll < 91) {
            (void)Submit(
                ledger::Spend{member, Asset::kPoints, Amount(random_.Between(50, 1500)), {}, {}},
                key);
        } else if (roll < 94) {
            const auto& [entry, basket] = recent_earns_.at(random_.Below(recent_earns_.size()));
            (void)Submit(ledger::Reverse{entry, random_.Between(1, basket), basket, {}}, key);
        } else if (roll < 99) {
            const Amount amount(random_.Between(100, 800));
            auto hold = Submit(ledger::Hold{member, Asset::kPoints, amount, 15min, {}}, key);
            if (hold && hold->entry) {
                const std::uint64_t ending = random_.Below(10);
                if (ending < 6) {
                    (void)Submit(ledger::Capture{hold->entry->id, std::nullopt, {}}, key + "c");
                } else if (ending < 8) {
                    (void)Submit(ledger::Capture{hold->entry->id, Amount(amount.value() / 2), {}},
                                 key + "c");
                } else if (ending < 9) {
                    (void)Submit(ledger::Void{hold->entry->id}, key + "v");
                }
                // The rest time out and are voided by the next daily sweep.
            }
        } else {
            (void)Submit(
                ledger::Adjust{member, Asset::kPoints, Amount(random_.Between(10, 300)), {}, {}},
                key);
        }
    }

    // Runs one command in its own savepoint of the current batch transaction.
    Result<ledger::Outcome> Submit(ledger::Command command, const std::string& key) {
        if (failed_) {
            return MakeError(ErrorCode::kInternal, "generation stopped");
        }
        if (!in_transaction_) {
            if (!Check(store_.Begin())) {
                return MakeError(ErrorCode::kStorage, "cannot begin");
            }
            in_transaction_ = true;
        }
        if (!Check(store_.Savepoint())) {
            return MakeError(ErrorCode::kStorage, "cannot save");
        }
        const std::string idempotency_key =
            key.empty() ? key : fmt::format("gen-s{}-o{}-{}", options_.seed, offset_, key);
        auto outcome = ledger_.Execute(ledger::Request{"gen", idempotency_key, std::move(command)});
        ++commands_;
        if (outcome) {
            entries_ += static_cast<std::int64_t>(outcome->entries_written);
            Check(store_.Release());
        } else {
            ++refused_;
            ++refusals_[std::string(Describe(outcome.error().code).slug)];
            Check(store_.RollbackToSavepoint());
            if (Describe(outcome.error().code).is_retryable ||
                outcome.error().code == ErrorCode::kInternal) {
                PrintError(outcome.error().message);
                failed_ = true;
            }
        }
        if (++in_batch_ >= kTransactionCommands) {
            Flush();
        }
        return outcome;
    }

    bool Flush() {
        if (in_transaction_) {
            in_transaction_ = false;
            in_batch_ = 0;
            return Check(store_.Commit());
        }
        return !failed_;
    }

    bool Check(const Status& status) {
        if (!status) {
            PrintError(status.error().message);
            failed_ = true;
        }
        return status.has_value();
    }

    void Progress(const char* what, std::int64_t done, std::int64_t total) {
        if (options_.quiet || total == 0) {
            return;
        }
        const std::int64_t percent = done * 100 / total;
        if (percent == last_percent_ && done != total) {
            return;
        }
        last_percent_ = done == total ? -1 : percent;
        constexpr int kWidth = 30;
        const auto filled = static_cast<std::size_t>(percent * kWidth / 100);
        fmt::print(stderr,
                   "\r{:<8} [{:<30}] {:>3}% {}/{}",
                   what,
                   std::string(filled, '#'),
                   percent,
                   done,
                   total);
        if (done == total) {
            fmt::print(stderr, "\n");
        }
    }

    const GenOptions& options_;
    store::Store& store_;
    ManualClock clock_;
    ledger::Ledger ledger_;
    Random random_;
    Timestamp start_;
    std::int64_t offset_ = 0;
    std::vector<MemberId> members_;
    std::deque<std::pair<EntryId, std::int64_t>> recent_earns_;
    std::size_t last_persona_ = 0;
    bool in_transaction_ = false;
    bool failed_ = false;
    std::size_t in_batch_ = 0;
    std::int64_t commands_ = 0;
    std::int64_t entries_ = 0;
    std::int64_t refused_ = 0;
    std::map<std::string, std::int64_t> refusals_;
    std::int64_t last_percent_ = -1;
};

}  // namespace

int RunGen(const GenOptions& options) {
    auto start = ParseDay(options.start);
    if (!start) {
        PrintError(start.error().message);
        return kExitUsage;
    }
    auto store = store::Open(options.db);
    if (!store) {
        PrintError(store.error().message);
        return kExitInvalid;
    }
    return Generator(options, **store, *start).Run();
}

}  // namespace candor::cli
