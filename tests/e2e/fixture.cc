// e2e_fixture: what the end-to-end tests set up in a database before candord starts, where no
// HTTP route of this branch does it yet: publish a program version, open and fund a campaign
// budget. Tests only.
//
//   e2e_fixture publish DB FILE         checks FILE's program (ParseProgram) and publishes it as
//                                       the next version; prints the version
//   e2e_fixture budget DB CODE POINTS   opens campaign budget CODE and funds it with POINTS
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "core/clock.h"
#include "ledger/ledger.h"
#include "program/program.h"
#include "store/store.h"

namespace {

using namespace candor;  // NOLINT(google-build-using-namespace): a test tool's main file

int Fail(const std::string& what) {
    fmt::print(stderr, "e2e_fixture: {}\n", what);
    return 1;
}

int Publish(store::Store& store, const std::string& path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    if (!file) {
        return Fail("cannot read " + path);
    }
    auto latest = store.ListProgramVersions(0, 1);
    if (!latest) {
        return Fail(latest.error().message);
    }
    const std::int64_t newest = latest->empty() ? 0 : latest->front().version;
    auto program = program::ParseProgram(text.str(), newest + 1);
    if (!program) {
        return Fail(program.error().message);
    }
    store::ProgramVersionRow row;
    row.document = text.str();
    row.info.published_at = SystemClock().Now();
    row.info.published_by = "e2e";
    auto version = store.PublishProgramVersion(newest, row);
    if (!version) {
        return Fail(version.error().message);
    }
    fmt::print("{}\n", *version);
    return 0;
}

int Budget(store::Store& store, const std::string& code, const std::string& points) {
    const SystemClock clock;
    ledger::Ledger ledger(store, clock);
    if (auto setup = ledger.Setup(); !setup) {
        return Fail(setup.error().message);
    }
    auto opened =
        ledger.ExecuteNow(ledger::Request{"e2e", "budget-" + code, ledger::OpenBudget{code}});
    if (!opened) {
        return Fail(opened.error().message);
    }
    auto funded = ledger.ExecuteNow(ledger::Request{
        "e2e", "fund-" + code, ledger::FundBudget{opened->account, Amount(std::stoll(points))}});
    if (!funded) {
        return Fail(funded.error().message);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        return Fail("usage: e2e_fixture publish DB FILE | budget DB CODE POINTS");
    }
    const std::string command = argv[1];
    auto store = store::Open(argv[2]);
    if (!store) {
        return Fail(store.error().message);
    }
    if (command == "publish") {
        return Publish(**store, argv[3]);
    }
    if (command == "budget" && argc == 5) {
        return Budget(**store, argv[3], argv[4]);
    }
    return Fail("unknown command " + command);
}
