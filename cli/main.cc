// candor: the command-line tool. See `candor --help` and docs/cli.md.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "crypto/crypto.h"

namespace {

int Main(int argc, char** argv) {
    using namespace candor::cli;  // NOLINT(google-build-using-namespace): one function, local
    CLI::App app{"candor: the Candor loyalty ledger tool", "candor"};
    app.require_subcommand(1);

    CheckOptions check;
    auto* check_command = app.add_subcommand(
        "check", "Verify every ledger invariant of a database (exit 1 if any fails)");
    check_command->add_option("--db", check.db, "Database: sqlite:PATH or PATH")->required();

    DemoOptions demo;
    auto* demo_command = app.add_subcommand(
        "demo", "Walk through a demo program: earn, hold, capture, refund, expire, check");
    demo_command->add_option("--db", demo.db, "Database file to (re)create")->capture_default_str();

    GenOptions gen;
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
