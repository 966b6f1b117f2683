// The crash test: a child process (crash_worker) runs ledger commands through the Committer and
// is killed with SIGKILL at random points, many times, on the same database. Afterwards
// ledger::Check finds no violation, every acknowledged command is in the database exactly
// once, and resubmitting acknowledged earns replays them.
//
// CANDOR_CRASH_SEED=<n> reruns a given schedule of kills (the seed is printed); the timing of
// the worker still varies from run to run, so a rerun is similar rather than identical.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "crash/crash_plan.h"
#include "crypto/crypto.h"
#include "journal/journal.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "testkit/testkit.h"

#ifndef CANDOR_CRASH_WORKER
#error "CANDOR_CRASH_WORKER must name the crash_worker executable"
#endif

namespace candor::crash {
namespace {

constexpr int kRounds = 25;
constexpr std::int64_t kKillDelayMinMs = 20;
constexpr std::int64_t kKillDelayMaxMs = 300;
constexpr std::int64_t kStartupKillDelayMaxMs = 25;
// A worker that is never killed stops by itself after this long.
constexpr int kWorkerSeconds = 60;
constexpr Duration kReadyTimeout = std::chrono::seconds(30);
constexpr std::size_t kResubmittedEarns = 8;

struct Ack {
    std::string key;
    Op op = Op::kEarn;
};

std::uint64_t Seed() {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read before the test starts any thread
    const char* text = std::getenv("CANDOR_CRASH_SEED");
    std::uint64_t seed = 0;
    if (text != nullptr) {
        const std::string_view view(text);
        const auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), seed);
        if (error == std::errc() && end == view.data() + view.size()) {
            return seed;
        }
    }
    return static_cast<std::uint64_t>(ToMicros(SystemClock().Now()));
}

// Starts crash_worker with its stdout on a pipe; answers its pid and the pipe's read end,
// or -1 when it cannot start.
pid_t SpawnWorker(const std::vector<std::string>& args, int* read_fd) {
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
        return -1;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // dup2 clears close-on-exec on the child's stdout; both pipe ends close on exec.
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::vector<std::string> copies = args;
    std::vector<char*> argv;
    argv.reserve(copies.size() + 1);
    for (std::string& arg : copies) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        return -1;
    }
    *read_fd = fds[0];
    return pid;
}

// Splits what arrives on a pipe into lines.
class LineReader {
public:
    explicit LineReader(int fd) : fd_(fd) {}

    // Waits up to timeout_ms (-1: forever) for data and appends the complete lines that came.
    // False at end of file.
    bool Read(int timeout_ms, std::vector<std::string>* lines) {
        pollfd poll_fd{fd_, POLLIN, 0};
        const int ready = ::poll(&poll_fd, 1, timeout_ms);
        if (ready <= 0) {
            return ready == 0 || errno == EINTR;
        }
        std::array<char, 4096> chunk{};
        const ssize_t got = ::read(fd_, chunk.data(), chunk.size());
        if (got <= 0) {
            return got < 0 && errno == EINTR;
        }
        buffer_.append(chunk.data(), static_cast<std::size_t>(got));
        std::size_t start = 0;
        for (std::size_t end = buffer_.find('\n'); end != std::string::npos;
             end = buffer_.find('\n', start)) {
            lines->push_back(buffer_.substr(start, end - start));
            start = end + 1;
        }
        buffer_.erase(0, start);
        return true;
    }

private:
    int fd_;
    std::string buffer_;  // a line not yet complete
};

std::string DescribeStatus(int status) {
    if (WIFSIGNALED(status)) {
        return fmt::format("killed by signal {}", WTERMSIG(status));
    }
    return fmt::format("exited with status {}", WEXITSTATUS(status));
}

struct RoundPlan {
    int round = 0;
    int threads = 2;
    Duration kill_delay{};
    bool is_timed_from_spawn = false;  // else from the worker's ready line
};

// Runs one worker on `db` and SIGKILLs it after the plan's delay; appends its acknowledgements.
// Answers how many there were.
std::size_t RunRound(const std::string& db, const RoundPlan& plan, std::vector<Ack>* acks) {
    int fd = -1;
    const pid_t pid = SpawnWorker({CANDOR_CRASH_WORKER,
                                   db,
                                   std::to_string(plan.round),
                                   std::to_string(plan.threads),
                                   std::to_string(kWorkerSeconds)},
                                  &fd);
    if (pid <= 0) {
        ADD_FAILURE() << "cannot start " << CANDOR_CRASH_WORKER;
        return 0;
    }
    const SystemClock clock;
    Timestamp deadline = clock.Now() + (plan.is_timed_from_spawn ? plan.kill_delay : kReadyTimeout);
    bool is_ready = false;
    std::size_t count = 0;
    std::vector<std::string> lines;
    auto take = [&] {
        for (const std::string& line : lines) {
            if (line == kReadyLine) {
                is_ready = true;
                if (!plan.is_timed_from_spawn) {
                    deadline = clock.Now() + plan.kill_delay;
                }
                continue;
            }
            const std::size_t space = line.find(' ');
            const auto op = ParseOp(space == std::string::npos ? "" : line.substr(space + 1));
            if (!op) {
                ADD_FAILURE() << "round " << plan.round << ": unexpected line '" << line << "'";
                continue;
            }
            acks->push_back(Ack{line.substr(0, space), *op});
            ++count;
        }
        lines.clear();
    };
    LineReader reader(fd);
    bool is_open = true;
    for (Timestamp now = clock.Now(); is_open && now < deadline; now = clock.Now()) {
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
        is_open = reader.Read(static_cast<int>(wait.count()), &lines);
        take();
    }
    ::kill(pid, SIGKILL);
    // What the worker wrote before it died is still in the pipe: read it to the end.
    while (is_open) {
        is_open = reader.Read(-1, &lines);
        take();
    }
    ::close(fd);
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "round " << plan.round << ": the worker " << DescribeStatus(status)
        << " before it was killed (its stderr is above)";
    EXPECT_TRUE(is_ready || plan.is_timed_from_spawn)
        << "round " << plan.round << ": the worker was not ready within "
        << std::chrono::duration_cast<std::chrono::seconds>(kReadyTimeout).count() << " s";
    return count;
}

std::vector<MemberId> LoadMembers(store::Store& store) {
    std::vector<MemberId> members;
    for (int i = 0; i < kMembers; ++i) {
        auto member = store.FindMemberByPublicId(MemberPublicId(i));
        EXPECT_TRUE(member.has_value() && member->has_value()) << MemberPublicId(i);
        members.push_back(member && *member ? (*member)->id : MemberId());
    }
    return members;
}

// Each acknowledged key has its idempotency record, pointing at an entry of the right kind
// that no other key points at; an earn's entry credits what the key asked for.
void ExpectAcknowledgedOnce(store::Store& store,
                            const std::vector<Ack>& acks,
                            const std::vector<MemberId>& members) {
    std::set<std::string> keys;
    std::set<std::int64_t> entries;
    for (const Ack& ack : acks) {
        EXPECT_TRUE(keys.insert(ack.key).second) << ack.key << " was acknowledged twice";
        auto row = store.FindIdempotency(kClientId, ack.key);
        ASSERT_TRUE(row.has_value()) << row.error().message;
        ASSERT_TRUE(row->has_value()) << "acknowledged " << ack.key << " is missing";
        const std::int64_t entry_id = (*row)->result_id;
        EXPECT_TRUE(entries.insert(entry_id).second)
            << ack.key << " points at entry " << entry_id << ", as another key does";
        auto entry_row = store.LoadEntry(EntryId(entry_id));
        ASSERT_TRUE(entry_row.has_value()) << entry_row.error().message;
        ASSERT_TRUE(entry_row->has_value()) << ack.key << " points at missing entry " << entry_id;
        EXPECT_EQ((*entry_row)->kind, EntryKindOf(ack.op)) << ack.key << " " << Name(ack.op);
        if (ack.op != Op::kEarn) {
            continue;
        }
        auto entry = journal::Decode((*entry_row)->body);
        ASSERT_TRUE(entry.has_value()) << entry.error().message;
        const ledger::Earn earn =
            EarnFor(ack.key, members.at(static_cast<std::size_t>(MemberIndex(ack.key))));
        ASSERT_FALSE(entry->postings.empty());
        EXPECT_EQ(
            entry->postings.front(),
            (journal::Posting{
                ledger::MemberAccount(earn.member, Asset::kPoints), Asset::kPoints, earn.points}))
            << ack.key;
    }
}

// Resubmits acknowledged earns, rebuilt from their keys: each replays its first outcome,
// and the same key with another command is refused.
void ExpectEarnsReplay(store::Store& store,
                       const std::vector<Ack>& acks,
                       const std::vector<MemberId>& members,
                       Random& random) {
    std::vector<const Ack*> earns;
    for (const Ack& ack : acks) {
        if (ack.op == Op::kEarn) {
            earns.push_back(&ack);
        }
    }
    ASSERT_FALSE(earns.empty());
    const SystemClock clock;
    ledger::Ledger ledger(store, clock);
    ledger::Committer committer(store, ledger);
    for (std::size_t i = 0; i < kResubmittedEarns; ++i) {
        const Ack& ack = *earns.at(random.Below(earns.size()));
        ledger::Earn earn =
            EarnFor(ack.key, members.at(static_cast<std::size_t>(MemberIndex(ack.key))));
        auto first = store.FindIdempotency(kClientId, ack.key);
        ASSERT_TRUE(first.has_value() && first->has_value()) << ack.key;
        auto replayed =
            committer.Submit(ledger::Request{std::string(kClientId), ack.key, earn}).get();
        ASSERT_TRUE(replayed.has_value()) << ack.key << ": " << replayed.error().message;
        EXPECT_TRUE(replayed->is_replay) << ack.key;
        ASSERT_TRUE(replayed->entry.has_value()) << ack.key;
        EXPECT_EQ(replayed->entry->id.value(), (*first)->result_id) << ack.key;

        earn.points = Amount(earn.points.value() + 1);
        auto conflicting =
            committer.Submit(ledger::Request{std::string(kClientId), ack.key, earn}).get();
        ASSERT_FALSE(conflicting.has_value()) << ack.key << " accepted another command";
        EXPECT_EQ(conflicting.error().code, ErrorCode::kIdempotencyConflict) << ack.key;
    }
    committer.Stop();
}

void ExpectCheckPasses(store::Store& store) {
    auto report = ledger::Check(store);
    ASSERT_TRUE(report.has_value()) << report.error().message;
    std::string violations;
    for (const std::string& violation : report->violations) {
        violations += violation + "\n";
    }
    EXPECT_TRUE(report->is_ok()) << violations;
    fmt::print("check: {} entries, {} postings, {} accounts, {} holds\n",
               report->entries,
               report->postings,
               report->accounts,
               report->holds);
}

TEST(CrashTest, AcknowledgedCommandsSurviveSigkill) {
    const std::uint64_t seed = Seed();
    fmt::print("crash test seed: {0} (rerun with CANDOR_CRASH_SEED={0})\n", seed);
    ASSERT_TRUE(crypto::InitCrypto().has_value());
    Random random(seed);
    testkit::TempDir dir;
    const std::string db = dir.File("crash.db");

    std::vector<Ack> acks;
    for (int round = 1; round <= kRounds; ++round) {
        RoundPlan plan;
        plan.round = round;
        plan.threads = static_cast<int>(random.Between(2, 4));
        // Every fourth kill comes within the worker's first milliseconds (it is ready after
        // about 15), so it lands in open, WAL recovery, migration, set-up or enrolment.
        plan.is_timed_from_spawn = round % 4 == 1;
        plan.kill_delay = std::chrono::milliseconds(
            plan.is_timed_from_spawn ? random.Between(1, kStartupKillDelayMaxMs)
                                     : random.Between(kKillDelayMinMs, kKillDelayMaxMs));
        const std::size_t count = RunRound(db, plan, &acks);
        fmt::print("round {:2}: {} threads, killed {:3} ms after {}: {} acknowledged\n",
                   round,
                   plan.threads,
                   std::chrono::duration_cast<std::chrono::milliseconds>(plan.kill_delay).count(),
                   plan.is_timed_from_spawn ? "spawn" : "ready",
                   count);
        std::fflush(stdout);
        if (HasFailure()) {
            return;
        }
    }
    ASSERT_FALSE(acks.empty()) << "no worker acknowledged anything; the test proved nothing";

    store::OpenOptions options;
    options.create = false;
    auto store = store::Open(db, options);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    ExpectCheckPasses(**store);
    const std::vector<MemberId> members = LoadMembers(**store);
    ExpectAcknowledgedOnce(**store, acks, members);
    ExpectEarnsReplay(**store, acks, members, random);
    ExpectCheckPasses(**store);
    if (HasFailure()) {
        return;
    }
    fmt::print(
        "{} commands acknowledged over {} kills; all present exactly once\n", acks.size(), kRounds);
}

}  // namespace
}  // namespace candor::crash
