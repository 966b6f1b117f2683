// candord: the Candor server. Opens the database, wires the ledger, the committer and the HTTP
// routes together, serves until SIGTERM or SIGINT, then stops gracefully: the server stops
// accepting and finishes in-flight requests, the committer flushes, and the process exits 0.
// Logs are JSON lines on stderr. With --bootstrap-admin-key, a database without any API key gets
// an admin key, printed once on stdout (never to the log). See docs/api.md.
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "access/access.h"
#include "api/api.h"
#include "app/routes.h"
#include "app/sequencer.h"
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

struct Flags {
    std::string listen = "127.0.0.1:8080";
    std::string db = "sqlite:var/candor.db";
    std::size_t threads = 0;
    std::string index_key_file;  // "" = the database's path + ".index-key"
    bool bootstrap_admin_key = false;
    std::string signing_key_file;  // "" = no sequencer
};

constexpr std::size_t kIndexKeyBytes = 32;
constexpr std::string_view kSqlitePrefix = "sqlite:";

// The default index key file: next to the SQLite database ("var/candor.db.index-key").
Result<std::string> DefaultIndexKeyFile(std::string_view db) {
    if (!db.starts_with(kSqlitePrefix) || db == "sqlite::memory:") {
        return MakeError(ErrorCode::kInvalidArgument,
                         "--index-key-file is needed when --db is not a SQLite file");
    }
    return std::string(db.substr(kSqlitePrefix.size())) + ".index-key";
}

// Reads the 32-byte key (64 hex digits) from `path`, first creating the file with a fresh
// random key and mode 0600 when it does not exist. TODO(#3): the key file of `candor init`.
Result<access::AccessKeys> LoadIndexKey(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        std::array<std::uint8_t, kIndexKeyBytes> fresh{};
        crypto::RandomBytes(fresh);
        const std::string hex = crypto::ToHex(fresh) + "\n";
        const bool is_written =
            ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) &&
            ::fsync(fd) == 0;
        ::close(fd);
        if (!is_written) {
            return MakeError(ErrorCode::kStorage, "cannot write the index key file " + path);
        }
        LogJson(LogLevel::kInfo, {{"msg", "created the index key file"}, {"path", path}});
    } else if (errno != EEXIST) {
        return MakeError(ErrorCode::kStorage, "cannot create the index key file " + path);
    }
    std::ifstream file(path);
    std::string hex;
    if (!(file >> hex) || hex.size() != 2 * kIndexKeyBytes) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "the index key file must hold 64 hex digits: " + path);
    }
    access::AccessKeys keys;
    for (std::size_t i = 0; i < kIndexKeyBytes; ++i) {
        std::uint32_t byte = 0;
        for (const char c : hex.substr(2 * i, 2)) {
            const bool is_digit = c >= '0' && c <= '9';
            const bool is_lower = c >= 'a' && c <= 'f';
            if (!is_digit && !is_lower) {
                return MakeError(ErrorCode::kInvalidArgument,
                                 "the index key file must hold 64 lower-case hex digits: " + path);
            }
            byte = byte * 16 + static_cast<std::uint32_t>(is_digit ? c - '0' : c - 'a' + 10);
        }
        keys.index_key[i] = static_cast<std::uint8_t>(byte);
    }
    return keys;
}

// The key of --index-key-file, or of the default file next to the database.
Result<access::AccessKeys> LoadIndexKey(const Flags& flags) {
    if (!flags.index_key_file.empty()) {
        return LoadIndexKey(flags.index_key_file);
    }
    CANDOR_ASSIGN_OR_RETURN(const std::string path, DefaultIndexKeyFile(flags.db));
    return LoadIndexKey(path);
}

// With --bootstrap-admin-key: when the database has no API key at all, creates an admin key and
// prints it once on stdout as "CANDOR_ADMIN_KEY=ck_...". The log says only that it was made.
Status BootstrapAdminKey(AccessPool& pool) {
    CANDOR_ASSIGN_OR_RETURN(const std::vector<access::ApiKeyInfo> keys,
                            pool.Run<std::vector<access::ApiKeyInfo>>(
                                [](access::Access& access) { return access.ListApiKeys(); }));
    if (!keys.empty()) {
        LogJson(LogLevel::kInfo, {{"msg", "API keys exist; no bootstrap admin key made"}});
        return {};
    }
    CANDOR_ASSIGN_OR_RETURN(const access::CreatedApiKey created,
                            pool.Run<access::CreatedApiKey>([](access::Access& access) {
                                return access.CreateApiKey("bootstrap admin", {"admin"}, "", "", 0);
                            }));
    std::fprintf(stdout, "CANDOR_ADMIN_KEY=%s\n", created.token.c_str());
    std::fflush(stdout);
    LogJson(LogLevel::kInfo, {{"msg", "bootstrap admin key made"}, {"id", created.public_id}});
    return {};
}

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

// Waits for SIGTERM or SIGINT, then stops gracefully: not ready, the server drains, then the
// committer flushes, then the sequencer (if any) integrates and signs what is left.
void WaitAndStop(const sigset_t& stop_signals,
                 std::atomic<bool>& is_ready,
                 api::Server& server,
                 ledger::Committer& committer,
                 Sequencer* sequencer) {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    LogJson(LogLevel::kInfo, {{"msg", "stopping"}, {"signal", signal}});
    is_ready.store(false);
    server.Stop();
    server.Wait();
    // After the server: a request still waiting for its commit is answered (or dropped) before
    // the committer goes, and every Responder is gone before the server is destroyed.
    committer.Stop();
    if (sequencer != nullptr) {
        sequencer->Stop();  // one last pass over what the committer flushed
    }
    const ledger::CommitterStats stats = committer.stats();
    LogJson(LogLevel::kInfo,
            {{"msg", "stopped"}, {"batches", stats.batches}, {"commands", stats.commands}});
}

// With --signing-key-file, a sequencer signing with that key; without, none (logged once).
Status StartSequencer(const Flags& flags, const Clock& clock, std::unique_ptr<Sequencer>* out) {
    if (flags.signing_key_file.empty()) {
        LogJson(LogLevel::kWarn,
                {{"msg", "no --signing-key-file: the transparency log is not sequenced"}});
        return Ok();
    }
    CANDOR_ASSIGN_OR_RETURN(crypto::Ed25519Seed seed,
                            translog::ReadSigningKeyFile(flags.signing_key_file));
    *out = std::make_unique<Sequencer>(flags.db, seed, clock);
    crypto::Wipe(seed);
    CANDOR_TRY((*out)->Start());
    LogJson(LogLevel::kInfo,
            {{"msg", "sequencer started"},
             {"key_id", (*out)->signer().key_id()},
             {"public_key", crypto::ToHex((*out)->signer().public_key())}});
    return Ok();
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

    auto index_key = LoadIndexKey(flags);
    if (!index_key) {
        committer.Stop();
        return Fail("cannot load the index key", index_key.error());
    }

    // Reads run on their own read-only connections (WAL readers never block the writer).
    ReadPool reads(flags.db, clock);
    crypto::PasswordHasher hasher(limits::kPasswordHashesConcurrentMax);
    AccessPool access(flags.db, clock, hasher, *index_key);
    Deps deps{committer, reads, access};
    if (flags.bootstrap_admin_key) {
        if (auto made = BootstrapAdminKey(access); !made) {
            committer.Stop();
            return Fail("cannot make the bootstrap admin key", made.error());
        }
    }

    std::unique_ptr<Sequencer> sequencer;
    if (auto started = StartSequencer(flags, clock, &sequencer); !started) {
        committer.Stop();
        return Fail("cannot start the sequencer", started.error());
    }

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

    WaitAndStop(stop_signals, is_ready, server, committer, sequencer.get());
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
    app.add_option("--index-key-file",
                   flags.index_key_file,
                   "File with the 32-byte blind-index key in hex, created (mode 0600) if missing; "
                   "default: the SQLite database's path + .index-key");
    app.add_option("--signing-key-file",
                   flags.signing_key_file,
                   "File with the transparency log's Ed25519 seed (64 hex digits, mode 0600, as "
                   "for `candor sequence --key-file`); without it the log is not sequenced");
    app.add_flag("--bootstrap-admin-key",
                 flags.bootstrap_admin_key,
                 "When the database has no API key, make an admin key and print it on stdout");
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
