#include "app/program_cache.h"

#include <algorithm>
#include <string>
#include <utility>

#include "core/assert.h"

namespace candor::app {
namespace {

program::Program CompileDefault() {
    const std::optional<std::string_view> json = program::TemplateJson("default");
    CANDOR_ASSERT(json.has_value());
    auto compiled = program::ParseProgram(*json, 0);
    CANDOR_ASSERT(compiled.has_value());
    return std::move(*compiled);
}

}  // namespace

ProgramCache::ProgramCache(std::size_t versions_max)
    : versions_max_(versions_max), default_(CompileDefault()) {
    CANDOR_ASSERT(versions_max_ >= 1);
}

Result<program::Program> ProgramCache::InForce(store::Store& store) {
    CANDOR_ASSIGN_OR_RETURN(const std::vector<store::ProgramVersionInfo> newest,
                            store.ListProgramVersions(0, 1));
    if (newest.empty()) {
        return default_;
    }
    CANDOR_ASSIGN_OR_RETURN(std::optional<program::Program> program,
                            Find(store, newest.front().version));
    // The version was just listed and versions are never deleted.
    CANDOR_ASSERT(program.has_value());
    return std::move(*program);
}

Result<std::optional<program::Program>> ProgramCache::Find(store::Store& store,
                                                           std::int64_t version) {
    if (version == 0) {
        return std::optional(default_);
    }
    {
        const std::lock_guard lock(mutex_);
        if (const auto slot = slots_.find(version); slot != slots_.end()) {
            slot->second.last_used = ++uses_;
            return std::optional(slot->second.program);
        }
    }
    // Read and compile outside the lock: another thread may do the same meanwhile, and both get
    // the same program (a version never changes).
    CANDOR_ASSIGN_OR_RETURN(const std::optional<store::ProgramVersionRow> row,
                            store.LoadProgramVersion(version));
    if (!row) {
        return std::optional<program::Program>();
    }
    program::ProgramError where;
    auto compiled = program::ParseProgram(row->document, version, &where);
    if (!compiled) {
        // Publishing checks a version, so this is a version written by something else.
        return MakeError(ErrorCode::kInternal,
                         "program version " + std::to_string(version) +
                             " does not compile: " + compiled.error().message);
    }
    const std::lock_guard lock(mutex_);
    if (slots_.size() >= versions_max_ && !slots_.contains(version)) {
        const auto oldest =
            std::min_element(slots_.begin(), slots_.end(), [](const auto& a, const auto& b) {
                return a.second.last_used < b.second.last_used;
            });
        slots_.erase(oldest);
    }
    const auto [slot, is_new] = slots_.try_emplace(version, Slot{*compiled, 0});
    slot->second.last_used = ++uses_;
    return std::optional(slot->second.program);
}

}  // namespace candor::app
