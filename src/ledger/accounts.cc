#include <array>

#include "ledger/ledger.h"

namespace candor::ledger {
namespace {

struct MemberSlot {
    Asset asset;
    bool is_held;
};

// Index = slot number. Changing this table changes stored account ids: append only.
constexpr std::array<MemberSlot, 5> kMemberSlots = {{
    {Asset::kPoints, false},
    {Asset::kPoints, true},
    {Asset::kStatus, false},
    {Asset::kCashback, false},
    {Asset::kCashback, true},
}};

}  // namespace

AccountId MemberAccount(MemberId member, Asset asset, bool held) {
    CANDOR_ASSERT(member.is_set());
    CANDOR_ASSERT(member.value() <= kMemberIdMax);
    CANDOR_ASSERT(!(held && asset == Asset::kStatus));
    for (std::size_t slot = 0; slot < kMemberSlots.size(); ++slot) {
        if (kMemberSlots.at(slot).asset == asset && kMemberSlots.at(slot).is_held == held) {
            return AccountId(member.value() * 16 + static_cast<std::int64_t>(slot));
        }
    }
    CANDOR_ASSERT(false);
    return AccountId();
}

std::optional<AccountInfo> DescribeMemberAccount(AccountId id) {
    if (id.value() < 16) {
        return std::nullopt;
    }
    const auto slot = static_cast<std::size_t>(id.value() % 16);
    if (slot >= kMemberSlots.size()) {
        return std::nullopt;
    }
    AccountInfo info;
    info.id = id;
    info.kind =
        kMemberSlots.at(slot).is_held ? AccountKind::kMemberHeld : AccountKind::kMemberAvailable;
    info.asset = kMemberSlots.at(slot).asset;
    info.allows_negative = false;
    info.shards = 1;
    info.member = MemberId(id.value() / 16);
    return info;
}

}  // namespace candor::ledger
