// `candor init`: makes a new deployment ready to serve. It creates and migrates the database,
// publishes a template program as version 1 (unless the database has a program already), writes
// the key file, creates the first admin staff account with TOTP already set up, and an admin API
// key, and prints their one-time credentials on stdout. `candor keys create` makes
// further API keys; `candor keys rotate-signing` replaces the signing key of tree heads. They
// refuse to act on anything they could damage.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "access/access.h"
#include "cli/commands.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "translog/translog.h"

namespace candor::cli {
namespace {

// Random bytes in the generated admin password: 18 bytes are 24 URL-safe characters, 144 bits.
constexpr std::size_t kPasswordRandomBytes = 18;

// Prints "candor: <message>" and returns kExitInvalid.
int Report(const Error& error) {
    PrintError(error.message);
    return kExitInvalid;
}

// True when the database already has a staff account or an API key: `candor init` ran on it.
Result<bool> IsInitialized(store::Store& store, access::Access& access) {
    CANDOR_ASSIGN_OR_RETURN(const std::int64_t staff, store.CountStaff());
    CANDOR_ASSIGN_OR_RETURN(const auto keys, access.ListApiKeys(ApiKeyId(), 1));
    return staff > 0 || !keys.empty();
}

struct AdminCredentials {
    std::string login;
    std::string password;
    access::TotpEnrolment totp;
    std::vector<std::string> recovery_codes;
    std::string api_key;
};

// Creates the admin staff account and confirms its TOTP, then an admin API key.
Result<AdminCredentials> CreateAdmin(access::Access& access,
                                     const Clock& clock,
                                     const std::string& email) {
    AdminCredentials admin;
    admin.login = email;
    admin.password = crypto::RandomToken(kPasswordRandomBytes);
    CANDOR_TRY(access.CreateStaff(email, "Administrator", admin.password, access::Role::kAdmin));
    CANDOR_ASSIGN_OR_RETURN(const access::Session enrolment,
                            access.LoginStaff(email, admin.password, ""));
    CANDOR_ASSIGN_OR_RETURN(admin.totp, access.BeginTotpEnrolment(enrolment.principal));
    CANDOR_ASSIGN_OR_RETURN(const auto secret, crypto::Base32Decode(admin.totp.secret_base32));
    // Confirmed with the previous time step's code (accepted: the window is one step either
    // side), so the current code, the first the admin will type, has not been used yet.
    const auto previous_step =
        std::chrono::floor<std::chrono::seconds>(clock.Now()) - std::chrono::seconds(30);
    const std::string code =
        crypto::TotpCode(secret, previous_step.time_since_epoch().count(), 6, 30);
    CANDOR_ASSIGN_OR_RETURN(admin.recovery_codes, access.ConfirmTotp(enrolment.principal, code));
    CANDOR_ASSIGN_OR_RETURN(const access::CreatedApiKey key,
                            access.CreateApiKey("admin (candor init)", {"admin"}, "", "", 0));
    admin.api_key = key.token;
    return admin;
}

// The program of a new deployment: `name`'s template published as the first version, or, when
// the database has a program already (the demo's), that one kept. Answers the line to print.
// An explicit --template on a database with a program is refused (kAlreadyExists), so that
// init never publishes over a program someone made.
Result<std::string> SetUpProgram(store::Store& store,
                                 ledger::Ledger& ledger,
                                 const Clock& clock,
                                 const std::string& name) {
    CANDOR_ASSIGN_OR_RETURN(const std::optional<store::ProgramVersionRow> latest,
                            store.LoadLatestProgramVersion());
    if (latest) {
        if (!name.empty()) {
            return MakeError(ErrorCode::kAlreadyExists,
                             fmt::format("the database already has a program (version {}, "
                                         "published by {}); --template is for one without",
                                         latest->info.version,
                                         latest->info.published_by));
        }
        return fmt::format("The program stays version {}, published by {}.",
                           latest->info.version,
                           latest->info.published_by);
    }
    const std::string_view chosen = name.empty() ? kDefaultTemplate : std::string_view(name);
    CANDOR_ASSIGN_OR_RETURN(const PublishedTemplate published,
                            PublishTemplate(store, ledger, clock, chosen, "candor init"));
    std::string line = fmt::format("The program is the {} template ({}), published as version {}.",
                                   chosen,
                                   published.program.definition().name.en,
                                   published.version);
    if (!published.budgets_opened.empty()) {
        line += fmt::format(
            " Its campaign budgets ({}) start empty: fund them with POST "
            "/v1/program/budgets/{{code}}/fund.",
            fmt::join(published.budgets_opened, ", "));
    }
    return line;
}

void PrintAdmin(const AdminCredentials& admin) {
    fmt::print(
        "The first admin, shown once: keep these in a password manager, then clear the "
        "terminal.\n"
        "CANDOR_ADMIN_LOGIN={}\n"
        "CANDOR_ADMIN_PASSWORD={}\n"
        "CANDOR_ADMIN_TOTP_SECRET={}\n"
        "CANDOR_ADMIN_TOTP_URI={}\n"
        "CANDOR_ADMIN_RECOVERY_CODES={}\n"
        "CANDOR_ADMIN_KEY={}\n",
        admin.login,
        admin.password,
        admin.totp.secret_base32,
        admin.totp.otpauth_uri,
        fmt::join(admin.recovery_codes, " "),
        admin.api_key);
}

}  // namespace

int RunInit(const InitOptions& options) {
    // Checked before anything is created.
    if (!options.program_template.empty() && !program::TemplateJson(options.program_template)) {
        PrintError(fmt::format("--template {}: no such template; the templates are {}",
                               options.program_template,
                               fmt::join(program::TemplateNames(), ", ")));
        return kExitUsage;
    }
    auto keys_file = KeysFileOf(options.db, options.keys_file);
    if (!keys_file) {
        PrintError(keys_file.error().message);
        return kExitUsage;
    }
    // Checked before the database is created or touched; WriteNewKeys checks again atomically.
    if (std::error_code error; std::filesystem::exists(*keys_file, error)) {
        PrintError(fmt::format("the key file {} exists; refusing to overwrite it", *keys_file));
        return kExitInvalid;
    }
    auto store = store::Open(options.db);
    if (!store) {
        return Report(store.error());
    }
    const SystemClock clock;
    ledger::Ledger ledger(**store, clock);
    if (auto setup = ledger.Setup(); !setup) {
        return Report(setup.error());
    }
    const config::Keys keys = config::GenerateKeys();
    crypto::PasswordHasher hasher(1);
    access::Access access(**store, clock, hasher, access::AccessKeys{keys.index_key});
    auto is_initialized = IsInitialized(**store, access);
    if (!is_initialized) {
        return Report(is_initialized.error());
    }
    if (*is_initialized) {
        PrintError(fmt::format("{} is already initialized (it has staff or API keys)", options.db));
        return kExitInvalid;
    }
    // Before the keys and the admin: a refused program leaves no key file behind.
    auto program = SetUpProgram(**store, ledger, clock, options.program_template);
    if (!program) {
        return Report(program.error());
    }
    if (auto written = config::WriteNewKeys(*keys_file, keys); !written) {
        return Report(written.error());
    }
    auto admin = CreateAdmin(access, clock, options.admin_email);
    if (!admin) {
        // The key file stays: the database may already hold data made with its keys.
        return Report(admin.error());
    }
    fmt::print(
        "Initialized {}; its keys are in {} (mode 0600): back that file up apart from "
        "the database.\n",
        options.db,
        *keys_file);
    fmt::print("{}\n", *program);
    PrintAdmin(*admin);
    return kExitOk;
}

int RunKeysCreate(const KeysCreateOptions& options) {
    auto key_file = LoadKeyFile(options.db, options.keys_file);
    if (!key_file) {
        return Report(key_file.error());
    }
    store::OpenOptions open_options;
    open_options.create = false;
    auto store = store::Open(options.db, open_options);
    if (!store) {
        return Report(store.error());
    }
    const SystemClock clock;
    crypto::PasswordHasher hasher(1);
    access::Access access(**store, clock, hasher, access::AccessKeys{key_file->keys.index_key});
    auto created = access.CreateApiKey(options.name, options.scopes, "", "", 0);
    if (!created) {
        PrintError(created.error().message);
        return created.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitInvalid;
    }
    fmt::print("CANDOR_KEY={}\n", created->token);
    return kExitOk;
}

// A new signing_key in the key file, the other keys kept. Heads signed before stay verifiable:
// the sequencer recorded the old public key in the database with the first head it signed.
int RunRotateSigning(const KeysCreateOptions& options) {
    auto key_file = LoadKeyFile(options.db, options.keys_file);
    if (!key_file) {
        return Report(key_file.error());
    }
    const translog::Signer old_signer(key_file->keys.signing_key);
    crypto::RandomBytes(key_file->keys.signing_key);
    const translog::Signer new_signer(key_file->keys.signing_key);
    if (auto replaced = config::ReplaceKeys(key_file->path, key_file->keys); !replaced) {
        return Report(replaced.error());
    }
    fmt::print(
        "Rotated the signing key in {}: key id {} (public key {}) replaces {}. candord signs with "
        "it from its next start; heads signed before stay verifiable with the old public key "
        "(GET /v1/transparency/keys).\n",
        key_file->path,
        new_signer.key_id(),
        crypto::ToHex(new_signer.public_key()),
        old_signer.key_id());
    return kExitOk;
}

}  // namespace candor::cli
