// The small closed vocabularies shared by the store, the journal and the ledger: assets,
// entry kinds and account kinds. Their numeric values are stored on disk and hashed into the
// journal, so they never change; new values are appended.
#pragma once

#include <cstdint>
#include <string_view>

namespace candor {

enum class Asset : std::uint8_t {
    kPoints = 1,    // spendable points
    kStatus = 2,    // status points, for tier qualification
    kCashback = 3,  // cashback, in minor currency units
};

inline constexpr Asset kAssets[] = {Asset::kPoints, Asset::kStatus, Asset::kCashback};

enum class EntryKind : std::uint8_t {
    kEarn = 1,
    kSpend = 2,
    kHold = 3,
    kCapture = 4,
    kVoid = 5,
    kReversal = 6,
    kExpire = 7,
    kAdjust = 8,
    kTransfer = 9,
};

enum class AccountKind : std::uint8_t {
    kMemberAvailable = 1,  // a member's spendable balance of one asset
    kMemberHeld = 2,       // a member's balance reserved by open holds
    kProgramIssued = 3,    // source of earned points and status points
    kProgramRedeemed = 4,  // destination of spent and captured balances
    kProgramExpired = 5,   // destination of expired points
    kAdjustment = 6,       // counterpart of staff adjustments
    kCampaignBudget = 7,   // a campaign's funded budget; never below zero
    kCashback = 8,         // source of cashback
};

std::string_view Name(Asset asset);
std::string_view Name(EntryKind kind);
std::string_view Name(AccountKind kind);
bool ParseAsset(std::string_view name, Asset* asset);
bool IsKnownAsset(std::uint8_t value);
bool IsKnownEntryKind(std::uint8_t value);
bool IsKnownAccountKind(std::uint8_t value);

}  // namespace candor
