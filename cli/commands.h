// The subcommands of `candor`, one file each. Each returns the process exit code and prints
// errors as one line on stderr: "candor: <message>".
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "core/result.h"
#include "ledger/ledger.h"
#include "program/program.h"
#include "store/store.h"

namespace candor::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;  // the data is wrong: a violation, a bad database
inline constexpr int kExitUsage = 2;    // the command line is wrong

struct CheckOptions {
    std::string db;
};

struct DemoOptions {
    std::string db = "var/candor.db";
};

struct GenOptions {
    std::string db;
    std::int64_t members = 1000;
    std::int64_t events = 10000;
    std::uint64_t seed = 1;
    std::int64_t days = 365;
    std::string start = "2025-01-01";
    bool quiet = false;
};

struct VerifyOptions {
    std::string db;
    std::vector<std::string> keys;         // Ed25519 public keys (hex) that may have signed heads
    std::string receipt;                   // a receipt file to check offline
    std::vector<std::string> consistency;  // two head files, old then new
};

struct SequenceOptions {
    std::string db;
    std::string keys_file;  // "" = the SQLite path + ".keys"
    std::size_t batch = 10'000;
};

struct InitOptions {
    std::string db;
    std::string keys_file;  // "" = the SQLite path + ".keys"
    std::string admin_email = "admin@candor.local";
    // The template program to publish as version 1 ("retail", "cafe", "gaming"); "" when not
    // given: kDefaultTemplate for a database without a program, none for one that has one.
    std::string program_template;
};

// The template `candor init` publishes when --template is not given.
inline constexpr std::string_view kDefaultTemplate = "retail";

struct KeysCreateOptions {
    std::string db;
    std::string keys_file;  // "" = the SQLite path + ".keys"
    std::string name;
    std::vector<std::string> scopes;
};

int RunCheck(const CheckOptions& options);
int RunInit(const InitOptions& options);
int RunKeysCreate(const KeysCreateOptions& options);
// `candor keys rotate-signing`: KeysCreateOptions' db and keys_file only.
int RunRotateSigning(const KeysCreateOptions& options);
int RunVerify(const VerifyOptions& options);
int RunSequence(const SequenceOptions& options);

int RunDemo(const DemoOptions& options);
int RunGen(const GenOptions& options);

// A template program as PublishTemplate published it.
struct PublishedTemplate {
    std::int64_t version = 0;
    program::Program program;
    std::vector<std::string> budgets_opened;  // campaign budget codes
};

// Publishes the template program `name` (program::TemplateJson) as the next version of the
// database's program, by `published_by`, and opens the ledger budget account of each campaign
// budget it names that has none, in one transaction (docs/program.md, "Editing and publishing").
// kInvalidArgument for an unknown name. REQUIRES: `ledger` works on `store`; no transaction is
// open on it.
Result<PublishedTemplate> PublishTemplate(store::Store& store,
                                          ledger::Ledger& ledger,
                                          const Clock& clock,
                                          std::string_view name,
                                          std::string_view published_by);

// Prints "candor: <message>" on stderr.
void PrintError(const std::string& message);

// The key file of a deployment: `keys_file`, or else the default beside the SQLite database
// `db` (kInvalidArgument, saying to pass --keys-file, when there is none).
Result<std::string> KeysFileOf(const std::string& db, const std::string& keys_file);

// That key file's path and keys, as config::LoadKeys reads them.
struct KeyFile {
    std::string path;
    config::Keys keys;
};

Result<KeyFile> LoadKeyFile(const std::string& db, const std::string& keys_file);

// `db` opened read-only, as check and verify do: they never write, nor migrate.
Result<std::unique_ptr<store::Store>> OpenReadOnly(const std::string& db);

}  // namespace candor::cli
