#include "testkit/testkit.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "crypto/crypto.h"

namespace candor::testkit {

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "candor-test-XXXXXX").string();
    CANDOR_ASSERT(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

Timestamp TestEpoch() {
    return FromMicros(1'767'225'600'000'000);
}

std::unique_ptr<store::Store> OpenStore(const std::string& path) {
    auto store = store::Open(path);
    if (!store) {
        std::fprintf(stderr, "cannot open %s: %s\n", path.c_str(), store.error().message.c_str());
        std::abort();
    }
    return std::move(store).value();
}

TestLedger::TestLedger() : db_path(dir.File("candor.db")), clock(TestEpoch()) {
    CANDOR_ASSERT(crypto::InitCrypto().has_value());
    store = OpenStore(db_path);
    ledger = std::make_unique<ledger::Ledger>(*store, clock);
    CANDOR_ASSERT(ledger->Setup().has_value());
}

Result<ledger::Outcome> TestLedger::Run(ledger::Command command) {
    return ledger->ExecuteNow(
        ledger::Request{"test", fmt::format("key-{}", next_key_++), std::move(command)});
}

MemberId TestLedger::Enrol(const std::string& public_id) {
    auto outcome = Run(ledger::EnrolMember{public_id});
    CANDOR_ASSERT(outcome.has_value());
    return outcome->member;
}

std::string TestLedger::CheckViolations() {
    auto reader = OpenStore(db_path);
    auto report = ledger::Check(*reader);
    if (!report) {
        return "check failed: " + report.error().message;
    }
    std::string joined;
    for (const std::string& violation : report->violations) {
        joined += violation + "\n";
    }
    return joined;
}

}  // namespace candor::testkit
