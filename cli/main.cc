// candor: the command-line tool. See `candor --help` and docs/cli.md.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "core/limits.h"
#include "crypto/crypto.h"

namespace {

// The transparency log's subcommands (docs/transparency.md).
struct LogCommands {
    CLI::App* verify = nullptr;
    CLI::App* sequence = nullptr;
};

LogCommands AddLogCommands(CLI::App& app,
                           candor::cli::VerifyOptions& verify,
                           candor::cli::SequenceOptions& sequence) {
    auto* verify_command = app.add_subcommand(
        "verify",
        "Rebuild the transparency log from the journal and compare every stored node and "
        "signed tree head (exit 1 naming the first difference)");
    verify_command->add_option(
        "--db", verify.db, "Database: sqlite:PATH or PATH (needed unless --receipt)");
    verify_command->add_option(
        "--key", verify.keys, "Ed25519 public key (hex) whose heads to check; repeatable");
    auto* receipt = verify_command->add_option(
        "--receipt",
        verify.receipt,
        "Check a saved receipt (GET /v1/members/{id}/receipts/{entry}) offline; needs --key");
    verify_command
        ->add_option("--consistency",
                     verify.consistency,
                     "OLD_HEAD NEW_HEAD: check that the log of --db grew from one saved head "
                     "(GET /v1/transparency/head) to the other without rewriting")
        ->expected(2)
        ->excludes(receipt);

    auto* sequence_command = app.add_subcommand(
        "sequence", "Integrate new journal entries into the transparency log and sign a head");
    sequence_command->add_option("--db", sequence.db, "Database: sqlite:PATH or PATH")->required();
    sequence_command->add_option(
        "--keys-file", sequence.keys_file, "The key file (default: the SQLite path + .keys)");
    sequence_command->add_option("--batch", sequence.batch, "Entries per signed head")
        ->check(CLI::Range(std::size_t{1}, candor::limits::kSequenceBatchMax))
        ->capture_default_str();

    return LogCommands{verify_command, sequence_command};
}

// Setting up a deployment: init, and API keys for it (docs/cli.md).
struct AdminCommands {
    CLI::App* init = nullptr;
    CLI::App* keys_create = nullptr;
    CLI::App* keys_rotate_signing = nullptr;
};

AdminCommands AddAdminCommands(CLI::App& app,
                               candor::cli::InitOptions& init,
                               candor::cli::KeysCreateOptions& keys) {
    auto* init_command = app.add_subcommand(
        "init",
        "Create a deployment: database, key file (mode 0600), the first admin staff account and "
        "an admin API key, printed once");
    init_command->add_option("--db", init.db, "Database: sqlite:PATH or PATH")->required();
    init_command->add_option(
        "--keys-file", init.keys_file, "Key file to create; default: the SQLite path + .keys");
    init_command->add_option("--admin-email", init.admin_email, "The first admin's login")
        ->capture_default_str();
    init_command->add_option("--template",
                             init.program_template,
                             "The program to publish as version 1: retail (the default), cafe "
                             "or gaming; a database with a program keeps it");

    auto* keys_command = app.add_subcommand("keys", "API keys of a deployment");
    keys_command->require_subcommand(1);
    auto* create_command =
        keys_command->add_subcommand("create", "Create an API key and print it once");
    create_command->add_option("--db", keys.db, "Database: sqlite:PATH or PATH")->required();
    create_command->add_option(
        "--keys-file", keys.keys_file, "Key file; default: the SQLite path + .keys");
    create_command->add_option("--name", keys.name, "What the key is for")->required();
    create_command
        ->add_option("--scopes", keys.scopes, "Scopes, e.g. admin or events:write,members:read")
        ->delimiter(',')
        ->required();
    auto* rotate_command = keys_command->add_subcommand(
        "rotate-signing", "Replace the key file's signing_key (tree heads) with a fresh one");
    rotate_command->add_option("--db", keys.db, "Database: sqlite:PATH or PATH")->required();
    rotate_command->add_option(
        "--keys-file", keys.keys_file, "Key file; default: the SQLite path + .keys");
    return AdminCommands{init_command, create_command, rotate_command};
}

// `candor gen`: synthetic data (docs/cli.md).
void AddGenCommand(CLI::App& app, candor::cli::GenOptions& gen) {
    auto* gen_command =
        app.add_subcommand("gen", "Generate deterministic synthetic members and events");
    gen_command->add_option("--db", gen.db, "Database: sqlite:PATH or PATH")->required();
    gen_command->add_option("--members", gen.members, "Members to enrol")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{100'000'000}))
        ->capture_default_str();
    gen_command->add_option("--events", gen.events, "Events to generate")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{1'000'000'000}))
        ->capture_default_str();
    gen_command->add_option("--seed", gen.seed, "Seed; the same seed gives the same data")
        ->capture_default_str();
    gen_command->add_option("--days", gen.days, "Days the events span")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{3650}))
        ->capture_default_str();
    gen_command->add_option("--start", gen.start, "First day, YYYY-MM-DD (UTC)")
        ->capture_default_str();
    gen_command->add_flag("--quiet", gen.quiet, "No progress bar");
}

int Main(int argc, char** argv) {
    using namespace candor::cli;  // NOLINT(google-build-using-namespace): one function, local
    CLI::App app{"candor: the Candor loyalty ledger tool", "candor"};
    app.require_subcommand(1);

    CheckOptions check;
    auto* check_command = app.add_subcommand(
        "check", "Verify every ledger invariant of a database (exit 1 if any fails)");
    check_command->add_option("--db", check.db, "Database: sqlite:PATH or PATH")->required();

    VerifyOptions verify;
    SequenceOptions sequence;
    const LogCommands log_commands = AddLogCommands(app, verify, sequence);

    InitOptions init;
    KeysCreateOptions keys;
    const AdminCommands admin_commands = AddAdminCommands(app, init, keys);

    DemoOptions demo;
    auto* demo_command = app.add_subcommand(
        "demo", "Walk through a demo program: earn, hold, capture, refund, expire, check");
    demo_command->add_option("--db", demo.db, "Database file to (re)create")->capture_default_str();

    GenOptions gen;
    AddGenCommand(app, gen);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& help) {
        return app.exit(help);
    } catch (const CLI::CallForAllHelp& help) {
        return app.exit(help);
    } catch (const CLI::ParseError& error) {
        PrintError(std::string(error.what()) + " (see candor --help)");
        return kExitUsage;
    }

    if (auto initialized = candor::crypto::InitCrypto(); !initialized) {
        PrintError(initialized.error().message);
        return kExitInvalid;
    }
    if (*check_command) {
        return RunCheck(check);
    }
    if (*admin_commands.init) {
        return RunInit(init);
    }
    if (*admin_commands.keys_create) {
        return RunKeysCreate(keys);
    }
    if (*admin_commands.keys_rotate_signing) {
        return RunRotateSigning(keys);
    }
    if (*log_commands.verify) {
        return RunVerify(verify);
    }
    if (*log_commands.sequence) {
        return RunSequence(sequence);
    }
    if (*demo_command) {
        return RunDemo(demo);
    }
    return RunGen(gen);
}

}  // namespace

int main(int argc, char** argv) {
    // CLI11 and the standard library may throw (bad_alloc, filesystem errors): one top-level
    // catch turns that into a one-line error instead of an abort with a core dump.
    try {
        return Main(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "candor: internal error: %s\n", e.what());
        return candor::cli::kExitInvalid;
    }
}
