// `candor init`: makes a new deployment ready to serve. It creates and migrates the database,
// writes the key file, creates the first admin staff account with TOTP already set up, and an
// admin API key, and prints their one-time credentials on stdout. `candor keys create` makes
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
    // TODO(#4): start the program from a template once the program engine exists.
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
