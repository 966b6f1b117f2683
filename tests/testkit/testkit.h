// Test helpers shared by every suite: a temporary directory that cleans up after itself, a
// store opened on a fresh SQLite file in it, and a ledger set up on that store with a
// ManualClock. Tests only; never linked into candord or candor.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/clock.h"
#include "ledger/ledger.h"
#include "store/store.h"

namespace candor::testkit {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();

    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

    std::string File(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

// 2026-01-01T00:00:00Z, the default start of every test clock.
Timestamp TestEpoch();

// Opens (creating) a SQLite store at `path`; aborts the test binary if that fails.
std::unique_ptr<store::Store> OpenStore(const std::string& path);

// A ledger on a fresh database file, set up, with its clock at TestEpoch().
struct TestLedger {
    TestLedger();

    TempDir dir;
    std::string db_path;
    ManualClock clock;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<ledger::Ledger> ledger;

    // Runs a command in its own transaction with a fresh idempotency key.
    Result<ledger::Outcome> Run(ledger::Command command);
    // Enrols a member and returns its id; aborts on failure.
    MemberId Enrol(const std::string& public_id);
    // Runs Check on a second connection and returns its violations joined ("" when clean).
    std::string CheckViolations();

private:
    int next_key_ = 0;
};

}  // namespace candor::testkit
