// The compiled program versions candord earns and explains with (docs/program.md, "How candord
// earns"). Published versions are immutable, so a version compiled once stays right; which one
// is in force is asked of the store each time (one indexed read of the newest version's
// number), so a publish takes effect for the next event without notifying anyone, whichever
// node published. Before the first publish the built-in default program (the "default"
// template, version 0) is in force. Thread-safe. Private to app/.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

#include "core/limits.h"
#include "core/result.h"
#include "program/program.h"
#include "store/store.h"

namespace candor::app {

class ProgramCache {
public:
    // REQUIRES: versions_max >= 1.
    explicit ProgramCache(std::size_t versions_max = limits::kProgramVersionsCachedMax);

    // The built-in default program, version 0 (the "default" template).
    const program::Program& Default() const { return default_; }

    // The program in force as `store` sees it now: the newest published version, or Default()
    // before the first publish. Run it inside the transaction that acts on the answer.
    // Errors: kStorage; kInternal when the stored version does not compile.
    Result<program::Program> InForce(store::Store& store);

    // Published version `version` (0: Default()), compiled on first use from `store`;
    // std::nullopt when no such version was published. Errors as InForce's.
    Result<std::optional<program::Program>> Find(store::Store& store, std::int64_t version);

private:
    struct Slot {
        program::Program program;
        std::uint64_t last_used = 0;
    };

    std::size_t versions_max_;
    program::Program default_;
    std::mutex mutex_;
    std::map<std::int64_t, Slot> slots_;
    std::uint64_t uses_ = 0;
};

}  // namespace candor::app
