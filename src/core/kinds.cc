#include "core/kinds.h"

namespace candor {

std::string_view Name(Asset asset) {
    switch (asset) {
        case Asset::kPoints:
            return "points";
        case Asset::kStatus:
            return "status";
        case Asset::kCashback:
            return "cashback";
    }
    return "unknown";
}

std::string_view Name(EntryKind kind) {
    switch (kind) {
        case EntryKind::kEarn:
            return "earn";
        case EntryKind::kSpend:
            return "spend";
        case EntryKind::kHold:
            return "hold";
        case EntryKind::kCapture:
            return "capture";
        case EntryKind::kVoid:
            return "void";
        case EntryKind::kReversal:
            return "reversal";
        case EntryKind::kExpire:
            return "expire";
        case EntryKind::kAdjust:
            return "adjust";
        case EntryKind::kTransfer:
            return "transfer";
    }
    return "unknown";
}

std::string_view Name(AccountKind kind) {
    switch (kind) {
        case AccountKind::kMemberAvailable:
            return "member_available";
        case AccountKind::kMemberHeld:
            return "member_held";
        case AccountKind::kProgramIssued:
            return "program_issued";
        case AccountKind::kProgramRedeemed:
            return "program_redeemed";
        case AccountKind::kProgramExpired:
            return "program_expired";
        case AccountKind::kAdjustment:
            return "adjustment";
        case AccountKind::kCampaignBudget:
            return "campaign_budget";
        case AccountKind::kCashback:
            return "cashback";
    }
    return "unknown";
}

bool ParseAsset(std::string_view name, Asset* asset) {
    for (Asset candidate : kAssets) {
        if (Name(candidate) == name) {
            *asset = candidate;
            return true;
        }
    }
    return false;
}

bool IsKnownAsset(std::uint8_t value) {
    return value >= 1 && value <= 3;
}

bool IsKnownEntryKind(std::uint8_t value) {
    return value >= 1 && value <= 9;
}

bool IsKnownAccountKind(std::uint8_t value) {
    return value >= 1 && value <= 8;
}

}  // namespace candor
