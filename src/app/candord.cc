// candord: the Candor server. Opens the database, wires the ledger, the committer and the HTTP
// routes together, serves until SIGTERM or SIGINT, then stops gracefully: the server stops
// accepting and finishes in-flight requests, the committer flushes, and the process exits 0.
// Logs are JSON lines on stderr. See docs/api.md.
#include <pthread.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include "api/api.h"
#include "app/routes.h"
#include "core/clock.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "ledger/ledger.h"
#include "store/store.h"

namespace candor::app {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

struct Flags {
    std::string listen = "127.0.0.1:8080";
    std::string db = "sqlite:var/candor.db";
    std::size_t threads = 0;
};

// "HOST:PORT" or "[V6]:PORT" into options; false when malformed.
bool ParseListen(const std::string& listen, api::ServerOptions* options) {
    const std::size_t colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
        return false;
    }
    std::string host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    std::uint32_t port = 0;
    for (const char c : listen.substr(colon + 1)) {
        if (c < '0' || c > '9') {
            return false;
        }
        port = port * 10 + static_cast<std::uint32_t>(c - '0');
        if (port > 65'535) {
            return false;
        }
    }
    options->host = std::move(host);
    options->port = static_cast<std::uint16_t>(port);
    return true;
}

int Fail(std::string_view what, const Error& error) {
    LogJson(LogLevel::kError, {{"msg", what}, {"error", error.message}});
    return kExitFailed;
}

int Serve(const Flags& flags) {
    api::ServerOptions server_options;
    if (!ParseListen(flags.listen, &server_options)) {
        LogJson(LogLevel::kError,
                {{"msg", "--listen must be HOST:PORT"}, {"listen", flags.listen}});
        return kExitUsage;
    }
    server_options.threads = flags.threads;

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
    auto store = store::Open(flags.db);
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
    ReadPool reads(flags.db, clock);
    Deps deps{committer, reads};

    std::atomic<bool> is_ready{false};
    api::Metrics metrics;
    api::Router router;
    BuildRouter(
        router, metrics, [&is_ready] { return is_ready.load(); }, deps);

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
             {"db", flags.db}});

    int signal = 0;
    sigwait(&stop_signals, &signal);
    LogJson(LogLevel::kInfo, {{"msg", "stopping"}, {"signal", signal}});
    is_ready.store(false);
    server.Stop();
    server.Wait();
    // After the server: a request still waiting for its commit is answered (or dropped) before
    // the committer goes, and every Responder is gone before the server is destroyed.
    committer.Stop();
    const ledger::CommitterStats stats = committer.stats();
    LogJson(LogLevel::kInfo,
            {{"msg", "stopped"}, {"batches", stats.batches}, {"commands", stats.commands}});
    return kExitOk;
}

int Main(int argc, char** argv) {
    CLI::App app{"candord: the Candor loyalty ledger server", "candord"};
    Flags flags;
    app.add_option("--listen", flags.listen, "Address to listen on, HOST:PORT (port 0: any free)")
        ->capture_default_str();
    app.add_option("--db", flags.db, "Database: sqlite:PATH")->capture_default_str();
    app.add_option("--threads", flags.threads, "Event-loop threads; 0 = one per core")
        ->check(CLI::Range(std::size_t{0}, std::size_t{256}))
        ->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error) == 0 ? kExitOk : kExitUsage;
    }
    return Serve(flags);
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
