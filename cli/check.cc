#include <fmt/format.h>

#include "cli/commands.h"
#include "ledger/ledger.h"

namespace candor::cli {

void PrintError(const std::string& message) {
    fmt::print(stderr, "candor: {}\n", message);
}

int RunCheck(const CheckOptions& options) {
    store::OpenOptions open;
    open.read_only = true;
    auto store = store::Open(options.db, open);
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
