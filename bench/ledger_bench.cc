// ledger_bench: durable earns through the ledger's Committer on a SQLite database of many
// members, against the same earns issued as raw SQL and against one transaction per earn.
//
// Usage: ledger_bench [--members N] [--dir DIR] [--seconds S] [--earns N] [--inflight N]
//                     [--json PATH] [--seed N] [--only RUN,RUN...]
//
// It builds DIR/members-N.db once (reused by later runs), then measures each configuration
// on a fresh copy of it, so that every run starts from the same database:
//   committer_2, committer_16   earns from 2 and 16 threads, each keeping requests in flight
//   one_per_tx                  the same as committer_16 with batch_max = 1
//   raw_sqlite                  the earn's SQL issued directly, 1000 earns per transaction
//   committer_half_peak         paced at half the best committer rate: latency under load
// Each run stops after --earns earns or --seconds seconds. It prints the results with their
// ratios to the targets of docs/design.md and writes them as JSON. Benchmarks report, never
// gate: the exit status is 0 even when a target is missed (only bad flags or a failed set-up
// exit 1).
//
// Elapsed time is read from std::chrono::steady_clock: a benchmark measures intervals, and
// nothing it reads is stored.
#include <fmt/format.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_result.h"
#include "core/random.h"
#include "crypto/crypto.h"
#include "journal/journal.h"
#include "ledger/ledger.h"
#include "raw_sqlite.h"
#include "store/store.h"

namespace candor::bench {
namespace {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

constexpr std::ptrdiff_t kInFlightMax = 4096;
constexpr std::size_t kLoadBatch = 50'000;
constexpr std::string_view kClientId = "bench";

// Targets from docs/design.md and the benchmark's brief.
constexpr double kRawRatioTarget = 0.80;
constexpr double kOnePerTxRatioTarget = 6.0;
constexpr double kP99TargetMs = 20.0;
constexpr double kHalfPeakP99TargetMs = 10.0;

struct Options {
    std::int64_t members = 1'000'000;
    std::string dir = "build/bench";
    double seconds = 10;
    std::size_t earns = 200'000;
    std::size_t inflight = 0;  // per thread; 0 picks max(64, 512 / threads)
    std::string json;
    std::uint64_t seed = 42;
    std::string only;  // comma-separated run names; empty runs them all

    bool Selects(std::string_view run) const {
        if (only.empty()) {
            return true;
        }
        const std::string list = "," + only + ",";
        return list.find(fmt::format(",{},", run)) != std::string::npos;
    }
};

template <class T>
bool ParseNumber(std::string_view text, T* value) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
    return error == std::errc() && end == text.data() + text.size();
}

bool ParseOptions(int argc, char** argv, Options* options) {
    for (int i = 1; i < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (i + 1 >= argc) {
            return false;
        }
        const std::string_view value = argv[i + 1];
        bool ok = true;
        if (flag == "--members") {
            ok = ParseNumber(value, &options->members) && options->members > 0;
        } else if (flag == "--dir") {
            options->dir = value;
        } else if (flag == "--seconds") {
            ok = ParseNumber(value, &options->seconds) && options->seconds > 0;
        } else if (flag == "--earns") {
            ok = ParseNumber(value, &options->earns) && options->earns > 0;
        } else if (flag == "--inflight") {
            ok = ParseNumber(value, &options->inflight) &&
                 options->inflight <= static_cast<std::size_t>(kInFlightMax);
        } else if (flag == "--json") {
            options->json = value;
        } else if (flag == "--only") {
            options->only = value;
        } else if (flag == "--seed") {
            ok = ParseNumber(value, &options->seed);
        } else {
            ok = false;
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

double SecondsSince(Steady::time_point start) {
    return std::chrono::duration<double>(Steady::now() - start).count();
}

void RemoveDatabase(const std::string& path) {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm"}) {
        fs::remove(path + suffix, ignored);
    }
}

// True when `path` holds a set-up database with exactly `members` members.
bool IsLoaded(const std::string& path, std::int64_t members) {
    std::error_code error;
    if (!fs::exists(path, error)) {
        return false;
    }
    store::OpenOptions options;
    options.create = false;
    auto store = store::Open(path, options);
    if (!store) {
        return false;
    }
    auto count = (*store)->CountMembers();
    auto issued = (*store)->FindSystemAccountByCode("issued:points");
    return count && *count == members && issued && issued->has_value();
}

// Enrols members m1..mN through the ledger, in large transactions without fsync.
Status Load(const std::string& path, std::int64_t members) {
    RemoveDatabase(path);
    store::OpenOptions options;
    options.synchronous_full = false;
    CANDOR_ASSIGN_OR_RETURN(auto store, store::Open(path, options));
    const SystemClock clock;
    ledger::Ledger ledger(*store, clock);
    CANDOR_TRY(ledger.Setup());
    const auto start = Steady::now();
    for (std::int64_t next = 1; next <= members;) {
        CANDOR_TRY(store->Begin());
        for (std::size_t i = 0; i < kLoadBatch && next <= members; ++i, ++next) {
            auto enrolled = ledger.Execute(
                ledger::Request{"bench-load", "", ledger::EnrolMember{fmt::format("m{}", next)}});
            if (!enrolled) {
                (void)store->Rollback();
                return std::move(enrolled).error();
            }
        }
        CANDOR_TRY(store->Commit());
        fmt::print(
            "  enrolled {} of {} members ({:.0f} s)\n", next - 1, members, SecondsSince(start));
        std::fflush(stdout);
    }
    return Ok();
}

// The size of an earn's canonical encoding, for the raw program's entry bodies.
std::size_t EarnBodyBytes(std::int64_t members) {
    journal::Entry entry;
    entry.id = EntryId(1'000'000);
    entry.kind = EntryKind::kEarn;
    entry.created_at = FromMicros(1'767'225'600'000'000);
    entry.effective_at = entry.created_at;
    entry.expires_at = entry.created_at + std::chrono::days(365);
    const MemberId member(members);
    entry.postings = {{ledger::MemberAccount(member, Asset::kPoints), Asset::kPoints, Amount(250)},
                      {ledger::MemberAccount(member, Asset::kStatus), Asset::kStatus, Amount(50)},
                      {AccountId(31), Asset::kPoints, Amount(-250)},
                      {AccountId(47), Asset::kStatus, Amount(-50)}};
    return journal::Encode(entry).size();
}

struct CommitterRun {
    std::string name;
    int threads = 2;
    std::size_t batch_max = 1000;
    std::size_t inflight = 256;  // per thread, closed loop
    double rate_per_s = 0;       // when set: open loop at this total rate, no in-flight cap
};

// What the threads of one committer run share. Callbacks run on the committer thread, or on a
// submitting thread when Submit refuses at once (a full queue), hence the mutex.
struct RunState {
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> issued{0};
    std::mutex mutex;
    std::size_t ok = 0;
    std::size_t failed = 0;
    std::string first_error;
    std::vector<std::int64_t> latency_us;
    Steady::time_point last_done;
};

ledger::Request EarnRequest(std::string key, Random& random, std::int64_t members) {
    ledger::Earn earn;
    earn.member =
        MemberId(1 + static_cast<std::int64_t>(random.Below(static_cast<std::uint64_t>(members))));
    earn.points = Amount(random.Between(1, 500));
    earn.status = Amount(random.Between(1, 100));
    return ledger::Request{std::string(kClientId), std::move(key), std::move(earn)};
}

ledger::Committer::Callback Recorder(RunState& state,
                                     Steady::time_point sent,
                                     std::counting_semaphore<kInFlightMax>* slots) {
    return [&state, sent, slots](const Result<ledger::Outcome>& outcome) {
        const auto now = Steady::now();
        std::lock_guard lock(state.mutex);
        if (outcome) {
            ++state.ok;
            state.latency_us.push_back(
                std::chrono::duration_cast<std::chrono::microseconds>(now - sent).count());
        } else if (state.failed++ == 0) {
            state.first_error = outcome.error().message;
        }
        state.last_done = std::max(state.last_done, now);
        if (slots != nullptr) {
            slots->release();
        }
    };
}

// One submitting thread. Closed loop: keeps up to run.inflight requests in flight. Open loop
// (rate_per_s set): sends on a fixed schedule and measures latency from the scheduled time,
// so that a stall is not hidden by sending less.
void SubmitLoop(ledger::Committer& committer,
                const CommitterRun& run,
                const Options& options,
                int thread,
                std::counting_semaphore<kInFlightMax>& slots,
                RunState& state) {
    Random random(options.seed * 1000 + static_cast<std::uint64_t>(thread));
    const bool is_paced = run.rate_per_s > 0;
    const auto period = std::chrono::duration_cast<Steady::duration>(
        std::chrono::duration<double>(run.threads / std::max(run.rate_per_s, 1.0)));
    auto next_send = Steady::now() + period * thread / run.threads;
    for (;;) {
        if (is_paced) {
            std::this_thread::sleep_until(next_send);
        } else {
            slots.acquire();
        }
        const std::size_t n = state.issued.fetch_add(1);
        if (state.stop.load() || n >= options.earns) {
            if (!is_paced) {
                slots.release();
            }
            return;
        }
        const auto sent = is_paced ? next_send : Steady::now();
        next_send += period;
        committer.Submit(EarnRequest(fmt::format("{}-{}", run.name, n), random, options.members),
                         Recorder(state, sent, is_paced ? nullptr : &slots));
    }
}

RunResult RunCommitter(const std::string& db, const CommitterRun& run, const Options& options) {
    RunResult result;
    result.name = run.name;
    result.latency_of = "submit to callback";
    auto store = store::Open(db);  // synchronous = FULL
    if (!store) {
        result.error = store.error().message;
        return result;
    }
    const SystemClock clock;
    ledger::Ledger ledger(**store, clock);
    ledger::CommitterOptions committer_options;
    committer_options.batch_max = run.batch_max;
    ledger::Committer committer(**store, ledger, committer_options);

    RunState state;
    state.latency_us.reserve(options.earns);
    std::vector<std::unique_ptr<std::counting_semaphore<kInFlightMax>>> slots;
    std::vector<std::thread> threads;
    const std::int64_t cpu_start_us = ProcessCpuMicros();
    const auto start = Steady::now();
    for (int t = 0; t < run.threads; ++t) {
        slots.push_back(std::make_unique<std::counting_semaphore<kInFlightMax>>(
            static_cast<std::ptrdiff_t>(run.inflight)));
        threads.emplace_back([&, t, semaphore = slots.back().get()] {
            SubmitLoop(committer, run, options, t, *semaphore, state);
        });
    }
    while (SecondsSince(start) < options.seconds && state.issued.load() < options.earns) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    state.stop.store(true);
    for (std::thread& thread : threads) {
        thread.join();
    }
    committer.Stop();  // runs what is still queued, then every callback has run

    const ledger::CommitterStats stats = committer.stats();
    result.earns = state.ok;
    result.failed = state.failed;
    result.transactions = stats.batches;
    result.seconds = std::chrono::duration<double>(state.last_done - start).count();
    result.earns_per_s = result.seconds > 0 ? static_cast<double>(state.ok) / result.seconds : 0;
    SetLatencies(state.latency_us, &result);
    SetCpu(cpu_start_us, &result);
    if (state.failed > 0) {
        result.error =
            fmt::format("{} earns failed; the first: {}", state.failed, state.first_error);
    }
    return result;
}

// Copies the loaded database so that the run starts where every other run starts.
Result<std::string> FreshCopy(const std::string& base, const Options& options) {
    const std::string work = (fs::path(options.dir) / "work.db").string();
    RemoveDatabase(work);
    std::error_code error;
    fs::copy_file(base, work, error);
    if (error) {
        return MakeError(ErrorCode::kStorage,
                         fmt::format("cannot copy {}: {}", base, error.message()));
    }
    return work;
}

void PrintRun(const RunResult& r) {
    if (!r.error.empty() && r.earns == 0) {
        fmt::print("{:<20} FAILED: {}\n", r.name, r.error);
        return;
    }
    fmt::print(
        "{:<20} {:>7.0f} earns/s {:5.1f} cpu-us/earn {:>7} in {:4.1f} s {:>6} tx "
        "({:6.1f}/tx) p50 {:6.2f} ms p99 {:6.2f} ms max {:7.2f} ms ({})\n",
        r.name,
        r.earns_per_s,
        r.cpu_us_per_earn,
        r.earns,
        r.seconds,
        r.transactions,
        r.transactions > 0 ? static_cast<double>(r.earns) / static_cast<double>(r.transactions)
                           : 0.0,
        r.p50_ms,
        r.p99_ms,
        r.max_ms,
        r.latency_of);
    if (!r.error.empty()) {
        fmt::print("{:<20} ERROR: {}\n", "", r.error);
    }
    std::fflush(stdout);
}

struct Verdict {
    std::string name;
    double value = 0;
    std::string comparison;  // ">=" or "<"
    double target = 0;
    std::string unit;

    bool is_met() const { return comparison == ">=" ? value >= target : value < target; }
};

std::string JsonString(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string Json(const Options& options,
                 std::size_t body_bytes,
                 const std::vector<RunResult>& runs,
                 const std::vector<Verdict>& verdicts) {
    std::string out = fmt::format(
        "{{\n  \"benchmark\": \"ledger_bench\",\n  \"members\": {},\n  \"seconds_max\": {},\n"
        "  \"earns_max\": {},\n  \"earn_body_bytes\": {},\n  \"runs\": [\n",
        options.members,
        options.seconds,
        options.earns,
        body_bytes);
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const RunResult& r = runs[i];
        out += fmt::format(
            "    {{\"name\": \"{}\", \"earns\": {}, \"failed\": {}, \"seconds\": {:.3f}, "
            "\"earns_per_s\": {:.1f}, \"cpu_us_per_earn\": {:.2f}, \"transactions\": {}, "
            "\"latency_of\": \"{}\", "
            "\"p50_ms\": {:.3f}, \"p99_ms\": {:.3f}, \"max_ms\": {:.3f}, \"error\": {}}}{}\n",
            r.name,
            r.earns,
            r.failed,
            r.seconds,
            r.earns_per_s,
            r.cpu_us_per_earn,
            r.transactions,
            r.latency_of,
            r.p50_ms,
            r.p99_ms,
            r.max_ms,
            JsonString(r.error),
            i + 1 < runs.size() ? "," : "");
    }
    out += "  ],\n  \"targets\": [\n";
    for (std::size_t i = 0; i < verdicts.size(); ++i) {
        const Verdict& v = verdicts[i];
        out += fmt::format(
            "    {{\"name\": \"{}\", \"value\": {:.3f}, \"target\": \"{} {}{}\", \"met\": {}}}{}\n",
            v.name,
            v.value,
            v.comparison,
            v.target,
            v.unit,
            v.is_met() ? "true" : "false",
            i + 1 < verdicts.size() ? "," : "");
    }
    out += "  ]\n}\n";
    return out;
}

const RunResult* Find(const std::vector<RunResult>& runs, std::string_view name) {
    for (const RunResult& r : runs) {
        if (r.name == name) {
            return &r;
        }
    }
    return nullptr;
}

// The best closed-loop committer run, or nullptr when none ran.
const RunResult* BestCommitter(const std::vector<RunResult>& runs) {
    const RunResult* best = nullptr;
    for (const char* name : {"committer_2", "committer_16"}) {
        const RunResult* r = Find(runs, name);
        if (r != nullptr && (best == nullptr || r->earns_per_s > best->earns_per_s)) {
            best = r;
        }
    }
    return best;
}

double Ratio(const RunResult& a, const RunResult& b) {
    return b.earns_per_s > 0 ? a.earns_per_s / b.earns_per_s : 0;
}

std::vector<Verdict> Judge(const std::vector<RunResult>& runs) {
    const RunResult* best = BestCommitter(runs);
    const RunResult* c16 = Find(runs, "committer_16");
    const RunResult* one = Find(runs, "one_per_tx");
    const RunResult* raw = Find(runs, "raw_sqlite");
    const RunResult* paced = Find(runs, "committer_half_peak");
    std::vector<Verdict> verdicts;
    if (best != nullptr && raw != nullptr) {
        verdicts.push_back({fmt::format("{}/raw_sqlite", best->name),
                            Ratio(*best, *raw),
                            ">=",
                            kRawRatioTarget,
                            ""});
    }
    if (c16 != nullptr && one != nullptr) {
        verdicts.push_back(
            {"committer_16/one_per_tx", Ratio(*c16, *one), ">=", kOnePerTxRatioTarget, ""});
    }
    if (best != nullptr) {
        verdicts.push_back(
            {fmt::format("{} p99", best->name), best->p99_ms, "<", kP99TargetMs, " ms"});
    }
    if (paced != nullptr) {
        verdicts.push_back(
            {"committer_half_peak p99", paced->p99_ms, "<", kHalfPeakP99TargetMs, " ms"});
    }
    return verdicts;
}

void PrintVerdicts(const std::vector<RunResult>& runs, const std::vector<Verdict>& verdicts) {
    const RunResult* raw = Find(runs, "raw_sqlite");
    for (const char* name : {"committer_2", "committer_16"}) {
        const RunResult* r = Find(runs, name);
        if (r != nullptr && raw != nullptr) {
            fmt::print("{:<28} {:>8.2f}\n", fmt::format("{}/raw_sqlite", name), Ratio(*r, *raw));
        }
    }
    for (const Verdict& v : verdicts) {
        fmt::print("{:<28} {:>8.2f}{:<3} target {} {}{:<3}  {}\n",
                   v.name,
                   v.value,
                   v.unit,
                   v.comparison,
                   v.target,
                   v.unit,
                   v.is_met() ? "met" : "MISSED");
    }
}

std::string DatabaseSize(const std::string& path) {
    std::error_code error;
    const std::uintmax_t bytes = fs::file_size(path, error);
    return error ? "size unknown" : fmt::format("{} MB", bytes >> 20U);
}

// The loaded database of options.members members: reused when present, else built.
Result<std::string> PrepareBase(const Options& options) {
    std::error_code ignored;
    fs::create_directories(options.dir, ignored);
    std::string base =
        (fs::path(options.dir) / fmt::format("members-{}.db", options.members)).string();
    if (IsLoaded(base, options.members)) {
        fmt::print("reusing {} ({})\n", base, DatabaseSize(base));
        return base;
    }
    fmt::print("loading {} members into {}\n", options.members, base);
    CANDOR_TRY(Load(base, options.members));
    fmt::print("loaded {} ({})\n", base, DatabaseSize(base));
    return base;
}

// Runs every selected configuration, each on a fresh copy of `base`.
Result<std::vector<RunResult>> MeasureAll(const Options& options, const std::string& base) {
    auto inflight = [&options](int threads) {
        return options.inflight > 0
                   ? options.inflight
                   : std::max<std::size_t>(64, 512 / static_cast<std::size_t>(threads));
    };
    std::vector<RunResult> runs;
    auto measure = [&](std::string_view name, auto&& run_on) -> Status {
        if (!options.Selects(name)) {
            return Ok();
        }
        CANDOR_ASSIGN_OR_RETURN(const std::string work, FreshCopy(base, options));
        runs.push_back(run_on(work));
        PrintRun(runs.back());
        return Ok();
    };
    for (const CommitterRun& run : {CommitterRun{"committer_2", 2, 1000, inflight(2), 0},
                                    CommitterRun{"committer_16", 16, 1000, inflight(16), 0},
                                    CommitterRun{"one_per_tx", 16, 1, inflight(16), 0}}) {
        CANDOR_TRY(measure(run.name,
                           [&](const std::string& db) { return RunCommitter(db, run, options); }));
    }
    RawOptions raw;
    raw.members = options.members;
    raw.earns_max = options.earns;
    raw.seconds_max = options.seconds;
    raw.body_bytes = EarnBodyBytes(options.members);
    raw.seed = options.seed;
    CANDOR_TRY(measure("raw_sqlite", [&](const std::string& db) {
        raw.db_path = db;
        return RunRawSqlite(raw);
    }));
    // Half of the best closed-loop rate: the latency a busy but not saturated ledger gives.
    if (const RunResult* best = BestCommitter(runs); best != nullptr) {
        const CommitterRun paced{
            "committer_half_peak", 16, 1000, inflight(16), best->earns_per_s / 2};
        CANDOR_TRY(measure(
            paced.name, [&](const std::string& db) { return RunCommitter(db, paced, options); }));
    }
    RemoveDatabase((fs::path(options.dir) / "work.db").string());
    return runs;
}

void Report(const Options& options, const std::vector<RunResult>& runs) {
    const std::vector<Verdict> verdicts = Judge(runs);
    PrintVerdicts(runs, verdicts);
    const std::string json = Json(options, EarnBodyBytes(options.members), runs, verdicts);
    if (options.json.empty()) {
        fmt::print("{}", json);
        return;
    }
    if (std::FILE* file = std::fopen(options.json.c_str(), "w")) {
        std::fputs(json.c_str(), file);
        std::fclose(file);
        fmt::print("wrote {}\n", options.json);
    } else {
        fmt::print(stderr, "ledger_bench: cannot write {}\n", options.json);
    }
}

int Main(const Options& options) {
    if (auto init = crypto::InitCrypto(); !init) {
        fmt::print(stderr, "ledger_bench: {}\n", init.error().message);
        return 1;
    }
    auto base = PrepareBase(options);
    if (!base) {
        fmt::print(stderr, "ledger_bench: {}\n", base.error().message);
        return 1;
    }
    auto runs = MeasureAll(options, *base);
    if (!runs) {
        fmt::print(stderr, "ledger_bench: {}\n", runs.error().message);
        return 1;
    }
    Report(options, *runs);
    return 0;
}

}  // namespace
}  // namespace candor::bench

// std::thread and std::filesystem::path report running out of threads or memory by throwing;
// ending the benchmark then is right.
// NOLINTNEXTLINE(bugprone-exception-escape)
int main(int argc, char** argv) {
    candor::bench::Options options;
    if (!candor::bench::ParseOptions(argc, argv, &options)) {
        fmt::print(stderr,
                   "usage: ledger_bench [--members N] [--dir DIR] [--seconds S] [--earns N] "
                   "[--inflight N] [--json PATH] [--seed N] [--only RUN,...]\n");
        return 1;
    }
    return candor::bench::Main(options);
}
