// Publishing a template program from the command line (`candor init --template`, `candor demo`).
// candord's POST /v1/program/publish does the same for a draft, inside its committer.
#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "core/json.h"

namespace candor::cli {
namespace {

// Publishes `document` and opens its budgets. REQUIRES: a transaction is open on `store`.
Result<PublishedTemplate> PublishInTransaction(store::Store& store,
                                               ledger::Ledger& ledger,
                                               const store::ProgramVersionRow& row,
                                               std::string_view published_by) {
    CANDOR_ASSIGN_OR_RETURN(const std::optional<store::ProgramVersionRow> latest,
                            store.LoadLatestProgramVersion());
    const std::int64_t newest = latest ? latest->info.version : 0;
    CANDOR_ASSIGN_OR_RETURN(const std::int64_t version, store.PublishProgramVersion(newest, row));
    CANDOR_ASSIGN_OR_RETURN(program::Program program, program::ParseProgram(row.document, version));
    std::vector<std::string> opened;
    for (const program::Campaign& campaign : program.definition().campaigns) {
        if (campaign.budget.empty()) {
            continue;
        }
        CANDOR_ASSIGN_OR_RETURN(const auto existing,
                                store.FindSystemAccountByCode("campaign:" + campaign.budget));
        if (existing) {
            continue;
        }
        CANDOR_TRY(ledger.Execute(
            ledger::Request{std::string(published_by), "", ledger::OpenBudget{campaign.budget}}));
        opened.push_back(campaign.budget);
    }
    return PublishedTemplate{version, std::move(program), std::move(opened)};
}

}  // namespace

Result<PublishedTemplate> PublishTemplate(store::Store& store,
                                          ledger::Ledger& ledger,
                                          const Clock& clock,
                                          std::string_view name,
                                          std::string_view published_by) {
    const std::optional<std::string_view> json = program::TemplateJson(name);
    if (!json) {
        return Invalid(fmt::format("no template program is named '{}'; the templates are {}",
                                   name,
                                   fmt::join(program::TemplateNames(), ", ")));
    }
    CANDOR_ASSIGN_OR_RETURN(const program::Program parsed, program::ParseProgram(*json));
    store::ProgramVersionRow row;
    row.info.published_at = clock.Now();
    row.info.published_by = std::string(published_by);
    row.info.note = fmt::format("the {} template", name);
    row.document = program::ProgramJson(parsed.definition());
    CANDOR_TRY(store.Begin());
    auto published = PublishInTransaction(store, ledger, row, published_by);
    if (!published) {
        (void)store.Rollback();
        return published.error();
    }
    if (Status committed = store.Commit(); !committed) {
        (void)store.Rollback();
        return committed.error();
    }
    return published;
}

}  // namespace candor::cli
