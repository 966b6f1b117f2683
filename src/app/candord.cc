// candord: the Candor server. Opens the database, wires the ledger, the committer and the HTTP
// routes together, serves until SIGTERM or SIGINT, then stops gracefully: the server stops
// accepting and finishes in-flight requests, the committer flushes, and the process exits 0.
// Start-up: settings (config/: file, CANDOR_* environment, flags), the key file, the database,
// then the wiring. Logs are JSON lines on stderr. See docs/config.md and docs/api.md.
#include <fmt/format.h>
#include <pthread.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "access/access.h"
#include "api/api.h"
#include "app/routes.h"
#include "app/sequencer.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/limits.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "translog/translog.h"

namespace candor::app {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

int Fail(std::string_view what, const Error& error) {
    LogJson(LogLevel::kError, {{"msg", what}, {"error", error.message}});
    return kExitFailed;
}

// Waits for SIGTERM or SIGINT, then stops gracefully: not ready, the server drains, the
// committer flushes, the sequencer integrates and signs what is left, then the workers finish
// their queue.
void WaitAndStop(const sigset_t& stop_signals,
                 std::atomic<bool>& is_ready,
                 api::Server& server,
                 ledger::Committer& committer,
                 Sequencer& sequencer,
                 WorkerPool& workers) {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    LogJson(LogLevel::kInfo, {{"msg", "stopping"}, {"signal", signal}});
    is_ready.store(false);
    server.Stop();
    server.Wait();
    // After the server: a request still waiting for its commit is answered (or dropped) before
    // the committer goes, and every Responder is gone before the server is destroyed.
    committer.Stop();
    sequencer.Stop();  // one last pass over what the committer flushed
    // Last: the committer's callbacks may have queued audit rows, and every queued job answers
    // its Responder before the server is destroyed.
    workers.Stop();
    const ledger::CommitterStats stats = committer.stats();
    LogJson(LogLevel::kInfo,
            {{"msg", "stopped"}, {"batches", stats.batches}, {"commands", stats.commands}});
}

int Serve(const config::Config& config) {
    // Block the stop signals before any thread starts, so every thread inherits the mask and
    // only sigwait below receives them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    if (auto initialized = crypto::InitCrypto(); !initialized) {
        return Fail("cannot start crypto", initialized.error());
    }
    // The keys before the database: without a key file (no `candor init`) nothing is created.
    // keys.signing_key is the Ed25519 seed that signs tree heads.
    const auto keys = config::LoadKeys(config.keys_file);
    if (!keys) {
        return Fail("cannot load the key file", keys.error());
    }
    auto store = store::Open(config.db);
    if (!store) {
        return Fail("cannot open the database", store.error());
    }
    const SystemClock clock;
    ledger::Ledger ledger(**store, clock);
    if (auto setup = ledger.Setup(); !setup) {
        return Fail("cannot set up the ledger", setup.error());
    }
    ledger::Committer committer(**store, ledger);

    // Reads run on their own read-only connections (WAL readers never block the writer).
    ReadPool reads(config.db, clock);
    crypto::PasswordHasher hasher(limits::kPasswordHashesConcurrentMax);
    AccessPool access(config.db, clock, hasher, access::AccessKeys{keys->index_key});
    api::RateLimiter rates(clock);
    // As many workers as hashes may run at once: more would only wait on the hasher.
    WorkerPool workers(limits::kPasswordHashesConcurrentMax);
    // The compiled program versions: the one in force (asked of the database per event) and
    // those the history explains.
    ProgramCache programs;
    Deps deps{committer,
              reads,
              access,
              rates,
              workers,
              programs,
              clock,
              config.default_key_rate_per_minute,
              config.time_zone};

    // The one sequencer of this database (candor sequence may race it safely): signs with the
    // key file's signing_key.
    Sequencer sequencer(config.db, keys->signing_key, clock);
    if (auto started = sequencer.Start(); !started) {
        committer.Stop();
        return Fail("cannot start the sequencer", started.error());
    }
    LogJson(LogLevel::kInfo,
            {{"msg", "sequencer started"},
             {"key_id", sequencer.signer().key_id()},
             {"public_key", crypto::ToHex(sequencer.signer().public_key())}});

    std::atomic<bool> is_ready{false};
    api::Metrics metrics;
    AddCommitterMetrics(metrics, committer);
    api::Router router;
    BuildRouter(
        router, metrics, [&is_ready] { return is_ready.load(); }, deps);

    api::ServerOptions server_options;
    server_options.host = config.listen.host;
    server_options.port = config.listen.port;
    server_options.threads = config.threads;
    server_options.tls_cert_file = config.tls.cert_file;
    server_options.tls_key_file = config.tls.key_file;
    api::Server server(server_options, router, metrics);
    if (auto started = server.Start(); !started) {
        committer.Stop();
        return Fail("cannot listen", started.error());
    }
    is_ready.store(true);
    LogJson(LogLevel::kInfo,
            {{"msg", "listening"},
             {"host", server_options.host},
             {"port", server.port()},
             {"tls", config.tls.is_enabled()},
             {"db", config.db}});

    WaitAndStop(stop_signals, is_ready, server, committer, sequencer, workers);
    return kExitOk;
}

// The sources of the settings: the file (--config or CANDOR_CONFIG), the CANDOR_* environment,
// and the flags given.
Result<config::Config> LoadConfig(const std::string& config_path,
                                  std::map<std::string, std::string, std::less<>> flags) {
    config::Sources sources;
    sources.flags = std::move(flags);
    for (const config::Setting& setting : config::Settings()) {
        const std::string name(setting.env);
        // NOLINTNEXTLINE(concurrency-mt-unsafe): start-up, before any thread exists
        if (const char* value = std::getenv(name.c_str()); value != nullptr) {
            sources.environment.emplace(name, value);
        }
    }
    std::string path = config_path;
    // NOLINTNEXTLINE(concurrency-mt-unsafe): start-up, before any thread exists
    if (const char* value = std::getenv(std::string(config::kConfigFileEnv).c_str());
        path.empty() && value != nullptr) {
        path = value;
    }
    if (!path.empty()) {
        CANDOR_ASSIGN_OR_RETURN(sources.file, config::ReadConfigFile(path));
    }
    return config::Load(sources);
}

int Main(int argc, char** argv) {
    CLI::App app{"candord: the Candor loyalty ledger server (settings: docs/config.md)", "candord"};
    std::string config_path;
    app.add_option("--config",
                   config_path,
                   "TOML settings file (or CANDOR_CONFIG); flags and CANDOR_* variables win");
    const std::span<const config::Setting> settings = config::Settings();
    std::vector<std::string> values(settings.size());
    std::vector<CLI::Option*> options;
    for (std::size_t i = 0; i < settings.size(); ++i) {
        options.push_back(app.add_option(
            std::string(settings[i].flag),
            values[i],
            fmt::format(
                "{} ({}; {} in the file)", settings[i].meaning, settings[i].env, settings[i].key)));
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error) == 0 ? kExitOk : kExitUsage;
    }
    std::map<std::string, std::string, std::less<>> flags;
    for (std::size_t i = 0; i < settings.size(); ++i) {
        if (options[i]->count() > 0) {
            flags.emplace(settings[i].key, values[i]);
        }
    }
    auto config = LoadConfig(config_path, std::move(flags));
    if (!config) {
        LogJson(LogLevel::kError,
                {{"msg", "bad configuration"}, {"error", config.error().message}});
        return kExitUsage;
    }
    return Serve(*config);
}

}  // namespace
}  // namespace candor::app

int main(int argc, char** argv) {
    // The one top-level catch of the process: third-party code may throw (bad_alloc, CLI11).
    try {
        return candor::app::Main(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "candord: internal error: %s\n", e.what());
        return 1;
    }
}
