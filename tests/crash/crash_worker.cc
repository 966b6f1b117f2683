// crash_worker: runs ledger commands until it is killed; the child process of crash_test.
//
// Usage: crash_worker DB ROUND THREADS SECONDS
//
// Opens (creating) the SQLite database DB, sets the ledger up and enrols the crash members
// when missing, then submits earn, spend, hold, capture and void commands through a Committer
// from THREADS threads, with the idempotency keys "r<ROUND>-<n>" (crash_plan.h derives each
// command from its key). A command is acknowledged by the line "<key> <op>" on stdout, written
// with a single write(2) from the committer's callback, that is only once the command is
// durable. "#ready" is written when the loop starts. Stops by itself after SECONDS.
// Exit status: 0 after a clean stop, 1 when set-up fails, 2 for bad arguments.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "crash/crash_plan.h"
#include "crypto/crypto.h"
#include "ledger/ledger.h"
#include "store/store.h"

namespace candor::crash {
namespace {

// Requests each submitting thread keeps in flight, so that the committer's batches fill.
constexpr std::ptrdiff_t kInFlightMax = 32;
constexpr int kThreadsMax = 16;
constexpr Duration kHoldTimeout = std::chrono::hours(1);
constexpr Amount kOverdraft(1'000'000'000'000);

// Writes all of `line`; a line under PIPE_BUF bytes reaches a pipe in one piece.
void WriteLine(std::string_view line) {
    while (!line.empty()) {
        const ssize_t written = ::write(STDOUT_FILENO, line.data(), line.size());
        if (written <= 0) {
            return;
        }
        line.remove_prefix(static_cast<std::size_t>(written));
    }
}

class Worker {
public:
    Worker(int round, std::vector<MemberId> members, ledger::Committer& committer)
        : round_(round), members_(std::move(members)), committer_(committer) {}

    // Submits commands until `deadline`, then waits for the ones still in flight.
    void SubmitUntil(Timestamp deadline, std::counting_semaphore<kInFlightMax>& slots) {
        const SystemClock clock;
        while (clock.Now() < deadline) {
            slots.acquire();
            const std::string key = CommandKey(round_, next_.fetch_add(1));
            Op op = PlannedOp(key);
            ledger::Command command = Plan(key, &op);
            committer_.Submit(ledger::Request{std::string(kClientId), key, std::move(command)},
                              [this, &slots, key, op](Result<ledger::Outcome> outcome) {
                                  if (outcome) {
                                      Acknowledge(key, op, *outcome);
                                  } else {
                                      failed_.fetch_add(1);
                                  }
                                  slots.release();
                              });
        }
        for (std::ptrdiff_t i = 0; i < kInFlightMax; ++i) {
            slots.acquire();
        }
    }

    std::uint64_t acknowledged() const { return acknowledged_.load(); }

    std::uint64_t failed() const { return failed_.load(); }

private:
    // The command for `key`. A capture or void closes one of this process's open holds; when
    // there is none it becomes a hold, and *op says so.
    ledger::Command Plan(const std::string& key, Op* op) {
        const MemberId member = members_.at(static_cast<std::size_t>(MemberIndex(key)));
        if (*op == Op::kCapture || *op == Op::kVoid) {
            std::lock_guard lock(mutex_);
            if (!open_holds_.empty()) {
                const EntryId hold = open_holds_.back();
                open_holds_.pop_back();
                if (*op == Op::kVoid) {
                    return ledger::Void{hold};
                }
                // About half the captures are partial, which also writes a void for the rest.
                ledger::Capture capture{hold, std::nullopt, "crash"};
                if (KeyHash(key) % 2 == 0) {
                    capture.amount = Amount(1);
                }
                return capture;
            }
            *op = Op::kHold;
        }
        switch (*op) {
            case Op::kEarn:
                return EarnFor(key, member);
            case Op::kSpend: {
                // One spend in eight overdraws and fails, so that batches hold failing commands
                // and the committer's retry with savepoints runs between kills too.
                const Amount amount =
                    (KeyHash(key) >> 40U) % 8 == 0 ? kOverdraft : SmallAmount(key);
                return ledger::Spend{member, Asset::kPoints, amount, {}, "crash"};
            }
            default:
                return ledger::Hold{
                    member, Asset::kPoints, SmallAmount(key), kHoldTimeout, "crash"};
        }
    }

    // Runs on the committer thread once the command is durable.
    void Acknowledge(const std::string& key, Op op, const ledger::Outcome& outcome) {
        if (op == Op::kHold && outcome.entry) {
            std::lock_guard lock(mutex_);
            open_holds_.push_back(outcome.entry->id);
        }
        WriteLine(fmt::format("{} {}\n", key, Name(op)));
        acknowledged_.fetch_add(1);
    }

    const int round_;
    const std::vector<MemberId> members_;
    ledger::Committer& committer_;
    std::atomic<std::uint64_t> next_{0};
    std::atomic<std::uint64_t> acknowledged_{0};
    std::atomic<std::uint64_t> failed_{0};
    std::mutex mutex_;
    std::vector<EntryId> open_holds_;
};

bool ParseInt(std::string_view text, int* value) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
    return error == std::errc() && end == text.data() + text.size();
}

// Enrols the crash members under fixed idempotency keys, so that a rerun replays the first
// enrolment and answers the same member ids.
Result<std::vector<MemberId>> EnrolMembers(ledger::Ledger& ledger) {
    std::vector<MemberId> members;
    for (int i = 0; i < kMembers; ++i) {
        CANDOR_ASSIGN_OR_RETURN(
            ledger::Outcome outcome,
            ledger.ExecuteNow(ledger::Request{
                std::string(kClientId), EnrolKey(i), ledger::EnrolMember{MemberPublicId(i)}}));
        members.push_back(outcome.member);
    }
    return members;
}

int Run(const std::string& db, int round, int threads, int seconds) {
    if (auto init = crypto::InitCrypto(); !init) {
        fmt::print(stderr, "crash_worker: {}\n", init.error().message);
        return 1;
    }
    auto store = store::Open(db);
    if (!store) {
        fmt::print(stderr, "crash_worker: {}\n", store.error().message);
        return 1;
    }
    const SystemClock clock;
    ledger::Ledger ledger(**store, clock);
    if (auto setup = ledger.Setup(); !setup) {
        fmt::print(stderr, "crash_worker: setup: {}\n", setup.error().message);
        return 1;
    }
    auto members = EnrolMembers(ledger);
    if (!members) {
        fmt::print(stderr, "crash_worker: enrol: {}\n", members.error().message);
        return 1;
    }
    // Semaphores outlive the committer: a callback may still be releasing one when its
    // submitting thread has already returned.
    std::vector<std::unique_ptr<std::counting_semaphore<kInFlightMax>>> slots;
    slots.reserve(static_cast<std::size_t>(threads));
    for (int i = 0; i < threads; ++i) {
        slots.push_back(std::make_unique<std::counting_semaphore<kInFlightMax>>(kInFlightMax));
    }
    ledger::Committer committer(**store, ledger);
    Worker worker(round, std::move(*members), committer);
    WriteLine(fmt::format("{}\n", kReadyLine));
    const Timestamp deadline = clock.Now() + std::chrono::seconds(seconds);
    std::vector<std::thread> submitters;
    submitters.reserve(static_cast<std::size_t>(threads));
    for (int i = 0; i < threads; ++i) {
        submitters.emplace_back([&worker, &slots, deadline, i] {
            worker.SubmitUntil(deadline, *slots.at(static_cast<std::size_t>(i)));
        });
    }
    for (std::thread& submitter : submitters) {
        submitter.join();
    }
    committer.Stop();
    fmt::print(stderr,
               "crash_worker: round {}: {} acknowledged, {} failed\n",
               round,
               worker.acknowledged(),
               worker.failed());
    return 0;
}

}  // namespace
}  // namespace candor::crash

int main(int argc, char** argv) {
    int round = 0;
    int threads = 0;
    int seconds = 0;
    if (argc != 5 || !candor::crash::ParseInt(argv[2], &round) ||
        !candor::crash::ParseInt(argv[3], &threads) ||
        !candor::crash::ParseInt(argv[4], &seconds) || round < 0 || threads < 1 ||
        threads > candor::crash::kThreadsMax || seconds < 1) {
        fmt::print(stderr, "usage: crash_worker DB ROUND THREADS(1-16) SECONDS\n");
        return 2;
    }
    return candor::crash::Run(argv[1], round, threads, seconds);
}
