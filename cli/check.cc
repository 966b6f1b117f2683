#include <fmt/format.h>

#include "cli/commands.h"
#include "ledger/ledger.h"

namespace candor::cli {

void PrintError(const std::string& message) {
    fmt::print(stderr, "candor: {}\n", message);
}

Result<std::string> KeysFileOf(const std::string& db, const std::string& keys_file) {
    if (!keys_file.empty()) {
        return keys_file;
    }
    auto path = config::DefaultKeysFile(db);
    if (!path) {
        return MakeError(ErrorCode::kInvalidArgument, path.error().message + " (pass --keys-file)");
    }
    return path;
}

Result<KeyFile> LoadKeyFile(const std::string& db, const std::string& keys_file) {
    KeyFile loaded;
    CANDOR_ASSIGN_OR_RETURN(loaded.path, KeysFileOf(db, keys_file));
    CANDOR_ASSIGN_OR_RETURN(loaded.keys, config::LoadKeys(loaded.path));
    return loaded;
}

Result<std::unique_ptr<store::Store>> OpenReadOnly(const std::string& db) {
    store::OpenOptions open;
    open.read_only = true;
    return store::Open(db, open);
}

int RunCheck(const CheckOptions& options) {
    auto store = OpenReadOnly(options.db);
    if (!store) {
        PrintError(store.error().message);
        return kExitInvalid;
    }
    auto report = ledger::Check(**store);
    if (!report) {
        PrintError(report.error().message);
        return kExitInvalid;
    }
    if (!report->is_ok()) {
        for (const std::string& violation : report->violations) {
            fmt::print("violation: {}\n", violation);
        }
        fmt::print("FAILED: {} violation(s); the first is: {}\n",
                   report->violations.size(),
                   report->violations.front());
        return kExitInvalid;
    }
    fmt::print(
        "ok: {} entries, {} postings, {} accounts, {} accounts with open lots, {} holds; "
        "every invariant holds\n",
        report->entries,
        report->postings,
        report->accounts,
        report->open_lots_accounts,
        report->holds);
    return kExitOk;
}

}  // namespace candor::cli
