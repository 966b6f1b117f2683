// The commands of the crash test, derived from their idempotency keys alone, so that the test
// can rebuild an acknowledged earn and resubmit it. Shared by crash_worker and crash_test.
//
// A worker acknowledges a command with one line "<key> <op>" on stdout, written only after the
// committer reported the command durable. Lines that start with '#' are progress notes.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/amount.h"
#include "core/ids.h"
#include "ledger/ledger.h"

namespace candor::crash {

inline constexpr std::string_view kClientId = "crash-worker";
inline constexpr int kMembers = 8;
inline constexpr std::string_view kReadyLine = "#ready";

enum class Op : std::uint8_t { kEarn, kSpend, kHold, kCapture, kVoid };

inline std::string_view Name(Op op) {
    switch (op) {
        case Op::kEarn:
            return "earn";
        case Op::kSpend:
            return "spend";
        case Op::kHold:
            return "hold";
        case Op::kCapture:
            return "capture";
        case Op::kVoid:
            return "void";
    }
    return "?";
}

inline std::optional<Op> ParseOp(std::string_view name) {
    for (Op op : {Op::kEarn, Op::kSpend, Op::kHold, Op::kCapture, Op::kVoid}) {
        if (Name(op) == name) {
            return op;
        }
    }
    return std::nullopt;
}

// The entry kind an acknowledged command of `op` wrote.
inline EntryKind EntryKindOf(Op op) {
    switch (op) {
        case Op::kEarn:
            return EntryKind::kEarn;
        case Op::kSpend:
            return EntryKind::kSpend;
        case Op::kHold:
            return EntryKind::kHold;
        case Op::kCapture:
            return EntryKind::kCapture;
        case Op::kVoid:
            return EntryKind::kVoid;
    }
    return EntryKind::kEarn;
}

inline std::string MemberPublicId(int index) {
    return fmt::format("crash-m{}", index);
}

inline std::string EnrolKey(int index) {
    return fmt::format("enrol-{}", index);
}

inline std::string CommandKey(int round, std::uint64_t n) {
    return fmt::format("r{}-{}", round, n);
}

// FNV-1a, 64 bits: the same on every run and platform.
inline std::uint64_t KeyHash(std::string_view key) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (char c : key) {
        hash ^= static_cast<std::uint8_t>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

// Half of the commands are earns; spends and holds a sixth each; captures and voids the rest.
// A capture or void runs as a hold when the worker has no open hold of its own to close.
inline Op PlannedOp(std::string_view key) {
    const std::uint64_t pick = KeyHash(key) % 12;
    if (pick < 6) {
        return Op::kEarn;
    }
    if (pick < 8) {
        return Op::kSpend;
    }
    if (pick < 10) {
        return Op::kHold;
    }
    return pick == 10 ? Op::kCapture : Op::kVoid;
}

inline int MemberIndex(std::string_view key) {
    return static_cast<int>((KeyHash(key) >> 8U) % kMembers);
}

// An amount of 1-30, for spends, holds and partial captures.
inline Amount SmallAmount(std::string_view key) {
    return Amount(1 + static_cast<std::int64_t>((KeyHash(key) >> 24U) % 30));
}

inline ledger::Earn EarnFor(std::string_view key, MemberId member) {
    const std::uint64_t hash = KeyHash(key);
    ledger::Earn earn;
    earn.member = member;
    earn.points = Amount(1 + static_cast<std::int64_t>((hash >> 16U) % 100));
    earn.status = Amount(static_cast<std::int64_t>((hash >> 32U) % 20));
    earn.meta = "crash";
    return earn;
}

}  // namespace candor::crash
